#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "detect.h"
#include "log.h"
#include "mib_model.h"
#include "mib_tables.h"
#include "mtastatd.h"
#include "notify_trap.h"
#include "sanitize.h"

/* Live and silent: judge again after this many seconds without a commit,
 * so a server that stops logging shows as low traffic within minutes. */
#define MODEL_IDLE_EVALUATE 60
/* Alarms still raised at start are announced again at this many a second:
 * a few hundred accounts over their limit must not flood the NOC's receiver
 * or the notification queue (trapqueue) in one burst. */
#define MODEL_REANNOUNCE_PER_SECOND 10
/*
 * A written batch's new account rows go into net-snmp's table for about
 * this long a turn (each insert into a big table moves its array's tail):
 * the first days of a backlog bring thousands of new accounts a batch, and
 * such a batch's rows appear to GET and GETNEXT a few turns (milliseconds)
 * later.  The rows, their counts, alarms and the summary scalars have them
 * at once.
 */
#define MODEL_ROWS_SLICE_US 4000

int
model_register(void)
{
	if (mib_table_register(&mib_indicator_table) != 0 ||
	    mib_table_register(&mib_account_table) != 0 ||
	    mib_table_register(&mib_alarm_table) != 0 || mib_table_register(&mib_log_table) != 0)
		return -1;
	return 0;
}

static uint64_t
name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static struct account_row **
map_slot(struct account_map *m, const char *name)
{
	size_t i = (size_t)name_hash(name) & (m->cap - 1);

	while (m->slot[i] != NULL && strcmp(m->slot[i]->name, name) != 0)
		i = (i + 1) & (m->cap - 1);
	return &m->slot[i];
}

/* The slot of index in the taken set: its own, or the free one it would take. */
static uint32_t *
taken_slot(uint32_t *set, size_t cap, uint32_t index)
{
	size_t i = ((size_t)index * 2654435761U) & (cap - 1);

	while (set[i] != 0 && set[i] != index)
		i = (i + 1) & (cap - 1);
	return &set[i];
}

static int
taken_add(struct account_map *m, uint32_t index)
{
	if ((m->ntaken + 1) * 2 > m->taken_cap) {
		size_t cap = m->taken_cap ? m->taken_cap * 2 : 1024, i;
		uint32_t *set = calloc(cap, sizeof(*set));
		if (set == NULL)
			return -1;
		for (i = 0; i < m->taken_cap; i++)
			if (m->taken[i] != 0)
				*taken_slot(set, cap, m->taken[i]) = m->taken[i];
		free(m->taken);
		m->taken = set;
		m->taken_cap = cap;
	}
	*taken_slot(m->taken, m->taken_cap, index) = index;
	m->ntaken++;
	return 0;
}

static int
taken_has(const struct account_map *m, uint32_t index)
{
	return m->taken_cap > 0 && *taken_slot(m->taken, m->taken_cap, index) == index;
}

static int
map_put(struct account_map *m, struct account_row *row)
{
	if ((m->n + 1) * 2 > m->cap) {
		struct account_map bigger = { NULL, m->cap ? m->cap * 2 : 1024, 0, m->taken,
			m->taken_cap, m->ntaken };
		size_t i;
		bigger.slot = calloc(bigger.cap, sizeof(*bigger.slot));
		if (bigger.slot == NULL)
			return -1;
		for (i = 0; i < m->cap; i++)
			if (m->slot[i] != NULL) {
				*map_slot(&bigger, m->slot[i]->name) = m->slot[i];
				bigger.n++;
			}
		free(m->slot);
		*m = bigger;
	}
	*map_slot(m, row->name) = row;
	m->n++;
	return 0;
}

static void
map_clear(struct account_map *m)
{
	free(m->slot);
	free(m->taken);
	memset(m, 0, sizeof(*m));
}

/*
 * Rows and alarms name an account by its escaped spelling (sanitize_escape):
 * a NUL or a control byte in a hostile name can neither cut it nor make two
 * accounts one; a plain name is its own spelling.
 */
static void
account_shown(char *out, size_t outlen, const char *name, size_t len)
{
	sanitize_escape(out, outlen, name, len);
}

/* A free mtastatAccountIndex for name: its hash, else the next free number. */
static uint32_t
account_index_free(const struct account_map *m, const char *name)
{
	uint32_t index = mib_account_index(name);

	while (taken_has(m, index))
		index = mib_account_probe(index);
	return index;
}

