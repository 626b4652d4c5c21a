/* mtastatScalars: identity and totals of the agent. */
#include "config.h"

#include <string.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "log.h"
#include "mib_oid.h"
#include "mib_scalar_group.h"
#include "mib_scalars.h"
#include "mib_tables.h"
#include "mtastat.h"
#include "aggregate.h"

time_t
mib_log_time(int64_t wall)
{
	time_t t = (time_t)wall;
	struct tm tm;

	if (wall == 0 || gmtime_r(&t, &tm) == NULL)
		return 0;
	tm.tm_isdst = -1; /* the wall clock was local time: let the zone decide */
	return mktime(&tm);
}

long
mib_unix_time(time_t t)
{
	/* Unsigned32 ends in 2106; clamp rather than wrap */
	if (t <= 0)
		return 0;
	return (uint64_t)t > 4294967295ULL ? (long)4294967295UL : (long)t;
}

/* mtastatActiveAlarms: what stands now, the history's outage included. */
static long
summary_active(const struct mtastat *ctx, const struct mib_summary *s)
{
	return (long)s->accounts_over + (long)s->accounts_unusual + (long)s->indicators_out +
	    (long)s->logs_not_ok + (ctx->history.failing ? 1 : 0) + queue_watch_raised(ctx);
}

/* The summary scalars, counted over the rows at the request. */
static int
summary_value(const struct mtastat *ctx, unsigned int col, struct mib_value *mv)
{
	struct mib_summary s;

	mib_tables_summary(&s);
	switch (col) {
	case MIB_SCALAR_ACCOUNTS_OVER_LIMIT:
		mib_value_int(mv, ASN_GAUGE, (long)s.accounts_over);
		return 0;
	case MIB_SCALAR_ACCOUNTS_UNUSUAL:
		mib_value_int(mv, ASN_GAUGE, (long)s.accounts_unusual);
		return 0;
	case MIB_SCALAR_INDICATORS_OUT_OF_BAND:
		mib_value_int(mv, ASN_GAUGE, (long)s.indicators_out);
		return 0;
	case MIB_SCALAR_LOGS_NOT_OK:
		mib_value_int(mv, ASN_GAUGE, (long)s.logs_not_ok);
		return 0;
	case MIB_SCALAR_ACTIVE_ALARMS:
		mib_value_int(mv, ASN_GAUGE, summary_active(ctx, &s));
		return 0;
	case MIB_SCALAR_LAST_ALARM_TIME:
		mib_value_time(mv, s.last != NULL ? mib_log_time(s.last->time) : 0);
		return 0;
	case MIB_SCALAR_LAST_ALARM_TIME_UNIX:
		mib_value_int(mv, ASN_UNSIGNED,
		    s.last != NULL ? mib_unix_time(mib_log_time(s.last->time)) : 0);
		return 0;
	case MIB_SCALAR_LAST_ALARM_TEXT:
		mib_value_str(mv, s.last != NULL ? s.last->text : "",
		    s.last != NULL ? strlen(s.last->text) : 0);
		return 0;
	default:
		return -1;
	}
}

static uint64_t
nonneg(int64_t v)
{
	return v < 0 ? 0 : (uint64_t)v;
}

int
mib_scalar_value(const struct mtastat *ctx, unsigned int col, struct mib_value *mv)
{
	static const enum counter totals[] = {
		[MIB_SCALAR_RECEIVED] = C_RECEIVED, [MIB_SCALAR_DELIVERED] = C_DELIVERED,
		[MIB_SCALAR_RELAYED] = C_RELAYED, [MIB_SCALAR_DEFERRED] = C_DEFERRED,
		[MIB_SCALAR_BOUNCED] = C_BOUNCED, [MIB_SCALAR_REJECTED] = C_REJECTED,
		[MIB_SCALAR_BYTES_RECEIVED] = C_BYTES_RECEIVED,
		[MIB_SCALAR_BYTES_DELIVERED] = C_BYTES_DELIVERED,
	};

	switch (col) {
	case MIB_SCALAR_VERSION:
		mib_value_str(mv, MTASTAT_VERSION, strlen(MTASTAT_VERSION));
		return 0;
	case MIB_SCALAR_START_TIME:
		mib_value_time(mv, ctx->start_time);
		return 0;
	case MIB_SCALAR_LAST_EVENT_TIME:
		mib_value_time(mv, mib_log_time(ctx->commit.newest_t));
		return 0;
	case MIB_SCALAR_START_TIME_UNIX:
		mib_value_int(mv, ASN_UNSIGNED, mib_unix_time(ctx->start_time));
		return 0;
	case MIB_SCALAR_LAST_EVENT_TIME_UNIX:
		mib_value_int(mv, ASN_UNSIGNED, mib_unix_time(mib_log_time(ctx->commit.newest_t)));
		return 0;
	case MIB_SCALAR_LINES_READ:
		mib_value_u64(mv, nonneg(ctx->totals.lines));
		return 0;
	case MIB_SCALAR_LINES_UNPARSED:
		mib_value_u64(mv, nonneg(ctx->totals.unparsed));
		return 0;
	case MIB_SCALAR_HISTORY_STATE:
		mib_value_int(mv, ASN_INTEGER,
		    ctx->history.failing ? MIB_HISTORY_FAILING : MIB_HISTORY_OK);
		return 0;
	case MIB_SCALAR_HISTORY_FAILURES:
		/* Counter32 wraps by definition */
		mib_value_int(mv, ASN_COUNTER, (long)(ctx->history.failures & 0xffffffffU));
		return 0;
	case MIB_SCALAR_HISTORY_ERROR:
		mib_value_str(mv, ctx->history.error, strlen(ctx->history.error));
		return 0;
	default:
		if (col >= MIB_SCALAR_RECEIVED && col <= MIB_SCALAR_BYTES_DELIVERED) {
			mib_value_u64(mv, nonneg(ctx->totals.c[totals[col]]));
			return 0;
		}
		if (col >= MIB_SCALAR_ACCOUNTS_OVER_LIMIT && col <= MIB_SCALAR_LAST_ALARM_TEXT)
			return summary_value(ctx, col, mv);
		return -1;
	}
}

static const oid mib_scalars_root[] = { MTASTAT_OID_SCALARS };

static const struct mib_scalar_group mib_scalars = {
	"mtastatScalars", mib_scalars_root, OID_LENGTH(mib_scalars_root),
	MIB_SCALAR_VERSION, MIB_SCALAR_LAST, mib_scalar_value,
};

int
mib_scalar_varbind(const struct mtastat *ctx, unsigned int col, netsnmp_variable_list **vars)
{
	return mib_scalar_group_varbind(&mib_scalars, ctx, col, vars);
}

int
mib_scalars_register(struct mtastat *ctx)
{
	return mib_scalar_group_register(&mib_scalars, ctx);
}
