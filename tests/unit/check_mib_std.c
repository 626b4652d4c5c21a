/*
 * The standard MIBs' values in-process (MTA-MIB, applTable) and the
 * mail-flow health rows of MTASTAT-MIB: the RFC 2789 status-code encoding,
 * Counter32 from the totals (wrapping, kilo-octets), the error table built
 * from the reply totals, rows in index order for GETNEXT.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "mib_health.h"
#include "mib_std.h"
#include "mtastatd.h"
#include "mta_version.h"

static void
setup(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	setenv("MIBS", "", 1);
	init_agent("mtastat-check");
	ck_assert_int_eq(mib_std_register(), 0);
	ck_assert_int_eq(mib_table_register(&mib_reply_table), 0);
	ck_assert_int_eq(mib_table_register(&mib_broken_table), 0);
}

START_TEST(status_code_encoding)
{
	/* RFC 2789: ((class * 1000) + subject) * 1000 + detail */
	ck_assert_uint_eq(mib_std_status_code(550, "5.1.1", 5), 5001001);
	ck_assert_uint_eq(mib_std_status_code(451, "4.7.1", 5), 4007001);
	ck_assert_uint_eq(mib_std_status_code(554, "5.7.999", 7), 5007999);
	ck_assert_uint_eq(mib_std_status_code(450, "4.123.45", 8), 4123045);
	/* none: the basic code's class.0.0 */
	ck_assert_uint_eq(mib_std_status_code(550, "", 0), 5000000);
	ck_assert_uint_eq(mib_std_status_code(421, NULL, 0), 4000000);
	/* unreadable or out of range: the basic code's class */
	ck_assert_uint_eq(mib_std_status_code(550, "5.1", 3), 5000000);
	ck_assert_uint_eq(mib_std_status_code(550, "5.1000.1", 8), 5000000);
	ck_assert_uint_eq(mib_std_status_code(550, "5.1.1x", 6), 5000000);
	ck_assert_uint_eq(mib_std_status_code(550, "5..1", 4), 5000000);
	/* not an error: no row */
	ck_assert_uint_eq(mib_std_status_code(250, "2.0.0", 5), 0);
	ck_assert_uint_eq(mib_std_status_code(354, "", 0), 0);
	/* the reply table encodes 2.x.x too */
	ck_assert_uint_eq(mib_std_enh_code("2.0.0", 5), 2000000);
	ck_assert_uint_eq(mib_std_enh_code("3.0.0", 5), 0);
	ck_assert_uint_eq(mib_std_enh_code("", 0), 0);
}
END_TEST

static struct mtastat *
context(void)
{
	static struct mtastat ctx;

	memset(&ctx, 0, sizeof(ctx));
	return &ctx;
}

