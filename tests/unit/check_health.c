/*
 * Mail-flow health (issue 14): the delay histogram's quantiles against
 * values known exactly, and a Postfix log with one line of every shape,
 * imported in two runs, read back through health.h as the MIB and the
 * report read it.  The truth is counted by hand in the comments.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "conf.h"
#include "delayhist.h"
#include "health.h"
#include "import.h"
#include "ingest.h"
#include "testutil.h"

static uint64_t hist[DELAY_BUCKETS];

static void
hist_add(uint32_t ms)
{
	hist[delayhist_bucket(ms)]++;
}

/* Every delay falls in a bucket whose bounds hold it; buckets tile the range. */
START_TEST(buckets)
{
	uint32_t v[] = { 0, 1, 15, 16, 17, 31, 32, 33, 1000, 3500, 65535, 65536, 86400000u,
		UINT32_MAX - 1, UINT32_MAX };
	size_t i;
	int b;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		b = delayhist_bucket(v[i]);
		ck_assert_int_ge(b, 0);
		ck_assert_int_lt(b, DELAY_BUCKETS);
		ck_assert_uint_le(delayhist_low(b), v[i]);
		ck_assert_uint_ge(delayhist_high(b), v[i]);
	}
	for (b = 0; b + 1 < DELAY_BUCKETS; b++) {
		ck_assert_uint_eq(delayhist_high(b) + 1, delayhist_low(b + 1));
		/* a bucket is at most 1/16 of its lower bound wide: the stated error */
		if (b >= DELAY_SUB)
			ck_assert_uint_le(delayhist_high(b) - delayhist_low(b) + 1,
			    delayhist_low(b) / DELAY_SUB);
	}
	ck_assert_int_eq(delayhist_bucket(UINT32_MAX), DELAY_BUCKETS - 1);
	ck_assert_uint_eq(delayhist_high(DELAY_BUCKETS - 1), UINT32_MAX);
}
END_TEST

/* 1..100000 ms, one each: the nearest-rank quantiles are q * 100000 exactly. */
START_TEST(quantiles_uniform)
{
	static const double q[] = { 0.5, 0.95, 0.99, 0.999, 0.01 };
	uint32_t i, got;
	size_t k;

	memset(hist, 0, sizeof(hist));
	for (i = 1; i <= 100000; i++)
		hist_add(i);
	for (k = 0; k < sizeof(q) / sizeof(q[0]); k++) {
		double truth = q[k] * 100000;
		got = delayhist_quantile(hist, q[k], 100000);
		ck_assert_msg(fabs(got - truth) <= truth / (2.0 * DELAY_SUB),
		    "q %.3f: %u against %.0f", q[k], got, truth);
	}
	ck_assert_uint_eq(delayhist_quantile(hist, 1.0, 100000), 100000);
}
END_TEST

/* Small delays are exact; a quantile never exceeds the maximum; empty is 0. */
START_TEST(quantiles_exact_and_bounded)
{
	int i;

	memset(hist, 0, sizeof(hist));
	ck_assert_uint_eq(delayhist_quantile(hist, 0.5, 0), 0);
	for (i = 0; i < 90; i++)
		hist_add(7);
	for (i = 0; i < 9; i++)
		hist_add(12);
	hist_add(40000);
	ck_assert_uint_eq(delayhist_quantile(hist, 0.50, 40000), 7);
	ck_assert_uint_eq(delayhist_quantile(hist, 0.90, 40000), 7);
	ck_assert_uint_eq(delayhist_quantile(hist, 0.95, 40000), 12);
	ck_assert_uint_eq(delayhist_quantile(hist, 0.99, 40000), 12);
	/* the bucket of 40000 is 38912..40959: its middle, cut at the maximum */
	ck_assert_uint_eq(delayhist_quantile(hist, 1.0, 40000), 39935);
	ck_assert_uint_eq(delayhist_quantile(hist, 1.0, 39000), 39000);
}
END_TEST

static char *dir;

