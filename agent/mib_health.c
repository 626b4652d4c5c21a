/* Mail-flow health rows and scalars (mib_health.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detect.h"
#include "event.h"
#include "log.h"
#include "mib_health.h"
#include "mib_scalar_group.h"
#include "mib_oid.h"
#include "mib_std.h"
#include "mib_tables.h"
#include "mtastatd.h"

static const oid reply_entry[] = { MTASTAT_OID_ROOT, 1, 6, 1 };
static const oid broken_entry[] = { MTASTAT_OID_ROOT, 1, 7, 1 };
static const oid delay_root[] = { MTASTAT_OID_ROOT, 1, MIB_HEALTH_DELAY };
static const oid tls_root[] = { MTASTAT_OID_ROOT, 1, MIB_HEALTH_TLS };

struct mib_table mib_reply_table = { .name = "mtastatReplyTable", .entry_oid = reply_entry,
	.entry_len = OID_LENGTH(reply_entry), .min_col = COL_REPLY_TEXT,
	.max_col = COL_REPLY_EXAMPLE, .value = mib_reply_value, .nindex = 3 };
struct mib_table mib_broken_table = { .name = "mtastatBrokenTable", .entry_oid = broken_entry,
	.entry_len = OID_LENGTH(broken_entry), .min_col = COL_BROKEN_CAUSE,
	.max_col = COL_BROKEN_YESTERDAY, .value = mib_broken_value };

/* Gauge32: 0 .. 2^32 - 1, clamped. */
static long
gauge(int64_t v)
{
	if (v < 0)
		return 0;
	return (uint64_t)v > 4294967295ULL ? (long)4294967295UL : (long)v;
}

int
mib_reply_value(const void *r, unsigned col, struct mib_value *mv)
{
	const struct health_reply *row = r;
	char text[32];
	int n;

	switch (col) {
	case COL_REPLY_TEXT:
		n = snprintf(text, sizeof(text), "%u%s%s", row->code, row->enh[0] ? " " : "",
		    row->enh);
		mib_value_str(mv, text, n < 0 ? 0 : (size_t)n);
		return 0;
	case COL_REPLY_TODAY:
		mib_value_int(mv, ASN_GAUGE, gauge(row->today));
		return 0;
	case COL_REPLY_YESTERDAY:
		mib_value_int(mv, ASN_GAUGE, gauge(row->yesterday));
		return 0;
	case COL_REPLY_EXAMPLE:
		mib_value_str(mv, row->example, strlen(row->example));
		return 0;
	default:
		return -1;
	}
}

int
mib_broken_value(const void *r, unsigned col, struct mib_value *mv)
{
	const struct health_cause *row = r;

	switch (col) {
	case COL_BROKEN_CAUSE:
		mib_value_str(mv, row->cause, strlen(row->cause));
		return 0;
	case COL_BROKEN_TODAY:
		mib_value_int(mv, ASN_GAUGE, gauge(row->today));
		return 0;
	case COL_BROKEN_YESTERDAY:
		mib_value_int(mv, ASN_GAUGE, gauge(row->yesterday));
		return 0;
	default:
		return -1;
	}
}

int64_t
mib_health_sessions(const struct mib_health_state *h, int dir)
{
	int64_t n = 0;
	const struct health_tls *t[3];
	int i;

	if (!h->loaded)
		return -1;
	t[0] = &h->base_sum.tls;
	t[1] = &h->snap.day[0].tls;
	t[2] = &h->snap.day[1].tls;
	for (i = 0; i < 3; i++)
		n += dir == MTA_DIR_IN ? t[i]->in_tls + t[i]->in_plain : t[i]->out_tls + t[i]->out_plain;
	return n;
}

int
mib_health_scalar_value(const struct health_snapshot *s, unsigned subtree, unsigned col,
    struct mib_value *mv)
{
	const struct health_sum *t = &s->day[0];

