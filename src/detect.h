/*
 * Alarms: an indicator outside its band, an account over its relay limit.
 * Each is a state machine persisted in SQLite: raised once, cleared once
 * (with hysteresis), never repeated on every evaluation, kept across restarts.
 */
#ifndef MTASTAT_DETECT_H
#define MTASTAT_DETECT_H

#include <stdint.h>

#include "conf.h"
#include "stats.h"
#include "store.h"

/* The values of MTASTAT-MIB's mtastatAlarmKind. */
enum alarm_kind {
	AK_ANOMALY = 1,
	AK_NORMAL = 2,
	AK_RELAY_EXCEEDED = 3,
	AK_RELAY_CLEARED = 4,
	AK_LOG_STALLED = 5,
	AK_HISTORY_FAILED = 6,   /* a commit failed: recorded once the history is back */
	AK_HISTORY_RESUMED = 7,
};

/* An alarm line fits a DisplayString (255) with room to spare. */
#define ALARM_TEXT_MAX 256

struct alarm {
	int64_t id;         /* alarm_log row */
	int64_t time;       /* log wall clock */
	enum alarm_kind kind;
	char subject[ALARM_TEXT_MAX];   /* printable ASCII, for the MIB and the texts */
	char key[ALARM_TEXT_MAX];       /* the raw name (an account), to find its row */
	int64_t value;
	double mean, sd, z;
	uint32_t limit;
	char text[ALARM_TEXT_MAX];
};

struct detect_result {
	int64_t now;                        /* the newest event's log time judged */
	struct indicator_stat stats[IND_COUNT];
	enum judgement status[IND_COUNT];   /* what the MIB shows */
	struct alarm *alarms;               /* raises and clears of this evaluation */
	size_t nalarms, cap;
	int raised;                         /* how many of them are raises */
};

/* The rule: anomalous when |V - M| > k S, > minabsdiff and > minreldiff M. */
enum judgement detect_judge(const struct mtastat_config *, const struct baseline *, int clearing);

/*
 * Evaluate everything at log time now (0: the newest event in the store),
 * persist the transitions and fill r.  0, or -1 on a database error.
 */
int detect_run(struct store *, const struct mtastat_config *, int64_t now, struct detect_result *r);
void detect_result_free(struct detect_result *);

/* Add an alarm raised elsewhere (a stalled log) to the alarm records; sets its id. */
int detect_record(struct store *, struct alarm *);

/* The newest alarm records, oldest first, at most max: for the MIB's alarm table. */
int detect_recent(struct store *, size_t max, struct alarm **out, size_t *n);

#endif
