/*
 * The syslog envelope and the Postfix parser, line shape by line shape, and
 * every line of the shared real-log corpus without a crash.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "event.h"
#include "syslog_header.h"

static struct log_header h;
static struct mta_event ev;

/* Parse a whole line; returns the event type, or -1 without a header. */
static int
parse(const char *line)
{
	struct syslog_clock c;

	syslog_clock_init(&c, 2026);
	if (syslog_parse(&c, line, strlen(line), &h) != 0)
		return -1;
	parser_postfix.parse(&h, &ev);
	return ev.type;
}

static int
sveq(struct strview s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

START_TEST(header_shapes)
{
	struct syslog_clock c;
	int32_t d;

	syslog_clock_init(&c, 2026);
	ck_assert_int_eq(syslog_parse(&c, "Nov  2 10:00:07 mx postfix/smtpd[12]: x", 39, &h), 0);
	civil_parse("2026-11-02", &d);
	ck_assert_int_eq(h.when.day, d);
	ck_assert_int_eq(h.when.hour, 10);
	ck_assert(sveq(h.host, "mx") && sveq(h.program, "postfix/smtpd") && sveq(h.service, "smtpd"));
	ck_assert_int_eq(h.pid, 12);
	ck_assert(sveq(h.msg, "x"));
	/* one-digit day without padding, fraction, multi-instance names */
	ck_assert_int_eq(parse("Nov 2 10:00:07.123456 mx postfix-out/smtp[1]: y"), EV_UNPARSED);
	ck_assert(sveq(h.service, "smtp") && sveq(h.msg, "y"));
	ck_assert_int_eq(parse("Nov 12 23:59:59 mx postfix/submission/smtpd[1]: z"), EV_UNPARSED);
	ck_assert(sveq(h.program, "postfix/submission/smtpd") && sveq(h.service, "smtpd"));
	ck_assert_int_eq(h.when.hour, 23);
	/* RFC 3339 with offset: the wall clock written is kept */
	ck_assert_int_eq(parse("2026-11-02T01:30:00.123456+01:00 mx postfix/qmgr[5]: w"), EV_UNPARSED);
	ck_assert_int_eq(h.when.hour, 1);
	ck_assert_int_eq(h.when.day, d);
	ck_assert_int_eq(parse("2026-11-02T23:00:00Z mx postfix/qmgr[5]: w"), EV_UNPARSED);
	ck_assert_int_eq(h.when.hour, 23);
	/* RFC 5424 with and without structured data */
	ck_assert_int_eq(parse("<22>1 2026-11-02T10:00:00.1Z mx postfix/smtpd 77 - - NOQUEUE: reject: RCPT from x"),
	    EV_REJECT);
	ck_assert_int_eq(h.pid, 77);
	ck_assert_int_eq(parse("<22>1 2026-11-02T10:00:00Z mx postfix/smtpd 77 ID1 [a b=\"c\\]\"] NOQUEUE: reject: x"),
	    EV_REJECT);
	/* Solaris [ID n fac.lvl] */
	ck_assert_int_eq(parse("Nov  2 10:00:00 mx postfix/smtpd[1]: [ID 197553 mail.info] NOQUEUE: reject: x"),
	    EV_REJECT);
	/* no header at all */
	ck_assert_int_eq(parse(""), -1);
	ck_assert_int_eq(parse("Nov"), -1);
	ck_assert_int_eq(parse("Nov  2 10:00:00"), -1);
	ck_assert_int_eq(parse("Nov  2 10:00:00 mx postfix/smtpd[12"), -1);
	ck_assert_int_eq(parse("Nov  2 10:00:00 mx postfix/smtpd"), -1);
	ck_assert_int_eq(parse("Foo  2 10:00:00 mx postfix/smtpd[1]: x"), -1);
	ck_assert_int_eq(parse("Nov 32 10:00:00 mx postfix/smtpd[1]: x"), -1);
	ck_assert_int_eq(parse("Nov  2 25:00:00 mx postfix/smtpd[1]: x"), -1);
}
END_TEST

START_TEST(year_from_mtime_and_rollover)
{
	struct syslog_clock c;
	struct tm tm = { .tm_year = 2027 - 1900, .tm_mon = 0, .tm_mday = 3, .tm_hour = 12 };
	int y, m, d;

	/* a file modified in January 2027 whose first line is in December */
	syslog_clock_init_mtime(&c, mktime(&tm));
	ck_assert_int_eq(syslog_parse(&c, "Dec 31 23:00:00 mx p[1]: a", 26, &h), 0);
	civil_from_days(h.when.day, &y, &m, &d);
	ck_assert_int_eq(y, 2026);
	ck_assert_int_eq(syslog_parse(&c, "Jan  1 00:00:00 mx p[1]: a", 26, &h), 0);
	civil_from_days(h.when.day, &y, &m, &d);
	ck_assert_int_eq(y, 2027);
	ck_assert_int_eq(m, 1);
	/* the cache: same second, then the next */
	ck_assert_int_eq(syslog_parse(&c, "Jan  1 00:00:00 mx p[1]: b", 26, &h), 0);
	ck_assert_int_eq(h.when.t % 86400, 0);
	ck_assert_int_eq(syslog_parse(&c, "Jan  1 00:00:01 mx p[1]: b", 26, &h), 0);
	ck_assert_int_eq(h.when.t % 86400, 1);
}
END_TEST

START_TEST(postfix_shapes)
{
	ck_assert_int_eq(parse("Nov  2 10:00:00 mx postfix/submission/smtpd[1]: 4XyZ5v1QKdz9sBq: client=h[2001:db8::1],"
	    " sasl_method=PLAIN, sasl_username=carol@example.test"), EV_CLIENT);
	ck_assert(sveq(ev.qid, "4XyZ5v1QKdz9sBq") && sveq(ev.sasl, "carol@example.test"));
	ck_assert_int_eq(parse("Nov  2 10:00:00 mx postfix/pickup[1]: 1A2B3C4D5E: uid=1000 from=<eve>"), EV_PICKUP);
	ck_assert(sveq(ev.sender, "eve"));
	ck_assert_int_eq(parse("Nov  2 10:00:00 mx postfix/qmgr[1]: 1A2B3C4D5E: from=<>, size=2000, nrcpt=1 (queue active)"),
	    EV_QUEUED);
	ck_assert(ev.has_sender && ev.sender.n == 0 && ev.size == 2000);
	ck_assert_int_eq(parse("Nov  2 10:00:00 mx postfix/smtp[1]: 1A2B3C4D5E: to=<\"john doe\"@far.example>,"
	    " orig_to=<jd@example.test>, relay=mail.far.example[2001:db8::25]:25, delay=1, delays=0/0/0/1,"
	    " dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 3F1A52C0E1)"), EV_DELIVERY);
	ck_assert(sveq(ev.rcpt, "\"john doe\"@far.example") && sveq(ev.relay, "mail.far.example[2001:db8::25]:25"));
	ck_assert_int_eq(ev.status, DS_SENT);
	ck_assert(sveq(ev.newqid, "3F1A52C0E1"));
	ck_assert_int_eq(ev.local_delivery, 0);
	ck_assert_int_eq(parse("Nov  2 10:00:00 mx postfix/lmtp[1]: 1A2B3C4D5E: to=<u@example.test>, relay=::1[::1]:24,"
	    " delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)"), EV_DELIVERY);
	ck_assert(sveq(ev.relay, "::1[::1]:24") && ev.local_delivery == 1);
	ck_assert_int_eq(parse("Nov  2 10:00:00 mx postfix/smtp[1]: 1A2B3C4D5E: to=<a@b.example>, relay=none, delay=1,"
	    " dsn=4.4.1, status=deferred (connect to b.example[192.0.2.1]:25: Connection timed out)"), EV_DELIVERY);
	ck_assert_int_eq(ev.status, DS_DEFERRED);
	ck_assert_int_eq(parse("Nov  2 10:00:00 mx postfix/error[1]: 1A2B3C4D5E: to=<a@b.example>, relay=none, delay=1,"
	    " dsn=5.0.0, status=bounced (b.example)"), EV_DELIVERY);
	ck_assert_int_eq(ev.status, DS_BOUNCED);
	ck_assert_int_eq(parse("Nov  2 10:00:00 mx postfix/qmgr[1]: 1A2B3C4D5E: from=<a@b>, status=expired, returned to sender"),
	    EV_EXPIRED);
	ck_assert_int_eq(parse("Nov  2 10:00:00 mx postfix/qmgr[1]: 1A2B3C4D5E: removed"), EV_REMOVED);
	ck_assert_int_eq(parse("Nov  2 10:00:00 mx postfix/bounce[1]: 1A2B3C4D5E: sender non-delivery notification: 5F6E7D8C9B"),
	    EV_NOTIFICATION);
	ck_assert(sveq(ev.newqid, "5F6E7D8C9B"));
	ck_assert_int_eq(parse("Nov  2 10:00:00 mx postfix/cleanup[1]: 1A2B3C4D5E: reject: header Subject: x from h[192.0.2.1];"
	    " from=<a@b> to=<c@d> proto=ESMTP: 5.7.1 no"), EV_REJECT);
	ck_assert_int_eq(parse("Nov  2 10:00:00 mx postfix/cleanup[1]: 1A2B3C4D5E: milter-reject: END-OF-MESSAGE from h[192.0.2.1]:"
	    " 5.7.1 Spam"), EV_REJECT);
	ck_assert_int_eq(parse("Nov  2 10:00:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from h[192.0.2.1]: 554 5.7.1 denied"),
	    EV_REJECT);
	/* postscreen's rejects count as replies only (issue 14) */
	ck_assert_int_eq(parse("Nov  2 10:00:00 mx postfix/postscreen[1]: NOQUEUE: reject: RCPT from [192.0.2.1]:25: 550 no"),
	    EV_REPLY);
	ck_assert_int_eq(parse("Nov  2 10:00:00 mx postfix/smtpd[1]: warning: unknown[192.0.2.1]: SASL LOGIN authentication"
	    " failed: UGFzc3dvcmQ6"), EV_AUTH_FAILED);
	ck_assert_int_eq(parse("Nov  2 10:00:00 mx postfix/smtpd[1]: connect from h[192.0.2.1]"), EV_IGNORED);
	ck_assert_int_eq(parse("Nov  2 10:00:00 mx postfix/smtpd[1]: something new from the future"), EV_UNPARSED);
	/* the address of a to= without its closing '>' is not taken */
	ck_assert_int_eq(parse("Nov  2 10:00:00 mx postfix/smtp[1]: 1A2B3C4D5E: to=<a@b.example, status=sent"), EV_IGNORED);
	/* instance names */
	ck_assert_int_eq(parse("Nov  2 10:00:00 mx postfix-out/smtp[1]: x"), EV_UNPARSED);
	ck_assert(parser_postfix.owns(parser_postfix.default_instances, &h));
	ck_assert_int_eq(parse("Nov  2 10:00:00 mx dovecot[1]: x"), EV_UNPARSED);
	ck_assert(!parser_postfix.owns(parser_postfix.default_instances, &h));
}
END_TEST

/* Every prefix of a real line, and 1 MiB of junk: no crash, no read past the end. */
START_TEST(truncations_and_junk)
{
	static const char line[] = "Nov  2 10:00:00 mx postfix/smtp[1]: 1A2B3C4D5E: to=<a@b.example>,"
	    " relay=mx.b.example[192.0.2.5]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 queued as ABCDEF1234)";
	struct syslog_clock c;
	size_t i, n = sizeof(line) - 1;
	char *junk;

	for (i = 0; i <= n; i++) {
		char *copy = malloc(i + 1);
		memcpy(copy, line, i);
		syslog_clock_init(&c, 2026);
		if (syslog_parse(&c, copy, i, &h) == 0)
			parser_postfix.parse(&h, &ev);
		free(copy);
	}
	junk = malloc(1 << 20);
	for (i = 0; i < (1u << 20); i++)
		junk[i] = (char)(i * 131 + 7);
	memcpy(junk, "Nov  2 10:00:00 mx postfix/smtpd[1]: ", 37);
	syslog_clock_init(&c, 2026);
	if (syslog_parse(&c, junk, 1 << 20, &h) == 0)
		parser_postfix.parse(&h, &ev);
	free(junk);
}
END_TEST

/* The shared corpus: every line parses or is refused, and counts are known. */
START_TEST(shared_corpus)
{
	static const struct { const char *file; int auth_failed, rejects; } expect[] = {
		{ "fail2ban-postfix-sasl.log", 9, 0 },
		{ "kumina-postfix_exporter-test.log", -1, -1 },
	};
	const char *top = getenv("top_srcdir");
	char path[4096], buf[70000];
	size_t k;

	for (k = 0; k < sizeof(expect) / sizeof(expect[0]); k++) {
		int auth = 0, rej = 0, lines = 0;
		FILE *f;
		snprintf(path, sizeof(path), "%s/../shared/corpus/postfix/%s", top ? top : "..", expect[k].file);
		if ((f = fopen(path, "r")) == NULL)
			continue; /* the corpus lives beside the clone; nothing to check without it */
		while (fgets(buf, sizeof(buf), f) != NULL) {
			int t;
			buf[strcspn(buf, "\n")] = '\0';
			t = parse(buf);
			auth += t == EV_AUTH_FAILED;
			rej += t == EV_REJECT;
			lines++;
		}
		fclose(f);
		ck_assert_int_gt(lines, 0);
		if (expect[k].auth_failed >= 0)
			ck_assert_int_eq(auth, expect[k].auth_failed);
		if (expect[k].rejects >= 0)
			ck_assert_int_eq(rej, expect[k].rejects);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("shapes");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, header_shapes);
	tcase_add_test(tc, year_from_mtime_and_rollover);
	tcase_add_test(tc, postfix_shapes);
	tcase_add_test(tc, truncations_and_junk);
	tcase_add_test(tc, shared_corpus);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
