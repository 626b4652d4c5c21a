/* Rows and column values of the standard MIBs' tables (mib_std.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mib_std.h"
#include "mib_tables.h"
#include "mtastat.h"
#include "mtastatd.h"
#include "event.h"

/*
 * Below net-snmp's default (127), so the subagent's rows are preferred where
 * the master has a module at the same OIDs.  Not enough for Debian's snmpd:
 * its sendmail module (mib-2.28) still answers some columns, so snmpd runs
 * with -I -mta_sendmail (docs/standard-mibs.md).
 */
#define MIB_STD_PRIORITY 100
/* TimeInterval (SNMPv2-TC): hundredths of a second, 0 .. 2^31 - 1. */
#define TIME_INTERVAL_MAX 2147483647L
/* A description or name kept for the row: a DisplayString's 255 octets. */
#define STD_TEXT_MAX 255

static const oid appl_entry[] = { 1, 3, 6, 1, 2, 1, 27, 1, 1 };
static const oid mta_entry[] = { 1, 3, 6, 1, 2, 1, 28, 1, 1 };
static const oid mta_group_entry[] = { 1, 3, 6, 1, 2, 1, 28, 2, 1 };
static const oid mta_assoc_entry[] = { 1, 3, 6, 1, 2, 1, 28, 3, 1 };
static const oid mta_error_entry[] = { 1, 3, 6, 1, 2, 1, 28, 5, 1 };
/* applTCPProtoID.25 (RFC 2788): SMTP, the protocol of both groups. */
static const oid smtp_proto[] = { 1, 3, 6, 1, 2, 1, 27, 4, 25 };

static int mib_assoc_value(const void *, unsigned, struct mib_value *);

struct mib_table mib_appl_table = { .name = "applTable", .entry_oid = appl_entry,
	.entry_len = OID_LENGTH(appl_entry), .min_col = COL_APPL_NAME, .max_col = COL_APPL_URL,
	.value = mib_appl_value, .nindex = 1, .priority = MIB_STD_PRIORITY };
struct mib_table mib_mta_table = { .name = "mtaTable", .entry_oid = mta_entry,
	.entry_len = OID_LENGTH(mta_entry), .min_col = COL_MTA_RECEIVED_MESSAGES,
	.max_col = COL_MTA_LOOPS, .value = mib_mta_value, .nindex = 1,
	.priority = MIB_STD_PRIORITY };
struct mib_table mib_mta_group_table = { .name = "mtaGroupTable", .entry_oid = mta_group_entry,
	.entry_len = OID_LENGTH(mta_group_entry), .min_col = COL_GRP_RECEIVED_MESSAGES,
	.max_col = COL_GRP_LAST_COL, .value = mib_mta_group_value, .nindex = 2,
	.priority = MIB_STD_PRIORITY };
struct mib_table mib_mta_assoc_table = { .name = "mtaGroupAssociationTable",
	.entry_oid = mta_assoc_entry, .entry_len = OID_LENGTH(mta_assoc_entry), .min_col = 1,
	.max_col = 1, .value = mib_assoc_value, .nindex = 3, .priority = MIB_STD_PRIORITY };
struct mib_table mib_mta_error_table = { .name = "mtaGroupErrorTable",
	.entry_oid = mta_error_entry, .entry_len = OID_LENGTH(mta_error_entry),
	.min_col = COL_ERR_INBOUND, .max_col = COL_ERR_OUTBOUND, .value = mib_mta_error_value,
	.nindex = 3, .priority = MIB_STD_PRIORITY };

static struct mib_table *const std_tables[] = { &mib_appl_table, &mib_mta_table,
	&mib_mta_group_table, &mib_mta_assoc_table, &mib_mta_error_table };
#define STD_NTABLES (sizeof(std_tables) / sizeof(std_tables[0]))

/* Counter32 wraps by definition: the low 32 bits of a total that only grows. */
static void
counter32(struct mib_value *mv, int64_t total)
{
	mib_value_int(mv, ASN_COUNTER, total < 0 ? 0 : (long)((uint64_t)total & 0xffffffffU));
}

/* RFC 2789 volumes are in kilo-octets. */
static void
kilo_counter32(struct mib_value *mv, int64_t bytes)
{
	counter32(mv, bytes < 0 ? 0 : bytes / 1024);
}

