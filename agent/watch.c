/*
 * The configured logs inside net-snmp's single loop: inotify on their
 * directories through register_readfd(), a one-second alarm as a fallback and
 * for commits, and reading in bounded slices so SNMP requests are answered
 * while a backlog is caught up.  Commits are written by the writer thread
 * (src/writer.c), which also judges the alarms (a job of mib_model.c); its
 * results come back through an eventfd, also a readfd of the loop, so
 * net-snmp and the model are touched from the loop only.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "log.h"
#include "mtastatd.h"
#include "mib_tables.h"
#include "notify_trap.h"

/* Lines per log per loop turn: a few milliseconds, so a GET never waits long. */
#define WATCH_SLICE_LINES 5000
/* ... read in chunks this size, and no more once a turn has read this long. */
#define WATCH_CHUNK_LINES 500
#define WATCH_SLICE_MS 5
#define WATCH_OUT_OF_TIME (-2)
/*
 * The daemon commits at most this many lines at once: the writer thread
 * writes one such batch while the loop reads the next, and the loop waits
 * when it is a whole batch ahead, so this bounds the memory of two batches.
 */
#define WATCH_COMMIT_LINES_MAX 20000
/*
 * The fallback poll and commit tick.  At the live edge lines are committed
 * and judged at most this long after they were read, which keeps a
 * relay-limit breach well within a second of its line: at most four
 * commits a second however the lines trickle in.
 */
#define WATCH_TICK_MS 250
/* First retry after a failed commit; the delay doubles with each failure. */
#define WATCH_RETRY_FIRST_MS 250
/*
 * The longest delay between two attempts: a freed disk or a released lock
 * is noticed within this long, and a day's outage costs ~3000 attempts.
 */
#define WATCH_RETRY_MAX_MS 30000
/*
 * How long a commit waits for another writer: enough for the mail worker's
 * short writes, far too short to keep SNMP requests waiting (the import
 * command keeps the store's 5 s).
 */
#define WATCH_BUSY_MS 50

/* A turn of the loop longer than this is logged (-D watch): issue 15's target. */
#define WATCH_TURN_LONG_US 20000

static long
ms_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

/* Failing, and the delay since the last attempt is over. */
static int
history_retry_due(const struct mtastat *ctx)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ms_between(&ctx->history.next_try, &now) >= 0;
}

static void
history_alarm(struct mtastat *ctx, struct alarm *a, enum alarm_kind kind)
{
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->time = ctx->commit.newest_t;
	snprintf(a->subject, sizeof(a->subject), "%.*s", (int)sizeof(a->subject) - 1,
	    ctx->store.path);
	snprintf(a->key, sizeof(a->key), "%s", a->subject);
}

/*
 * A commit failed: its batch stays in memory and is retried later.  Logged
 * and notified when the state changes, not on every attempt.
 */
static void
history_failed(struct mtastat *ctx, const struct store_batch *b)
{
	struct history_state *h = &ctx->history;
	const char *cause = b->cause != NULL ? b->cause : "database error";
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	h->failures++;
	h->attempts++;
	snprintf(h->error, sizeof(h->error), "%s (%s)", cause, b->errmsg);
	h->delay_ms = !h->failing ? WATCH_RETRY_FIRST_MS
	    : h->delay_ms * 2 > WATCH_RETRY_MAX_MS ? WATCH_RETRY_MAX_MS : h->delay_ms * 2;
	h->next_try = now;
	h->next_try.tv_sec += h->delay_ms / 1000;
	h->next_try.tv_nsec += (h->delay_ms % 1000) * 1000000;
	if (h->next_try.tv_nsec >= 1000000000) {
		h->next_try.tv_sec++;
		h->next_try.tv_nsec -= 1000000000;
	}
	if (h->failing) {
		if (strcmp(h->cause, cause) != 0)
			log_err("watch", "%s: history still not written, now: %s", ctx->store.path,
			    h->error);
		h->cause = cause;
		return;
	}
	h->failing = 1;
	h->cause = cause;
	h->since = now;
	log_err("watch", "%s: history not written: %s; retrying, reading paused with %llu"
	    " line(s) waiting", ctx->store.path, h->error,
	    (unsigned long long)(ctx->ig.lines - ctx->ig.lines_at_commit));
	history_alarm(ctx, &h->alarm, AK_HISTORY_FAILED);
	snprintf(h->alarm.text, sizeof(h->alarm.text), "History not written: %.200s", h->error);
	notify_history(&ctx->traps, ctx, &h->alarm);
}

