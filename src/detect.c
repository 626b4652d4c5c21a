#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "civil.h"
#include "detect.h"
#include "log.h"
#include "sanitize.h"

/*
 * alarm_state.raised: a raised alarm whose condition is back to normal waits
 * `holddown` seconds (since = when it became normal) before it clears, so a
 * flap within that time stays one alarm.  An indicator beyond sigma but not
 * beyond sigmastrong is pending (since = when it went beyond) until it has
 * been beyond for `persist` seconds.
 */
enum { STATE_NORMAL = 0, STATE_RAISED = 1, STATE_CLEARING = 2, STATE_PENDING = 3 };

/*
 * A today-so-far alarm clears only once the expected so-far is at least this
 * share of the window's usual whole day: before that (after midnight, early
 * in the morning) counts are too small to tell normal from the deviation
 * that raised it, so a growth or a long incident is one alarm, not one a day.
 */
#define DETECT_CLEAR_SHARE 0.25

/* Alarm state rows are few: indicators twice, plus accounts over their limit. */
struct state {
	char subject[ALARM_TEXT_MAX + 16];
	int raised;                   /* STATE_* */
	int32_t day;
	int64_t since;
	int dirty;
};

struct states {
	struct state *v;
	size_t n, cap;
};

/* sqrt(1 + 1/n): a new day varies by S and the window's mean by S / sqrt(n). */
static double
prediction_factor(int n)
{
	return sqrt(1 + 1.0 / n);
}

/*
 * The band at k: k S' (the seed's rule), or with "prediction yes" the
 * Student-t prediction interval for a new observation at the one-sided tail
 * probability of k normal sigmas, t(n - 1) S' sqrt(1 + 1/n): S comes from n
 * days, not from the whole population.
 */
static double
band(const struct mtastat_config *cfg, const struct baseline *b, double k, double sd)
{
	if (!cfg->prediction || b->n < 2)
		return k * sd;
	return stats_t_quantile(stats_normal_upper(k), b->n - 1) * sd * prediction_factor(b->n);
}

/*
 * The count model: is V as unlikely as k normal sigmas (one-sided) for a
 * Poisson count of mean M?  A low verdict needs M large enough that so few
 * are really unlikely (V = 0 needs exp(-M) below the tail).
 */
static int
poisson_unlikely(const struct baseline *b, double k, int high)
{
	double p = stats_normal_upper(k);

	if (high)
		return stats_poisson_upper(b->v, b->mean) < p;
	return stats_poisson_lower(b->v, b->mean) < p;
}

enum judgement
detect_verdict_at(const struct mtastat_config *cfg, const struct baseline *b, double k,
    enum alarm_direction dir)
{
	double diff = b->v - b->mean, ad = fabs(diff), sd = b->sd;

	if (!b->judged || b->n < (int)cfg->mindays)
		return J_INSUFFICIENT;
	/* a count of mean M varies by about sqrt(M) even when the window was calm */
	if (cfg->poissonfloor && b->mean > 0 && sd < sqrt(b->mean))
		sd = sqrt(b->mean);
	if (!(ad > band(cfg, b, k, sd) && ad > cfg->minabsdiff && ad > cfg->minreldiff * b->mean))
		return J_NORMAL;
	if (cfg->poissonfloor && cfg->prediction && !poisson_unlikely(b, k, diff > 0))
		return J_NORMAL;
	if (diff > 0)
		return dir == DIR_LOW ? J_NORMAL : J_HIGH;
	return dir == DIR_HIGH ? J_NORMAL : J_LOW;
}

enum judgement
detect_verdict(const struct mtastat_config *cfg, const struct baseline *b, int clearing,
    enum alarm_direction dir)
{
	return detect_verdict_at(cfg, b, clearing ? config_sigma_clear(cfg) : cfg->sigma, dir);
}

enum judgement
detect_judge(const struct mtastat_config *cfg, const struct baseline *b, int clearing)
{
	return detect_verdict(cfg, b, clearing, DIR_BOTH);
}

int64_t
detect_wall_clock(void)
{
	time_t t = time(NULL);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return (int64_t)t;
	return (int64_t)t + tm.tm_gmtoff;
}

