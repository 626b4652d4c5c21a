#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "detect.h"
#include "log.h"
#include "sanitize.h"

/* Alarm state rows are few: indicators twice, plus accounts over their limit. */
struct state {
	char subject[ALARM_TEXT_MAX + 16];
	int raised;
	int32_t day;
	int64_t since;
	int dirty;
};

struct states {
	struct state *v;
	size_t n, cap;
};

enum judgement
detect_judge(const struct mtastat_config *cfg, const struct baseline *b, int clearing)
{
	double diff = b->v - b->mean, ad = fabs(diff);
	double k = clearing ? config_sigma_clear(cfg) : cfg->sigma;

	if (!b->judged || b->n < (int)cfg->mindays)
		return J_INSUFFICIENT;
	if (ad > k * b->sd && ad > cfg->minabsdiff && ad > cfg->minreldiff * b->mean)
		return diff > 0 ? J_HIGH : J_LOW;
	return J_NORMAL;
}

static struct state *
state_get(struct states *ss, const char *subject)
{
	size_t i;

	for (i = 0; i < ss->n; i++)
		if (strcmp(ss->v[i].subject, subject) == 0)
			return &ss->v[i];
	if (ss->n == ss->cap) {
		size_t cap = ss->cap ? ss->cap * 2 : 32;
		struct state *v = realloc(ss->v, cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		ss->v = v;
		ss->cap = cap;
	}
	memset(&ss->v[ss->n], 0, sizeof(ss->v[0]));
	snprintf(ss->v[ss->n].subject, sizeof(ss->v[0].subject), "%s", subject);
	return &ss->v[ss->n++];
}

static int
states_load(struct store *s, struct states *ss)
{
	sqlite3_stmt *st;
	struct state *x;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT subject, raised, day, since FROM alarm_state", -1,
		&st, NULL) != SQLITE_OK) {
		log_err("detect", "%s: alarm state: %s", s->path, sqlite3_errmsg(s->db));
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((x = state_get(ss, (const char *)sqlite3_column_text(st, 0))) == NULL)
			break;
		x->raised = sqlite3_column_int(st, 1);
		x->day = sqlite3_column_int(st, 2);
		x->since = sqlite3_column_int64(st, 3);
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		log_err("detect", "%s: alarm state: %s", s->path, sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static struct alarm *
alarm_add(struct detect_result *r, enum alarm_kind kind, const char *subject)
{
	struct alarm *a;

	if (r->nalarms == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		a = realloc(r->alarms, cap * sizeof(*a));
		if (a == NULL)
			return NULL;
		r->alarms = a;
		r->cap = cap;
	}
	a = &r->alarms[r->nalarms++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->time = r->now;
	sanitize_copy(a->subject, sizeof(a->subject), subject, strlen(subject));
	snprintf(a->key, sizeof(a->key), "%s", subject);
	if (kind == AK_ANOMALY || kind == AK_RELAY_EXCEEDED)
		r->raised++;
	return a;
}

static int
indicator_alarm(struct detect_result *r, const struct mtastat_config *cfg, struct states *ss,
    const char *name, const struct baseline *b, int today)
{
	char key[64];
	struct state *st;
	struct alarm *a;
	enum judgement j = detect_judge(cfg, b, 0);
	int raise, clear;
	char when[32] = "";

	snprintf(key, sizeof(key), "%s:%s", today ? "today" : "day", name);
	if ((st = state_get(ss, key)) == NULL)
		return -1;
	raise = !st->raised && (j == J_HIGH || j == J_LOW);
	clear = st->raised && detect_judge(cfg, b, 1) == J_NORMAL;
	if (!raise && !clear)
		return 0;
	if ((a = alarm_add(r, raise ? AK_ANOMALY : AK_NORMAL, name)) == NULL)
		return -1;
	a->value = (int64_t)b->v;
	a->mean = b->mean;
	a->sd = b->sd;
	a->z = b->z;
	if (today)
		snprintf(when, sizeof(when), " (today until %02d:%02d)",
		    (int)(r->now % 86400 / 3600), (int)(r->now % 3600 / 60));
	snprintf(a->text, sizeof(a->text), "%s %s V:%lld M:%.2f S:%.2f%s", name,
	    raise ? "deviation beyond limit" : "back to normal", (long long)a->value, a->mean,
	    a->sd, when);
	st->raised = raise;
	st->day = b->day;
	st->since = r->now;
	st->dirty = 1;
	return 0;
}

static int
relay_alarm(struct detect_result *r, struct state *st, const char *account, int64_t relayed,
    unsigned limit, int raise, int32_t today)
{
	char safe[ALARM_TEXT_MAX];
	struct alarm *a = alarm_add(r, raise ? AK_RELAY_EXCEEDED : AK_RELAY_CLEARED, account);

	if (a == NULL)
		return -1;
	sanitize_copy(safe, sizeof(safe), account, strlen(account));
	a->value = relayed;
	a->limit = limit;
	if (raise)
		snprintf(a->text, sizeof(a->text), "Account %.180s relayed: %lld messages (limit %u)",
		    safe, (long long)relayed, limit);
	else
		snprintf(a->text, sizeof(a->text), "Account %.160s back under its relay limit:"
		    " %lld messages (limit %u)", safe, (long long)relayed, limit);
	st->raised = raise;
	st->day = today;
	st->since = r->now;
	st->dirty = 1;
	return 0;
}

/* Accounts over their limit today raise; raised ones from an earlier day clear. */
static int
relay_alarms(struct store *s, struct detect_result *r, const struct mtastat_config *cfg,
    struct states *ss, int32_t today)
{
	char key[ALARM_TEXT_MAX + 16], shown[ALARM_TEXT_MAX - 8];
	sqlite3_stmt *st;
	struct state *x;
	size_t i, n = ss->n;
	int rc;

	for (i = 0; i < n; i++) {
		x = &ss->v[i];
		if (x->raised && x->day < today && strncmp(x->subject, "relay:", 6) == 0 &&
		    relay_alarm(r, x, x->subject + 6, 0, config_relay_limit(cfg, x->subject + 6), 0,
			today) != 0)
			return -1;
	}
	if (sqlite3_prepare_v2(s->db, "SELECT a.name, d.relayed FROM account_daily d JOIN accounts a"
		" ON a.id = d.account_id WHERE d.day = ?1 AND d.relayed > 0", -1, &st, NULL) != SQLITE_OK) {
		log_err("detect", "%s: relays per account: %s", s->path, sqlite3_errmsg(s->db));
		return -1;
	}
	sqlite3_bind_int(st, 1, today);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		int64_t relayed = sqlite3_column_int64(st, 1);
		unsigned limit = config_relay_limit(cfg, name);
		if (relayed <= (int64_t)limit)
			continue;
		/* the escaped spelling: a NUL in a hostile name neither cuts it nor
		 * makes it share another account's alarm state */
		sanitize_escape(shown, sizeof(shown), name, (size_t)sqlite3_column_bytes(st, 0));
		snprintf(key, sizeof(key), "relay:%s", shown);
		if ((x = state_get(ss, key)) == NULL)
			break;
		if (x->raised && x->day == today)
			continue;
		if (relay_alarm(r, x, shown, relayed, limit, 1, today) != 0)
			break;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		log_err("detect", "%s: relays per account: %s", s->path, sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

#define ALARM_LOG_INSERT "INSERT INTO alarm_log(time, kind, subject, value, mean, sd, z," \
	" lim, text) VALUES(?,?,?,?,?,?,?,?,?)"

static void
alarm_bind(sqlite3_stmt *st, const struct alarm *a)
{
	sqlite3_bind_int64(st, 1, a->time);
	sqlite3_bind_int(st, 2, a->kind);
	sqlite3_bind_text(st, 3, a->subject, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, a->value);
	sqlite3_bind_double(st, 5, a->mean);
	sqlite3_bind_double(st, 6, a->sd);
	sqlite3_bind_double(st, 7, a->z);
	sqlite3_bind_int64(st, 8, a->limit);
	sqlite3_bind_text(st, 9, a->text, -1, SQLITE_STATIC);
}

static int
save(struct store *s, const struct mtastat_config *cfg, struct detect_result *r,
    struct states *ss)
{
	sqlite3_stmt *put = NULL, *log = NULL, *prune = NULL;
	size_t i;
	int rc = -1;

	/* a reader's check (mtastat check without write access): judged, not recorded */
	if (sqlite3_db_readonly(s->db, "main") == 1)
		return 0;
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		log_err("detect", "%s: recording the alarm state: %s", s->path, sqlite3_errmsg(s->db));
		return -1;
	}
	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO alarm_state(subject, raised, day, since)"
		" VALUES(?,?,?,?)", -1, &put, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, ALARM_LOG_INSERT, -1, &log, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "DELETE FROM alarm_log WHERE time < ?", -1, &prune, NULL) != SQLITE_OK)
		goto out;
	for (i = 0; i < ss->n; i++) {
		if (!ss->v[i].dirty)
			continue;
		sqlite3_bind_text(put, 1, ss->v[i].subject, -1, SQLITE_STATIC);
		sqlite3_bind_int(put, 2, ss->v[i].raised);
		sqlite3_bind_int(put, 3, ss->v[i].day);
		sqlite3_bind_int64(put, 4, ss->v[i].since);
		if (sqlite3_step(put) != SQLITE_DONE)
			goto out;
		sqlite3_reset(put);
	}
	for (i = 0; i < r->nalarms; i++) {
		struct alarm *a = &r->alarms[i];
		alarm_bind(log, a);
		if (sqlite3_step(log) != SQLITE_DONE)
			goto out;
		a->id = sqlite3_last_insert_rowid(s->db);
		sqlite3_reset(log);
	}
	/* alarm records are kept for the window's length */
	sqlite3_bind_int64(prune, 1, r->now - (int64_t)cfg->days * 86400);
	if (sqlite3_step(prune) != SQLITE_DONE)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(put);
	sqlite3_finalize(log);
	sqlite3_finalize(prune);
	if (rc != 0)
		log_err("detect", "%s: %s", s->path, sqlite3_errmsg(s->db));
	sqlite3_exec(s->db, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* What the MIB shows: today's verdict when it is out of band, else the last day's. */
static enum judgement
combined(const struct mtastat_config *cfg, const struct indicator_stat *is)
{
	enum judgement d = detect_judge(cfg, &is->last, 0), t = detect_judge(cfg, &is->sofar, 0);

	if (t == J_HIGH || t == J_LOW)
		return t;
	return d;
}

int
detect_run(struct store *s, const struct mtastat_config *cfg, int64_t now, struct detect_result *r)
{
	struct day_series ds;
	struct states ss = { 0 };
	int32_t today;
	int i, rc = -1;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < IND_COUNT; i++) {
		r->stats[i].def = &indicator_defs[i];
		r->stats[i].last.day = r->stats[i].sofar.day = -1;
		r->status[i] = J_INSUFFICIENT;
	}
	r->now = now > 0 ? now : store_total(s, "newest_t");
	if (r->now <= 0)
		return 0; /* no event yet: nothing to judge, every indicator without data */
	today = (int32_t)(r->now / 86400);
	if (stats_load(s, stats_first_day_needed(cfg, today), today, &ds) != 0)
		return -1;
	stats_compute(&ds, cfg, r->now, r->stats);
	stats_series_free(&ds);
	if (states_load(s, &ss) != 0)
		goto out;
	for (i = 0; i < IND_COUNT; i++) {
		r->status[i] = combined(cfg, &r->stats[i]);
		if (indicator_alarm(r, cfg, &ss, indicator_defs[i].name, &r->stats[i].last, 0) != 0)
			goto out;
		if (r->stats[i].sofar.judged &&
		    indicator_alarm(r, cfg, &ss, indicator_defs[i].name, &r->stats[i].sofar, 1) != 0)
			goto out;
	}
	if (relay_alarms(s, r, cfg, &ss, today) != 0 || save(s, cfg, r, &ss) != 0)
		goto out;
	rc = 0;
out:
	free(ss.v);
	return rc;
}

void
detect_result_free(struct detect_result *r)
{
	free(r->alarms);
	memset(r, 0, sizeof(*r));
}

int
detect_record(struct store *s, struct alarm *a)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, ALARM_LOG_INSERT, -1, &st, NULL) != SQLITE_OK)
		return -1;
	alarm_bind(st, a);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_err("detect", "%s: %s", s->path, sqlite3_errmsg(s->db));
		return -1;
	}
	a->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