static void
import_one(const char *db, const char *file)
{
	struct import_opts io = { 2026, 0 };
	struct mtastat_config cfg;
	struct store s;
	struct ingest ig;
	char err[256];

	config_init(&cfg);
	ck_assert_int_eq(config_apply(&cfg, "localdomain", "example.test", err, sizeof(err)), 0);
	ck_assert_int_eq(store_open(&s, db), 0);
	ck_assert_int_eq(ingest_init(&ig, &cfg, &s), 0);
	ck_assert_int_eq(import_path(&ig, file, &io), 0);
	ingest_free(&ig);
	store_close(&s);
	config_free(&cfg);
}

static const struct health_reply *
reply(const struct health_snapshot *h, int dir, unsigned code, const char *enh)
{
	size_t i;

	for (i = 0; i < h->nreplies; i++)
		if (h->replies[i].dir == dir && h->replies[i].code == code &&
		    strcmp(h->replies[i].enh, enh) == 0)
			return &h->replies[i];
	return NULL;
}

static int64_t
cause(const struct health_snapshot *h, const char *name, int yesterday)
{
	size_t i;

	for (i = 0; i < h->ncauses; i++)
		if (strcmp(h->causes[i].cause, name) == 0)
			return yesterday ? h->causes[i].yesterday : h->causes[i].today;
	return 0;
}