/* The first commit after failures: the outage goes into the alarm records. */
static void
history_resumed(struct mtastat *ctx)
{
	struct history_state *h = &ctx->history;
	struct alarm back;
	struct timespec now;
	long secs;

	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = ms_between(&h->since, &now) / 1000;
	h->failing = 0;
	log_info("watch", "%s: history written again after %ld s, %u failed attempt(s)",
	    ctx->store.path, secs, h->attempts);
	history_alarm(ctx, &back, AK_HISTORY_RESUMED);
	back.value = secs;
	snprintf(back.text, sizeof(back.text), "History written again after %ld s, %u failed"
	    " attempt(s)", secs, h->attempts);
	h->attempts = 0;
	model_alarm(ctx, &h->alarm);
	model_alarm(ctx, &back);
	notify_history(&ctx->traps, ctx, &back);
}

static void
on_inotify(int fd, void *data)
{
	struct mtastat *ctx = data;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	ctx->work_pending = 1;
}

/* Write the failed batch again. */
static void
commit_retry(struct mtastat *ctx)
{
	struct commit_state *c = &ctx->commit;

	if (c->phase != COMMIT_FAILED || writer_submit(&c->writer, &c->batch) != 0)
		return;
	c->phase = COMMIT_OUT;
}

static void
on_tick(unsigned int reg, void *data)
{
	struct mtastat *ctx = data;
	struct timespec t0[2];
	int was_failing = ctx->history.failing;

	watch_turn_begin(t0);
	ctx->work_pending = 1;
	if (was_failing ? history_retry_due(ctx) : ctx->ig.lines != ctx->ig.lines_at_batch) {
		if (was_failing)
			commit_retry(ctx);
		else
			watch_commit(ctx);
	}
	/* no alarm or mail writes while failing; and reading resumes only after this tick */
	if (!was_failing && !ctx->history.failing) {
		model_tick(ctx);
		notify_mail_tick(&ctx->mail, &ctx->store, ctx->commit.newest_t);
	}
	watch_turn(ctx, t0, "tick");
}

/* A part of a long turn, named in the debug log (-D watch) when it is long itself. */
static void
phase_time(struct timespec *t0, const char *what)
{
	struct timespec now;
	long us;

	clock_gettime(CLOCK_MONOTONIC, &now);
	us = (now.tv_sec - t0->tv_sec) * 1000000 + (now.tv_nsec - t0->tv_nsec) / 1000;
	if (us > WATCH_TURN_LONG_US / 2)
		log_debug("watch", "long loop turn part: %ld us (%s)", us, what);
	*t0 = now;
}

/* The writer is done with the batch: publish it, or keep it to write again. */
static void
commit_result(struct mtastat *ctx, struct store_batch *b)
{
	struct commit_state *c = &ctx->commit;
	struct timespec t0;
	size_t i, k = 0;

	if (b->rc != 0) {
		c->phase = COMMIT_FAILED;
		history_failed(ctx, b);
		return;
	}
	/* the published totals move with what is committed, never before */
	ctx->totals = c->totals;
	for (i = 0; i < ctx->nlogs; i++) {
		follow_committed_copies(&ctx->logs[i], b->pos + k, c->npos[i]);
		k += c->npos[i];
	}
	ingest_batch_done(&ctx->ig, b);
	if (b->agg.newest_t > c->newest_t)
		c->newest_t = b->agg.newest_t;
	c->phase = COMMIT_IDLE;
	if (ctx->history.failing)
		history_resumed(ctx);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	model_after_batch(ctx, &b->agg, b->acct_id);
	phase_time(&t0, "the model");
	/* the health rows: the writer loaded their snapshot after the commit */
	if (mib_health_batch_done(ctx, b) != 0)
		log_warn("snmp", "mail-flow health not refreshed; tried again after the next commit");
	phase_time(&t0, "the health rows");
	store_batch_clear(b);
	phase_time(&t0, "emptying the batch");
	ctx->work_pending = 1; /* reading may have waited for this */
}

