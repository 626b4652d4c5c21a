#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "civil.h"
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
	if (ds->h == NULL)
		return -1;
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
	if (rc == SQLITE_DONE)
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
	ds->h = NULL;
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
	stats_mean_sd(x, b->n, &b->mean, &b->sd);
	b->z = b->sd > 0 ? (b->v - b->mean) / b->sd : 0;
}

static void
judge(struct baseline *b, const struct day_series *ds, const struct mtastat_config *cfg,
    const int32_t *win, enum counter c, int hours, double frac)
{
	double x[CONFIG_DAYS_MAX];
	int i;

	for (i = 0; i < b->n; i++)
		x[i] = cumulative(ds, win[i], c, hours, frac);
	stats_mean_sd(x, b->n, &b->mean, &b->sd);
	b->z = b->sd > 0 ? (b->v - b->mean) / b->sd : 0;
	(void)cfg;
}

static void
compute_one(const struct day_series *ds, const struct mtastat_config *cfg, int32_t today,
    int hour, double frac, const struct indicator_def *def, struct indicator_stat *out)
{
	int32_t win[CONFIG_DAYS_MAX], d;

	memset(out, 0, sizeof(*out));
	out->def = def;
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
