/* Baselines and alarms: hand-computed windows, guards, state machine, limits. */
#include "config.h"

#include <check.h>
#include <math.h>

#include "civil.h"
#include "conf.h"
#include "detect.h"
#include "stats.h"
#include "testutil.h"

static char *dir;
static char dbpath[4200];
static struct mtastat_config cfg;

static void
setup(void)
{
	dir = tu_tmpdir();
	snprintf(dbpath, sizeof(dbpath), "%s/s.db", dir);
	config_init(&cfg);
}

static void
teardown(void)
{
	config_free(&cfg);
	tu_rmdir(dir);
}

static int32_t
day(const char *s)
{
	int32_t d;

	ck_assert_int_eq(civil_parse(s, &d), 0);
	return d;
}

/* Put n events of counter c in (d, hour), hourly and daily, as a commit would. */
static void
put(struct store *s, int32_t d, int hour, enum counter c, int64_t n)
{
	char q[512];

	snprintf(q, sizeof(q), "INSERT INTO hourly(day, hour, %s) VALUES(%d, %d, %lld)"
	    " ON CONFLICT(day, hour) DO UPDATE SET %s = %s + excluded.%s", counter_names[c], d, hour,
	    (long long)n, counter_names[c], counter_names[c], counter_names[c]);
	ck_assert_int_eq(sqlite3_exec(s->db, q, NULL, NULL, NULL), SQLITE_OK);
	snprintf(q, sizeof(q), "INSERT INTO daily(day, %s) VALUES(%d, %lld)"
	    " ON CONFLICT(day) DO UPDATE SET %s = %s + excluded.%s", counter_names[c], d,
	    (long long)n, counter_names[c], counter_names[c], counter_names[c]);
	ck_assert_int_eq(sqlite3_exec(s->db, q, NULL, NULL, NULL), SQLITE_OK);
}

static void
put_account(struct store *s, const char *name, int32_t d, int64_t relayed)
{
	char q[512];

	snprintf(q, sizeof(q), "INSERT OR IGNORE INTO accounts(name, first_day) VALUES('%s', %d)",
	    name, d);
	ck_assert_int_eq(sqlite3_exec(s->db, q, NULL, NULL, NULL), SQLITE_OK);
	snprintf(q, sizeof(q), "INSERT INTO account_daily(account_id, day, relayed, relayed_messages)"
	    " SELECT id, %d, %lld, 1 FROM accounts WHERE name = '%s'", d, (long long)relayed, name);
	ck_assert_int_eq(sqlite3_exec(s->db, q, NULL, NULL, NULL), SQLITE_OK);
}

static int64_t
at(const char *date, int h, int m)
{
	return (int64_t)day(date) * 86400 + h * 3600 + m * 60;
}

START_TEST(mean_and_sample_sd)
{
	double x[] = { 2, 4, 4, 4, 5, 5, 7, 9 }, m, sd;

	stats_mean_sd(x, 8, &m, &sd);
	ck_assert_double_eq_tol(m, 5.0, 1e-9);
	ck_assert_double_eq_tol(sd, sqrt(32.0 / 7.0), 1e-9); /* n - 1 */
	stats_mean_sd(x, 1, &m, &sd);
	ck_assert_double_eq_tol(sd, 0.0, 1e-12);
}
END_TEST

/* 100 a weekday, 30 a weekend day, 300 on Tuesday 2026-11-17. */
static void
weekday_history(struct store *s, int32_t from, int32_t to)
{
	int32_t d;

	for (d = from; d <= to; d++)
		put(s, d, 12, C_RECEIVED, civil_weekday(d) < 5 ? 100 : 30);
}

