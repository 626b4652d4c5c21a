/* The queue's time series: a writer thread, the insert and the compaction. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "queue_store.h"

/* The writer may wait for the ingest's commits: it holds nothing anyone waits for. */
#define QUEUE_STORE_BUSY_MS 5000
/* After a failed write, the next try. */
#define QUEUE_STORE_RETRY_S 10

#define QUEUE_COLUMNS "time, day, span, samples, messages, bytes, oldest_age, active," \
	" active_bytes, deferred, deferred_bytes, hold, hold_bytes, incoming, incoming_bytes," \
	" maildrop, maildrop_bytes"

static void
bind_u64(sqlite3_stmt *st, int col, uint64_t v, int known)
{
	if (known)
		sqlite3_bind_int64(st, col, v > INT64_MAX ? INT64_MAX : (int64_t)v);
	else
		sqlite3_bind_null(st, col);
}

static int
write_one(sqlite3_stmt *st, const struct queue_row *r)
{
	const struct queue_sample *s = &r->s;
	int q, col = 8;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, s->time);
	sqlite3_bind_int(st, 2, r->day);
	sqlite3_bind_int(st, 3, r->span);
	sqlite3_bind_int(st, 4, 1);
	bind_u64(st, 5, s->total, 1);
	bind_u64(st, 6, s->total_bytes, s->has_bytes);
	/* exim -bpc tells no age; an empty queue has none: 0 */
	bind_u64(st, 7, (uint64_t)queue_oldest_age(s), s->has_bytes);
	for (q = 0; q < QN_COUNT; q++) {
		bind_u64(st, col++, s->msgs[q], s->split);
		bind_u64(st, col++, s->bytes[q], s->split);
	}
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

