/* mtastatQueue: values from the daemon's last good sample, never from a query. */
#include "config.h"

#include <string.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "log.h"
#include "mib_oid.h"
#include "mib_queue.h"
#include "mib_scalar_group.h"
#include "mib_scalars.h"
#include "mtastatd.h"

static const oid mib_queue_root[] = { MTASTAT_OID_QUEUE };

/* Bytes as Gauge32 kilobytes, rounded up, clamped. */
static long
kbytes(uint64_t b)
{
	uint64_t k = b / 1024 + (b % 1024 != 0);

	return k > 4294967295ULL ? (long)4294967295UL : (long)k;
}

static long
gauge(uint64_t v)
{
	return v > 4294967295ULL ? (long)4294967295UL : (long)v;
}

/* A per-queue column: messages or kilobytes of one of Postfix's queues. */
static int
per_queue(const struct queue_sample *s, unsigned int col, struct mib_value *mv)
{
	unsigned int k = col - MIB_QUEUE_ACTIVE;

	if (!s->split)
		return 1;
	if (k % 2 == 0)
		mib_value_int(mv, ASN_GAUGE, gauge(s->msgs[k / 2]));
	else
		mib_value_int(mv, ASN_GAUGE, kbytes(s->bytes[k / 2]));
	return 0;
}

int
mib_queue_value(const struct mtastat *ctx, unsigned int col, struct mib_value *mv)
{
	const struct queue_state *q = &ctx->queue;
	const struct queue_config *c = &ctx->cfg.queue;
	const struct queue_sample *s = &q->last;
	int status = c->mta == QUEUE_NONE ? QS_DISABLED : q->status;

	switch (col) {
	case MIB_QUEUE_STATUS:
		mib_value_int(mv, ASN_INTEGER, status ? status : QS_WAITING);
		return 0;
	case MIB_QUEUE_ERROR:
		mib_value_str(mv, q->error, strlen(q->error));
		return 0;
	case MIB_QUEUE_SAMPLE_TIME:
		mib_value_time(mv, q->have_last ? (time_t)s->time : 0);
		return 0;
	case MIB_QUEUE_SAMPLE_TIME_UNIX:
		mib_value_int(mv, ASN_UNSIGNED, q->have_last ? mib_unix_time((time_t)s->time) : 0);
		return 0;
	case MIB_QUEUE_MESSAGES:
		mib_value_int(mv, ASN_GAUGE, gauge(s->total));
		return 0;
	case MIB_QUEUE_KBYTES:
		if (q->have_last && !s->has_bytes)
			return 1;
		mib_value_int(mv, ASN_GAUGE, kbytes(s->total_bytes));
		return 0;
	case MIB_QUEUE_OLDEST_AGE:
		mib_value_int(mv, ASN_GAUGE, gauge((uint64_t)queue_oldest_age(s)));
		return 0;
	case MIB_QUEUE_LIMIT:
		mib_value_int(mv, ASN_UNSIGNED, (long)c->limit);
		return 0;
	case MIB_QUEUE_AGE_LIMIT:
		mib_value_int(mv, ASN_UNSIGNED, (long)c->age);
		return 0;
	case MIB_QUEUE_ALARM_STATE:
		mib_value_int(mv, ASN_INTEGER, queue_watch_raised(ctx) ? 2 : 1);
		return 0;
	case MIB_QUEUE_SAMPLES:
		mib_value_int(mv, ASN_COUNTER, (long)(q->samples & 0xffffffffU));
		return 0;
	case MIB_QUEUE_FAILURES:
		mib_value_int(mv, ASN_COUNTER, (long)(q->failures & 0xffffffffU));
		return 0;
	default:
		if (col >= MIB_QUEUE_ACTIVE && col <= MIB_QUEUE_MAILDROP_KBYTES) {
			if (q->have_last)
				return per_queue(s, col, mv);
			/* before the first sample: the split the configured MTA will give */
			if (c->mta != QUEUE_POSTFIX && c->mta != QUEUE_NONE)
				return 1;
			mib_value_int(mv, ASN_GAUGE, 0);
			return 0;
		}
		return -1;
	}
}

static const struct mib_scalar_group mib_queue = {
	"mtastatQueue", mib_queue_root, OID_LENGTH(mib_queue_root),
	MIB_QUEUE_STATUS, MIB_QUEUE_LAST, mib_queue_value,
};

int
mib_queue_varbind(const struct mtastat *ctx, unsigned int col, netsnmp_variable_list **vars)
{
	return mib_scalar_group_varbind(&mib_queue, ctx, col, vars);
}

int
mib_queue_register(struct mtastat *ctx)
{
	return mib_scalar_group_register(&mib_queue, ctx);
}