START_TEST(windows_all_days_and_weekdays)
{
	struct detect_result r;
	struct store s;
	struct indicator_stat *all, *wk;

	ck_assert_int_eq(civil_weekday(day("2026-11-18")), 2); /* a Wednesday */
	ck_assert_int_eq(store_open(&s, dbpath), 0);
	weekday_history(&s, day("2026-10-01"), day("2026-11-16"));
	put(&s, day("2026-11-17"), 12, C_RECEIVED, 300);
	ck_assert_int_eq(detect_run(&s, &cfg, at("2026-11-18", 10, 30), &r), 0);
	all = &r.stats[IND_RECVD];
	wk = &r.stats[IND_RECVD_W];
	/* window 11-02..11-16: 11 weekdays of 100 and 4 weekend days of 30 */
	ck_assert_int_eq(all->last.day, day("2026-11-17"));
	ck_assert_int_eq(all->last.n, 15);
	ck_assert_double_eq_tol(all->last.v, 300, 1e-9);
	ck_assert_double_eq_tol(all->last.mean, 1220.0 / 15, 1e-9);
	ck_assert_double_eq_tol(all->last.sd, 32.0416, 1e-4);
	ck_assert_double_eq_tol(all->last.z, (300 - 1220.0 / 15) / 32.0416, 1e-3);
	ck_assert_int_eq(r.status[IND_RECVD], J_HIGH);
	/* weekdays only: 15 weekdays of 100 before Tuesday, weekends skipped */
	ck_assert_int_eq(wk->last.n, 15);
	ck_assert_double_eq_tol(wk->last.mean, 100, 1e-9);
	ck_assert_double_eq_tol(wk->last.sd, 0, 1e-9);
	ck_assert_int_eq(r.status[IND_RECVD_W], J_HIGH);
	ck_assert_uint_eq(r.nalarms, 2);
	ck_assert_str_eq(r.alarms[0].text, "SMTP_RECVD_MSGS deviation beyond limit V:300 M:81.33 S:32.04");
	ck_assert_str_eq(r.alarms[1].text, "SMTP_RECVD_MSGS_W deviation beyond limit V:300 M:100.00 S:0.00");
	ck_assert_int_eq(r.raised, 2);
	detect_result_free(&r);
	/* on a Sunday the weekday variants judge the Friday and not today */
	ck_assert_int_eq(detect_run(&s, &cfg, at("2026-11-22", 10, 0), &r), 0);
	ck_assert_int_eq(r.stats[IND_RECVD_W].last.day, day("2026-11-20"));
	ck_assert_int_eq(r.stats[IND_RECVD_W].sofar.judged, 0);
	ck_assert_int_eq(r.stats[IND_RECVD].sofar.judged, 1);
	detect_result_free(&r);
	store_close(&s);
}
END_TEST

START_TEST(cold_start_is_insufficient)
{
	struct detect_result r;
	struct store s;

	ck_assert_int_eq(store_open(&s, dbpath), 0);
	weekday_history(&s, day("2026-11-12"), day("2026-11-16"));
	put(&s, day("2026-11-17"), 12, C_RECEIVED, 900);
	ck_assert_int_eq(detect_run(&s, &cfg, at("2026-11-18", 10, 0), &r), 0);
	/* history 11-12..11-16 before the judged day: 5 days < mindays 7 */
	ck_assert_int_eq(r.stats[IND_RECVD].last.n, 5);
	ck_assert_int_eq(r.status[IND_RECVD], J_INSUFFICIENT);
	ck_assert_uint_eq(r.nalarms, 0);
	detect_result_free(&r);
	store_close(&s);
}
END_TEST

/* No event in the store: every indicator named and without data, never zero. */
START_TEST(empty_history_is_named_and_insufficient)
{
	struct detect_result r;
	struct store s;
	int i;

	ck_assert_int_eq(store_open(&s, dbpath), 0);
	ck_assert_int_eq(detect_run(&s, &cfg, 0, &r), 0);
	for (i = 0; i < IND_COUNT; i++) {
		ck_assert_ptr_eq(r.stats[i].def, &indicator_defs[i]);
		ck_assert_int_eq(r.status[i], J_INSUFFICIENT);
	}
	ck_assert_uint_eq(r.nalarms, 0);
	detect_result_free(&r);
	store_close(&s);
}
END_TEST

START_TEST(zero_sd_and_guards)
{
	struct baseline b = { .v = 105, .mean = 100, .sd = 0, .n = 15, .day = 1, .judged = 1 };

	ck_assert_int_eq(detect_judge(&cfg, &b, 0), J_NORMAL);   /* 5 <= minabsdiff 10 */
	b.v = 111;
	ck_assert_int_eq(detect_judge(&cfg, &b, 0), J_HIGH);
	b.v = 89;
	ck_assert_int_eq(detect_judge(&cfg, &b, 0), J_LOW);
	/* minreldiff: 10% of 1000 is 100 */
	b.mean = 1000; b.sd = 5; b.v = 1060;
	ck_assert_int_eq(detect_judge(&cfg, &b, 0), J_NORMAL);
	cfg.minabsdiff = 0;
	cfg.minreldiff = 0;  /* the original 2-sigma rule */
	ck_assert_int_eq(detect_judge(&cfg, &b, 0), J_HIGH);
	/* hysteresis: raised at z > 2, cleared only below z 1.5 */
	b.v = 1009;  /* z = 1.8 */
	ck_assert_int_eq(detect_judge(&cfg, &b, 0), J_NORMAL);
	ck_assert_int_eq(detect_judge(&cfg, &b, 1), J_HIGH);
	b.v = 1007;  /* z = 1.4 */
	ck_assert_int_eq(detect_judge(&cfg, &b, 1), J_NORMAL);
	b.n = 6;
	ck_assert_int_eq(detect_judge(&cfg, &b, 0), J_INSUFFICIENT);
}
END_TEST

