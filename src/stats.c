#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "civil.h"
#include "delayhist.h"
#include "health.h"
#include "log.h"
#include "stats.h"

/* Volumes alarm both ways (spam or a loop; an outage); fewer failures are good news. */
const struct indicator_def indicator_defs[IND_COUNT] = {
	[IND_RECVD] = { "SMTP_RECVD_MSGS", C_RECEIVED, 0, DIR_BOTH },
	[IND_SENT] = { "SMTP_SENT_MSGS", C_DELIVERED, 0, DIR_BOTH },
	[IND_RELAY] = { "SMTP_RELAY_MSGS", C_RELAYED, 0, DIR_BOTH },
	[IND_RECVD_W] = { "SMTP_RECVD_MSGS_W", C_RECEIVED, 1, DIR_BOTH },
	[IND_SENT_W] = { "SMTP_SENT_MSGS_W", C_DELIVERED, 1, DIR_BOTH },
	[IND_RELAY_W] = { "SMTP_RELAY_MSGS_W", C_RELAYED, 1, DIR_BOTH },
	[IND_DEFERRED] = { "SMTP_DEFERRED_MSGS", C_DEFERRED, 0, DIR_HIGH },
	[IND_BOUNCED] = { "SMTP_BOUNCED_RCPTS", C_BOUNCED, 0, DIR_HIGH },
	[IND_REJECTED] = { "SMTP_REJECTED", C_REJECTED, 0, DIR_HIGH },
	[IND_AUTH_FAILED] = { "SMTP_AUTH_FAILED", C_AUTH_FAILED, 0, DIR_HIGH },
	/* slower mail, more broken sessions, less TLS are the news; the reverse is not */
	[IND_DELAY_P95] = { "SMTP_DELAY_P95", C_COUNT, 0, DIR_HIGH, L_DELAY_P95 },
	[IND_BROKEN] = { "SMTP_BROKEN_SESSIONS", S_BROKEN, 0, DIR_HIGH, L_NONE },
	[IND_PLAIN_SHARE] = { "SMTP_TLS_PLAIN_SHARE", C_COUNT, 0, DIR_HIGH, L_PLAIN_SHARE },
};

/* The configuration keeps a direction per indicator index. */
_Static_assert(IND_COUNT <= CONFIG_INDICATORS_MAX, "CONFIG_INDICATORS_MAX too small");

int
stats_indicator_find(const char *name)
{
	int i;

	for (i = 0; i < IND_COUNT; i++)
		if (strcasecmp(indicator_defs[i].name, name) == 0)
			return i;
	return -1;
}

enum alarm_direction
stats_direction(const struct mtastat_config *cfg, int indicator)
{
	if (indicator < 0 || indicator >= IND_COUNT)
		return DIR_BOTH;
	if (cfg->direction[indicator] != DIR_DEFAULT)
		return (enum alarm_direction)cfg->direction[indicator];
	return indicator_defs[indicator].direction;
}

/*
 * Series and continued fractions (Numerical Recipes, ch. 6.2 and 6.4):
 * converged when a term changes the sum by less than this share of it, and
 * never more than STATS_ITER_MAX terms (the arguments the detector passes
 * converge in a few dozen).
 */
#define STATS_EPS 1e-14
#define STATS_ITER_MAX 1000
/* Below this a continued fraction's denominator is taken as zero (Lentz). */
#define STATS_TINY 1e-300

double
stats_normal_upper(double z)
{
	return 0.5 * erfc(z / M_SQRT2);
}

/* The continued fraction of the regularized incomplete beta I_x(a, b). */
static double
beta_cf(double a, double b, double x)
{
	double c = 1, d = 1 - (a + b) * x / (a + 1), h, del, aa;
	int m;

	d = fabs(d) < STATS_TINY ? 1 / STATS_TINY : 1 / d;
	h = d;
	for (m = 1; m <= STATS_ITER_MAX; m++) {
		aa = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
		d = 1 + aa * d;
		c = 1 + aa / c;
		d = fabs(d) < STATS_TINY ? 1 / STATS_TINY : 1 / d;
		c = fabs(c) < STATS_TINY ? STATS_TINY : c;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
		d = 1 + aa * d;
		c = 1 + aa / c;
		d = fabs(d) < STATS_TINY ? 1 / STATS_TINY : 1 / d;
		c = fabs(c) < STATS_TINY ? STATS_TINY : c;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < STATS_EPS)
			break;
	}
	return h;
}