START_TEST(mta_counters_from_totals)
{
	struct mtastat *ctx = context();
	struct mib_std_row row = { ctx, 0, 0, 0 }, in = { ctx, MIB_STD_GROUP_IN, 0, 0 },
	    out = { ctx, MIB_STD_GROUP_OUT, 0, 0 };
	struct mib_value mv;

	ctx->totals.c[C_RECEIVED] = 4294967296LL + 7;  /* Counter32 wraps */
	ctx->totals.c[C_DELIVERED] = 12;
	ctx->totals.c[C_REJECTED] = 3;
	ctx->totals.c[C_BOUNCED] = 2;
	ctx->totals.c[C_BYTES_RECEIVED] = 5200;           /* kilo-octets, rounded down */
	ctx->totals.c[C_BYTES_DELIVERED] = 1023;
	ck_assert_int_eq(mib_mta_value(&row, COL_MTA_RECEIVED_MESSAGES, &mv), 0);
	ck_assert_int_eq(mv.type, ASN_COUNTER);
	ck_assert_int_eq(mv.v.i, 7);
	ck_assert_int_eq(mib_mta_value(&row, COL_MTA_TRANSMITTED_MESSAGES, &mv), 0);
	ck_assert_int_eq(mv.v.i, 12);
	ck_assert_int_eq(mib_mta_value(&row, COL_MTA_RECEIVED_VOLUME, &mv), 0);
	ck_assert_int_eq(mv.v.i, 5);
	ck_assert_int_eq(mib_mta_value(&row, COL_MTA_TRANSMITTED_VOLUME, &mv), 0);
	ck_assert_int_eq(mv.v.i, 0);
	/* what the logs do not tell is no instance */
	ck_assert_int_eq(mib_mta_value(&row, COL_MTA_RECEIVED_RECIPIENTS, &mv), -1);
	ck_assert_int_eq(mib_mta_value(&row, COL_MTA_LOOPS, &mv), -1);
	/* the groups split the flow */
	ck_assert_int_eq(mib_mta_group_value(&in, COL_GRP_REJECTED_MESSAGES, &mv), 0);
	ck_assert_int_eq(mv.v.i, 3);
	ck_assert_int_eq(mib_mta_group_value(&out, COL_GRP_REJECTED_MESSAGES, &mv), 0);
	ck_assert_int_eq(mv.v.i, 2);
	ck_assert_int_eq(mib_mta_group_value(&in, COL_GRP_TRANSMITTED_MESSAGES, &mv), -1);
	ck_assert_int_eq(mib_mta_group_value(&out, COL_GRP_RECEIVED_MESSAGES, &mv), -1);
	ck_assert_int_eq(mib_mta_group_value(&out, COL_GRP_MAIL_PROTOCOL, &mv), 0);
	ck_assert_int_eq(mv.type, ASN_OBJECT_ID);
	ck_assert_uint_eq(mv.len, 9 * sizeof(oid));
	ck_assert_uint_eq(((const oid *)mv.v.s)[8], 25);
	ck_assert_int_eq(mib_mta_group_value(&out, COL_GRP_NAME, &mv), 0);
	ck_assert_int_eq(memcmp(mv.v.s, "outbound", mv.len), 0);
	/* stored: no queue sample, no instance; then the sample's */
	ck_assert_int_eq(mib_mta_value(&row, COL_MTA_STORED_MESSAGES, &mv), -1);
	ck_assert_int_eq(mib_mta_group_value(&out, COL_GRP_OLDEST_STORED, &mv), -1);
	ctx->queue.have_last = 1;
	ctx->queue.last.total = 5;
	ctx->queue.last.total_bytes = 1025;   /* 2 kB: rounded up */
	ctx->queue.last.has_bytes = 1;
	ctx->queue.last.time = 100000000;
	ctx->queue.last.oldest = 100000000 - 90;
	ck_assert_int_eq(mib_mta_value(&row, COL_MTA_STORED_MESSAGES, &mv), 0);
	ck_assert_int_eq(mv.type, ASN_GAUGE);
	ck_assert_int_eq(mv.v.i, 5);
	ck_assert_int_eq(mib_mta_group_value(&out, COL_GRP_STORED_VOLUME, &mv), 0);
	ck_assert_int_eq(mv.v.i, 2);
	ck_assert_int_eq(mib_mta_group_value(&in, COL_GRP_STORED_MESSAGES, &mv), -1);
	ck_assert_int_eq(mib_mta_group_value(&out, COL_GRP_OLDEST_STORED, &mv), 0);
	ck_assert_int_eq(mv.v.i, 9000);            /* TimeInterval: hundredths */
	ctx->queue.last.oldest = 100000000 - 30000000;  /* a year: saturates at 2^31 - 1 */
	ck_assert_int_eq(mib_mta_group_value(&out, COL_GRP_OLDEST_STORED, &mv), 0);
	ck_assert_int_eq(mv.v.i, 2147483647L);
	ctx->queue.last.has_bytes = 0;            /* exim -bpc: messages only */
	ck_assert_int_eq(mib_mta_value(&row, COL_MTA_STORED_VOLUME, &mv), -1);
}
END_TEST

static struct health_reply
reply(int dir, unsigned code, const char *enh, int64_t today, int64_t yesterday)
{
	struct health_reply r;

	memset(&r, 0, sizeof(r));
	r.dir = dir;
	r.code = code;
	snprintf(r.enh, sizeof(r.enh), "%s", enh);
	r.today = today;
	r.yesterday = yesterday;
	return r;
}

static int64_t
error_count(uint32_t group, uint32_t code, unsigned col)
{
	uint32_t idx[3] = { MIB_STD_APPL_INDEX, group, code };
	netsnmp_tdata_row *row = mib_table_row_n(&mib_mta_error_table, idx);
	struct mib_value mv;

	if (row == NULL || mib_mta_error_value(row->data, col, &mv) != 0)
		return -1;
	return mv.v.i;
}