static struct account_row *
account_new(struct mtastat *ctx, uint32_t id, const char *name)
{
	struct account_row *row = calloc(1, sizeof(*row));

	if (row == NULL)
		return NULL;
	row->id = id;
	snprintf(row->name, sizeof(row->name), "%s", name);
	row->index = account_index_free(&ctx->accounts, row->name);
	row->limit = config_relay_limit(&ctx->cfg, name);
	row->count_messages = ctx->cfg.relaycount_messages;
	if (taken_add(&ctx->accounts, row->index) != 0 ||
	    mib_table_add(&mib_account_table, row->index, row) != 0) {
		free(row);
		return NULL;
	}
	if (map_put(&ctx->accounts, row) != 0)
		return NULL; /* the row stays in the table, only unfindable by name */
	return row;
}

/* An alarm's account, by the spelling detect gave it: rows of accounts with
 * relays in the window are all loaded, so the map has it. */
static struct account_row *
account_find_shown(struct mtastat *ctx, const char *shown)
{
	return ctx->accounts.cap > 0 ? *map_slot(&ctx->accounts, shown) : NULL;
}

/* The rows of a reload by their history id (the index comes from the name). */
struct account_by_id {
	struct account_row **v;
	size_t n, cap;
};

static int
account_by_id_cmp(const void *a, const void *b)
{
	uint32_t x = (*(struct account_row *const *)a)->id, y = (*(struct account_row *const *)b)->id;

	return x < y ? -1 : x > y;
}