/* The regularized incomplete beta function I_x(a, b). */
static double
beta_inc(double a, double b, double x)
{
	double front;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return front * beta_cf(a, b, x) / a;
	return 1 - front * beta_cf(b, a, 1 - x) / b;
}

double
stats_t_upper(double t, int df)
{
	double tail;

	if (df < 1)
		return t > 0 ? 0 : 1;
	tail = 0.5 * beta_inc(df / 2.0, 0.5, df / (df + t * t));
	return t >= 0 ? tail : 1 - tail;
}

/* Bisection steps: the bracket [0, hi] shrinks below 1e-12 of hi. */
#define STATS_BISECT 64

double
stats_t_quantile(double p, int df)
{
	double lo = 0, hi = 1, mid;
	int i;

	if (df < 1 || p <= 0 || p >= 0.5)
		return p >= 0.5 ? 0 : INFINITY;
	while (stats_t_upper(hi, df) > p && hi < 1e15)
		hi *= 2;
	for (i = 0; i < STATS_BISECT; i++) {
		mid = (lo + hi) / 2;
		if (stats_t_upper(mid, df) > p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

/* The regularized lower incomplete gamma P(a, x), a > 0, x >= 0. */
static double
gamma_p(double a, double x)
{
	double sum, del, ap, b, c, d, h, an;
	int n;

	if (x <= 0)
		return 0;
	if (x < a + 1) {
		/* series */
		ap = a;
		sum = del = 1 / a;
		for (n = 0; n < STATS_ITER_MAX && fabs(del) >= fabs(sum) * STATS_EPS; n++) {
			ap += 1;
			del *= x / ap;
			sum += del;
		}
		return sum * exp(-x + a * log(x) - lgamma(a));
	}
	/* continued fraction for Q(a, x) (modified Lentz) */
	b = x + 1 - a;
	c = 1 / STATS_TINY;
	d = 1 / b;
	h = d;
	for (n = 1; n <= STATS_ITER_MAX; n++) {
		an = -n * (n - a);
		b += 2;
		d = an * d + b;
		d = fabs(d) < STATS_TINY ? 1 / STATS_TINY : 1 / d;
		c = b + an / c;
		c = fabs(c) < STATS_TINY ? STATS_TINY : c;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < STATS_EPS)
			break;
	}
	return 1 - exp(-x + a * log(x) - lgamma(a)) * h;
}

double
stats_poisson_upper(double k, double lambda)
{
	k = ceil(k);
	if (k <= 0)
		return 1;
	if (lambda <= 0)
		return 0;
	return gamma_p(k, lambda);
}

double
stats_poisson_lower(double k, double lambda)
{
	k = floor(k);
	if (k < 0)
		return 0;
	if (lambda <= 0)
		return 1;
	return 1 - gamma_p(k + 1, lambda);
}

void
stats_mean_sd(const double *x, int n, double *mean, double *sd)
{
	double sum = 0, ss = 0;
	int i;

	*mean = *sd = 0;
	if (n <= 0)
		return;
	for (i = 0; i < n; i++)
		sum += x[i];
	*mean = sum / n;
	if (n < 2)
		return;
	for (i = 0; i < n; i++)
		ss += (x[i] - *mean) * (x[i] - *mean);
	*sd = sqrt(ss / (n - 1));
}

/*
 * At most this share of a window is left out as outliers: a spam day, an
 * outage or the first days of a growth must not widen S for weeks, but a
 * window that is mostly "outliers" is the new normal.
 */
#define STATS_OUTLIERS_SHARE 0.2

/* 1.4826 MAD estimates sigma of a normal sample. */
#define STATS_MAD_SIGMA 1.4826

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of x[0..n), n > 0; sorts x. */
static double
median(double *x, int n)
{
	qsort(x, (size_t)n, sizeof(*x), cmp_double);
	return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

int
stats_robust(const double *in, int n, double k, int keep, double *mean, double *sd)
{
	double x[CONFIG_DAYS_MAX], dev[CONFIG_DAYS_MAX], med, scale;
	int i, m, out = 0, room;

	if (n > CONFIG_DAYS_MAX)
		n = CONFIG_DAYS_MAX;
	room = (int)(STATS_OUTLIERS_SHARE * n);
	if (n - room < keep)
		room = n > keep ? n - keep : 0;
	if (room == 0 || n < 3) {
		stats_mean_sd(in, n, mean, sd);
		return n;
	}
	memcpy(x, in, (size_t)n * sizeof(*x));
	med = median(x, n);
	for (i = 0; i < n; i++)
		dev[i] = fabs(in[i] - med);
	/* the scale by the median absolute deviation (two outliers cannot hide
	 * each other as they do in S), at least the Poisson sqrt(median) */
	scale = STATS_MAD_SIGMA * median(dev, n);
	if (scale < sqrt(med))
		scale = sqrt(med);
	for (i = m = 0; i < n; i++) {
		if (out < room && scale > 0 && fabs(in[i] - med) > k * scale) {
			out++;
			continue;
		}
		x[m++] = in[i];
	}
	stats_mean_sd(x, m, mean, sd);
	return m;
}

int
stats_is_workday(const struct mtastat_config *cfg, int32_t day)
{
	return civil_weekday(day) < 5 && !config_is_holiday(cfg, day);
}

/* The type a day is compared by: 1 a working day, 0 a weekend day or holiday; 1 for all with "daytypes all". */
static int
day_type(const struct mtastat_config *cfg, int32_t day)
{
	return cfg->daytypes == DAYTYPES_ALL || stats_is_workday(cfg, day);
}

int32_t
stats_first_day_needed(const struct mtastat_config *cfg, int32_t today)
{
	size_t holidays = cfg->nholidays < CONFIG_DAYS_MAX ? cfg->nholidays : CONFIG_DAYS_MAX;

	/* N weekdays span at most N + 2 * (N / 5 + 1) days, N weekend days at
	 * most 7 * (N / 2 + 1); each holiday takes one working day away; one more for V */
	if (cfg->daytypes == DAYTYPES_ALL && holidays == 0)
		return today - (int32_t)(cfg->days + 2 * (cfg->days / 5 + 2) + 2);
	return today - (int32_t)(7 * (cfg->days / 2 + 2) + holidays + 2);
}

/* Broken sessions by hour, and each day's plaintext share (health.c's rule). */
static int
load_health(struct store *s, struct day_series *ds)
{
	sqlite3_stmt *st;
	struct health_tls t[1];
	int32_t day = INT32_MIN;
	int64_t sessions = 0, unsaid = 0;
	int rc, d, hour;

	if (sqlite3_prepare_v2(s->db, "SELECT day, hour, broken, tls_in, plain_in, tls_out, plain_out,"
		" sessions_out FROM health_hourly WHERE day BETWEEN ?1 AND ?2 ORDER BY day", -1, &st,
		NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(st, 1, ds->first);
	sqlite3_bind_int(st, 2, ds->last);
	memset(t, 0, sizeof(t));
	for (;;) {
		rc = sqlite3_step(st);
		d = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : INT32_MAX;
		if (d != day && day != INT32_MIN) {
			/* the day before is complete: Postfix's unsaid sessions without TLS are plaintext */
			if (unsaid > t->out_tls)
				t->out_plain += unsaid - t->out_tls;
			sessions = t->in_tls + t->in_plain + t->out_tls + t->out_plain;
			ds->ln[day - ds->first][L_PLAIN_SHARE] = sessions;
			if (sessions >= STATS_LEVEL_MIN)
				ds->lv[day - ds->first][L_PLAIN_SHARE] = health_plain_share(t);
			memset(t, 0, sizeof(t));
			unsaid = 0;
		}
		if (rc != SQLITE_ROW)
			break;
		day = d;
		hour = sqlite3_column_int(st, 1);
		if (hour >= 0 && hour < 24)
			ds->h[d - ds->first][hour][S_BROKEN] = sqlite3_column_int64(st, 2);
		t->in_tls += sqlite3_column_int64(st, 3);
		t->in_plain += sqlite3_column_int64(st, 4);
		t->out_tls += sqlite3_column_int64(st, 5);
		t->out_plain += sqlite3_column_int64(st, 6);
		unsaid += sqlite3_column_int64(st, 7);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Each day's delivery delay p95, from its histogram (the hours summed). */
static int
load_delays(struct store *s, struct day_series *ds)
{
	sqlite3_stmt *st;
	uint64_t *n = calloc(DELAY_BUCKETS, sizeof(*n)), total = 0;
	int32_t day = INT32_MIN;
	int rc, d, b;

	if (n == NULL)
		return -1;
	/*
	 * In the key's order (day, hour, bucket), summed here: a GROUP BY sorts
	 * every row of the window (38 ms for 44k rows, 10 ms in the key's
	 * order), and the daemon evaluates after each batch on its loop.
	 */
	if (sqlite3_prepare_v2(s->db, "SELECT day, bucket, n FROM delay_hist"
		" WHERE day BETWEEN ?1 AND ?2 ORDER BY day", -1, &st, NULL) != SQLITE_OK) {
		free(n);
		return -1;
	}
	sqlite3_bind_int(st, 1, ds->first);
	sqlite3_bind_int(st, 2, ds->last);
	for (;;) {
		rc = sqlite3_step(st);
		d = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : INT32_MAX;
		if (d != day && day != INT32_MIN) {
			ds->ln[day - ds->first][L_DELAY_P95] = (int64_t)total;
			if (total >= STATS_LEVEL_MIN)
				ds->lv[day - ds->first][L_DELAY_P95] = delayhist_quantile(n, 0.95, UINT32_MAX);
			memset(n, 0, DELAY_BUCKETS * sizeof(*n));
			total = 0;
		}
		if (rc != SQLITE_ROW)
			break;
		day = d;
		b = sqlite3_column_int(st, 1);
		if (b >= 0 && b < DELAY_BUCKETS) {
			n[b] += (uint64_t)sqlite3_column_int64(st, 2);
			total += (uint64_t)sqlite3_column_int64(st, 2);
		}
	}
	sqlite3_finalize(st);
	free(n);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
stats_load(struct store *s, int32_t first, int32_t last, struct day_series *ds)
{
	sqlite3_stmt *st;
	int rc, k;

	memset(ds, 0, sizeof(*ds));
	ds->first = first;
	ds->last = last;
	ds->history_start = INT32_MAX;
	ds->h = calloc((size_t)(last - first + 1), sizeof(*ds->h));
	ds->lv = calloc((size_t)(last - first + 1), sizeof(*ds->lv));
	ds->ln = calloc((size_t)(last - first + 1), sizeof(*ds->ln));
	if (ds->h == NULL || ds->lv == NULL || ds->ln == NULL) {
		stats_series_free(ds);
		return -1;
	}
	for (k = 0; k <= last - first; k++) {
		ds->lv[k][L_DELAY_P95] = NAN;
		ds->lv[k][L_PLAIN_SHARE] = NAN;
	}
	if (sqlite3_prepare_v2(s->db, "SELECT min(day) FROM daily", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		ds->history_start = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(s->db, "SELECT day, hour, received, delivered, relayed, deferred,"
		" deferrals, bounced, expired, rejected, auth_failed, notifications, bytes_received,"
		" bytes_delivered FROM hourly WHERE day BETWEEN ?1 AND ?2", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int(st, 1, first);
	sqlite3_bind_int(st, 2, last);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int day = sqlite3_column_int(st, 0), hour = sqlite3_column_int(st, 1);
		if (hour < 0 || hour > 23)
			continue;
		for (k = 0; k < C_COUNT; k++)
			ds->h[day - first][hour][k] = sqlite3_column_int64(st, 2 + k);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE && load_health(s, ds) == 0 && load_delays(s, ds) == 0)
		return 0;
fail:
	log_err("stats", "%s: %s", s->path, sqlite3_errmsg(s->db));
	stats_series_free(ds);
	return -1;
}

void
stats_series_free(struct day_series *ds)
{
	free(ds->h);
	free(ds->lv);
	free(ds->ln);
	ds->h = NULL;
	ds->lv = NULL;
	ds->ln = NULL;
}

/* Cumulative count of day up to hour `hours` (exclusive) plus frac of that hour. */
static double
cumulative(const struct day_series *ds, int32_t day, enum counter c, int hours, double frac)
{
	double v = 0;
	int h;

	if (day < ds->first || day > ds->last)
		return 0;
	for (h = 0; h < hours && h < 24; h++)
		v += (double)ds->h[day - ds->first][h][c];
	if (hours < 24)
		v += frac * (double)ds->h[day - ds->first][hours][c];
	return v;
}

/*
 * The window: up to N days before `judged`, not before `lowest`: working
 * days for _W, else days of the judged day's type.  Returns how many, days
 * in win[].
 */
static int
window_days(const struct mtastat_config *cfg, int weekdays, int32_t judged, int32_t lowest,
    int32_t *win)
{
	int want = day_type(cfg, judged), n = 0;
	int32_t d;

	for (d = judged - 1; n < (int)cfg->days && d >= lowest; d--)
		if (weekdays ? stats_is_workday(cfg, d) : day_type(cfg, d) == want)
			win[n++] = d;
	return n;
}

/* The window inside the loaded series and the history. */
static int
window(const struct day_series *ds, const struct mtastat_config *cfg, int weekdays,
    int32_t judged, int32_t *win)
{
	int32_t lowest = ds->first > ds->history_start ? ds->first : ds->history_start;

	return window_days(cfg, weekdays, judged, lowest, win);
}

/* M and S of a window x[0..b->n), without its outliers under "prediction yes". */
static void
window_mean_sd(const struct mtastat_config *cfg, const double *x, struct baseline *b)
{
	if (cfg->prediction)
		b->n = stats_robust(x, b->n, cfg->sigma, (int)cfg->mindays, &b->mean, &b->sd);
	else
		stats_mean_sd(x, b->n, &b->mean, &b->sd);
}

void
stats_account_baseline(const struct mtastat_config *cfg, int32_t today, int32_t first,
    const int32_t *day, const int64_t *count, size_t n, struct baseline *b)
{
	int32_t win[CONFIG_DAYS_MAX];
	double x[CONFIG_DAYS_MAX];
	size_t j;
	int i;

	b->day = today;
	b->judged = 1;
	b->n = window_days(cfg, 0, today, first, win);
	for (i = 0; i < b->n; i++) {
		x[i] = 0;
		for (j = 0; j < n; j++)
			if (day[j] == win[i])
				x[i] += (double)count[j];
	}
	window_mean_sd(cfg, x, b);
	b->full = b->mean;
	b->z = b->sd > 0 ? (b->v - b->mean) / b->sd : 0;
}

static void
judge(struct baseline *b, const struct day_series *ds, const struct mtastat_config *cfg,
    const int32_t *win, enum counter c, int hours, double frac)
{
	double x[CONFIG_DAYS_MAX];
	double full = 0;
	int i;

	for (i = 0; i < b->n; i++) {
		x[i] = cumulative(ds, win[i], c, hours, frac);
		full += cumulative(ds, win[i], c, 24, 0);
	}
	b->full = b->n > 0 ? full / b->n : 0;
	window_mean_sd(cfg, x, b);
	b->z = b->sd > 0 ? (b->v - b->mean) / b->sd : 0;
	(void)cfg;
}

/* The current hour so far against the same share of that hour in the window. */
static void
hour_judge(struct baseline *b, const struct day_series *ds, const struct mtastat_config *cfg,
    const struct indicator_stat *is, const int32_t *win, enum counter c, int hour, double frac)
{
	double x[CONFIG_DAYS_MAX];
	int i;

	b->day = is->sofar.day;
	b->judged = 1;
	b->n = is->sofar.n;
	b->v = cumulative(ds, b->day, c, 24, 0) - cumulative(ds, b->day, c, hour, 0);
	for (i = 0; i < b->n; i++)
		x[i] = cumulative(ds, win[i], c, hour, frac) - cumulative(ds, win[i], c, hour, 0);
	window_mean_sd(cfg, x, b);
	b->full = b->mean;
	b->z = b->sd > 0 ? (b->v - b->mean) / b->sd : 0;
}

/* A day's level, NAN when it has none (outside the series, too few samples). */
static double
level_of(const struct day_series *ds, int32_t day, enum level l)
{
	if (ds->lv == NULL || day < ds->first || day > ds->last)
		return NAN;
	return ds->lv[day - ds->first][l];
}

/* Does today have enough samples, against the window's usual day, to judge its level? */
static int
level_enough(const struct day_series *ds, int32_t today, const int32_t *win, int nwin,
    enum level l)
{
	double sum = 0;
	int i, n = 0;

	if (ds->ln == NULL || today < ds->first || today > ds->last)
		return 0;
	for (i = 0; i < nwin; i++)
		if (!isnan(level_of(ds, win[i], l))) {
			sum += (double)ds->ln[win[i] - ds->first][l];
			n++;
		}
	return n > 0 && (double)ds->ln[today - ds->first][l] >= STATS_LEVEL_SOFAR_SHARE * sum / n;
}

/* v against the levels of the window's days that have one. */
static void
level_judge(struct baseline *b, const struct day_series *ds, const struct mtastat_config *cfg,
    const int32_t *win, int nwin, enum level l)
{
	double x[CONFIG_DAYS_MAX];
	int i;

	b->n = 0;
	for (i = 0; i < nwin; i++)
		if (!isnan(level_of(ds, win[i], l)))
			x[b->n++] = level_of(ds, win[i], l);
	window_mean_sd(cfg, x, b);
	b->full = b->mean;
	b->z = b->sd > 0 ? (b->v - b->mean) / b->sd : 0;
}

/*
 * A level indicator: the last day's value, and today's so far, against the
 * values of the window's days; no view of the hour (a level has no share
 * of the day to expect).
 */
static void
compute_level(const struct day_series *ds, const struct mtastat_config *cfg, int32_t today,
    const struct indicator_def *def, struct indicator_stat *out)
{
	int32_t win[CONFIG_DAYS_MAX], d = today - 1;
	double v = level_of(ds, today, def->level);
	int n;

	out->today = isnan(v) ? 0 : (int64_t)llround(v);
	out->last.day = d >= ds->first && d >= ds->history_start ? d : -1;
	out->last.judged = out->last.day >= 0 && !isnan(level_of(ds, d, def->level));
	if (out->last.judged) {
		out->last.v = level_of(ds, d, def->level);
		n = window(ds, cfg, 0, d, win);
		level_judge(&out->last, ds, cfg, win, n, def->level);
	}
	out->sofar.day = today;
	n = window(ds, cfg, 0, today, win);
	out->sofar.judged = cfg->intraday && !isnan(v) && level_enough(ds, today, win, n, def->level);
	if (out->sofar.judged) {
		out->sofar.v = v;
		level_judge(&out->sofar, ds, cfg, win, n, def->level);
	}
	out->hour.day = today;
}

static void
compute_one(const struct day_series *ds, const struct mtastat_config *cfg, int32_t today,
    int hour, double frac, const struct indicator_def *def, struct indicator_stat *out)
{
	int32_t win[CONFIG_DAYS_MAX], d;

	memset(out, 0, sizeof(*out));
	out->def = def;
	if (def->level != L_NONE) {
		compute_level(ds, cfg, today, def, out);
		return;
	}
	out->today = (int64_t)cumulative(ds, today, def->counter, 24, 0);
	/* the last complete day (weekday) before today */
	for (d = today - 1; def->weekdays && d >= ds->first && !stats_is_workday(cfg, d); d--)
		;
	out->last.day = d >= ds->first && d >= ds->history_start ? d : -1;
	out->last.judged = out->last.day >= 0;
	if (out->last.judged) {
		out->last.v = cumulative(ds, d, def->counter, 24, 0);
		out->last.n = window(ds, cfg, def->weekdays, d, win);
		judge(&out->last, ds, cfg, win, def->counter, 24, 0);
	}
	out->sofar.day = today;
	out->sofar.judged = cfg->intraday && (!def->weekdays || stats_is_workday(cfg, today));
	if (out->sofar.judged) {
		out->sofar.v = (double)out->today; /* everything so far, against the share expected */
		out->sofar.n = window(ds, cfg, def->weekdays, today, win);
		judge(&out->sofar, ds, cfg, win, def->counter, hour, frac);
		hour_judge(&out->hour, ds, cfg, out, win, def->counter, hour, frac);
	}
}

void
stats_compute(const struct day_series *ds, const struct mtastat_config *cfg, int64_t now,
    struct indicator_stat out[IND_COUNT])
{
	int32_t today = (int32_t)(now >= 0 ? now / 86400 : (now - 86399) / 86400);
	int64_t sec = now - (int64_t)today * 86400;
	int hour = (int)(sec / 3600), i;
	/* the current hour counts by the share of it that has passed */
	double frac = (double)(sec % 3600 + 1) / 3600.0;

	for (i = 0; i < IND_COUNT; i++)
		compute_one(ds, cfg, today, hour, frac, &indicator_defs[i], &out[i]);
}