static void
on_writer(int fd, void *data)
{
	struct mtastat *ctx = data;
	struct store_batch *b = writer_result(&ctx->commit.writer);
	struct timespec t0[2];

	(void)fd;
	if (b != NULL) {
		watch_turn_begin(t0);
		commit_result(ctx, b);
		watch_turn(ctx, t0, "batch written");
	}
	/* the alarms the writer judged (model_after_batch may just have asked again) */
	if (writer_job_done(&ctx->commit.writer)) {
		watch_turn_begin(t0);
		model_eval_done(ctx);
		watch_turn(ctx, t0, "alarms judged");
	}
}

void
watch_turn_begin(struct timespec t0[2])
{
	clock_gettime(CLOCK_MONOTONIC, &t0[0]);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0[1]);
}

static long
us_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000000 + (b->tv_nsec - a->tv_nsec) / 1000;
}

/*
 * A turn's wall time is what a GET waits; its CPU time is the loop's own
 * work, the part of the wall time left when other processes take the cores.
 */
void
watch_turn(struct mtastat *ctx, const struct timespec t0[2], const char *what)
{
	struct commit_state *c = &ctx->commit;
	struct timespec now[2];
	long us, cpu;

	watch_turn_begin(now);
	us = us_between(&t0[0], &now[0]);
	cpu = us_between(&t0[1], &now[1]);
	c->turns++;
	if (us > WATCH_TURN_LONG_US) {
		c->turns_over_20ms++;
		log_debug("watch", "long loop turn: %ld us, cpu %ld us (%s)", us, cpu, what);
	}
	if (us > c->max_turn_us)
		c->max_turn_us = us;
	if (cpu > c->max_turn_cpu_us)
		c->max_turn_cpu_us = cpu;
}

static void
watch_dir_of(struct mtastat *ctx, const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (ctx->inotify_fd < 0 || slash == NULL)
		return;
	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	if (inotify_add_watch(ctx->inotify_fd, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO |
		IN_MOVED_FROM | IN_CLOSE_WRITE) < 0)
		log_warn("watch", "%s: inotify: %s (polling every %d ms)", dir, strerror(errno),
		    WATCH_TICK_MS);
}

int
watch_start(struct mtastat *ctx)
{
	const char *db = ctx->cfg.database != NULL ? ctx->cfg.database : CONFIG_DEFAULT_DATABASE;
	size_t i;

	if (store_open_group(&ctx->store, db, ctx->cfg.databasegroup) != 0)
		return -1;
	ctx->store_open = 1;
	store_busy_timeout(&ctx->store, WATCH_BUSY_MS);
	/* checkpoints are the writer's: the loop's own writes (alarms, mail) never run one */
	if (sqlite3_exec(ctx->store.db, "PRAGMA wal_autocheckpoint = 0", NULL, NULL, NULL) != SQLITE_OK)
		log_warn("watch", "%s: %s", db, sqlite3_errmsg(ctx->store.db));
	store_batch_init(&ctx->commit.batch);
	ctx->commit.phase = COMMIT_IDLE;
	if (writer_start(&ctx->commit.writer, db, ctx->cfg.databasegroup, WATCH_BUSY_MS) != 0)
		return -1;
	ctx->commit.writer_on = 1;
	register_readfd(writer_fd(&ctx->commit.writer), on_writer, ctx);
	if (ctx->cfg.commit_lines > WATCH_COMMIT_LINES_MAX)
		ctx->cfg.commit_lines = WATCH_COMMIT_LINES_MAX;
	if (notify_mail_start(&ctx->mail, &ctx->cfg, db) != 0) {
		notify_mail_stop(&ctx->mail);
		if (!ctx->reloading)
			return -1; /* at start-up a broken mail setting is an error to fix first */
		log_err("mail", "e-mail alerts are off until the configuration is fixed");
	}
	if (store_load_totals(&ctx->store, &ctx->totals) != 0 ||
	    ingest_init(&ctx->ig, &ctx->cfg, &ctx->store) != 0)
		return -1;
	ctx->ingest_ready = 1;
	ctx->commit.newest_t = ctx->ig.newest_t; /* from the history: written */
	ctx->logs = calloc(ctx->cfg.nlogs ? ctx->cfg.nlogs : 1, sizeof(*ctx->logs));
	ctx->commit.npos = calloc(ctx->cfg.nlogs ? ctx->cfg.nlogs : 1, sizeof(*ctx->commit.npos));
	if (ctx->logs == NULL || ctx->commit.npos == NULL)
		return -1;
	ctx->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ctx->inotify_fd < 0)
		log_warn("watch", "inotify: %s (polling every %d ms)", strerror(errno), WATCH_TICK_MS);
	else
		register_readfd(ctx->inotify_fd, on_inotify, ctx);
	for (i = 0; i < ctx->cfg.nlogs; i++) {
		const struct mta_parser *p = ctx->cfg.logs[i].parser;
		char probe[4200];
		/* a parser that dates files by name (IceWarp): a directory or glob of them */
		if ((p->file_key != NULL ? follow_open_dated(&ctx->logs[i], ctx->cfg.logs[i].path,
			&ctx->store, p) : follow_open(&ctx->logs[i], ctx->cfg.logs[i].path, &ctx->store,
			(const char *const *)ctx->cfg.rotatednames)) != 0)
			return -1;
		ctx->nlogs++;
		snprintf(probe, sizeof(probe), "%s/.", ctx->logs[i].dated_dir);
		watch_dir_of(ctx, p->file_key != NULL ? probe : ctx->cfg.logs[i].path);
		log_info("watch", "following %s", ctx->cfg.logs[i].path);
	}
	if (model_start(ctx) != 0 || queue_watch_start(ctx) != 0)
		return -1;
	{
		struct timeval tick = { 0, WATCH_TICK_MS * 1000 };
		ctx->alarm_id = snmp_alarm_register_hr(tick, SA_REPEAT, on_tick, ctx);
	}
	ctx->work_pending = 1;
	return 0;
}