static void
flat_history(struct store *s, int32_t from, int32_t to)
{
	int32_t d;

	for (d = from; d <= to; d++)
		put(s, d, 12, C_RECEIVED, 100);
}

START_TEST(raise_once_clear_once_survive_restart)
{
	struct detect_result r;
	struct store s;

	cfg.intraday = 0;
	ck_assert_int_eq(store_open(&s, dbpath), 0);
	flat_history(&s, day("2026-10-01"), day("2026-11-16"));
	put(&s, day("2026-11-17"), 12, C_RECEIVED, 200);
	ck_assert_int_eq(detect_run(&s, &cfg, at("2026-11-18", 1, 0), &r), 0);
	ck_assert_uint_eq(r.nalarms, 2);
	ck_assert_str_eq(r.alarms[0].text, "SMTP_RECVD_MSGS deviation beyond limit V:200 M:100.00 S:0.00");
	ck_assert_int_eq(r.alarms[0].kind, AK_ANOMALY);
	detect_result_free(&r);
	/* no repeat on the next evaluation */
	ck_assert_int_eq(detect_run(&s, &cfg, at("2026-11-18", 1, 5), &r), 0);
	ck_assert_uint_eq(r.nalarms, 0);
	detect_result_free(&r);
	/* nor after a restart */
	store_close(&s);
	ck_assert_int_eq(store_open(&s, dbpath), 0);
	ck_assert_int_eq(detect_run(&s, &cfg, at("2026-11-18", 2, 0), &r), 0);
	ck_assert_uint_eq(r.nalarms, 0);
	ck_assert_int_eq(r.status[IND_RECVD], J_HIGH);
	detect_result_free(&r);
	/* a normal day clears: window 11-03..11-17 has mean 106.67, sd 25.82 */
	put(&s, day("2026-11-18"), 12, C_RECEIVED, 100);
	ck_assert_int_eq(detect_run(&s, &cfg, at("2026-11-19", 1, 0), &r), 0);
	ck_assert_uint_eq(r.nalarms, 2);
	ck_assert_int_eq(r.alarms[0].kind, AK_NORMAL);
	ck_assert_str_eq(r.alarms[0].text, "SMTP_RECVD_MSGS back to normal V:100 M:106.67 S:25.82");
	ck_assert_int_eq(r.raised, 0);
	detect_result_free(&r);
	/* and a new spike raises again */
	put(&s, day("2026-11-19"), 12, C_RECEIVED, 400);
	ck_assert_int_eq(detect_run(&s, &cfg, at("2026-11-20", 1, 0), &r), 0);
	ck_assert_uint_eq(r.nalarms, 2);
	ck_assert_int_eq(r.alarms[0].kind, AK_ANOMALY);
	detect_result_free(&r);
	ck_assert_int_eq(tu_query(&s, "SELECT count(*) FROM alarm_log", NULL), 6);
	store_close(&s);
}
END_TEST

