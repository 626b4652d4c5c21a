/*
 * SNMPv2 notifications through the master agent.  Their varbinds come from
 * the same value functions that answer GETs, so a trap never disagrees with
 * snmpget.
 */
#include "config.h"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "log.h"
#include "mib_oid.h"
#include "mib_queue.h"
#include "mib_scalars.h"
#include "mib_tables.h"
#include "notify_queue.h"
#include "notify_trap.h"

static int
trap_oid(netsnmp_variable_list **vars, enum alarm_kind kind)
{
	static const oid snmptrap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };
	oid notification[] = { MTASTAT_OID_NOTIFICATIONS, (oid)kind };

	return snmp_varlist_add_variable(vars, snmptrap_oid, OID_LENGTH(snmptrap_oid),
	    ASN_OBJECT_ID, (const u_char *)notification, sizeof(notification)) == NULL ? -1 : 0;
}

/*
 * The indicator's own row (name, status): its instance is the indicator
 * index, so an NMS can pair an anomaly with the normal that closes it.
 */
static int
indicator_varbinds(const char *name, netsnmp_variable_list **vars)
{
	uint32_t index;
	const struct indicator_row *ir = mib_indicator_find(name, &index);

	if (ir == NULL) {
		log_warn("trap", "indicator %s has no row", name);
		return 0; /* the alarm's own objects still go out */
	}
	if (mib_table_varbind(&mib_indicator_table, ir, index, COL_IND_NAME, vars) != 0 ||
	    mib_table_varbind(&mib_indicator_table, ir, index, COL_IND_STATUS, vars) != 0)
		return -1;
	return 0;
}

/* Hand a built notification to the queue (which takes it), or drop a broken one. */
static int
deliver(struct notify_queue *q, netsnmp_variable_list *vars, int rc, const char *text)
{
	if (rc != 0) {
		log_err("trap", "cannot build the notification for: %s", text);
		snmp_free_varbind(vars);
		return -1;
	}
	notify_queue_send(q, vars, text);
	return 0;
}

/* The columns a notification carries from one row, in the MIB's OBJECTS order. */
struct row_objects {
	const struct mib_table *table;
	const unsigned *cols;
	size_t ncols;
};

#define ROW_OBJECTS(t, c) { &(t), (c), sizeof(c) / sizeof((c)[0]) }

static const unsigned anomaly_cols[] = { COL_ALARM_SUBJECT, COL_ALARM_VALUE, COL_ALARM_MEAN,
	COL_ALARM_STDDEV, COL_ALARM_ZSCORE, COL_ALARM_TEXT };
static const unsigned relay_cols[] = { COL_ACC_NAME, COL_ACC_RELAYED_TODAY, COL_ACC_LIMIT };
static const unsigned unusual_cols[] = { COL_ACC_NAME, COL_ACC_RELAYED_TODAY, COL_ACC_MSGS_TODAY,
	COL_ACC_USUAL_MEAN, COL_ACC_USUAL_STDDEV };
static const unsigned alarm_text_col[] = { COL_ALARM_TEXT };
static const unsigned stalled_cols[] = { COL_LOG_PATH, COL_LOG_IDLE, COL_LOG_STATUS };

static int
row_varbinds(const struct row_objects *o, const void *row, uint32_t index,
    netsnmp_variable_list **vars)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < o->ncols; i++)
		rc |= mib_table_varbind(o->table, row, index, o->cols[i], vars);
	return rc;
}

int
notify_alarm(struct notify_queue *q, const struct alarm *a, const struct account_row *acct,
    const struct log_row *lr, uint32_t log_index)
{
	static const struct row_objects anomaly = ROW_OBJECTS(mib_alarm_table, anomaly_cols);
	static const struct row_objects relay = ROW_OBJECTS(mib_account_table, relay_cols);
	static const struct row_objects unusual = ROW_OBJECTS(mib_account_table, unusual_cols);
	static const struct row_objects alarm_text = ROW_OBJECTS(mib_alarm_table, alarm_text_col);
	static const struct row_objects stalled = ROW_OBJECTS(mib_log_table, stalled_cols);
	netsnmp_variable_list *vars = NULL;
	uint32_t idx = (uint32_t)a->id;
	int rc = trap_oid(&vars, a->kind);

	switch (a->kind) {
	case AK_ANOMALY:
	case AK_NORMAL:
		rc |= row_varbinds(&anomaly, a, idx, &vars);
		rc |= indicator_varbinds(a->subject, &vars);
		break;
	case AK_RELAY_EXCEEDED:
	case AK_RELAY_CLEARED:
	case AK_ACCOUNT_UNUSUAL:
	case AK_ACCOUNT_USUAL:
		if (acct == NULL) {
			rc = -1;
			break;
		}
		rc |= row_varbinds(a->kind == AK_RELAY_EXCEEDED || a->kind == AK_RELAY_CLEARED ?
		    &relay : &unusual, acct, acct->index, &vars);
		rc |= row_varbinds(&alarm_text, a, idx, &vars);
		break;
	case AK_LOG_STALLED:
		if (lr == NULL) {
			rc = -1;
			break;
		}
		rc |= row_varbinds(&stalled, lr, log_index, &vars);
		break;
	case AK_HISTORY_FAILED:
	case AK_HISTORY_RESUMED:
		rc = -1; /* their objects are scalars: notify_history() */
		break;
	case AK_QUEUE_ALARM:
	case AK_QUEUE_CLEARED:
		rc = -1; /* their objects are the queue's: notify_queue_alarm() */
		break;
	}
	return deliver(q, vars, rc, a->text);
}

int
notify_history(struct notify_queue *q, const struct mtastat *ctx, const struct alarm *a)
{
	netsnmp_variable_list *vars = NULL;
	int rc = trap_oid(&vars, a->kind);

	rc |= mib_scalar_varbind(ctx, MIB_SCALAR_HISTORY_STATE, &vars);
	rc |= mib_scalar_varbind(ctx, MIB_SCALAR_HISTORY_FAILURES, &vars);
	rc |= mib_scalar_varbind(ctx, MIB_SCALAR_HISTORY_ERROR, &vars);
	return deliver(q, vars, rc, a->text);
}

int
notify_queue_alarm(struct notify_queue *q, const struct mtastat *ctx, const struct alarm *a)
{
	static const unsigned cols[] = { MIB_QUEUE_MESSAGES, MIB_QUEUE_OLDEST_AGE, MIB_QUEUE_LIMIT,
		MIB_QUEUE_AGE_LIMIT };
	static const struct row_objects alarm_text = ROW_OBJECTS(mib_alarm_table, alarm_text_col);
	netsnmp_variable_list *vars = NULL;
	int rc = trap_oid(&vars, a->kind);
	size_t i;

	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		rc |= mib_queue_varbind(ctx, cols[i], &vars);
	rc |= row_varbinds(&alarm_text, a, (uint32_t)a->id, &vars);
	return deliver(q, vars, rc, a->text);
}