static void
oid_value(struct mib_value *mv, const oid *o, size_t n)
{
	mv->type = ASN_OBJECT_ID;
	mv->len = n * sizeof(oid);
	memcpy(mv->v.s, o, mv->len);
}

/* A TimeStamp taken in this run, or 0 when the agent's clock restarted since (snmpd did). */
static long
timestamp(unsigned long at)
{
	return at <= netsnmp_get_agent_uptime() ? (long)at : 0;
}

int
mib_std_oper_status(const struct mtastat *ctx)
{
	size_t i;

	/* up while one log is fresh: mtastat sees the MTA work */
	for (i = 0; ctx->log_rows != NULL && i < ctx->nlogs; i++)
		if (ctx->log_rows[i] != NULL && mib_log_status(ctx->log_rows[i]) == 1)
			return APPL_UP;
	return APPL_DOWN;
}

/* applLastChange follows applOperStatus; the first look is "before this run". */
static void
oper_track(struct mtastat *ctx)
{
	int now = mib_std_oper_status(ctx);

	if (ctx->std.oper != 0 && now != ctx->std.oper)
		ctx->std.oper_since = netsnmp_get_agent_uptime();
	ctx->std.oper = now;
}

/* "postfix", "postfix exim": the MTAs whose logs are read, each once. */
static size_t
appl_name(const struct mtastat *ctx, char *buf, size_t size)
{
	size_t i, j, len = 0;
	const char *name;
	int seen;

	buf[0] = '\0';
	for (i = 0; i < ctx->cfg.nlogs; i++) {
		name = ctx->cfg.logs[i].parser != NULL ? ctx->cfg.logs[i].parser->name : NULL;
		for (seen = 0, j = 0; name != NULL && j < i && !seen; j++)
			seen = ctx->cfg.logs[j].parser != NULL &&
			    strcmp(ctx->cfg.logs[j].parser->name, name) == 0;
		if (name == NULL || seen || len + strlen(name) + 2 > size)
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? " " : "", name);
	}
	return len;
}

/* Accumulated associations: the SMTP sessions since the history began (mib_health.h). */
static int
sessions_value(const struct mtastat *ctx, int dir, struct mib_value *mv)
{
	int64_t n = mib_health_sessions(&ctx->health, dir);

	if (n < 0)
		return -1;
	counter32(mv, n);
	return 0;
}

int
mib_appl_value(const void *r, unsigned col, struct mib_value *mv)
{
	const struct mib_std_row *row = r;
	struct mtastat *ctx = row->ctx;
	char text[STD_TEXT_MAX + 1], name[STD_TEXT_MAX + 1];
	int n;

	switch (col) {
	case COL_APPL_NAME:
		mib_value_str(mv, name, appl_name(ctx, name, sizeof(name)));
		return 0;
	case COL_APPL_VERSION:
		mib_value_str(mv, ctx->std.version, strlen(ctx->std.version));
		return 0;
	case COL_APPL_DIRECTORY_NAME:
	case COL_APPL_URL:
		mib_value_str(mv, "", 0);
		return 0;
	case COL_APPL_UPTIME:
		/* counters continue from the history: the service began before this run */
		mib_value_int(mv, ASN_TIMETICKS, ctx->std.fresh ? timestamp(ctx->std.started) : 0);
		return 0;
	case COL_APPL_OPER_STATUS:
		oper_track(ctx);
		mib_value_int(mv, ASN_INTEGER, ctx->std.oper);
		return 0;
	case COL_APPL_LAST_CHANGE:
		oper_track(ctx);
		mib_value_int(mv, ASN_TIMETICKS, timestamp(ctx->std.oper_since));
		return 0;
	case COL_APPL_ACC_INBOUND_ASSOC:
		return sessions_value(ctx, MTA_DIR_IN, mv);
	case COL_APPL_ACC_OUTBOUND_ASSOC:
		return sessions_value(ctx, MTA_DIR_OUT, mv);
	case COL_APPL_DESCRIPTION:
		appl_name(ctx, name, sizeof(name));
		n = snprintf(text, sizeof(text), "%s%smail transfer agent, as its logs show it to"
		    " mtastat %s", name, name[0] ? " " : "", MTASTAT_VERSION);
		mib_value_str(mv, text, n < 0 ? 0 : (size_t)n >= sizeof(text) ? sizeof(text) - 1
		    : (size_t)n);
		return 0;
	default:
		return -1;   /* open associations, activity times: the logs do not tell them */
	}
}

