/*
 * Alarms: an indicator outside its band (in its direction), an account over
 * its relay limit or far beyond its own usual volume.  Each is a state
 * machine persisted in SQLite: raised once, cleared once (with hysteresis
 * and a hold-down), never repeated on every evaluation, kept across restarts.
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
	AK_ACCOUNT_UNUSUAL = 8,  /* far beyond the account's own usual volume */
	AK_ACCOUNT_USUAL = 9,    /* ... cleared at the day change */
	AK_QUEUE_ALARM = 10,     /* queuelimit or queueage exceeded (queue.c) */
	AK_QUEUE_CLEARED = 11,   /* ... back within it for the hold-down */
};

/*
 * The log is "recent" when its newest event is at most this far behind the
 * wall clock: then a caught-up mtastatd lets now run with the wall clock.
 * A day: an hour-long silence is news, but a replay of last month's logs
 * must not look like weeks of silence.
 */
#define DETECT_RECENT_SECONDS 86400

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

/*
 * The rule: anomalous when |V - M| > k S', > minabsdiff and > minreldiff M,
 * with S' = max(S, sqrt(M)) under poissonfloor; both ways.
 */
enum judgement detect_judge(const struct mtastat_config *, const struct baseline *, int clearing);
/* The rule at k (sigma, sigmaclear or sigmastrong) in direction dir. */
enum judgement detect_verdict_at(const struct mtastat_config *, const struct baseline *, double k,
    enum alarm_direction dir);
/* The same, but only in direction dir: a deviation the other way is normal. */
enum judgement detect_verdict(const struct mtastat_config *, const struct baseline *, int clearing,
    enum alarm_direction dir);

/* The wall clock as log time: local time's fields as if UTC. */
int64_t detect_wall_clock(void);
/*
 * The "now" to judge at: the newest event's log time, or the wall clock when
 * live (caught up on a recent log: DETECT_RECENT_SECONDS) and later.
 */
int64_t detect_now(int64_t newest, int64_t wall, int live);
/* Is a log whose newest event is at newest recent at wall? */
int detect_log_recent(int64_t newest, int64_t wall);

/* "Account X relayed N recipients today, usually M (+/-S)"; pm is "+/-" or UTF-8 "±". */
void detect_unusual_text(char *out, size_t outlen, const char *account, const struct alarm *a,
    const char *unit, const char *pm);
/* "recipients" or "messages": what relay counts and limits count under cfg. */
const char *detect_relay_unit(const struct mtastat_config *);

/*
 * The usual daily relays of every account with a row in the window before
 * today: fn(arg, account id, baseline) for those with at least mindays of
 * history.  0, or -1 on a database error.
 */
int detect_usual_all(struct store *, const struct mtastat_config *, int32_t today,
    void (*fn)(void *, int64_t, const struct baseline *), void *arg);

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
