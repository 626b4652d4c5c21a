/*
 * replay: how the alarm rules behave on a month of traffic, as an operator
 * would live it.  A seeded site (weekly pattern, daily curve, +-8 % day
 * noise, Poisson counts per hour, accounts with their own volumes) is
 * written into a fresh history hour by hour, and after each hour the alarms
 * are judged exactly as `mtastat check` does (detect_run() at the hour's
 * last second).  After 35 days of warm-up come 30 scored normal days, then
 * four incidents: a spam run through a quiet account, an inbound outage of
 * six hours, a deferral storm toward one domain, a slow 3x growth over a
 * week.  docs/alarms.md has the table over seeds 1-10.  Printed per configuration: raises on the normal days, the hours
 * from each incident's start to its first alarm, and how many days of the
 * growth week raised something; apart, the mail-flow health indicators'
 * raises on the normal days and the hours to SMTP_DELAY_P95 after remote
 * servers turn slow.
 *
 *   make replay && ./replay [--seed N] [--verbose] [--only ROW] [--set 'token value']...
 *   (in a build directory; --set lines go on top of every row's)
 *
 * Counts go straight into the store's tables: the parser is not what is
 * measured here (bench/genlog.c and test_e2e_generated.sh cover it).
 */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "civil.h"
#include "conf.h"
#include "delayhist.h"
#include "detect.h"
#include "stats.h"
#include "store.h"

/* Warm-up: 15 weekend days of history need 7.5 weeks; 5 weeks give most windows. */
#define REPLAY_WARMUP 35
#define REPLAY_NORMAL 30
/* Days after the normal ones: incidents on days 1, 3, 5, growth on 7..13, 14 to cool off. */
#define REPLAY_TAIL 15
#define REPLAY_DAYS (REPLAY_WARMUP + REPLAY_NORMAL + REPLAY_TAIL)
#define REPLAY_ACCOUNTS 60
/* The quiet account of the spam run: its usual day is about 2 recipients. */
#define REPLAY_QUIET 0
/* Day-to-day noise of the volumes: +-8 % (one sigma). */
#define REPLAY_DAY_NOISE 0.08

enum incident { INC_SPAM, INC_OUTAGE, INC_DEFERRALS, INC_GROWTH, INC_COUNT };

static const struct incident_def {
	const char *name;
	int day;           /* after the normal days */
	int hour;          /* start */
	const char *subjects[5]; /* alarms that count as its detection */
} incidents[INC_COUNT] = {
	[INC_SPAM] = { "spam run, quiet account (1100 rcpts 09-12h)", 1, 9,
		{ "acct0@corp.example", "SMTP_RELAY_MSGS", "SMTP_SENT_MSGS", NULL } },
	[INC_OUTAGE] = { "inbound outage 10-16h", 3, 10, { "SMTP_RECVD_MSGS", NULL } },
	[INC_DEFERRALS] = { "deferral storm to one domain 13-18h", 5, 13,
		{ "SMTP_DEFERRED_MSGS", NULL } },
	[INC_GROWTH] = { "slow 3x growth over a week", 7, 0,
		{ "SMTP_RECVD_MSGS", "SMTP_SENT_MSGS", "SMTP_RELAY_MSGS", NULL } },
};

/*
 * Mail-flow health (issue 14): broken sessions from bots (~190 a day, any
 * hour), 8 % of client sessions without TLS, delivery delays log-normal
 * around 1.5 s.  Drawn from a stream of their own, so that every count above
 * is the same draw as without them and the table's other columns keep their
 * numbers.  Its incident: remote servers 20x slower 10-14h on this day.
 */
#define REPLAY_SLOW_DAY 9
#define REPLAY_SLOW_FROM 10
#define REPLAY_SLOW_TO 14
static const char *const health_subjects[] = { "SMTP_DELAY_P95", "SMTP_BROKEN_SESSIONS",
	"SMTP_TLS_PLAIN_SHARE" };