START_TEST(postfix_shapes_to_snapshot)
{
	const char *top = getenv("top_srcdir");
	char db[512], f1[4096], f2[4096];
	struct health_snapshot h;
	const struct health_reply *r;
	struct store s;
	int32_t nov3, nov4;

	dir = tu_tmpdir();
	ck_assert_ptr_nonnull(dir);
	snprintf(db, sizeof(db), "%s/h.db", dir);
	snprintf(f1, sizeof(f1), "%s/tests/fixtures/health-postfix.log", top ? top : "..");
	snprintf(f2, sizeof(f2), "%s/tests/fixtures/health-postfix-2.log", top ? top : "..");
	/* two runs: the receipt time of CAFE012345 must survive the restart */
	import_one(db, f1);
	import_one(db, f2);
	ck_assert_int_eq(civil_parse("2026-11-03", &nov3), 0);
	ck_assert_int_eq(civil_parse("2026-11-04", &nov4), 0);
	ck_assert_int_eq(store_open_readonly(&s, db), 0);
	ck_assert_int_eq(health_load(&s, nov4, &h), 0);

	/* Nov 3 is yesterday of Nov 4 */
	ck_assert_int_eq(h.today, nov4);
	ck_assert_int_eq(h.day[0].broken, 1);
	/* pregreet (its DNSBL and HANGUP are the same session), dnsbl, lost after
	 * CONNECT, timeout after END-OF-MESSAGE, too many errors, rate limit, QUIT
	 * without MAIL, QUIT without an accepted RCPT */
	ck_assert_int_eq(h.day[1].broken, 8);
	ck_assert_int_eq(cause(&h, "pregreet", 1), 1);
	ck_assert_int_eq(cause(&h, "dnsbl", 1), 1);
	ck_assert_int_eq(cause(&h, "hangup", 1), 0);
	ck_assert_int_eq(cause(&h, "lost_after_connect", 1), 1);
	ck_assert_int_eq(cause(&h, "timeout_after_eom", 1), 1);
	ck_assert_int_eq(cause(&h, "too_many_errors", 1), 1);
	ck_assert_int_eq(cause(&h, "rate_limit", 1), 1);
	ck_assert_int_eq(cause(&h, "no_mail", 1), 1);
	ck_assert_int_eq(cause(&h, "no_rcpt", 1), 1);
	ck_assert_int_eq(cause(&h, "lost_after_rcpt", 0), 1);
	ck_assert_int_eq(cause(&h, "lost_after_rcpt", 1), 0);

	/* clients: STARTTLS in 192.0.2.9 and good.example; none in .10, .1, local.example */
	ck_assert_int_eq(h.day[1].tls.in_tls, 2);
	ck_assert_int_eq(h.day[1].tls.in_plain, 3);
	/* servers: mx.r (TLS, two recipients in one session), mx.q and mx.far (no TLS line) */
	ck_assert_int_eq(h.day[1].tls.out_tls, 1);
	ck_assert_int_eq(h.day[1].tls.out_plain, 2);
	ck_assert_int_eq(health_plain_share(&h.day[1].tls), 63); /* 5 of 8 */
	ck_assert_int_eq(health_plain_share(&h.day[0].tls), -1);

	/* delays: 3.5 s twice (delay=), 40 s derived from the receipt in the first run */
	ck_assert_int_eq(h.day[1].delay.n, 3);
	ck_assert_uint_eq(h.day[1].delay.max, 40000);
	ck_assert_uint_eq(h.day[1].delay.p50, 3519);  /* bucket 3456..3583 */
	ck_assert_uint_eq(h.day[1].delay.p95, 39935); /* bucket 38912..40959 */
	ck_assert_uint_eq(h.day[1].delay.p99, 39935);
	ck_assert_uint_eq(h.day[1].delay.mean, 15666);
	ck_assert_int_eq(h.day[0].delay.n, 0);

	/* replies we gave: postscreen's and a milter's 550 5.7.1, smtpd's 550 5.1.1 */
	ck_assert_ptr_nonnull(r = reply(&h, 1, 550, "5.7.1"));
	ck_assert_int_eq(r->yesterday, 2);
	ck_assert_int_eq(r->today, 0);
	ck_assert_str_eq(r->example, "Service unavailable; client [111.73.45.149] blocked using"
	    " zen.spamhaus.org");
	ck_assert_ptr_nonnull(r = reply(&h, 1, 550, "5.1.1"));
	ck_assert_int_eq(r->yesterday, 1);
	ck_assert_str_eq(r->example, "<u@example.test>: Recipient address rejected: User unknown in"
	    " virtual mailbox table");
	/* replies servers gave us */
	ck_assert_ptr_nonnull(r = reply(&h, 2, 250, "2.0.0"));
	ck_assert_int_eq(r->yesterday, 3);
	ck_assert_ptr_nonnull(r = reply(&h, 2, 451, "4.7.1"));
	ck_assert_int_eq(r->yesterday, 1);
	ck_assert_str_eq(r->example, "Greylisted, try later");
	ck_assert_ptr_nonnull(r = reply(&h, 2, 421, "4.7.0"));
	ck_assert_str_eq(r->example, "Try again later");
	ck_assert_uint_eq(h.nreplies, 5);
	/* sorted: in before out, then by code */
	ck_assert_int_eq(h.replies[0].dir, 1);
	ck_assert_uint_eq(h.replies[0].code, 550);
	ck_assert_int_eq(h.replies[4].dir, 2);
	ck_assert_uint_eq(h.replies[4].code, 451);

	/* the antispam verdicts and the rejects */
	ck_assert_int_eq(tu_query(&s, "SELECT sum(value) FROM day_counter WHERE name ="
	    " 'antispam_milter_reject'", NULL), 1);
	ck_assert_int_eq(tu_query(&s, "SELECT sum(value) FROM day_counter WHERE name ="
	    " 'antispam_blocked_spam'", NULL), 1);
	ck_assert_int_eq(tu_query(&s, "SELECT sum(value) FROM day_counter WHERE name ="
	    " 'antispam_passed_clean'", NULL), 1);
	ck_assert_int_eq(tu_query(&s, "SELECT sum(value) FROM day_counter WHERE name ="
	    " 'antispam_rspamd_reject'", NULL), 1);
	ck_assert_int_eq(tu_total(&s, C_REJECTED), 2);
	health_free(&h);
	store_close(&s);
	tu_rmdir(dir);
}
END_TEST

static Suite *
health_suite(void)
{
	Suite *s = suite_create("health");
	TCase *tc = tcase_create("histogram");
	TCase *tc2 = tcase_create("store");

	tcase_add_test(tc, buckets);
	tcase_add_test(tc, quantiles_uniform);
	tcase_add_test(tc, quantiles_exact_and_bounded);
	tcase_add_test(tc2, postfix_shapes_to_snapshot);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tc2);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(health_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
