#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "delayhist.h"
#include "event.h"
#include "health.h"
#include "log.h"
#include "sanitize.h"

static int
db_fail(struct store *s, sqlite3_stmt *st)
{
	log_err("health", "%s: %s", s->path, sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return -1;
}

static sqlite3_stmt *
range_query(struct store *s, const char *q, int32_t from, int32_t to)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) != SQLITE_OK) {
		log_err("health", "%s: %s", s->path, sqlite3_errmsg(s->db));
		return NULL;
	}
	sqlite3_bind_int(st, 1, from);
	sqlite3_bind_int(st, 2, to);
	return st;
}

/*
 * Postfix's smtp client logs only the sessions that used TLS; its sessions
 * (sessions_out, one per message and relay) without such a line are the
 * plaintext ones.  Per day: the two lines of a session may straddle an hour.
 */
static int
sum_sessions(struct store *s, int32_t from, int32_t to, struct health_sum *h)
{
	sqlite3_stmt *st = range_query(s, "SELECT day, sum(broken), sum(tls_in), sum(plain_in),"
	    " sum(tls_out), sum(plain_out), sum(sessions_out), sum(delays), sum(delay_sum_ms),"
	    " max(delay_max_ms) FROM health_hourly WHERE day BETWEEN ?1 AND ?2 GROUP BY day", from, to);
	int64_t delays = 0, sum = 0, unsaid;
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		h->broken += sqlite3_column_int64(st, 1);
		h->tls.in_tls += sqlite3_column_int64(st, 2);
		h->tls.in_plain += sqlite3_column_int64(st, 3);
		h->tls.out_tls += sqlite3_column_int64(st, 4);
		h->tls.out_plain += sqlite3_column_int64(st, 5);
		unsaid = sqlite3_column_int64(st, 6) - sqlite3_column_int64(st, 4);
		if (sqlite3_column_int64(st, 6) > 0 && unsaid > 0)
			h->tls.out_plain += unsaid;
		delays += sqlite3_column_int64(st, 7);
		sum += sqlite3_column_int64(st, 8);
		if ((uint32_t)sqlite3_column_int64(st, 9) > h->delay.max)
			h->delay.max = (uint32_t)sqlite3_column_int64(st, 9);
	}
	if (rc != SQLITE_DONE)
		return db_fail(s, st);
	sqlite3_finalize(st);
	h->delay.n = delays;
	h->delay.mean = delays > 0 ? (uint32_t)(sum / delays) : 0;
	return 0;
}

static int
sum_delays(struct store *s, int32_t from, int32_t to, struct health_delay *d)
{
	sqlite3_stmt *st = range_query(s, "SELECT bucket, sum(n) FROM delay_hist"
	    " WHERE day BETWEEN ?1 AND ?2 GROUP BY bucket", from, to);
	uint64_t *n = calloc(DELAY_BUCKETS, sizeof(*n));
	int rc, b;

	if (st == NULL || n == NULL) {
		free(n);
		sqlite3_finalize(st);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		b = sqlite3_column_int(st, 0);
		if (b >= 0 && b < DELAY_BUCKETS)
			n[b] += (uint64_t)sqlite3_column_int64(st, 1);
	}
	if (rc != SQLITE_DONE) {
		free(n);
		return db_fail(s, st);
	}
	sqlite3_finalize(st);
	d->p50 = delayhist_quantile(n, 0.50, d->max);
	d->p95 = delayhist_quantile(n, 0.95, d->max);
	d->p99 = delayhist_quantile(n, 0.99, d->max);
	free(n);
	return 0;
}

int
health_sum(struct store *s, int32_t from, int32_t to, struct health_sum *h)
{
	memset(h, 0, sizeof(*h));
	if (sum_sessions(s, from, to, h) != 0 || sum_delays(s, from, to, &h->delay) != 0)
		return -1;
	return 0;
}

int
health_sum_sessions(struct store *s, int32_t from, int32_t to, struct health_sum *h)
{
	memset(h, 0, sizeof(*h));
	return sum_sessions(s, from, to, h);
}

int
health_plain_share(const struct health_tls *t)
{
	int64_t plain = t->in_plain + t->out_plain, all = plain + t->in_tls + t->out_tls;

	if (all <= 0)
		return -1;
	return (int)((plain * 100 + all / 2) / all);
}

const char *
health_dir_name(int dir)
{
	return dir == MTA_DIR_IN ? "in" : "out";
}