/* Kilo-octets rounded up, as mtastatQueueKBytes: a non-empty queue is never 0 kB. */
static long
kilo_gauge(uint64_t bytes)
{
	uint64_t k = bytes / 1024 + (bytes % 1024 != 0);

	return k > 4294967295ULL ? (long)4294967295UL : (long)k;
}

static long
gauge32(uint64_t v)
{
	return v > 4294967295ULL ? (long)4294967295UL : (long)v;
}

/*
 * What is stored now: the last good queue sample (queue_watch.c), the mail
 * waiting for delivery; no sample (no queue token, none yet): no instance.
 */
static int
stored_value(const struct mtastat *ctx, int what, struct mib_value *mv)
{
	const struct queue_sample *q = &ctx->queue.last;
	int64_t age;

	if (!ctx->queue.have_last)
		return -1;
	switch (what) {
	case COL_MTA_STORED_MESSAGES:
		mib_value_int(mv, ASN_GAUGE, gauge32(q->total));
		return 0;
	case COL_MTA_STORED_VOLUME:
		if (!q->has_bytes)
			return -1;  /* exim -bpc counts messages only */
		mib_value_int(mv, ASN_GAUGE, kilo_gauge(q->total_bytes));
		return 0;
	case COL_GRP_OLDEST_STORED:
		/* TimeInterval: hundredths of a second, saturating after 248 days */
		age = queue_oldest_age(q);
		mib_value_int(mv, ASN_INTEGER, age <= 0 ? 0 : age >= TIME_INTERVAL_MAX / 100 ?
		    TIME_INTERVAL_MAX : (long)(age * 100));
		return 0;
	default:
		return -1;
	}
}

int
mib_mta_value(const void *r, unsigned col, struct mib_value *mv)
{
	const struct mtastat *ctx = ((const struct mib_std_row *)r)->ctx;
	const struct totals *t = &ctx->totals;

	switch (col) {
	case COL_MTA_STORED_MESSAGES:
	case COL_MTA_STORED_VOLUME:
		return stored_value(ctx, (int)col, mv);
	case COL_MTA_RECEIVED_MESSAGES:
		counter32(mv, t->c[C_RECEIVED]);
		return 0;
	case COL_MTA_TRANSMITTED_MESSAGES:  /* deliveries: one per recipient (docs) */
	case COL_MTA_TRANSMITTED_RECIPIENTS:
		counter32(mv, t->c[C_DELIVERED]);
		return 0;
	case COL_MTA_RECEIVED_VOLUME:
		kilo_counter32(mv, t->c[C_BYTES_RECEIVED]);
		return 0;
	case COL_MTA_TRANSMITTED_VOLUME:
		kilo_counter32(mv, t->c[C_BYTES_DELIVERED]);
		return 0;
	default:
		return -1;
	}
}

static int
group_in_value(const struct mtastat *ctx, unsigned col, struct mib_value *mv)
{
	const struct totals *t = &ctx->totals;

	switch (col) {
	case COL_GRP_RECEIVED_MESSAGES:
		counter32(mv, t->c[C_RECEIVED]);
		return 0;
	case COL_GRP_REJECTED_MESSAGES:
		counter32(mv, t->c[C_REJECTED]);
		return 0;
	case COL_GRP_RECEIVED_VOLUME:
		kilo_counter32(mv, t->c[C_BYTES_RECEIVED]);
		return 0;
	case COL_GRP_ACC_INBOUND_ASSOC:
		return sessions_value(ctx, MTA_DIR_IN, mv);
	case COL_GRP_NAME:
		mib_value_str(mv, "inbound", strlen("inbound"));
		return 0;
	case COL_GRP_DESCRIPTION:
		mib_value_str(mv, "mail received: the MTA as SMTP server and local submission",
		    strlen("mail received: the MTA as SMTP server and local submission"));
		return 0;
	default:
		return -1;
	}
}

