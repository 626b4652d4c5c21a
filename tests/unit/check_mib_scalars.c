/* The scalar value functions and their varbinds, without a master agent. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mib_scalars.h"
#include "mib_value.h"
#include "mtastat.h"

START_TEST(version_is_package_version)
{
	struct mtastat ctx = { .start_time = 1 };
	struct mib_value mv;

	ck_assert_int_eq(mib_scalar_value(&ctx, MIB_SCALAR_VERSION, &mv), 0);
	ck_assert_uint_eq(mv.type, ASN_OCTET_STR);
	ck_assert_uint_eq(mv.len, strlen(PACKAGE_VERSION));
	ck_assert_mem_eq(mv.v.s, PACKAGE_VERSION, mv.len);
}
END_TEST

START_TEST(start_time_is_dateandtime)
{
	struct mtastat ctx = { .start_time = 1795372267 }; /* 2026-11-22 18:31:07 UTC */
	struct mib_value mv;

	setenv("TZ", "UTC", 1);
	tzset();
	ck_assert_int_eq(mib_scalar_value(&ctx, MIB_SCALAR_START_TIME, &mv), 0);
	ck_assert_uint_eq(mv.type, ASN_OCTET_STR);
	ck_assert_uint_eq(mv.len, 11);
	ck_assert_uint_eq(mv.v.s[0] * 256 + mv.v.s[1], 2026);
	ck_assert_uint_eq(mv.v.s[4], 18);
}
END_TEST

START_TEST(unknown_scalar_refused)
{
	struct mtastat ctx = { 0 };
	struct mib_value mv;

	ck_assert_int_eq(mib_scalar_value(&ctx, 0, &mv), -1);
	ck_assert_int_eq(mib_scalar_value(&ctx, MIB_SCALAR_LAST + 1, &mv), -1);
}
END_TEST

START_TEST(varbind_types)
{
	netsnmp_variable_list vb;
	struct mib_value mv;

	memset(&vb, 0, sizeof(vb));
	mib_value_u64(&mv, 0x123456789aULL);
	ck_assert_int_eq(mib_value_to_varbind(&mv, &vb), 0);
	ck_assert_uint_eq(vb.type, ASN_COUNTER64);
	ck_assert_uint_eq(vb.val.counter64->high, 0x12);
	ck_assert_uint_eq(vb.val.counter64->low, 0x3456789a);

	mib_value_fixed2(&mv, 3335.434);
	ck_assert_int_eq(mib_value_to_varbind(&mv, &vb), 0);
	ck_assert_int_eq(*vb.val.integer, 333543);
	mib_value_fixed2(&mv, -1e12);
	ck_assert_int_eq(mv.v.i, -2147483647L - 1);

	mib_value_str(&mv, "a\r\nb", 4);
	ck_assert_int_eq(mib_value_to_varbind(&mv, &vb), 0);
	ck_assert_uint_eq(vb.val_len, 4);
	ck_assert_mem_eq(vb.val.string, "a??b", 4);
	snmp_free_var_internals(&vb);
}
END_TEST

/* The Unix-time companions carry the same instant as their DateAndTime. */
START_TEST(unix_time_companions)
{
	struct mtastat ctx = { .start_time = 1795372267 };
	struct mib_value mv;

	setenv("TZ", "UTC", 1);
	tzset();
	ctx.commit.newest_t = 1795372000; /* written, in log wall clock, here UTC */
	ck_assert_int_eq(mib_scalar_value(&ctx, MIB_SCALAR_START_TIME_UNIX, &mv), 0);
	ck_assert_uint_eq(mv.type, ASN_UNSIGNED);
	ck_assert_int_eq(mv.v.i, 1795372267L);
	ck_assert_int_eq(mib_scalar_value(&ctx, MIB_SCALAR_LAST_EVENT_TIME_UNIX, &mv), 0);
	ck_assert_int_eq(mv.v.i, 1795372000L);
	ctx.commit.newest_t = 0; /* before the first event */
	ck_assert_int_eq(mib_scalar_value(&ctx, MIB_SCALAR_LAST_EVENT_TIME_UNIX, &mv), 0);
	ck_assert_int_eq(mv.v.i, 0);
	ck_assert_int_eq(mib_unix_time(-5), 0);
}
END_TEST

/* With no rows: nothing stands but a failing history; no last alarm. */
START_TEST(summary_without_rows)
{
	struct mtastat ctx = { .start_time = 1 };
	struct mib_value mv;
	unsigned col;

	for (col = MIB_SCALAR_ACCOUNTS_OVER_LIMIT; col <= MIB_SCALAR_ACTIVE_ALARMS; col++) {
		ck_assert_int_eq(mib_scalar_value(&ctx, col, &mv), 0);
		ck_assert_uint_eq(mv.type, ASN_GAUGE);
		ck_assert_int_eq(mv.v.i, 0);
	}
	ctx.history.failing = 1;
	ck_assert_int_eq(mib_scalar_value(&ctx, MIB_SCALAR_ACTIVE_ALARMS, &mv), 0);
	ck_assert_int_eq(mv.v.i, 1);
	ck_assert_int_eq(mib_scalar_value(&ctx, MIB_SCALAR_LAST_ALARM_TEXT, &mv), 0);
	ck_assert_uint_eq(mv.type, ASN_OCTET_STR);
	ck_assert_uint_eq(mv.len, 0);
	ck_assert_int_eq(mib_scalar_value(&ctx, MIB_SCALAR_LAST_ALARM_TIME_UNIX, &mv), 0);
	ck_assert_int_eq(mv.v.i, 0);
	ck_assert_int_eq(mib_scalar_value(&ctx, MIB_SCALAR_LAST_ALARM_TIME, &mv), 0);
	ck_assert_uint_eq(mv.type, ASN_OCTET_STR);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("mib_scalars");
	TCase *tc = tcase_create("values");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, version_is_package_version);
	tcase_add_test(tc, start_time_is_dateandtime);
	tcase_add_test(tc, unknown_scalar_refused);
	tcase_add_test(tc, varbind_types);
	tcase_add_test(tc, unix_time_companions);
	tcase_add_test(tc, summary_without_rows);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