static int
account_by_id_add(struct account_by_id *ids, struct account_row *row)
{
	if (ids->n == ids->cap) {
		size_t cap = ids->cap ? ids->cap * 2 : 256;
		struct account_row **v = realloc(ids->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		ids->v = v;
		ids->cap = cap;
	}
	ids->v[ids->n++] = row;
	return 0;
}

/* detect_usual_all()'s callback: the usual volume onto the account's row. */
static void
account_usual(void *arg, int64_t id, const struct baseline *b)
{
	const struct account_by_id *ids = arg;
	struct account_row key = { .id = (uint32_t)id }, *kp = &key, **found;
	struct account_row *row;

	if (ids->n == 0)
		return;
	found = bsearch(&kp, ids->v, ids->n, sizeof(*ids->v), account_by_id_cmp);
	if (found == NULL)
		return;
	row = *found;
	row->usual_mean = b->mean;
	row->usual_sd = b->sd;
}

/* detect_usual_all()'s callback on the writer thread: kept for the loop. */
static void
usual_job_add(void *arg, int64_t id, const struct baseline *b)
{
	struct usual_job *job = arg;

	if (job->n == job->cap) {
		size_t cap = job->cap ? job->cap * 2 : 1024;
		struct usual_entry *v = realloc(job->v, cap * sizeof(*v));
		if (v == NULL)
			return;
		job->v = v;
		job->cap = cap;
	}
	job->v[job->n].id = id;
	job->v[job->n].mean = b->mean;
	job->v[job->n].sd = b->sd;
	job->n++;
}

/* Accounts already found unusual today (the alarm state survives restarts). */
static void
accounts_mark_unusual(struct mtastat *ctx, int32_t today)
{
	sqlite3_stmt *st;
	struct account_row *row;

	if (sqlite3_prepare_v2(ctx->store.db, "SELECT substr(subject, 7) FROM alarm_state"
		" WHERE subject LIKE 'usual:%' AND raised != 0 AND day = ?1", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int(st, 1, today);
	while (sqlite3_step(st) == SQLITE_ROW)
		if ((row = account_find_shown(ctx, (const char *)sqlite3_column_text(st, 0))) != NULL)
			row->unusual = 1;
	sqlite3_finalize(st);
}

/* Accounts with relays in the last `days` days, their today and yesterday, their usual day. */
static int
accounts_reload(struct mtastat *ctx, int32_t today)
{
	struct account_by_id ids = { NULL, 0, 0 };
	struct timespec t0, t1;
	sqlite3_stmt *st;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	mib_table_clear(&mib_account_table);
	map_clear(&ctx->accounts);
	ctx->accounts_day = today;
	if (sqlite3_prepare_v2(ctx->store.db, "SELECT a.id, a.name,"
		" coalesce(sum(CASE WHEN d.day = ?1 THEN d.relayed END), 0),"
		" coalesce(sum(CASE WHEN d.day = ?1 THEN d.relayed_messages END), 0),"
		" coalesce(sum(CASE WHEN d.day = ?1 - 1 THEN d.relayed END), 0)"
		" FROM account_daily d JOIN accounts a ON a.id = d.account_id"
		" WHERE d.day > ?1 - ?2 AND d.day <= ?1 GROUP BY a.id", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(st, 1, today);
	sqlite3_bind_int(st, 2, (int)ctx->cfg.days);
	mib_table_bulk_begin(&mib_account_table); /* indexes from names: rows land anywhere */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char shown[ACCOUNT_SHOWN_MAX];
		struct account_row *row;
		account_shown(shown, sizeof(shown), (const char *)sqlite3_column_text(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1));
		if ((row = account_new(ctx, (uint32_t)sqlite3_column_int64(st, 0), shown)) == NULL ||
		    account_by_id_add(&ids, row) != 0)
			break;
		row->relayed_today = sqlite3_column_int64(st, 2);
		row->msgs_today = sqlite3_column_int64(st, 3);
		row->relayed_yesterday = sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	mib_table_bulk_end(&mib_account_table);
	if (rc != SQLITE_DONE) {
		free(ids.v);
		return -1;
	}
	if (ids.n > 0)
		qsort(ids.v, ids.n, sizeof(*ids.v), account_by_id_cmp);
	if (detect_usual_all(&ctx->store, &ctx->cfg, today, account_usual, &ids) != 0)
		log_warn("model", "cannot load the usual relays per account: %s",
		    sqlite3_errmsg(ctx->store.db));
	free(ids.v);
	accounts_mark_unusual(ctx, today);
	mib_table_touch(&mib_account_table);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_debug("model", "accounts for day %d loaded from the history: %zu rows in %ld us",
	    (int)today, ctx->accounts.n, (long)((t1.tv_sec - t0.tv_sec) * 1000000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000));
	return 0;
}

static void usual_lookup(struct mtastat *, struct account_row *);

/* The row of the account logged as name[0..len), made if new (id: its history row). */
static struct account_row *
account_find(struct mtastat *ctx, const char *name, size_t len, int64_t id)
{
	char shown[ACCOUNT_SHOWN_MAX];
	struct account_row *row;

	account_shown(shown, sizeof(shown), name, len);
	if (ctx->accounts.cap > 0 && (row = *map_slot(&ctx->accounts, shown)) != NULL)
		return row;
	if ((row = account_new(ctx, (uint32_t)id, shown)) != NULL)
		usual_lookup(ctx, row);
	return row;
}

static void
alarm_row_add(const struct alarm *a)
{
	struct alarm *copy = malloc(sizeof(*copy));
	netsnmp_tdata_row *oldest;

	if (copy == NULL)
		return;
	*copy = *a;
	if (mib_table_add(&mib_alarm_table, (uint32_t)a->id, copy) != 0) {
		free(copy);
		return;
	}
	while (netsnmp_tdata_row_count(mib_alarm_table.tdata) > MODEL_ALARM_ROWS &&
	    (oldest = netsnmp_tdata_row_first(mib_alarm_table.tdata)) != NULL)
		mib_table_remove(&mib_alarm_table, oldest);
}

static void
indicators_update(const struct mtastat_config *cfg, const struct detect_result *r)
{
	int i;

	for (i = 0; i < IND_COUNT; i++) {
		netsnmp_tdata_row *row = mib_table_row(&mib_indicator_table, (uint32_t)i + 1);
		struct indicator_row *ir = row != NULL ? row->data : NULL;
		if (ir == NULL)
			continue;
		ir->st = r->stats[i];
		ir->st.def = ir->def; /* an evaluation with no event yet fills none */
		ir->status = r->status[i];
		ir->direction = stats_direction(cfg, i);
	}
}

/* "far.example (412), near.example (33)": where the account relays to today. */
static void
top_domains(struct mtastat *ctx, uint32_t account_id, int32_t day, char *out, size_t outlen)
{
	sqlite3_stmt *st;
	size_t n = 0;

	out[0] = '\0';
	if (sqlite3_prepare_v2(ctx->store.db, "SELECT d.domain, d.relayed FROM account_domain_daily d"
		" WHERE d.account_id = ?1 AND d.day = ?2"
		" ORDER BY d.relayed DESC, d.domain LIMIT 3", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_int(st, 2, (int)day);
	while (sqlite3_step(st) == SQLITE_ROW && n < outlen) {
		int w = snprintf(out + n, outlen - n, "%s%s (%lld)", n ? ", " : "",
		    sqlite3_column_text(st, 0), (long long)sqlite3_column_int64(st, 1));
		if (w < 0)
			break;
		n += (size_t)w;
	}
	sqlite3_finalize(st);
}

/* The account as the log wrote it (rows and alarms hold the escaped spelling). */
static void
account_logged_name(struct mtastat *ctx, const struct account_row *acct, const char *shown,
    char *out, size_t outlen)
{
	sqlite3_stmt *st;

	snprintf(out, outlen, "%s", shown);
	if (acct == NULL || sqlite3_prepare_v2(ctx->store.db, "SELECT name FROM accounts WHERE id = ?",
		-1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, acct->id);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* The alarm line for the e-mail digest, with a line of context. */
static void
mail_alarm(struct mtastat *ctx, const struct alarm *a, const struct account_row *acct)
{
	char text[ALARM_TEXT_MAX * 3], domains[ALARM_TEXT_MAX], line[ALARM_TEXT_MAX * 2];
	char name[ALARM_TEXT_MAX];
	const char *unit = detect_relay_unit(&ctx->cfg);

	if (!notify_mail_enabled(&ctx->mail))
		return;
	domains[0] = '\0';
	account_logged_name(ctx, acct, a->key, name, sizeof(name));
	if (acct != NULL && (a->kind == AK_RELAY_EXCEEDED || a->kind == AK_ACCOUNT_UNUSUAL))
		top_domains(ctx, acct->id, (int32_t)(a->time / 86400), domains, sizeof(domains));
	/* e-mail is UTF-8: the account as the log wrote it (the body cleaner masks what is not) */
	if (a->kind == AK_RELAY_EXCEEDED)
		snprintf(text, sizeof(text), "Account %.200s relayed: %lld %s (limit %u)\n"
		    "  relayed %s today: %lld, daily limit %u\n"
		    "  top external recipient domains today: %s", name, (long long)a->value, unit,
		    a->limit, unit, (long long)a->value, a->limit, domains[0] ? domains : "none");
	else if (a->kind == AK_RELAY_CLEARED)
		snprintf(text, sizeof(text), "Account %.200s back under its relay limit: %lld %s"
		    " (limit %u)", name, (long long)a->value, unit, a->limit);
	else if (a->kind == AK_ACCOUNT_UNUSUAL) {
		detect_unusual_text(line, sizeof(line), name, a, unit, "\302\261");
		snprintf(text, sizeof(text), "%s\n  usual: mean and sigma of its daily %s over the"
		    " last %u days of the same type; limit %u\n  top external recipient domains"
		    " today: %s", line, unit, ctx->cfg.days, a->limit, domains[0] ? domains : "none");
	} else if (a->kind == AK_ACCOUNT_USUAL)
		detect_unusual_text(text, sizeof(text), name, a, unit, "\302\261");
	else if (a->kind == AK_ANOMALY || a->kind == AK_NORMAL)
		snprintf(text, sizeof(text), "%s\n  window: %u days, z: %.2f", a->text,
		    ctx->cfg.days, a->z);
	else
		snprintf(text, sizeof(text), "%s", a->text);
	notify_mail_line(&ctx->mail, &ctx->store, text);
}

/*
 * Live once caught up (nothing waiting, everything read committed) on a log
 * whose newest event is recent; it stays so while the daemon runs, so a
 * server that falls silent for days keeps being judged at the wall clock.
 */
static void
model_check_live(struct mtastat *ctx)
{
	if (!ctx->live && !ctx->catching_up && ctx->ig.lines == ctx->ig.lines_at_commit &&
	    detect_log_recent(ctx->commit.newest_t, detect_wall_clock())) {
		ctx->live = 1;
		log_info("model", "caught up: now follows the wall clock");
	}
}

/* The "now" judged: log time, or the wall clock once live (detect_now). */
static int64_t
model_now(const struct mtastat *ctx)
{
	return detect_now(ctx->commit.newest_t, detect_wall_clock(), ctx->live);
}

/* An alarm's account row, its unusual flag following the alarm. */
static struct account_row *
alarm_account(struct mtastat *ctx, const struct alarm *a)
{
	struct account_row *acct;

	if (a->kind != AK_RELAY_EXCEEDED && a->kind != AK_RELAY_CLEARED &&
	    a->kind != AK_ACCOUNT_UNUSUAL && a->kind != AK_ACCOUNT_USUAL)
		return NULL;
	acct = account_find_shown(ctx, a->key); /* escaped by detect */
	if (acct != NULL && a->kind == AK_ACCOUNT_UNUSUAL) {
		acct->unusual = 1;
		acct->usual_mean = a->mean;
		acct->usual_sd = a->sd;
	} else if (acct != NULL && a->kind == AK_ACCOUNT_USUAL) {
		acct->unusual = 0;
	}
	mib_table_touch(&mib_account_table);
	return acct;
}

static int accounts_rollover(struct mtastat *, int32_t today);

/* An evaluation's result: the indicators refreshed, every transition notified. */
static void
evaluation_apply(struct mtastat *ctx, struct detect_result *r)
{
	size_t i;

	indicators_update(&ctx->cfg, r);
	for (i = 0; i < r->nalarms; i++) {
		const struct alarm *a = &r->alarms[i];
		struct account_row *acct = alarm_account(ctx, a);
		alarm_row_add(a);
		notify_alarm(&ctx->traps, a, acct, NULL, 0);
		mail_alarm(ctx, a, acct);
	}
}

/* The now to judge at; a midnight passed without a line rolls the rows over first. */
static int64_t
evaluation_now(struct mtastat *ctx)
{
	int64_t now = model_now(ctx);

	if (now > 0 && (int32_t)(now / 86400) != ctx->accounts_day)
		accounts_rollover(ctx, (int32_t)(now / 86400)); /* midnight passed without a line */
	ctx->evaluated_at = now;
	return now;
}

/* Evaluate on the loop's own connection: at start and SIGHUP, and without a writer. */
static void
evaluate_here(struct mtastat *ctx)
{
	struct detect_result r;

	if (detect_run(&ctx->store, &ctx->cfg, evaluation_now(ctx), &r) != 0) {
		log_err("detect", "evaluation failed; will retry after the next commit");
		return;
	}
	evaluation_apply(ctx, &r);
	detect_result_free(&r);
}

/* The writer thread: the evaluation on its own connection. */
static void
evaluation_run(struct store *s, void *arg)
{
	struct mtastat *ctx = arg;
	struct model_eval *e = &ctx->eval;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	e->rc = detect_run(s, &ctx->cfg, e->now, &e->r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	e->us = (long)((t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000);
}

/*
 * Evaluate the alarms: handed to the writer thread (model_eval_done applies
 * the result on the loop), so reading the window and writing the alarm
 * states never holds the loop.  The now is the loop's, taken here.
 */
static void
evaluate(struct mtastat *ctx)
{
	struct model_eval *e = &ctx->eval;

	if (!ctx->commit.writer_on) {
		evaluate_here(ctx);
		return;
	}
	if (e->out) {
		e->again = 1; /* after the one out, with the now of then */
		return;
	}
	e->now = evaluation_now(ctx);
	e->rc = -1;
	memset(&e->r, 0, sizeof(e->r));
	if (writer_job(&ctx->commit.writer, evaluation_run, ctx) != 0) {
		evaluate_here(ctx); /* cannot be: the job slot is the evaluation's */
		return;
	}
	e->out = 1;
}

void
model_eval_done(struct mtastat *ctx)
{
	struct model_eval *e = &ctx->eval;

	if (!e->out)
		return;
	e->out = 0;
	log_debug("model", "alarms judged by the writer in %ld us", e->us);
	if (e->rc != 0)
		log_err("detect", "evaluation failed; will retry after the next commit");
	else
		evaluation_apply(ctx, &e->r);
	detect_result_free(&e->r);
	if (e->again) {
		e->again = 0;
		evaluate(ctx);
	}
}

int
model_eval_drain(struct mtastat *ctx)
{
	int n = 0;

	/* an evaluation asked for meanwhile is handed over by model_eval_done: waited for too */
	while (ctx->eval.out && ctx->commit.writer_on && writer_job_wait(&ctx->commit.writer)) {
		model_eval_done(ctx);
		n++;
	}
	return n;
}

/* Whether the raise a (an alarm row) still stands in the rows now. */
static int
reannounce_standing(struct mtastat *ctx, const struct alarm *a)
{
	const struct indicator_row *ir;
	const struct account_row *acct;
	uint32_t index;

	switch (a->kind) {
	case AK_ANOMALY:
		ir = mib_indicator_find(a->subject, &index);
		return ir != NULL && (ir->status == J_HIGH || ir->status == J_LOW);
	case AK_RELAY_EXCEEDED:
		acct = account_find_shown(ctx, a->subject);
		return acct != NULL && mib_account_status(acct) == ACC_EXCEEDED;
	case AK_ACCOUNT_UNUSUAL:
		acct = account_find_shown(ctx, a->subject);
		return acct != NULL && mib_account_status(acct) == ACC_UNUSUAL;
	default:
		return 0;
	}
}

/*
 * The newest raise of every indicator and account still raised after the
 * first evaluation, from the alarm rows (whose index and text the
 * notification carries).  A raise older than the rows kept is not re-sent.
 */
static void
reannounce_collect(struct mtastat *ctx)
{
	netsnmp_tdata_row *row;
	size_t i, n = 0, cap = (size_t)netsnmp_tdata_row_count(mib_alarm_table.tdata);

	if (cap == 0 || (ctx->reannounce = calloc(cap, sizeof(*ctx->reannounce))) == NULL)
		return;
	for (row = netsnmp_tdata_row_first(mib_alarm_table.tdata); row != NULL;
	    row = netsnmp_tdata_row_next(mib_alarm_table.tdata, row)) {
		const struct alarm *a = row->data;
		if (!reannounce_standing(ctx, a))
			continue;
		for (i = 0; i < n; i++) /* a newer raise of the same subject replaces */
			if (ctx->reannounce[i].kind == a->kind &&
			    strcmp(ctx->reannounce[i].subject, a->subject) == 0)
				break;
		ctx->reannounce[i] = *a;
		if (i == n)
			n++;
	}
	ctx->nreannounce = n;
	ctx->reannounced = 0;
	if (n > 0)
		log_info("model", "%zu alarm(s) still raised: announced again, %d a second", n,
		    MODEL_REANNOUNCE_PER_SECOND);
}

/* Up to MODEL_REANNOUNCE_PER_SECOND of them a second, those that still stand. */
static void
reannounce_tick(struct mtastat *ctx)
{
	time_t now = time(NULL);
	int sent = 0;

	if (ctx->reannounce == NULL || now == ctx->reannounce_at)
		return;
	ctx->reannounce_at = now;
	while (ctx->reannounced < ctx->nreannounce && sent < MODEL_REANNOUNCE_PER_SECOND) {
		struct alarm *a = &ctx->reannounce[ctx->reannounced++];
		struct account_row *acct = NULL;
		if (!reannounce_standing(ctx, a))
			continue; /* cleared meanwhile: its clear was sent */
		if (a->kind != AK_ANOMALY)
			acct = account_find_shown(ctx, a->subject);
		notify_alarm(&ctx->traps, a, acct, NULL, 0);
		sent++;
	}
	if (ctx->reannounced >= ctx->nreannounce) {
		free(ctx->reannounce);
		ctx->reannounce = NULL;
		ctx->nreannounce = ctx->reannounced = 0;
	}
}

int
model_start(struct mtastat *ctx)
{
	struct alarm *recent;
	size_t i, n;

	for (i = 0; i < IND_COUNT; i++) {
		struct indicator_row *ir = calloc(1, sizeof(*ir));
		if (ir == NULL || mib_table_add(&mib_indicator_table, (uint32_t)i + 1, ir) != 0) {
			free(ir);
			return -1;
		}
		ir->def = ir->st.def = &indicator_defs[i];
		ir->status = J_INSUFFICIENT;
		ir->direction = stats_direction(&ctx->cfg, (int)i);
	}
	ctx->log_rows = calloc(ctx->nlogs ? ctx->nlogs : 1, sizeof(*ctx->log_rows));
	if (ctx->log_rows == NULL)
		return -1;
	for (i = 0; i < ctx->nlogs; i++) {
		struct log_row *lr = malloc(sizeof(*lr));
		if (lr == NULL)
			return -1;
		lr->f = &ctx->logs[i];
		lr->path = ctx->cfg.logs[i].path;
		lr->stall_seconds = ctx->cfg.logstalled;
		lr->started = time(NULL);
		ctx->log_rows[i] = lr;
		if (mib_table_add(&mib_log_table, (uint32_t)i + 1, lr) != 0) {
			free(lr);
			ctx->log_rows[i] = NULL;
			return -1;
		}
	}
	if (detect_recent(&ctx->store, MODEL_ALARM_ROWS, &recent, &n) == 0) {
		for (i = 0; i < n; i++)
			alarm_row_add(&recent[i]);
		free(recent);
	}
	if (accounts_reload(ctx, (int32_t)(ctx->commit.newest_t / 86400)) != 0)
		log_warn("model", "cannot load the accounts: %s", sqlite3_errmsg(ctx->store.db));
	evaluate_here(ctx); /* the re-announcements below are of its result */
	if (!ctx->reloading)
		reannounce_collect(ctx); /* a SIGHUP loses no notification: nothing to repeat */
	return 0;
}

void
model_stop(struct mtastat *ctx)
{
	mib_table_clear(&mib_indicator_table);
	mib_table_clear(&mib_account_table);
	mib_table_clear(&mib_alarm_table);
	mib_table_clear(&mib_log_table); /* frees the log rows */
	free(ctx->log_rows);
	ctx->log_rows = NULL;
	free(ctx->stalled);
	ctx->stalled = NULL;
	free(ctx->reannounce);
	ctx->reannounce = NULL;
	ctx->nreannounce = ctx->reannounced = 0;
	map_clear(&ctx->accounts);
	detect_result_free(&ctx->eval.r); /* the writer is stopped: an evaluation never applied */
	memset(&ctx->eval, 0, sizeof(ctx->eval));
	free(ctx->usual.v);
	memset(&ctx->usual, 0, sizeof(ctx->usual));
}

/* The writer thread, after a batch: the usual day of every account for job->day. */
static void
usual_job_run(struct store *s, void *arg)
{
	struct mtastat *ctx = arg;
	struct usual_job *job = &ctx->usual;

	job->n = 0;
	job->ready = 0;
	job->rc = detect_usual_all(s, &ctx->cfg, job->day, usual_job_add, job);
}

void
model_batch_job(struct mtastat *ctx, struct store_batch *b)
{
	int64_t t = b->agg.newest_t > ctx->commit.newest_t ? b->agg.newest_t : ctx->commit.newest_t;
	int32_t today = (int32_t)(detect_now(t, detect_wall_clock(), ctx->live) / 86400);

	/* the batch ends on a new day: its accounts' usual day is read after it */
	if (today > 0 && today != ctx->accounts_day && today != ctx->usual.day) {
		ctx->usual.day = today;
		ctx->usual.rc = -1;
		b->after = usual_job_run;
		b->after_arg = ctx;
	}
}

static int
usual_entry_cmp(const void *a, const void *b)
{
	int64_t x = ((const struct usual_entry *)a)->id, y = ((const struct usual_entry *)b)->id;

	return x < y ? -1 : x > y;
}

/* A row made after its day's usual values came: they are kept for it (sorted by id). */
static void
usual_lookup(struct mtastat *ctx, struct account_row *row)
{
	struct usual_entry key = { row->id, 0, 0 }, *found;

	if (ctx->usual.ready != ctx->accounts_day || ctx->usual.n == 0)
		return;
	found = bsearch(&key, ctx->usual.v, ctx->usual.n, sizeof(key), usual_entry_cmp);
	if (found != NULL) {
		row->usual_mean = found->mean;
		row->usual_sd = found->sd;
	}
}

/* The usual day read by the writer onto the rows, once they are of that day. */
static void
usual_job_apply(struct mtastat *ctx)
{
	struct usual_job *job = &ctx->usual;
	size_t i;

	if (job->day == 0 || job->day != ctx->accounts_day || job->rc == -1)
		return;
	if (job->rc != 0)
		log_warn("model", "cannot load the usual relays per account for day %d", (int)job->day);
	/* detect_usual_all gives them by account id: sorted already, sorted again to be sure */
	if (job->n > 0)
		qsort(job->v, job->n, sizeof(*job->v), usual_entry_cmp);
	job->ready = job->day;
	job->day = 0;
	for (i = 0; i < ctx->accounts.cap; i++)
		if (ctx->accounts.slot[i] != NULL)
			usual_lookup(ctx, ctx->accounts.slot[i]);
}

/*
 * Midnight (in the log's time) for the account rows, in memory: today's
 * counts become yesterday's, today starts at zero, the usual day and the
 * unusual marks are those of the new day (the usual day arrives from the
 * writer, usual_job_apply).  A jump back in time (or the first day)
 * reloads from the history instead: 1 then, the rows hold what is written.
 */
static int
accounts_rollover(struct mtastat *ctx, int32_t today)
{
	struct timespec t0, t1;
	size_t i;

	if (today < ctx->accounts_day || ctx->accounts_day <= 0) {
		accounts_reload(ctx, today);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < ctx->accounts.cap; i++) {
		struct account_row *row = ctx->accounts.slot[i];
		if (row == NULL)
			continue;
		row->relayed_yesterday = today == ctx->accounts_day + 1 ? row->relayed_today : 0;
		row->relayed_today = row->msgs_today = 0;
		row->usual_mean = row->usual_sd = 0;
		row->unusual = 0;
	}
	ctx->accounts_day = today;
	ctx->usual.ready = 0; /* the usual values kept were the old day's */
	mib_table_touch(&mib_account_table);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_debug("model", "accounts for day %d rolled over: %zu rows in %ld us", (int)today,
	    ctx->accounts.n, (long)((t1.tv_sec - t0.tv_sec) * 1000000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000));
	return 0;
}

void
model_after_batch(struct mtastat *ctx, const struct aggregate *a, const int64_t *ids)
{
	int32_t today;
	size_t i;

	if (!ctx->catching_up)
		model_check_live(ctx);
	today = (int32_t)(model_now(ctx) / 86400);
	/* a new day: today's counts start again (from the history: it has the batch) */
	if (today != ctx->accounts_day && accounts_rollover(ctx, today) != 0)
		a = NULL;
	usual_job_apply(ctx);
	/* a batch's new accounts go into the table at once, not one array move each */
	mib_table_bulk_begin(&mib_account_table);
	for (i = 0; a != NULL && i < a->keyed_cap; i++) {
		const struct agg_entry *e = &a->keyed[i];
		struct account_row *row;
		/* a row for every account with relays in the window, as accounts_reload makes */
		if (!e->used || e->kind != AGG_ACCOUNT || e->day > today ||
		    e->day <= today - (int32_t)ctx->cfg.days)
			continue;
		if ((row = account_find(ctx, e->name, e->len, ids[i])) == NULL)
			continue;
		if (e->day == today) {
			row->relayed_today += e->v[0];
			row->msgs_today += e->v[1];
		} else if (e->day == today - 1) {
			row->relayed_yesterday += e->v[0];
		}
	}
	/* a slice now, the rest on the next turns (model_rows_work): no turn inserts thousands */
	mib_table_bulk_step(&mib_account_table, MODEL_ROWS_SLICE_US, NULL);
	mib_table_touch(&mib_account_table);
	if (!ctx->catching_up)
		evaluate(ctx);
}

int
model_rows_work(struct mtastat *ctx)
{
	struct timespec t0[2];
	size_t left, in;

	if (mib_table_bulk_waiting(&mib_account_table) == 0)
		return 0;
	watch_turn_begin(t0);
	left = mib_table_bulk_step(&mib_account_table, MODEL_ROWS_SLICE_US, &in);
	watch_turn(ctx, t0, "account rows");
	log_debug("model", "account rows: %zu put in the table, %zu waiting", in, left);
	return 1;
}

void
model_caught_up(struct mtastat *ctx)
{
	model_check_live(ctx);
	evaluate(ctx);
}

void
model_tick(struct mtastat *ctx)
{
	char subject[256];
	size_t i;

	model_check_live(ctx);
	reannounce_tick(ctx);
	if (ctx->live && detect_wall_clock() - ctx->evaluated_at >= MODEL_IDLE_EVALUATE)
		evaluate(ctx); /* silence: the wall clock moves today on */
	if (ctx->stalled == NULL && ctx->nlogs > 0 &&
	    (ctx->stalled = calloc(ctx->nlogs, sizeof(*ctx->stalled))) == NULL)
		return;
	for (i = 0; i < ctx->nlogs; i++) {
		const struct log_row *lr = ctx->log_rows != NULL ? ctx->log_rows[i] : NULL;
		struct alarm a;
		int status;
		if (lr == NULL)
			continue;
		status = mib_log_status(lr);
		if (status == 1) {
			ctx->stalled[i] = 0; /* a new line: the next stall alarms again */
			continue;
		}
		if (ctx->stalled[i])
			continue;
		ctx->stalled[i] = 1;
		memset(&a, 0, sizeof(a));
		a.kind = AK_LOG_STALLED;
		a.time = ctx->commit.newest_t;
		snprintf(subject, sizeof(subject), "%s", lr->path);
		snprintf(a.subject, sizeof(a.subject), "%s", subject);
		a.value = mib_log_idle(lr);
		snprintf(a.text, sizeof(a.text), "Log %.200s %s: no new line for %lld s", subject,
		    status == 3 ? "missing" : "stalled", (long long)a.value);
		if (detect_record(&ctx->store, &a) == 0)
			alarm_row_add(&a);
		notify_alarm(&ctx->traps, &a, NULL, lr, (uint32_t)i + 1);
		mail_alarm(ctx, &a, NULL);
	}
}

void
model_alarm(struct mtastat *ctx, struct alarm *a)
{
	if (detect_record(&ctx->store, a) == 0)
		alarm_row_add(a);
	mail_alarm(ctx, a, NULL);
}
