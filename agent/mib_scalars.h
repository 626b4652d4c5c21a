#ifndef MIB_SCALARS_H
#define MIB_SCALARS_H

#include "mib_value.h"
#include "mtastatd.h"

/* Columns under mtastatScalars (MTASTAT-MIB). */
enum mib_scalar {
	MIB_SCALAR_VERSION = 1,
	MIB_SCALAR_START_TIME,
	MIB_SCALAR_LAST_EVENT_TIME,
	MIB_SCALAR_LINES_READ,
	MIB_SCALAR_LINES_UNPARSED,
	MIB_SCALAR_RECEIVED,
	MIB_SCALAR_DELIVERED,
	MIB_SCALAR_RELAYED,
	MIB_SCALAR_DEFERRED,
	MIB_SCALAR_BOUNCED,
	MIB_SCALAR_REJECTED,
	MIB_SCALAR_BYTES_RECEIVED,
	MIB_SCALAR_BYTES_DELIVERED,
	MIB_SCALAR_HISTORY_STATE,
	MIB_SCALAR_HISTORY_FAILURES,
	MIB_SCALAR_HISTORY_ERROR,
	MIB_SCALAR_START_TIME_UNIX,
	MIB_SCALAR_LAST_EVENT_TIME_UNIX,
	MIB_SCALAR_ACCOUNTS_OVER_LIMIT,
	MIB_SCALAR_ACCOUNTS_UNUSUAL,
	MIB_SCALAR_INDICATORS_OUT_OF_BAND,
	MIB_SCALAR_LOGS_NOT_OK,
	MIB_SCALAR_ACTIVE_ALARMS,
	MIB_SCALAR_LAST_ALARM_TIME,
	MIB_SCALAR_LAST_ALARM_TIME_UNIX,
	MIB_SCALAR_LAST_ALARM_TEXT,
	MIB_SCALAR_LAST = MIB_SCALAR_LAST_ALARM_TEXT,
};

/* Values of mtastatHistoryState. */
enum { MIB_HISTORY_OK = 1, MIB_HISTORY_FAILING = 2 };

/* A log wall-clock time (seconds as if UTC) as a real time_t in the local zone. */
time_t mib_log_time(int64_t wall);

/* A time_t as MtastatUnixTime: Unsigned32 seconds, 0 for none or before 1970. */
long mib_unix_time(time_t);

/* Value of scalar col, or -1 when there is no such scalar. */
int mib_scalar_value(const struct mtastat *, unsigned int col, struct mib_value *);
/* Append scalar col (instance .0) to a notification's varbinds. */
int mib_scalar_varbind(const struct mtastat *, unsigned int col, netsnmp_variable_list **);

#endif
