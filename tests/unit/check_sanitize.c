#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dateandtime.h"
#include "sanitize.h"

START_TEST(printable_untouched)
{
	char s[] = "user@example.com relayed: 445";

	ck_assert_uint_eq(sanitize_printable(s, strlen(s)), 0);
	ck_assert_str_eq(s, "user@example.com relayed: 445");
}
END_TEST

START_TEST(control_bytes_replaced)
{
	char s[] = "a\r\nBcc: x\x1b[2J\x7f\xc3\xa9z";

	ck_assert_uint_eq(sanitize_printable(s, strlen(s)), 6);
	ck_assert_str_eq(s, "a??Bcc: x?[2J???z");
}
END_TEST

START_TEST(copy_bounded_with_nul_inside)
{
	const char src[] = { 'a', '\0', 'b', '\n', 'c', 'd', 'e' };
	char dst[5];

	ck_assert_uint_eq(sanitize_copy(dst, sizeof(dst), src, sizeof(src)), 4);
	ck_assert_str_eq(dst, "a?b?");
	ck_assert_uint_eq(sanitize_copy(dst, 0, src, sizeof(src)), 0);
}
END_TEST

START_TEST(dateandtime_utc_and_offset)
{
	uint8_t b[DATEANDTIME_LEN];
	static const uint8_t zero[DATEANDTIME_LEN];

	setenv("TZ", "UTC", 1);
	tzset();
	/* 2026-11-22 18:31:07 UTC */
	dateandtime_encode((time_t)1795372267, b);
	ck_assert_uint_eq((b[0] << 8) | b[1], 2026);
	ck_assert_uint_eq(b[2], 11);
	ck_assert_uint_eq(b[3], 22);
	ck_assert_uint_eq(b[4], 18);
	ck_assert_uint_eq(b[5], 31);
	ck_assert_uint_eq(b[6], 7);
	ck_assert_uint_eq(b[8], '+');
	ck_assert_uint_eq(b[9], 0);

	setenv("TZ", "America/St_Johns", 1); /* UTC-3:30 in November */
	tzset();
	dateandtime_encode((time_t)1795372267, b);
	ck_assert_uint_eq(b[4], 15);
	ck_assert_uint_eq(b[5], 1);
	ck_assert_uint_eq(b[8], '-');
	ck_assert_uint_eq(b[9], 3);
	ck_assert_uint_eq(b[10], 30);

	dateandtime_encode(0, b);
	ck_assert_mem_eq(b, zero, sizeof(zero));
}
END_TEST

static Suite *
sanitize_suite(void)
{
	Suite *s = suite_create("sanitize");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, printable_untouched);
	tcase_add_test(tc, control_bytes_replaced);
	tcase_add_test(tc, copy_bounded_with_nul_inside);
	tcase_add_test(tc, dateandtime_utc_and_offset);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sanitize_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