static uint64_t rng_health;

/* The growth week: volume x (1 + 2 k / 6) on its day k. */
#define REPLAY_GROWTH_DAYS 7

static uint64_t rng;

static uint64_t
rand_next(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in (0, 1) */
static double
rand_unit(void)
{
	return ((double)(rand_next() >> 11) + 0.5) / 9007199254740992.0;
}

static double
rand_normal(void)
{
	return sqrt(-2 * log(rand_unit())) * cos(2 * M_PI * rand_unit());
}

/* Poisson: Knuth's product below 30, a rounded normal above. */
static int64_t
rand_poisson(double lambda)
{
	double l, p = 1;
	int64_t k = 0;

	if (lambda <= 0)
		return 0;
	if (lambda > 30) {
		double x = lambda + sqrt(lambda) * rand_normal() + 0.5;
		return x > 0 ? (int64_t)x : 0;
	}
	l = exp(-lambda);
	do {
		k++;
		p *= rand_unit();
	} while (p > l);
	return k - 1;
}

/* Share of a day's traffic per hour: ~5 % of the peak at night, the peak 9-17 h. */
static const double curve[24] = {
	0.05, 0.04, 0.04, 0.04, 0.05, 0.10, 0.25, 0.50, 0.80, 1.00, 1.00, 1.00,
	0.95, 1.00, 1.00, 1.00, 0.95, 0.80, 0.55, 0.35, 0.25, 0.15, 0.10, 0.07,
};

/* A weekday's mean count per counter; weekends carry 30 % of it. */
static const double weekday_mean[C_COUNT] = {
	[C_RECEIVED] = 3000, [C_DELIVERED] = 3300, [C_DEFERRED] = 30, [C_BOUNCED] = 15,
	[C_REJECTED] = 320, [C_AUTH_FAILED] = 100,
};

struct site {
	double acct_usual[REPLAY_ACCOUNTS]; /* weekday recipients a day */
	double day_factor;                  /* this day's noise, shared by the volumes */
	double fail_factor[C_COUNT];        /* and each failure counter's own */
};

struct day_counts {
	int64_t h[24][C_COUNT];
	int64_t acct[REPLAY_ACCOUNTS][24];
	int64_t broken[24], tls[24], plain[24], ndelay[24], delay_sum[24];
	uint32_t delay_max[24];
	uint32_t dhist[24][DELAY_BUCKETS];
};

static double
shape(int hour)
{
	double sum = 0;
	int h;

	for (h = 0; h < 24; h++)
		sum += curve[h];
	return curve[hour] / sum;
}

static void
site_init(struct site *site)
{
	int a;

	/* log-uniform from 1 to 30 a day; account 0 the quiet one */
	for (a = 0; a < REPLAY_ACCOUNTS; a++)
		site->acct_usual[a] = a == REPLAY_QUIET ? 2 : exp(log(30.0) * rand_unit());
}

/* Draw one day: k is the day after the normal ones (<= 0 inside them). */
static void
site_day(struct site *site, int32_t day, int k, struct day_counts *dc)
{
	int weekend = civil_weekday(day) >= 5, h, a, c;
	double vol = (weekend ? 0.3 : 1.0), grow = 1;

	site->day_factor = 1 + REPLAY_DAY_NOISE * rand_normal();
	for (c = 0; c < C_COUNT; c++)
		site->fail_factor[c] = 1 + 3 * REPLAY_DAY_NOISE * rand_normal(); /* failures are burstier */
	if (k >= incidents[INC_GROWTH].day && k < incidents[INC_GROWTH].day + REPLAY_GROWTH_DAYS)
		grow = 1 + 2.0 * (k - incidents[INC_GROWTH].day) / (REPLAY_GROWTH_DAYS - 1);
	else if (k >= incidents[INC_GROWTH].day + REPLAY_GROWTH_DAYS)
		grow = 3;
	memset(dc, 0, sizeof(*dc));
	for (h = 0; h < 24; h++) {
		for (c = 0; c < C_COUNT; c++) {
			double f = c == C_RECEIVED || c == C_DELIVERED ? site->day_factor * grow
			    : site->fail_factor[c] > 0.2 ? site->fail_factor[c] : 0.2;
			dc->h[h][c] = rand_poisson(weekday_mean[c] * vol * f * shape(h));
		}
		for (a = 0; a < REPLAY_ACCOUNTS; a++) {
			dc->acct[a][h] = rand_poisson(site->acct_usual[a] * vol * site->day_factor * grow *
			    shape(h));
			dc->h[h][C_RELAYED] += dc->acct[a][h];
		}
	}
}

/* The incidents of day k, on top of its normal traffic. */
static void
site_incidents(int k, struct day_counts *dc)
{
	int h;

	if (k == incidents[INC_SPAM].day)
		for (h = 9; h < 12; h++) {
			int64_t n = h == 11 ? 300 : 400;  /* 1100 recipients in 3 hours */
			dc->acct[REPLAY_QUIET][h] += n;
			dc->h[h][C_RELAYED] += n;
			dc->h[h][C_DELIVERED] += n;
		}
	if (k == incidents[INC_OUTAGE].day)
		for (h = 10; h < 16; h++) {
			dc->h[h][C_DELIVERED] -= dc->h[h][C_RECEIVED] * 8 / 10; /* inbound mail delivered locally */
			dc->h[h][C_RECEIVED] = 0;
		}
	if (k == incidents[INC_DEFERRALS].day)
		for (h = 13; h < 18; h++)
			dc->h[h][C_DEFERRED] += 60;  /* a domain's MX down: retries every few minutes */
}

/* The health counts of day k's hours, from their own random stream. */
static void
site_health(int k, struct day_counts *dc)
{
	uint64_t save = rng;
	int64_t i, n, sessions;
	int h;

	rng = rng_health;
	for (h = 0; h < 24; h++) {
		dc->broken[h] = rand_poisson(8.0);
		sessions = dc->h[h][C_RECEIVED];
		dc->plain[h] = rand_poisson(0.08 * (double)sessions);
		if (dc->plain[h] > sessions)
			dc->plain[h] = sessions;
		dc->tls[h] = sessions - dc->plain[h];
		n = dc->h[h][C_DELIVERED] > 0 ? dc->h[h][C_DELIVERED] : 0;
		for (i = 0; i < n; i++) {
			double ms = 1500 * exp(rand_normal());
			uint32_t v;
			if (k == REPLAY_SLOW_DAY && h >= REPLAY_SLOW_FROM && h < REPLAY_SLOW_TO)
				ms *= 20;
			v = ms > 4e9 ? 4000000000u : (uint32_t)ms;
			dc->dhist[h][delayhist_bucket(v)]++;
			dc->delay_sum[h] += v;
			if (v > dc->delay_max[h])
				dc->delay_max[h] = v;
		}
		dc->ndelay[h] = n;
	}
	rng_health = rng;
	rng = save;
}

static int
exec_sql(struct store *s, const char *q)
{
	if (sqlite3_exec(s->db, q, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "replay: %s: %s\n", q, sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

/* One hour into the history, as a commit would leave it. */
static int
put_hour(struct store *s, int32_t day, int h, const struct day_counts *dc)
{
	char q[1024];
	int a;

	snprintf(q, sizeof(q), "INSERT INTO hourly(day, hour, received, delivered, relayed, deferred,"
	    " bounced, rejected, auth_failed) VALUES(%d, %d, %lld, %lld, %lld, %lld, %lld, %lld, %lld);"
	    "INSERT INTO daily(day, received) VALUES(%d, %lld) ON CONFLICT(day) DO UPDATE SET"
	    " received = received + excluded.received", day, h,
	    (long long)dc->h[h][C_RECEIVED], (long long)dc->h[h][C_DELIVERED],
	    (long long)dc->h[h][C_RELAYED], (long long)dc->h[h][C_DEFERRED],
	    (long long)dc->h[h][C_BOUNCED], (long long)dc->h[h][C_REJECTED],
	    (long long)dc->h[h][C_AUTH_FAILED], day, (long long)dc->h[h][C_RECEIVED]);
	if (exec_sql(s, q) != 0)
		return -1;
	snprintf(q, sizeof(q), "INSERT INTO health_hourly(day, hour, broken, tls_in, plain_in, delays,"
	    " delay_sum_ms, delay_max_ms) VALUES(%d, %d, %lld, %lld, %lld, %lld, %lld, %u)", day, h,
	    (long long)dc->broken[h], (long long)dc->tls[h], (long long)dc->plain[h],
	    (long long)dc->ndelay[h], (long long)dc->delay_sum[h], dc->delay_max[h]);
	if (exec_sql(s, q) != 0)
		return -1;
	for (a = 0; a < DELAY_BUCKETS; a++) {
		if (dc->dhist[h][a] == 0)
			continue;
		snprintf(q, sizeof(q), "INSERT INTO delay_hist(day, hour, bucket, n) VALUES(%d, %d, %d, %u)",
		    day, h, a, dc->dhist[h][a]);
		if (exec_sql(s, q) != 0)
			return -1;
	}
	for (a = 0; a < REPLAY_ACCOUNTS; a++) {
		if (dc->acct[a][h] == 0)
			continue;
		snprintf(q, sizeof(q), "INSERT INTO accounts(name, first_day) VALUES('acct%d@corp.example',"
		    " %d) ON CONFLICT(name) DO NOTHING; INSERT INTO account_daily(account_id, day, relayed,"
		    " relayed_messages) SELECT id, %d, %lld, %lld FROM accounts WHERE name ="
		    " 'acct%d@corp.example' ON CONFLICT(account_id, day) DO UPDATE SET relayed = relayed +"
		    " excluded.relayed, relayed_messages = relayed_messages + excluded.relayed_messages",
		    a, day, day, (long long)dc->acct[a][h], (long long)(dc->acct[a][h] + 4) / 5, a);
		if (exec_sql(s, q) != 0)
			return -1;
	}
	return 0;
}

struct score {
	int normal_raises;        /* indicator raises on the normal days */
	int normal_account_raises;
	int normal_notifications; /* raises and clears on the normal days */
	double first[INC_COUNT];  /* hours from the start to the first alarm, -1 none */
	int growth_days;          /* days of the growth week with a raise */
	int health_raises;        /* health indicator raises on the normal days (not above) */
	double slow_first;        /* hours from the slow servers' start to SMTP_DELAY_P95 */
};

static int
is_health(const char *subject)
{
	size_t i;

	for (i = 0; i < sizeof(health_subjects) / sizeof(health_subjects[0]); i++)
		if (strcmp(subject, health_subjects[i]) == 0)
			return 1;
	return 0;
}

static int
is_raise(enum alarm_kind k)
{
	return k == AK_ANOMALY || k == AK_RELAY_EXCEEDED || k == AK_ACCOUNT_UNUSUAL;
}

static int
matches(const struct incident_def *inc, const char *subject)
{
	int i;

	for (i = 0; inc->subjects[i] != NULL; i++)
		if (strncmp(subject, inc->subjects[i], strlen(inc->subjects[i])) == 0)
			return 1;
	return 0;
}

/* Score the alarms of one evaluation at day k (after the normal days), hour h. */
static void
score_alarms(struct score *sc, const struct detect_result *r, int k, int h, int *raised_today,
    int verbose, const char *cfgname)
{
	size_t i;
	int j;

	for (i = 0; i < r->nalarms; i++) {
		const struct alarm *a = &r->alarms[i];
		if (verbose)
			printf("%-8s day %+3d %02d:59  %s\n", cfgname, k, h, a->text);
		if (is_health(a->subject)) {
			double hours = (k - REPLAY_SLOW_DAY) * 24 + h + 1 - REPLAY_SLOW_FROM;
			if (k <= 0 && a->kind == AK_ANOMALY)
				sc->health_raises++;
			else if (k >= REPLAY_SLOW_DAY && k <= REPLAY_SLOW_DAY + 1 && hours > 0 &&
			    a->kind == AK_ANOMALY && strcmp(a->subject, "SMTP_DELAY_P95") == 0 &&
			    sc->slow_first < 0)
				sc->slow_first = hours;
			continue;
		}
		if (k <= 0) {
			sc->normal_notifications++;
			if (a->kind == AK_ANOMALY)
				sc->normal_raises++;
			else if (is_raise(a->kind))
				sc->normal_account_raises++;
			continue;
		}
		if (!is_raise(a->kind))
			continue;
		for (j = 0; j < INC_COUNT; j++) {
			const struct incident_def *inc = &incidents[j];
			int span = j == INC_GROWTH ? REPLAY_GROWTH_DAYS : 1;
			double hours = (k - inc->day) * 24 + h + 1 - inc->hour;
			if (k < inc->day || k >= inc->day + span || hours <= 0 || !matches(inc, a->subject))
				continue;
			if (sc->first[j] < 0)
				sc->first[j] = hours;
			if (j == INC_GROWTH && !*raised_today) {
				*raised_today = 1;
				sc->growth_days++;
			}
		}
	}
}

static int
replay_run(const char *dir, const char *name, const struct mtastat_config *cfg, uint64_t seed,
    int verbose, struct score *sc)
{
	char path[4200];
	struct store s;
	struct site site;
	struct day_counts dc;
	int32_t first = 0, d;
	int h, k, j, rc = -1;

	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	unlink(path);
	if (store_open(&s, path) != 0)
		return -1;
	memset(sc, 0, sizeof(*sc));
	for (j = 0; j < INC_COUNT; j++)
		sc->first[j] = -1;
	sc->slow_first = -1;
	rng = seed;
	rng_health = seed ^ 0x5eed4ea17bULL;
	site_init(&site);
	civil_parse("2026-08-03", &first); /* a Monday */
	for (d = first; d < first + REPLAY_DAYS; d++) {
		int raised_today = 0;
		k = d - first - REPLAY_WARMUP - REPLAY_NORMAL + 1;  /* 1: the first day after */
		site_day(&site, d, k, &dc);
		site_incidents(k, &dc);
		site_health(k, &dc);
		for (h = 0; h < 24; h++) {
			struct detect_result r;
			if (put_hour(&s, d, h, &dc) != 0)
				goto out;
			if (d - first < REPLAY_WARMUP)
				continue;
			/* judged at the hour's last second, as a check run from cron would */
			if (detect_run(&s, cfg, (int64_t)d * 86400 + h * 3600 + 3599, &r) != 0)
				goto out;
			score_alarms(sc, &r, k, h, &raised_today, verbose, name);
			detect_result_free(&r);
		}
	}
	rc = 0;
out:
	store_close(&s);
	unlink(path);
	return rc;
}

struct replay_config {
	const char *name;
	const char *lines[14];  /* mtastat.conf lines on top of the defaults */
};

/*
 * The seed's rules, the defaults of 2621a82 (k S' at k = 3), each rule of
 * this harness's round added in turn, then the defaults.  Rules that are not
 * configuration (one alarm per indicator, the clear's evidence) hold in every
 * row: docs/alarms.md has the rows of 7f701f5's harness for comparison.
 */
static const struct replay_config configs[] = {
	{ "old", { "direction SMTP_DEFERRED_MSGS both", "direction SMTP_BOUNCED_RCPTS both",
		"direction SMTP_REJECTED both", "direction SMTP_AUTH_FAILED both", "poissonfloor no",
		"daytypes all", "holddown 0", "accountbaseline no", "sigma 2", "minreldiff 0.10",
		"prediction no", "persist 0" } },
	{ "prev", { "prediction no", "persist 0", "sigma 3" } },
	{ "+t", { "persist 0", "sigma 3" } },
	{ "+persist", { "sigma 3" } },
	{ "new", { NULL } },
};

/* --set lines, applied on top of every row: to try a rule without a rebuild. */
#define REPLAY_SET_MAX 16

static int
config_line(struct mtastat_config *cfg, const char *line)
{
	char token[64], err[256];
	const char *sp = strchr(line, ' ');

	if (sp == NULL) {
		fprintf(stderr, "replay: %s: expected 'token value'\n", line);
		return -1;
	}
	snprintf(token, sizeof(token), "%.*s", (int)(sp - line), line);
	if (config_apply(cfg, token, sp + 1, err, sizeof(err)) != 0) {
		fprintf(stderr, "replay: %s: %s\n", line, err);
		return -1;
	}
	return 0;
}

static int
config_make(const struct replay_config *rc, const char *const *set, int nset,
    struct mtastat_config *cfg)
{
	size_t i;
	int j;

	config_init(cfg);
	for (i = 0; i < sizeof(rc->lines) / sizeof(rc->lines[0]) && rc->lines[i] != NULL; i++)
		if (config_line(cfg, rc->lines[i]) != 0)
			return -1;
	for (j = 0; j < nset; j++)
		if (config_line(cfg, set[j]) != 0)
			return -1;
	return 0;
}

static void
print_hours(double h)
{
	if (h < 0)
		printf(" %9s", "missed");
	else
		printf(" %9.0f", h);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' }, { "verbose", no_argument, NULL, 'v' },
		{ "only", required_argument, NULL, 'o' }, { "set", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *set[REPLAY_SET_MAX], *only = NULL;
	int nset = 0;
	char dir[] = "/tmp/mtastat-replay.XXXXXX";
	uint64_t seed = 1;
	size_t i;
	int ch, verbose = 0, j;

	while ((ch = getopt_long(argc, argv, "s:vo:c:", opts, NULL)) != -1) {
		if (ch == 's')
			seed = strtoull(optarg, NULL, 10);
		else if (ch == 'v')
			verbose = 1;
		else if (ch == 'o')
			only = optarg;
		else if (ch == 'c' && nset < REPLAY_SET_MAX)
			set[nset++] = optarg;
		else
			return 2;
	}
	if (mkdtemp(dir) == NULL) {
		perror("replay: mkdtemp");
		return 1;
	}
	printf("seed %llu: %d warm-up days, %d normal days, then the incidents\n",
	    (unsigned long long)seed, REPLAY_WARMUP, REPLAY_NORMAL);
	printf("%-7s %9s %9s %9s |%9s %9s %9s %9s %7s | %7s %9s\n", "rules", "ind.raise", "acct.rais",
	    "notif.", "spam h", "outage h", "defer h", "growth h", "g.days", "h.raise", "slow h");
	for (i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
		struct mtastat_config cfg;
		struct score sc;
		if (only != NULL && strcmp(only, configs[i].name) != 0)
			continue;
		if (config_make(&configs[i], set, nset, &cfg) != 0 ||
		    replay_run(dir, configs[i].name, &cfg, seed, verbose, &sc) != 0) {
			config_free(&cfg);
			rmdir(dir);
			return 1;
		}
		printf("%-7s %9d %9d %9d |", configs[i].name, sc.normal_raises,
		    sc.normal_account_raises, sc.normal_notifications);
		for (j = 0; j < INC_COUNT; j++)
			print_hours(sc.first[j]);
		printf(" %5d/%d | %7d", sc.growth_days, REPLAY_GROWTH_DAYS, sc.health_raises);
		print_hours(sc.slow_first);
		printf("\n");
		fflush(stdout);
		config_free(&cfg);
	}
	rmdir(dir);
	return 0;
}
