/* The MTASTAT-MIB tables: their rows and pure column value functions. */
#ifndef MIB_TABLES_H
#define MIB_TABLES_H

#include <stdint.h>

#include "detect.h"
#include "follow.h"
#include "mib_table.h"
#include "stats.h"

/* Columns (MTASTAT-MIB). */
enum { COL_IND_NAME = 2, COL_IND_TODAY, COL_IND_LAST_DAY, COL_IND_MEAN, COL_IND_STDDEV,
	COL_IND_ZSCORE, COL_IND_EXPECTED, COL_IND_SAMPLE_DAYS, COL_IND_STATUS, COL_IND_DIRECTION,
	COL_IND_JUDGED };
enum { COL_ACC_NAME = 2, COL_ACC_RELAYED_TODAY, COL_ACC_MSGS_TODAY, COL_ACC_RELAYED_YESTERDAY,
	COL_ACC_LIMIT, COL_ACC_STATUS, COL_ACC_USUAL_MEAN, COL_ACC_USUAL_STDDEV };

/* mtastatAccountStatus */
enum { ACC_OK = 1, ACC_EXCEEDED = 2, ACC_UNUSUAL = 3 };
enum { COL_ALARM_TIME = 2, COL_ALARM_KIND, COL_ALARM_SUBJECT, COL_ALARM_VALUE, COL_ALARM_MEAN,
	COL_ALARM_STDDEV, COL_ALARM_ZSCORE, COL_ALARM_LIMIT, COL_ALARM_TEXT, COL_ALARM_TIME_UNIX };

/* TruthValue (SNMPv2-TC) */
enum { MIB_TRUE = 1, MIB_FALSE = 2 };
enum { COL_LOG_PATH = 2, COL_LOG_LINES, COL_LOG_IDLE, COL_LOG_STATUS, COL_LOG_GAPS,
	COL_LOG_LOST_BYTES };

/*
 * def is set when the row is made and never changes: the evaluation only
 * refreshes st and status, so a row answers from the moment it is registered
 * even when no evaluation has run (empty history, catching up).
 */
struct indicator_row {
	const struct indicator_def *def;
	struct indicator_stat st;
	enum judgement status;
	enum alarm_direction direction; /* as configured (stats_direction) */
};

/* An account's escaped spelling (see mib_model.c) fits a DisplayString. */
#define ACCOUNT_SHOWN_MAX 256

struct account_row {
	uint32_t id;             /* accounts.id: the history's own number */
	uint32_t index;          /* mtastatAccountIndex: from the name (mib_account_index) */
	char name[ACCOUNT_SHOWN_MAX];
	int64_t relayed_today, msgs_today, relayed_yesterday;
	uint32_t limit;
	int count_messages;      /* relaycount messages: the limit counts msgs_today */
	double usual_mean, usual_sd; /* the usual day before today; 0 with too little history */
	int unusual;             /* raised today: far beyond its usual volume */
};

struct log_row {
	const struct follow *f;
	const char *path;
	uint32_t stall_seconds;  /* idle longer than this is "stalled" */
	time_t started;          /* idle time counts from here before the first line */
};

int mib_indicator_value(const void *row, unsigned col, struct mib_value *);
int mib_account_value(const void *row, unsigned col, struct mib_value *);
int mib_alarm_value(const void *row, unsigned col, struct mib_value *);
int mib_log_value(const void *row, unsigned col, struct mib_value *);

/* mtastatAccountStatus of a row: exceeded over its limit, else unusual when raised. */
int mib_account_status(const struct account_row *);

/*
 * mtastatAccountIndex of an account shown as name: FNV-1a (32 bit) of its
 * bytes with the top bit cleared, 0 made 1, so a rebuilt history gives the
 * same numbers.  A collision takes the next free number (mib_account_probe).
 */
uint32_t mib_account_index(const char *name);
/* The number after index in the probe order: 1 .. MIB_ACCOUNT_INDEX_MAX. */
uint32_t mib_account_probe(uint32_t index);
/* Indexes stay in 1..2^31-1: positive in every NMS that reads them signed. */
#define MIB_ACCOUNT_INDEX_MAX 0x7fffffffU

/* The indicator row named name and its index, or NULL. */
const struct indicator_row *mib_indicator_find(const char *name, uint32_t *index);

/* What stands now, counted over the rows (the summary scalars). */
struct mib_summary {
	uint32_t accounts_over;     /* mtastatAccountStatus exceeded */
	uint32_t accounts_unusual;  /* mtastatAccountStatus unusual */
	uint32_t indicators_out;    /* mtastatIndicatorStatus high or low */
	uint32_t logs_not_ok;       /* mtastatLogStatus stalled or missing */
	const struct alarm *last;   /* the newest alarm row, NULL when none */
};
void mib_tables_summary(struct mib_summary *);

/* The log row's idle seconds and status (1 ok, 2 stalled, 3 missing) now. */
uint32_t mib_log_idle(const struct log_row *);
int mib_log_status(const struct log_row *);

extern struct mib_table mib_indicator_table, mib_account_table, mib_alarm_table, mib_log_table;

#endif