START_TEST(error_table_from_reply_totals)
{
	struct mtastat *ctx = context();
	struct health_reply base[] = { reply(MTA_DIR_IN, 550, "5.1.1", 100, 0),
		reply(MTA_DIR_OUT, 451, "4.7.1", 5, 0) };
	struct health_reply snap[] = { reply(MTA_DIR_IN, 550, "5.1.1", 2, 3),
		reply(MTA_DIR_IN, 550, "", 1, 0), reply(MTA_DIR_IN, 554, "5.7.1", 4, 0),
		reply(MTA_DIR_OUT, 451, "4.7.1", 0, 1), reply(MTA_DIR_OUT, 250, "2.0.0", 9, 9) };

	ctx->health.base = base;
	ctx->health.nbase = 2;
	ctx->health.loaded = 1;
	ctx->health.snap.replies = snap;
	ctx->health.snap.nreplies = 5;
	ck_assert_int_eq(mib_std_errors_refresh(ctx), 0);
	/* history before yesterday + yesterday + today */
	ck_assert_int_eq(error_count(MIB_STD_GROUP_IN, 5001001, COL_ERR_INBOUND), 105);
	ck_assert_int_eq(error_count(MIB_STD_GROUP_IN, 5000000, COL_ERR_INBOUND), 1);
	ck_assert_int_eq(error_count(MIB_STD_GROUP_IN, 5007001, COL_ERR_INBOUND), 4);
	ck_assert_int_eq(error_count(MIB_STD_GROUP_OUT, 4007001, COL_ERR_OUTBOUND), 6);
	/* each group answers its own direction's column only; 2xx is no error */
	ck_assert_int_eq(error_count(MIB_STD_GROUP_IN, 5001001, COL_ERR_OUTBOUND), -1);
	ck_assert_int_eq(error_count(MIB_STD_GROUP_OUT, 4007001, COL_ERR_INTERNAL), -1);
	ck_assert_int_eq(error_count(MIB_STD_GROUP_OUT, 2000000, COL_ERR_OUTBOUND), -1);
	ck_assert_int_eq(netsnmp_tdata_row_count(mib_mta_error_table.tdata), 4);
	/* GETNEXT order: group, then code */
	{
		netsnmp_tdata_row *r = netsnmp_tdata_row_first(mib_mta_error_table.tdata);
		const struct mib_std_row *d = r->data;
		ck_assert_uint_eq(d->group, MIB_STD_GROUP_IN);
		ck_assert_uint_eq(d->code, 5000000);
	}
	/* accumulated associations: the sessions of the history, yesterday and today */
	ctx->health.base_sum.tls.in_tls = 10;
	ctx->health.base_sum.tls.in_plain = 5;
	ctx->health.snap.day[0].tls.in_plain = 1;
	ctx->health.snap.day[1].tls.out_tls = 2;
	ctx->health.snap.day[1].tls.out_plain = 3;
	ck_assert_int_eq(mib_health_sessions(&ctx->health, MTA_DIR_IN), 16);
	ck_assert_int_eq(mib_health_sessions(&ctx->health, MTA_DIR_OUT), 5);
	{
		struct mib_std_row in = { ctx, MIB_STD_GROUP_IN, 0, 0 }, app = { ctx, 0, 0, 0 };
		struct mib_value mv;
		ck_assert_int_eq(mib_mta_group_value(&in, COL_GRP_ACC_INBOUND_ASSOC, &mv), 0);
		ck_assert_int_eq(mv.type, ASN_COUNTER);
		ck_assert_int_eq(mv.v.i, 16);
		ck_assert_int_eq(mib_mta_group_value(&in, COL_GRP_ACC_OUTBOUND_ASSOC, &mv), -1);
		ck_assert_int_eq(mib_appl_value(&app, COL_APPL_ACC_OUTBOUND_ASSOC, &mv), 0);
		ck_assert_int_eq(mv.v.i, 5);
		ctx->health.loaded = 0;   /* before the first load: no instance */
		ck_assert_int_eq(mib_appl_value(&app, COL_APPL_ACC_OUTBOUND_ASSOC, &mv), -1);
	}
	mib_table_clear(&mib_mta_error_table);
	ctx->health.base = NULL;
	ctx->health.snap.replies = NULL;
}
END_TEST