static int
group_out_value(const struct mtastat *ctx, unsigned col, struct mib_value *mv)
{
	const struct totals *t = &ctx->totals;

	switch (col) {
	case COL_GRP_STORED_MESSAGES:  /* the queue waits for delivery: the outbound group's */
		return stored_value(ctx, COL_MTA_STORED_MESSAGES, mv);
	case COL_GRP_STORED_VOLUME:
		return stored_value(ctx, COL_MTA_STORED_VOLUME, mv);
	case COL_GRP_OLDEST_STORED:
		return stored_value(ctx, COL_GRP_OLDEST_STORED, mv);
	case COL_GRP_REJECTED_MESSAGES:  /* refused for good by the next hop: bounced */
		counter32(mv, t->c[C_BOUNCED]);
		return 0;
	case COL_GRP_TRANSMITTED_MESSAGES:
	case COL_GRP_TRANSMITTED_RECIPIENTS:
		counter32(mv, t->c[C_DELIVERED]);
		return 0;
	case COL_GRP_TRANSMITTED_VOLUME:
		kilo_counter32(mv, t->c[C_BYTES_DELIVERED]);
		return 0;
	case COL_GRP_ACC_OUTBOUND_ASSOC:
		return sessions_value(ctx, MTA_DIR_OUT, mv);
	case COL_GRP_NAME:
		mib_value_str(mv, "outbound", strlen("outbound"));
		return 0;
	case COL_GRP_DESCRIPTION:
		mib_value_str(mv, "mail delivered: SMTP, LMTP and local delivery",
		    strlen("mail delivered: SMTP, LMTP and local delivery"));
		return 0;
	default:
		return -1;
	}
}

int
mib_mta_group_value(const void *r, unsigned col, struct mib_value *mv)
{
	const struct mib_std_row *row = r;

	switch (col) {
	case COL_GRP_MAIL_PROTOCOL:
		oid_value(mv, smtp_proto, OID_LENGTH(smtp_proto));
		return 0;
	case COL_GRP_HIERARCHY:
		/* RFC 2789: groups sharing a negative value are one breakdown of the MTA */
		mib_value_int(mv, ASN_INTEGER, -1);
		return 0;
	default:
		return row->group == MIB_STD_GROUP_IN ? group_in_value(row->ctx, col, mv)
		    : group_out_value(row->ctx, col, mv);
	}
}

int
mib_mta_error_value(const void *r, unsigned col, struct mib_value *mv)
{
	const struct mib_std_row *row = r;

	if ((col == COL_ERR_INBOUND && row->group == MIB_STD_GROUP_IN) ||
	    (col == COL_ERR_OUTBOUND && row->group == MIB_STD_GROUP_OUT)) {
		counter32(mv, (int64_t)(row->count & 0x7fffffffffffffffULL));
		return 0;
	}
	return -1;
}

/* No rows: the logs do not tell which associations are open now. */
static int
mib_assoc_value(const void *r, unsigned col, struct mib_value *mv)
{
	(void)r;
	(void)col;
	(void)mv;
	return -1;
}

static unsigned
digits(const char **p, const char *end, unsigned max)
{
	unsigned v = 0, n = 0;

	while (*p < end && **p >= '0' && **p <= '9' && n < 4) {
		v = v * 10 + (unsigned)(**p - '0');
		(*p)++;
		n++;
	}
	return n == 0 || v > max ? 1000000U : v;
}

uint32_t
mib_std_enh_code(const char *enh, size_t len)
{
	const char *p = enh, *end = enh + len;
	unsigned c, s, d;

	if (enh == NULL || len == 0)
		return 0;
	c = digits(&p, end, 9);
	s = p < end && *p == '.' ? (p++, digits(&p, end, 999)) : 1000000U;
	d = p < end && *p == '.' ? (p++, digits(&p, end, 999)) : 1000000U;
	if (p != end || (c != 2 && c != 4 && c != 5) || s > 999 || d > 999)
		return 0;
	return (uint32_t)((c * 1000 + s) * 1000 + d);
}

uint32_t
mib_std_status_code(unsigned basic, const char *enh, size_t len)
{
	uint32_t v = mib_std_enh_code(enh, len);
	unsigned c = basic / 100;

	if (v >= 4000000U)
		return v;
	return c == 4 || c == 5 ? (uint32_t)c * 1000000U : 0;
}