/*
 * One log's share of a turn: chunks of WATCH_CHUNK_LINES until its slice,
 * its end or WATCH_SLICE_MS since t0 (then WATCH_OUT_OF_TIME): lines cost
 * more or less by MTA and by load, the time a GET may wait does not.
 */
static long
watch_read(struct mtastat *ctx, struct follow *f, const struct timespec *t0)
{
	struct timespec now;
	long n, total = 0;

	while (total < WATCH_SLICE_LINES) {
		n = follow_read_slice(f, &ctx->ig, WATCH_CHUNK_LINES);
		if (n < 0)
			return total > 0 ? total : n;
		total += n;
		if (n < WATCH_CHUNK_LINES)
			return total;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (ms_between(t0, &now) >= WATCH_SLICE_MS)
			return WATCH_OUT_OF_TIME;
	}
	return total;
}

int
watch_work(struct mtastat *ctx)
{
	struct commit_state *c = &ctx->commit;
	struct timespec t0[2];
	size_t i;
	long n;
	int backlog = 0, finished = 0, was_catching_up;

	/* a batch's new account rows first, a slice a turn: GETs answered in between */
	if (model_rows_work(ctx))
		return 1;
	if (!ctx->work_pending)
		return 0;
	ctx->work_pending = 0;
	if (ctx->history.failing)
		return 0; /* memory stays bounded: reading waits until the batch is written */
	/* the writer is a full batch behind: wait for it (on_writer wakes us) */
	if (c->phase != COMMIT_IDLE && ctx->ig.lines - ctx->ig.lines_at_batch >= ctx->cfg.commit_lines)
		return 0;
	watch_turn_begin(t0);
	for (i = 0; i < ctx->nlogs; i++) {
		n = watch_read(ctx, &ctx->logs[i], &t0[0]);
		if (n >= WATCH_SLICE_LINES || n == WATCH_OUT_OF_TIME)
			backlog = 1;
		if (ctx->logs[i].has_done)
			finished = 1; /* a rotated file waits for its commit */
	}
	/* alarms are judged at the live edge, not in the middle of a backlog */
	was_catching_up = ctx->catching_up;
	ctx->catching_up = backlog || finished;
	if ((ingest_commit_due(&ctx->ig) || finished) && ctx->ig.lines != ctx->ig.lines_at_batch)
		watch_commit(ctx);
	else if (was_catching_up && !ctx->catching_up && ctx->ig.lines == ctx->ig.lines_at_commit)
		model_caught_up(ctx); /* the backlog ended on a commit: judge it now */
	/* a finished file is due again once the writer is free, not in a busy loop */
	ctx->work_pending = backlog || (finished && c->phase == COMMIT_IDLE);
	watch_turn(ctx, t0, "read");
	return ctx->work_pending;
}

