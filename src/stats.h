/*
 * Baselines: for each indicator the mean M and sample standard deviation S
 * (n - 1) over a window of complete days, the last complete day's value V,
 * and the same for today so far against the mean cumulative count by this
 * time of day.  "Today" and "now" are the newest event's log time, so a
 * replay of old logs behaves as live operation (mtastatd, caught up on a
 * recent log, moves now with the wall clock: detect_now()).  A day is judged
 * against days of its own type (weekday or weekend/holiday) unless
 * "daytypes all".
 */
#ifndef MTASTAT_STATS_H
#define MTASTAT_STATS_H

#include <stdint.h>

#include "aggregate.h"
#include "conf.h"
#include "store.h"

enum indicator {
	IND_RECVD, IND_SENT, IND_RELAY, IND_RECVD_W, IND_SENT_W, IND_RELAY_W,
	IND_DEFERRED, IND_BOUNCED, IND_REJECTED, IND_AUTH_FAILED,
	/* mail-flow health (issue 14) */
	IND_DELAY_P95, IND_BROKEN, IND_PLAIN_SHARE, IND_COUNT
};

/* Hourly series of a day_series beyond the counters: broken sessions (health_hourly). */
#define S_BROKEN C_COUNT
#define STATS_SERIES (C_COUNT + 1)

/*
 * Indicators that are a day's level, not a sum of its hours: judged as the
 * day's value (and today's so far) against the window's values, no share
 * by time of day.  A day with fewer than STATS_LEVEL_MIN samples (deliveries,
 * sessions) has no value: a handful of deliveries makes no p95.
 */
enum level { L_NONE = 0, L_DELAY_P95, L_PLAIN_SHARE, L_COUNT };
#define STATS_LEVEL_MIN 20
/*
 * Today's level so far is judged once today has this share of the
 * window's usual samples: a p95 of the night's few deliveries is noise
 * against whole days (bench/replay: 13 false raises in 30 days without it).
 */
#define STATS_LEVEL_SOFAR_SHARE 0.25

struct indicator_def {
	const char *name;     /* SMTP_RECVD_MSGS ... */
	enum counter counter; /* a counter, or S_BROKEN: the hourly series counted */
	int weekdays;         /* _W: Monday to Friday only (holidays excluded) */
	enum alarm_direction direction; /* the default: volumes both ways, failures high */
	enum level level;     /* L_NONE: a count of counter; else the day's level */
};

extern const struct indicator_def indicator_defs[IND_COUNT];

enum judgement { J_NORMAL = 1, J_HIGH = 2, J_LOW = 3, J_INSUFFICIENT = 4 };

/* One comparison of a value against a window of days. */
struct baseline {
	double v;        /* the value judged */
	double mean, sd; /* over the window */
	double z;        /* (v - mean) / sd, 0 when sd is 0 */
	int n;           /* days in the window */
	double full;     /* the window's mean whole day (= mean for a whole day) */
	int32_t day;     /* the day whose value is v, -1 when none */
	int judged;      /* 0: not applicable (a weekday indicator on a weekend) */
};

struct indicator_stat {
	const struct indicator_def *def;
	int64_t today;           /* count so far on the day of the newest event */
	struct baseline last;    /* the last complete day (weekday for _W) */
	struct baseline sofar;   /* today so far vs expected so far */
	struct baseline hour;    /* the current hour so far vs the same in the window */
};

/* Hourly counts of a range of days, zero where the store has no row. */
struct day_series {
	int32_t first, last;      /* civil days, inclusive */
	int32_t history_start;    /* first day the store has, or INT32_MAX */
	int64_t (*h)[24][STATS_SERIES];
	/* levels by day: delay p95 (ms), plaintext share (%); NAN: too few samples */
	double (*lv)[L_COUNT];
	int64_t (*ln)[L_COUNT];   /* their samples: deliveries with a delay, sessions */
};

/* The index of indicator name (case-insensitive), or -1. */
int stats_indicator_find(const char *name);
/* The direction an indicator alarms in under cfg. */
enum alarm_direction stats_direction(const struct mtastat_config *, int indicator);
/* Is day a working day: Monday to Friday and not a configured holiday? */
int stats_is_workday(const struct mtastat_config *, int32_t day);

int stats_load(struct store *, int32_t first, int32_t last, struct day_series *);
void stats_series_free(struct day_series *);

/* P(Z > z) of a standard normal variable. */
double stats_normal_upper(double z);
/* P(T > t) of Student's t with df degrees of freedom. */
double stats_t_upper(double t, int df);
/* The t with P(T > t) = p for Student's t with df degrees of freedom (0 < p < 0.5). */
double stats_t_quantile(double p, int df);
/* Poisson tails of a count with mean lambda: P(X >= k) and P(X <= k). */
double stats_poisson_upper(double k, double lambda);
double stats_poisson_lower(double k, double lambda);

/*
 * Mean and S of x[0..n) without its outliers: while more than keep days are
 * left, the day farthest from the others is dropped when it lies beyond
 * their prediction band at k (t quantile), at most a fifth of them.  Returns
 * how many days are left.
 */
int stats_robust(const double *x, int n, double k, int keep, double *mean, double *sd);

/* Mean and sample standard deviation of x[0..n); sd 0 when n < 2. */
void stats_mean_sd(const double *x, int n, double *mean, double *sd);

/*
 * Compute every indicator at log time now (wall clock seconds as if UTC):
 * today = its day, the current hour's share by its minutes.
 */
void stats_compute(const struct day_series *, const struct mtastat_config *, int64_t now,
    struct indicator_stat out[IND_COUNT]);

/* The days stats_compute() needs before today, for stats_load(). */
int32_t stats_first_day_needed(const struct mtastat_config *, int32_t today);

/*
 * An account's usual daily count: the window of days before today (of
 * today's type), not before first (the account's or the history's first
 * day); count[i] on day[i] (any order), 0 on days without a row.  Fills
 * b's mean, sd, n and day; b->v is the caller's.
 */
void stats_account_baseline(const struct mtastat_config *, int32_t today, int32_t first,
    const int32_t *day, const int64_t *count, size_t n, struct baseline *b);

#endif