	if (subtree == MIB_HEALTH_DELAY) {
		switch (col) {
		case MIB_DELAY_COUNT:
			mib_value_int(mv, ASN_GAUGE, gauge(t->delay.n));
			return 0;
		case MIB_DELAY_P50:
			mib_value_int(mv, ASN_UNSIGNED, (long)t->delay.p50);
			return 0;
		case MIB_DELAY_P95:
			mib_value_int(mv, ASN_UNSIGNED, (long)t->delay.p95);
			return 0;
		case MIB_DELAY_P99:
			mib_value_int(mv, ASN_UNSIGNED, (long)t->delay.p99);
			return 0;
		case MIB_DELAY_MAX:
			mib_value_int(mv, ASN_UNSIGNED, (long)t->delay.max);
			return 0;
		default:
			return -1;
		}
	}
	if (subtree != MIB_HEALTH_TLS)
		return -1;
	switch (col) {
	case MIB_TLS_IN:
		mib_value_int(mv, ASN_GAUGE, gauge(t->tls.in_tls));
		return 0;
	case MIB_PLAIN_IN:
		mib_value_int(mv, ASN_GAUGE, gauge(t->tls.in_plain));
		return 0;
	case MIB_TLS_OUT:
		mib_value_int(mv, ASN_GAUGE, gauge(t->tls.out_tls));
		return 0;
	case MIB_PLAIN_OUT:
		mib_value_int(mv, ASN_GAUGE, gauge(t->tls.out_plain));
		return 0;
	case MIB_PLAIN_SHARE:
		mib_value_int(mv, ASN_INTEGER, health_plain_share(&t->tls));
		return 0;
	default:
		return -1;
	}
}

static const struct health_snapshot *
shown(const struct mtastat *ctx)
{
	static const struct health_snapshot empty;

	return ctx->health.loaded ? &ctx->health.snap : &empty;
}

static int
delay_value(const struct mtastat *ctx, unsigned int col, struct mib_value *mv)
{
	return mib_health_scalar_value(shown(ctx), MIB_HEALTH_DELAY, col, mv);
}

static int
tls_value(const struct mtastat *ctx, unsigned int col, struct mib_value *mv)
{
	return mib_health_scalar_value(shown(ctx), MIB_HEALTH_TLS, col, mv);
}

static const struct mib_scalar_group delay_group = {
	"mtastatDelay", delay_root, OID_LENGTH(delay_root), 1, MIB_DELAY_MAX, delay_value,
};
static const struct mib_scalar_group tls_group = {
	"mtastatTls", tls_root, OID_LENGTH(tls_root), 1, MIB_PLAIN_SHARE, tls_value,
};

int
mib_health_register(struct mtastat *ctx)
{
	if (mib_table_register(&mib_reply_table) != 0 ||
	    mib_table_register(&mib_broken_table) != 0 ||
	    mib_scalar_group_register(&delay_group, ctx) != 0 ||
	    mib_scalar_group_register(&tls_group, ctx) != 0)
		return -1;
	return 0;
}

static int
add_reply(const struct health_reply *r)
{
	struct health_reply *copy;
	uint32_t idx[3];

	idx[0] = (uint32_t)r->dir;
	idx[1] = r->code;
	idx[2] = mib_std_enh_code(r->enh, strlen(r->enh));
	if ((copy = malloc(sizeof(*copy))) == NULL)
		return -1;
	*copy = *r;
	if (mib_table_add_n(&mib_reply_table, idx, copy) != 0)
		free(copy);  /* an unreadable enhanced code as well as none: the first row stands */
	return 0;
}

static int
add_cause(const struct health_cause *c)
{
	struct health_cause *copy;
	uint32_t index = mib_account_index(c->cause);

	while (mib_table_row(&mib_broken_table, index) != NULL)
		index = mib_account_probe(index);
	if ((copy = malloc(sizeof(*copy))) == NULL)
		return -1;
	*copy = *c;
	if (mib_table_add(&mib_broken_table, index, copy) != 0) {
		free(copy);
		return -1;
	}
	return 0;
}

static int32_t
health_today(const struct mtastat *ctx)
{
	return (int32_t)(detect_now(ctx->ig.newest_t, detect_wall_clock(), ctx->live) / 86400);
}

/*
 * Read the snapshot of j->day (and with j->whole the sums of every day
 * before yesterday) from s: the loop's store at start, or the writer's.
 * Nothing of the daemon is touched: it runs on either thread.
 */