int
watch_commit(struct mtastat *ctx)
{
	struct commit_state *c = &ctx->commit;
	struct file_pos **pos;
	size_t i, n = 0;
	int rc;

	if (!ctx->ingest_ready || c->phase != COMMIT_IDLE || ctx->ig.lines == ctx->ig.lines_at_batch)
		return 0;
	pos = calloc(ctx->nlogs * FOLLOW_POS_MAX + 1, sizeof(*pos));
	if (pos == NULL)
		return -1;
	for (i = 0; i < ctx->nlogs; i++) {
		c->npos[i] = follow_positions(&ctx->logs[i], pos + n);
		n += c->npos[i];
	}
	c->totals = ctx->totals;
	aggregate_sum_into(&ctx->ig.agg, &c->totals);
	store_batch_clear(&c->batch);
	rc = ingest_batch(&ctx->ig, &c->batch, pos, n);
	free(pos);
	if (rc == 0) {
		model_batch_job(ctx, &c->batch);
		mib_health_batch_job(ctx, &c->batch);
	}
	if (rc != 0) {
		log_err("watch", "out of memory cutting a batch: stopping");
		ctx->stop = 1;
		return -1;
	}
	if (writer_submit(&c->writer, &c->batch) != 0)
		return -1; /* cannot be: the phase says it is free */
	c->phase = COMMIT_OUT;
	return 0;
}

/* At exit: what is in the writer's hands, then what is left, written before stopping. */
static void
commit_drain(struct mtastat *ctx)
{
	struct commit_state *c = &ctx->commit;
	struct store_batch *b;
	int round;

	if (!c->writer_on)
		return;
	for (round = 0; round < 3; round++) {
		if (c->phase == COMMIT_FAILED)
			commit_retry(ctx); /* once more before giving up */
		else if (c->phase == COMMIT_IDLE && ctx->ingest_ready)
			watch_commit(ctx);
		if (c->phase != COMMIT_OUT)
			break;
		if ((b = writer_wait(&c->writer)) != NULL)
			commit_result(ctx, b);
		if (c->phase == COMMIT_FAILED)
			break;
	}
	/* the evaluation of what was written: its traps and mail as while running */
	model_eval_drain(ctx);
}

void
watch_stop(struct mtastat *ctx)
{
	size_t i;

	commit_drain(ctx);
	if (ctx->ingest_ready && ctx->ig.lines != ctx->ig.lines_at_commit)
		log_warn("watch", "%llu line(s) not written to the history: they are read again"
		    " from the last committed position", (unsigned long long)(ctx->ig.lines -
		    ctx->ig.lines_at_commit));
	if (ctx->commit.writer_on) {
		unregister_readfd(writer_fd(&ctx->commit.writer));
		writer_stop(&ctx->commit.writer);
		ctx->commit.writer_on = 0;
		log_info("watch", "longest loop turn %ld ms (the most CPU in one: %ld ms); %llu of %llu"
		    " turns over 20 ms", ctx->commit.max_turn_us / 1000,
		    ctx->commit.max_turn_cpu_us / 1000, (unsigned long long)ctx->commit.turns_over_20ms,
		    (unsigned long long)ctx->commit.turns);
	}
	store_batch_free(&ctx->commit.batch);
	free(ctx->commit.npos);
	ctx->commit.npos = NULL;
	queue_watch_stop(ctx);
	model_stop(ctx);
	notify_mail_stop(&ctx->mail);
	if (ctx->alarm_id)
		snmp_alarm_unregister(ctx->alarm_id);
	if (ctx->inotify_fd >= 0) {
		unregister_readfd(ctx->inotify_fd);
		close(ctx->inotify_fd);
	}
	for (i = 0; i < ctx->nlogs; i++)
		follow_close(&ctx->logs[i]);
	free(ctx->logs);
	if (ctx->ingest_ready)
		ingest_free(&ctx->ig);
	if (ctx->store_open)
		store_close(&ctx->store);
	ctx->logs = NULL;
	ctx->nlogs = 0;
	ctx->ingest_ready = ctx->store_open = 0;
	ctx->inotify_fd = -1;
	ctx->alarm_id = 0;
}