int
queue_store_write(sqlite3 *db, const struct queue_row *rows, size_t n)
{
	sqlite3_stmt *st = NULL;
	size_t i;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, "INSERT INTO queue_sample(" QUEUE_COLUMNS ") VALUES("
		"?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	for (i = 0; i < n; i++)
		if (write_one(st, &rows[i]) != 0)
			goto fail;
	sqlite3_finalize(st);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	st = NULL;
fail:
	sqlite3_finalize(st);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
queue_store_compact(sqlite3 *db, int64_t now)
{
	/* whole hours only: an hour is compacted once, when all its samples are in */
	int64_t cut = (now - QUEUE_STORE_RAW_SECONDS) / QUEUE_STORE_COMPACT_SPAN *
	    QUEUE_STORE_COMPACT_SPAN;
	sqlite3_stmt *ins = NULL, *del = NULL;
	int rc = -1;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, "INSERT INTO queue_sample(" QUEUE_COLUMNS ")"
		" SELECT time / ?2 * ?2, min(day), ?2, sum(samples), max(messages), max(bytes),"
		" max(oldest_age), max(active), max(active_bytes), max(deferred),"
		" max(deferred_bytes), max(hold), max(hold_bytes), max(incoming),"
		" max(incoming_bytes), max(maildrop), max(maildrop_bytes)"
		" FROM queue_sample WHERE span < ?2 AND time < ?1 GROUP BY time / ?2", -1, &ins,
		NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "DELETE FROM queue_sample WHERE span < ?2 AND time < ?1", -1,
		&del, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(ins, 1, cut);
	sqlite3_bind_int(ins, 2, QUEUE_STORE_COMPACT_SPAN);
	sqlite3_bind_int64(del, 1, cut);
	sqlite3_bind_int(del, 2, QUEUE_STORE_COMPACT_SPAN);
	if (sqlite3_step(ins) == SQLITE_DONE && sqlite3_step(del) == SQLITE_DONE)
		rc = 0;
out:
	sqlite3_finalize(ins);
	sqlite3_finalize(del);
	if (sqlite3_exec(db, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
		rc = -1;
	return rc;
}

/* Copy what waits (under the lock): the writer writes it without the lock. */
static size_t
take(struct queue_store *q, struct queue_row *out)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		out[i] = q->ring[(q->head + i) % QUEUE_STORE_PENDING];
	return q->n;
}

/* Written: drop the rows up to seq (those the producer dropped meanwhile are gone already). */
static void
done_upto(struct queue_store *q, uint64_t seq)
{
	while (q->n > 0 && q->ring[q->head].seq <= seq) {
		q->head = (q->head + 1) % QUEUE_STORE_PENDING;
		q->n--;
		q->written++;
	}
}

static void
write_pending(struct queue_store *q, sqlite3 *db, struct queue_row *batch)
{
	size_t n;

	pthread_mutex_lock(&q->mu);
	n = take(q, batch);
	pthread_mutex_unlock(&q->mu);
	if (n == 0)
		return;
	if (queue_store_write(db, batch, n) != 0) {
		if (!q->failing)
			log_err("queue", "%s: queue samples not written: %s; %zu waiting, retried every"
			    " %d s", q->path, sqlite3_errmsg(db), n, QUEUE_STORE_RETRY_S);
		q->failing = 1;
		return;
	}
	if (q->failing)
		log_info("queue", "%s: queue samples written again", q->path);
	q->failing = 0;
	pthread_mutex_lock(&q->mu);
	done_upto(q, batch[n - 1].seq);
	pthread_mutex_unlock(&q->mu);
}

static void *
writer(void *arg)
{
	struct queue_store *q = arg;
	struct queue_row *batch = malloc(QUEUE_STORE_PENDING * sizeof(*batch));
	sqlite3 *db = NULL;
	int64_t next_compact = 0;
	int stop = 0;

	if (batch == NULL || sqlite3_open_v2(q->path, &db, SQLITE_OPEN_READWRITE |
		SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		log_err("queue", "%s: the queue's writer cannot open the history: %s", q->path,
		    db != NULL ? sqlite3_errmsg(db) : "out of memory");
		free(batch);
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, QUEUE_STORE_BUSY_MS);
	sqlite3_exec(db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
	while (!stop) {
		struct timespec until;
		int64_t now = (int64_t)time(NULL);
		if (now >= next_compact) {
			if (queue_store_compact(db, now) != 0)
				log_warn("queue", "%s: queue samples not compacted: %s", q->path,
				    sqlite3_errmsg(db));
			next_compact = now + QUEUE_STORE_COMPACT_SPAN;
		}
		write_pending(q, db, batch);
		pthread_mutex_lock(&q->mu);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += q->failing ? QUEUE_STORE_RETRY_S : QUEUE_STORE_COMPACT_SPAN;
		while (!q->stop && (q->n == 0 || q->failing) &&
		    pthread_cond_timedwait(&q->cv, &q->mu, &until) == 0)
			;
		stop = q->stop;
		pthread_mutex_unlock(&q->mu);
	}
	write_pending(q, db, batch); /* the last samples, once */
	sqlite3_close(db);
	free(batch);
	return NULL;
}

int
queue_store_start(struct queue_store *q, const char *path)
{
	memset(q, 0, sizeof(*q));
	q->next_seq = 1;
	if ((q->path = strdup(path)) == NULL ||
	    (q->ring = calloc(QUEUE_STORE_PENDING, sizeof(*q->ring))) == NULL) {
		free(q->path);
		return -1;
	}
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	if (pthread_create(&q->thread, NULL, writer, q) != 0) {
		log_err("queue", "cannot start the queue's writer: %s", strerror(errno));
		pthread_mutex_destroy(&q->mu);
		pthread_cond_destroy(&q->cv);
		free(q->ring);
		free(q->path);
		memset(q, 0, sizeof(*q));
		return -1;
	}
	q->running = 1;
	return 0;
}

void
queue_store_put(struct queue_store *q, const struct queue_sample *s, int32_t day, int32_t span)
{
	struct queue_row *r;

	if (!q->running)
		return;
	pthread_mutex_lock(&q->mu);
	if (q->n == QUEUE_STORE_PENDING) {
		q->head = (q->head + 1) % QUEUE_STORE_PENDING;
		q->n--;
		if (q->dropped++ == 0)
			log_warn("queue", "%s: %d queue samples wait: dropping the oldest", q->path,
			    QUEUE_STORE_PENDING);
	}
	r = &q->ring[(q->head + q->n) % QUEUE_STORE_PENDING];
	r->s = *s;
	r->day = day;
	r->span = span;
	r->seq = q->next_seq++;
	q->n++;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

void
queue_store_stop(struct queue_store *q)
{
	if (!q->running)
		return;
	pthread_mutex_lock(&q->mu);
	q->stop = 1;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thread, NULL);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
	free(q->ring);
	free(q->path);
	memset(q, 0, sizeof(*q));
}