static int
job_load(struct store *s, struct mib_health_job *j)
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	j->rc = -1;
	memset(&j->snap, 0, sizeof(j->snap));
	j->base = NULL;
	j->nbase = 0;
	memset(&j->base_sum, 0, sizeof(j->base_sum));
	/* every day before yesterday; the snapshot adds the two days after */
	if (j->whole && health_reply_totals(s, INT32_MIN, j->day - 2, &j->base, &j->nbase) != 0)
		return -1;
	/* sessions only: the histogram of a year of days is read in ~0.2 s, needlessly */
	if ((j->whole && health_sum_sessions(s, INT32_MIN, j->day - 2, &j->base_sum) != 0) ||
	    health_load(s, j->day, &j->snap) != 0) {
		free(j->base);
		j->base = NULL;
		j->nbase = 0;
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	j->us = (long)((t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000);
	j->rc = 0;
	return 0;
}

static void
job_discard(struct mib_health_job *j)
{
	if (j->rc == 0) {
		health_free(&j->snap);
		free(j->base);
	}
	j->base = NULL;
	j->nbase = 0;
	j->rc = -1;
}

/* A loaded snapshot into the rows; j's memory is the state's afterwards. */
static int
job_install(struct mtastat *ctx, struct mib_health_job *j, const char *by)
{
	struct mib_health_state *h = &ctx->health;
	size_t i;

	if (j->whole) {
		h->base_sum = j->base_sum;
		free(h->base);
		h->base = j->base;
		h->nbase = j->nbase;
		h->base_day = j->day;
	}
	j->base = NULL;
	j->nbase = 0;
	j->rc = -1;
	mib_table_clear(&mib_reply_table);
	mib_table_clear(&mib_broken_table);
	if (h->loaded)
		health_free(&h->snap);
	h->snap = j->snap;
	h->loaded = 1;
	h->day = j->day;
	log_debug("snmp", "health of day %d loaded%s%s: %zu replies, %zu causes in %ld us",
	    (int)j->day, by, j->whole ? " with the history before it" : "", h->snap.nreplies,
	    h->snap.ncauses, j->us);
	for (i = 0; i < h->snap.nreplies; i++)
		if (add_reply(&h->snap.replies[i]) != 0)
			return -1;
	for (i = 0; i < h->snap.ncauses; i++)
		if (add_cause(&h->snap.causes[i]) != 0)
			return -1;
	return mib_std_errors_refresh(ctx);
}

int
mib_health_refresh(struct mtastat *ctx)
{
	struct mib_health_job j;

	if (!ctx->store_open)
		return 0;
	memset(&j, 0, sizeof(j));
	j.day = health_today(ctx);
	j.whole = ctx->health.base_day != j.day;
	if (job_load(&ctx->store, &j) != 0)
		return -1;   /* the rows shown stay those of the last load */
	return job_install(ctx, &j, "");
}

/* The writer thread, after the batch's commit, on its own connection. */
static void
job_run(struct store *s, void *arg)
{
	struct mib_health_job *j = arg;

	if (j->next != NULL)
		j->next(s, j->next_arg);
	job_load(s, j);
}

void
mib_health_batch_job(struct mtastat *ctx, struct store_batch *b)
{
	struct mib_health_job *j = &ctx->health.job;

	/* only a batch with replies, causes or sessions changes the rows */
	if (!ctx->store_open || ctx->health.alarm_id == 0 ||
	    (b->agg.nhealth == 0 && b->agg.nkeyed == 0))
		return;
	j->pending = 1;
	j->rc = -1;
	j->day = health_today(ctx);
	j->whole = ctx->health.base_day != j->day;
	j->next = b->after;
	j->next_arg = b->after_arg;
	b->after = job_run;
	b->after_arg = j;
}

int
mib_health_batch_done(struct mtastat *ctx, const struct store_batch *b)
{
	struct mib_health_job *j = &ctx->health.job;

	if (!j->pending || b->rc != 0)
		return 0;    /* a failed batch keeps its job for the retry */
	j->pending = 0;
	if (j->rc != 0)
		return -1;
	/* stopping, or the day tick loaded a newer day meanwhile */
	if (ctx->health.alarm_id == 0 || (ctx->health.loaded && j->day < ctx->health.day)) {
		job_discard(j);
		return 0;
	}
	return job_install(ctx, j, " by the writer");
}

/* Midnight without a line: today's rows start again. */
static void
day_tick(unsigned int reg, void *arg)
{
	struct mtastat *ctx = arg;

	(void)reg;
	/* lines of the new day not yet written: their batch's writer loads it, off the loop */
	if (ctx->commit.phase != COMMIT_IDLE || ctx->ig.lines != ctx->ig.lines_at_batch)
		return;
	if (ctx->health.loaded && health_today(ctx) != ctx->health.day)
		mib_health_refresh(ctx);
}

int
mib_health_start(struct mtastat *ctx)
{
	if (mib_health_refresh(ctx) != 0)
		log_warn("snmp", "mail-flow health not loaded; tried again after the next commit");
	ctx->health.alarm_id = snmp_alarm_register(1, SA_REPEAT, day_tick, ctx);
	return 0;
}

void
mib_health_stop(struct mtastat *ctx)
{
	if (ctx->health.alarm_id != 0)
		snmp_alarm_unregister(ctx->health.alarm_id);
	ctx->health.alarm_id = 0;
	mib_table_clear(&mib_reply_table);
	mib_table_clear(&mib_broken_table);
	if (ctx->health.loaded)
		health_free(&ctx->health.snap);
	ctx->health.loaded = 0;
	free(ctx->health.base);
	ctx->health.base = NULL;
	ctx->health.nbase = 0;
	ctx->health.base_day = 0;
}