START_TEST(health_values)
{
	struct health_reply r = reply(MTA_DIR_OUT, 451, "4.7.1", 3, 4);
	struct health_cause c;
	struct health_snapshot s;
	struct mib_value mv;

	snprintf(r.example, sizeof(r.example), "%s", "Greylisted, try again");
	ck_assert_int_eq(mib_reply_value(&r, COL_REPLY_TEXT, &mv), 0);
	ck_assert_uint_eq(mv.len, 9);
	ck_assert_int_eq(memcmp(mv.v.s, "451 4.7.1", 9), 0);
	ck_assert_int_eq(mib_reply_value(&r, COL_REPLY_YESTERDAY, &mv), 0);
	ck_assert_int_eq(mv.v.i, 4);
	ck_assert_int_eq(mib_reply_value(&r, COL_REPLY_EXAMPLE, &mv), 0);
	ck_assert_int_eq(memcmp(mv.v.s, "Greylisted, try again", mv.len), 0);
	r.enh[0] = '\0';
	ck_assert_int_eq(mib_reply_value(&r, COL_REPLY_TEXT, &mv), 0);
	ck_assert_uint_eq(mv.len, 3);
	memset(&c, 0, sizeof(c));
	snprintf(c.cause, sizeof(c.cause), "%s", "lost_after_rcpt");
	c.today = 7;
	ck_assert_int_eq(mib_broken_value(&c, COL_BROKEN_TODAY, &mv), 0);
	ck_assert_int_eq(mv.v.i, 7);
	memset(&s, 0, sizeof(s));
	s.day[0].delay.p95 = 1500;
	s.day[0].tls.in_tls = 3;
	s.day[0].tls.in_plain = 1;
	ck_assert_int_eq(mib_health_scalar_value(&s, MIB_HEALTH_DELAY, MIB_DELAY_P95, &mv), 0);
	ck_assert_int_eq(mv.v.i, 1500);
	ck_assert_int_eq(mib_health_scalar_value(&s, MIB_HEALTH_TLS, MIB_PLAIN_SHARE, &mv), 0);
	ck_assert_int_eq(mv.v.i, 25);
	s.day[0].tls.in_tls = s.day[0].tls.in_plain = 0;
	ck_assert_int_eq(mib_health_scalar_value(&s, MIB_HEALTH_TLS, MIB_PLAIN_SHARE, &mv), 0);
	ck_assert_int_eq(mv.v.i, -1);
	ck_assert_int_eq(mib_health_scalar_value(&s, MIB_HEALTH_TLS, 6, &mv), -1);
}
END_TEST

START_TEST(mta_version_of_tools)
{
	const char *exim[] = { "/bin/echo", "Exim version 4.96 #2 built 02-Jul-2023", NULL };
	const char *postfix[] = { "/bin/echo", "3.7.11", NULL };
	const char *none[] = { "/bin/echo", "no version here", NULL };
	const char *hostile[] = { "/bin/echo", "1.2\033[31m\r\nSubject: x", NULL };
	const char *failed[] = { "/bin/sh", "-c", "echo 1.2; exit 3", NULL };
	const char *relative[] = { "echo", "1.2", NULL };
	const char *hung[] = { "/bin/sleep", "10", NULL };
	char v[MTA_VERSION_MAX];
	struct timespec t0, t1;

	ck_assert_int_eq(mta_version_run(exim, v, sizeof(v)), 0);
	ck_assert_str_eq(v, "4.96");
	ck_assert_int_eq(mta_version_run(postfix, v, sizeof(v)), 0);
	ck_assert_str_eq(v, "3.7.11");
	ck_assert_int_eq(mta_version_run(none, v, sizeof(v)), -1);
	ck_assert_str_eq(v, "");
	ck_assert_int_eq(mta_version_run(hostile, v, sizeof(v)), 0);
	ck_assert_str_eq(v, "1.2");
	ck_assert_int_eq(mta_version_run(failed, v, sizeof(v)), -1);
	ck_assert_int_eq(mta_version_run(relative, v, sizeof(v)), -1);
	ck_assert_int_eq(mta_version("icewarp", NULL, v, sizeof(v)), -1);
	/* a tool that hangs is killed at the timeout */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(mta_version_run(hung, v, sizeof(v)), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, MTA_VERSION_TIMEOUT_MS / 1000 + 2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("mib_std");
	TCase *tc = tcase_create("std");
	SRunner *sr;
	int failed;

	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_add_test(tc, status_code_encoding);
	tcase_add_test(tc, mta_counters_from_totals);
	tcase_add_test(tc, error_table_from_reply_totals);
	tcase_add_test(tc, health_values);
	tcase_add_test(tc, mta_version_of_tools);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
