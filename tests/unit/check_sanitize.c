#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dateandtime.h"
#include "report.h"
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

START_TEST(utf8_well_formed_only)
{
	static const struct {
		const char *s;
		size_t len;
		unsigned long cp;
	} cases[] = {
		{ "a", 1, 'a' },
		{ "\0", 1, 0 },
		{ "\xc3\xbc", 2, 0xfc },             /* u umlaut */
		{ "\xe2\x82\xac", 3, 0x20ac },       /* euro sign */
		{ "\xf0\x9f\x98\x80", 4, 0x1f600 },  /* emoji */
		{ "\xf4\x8f\xbf\xbf", 4, 0x10ffff }, /* the last code point */
		{ "\xc2\x9b", 2, 0x9b },             /* C1 CSI: well-formed, a control */
		{ "\x80", 0, 0 },                     /* a lone continuation byte */
		{ "\xc0\xaf", 0, 0 },                 /* overlong '/' */
		{ "\xe0\x80\xaf", 0, 0 },             /* overlong '/' */
		{ "\xed\xa0\x80", 0, 0 },             /* a surrogate */
		{ "\xf4\x90\x80\x80", 0, 0 },         /* beyond U+10FFFF */
		{ "\xff", 0, 0 },
		{ "\xc3", 0, 0 },                     /* cut short */
		{ "\xe2\x82", 0, 0 },
		{ "\xc3(", 0, 0 },                    /* not a continuation */
	};
	unsigned long cp;
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = cases[i].s[0] == '\0' ? 1 : strlen(cases[i].s);
		cp = 0xdead;
		ck_assert_msg(sanitize_utf8(cases[i].s, n, &cp) == cases[i].len, "case %zu", i);
		if (cases[i].len > 0)
			ck_assert_msg(cp == cases[i].cp, "case %zu: U+%lX", i, cp);
	}
	ck_assert_uint_eq(sanitize_utf8("x", 0, &cp), 0);
}
END_TEST

START_TEST(escape_keeps_utf8_shows_the_rest)
{
	/* NUL inside, UTF-8, ESC, DEL, C1, not UTF-8, a backslash, CR LF */
	const char src[] = "nul\0b j\xc3\xbcrgen \x1b[2J\x7f \xc2\x9b \xff\xc3( a\\b \r\n";
	char dst[SANITIZE_ESCAPED_MAX(sizeof(src))];
	size_t n = sanitize_escape(dst, sizeof(dst), src, sizeof(src) - 1);

	ck_assert_str_eq(dst, "nul\\x00b j\xc3\xbcrgen \\x1b[2J\\x7f \\xc2\\x9b \\xff\\xc3( a\\\\b"
	    " \\x0d\\x0a");
	ck_assert_uint_eq(n, strlen(dst));
}
END_TEST

START_TEST(escape_bounded_never_cut)
{
	char dst[6];

	/* "ab" + a 2-byte character: 4 bytes and the NUL fit */
	ck_assert_uint_eq(sanitize_escape(dst, sizeof(dst), "ab\xc3\xbc", 4), 4);
	ck_assert_str_eq(dst, "ab\xc3\xbc");
	/* the euro sign does not fit after "abc": left out whole */
	ck_assert_uint_eq(sanitize_escape(dst, sizeof(dst), "abc\xe2\x82\xac", 6), 3);
	ck_assert_str_eq(dst, "abc");
	/* nor does a 4-character escape after "ab" */
	ck_assert_uint_eq(sanitize_escape(dst, sizeof(dst), "ab\x01", 3), 2);
	ck_assert_str_eq(dst, "ab");
	ck_assert_uint_eq(sanitize_escape(dst, sizeof(dst), "\x01", 1), 4);
	ck_assert_str_eq(dst, "\\x01");
	ck_assert_uint_eq(sanitize_escape(dst, 1, "abc", 3), 0);
	ck_assert_str_eq(dst, "");
	ck_assert_uint_eq(sanitize_escape(dst, 0, "abc", 3), 0);
}
END_TEST

/* report_json_string into a string. */
static char *
json_of(const char *s, int len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	ck_assert_ptr_nonnull(f);
	report_json_string(f, s, len);
	fclose(f);
	return buf;
}

START_TEST(json_string_code_points)
{
	const char src[] = "nul\0b j\xc3\xbcrgen \"q\" a\\b \x1b \x7f \xc2\x9b \xe2\x80\xa8 \xff \xe2\x82\xac";
	char *got = json_of(src, (int)sizeof(src) - 1);

	ck_assert_str_eq(got, "\"nul\\u0000b j\xc3\xbcrgen \\\"q\\\" a\\\\b \\u001b \\u007f"
	    " \\u009b \\u2028 \\\\xff \xe2\x82\xac\"");
	free(got);
	got = json_of("", 0);
	ck_assert_str_eq(got, "\"\"");
	free(got);
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
	tcase_add_test(tc, utf8_well_formed_only);
	tcase_add_test(tc, escape_keeps_utf8_shows_the_rest);
	tcase_add_test(tc, escape_bounded_never_cut);
	tcase_add_test(tc, json_string_code_points);
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