START_TEST(relay_limits_and_precedence)
{
	char err[128];
	struct detect_result r;
	struct store s;

	ck_assert_int_eq(config_apply(&cfg, "relaylimit", "@corp.example 200", err, sizeof(err)), 0);
	ck_assert_int_eq(config_apply(&cfg, "relaylimit", "Boss@corp.example 1000", err, sizeof(err)), 0);
	ck_assert_int_eq(config_apply(&cfg, "relaylimit", "50", err, sizeof(err)), 0);
	ck_assert_int_eq(config_apply(&cfg, "relaylimit", "x y z", err, sizeof(err)), -1);
	ck_assert_uint_eq(config_relay_limit(&cfg, "boss@CORP.example"), 1000);
	ck_assert_uint_eq(config_relay_limit(&cfg, "alice@corp.example"), 200);
	ck_assert_uint_eq(config_relay_limit(&cfg, "bob@other.example"), 50);
	ck_assert_uint_eq(config_relay_limit(&cfg, "carol"), 50);
	cfg.relaylimit = 100;
	ck_assert_int_eq(store_open(&s, dbpath), 0);
	put(&s, day("2026-11-18"), 9, C_RELAYED, 800);
	put_account(&s, "alice@corp.example", day("2026-11-18"), 150);
	put_account(&s, "bob@other.example", day("2026-11-18"), 150);
	put_account(&s, "boss@corp.example", day("2026-11-18"), 500);
	ck_assert_int_eq(detect_run(&s, &cfg, at("2026-11-18", 9, 30), &r), 0);
	ck_assert_uint_eq(r.nalarms, 1);
	ck_assert_str_eq(r.alarms[0].text, "Account bob@other.example relayed: 150 messages (limit 100)");
	ck_assert_int_eq(r.alarms[0].kind, AK_RELAY_EXCEEDED);
	detect_result_free(&r);
	ck_assert_int_eq(detect_run(&s, &cfg, at("2026-11-18", 9, 31), &r), 0);
	ck_assert_uint_eq(r.nalarms, 0);
	detect_result_free(&r);
	/* the day changes: the relay alarm clears */
	put(&s, day("2026-11-19"), 0, C_RELAYED, 1);
	ck_assert_int_eq(detect_run(&s, &cfg, at("2026-11-19", 0, 1), &r), 0);
	ck_assert_uint_eq(r.nalarms, 1);
	ck_assert_int_eq(r.alarms[0].kind, AK_RELAY_CLEARED);
	ck_assert_str_eq(r.alarms[0].subject, "bob@other.example");
	detect_result_free(&r);
	store_close(&s);
}
END_TEST

/* 10 relays every hour for weeks; today 400 more in hour 10, seen at 10:30. */
START_TEST(intraday_burst_before_the_day_ends)
{
	struct detect_result r;
	struct store s;
	int32_t d;
	int h;

	ck_assert_int_eq(store_open(&s, dbpath), 0);
	for (d = day("2026-10-20"); d < day("2026-11-18"); d++)
		for (h = 0; h < 24; h++)
			put(&s, d, h, C_RELAYED, 10);
	for (h = 0; h < 10; h++)
		put(&s, day("2026-11-18"), h, C_RELAYED, 10);
	put(&s, day("2026-11-18"), 10, C_RELAYED, 400);
	ck_assert_int_eq(detect_run(&s, &cfg, at("2026-11-18", 10, 30), &r), 0);
	ck_assert_double_eq_tol(r.stats[IND_RELAY].sofar.v, 500, 1e-9);
	/* expected by 10:30: 10 full hours of 10 and half of the eleventh */
	ck_assert_double_eq_tol(r.stats[IND_RELAY].sofar.mean, 100 + 10 * 1801.0 / 3600, 1e-6);
	ck_assert_int_eq(r.status[IND_RELAY], J_HIGH);
	ck_assert_uint_eq(r.nalarms, 2); /* SMTP_RELAY_MSGS and its weekday variant */
	ck_assert_str_eq(r.alarms[0].text,
	    "SMTP_RELAY_MSGS deviation beyond limit V:500 M:105.00 S:0.00 (today until 10:30)");
	detect_result_free(&r);
	store_close(&s);
}
END_TEST

/* On the day DST ends hour 2 holds two hours; on the day it starts it is empty. */
START_TEST(dst_days_keep_wall_clock_hours)
{
	struct detect_result r;
	struct store s;
	int32_t d;
	int h;

	ck_assert_int_eq(store_open(&s, dbpath), 0);
	for (d = day("2026-03-10"); d < day("2026-03-30"); d++)
		for (h = 0; h < 24; h++)
			put(&s, d, h, C_RECEIVED, d == day("2026-03-29") && h == 2 ? 0 : 10);
	for (h = 0; h < 5; h++)
		put(&s, day("2026-03-30"), h, C_RECEIVED, 10);
	ck_assert_int_eq(detect_run(&s, &cfg, at("2026-03-30", 5, 0), &r), 0);
	/* the 23-hour day counts 230, the others 240 */
	ck_assert_double_eq_tol(r.stats[IND_RECVD].last.v, 230, 1e-9);
	ck_assert_int_eq(r.status[IND_RECVD], J_NORMAL);
	detect_result_free(&r);
	store_close(&s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("baselines");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, mean_and_sample_sd);
	tcase_add_test(tc, windows_all_days_and_weekdays);
	tcase_add_test(tc, cold_start_is_insufficient);
	tcase_add_test(tc, empty_history_is_named_and_insufficient);
	tcase_add_test(tc, zero_sd_and_guards);
	tcase_add_test(tc, raise_once_clear_once_survive_restart);
	tcase_add_test(tc, relay_limits_and_precedence);
	tcase_add_test(tc, intraday_burst_before_the_day_ends);
	tcase_add_test(tc, dst_days_keep_wall_clock_hours);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