int
detect_log_recent(int64_t newest, int64_t wall)
{
	return newest > 0 && wall - newest <= DETECT_RECENT_SECONDS;
}

int64_t
detect_now(int64_t newest, int64_t wall, int live)
{
	return live && wall > newest ? wall : newest;
}

const char *
detect_relay_unit(const struct mtastat_config *cfg)
{
	return cfg->relaycount_messages ? "messages" : "recipients";
}

void
detect_unusual_text(char *out, size_t outlen, const char *account, const struct alarm *a,
    const char *unit, const char *pm)
{
	if (a->kind == AK_ACCOUNT_UNUSUAL)
		snprintf(out, outlen, "Account %.160s relayed %lld %s today, usually %.2f (%s%.2f)",
		    account, (long long)a->value, unit, a->mean, pm, a->sd);
	else
		snprintf(out, outlen, "Account %.160s back to its usual volume: %lld %s today",
		    account, (long long)a->value, unit);
}

static struct state *
state_get(struct states *ss, const char *subject)
{
	size_t i;

	for (i = 0; i < ss->n; i++)
		if (strcmp(ss->v[i].subject, subject) == 0)
			return &ss->v[i];
	if (ss->n == ss->cap) {
		size_t cap = ss->cap ? ss->cap * 2 : 32;
		struct state *v = realloc(ss->v, cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		ss->v = v;
		ss->cap = cap;
	}
	memset(&ss->v[ss->n], 0, sizeof(ss->v[0]));
	snprintf(ss->v[ss->n].subject, sizeof(ss->v[0].subject), "%s", subject);
	return &ss->v[ss->n++];
}

static int
states_load(struct store *s, struct states *ss)
{
	sqlite3_stmt *st;
	struct state *x;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT subject, raised, day, since FROM alarm_state", -1,
		&st, NULL) != SQLITE_OK) {
		log_err("detect", "%s: alarm state: %s", s->path, sqlite3_errmsg(s->db));
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((x = state_get(ss, (const char *)sqlite3_column_text(st, 0))) == NULL)
			break;
		x->raised = sqlite3_column_int(st, 1);
		x->day = sqlite3_column_int(st, 2);
		x->since = sqlite3_column_int64(st, 3);
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		log_err("detect", "%s: alarm state: %s", s->path, sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static struct alarm *
alarm_add(struct detect_result *r, enum alarm_kind kind, const char *subject)
{
	struct alarm *a;

	if (r->nalarms == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		a = realloc(r->alarms, cap * sizeof(*a));
		if (a == NULL)
			return NULL;
		r->alarms = a;
		r->cap = cap;
	}
	a = &r->alarms[r->nalarms++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->time = r->now;
	sanitize_copy(a->subject, sizeof(a->subject), subject, strlen(subject));
	snprintf(a->key, sizeof(a->key), "%s", subject);
	if (kind == AK_ANOMALY || kind == AK_RELAY_EXCEEDED || kind == AK_ACCOUNT_UNUSUAL)
		r->raised++;
	return a;
}

static void
state_set(struct state *st, int raised, int32_t day, int64_t since)
{
	st->raised = raised;
	st->day = day;
	st->since = since;
	st->dirty = 1;
}

/*
 * Does a raised alarm whose clear rule says normal clear now?  Only after
 * holddown seconds of normal (a flap within them is the same alarm).
 */
static int
clear_due(const struct mtastat_config *cfg, struct state *st, int normal, int64_t now)
{
	if (!normal) {
		if (st->raised == STATE_CLEARING)
			state_set(st, STATE_RAISED, st->day, now); /* back out: the same alarm */
		return 0;
	}
	if (cfg->holddown == 0)
		return 1;
	if (st->raised != STATE_CLEARING) {
		state_set(st, STATE_CLEARING, st->day, now);
		return 0;
	}
	return now - st->since >= (int64_t)cfg->holddown;
}

static int
is_raised(const struct state *st)
{
	return st != NULL && (st->raised == STATE_RAISED || st->raised == STATE_CLEARING);
}

/*
 * Is the evidence for "normal" sufficient to clear?  A whole day always; a
 * today so far once DETECT_CLEAR_SHARE of a usual day is expected.
 */
static int
clear_evidence(const struct mtastat_config *cfg, const struct baseline *b)
{
	return !cfg->prediction || b->mean >= DETECT_CLEAR_SHARE * b->full;
}

/*
 * Does a verdict j beyond sigma raise now?  At once beyond sigmastrong (or
 * without persist); else once it has been beyond for persist seconds
 * (pending meanwhile; a new day's judgement starts afresh).
 */
static int
raise_due(const struct mtastat_config *cfg, struct state *st, const struct baseline *b,
    enum judgement j, enum alarm_direction dir, int64_t now)
{
	if (cfg->persist == 0 ||
	    (cfg->sigmastrong > 0 && detect_verdict_at(cfg, b, cfg->sigmastrong, dir) == j))
		return 1;
	if (st->raised != STATE_PENDING || st->day != b->day) {
		state_set(st, STATE_PENDING, b->day, now);
		return 0;
	}
	return now - st->since >= (int64_t)cfg->persist;
}

/*
 * One indicator, one alarm: its last day and its today so far are two views
 * of the same traffic, and on a working day under "daytypes weekday-weekend"
 * an _W indicator judges exactly what its plain twin judges.  A raise is
 * told already when the other view is raised or the twin judges the same.
 */
struct told {
	const struct state *other;     /* the same indicator's other view */
	const struct baseline *twin_b; /* the plain twin's judgement of an _W indicator, or NULL */
};

static int
told(const struct told *t, const struct baseline *b)
{
	if (is_raised(t->other))
		return 1;
	return t->twin_b != NULL && t->twin_b->judged && t->twin_b->day == b->day &&
	    t->twin_b->v == b->v && t->twin_b->mean == b->mean && t->twin_b->sd == b->sd;
}

/* Is the current hour alone beyond sigmastrong (an outage's first hour)? */
static int
hour_strong(const struct mtastat_config *cfg, const struct indicator_stat *is,
    enum alarm_direction dir)
{
	enum judgement j;

	if (cfg->sigmastrong <= 0 || !cfg->prediction)
		return 0;
	j = detect_verdict_at(cfg, &is->hour, cfg->sigmastrong, dir);
	return j == J_HIGH || j == J_LOW;
}

static int
indicator_alarm(struct detect_result *r, const struct mtastat_config *cfg, struct states *ss,
    int ind, const struct baseline *b, int today)
{
	const char *name = indicator_defs[ind].name;
	enum alarm_direction dir = stats_direction(cfg, ind);
	enum judgement j = detect_verdict(cfg, b, 0, dir);
	char key[64], other[64];
	struct told t = { NULL, NULL };
	struct state *st;
	struct alarm *a;
	int raise, is_told;
	char when[32] = "";

	snprintf(key, sizeof(key), "%s:%s", today ? "today" : "day", name);
	snprintf(other, sizeof(other), "%s:%s", today ? "day" : "today", name);
	/* the second may grow the array: the first is looked up again after it */
	if (state_get(ss, key) == NULL || (t.other = state_get(ss, other)) == NULL ||
	    (st = state_get(ss, key)) == NULL)
		return -1;
	if (!cfg->prediction)
		t.other = NULL; /* the rules of 2621a82: each view its own alarm */
	if (indicator_defs[ind].weekdays && cfg->daytypes == DAYTYPES_WEEKEND && cfg->prediction) {
		int twin = ind - IND_RECVD_W + IND_RECVD;
		t.twin_b = today ? &r->stats[twin].sofar : &r->stats[twin].last;
	}
	raise = st->raised == STATE_NORMAL || st->raised == STATE_PENDING;
	is_told = told(&t, b);
	if (raise && today && hour_strong(cfg, &r->stats[ind], dir)) {
		b = &r->stats[ind].hour; /* a strong hour raises at once, with its numbers */
		j = detect_verdict_at(cfg, b, cfg->sigmastrong, dir);
	} else if (raise && j != J_HIGH && j != J_LOW) {
		if (st->raised == STATE_PENDING)
			state_set(st, STATE_NORMAL, st->day, r->now);
		return 0;
	}
	/* a last day told by its so-far alarm stays told when that clears */
	if (raise && !today && st->raised == STATE_NORMAL && st->day == b->day)
		return 0;
	if (raise && is_told) {
		if (!today)
			state_set(st, STATE_NORMAL, b->day, r->now);
		return 0;
	}
	if (raise && !raise_due(cfg, st, b, j, dir, r->now))
		return 0;
	if (!raise && !clear_due(cfg, st, detect_verdict(cfg, b, 1, dir) == J_NORMAL &&
	    clear_evidence(cfg, b), r->now))
		return 0;
	if ((a = alarm_add(r, raise ? AK_ANOMALY : AK_NORMAL, name)) == NULL)
		return -1;
	a->value = (int64_t)b->v;
	a->mean = b->mean;
	a->sd = b->sd;
	a->z = b->z;
	if (today)
		snprintf(when, sizeof(when), " (today until %02d:%02d)",
		    (int)(r->now % 86400 / 3600), (int)(r->now % 3600 / 60));
	if (today && b == &r->stats[ind].hour)
		snprintf(when, sizeof(when), " (hour %02d:00 until %02d:%02d)",
		    (int)(r->now % 86400 / 3600), (int)(r->now % 86400 / 3600),
		    (int)(r->now % 3600 / 60));
	snprintf(a->text, sizeof(a->text), "%s %s V:%lld M:%.2f S:%.2f%s", name,
	    raise ? "deviation beyond limit" : "back to normal", (long long)a->value, a->mean,
	    a->sd, when);
	state_set(st, raise ? STATE_RAISED : STATE_NORMAL, b->day, r->now);
	return 0;
}

static int
relay_alarm(struct detect_result *r, const struct mtastat_config *cfg, struct state *st,
    const char *account, int64_t relayed, unsigned limit, int raise, int32_t today)
{
	char safe[ALARM_TEXT_MAX];
	struct alarm *a = alarm_add(r, raise ? AK_RELAY_EXCEEDED : AK_RELAY_CLEARED, account);
	const char *unit = detect_relay_unit(cfg);

	if (a == NULL)
		return -1;
	sanitize_copy(safe, sizeof(safe), account, strlen(account));
	a->value = relayed;
	a->limit = limit;
	if (raise)
		snprintf(a->text, sizeof(a->text), "Account %.180s relayed: %lld %s (limit %u)",
		    safe, (long long)relayed, unit, limit);
	else
		snprintf(a->text, sizeof(a->text), "Account %.160s back under its relay limit:"
		    " %lld %s (limit %u)", safe, (long long)relayed, unit, limit);
	state_set(st, raise, today, r->now);
	return 0;
}

/* The count column of account_daily that relay limits and baselines judge. */
static const char *
relay_column(const struct mtastat_config *cfg)
{
	return cfg->relaycount_messages ? "relayed_messages" : "relayed";
}

/* Accounts over their limit today raise; raised ones from an earlier day clear. */
static int
relay_alarms(struct store *s, struct detect_result *r, const struct mtastat_config *cfg,
    struct states *ss, int32_t today)
{
	char key[ALARM_TEXT_MAX + 16], shown[ALARM_TEXT_MAX - 8], q[256];
	sqlite3_stmt *st;
	struct state *x;
	size_t i, n = ss->n;
	int rc;

	for (i = 0; i < n; i++) {
		x = &ss->v[i];
		if (x->raised && x->day < today && strncmp(x->subject, "relay:", 6) == 0 &&
		    relay_alarm(r, cfg, x, x->subject + 6, 0, config_relay_limit(cfg, x->subject + 6), 0,
			today) != 0)
			return -1;
	}
	snprintf(q, sizeof(q), "SELECT a.name, d.%s FROM account_daily d JOIN accounts a"
	    " ON a.id = d.account_id WHERE d.day = ?1 AND d.%s > 0", relay_column(cfg),
	    relay_column(cfg));
	if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) != SQLITE_OK) {
		log_err("detect", "%s: relays per account: %s", s->path, sqlite3_errmsg(s->db));
		return -1;
	}
	sqlite3_bind_int(st, 1, today);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		int64_t relayed = sqlite3_column_int64(st, 1);
		unsigned limit = config_relay_limit(cfg, name);
		if (relayed <= (int64_t)limit)
			continue;
		/* the escaped spelling: a NUL in a hostile name neither cuts it nor
		 * makes it share another account's alarm state */
		sanitize_escape(shown, sizeof(shown), name, (size_t)sqlite3_column_bytes(st, 0));
		snprintf(key, sizeof(key), "relay:%s", shown);
		if ((x = state_get(ss, key)) == NULL)
			break;
		if (x->raised && x->day == today)
			continue;
		if (relay_alarm(r, cfg, x, shown, relayed, limit, 1, today) != 0)
			break;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		log_err("detect", "%s: relays per account: %s", s->path, sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * An account is unusual only beyond this many times its usual day, besides
 * the indicator rule: a sender of 20 a day has days of 40 (a mailing, a
 * deadline); a stolen password sends tens of times its owner's volume.
 */
#define DETECT_ACCOUNT_FACTOR 3.0

/* The first day of the history (daily rows), or INT32_MAX when empty. */
static int32_t
history_start(struct store *s)
{
	sqlite3_stmt *st;
	int32_t d = INT32_MAX;

	if (sqlite3_prepare_v2(s->db, "SELECT min(day) FROM daily", -1, &st, NULL) != SQLITE_OK)
		return d;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		d = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return d;
}

/* The day counts of one account, arrays with room for `room` days. */
struct account_days {
	int32_t *day;
	int64_t *count;
	size_t n, room;
};

/* An account's usual volume before today from days[0..n), lowest its first day that counts. */
static void
account_baseline(const struct mtastat_config *cfg, int32_t today, int32_t lowest,
    const struct account_days *ad, int64_t v, struct baseline *b)
{
	memset(b, 0, sizeof(*b));
	b->v = (double)v;
	stats_account_baseline(cfg, today, lowest, ad->day, ad->count, ad->n, b);
}

static int
account_days_load(struct store *s, const struct mtastat_config *cfg, int64_t id, int32_t from,
    int32_t today, struct account_days *ad)
{
	char q[160];
	sqlite3_stmt *st;
	int rc;

	ad->n = 0;
	snprintf(q, sizeof(q), "SELECT day, %s FROM account_daily WHERE account_id = ?1"
	    " AND day >= ?2 AND day < ?3", relay_column(cfg));
	if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, from);
	sqlite3_bind_int(st, 3, today);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && ad->n < ad->room) {
		ad->day[ad->n] = sqlite3_column_int(st, 0);
		ad->count[ad->n++] = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

static int
account_days_alloc(struct account_days *ad, size_t room)
{
	ad->n = 0;
	ad->room = room;
	ad->day = calloc(room ? room : 1, sizeof(*ad->day));
	ad->count = calloc(room ? room : 1, sizeof(*ad->count));
	return ad->day != NULL && ad->count != NULL ? 0 : -1;
}

static void
account_days_free(struct account_days *ad)
{
	free(ad->day);
	free(ad->count);
}

static int
unusual_alarm(struct detect_result *r, const struct mtastat_config *cfg, struct state *st,
    const char *shown, const struct baseline *b, unsigned limit, int raise, int32_t today)
{
	char safe[ALARM_TEXT_MAX];
	struct alarm *a = alarm_add(r, raise ? AK_ACCOUNT_UNUSUAL : AK_ACCOUNT_USUAL, shown);

	if (a == NULL)
		return -1;
	sanitize_copy(safe, sizeof(safe), shown, strlen(shown));
	a->value = (int64_t)b->v;
	a->mean = b->mean;
	a->sd = b->sd;
	a->z = b->z;
	a->limit = limit;
	/* the alarm text is a DisplayString: ASCII "+/-" (mail and check say "±") */
	detect_unusual_text(a->text, sizeof(a->text), safe, a, detect_relay_unit(cfg), "+/-");
	state_set(st, raise, today, r->now);
	return 0;
}

/* Judge one account that relayed v today against its own usual volume. */
static int
account_judge(struct store *s, struct detect_result *r, const struct mtastat_config *cfg,
    struct states *ss, sqlite3_stmt *row, int32_t lowest, int32_t today, struct account_days *ad)
{
	char key[ALARM_TEXT_MAX + 16], shown[ALARM_TEXT_MAX - 8];
	const char *name = (const char *)sqlite3_column_text(row, 1);
	int32_t first = sqlite3_column_int(row, 2);
	int64_t v = sqlite3_column_int64(row, 3);
	unsigned limit = config_relay_limit(cfg, name);
	struct baseline b;
	struct state *x;

	if (v > (int64_t)limit)
		return 0; /* over its limit: that alarm says it */
	sanitize_escape(shown, sizeof(shown), name, (size_t)sqlite3_column_bytes(row, 1));
	snprintf(key, sizeof(key), "usual:%s", shown);
	if ((x = state_get(ss, key)) == NULL)
		return -1;
	if (x->raised && x->day == today)
		return 0;
	if (first < lowest)
		first = lowest;
	if (account_days_load(s, cfg, sqlite3_column_int64(row, 0), first, today, ad) != 0)
		return -1;
	account_baseline(cfg, today, first, ad, v, &b);
	/* a day's so-far against whole usual days: never high by the time of day
	 * alone; and a busy day of a small sender (twice its usual) is no theft */
	if (detect_verdict(cfg, &b, 0, DIR_HIGH) != J_HIGH || b.v <= DETECT_ACCOUNT_FACTOR * b.mean)
		return 0;
	return unusual_alarm(r, cfg, x, shown, &b, limit, 1, today);
}

/*
 * Accounts far beyond their own usual volume today (raised once per day),
 * and the clear of yesterday's at the day change.  Too little history:
 * judged by the limit only (detect_verdict says insufficient).
 */
static int
account_alarms(struct store *s, struct detect_result *r, const struct mtastat_config *cfg,
    struct states *ss, int32_t today)
{
	struct baseline none = { 0 };
	struct account_days ad;
	sqlite3_stmt *st;
	char q[256];
	int32_t lowest;
	size_t i, n = ss->n;
	int rc = SQLITE_DONE;

	for (i = 0; i < n; i++) {
		struct state *x = &ss->v[i];
		if (x->raised && x->day < today && strncmp(x->subject, "usual:", 6) == 0 &&
		    unusual_alarm(r, cfg, x, x->subject + 6, &none, config_relay_limit(cfg,
			x->subject + 6), 0, today) != 0)
			return -1;
	}
	if (!cfg->accountbaseline)
		return 0;
	lowest = history_start(s);
	if (lowest < stats_first_day_needed(cfg, today))
		lowest = stats_first_day_needed(cfg, today);
	if (lowest >= today)
		return 0;
	/* V - M > minabsdiff with M >= 0: only accounts above it can be unusual */
	snprintf(q, sizeof(q), "SELECT a.id, a.name, a.first_day, d.%s FROM account_daily d"
	    " JOIN accounts a ON a.id = d.account_id WHERE d.day = ?1 AND d.%s > ?2",
	    relay_column(cfg), relay_column(cfg));
	if (account_days_alloc(&ad, (size_t)(today - lowest)) != 0 ||
	    sqlite3_prepare_v2(s->db, q, -1, &st, NULL) != SQLITE_OK) {
		account_days_free(&ad);
		log_err("detect", "%s: usual relays per account: %s", s->path, sqlite3_errmsg(s->db));
		return -1;
	}
	sqlite3_bind_int(st, 1, today);
	sqlite3_bind_double(st, 2, cfg->minabsdiff);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (account_judge(s, r, cfg, ss, st, lowest, today, &ad) != 0)
			break;
	if (rc != SQLITE_DONE)
		log_err("detect", "%s: usual relays per account: %s", s->path, sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	account_days_free(&ad);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Call fn for the account ad holds when its history is long enough. */
static void
usual_emit(const struct mtastat_config *cfg, int32_t today, int32_t lowest, int64_t id,
    int32_t first, const struct account_days *ad,
    void (*fn)(void *, int64_t, const struct baseline *), void *arg)
{
	struct baseline b;

	account_baseline(cfg, today, first > lowest ? first : lowest, ad, 0, &b);
	if (b.n >= (int)cfg->mindays)
		fn(arg, id, &b);
}

int
detect_usual_all(struct store *s, const struct mtastat_config *cfg, int32_t today,
    void (*fn)(void *, int64_t, const struct baseline *), void *arg)
{
	struct account_days ad;
	sqlite3_stmt *st;
	int64_t id = -1;
	int32_t lowest = history_start(s), first = 0;
	char q[256];
	int rc;

	if (lowest < stats_first_day_needed(cfg, today))
		lowest = stats_first_day_needed(cfg, today);
	if (lowest >= today)
		return 0;
	snprintf(q, sizeof(q), "SELECT d.account_id, a.first_day, d.day, d.%s FROM account_daily d"
	    " JOIN accounts a ON a.id = d.account_id WHERE d.day >= ?1 AND d.day < ?2"
	    " ORDER BY d.account_id", relay_column(cfg));
	if (account_days_alloc(&ad, (size_t)(today - lowest)) != 0 ||
	    sqlite3_prepare_v2(s->db, q, -1, &st, NULL) != SQLITE_OK) {
		account_days_free(&ad);
		return -1;
	}
	sqlite3_bind_int(st, 1, lowest);
	sqlite3_bind_int(st, 2, today);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int64(st, 0) != id) {
			if (id >= 0)
				usual_emit(cfg, today, lowest, id, first, &ad, fn, arg);
			id = sqlite3_column_int64(st, 0);
			first = sqlite3_column_int(st, 1);
			ad.n = 0;
		}
		if (ad.n < ad.room) {
			ad.day[ad.n] = sqlite3_column_int(st, 2);
			ad.count[ad.n++] = sqlite3_column_int64(st, 3);
		}
	}
	if (id >= 0 && rc == SQLITE_DONE)
		usual_emit(cfg, today, lowest, id, first, &ad, fn, arg);
	sqlite3_finalize(st);
	account_days_free(&ad);
	return rc == SQLITE_DONE ? 0 : -1;
}

#define ALARM_LOG_INSERT "INSERT INTO alarm_log(time, kind, subject, value, mean, sd, z," \
	" lim, text) VALUES(?,?,?,?,?,?,?,?,?)"

static void
alarm_bind(sqlite3_stmt *st, const struct alarm *a)
{
	sqlite3_bind_int64(st, 1, a->time);
	sqlite3_bind_int(st, 2, a->kind);
	sqlite3_bind_text(st, 3, a->subject, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, a->value);
	sqlite3_bind_double(st, 5, a->mean);
	sqlite3_bind_double(st, 6, a->sd);
	sqlite3_bind_double(st, 7, a->z);
	sqlite3_bind_int64(st, 8, a->limit);
	sqlite3_bind_text(st, 9, a->text, -1, SQLITE_STATIC);
}

static int
save(struct store *s, const struct mtastat_config *cfg, struct detect_result *r,
    struct states *ss)
{
	sqlite3_stmt *put = NULL, *log = NULL, *prune = NULL;
	size_t i;
	int rc = -1;

	/* a reader's check (mtastat check without write access): judged, not recorded */
	if (sqlite3_db_readonly(s->db, "main") == 1)
		return 0;
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		log_err("detect", "%s: recording the alarm state: %s", s->path, sqlite3_errmsg(s->db));
		return -1;
	}
	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO alarm_state(subject, raised, day, since)"
		" VALUES(?,?,?,?)", -1, &put, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, ALARM_LOG_INSERT, -1, &log, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "DELETE FROM alarm_log WHERE time < ?", -1, &prune, NULL) != SQLITE_OK)
		goto out;
	for (i = 0; i < ss->n; i++) {
		if (!ss->v[i].dirty)
			continue;
		sqlite3_bind_text(put, 1, ss->v[i].subject, -1, SQLITE_STATIC);
		sqlite3_bind_int(put, 2, ss->v[i].raised);
		sqlite3_bind_int(put, 3, ss->v[i].day);
		sqlite3_bind_int64(put, 4, ss->v[i].since);
		if (sqlite3_step(put) != SQLITE_DONE)
			goto out;
		sqlite3_reset(put);
	}
	for (i = 0; i < r->nalarms; i++) {
		struct alarm *a = &r->alarms[i];
		alarm_bind(log, a);
		if (sqlite3_step(log) != SQLITE_DONE)
			goto out;
		a->id = sqlite3_last_insert_rowid(s->db);
		sqlite3_reset(log);
	}
	/* alarm records are kept for the window's length */
	sqlite3_bind_int64(prune, 1, r->now - (int64_t)cfg->days * 86400);
	if (sqlite3_step(prune) != SQLITE_DONE)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(put);
	sqlite3_finalize(log);
	sqlite3_finalize(prune);
	if (rc != 0)
		log_err("detect", "%s: %s", s->path, sqlite3_errmsg(s->db));
	sqlite3_exec(s->db, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* What the MIB shows: today's verdict when it is out of band, else the last day's. */
static enum judgement
combined(const struct mtastat_config *cfg, const struct indicator_stat *is, int ind)
{
	enum alarm_direction dir = stats_direction(cfg, ind);
	enum judgement d = detect_verdict(cfg, &is->last, 0, dir);
	enum judgement t = detect_verdict(cfg, &is->sofar, 0, dir);

	if (t == J_HIGH || t == J_LOW)
		return t;
	return d;
}

int
detect_run(struct store *s, const struct mtastat_config *cfg, int64_t now, struct detect_result *r)
{
	struct day_series ds;
	struct states ss = { 0 };
	int32_t today;
	int i, rc = -1;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < IND_COUNT; i++) {
		r->stats[i].def = &indicator_defs[i];
		r->stats[i].last.day = r->stats[i].sofar.day = -1;
		r->status[i] = J_INSUFFICIENT;
	}
	r->now = now > 0 ? now : store_total(s, "newest_t");
	if (r->now <= 0)
		return 0; /* no event yet: nothing to judge, every indicator without data */
	today = (int32_t)(r->now / 86400);
	if (stats_load(s, stats_first_day_needed(cfg, today), today, &ds) != 0)
		return -1;
	stats_compute(&ds, cfg, r->now, r->stats);
	stats_series_free(&ds);
	if (states_load(s, &ss) != 0)
		goto out;
	for (i = 0; i < IND_COUNT; i++) {
		r->status[i] = combined(cfg, &r->stats[i], i);
		if (indicator_alarm(r, cfg, &ss, i, &r->stats[i].last, 0) != 0)
			goto out;
		if (r->stats[i].sofar.judged &&
		    indicator_alarm(r, cfg, &ss, i, &r->stats[i].sofar, 1) != 0)
			goto out;
	}
	if (relay_alarms(s, r, cfg, &ss, today) != 0 || account_alarms(s, r, cfg, &ss, today) != 0 ||
	    save(s, cfg, r, &ss) != 0)
		goto out;
	rc = 0;
out:
	free(ss.v);
	return rc;
}

void
detect_result_free(struct detect_result *r)
{
	free(r->alarms);
	memset(r, 0, sizeof(*r));
}

int
detect_record(struct store *s, struct alarm *a)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, ALARM_LOG_INSERT, -1, &st, NULL) != SQLITE_OK)
		return -1;
	alarm_bind(st, a);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_err("detect", "%s: %s", s->path, sqlite3_errmsg(s->db));
		return -1;
	}
	a->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