/* Add n errors of reply r (dir, code) to the error row of its group and status code. */
static int
error_add(struct mtastat *ctx, const struct health_reply *r, int64_t n)
{
	uint32_t idx[3] = { MIB_STD_APPL_INDEX, 0, 0 };
	netsnmp_tdata_row *tr;
	struct mib_std_row *row;

	idx[1] = r->dir == MTA_DIR_IN ? MIB_STD_GROUP_IN : MIB_STD_GROUP_OUT;
	idx[2] = mib_std_status_code(r->code, r->enh, strlen(r->enh));
	if (idx[2] == 0 || n <= 0)
		return 0;
	if ((tr = mib_table_row_n(&mib_mta_error_table, idx)) != NULL) {
		((struct mib_std_row *)tr->data)->count += (uint64_t)n;
		return 0;
	}
	if ((row = calloc(1, sizeof(*row))) == NULL)
		return -1;
	row->ctx = ctx;
	row->group = idx[1];
	row->code = idx[2];
	row->count = (uint64_t)n;
	if (mib_table_add_n(&mib_mta_error_table, idx, row) != 0) {
		free(row);
		return -1;
	}
	return 0;
}

int
mib_std_errors_refresh(struct mtastat *ctx)
{
	const struct mib_health_state *h = &ctx->health;
	size_t i;

	mib_table_clear(&mib_mta_error_table);
	for (i = 0; i < h->nbase; i++)
		if (error_add(ctx, &h->base[i], h->base[i].today) != 0)
			return -1;
	for (i = 0; h->loaded && i < h->snap.nreplies; i++)
		if (error_add(ctx, &h->snap.replies[i], h->snap.replies[i].today +
		    h->snap.replies[i].yesterday) != 0)
			return -1;
	return 0;
}

int
mib_std_register(void)
{
	size_t i;

	for (i = 0; i < STD_NTABLES; i++)
		if (mib_table_register(std_tables[i]) != 0)
			return -1;
	return 0;
}

static int
add_row(struct mib_table *t, struct mtastat *ctx, uint32_t group)
{
	struct mib_std_row *row = calloc(1, sizeof(*row));
	uint32_t idx[2] = { MIB_STD_APPL_INDEX, group };

	if (row == NULL)
		return -1;
	row->ctx = ctx;
	row->group = group;
	if (mib_table_add_n(t, idx, row) != 0) {
		free(row);
		return -1;
	}
	return 0;
}

static void
oper_tick(unsigned int reg, void *arg)
{
	(void)reg;
	oper_track(arg);
}

static int
history_empty(const struct totals *t)
{
	int i;

	for (i = 0; i < C_COUNT; i++)
		if (t->c[i] != 0)
			return 0;
	return t->lines == 0;
}

/* applVersion: the logs do not say it, the MTA's tool does (mta_version.h). */
static void
version_probe(struct mtastat *ctx)
{
	const struct mta_parser *p = ctx->cfg.nlogs > 0 ? ctx->cfg.logs[0].parser : NULL;
	const char *confdir = ctx->cfg.queue.mta == QUEUE_POSTFIX ? ctx->cfg.queue.dir : NULL;

	if (p == NULL)
		return;
	if (mta_version(p->name, confdir, ctx->std.version, sizeof(ctx->std.version)) == 0)
		log_info("snmp", "applVersion: %s %s", p->name, ctx->std.version);
	else
		log_info("snmp", "applVersion: the version of %s is not known here (empty)", p->name);
}

int
mib_std_start(struct mtastat *ctx)
{
	ctx->std.fresh = history_empty(&ctx->totals);
	ctx->std.started = netsnmp_get_agent_uptime();
	ctx->std.oper = 0;
	ctx->std.oper_since = 0;
	version_probe(ctx);
	if (add_row(&mib_appl_table, ctx, 0) != 0 || add_row(&mib_mta_table, ctx, 0) != 0 ||
	    add_row(&mib_mta_group_table, ctx, MIB_STD_GROUP_IN) != 0 ||
	    add_row(&mib_mta_group_table, ctx, MIB_STD_GROUP_OUT) != 0) {
		log_err("snmp", "standard MIB rows: out of memory");
		return -1;
	}
	oper_track(ctx);
	/* applLastChange within a second of the change, polled or not */
	ctx->std.alarm_id = snmp_alarm_register(1, SA_REPEAT, oper_tick, ctx);
	return 0;
}

void
mib_std_stop(struct mtastat *ctx)
{
	size_t i;

	if (ctx->std.alarm_id != 0)
		snmp_alarm_unregister(ctx->std.alarm_id);
	ctx->std.alarm_id = 0;
	for (i = 0; i < STD_NTABLES; i++)
		mib_table_clear(std_tables[i]);
}