static int
load_replies(struct store *s, int32_t today, struct health_snapshot *h)
{
	/* today's example first: the row of the lower day sorts last */
	sqlite3_stmt *st = range_query(s, "SELECT dir, code, enh, sum(CASE WHEN day = ?2 THEN n"
	    " ELSE 0 END), sum(CASE WHEN day = ?1 THEN n ELSE 0 END),"
	    " (SELECT example FROM reply_daily r2 WHERE r2.dir = r.dir AND r2.code = r.code"
	    " AND r2.enh = r.enh AND r2.day BETWEEN ?1 AND ?2 AND example IS NOT NULL"
	    " ORDER BY r2.day DESC LIMIT 1)"
	    " FROM reply_daily r WHERE day BETWEEN ?1 AND ?2 GROUP BY dir, code, enh"
	    " ORDER BY dir = 'out', code, enh", today - 1, today);
	struct health_reply *r;
	size_t cap = 0;
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *enh = (const char *)sqlite3_column_text(st, 2);
		const char *ex = (const char *)sqlite3_column_text(st, 5);
		if (h->nreplies == cap) {
			cap = cap ? cap * 2 : 16;
			r = realloc(h->replies, cap * sizeof(*r));
			if (r == NULL) {
				sqlite3_finalize(st);
				return -1;
			}
			h->replies = r;
		}
		r = &h->replies[h->nreplies++];
		memset(r, 0, sizeof(*r));
		r->dir = strcmp((const char *)sqlite3_column_text(st, 0), "in") == 0 ? MTA_DIR_IN
		    : MTA_DIR_OUT;
		r->code = (unsigned)sqlite3_column_int(st, 1);
		sanitize_copy(r->enh, sizeof(r->enh), enh ? enh : "", enh ? strlen(enh) : 0);
		r->today = sqlite3_column_int64(st, 3);
		r->yesterday = sqlite3_column_int64(st, 4);
		if (ex != NULL)
			sanitize_copy(r->example, sizeof(r->example), ex,
			    (size_t)sqlite3_column_bytes(st, 5));
	}
	if (rc != SQLITE_DONE)
		return db_fail(s, st);
	sqlite3_finalize(st);
	return 0;
}

static int
load_causes(struct store *s, int32_t today, struct health_snapshot *h)
{
	sqlite3_stmt *st = range_query(s, "SELECT substr(name, 21), sum(CASE WHEN day = ?2"
	    " THEN value ELSE 0 END), sum(CASE WHEN day = ?1 THEN value ELSE 0 END)"
	    " FROM day_counter WHERE day BETWEEN ?1 AND ?2"
	    " AND substr(name, 1, 20) = 'sessions_incomplete_' GROUP BY name ORDER BY name",
	    today - 1, today);
	struct health_cause *c;
	size_t cap = 0;
	int rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (h->ncauses == cap) {
			cap = cap ? cap * 2 : 16;
			c = realloc(h->causes, cap * sizeof(*c));
			if (c == NULL) {
				sqlite3_finalize(st);
				return -1;
			}
			h->causes = c;
		}
		c = &h->causes[h->ncauses++];
		sanitize_copy(c->cause, sizeof(c->cause), (const char *)sqlite3_column_text(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0));
		c->today = sqlite3_column_int64(st, 1);
		c->yesterday = sqlite3_column_int64(st, 2);
	}
	if (rc != SQLITE_DONE)
		return db_fail(s, st);
	sqlite3_finalize(st);
	return 0;
}

int
health_load(struct store *s, int32_t today, struct health_snapshot *h)
{
	memset(h, 0, sizeof(*h));
	h->today = today;
	if (health_sum(s, today, today, &h->day[0]) != 0 ||
	    health_sum(s, today - 1, today - 1, &h->day[1]) != 0 ||
	    load_replies(s, today, h) != 0 || load_causes(s, today, h) != 0) {
		health_free(h);
		return -1;
	}
	return 0;
}

void
health_free(struct health_snapshot *h)
{
	free(h->replies);
	free(h->causes);
	h->replies = NULL;
	h->causes = NULL;
	h->nreplies = h->ncauses = 0;
}

int
health_reply_totals(struct store *s, int32_t from, int32_t to, struct health_reply **out,
    size_t *n)
{
	sqlite3_stmt *st = range_query(s, "SELECT dir, code, enh, sum(n) FROM reply_daily"
	    " WHERE day BETWEEN ?1 AND ?2 GROUP BY dir, code, enh", from, to);
	struct health_reply *all = NULL, *r;
	size_t cap = 0, used = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *enh = (const char *)sqlite3_column_text(st, 2);
		if (used == cap) {
			cap = cap ? cap * 2 : 16;
			if ((r = realloc(all, cap * sizeof(*r))) == NULL) {
				free(all);
				sqlite3_finalize(st);
				return -1;
			}
			all = r;
		}
		r = &all[used++];
		memset(r, 0, sizeof(*r));
		r->dir = strcmp((const char *)sqlite3_column_text(st, 0), "in") == 0 ? MTA_DIR_IN
		    : MTA_DIR_OUT;
		r->code = (unsigned)sqlite3_column_int(st, 1);
		sanitize_copy(r->enh, sizeof(r->enh), enh ? enh : "", enh ? strlen(enh) : 0);
		r->today = sqlite3_column_int64(st, 3);
	}
	if (rc != SQLITE_DONE) {
		free(all);
		return db_fail(s, st);
	}
	sqlite3_finalize(st);
	*out = all;
	*n = used;
	return 0;
}
