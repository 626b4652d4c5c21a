/* Messages built from hostile text: headers stay single, bodies stay UTF-8. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mail_msg.h"
#include "notify_mail.h"

START_TEST(ascii_subject_as_is)
{
	char *s = mail_header_encode("[mtastat] 5 alarms on mx1");

	ck_assert_str_eq(s, "[mtastat] 5 alarms on mx1");
	free(s);
}
END_TEST

START_TEST(crlf_cannot_start_a_header)
{
	char *s = mail_header_encode("x\r\nBcc: evil@example.org");

	ck_assert_ptr_null(strchr(s, '\r'));
	ck_assert_ptr_null(strchr(s, '\n'));
	ck_assert_str_eq(s, "x Bcc: evil@example.org");
	free(s);
}
END_TEST

START_TEST(utf8_subject_is_rfc2047)
{
	/* "Jürgen" relayed: the ü as UTF-8 */
	char *s = mail_header_encode("J\xc3\xbcrgen relayed");

	ck_assert_str_eq(s, "=?UTF-8?B?SsO8cmdlbiByZWxheWVk?=");
	free(s);
}
END_TEST

START_TEST(long_utf8_subject_splits_on_characters)
{
	char in[200], *s, *w;
	int i, words = 0;

	for (i = 0; i < 60; i++)
		memcpy(in + 2 * i, "\xc3\xa9", 2); /* 60 × é */
	in[120] = '\0';
	s = mail_header_encode(in);
	/* every encoded word fits in 75 bytes and words are folded onto new lines */
	for (w = s; (w = strstr(w, "=?UTF-8?B?")) != NULL; w++) {
		char *end = strstr(w, "?=");
		ck_assert_ptr_nonnull(end);
		ck_assert_int_le(end + 2 - w, 75);
		words++;
	}
	ck_assert_int_eq(words, 3); /* 120 bytes in words of at most 45 */
	ck_assert_ptr_nonnull(strstr(s, "?=\r\n =?UTF-8?B?"));
	free(s);
}
END_TEST

START_TEST(body_keeps_utf8_and_masks_the_rest)
{
	char *b = mail_body_clean("ok \xc3\xa9t\xc3\xa9\nbad \xff\xfe\x01 end\r\nx\x1b[2J");

	ck_assert_str_eq(b, "ok \xc3\xa9t\xc3\xa9\r\nbad ??? end\r\nx?[2J\r\n");
	free(b);
}
END_TEST

START_TEST(message_headers)
{
	char to0[] = "noc@example.test", to1[] = "admin@example.test";
	char *to[] = { to0, to1 };
	char *m = mail_message("mtastat@example.test", to, 2, "J\xc3\xbcrgen", "line\n", 1795372267,
	    "mx1");
	char *body = strstr(m, "\r\n\r\n");

	ck_assert_ptr_nonnull(body);
	ck_assert_ptr_nonnull(strstr(m, "\r\nFrom: <mtastat@example.test>\r\n"));
	ck_assert_ptr_nonnull(strstr(m, "\r\nTo: <noc@example.test>,\r\n <admin@example.test>\r\n"));
	ck_assert_ptr_nonnull(strstr(m, "\r\nSubject: =?UTF-8?B?SsO8cmdlbg==?=\r\n"));
	ck_assert_ptr_nonnull(strstr(m, "Content-Type: text/plain; charset=UTF-8\r\n"));
	ck_assert_ptr_nonnull(strstr(m, "Message-ID: <1795372267."));
	ck_assert_int_eq(strncmp(m, "Date: ", 6), 0);
	ck_assert_str_eq(body, "\r\n\r\nline\r\n");
	free(m);
}
END_TEST

START_TEST(daily_report_once_a_day_at_its_time)
{
	int32_t day = -1;

	/* started at 08:00 with mailreport 07:00: nothing today */
	ck_assert_int_eq(notify_mail_report_due(7 * 60, &day, 100, 8 * 60), 0);
	ck_assert_int_eq(notify_mail_report_due(7 * 60, &day, 100, 23 * 60), 0);
	/* tomorrow: not before 07:00, once at or after it */
	ck_assert_int_eq(notify_mail_report_due(7 * 60, &day, 101, 6 * 60 + 59), 0);
	ck_assert_int_eq(notify_mail_report_due(7 * 60, &day, 101, 7 * 60), 1);
	ck_assert_int_eq(notify_mail_report_due(7 * 60, &day, 101, 7 * 60 + 1), 0);
	/* a day skipped while down: the next tick after the time sends it */
	ck_assert_int_eq(notify_mail_report_due(7 * 60, &day, 104, 12 * 60), 1);
	/* no mailreport: never */
	day = 50;
	ck_assert_int_eq(notify_mail_report_due(-1, &day, 200, 12 * 60), 0);
	/* started before the time on the first day: the report comes the same day */
	day = -1;
	ck_assert_int_eq(notify_mail_report_due(7 * 60, &day, 300, 6 * 60), 0);
	ck_assert_int_eq(notify_mail_report_due(7 * 60, &day, 300, 7 * 60 + 5), 1);
	ck_assert_int_eq(notify_mail_report_due(7 * 60, &day, 300, 7 * 60 + 6), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("mail_msg");
	TCase *tc = tcase_create("mime");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, ascii_subject_as_is);
	tcase_add_test(tc, crlf_cannot_start_a_header);
	tcase_add_test(tc, utf8_subject_is_rfc2047);
	tcase_add_test(tc, long_utf8_subject_splits_on_characters);
	tcase_add_test(tc, body_keeps_utf8_and_masks_the_rest);
	tcase_add_test(tc, message_headers);
	tcase_add_test(tc, daily_report_once_a_day_at_its_time);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