detect_recent(struct store *s, size_t max, struct alarm **out, size_t *n)
{
	sqlite3_stmt *st;
	struct alarm *v;
	int rc;

	*out = NULL;
	*n = 0;
	v = calloc(max ? max : 1, sizeof(*v));
	if (v == NULL)
		return -1;
	if (sqlite3_prepare_v2(s->db, "SELECT id, time, kind, subject, value, mean, sd, z, lim, text"
		" FROM (SELECT * FROM alarm_log ORDER BY id DESC LIMIT ?) ORDER BY id", -1, &st,
		NULL) != SQLITE_OK) {
		free(v);
		return -1;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		struct alarm *a = &v[(*n)++];
		a->id = sqlite3_column_int64(st, 0);
		a->time = sqlite3_column_int64(st, 1);
		a->kind = (enum alarm_kind)sqlite3_column_int(st, 2);
		snprintf(a->subject, sizeof(a->subject), "%s", (const char *)sqlite3_column_text(st, 3));
		a->value = sqlite3_column_int64(st, 4);
		a->mean = sqlite3_column_double(st, 5);
		a->sd = sqlite3_column_double(st, 6);
		a->z = sqlite3_column_double(st, 7);
		a->limit = (uint32_t)sqlite3_column_int64(st, 8);
		snprintf(a->text, sizeof(a->text), "%s", (const char *)sqlite3_column_text(st, 9));
	}
	sqlite3_finalize(st);
	*out = v;
	return 0;
}