detect_recent(struct store *s, size_t max, struct alarm **out, size_t *n)
{
	sqlite3_stmt *st;
	struct alarm *v;
	int rc;

	*out = NULL;
	*n = 0;
	v = calloc(max ? max : 1, sizeof(*v));
	if (v == NULL)
		return -1;
	if (sqlite3_prepare_v2(s->db, "SELECT id, time, kind, subject, value, mean, sd, z, lim, text"
		" FROM (SELECT * FROM alarm_log ORDER BY id DESC LIMIT ?) ORDER BY id", -1, &st,
		NULL) != SQLITE_OK) {
		free(v);
		return -1;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		struct alarm *a = &v[(*n)++];
		a->id = sqlite3_column_int64(st, 0);
		a->time = sqlite3_column_int64(st, 1);
		a->kind = (enum alarm_kind)sqlite3_column_int(st, 2);
		snprintf(a->subject, sizeof(a->subject), "%s", (const char *)sqlite3_column_text(st, 3));
		a->value = sqlite3_column_int64(st, 4);
		a->mean = sqlite3_column_double(st, 5);
		a->sd = sqlite3_column_double(st, 6);
		a->z = sqlite3_column_double(st, 7);
		a->limit = (uint32_t)sqlite3_column_int64(st, 8);
		snprintf(a->text, sizeof(a->text), "%s", (const char *)sqlite3_column_text(st, 9));
	}
	sqlite3_finalize(st);
	*out = v;
	return 0;
}
