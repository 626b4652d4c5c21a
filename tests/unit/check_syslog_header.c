/*
 * The syslog envelope: BSD, RFC 3339, RFC 5424 and Solaris shapes, the year
 * a BSD stamp does not carry, the one-entry time cache, DST days kept as
 * written, and junk that must be refused without reading past the line.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "civil.h"
#include "syslog_header.h"

static struct log_header h;
/* The line under test, copied to exactly its length so ASan sees over-reads. */
static char *copy;

static int
parse_n(struct syslog_clock *c, const char *line, size_t len)
{
	free(copy);
	copy = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, line, len);
	memset(&h, 0xa5, sizeof(h));
	return syslog_parse(c, copy, len, &h);
}

/* A literal that may hold NUL bytes. */
#define PARSE_LIT(c, lit) parse_n((c), (lit), sizeof(lit) - 1)

static int
parse_s(struct syslog_clock *c, const char *line)
{
	return parse_n(c, line, strlen(line));
}

/* A fresh clock in 2026 for lines that do not test the year. */
static int
parse1(const char *line)
{
	struct syslog_clock c;

	syslog_clock_init(&c, 2026);
	return parse_s(&c, line);
}

static void
teardown(void)
{
	free(copy);
	copy = NULL;
}

static int
sveq(struct strview s, const char *lit)
{
	return s.n == strlen(lit) && (s.n == 0 || memcmp(s.p, lit, s.n) == 0);
}

#define ck_assert_sv(s, lit) ck_assert_msg(sveq((s), (lit)), \
	"%s is \"%.*s\", expected \"%s\"", #s, (int)(s).n, (s).p != NULL ? (s).p : "", (lit))

/* The wall-clock seconds of y-m-d h:mi:s. */
static int64_t
wall(int y, int mo, int d, int hh, int mi, int s)
{
	return (int64_t)civil_days(y, mo, d) * 86400 + hh * 3600 + mi * 60 + s;
}

static void
assert_when(int y, int mo, int d, int hh, int mi, int s)
{
	ck_assert_int_eq(h.when.day, civil_days(y, mo, d));
	ck_assert_int_eq(h.when.hour, hh);
	ck_assert_int_eq(h.when.t, wall(y, mo, d, hh, mi, s));
}

START_TEST(bsd_two_digit_day)
{
	ck_assert_int_eq(parse1("Nov 12 23:59:58 mx1 postfix/smtpd[12345]: connect from x[192.0.2.1]"), 0);
	assert_when(2026, 11, 12, 23, 59, 58);
	ck_assert_sv(h.host, "mx1");
	ck_assert_sv(h.program, "postfix/smtpd");
	ck_assert_sv(h.service, "smtpd");
	ck_assert_int_eq(h.pid, 12345);
	ck_assert_sv(h.msg, "connect from x[192.0.2.1]");
}
END_TEST

START_TEST(bsd_one_digit_day)
{
	/* space-padded, as syslogd writes it */
	ck_assert_int_eq(parse1("Nov  2 10:00:07 mx postfix/qmgr[7]: 1A2B3C4D5E: removed"), 0);
	assert_when(2026, 11, 2, 10, 0, 7);
	ck_assert_sv(h.host, "mx");
	ck_assert_sv(h.msg, "1A2B3C4D5E: removed");
	/* not padded, as some relays and hand-written logs have it */
	ck_assert_int_eq(parse1("Nov 2 10:00:07 mx postfix/qmgr[7]: 1A2B3C4D5E: removed"), 0);
	assert_when(2026, 11, 2, 10, 0, 7);
	ck_assert_sv(h.host, "mx");
	ck_assert_sv(h.program, "postfix/qmgr");
	/* zero-padded */
	ck_assert_int_eq(parse1("Jan 01 00:00:00 mx postfix/qmgr[7]: x"), 0);
	assert_when(2026, 1, 1, 0, 0, 0);
	ck_assert_sv(h.host, "mx");
}
END_TEST

START_TEST(bsd_fraction)
{
	ck_assert_int_eq(parse1("Nov  2 10:00:07.123456 mx postfix/smtp[9]: y"), 0);
	assert_when(2026, 11, 2, 10, 0, 7);
	ck_assert_sv(h.host, "mx");
	ck_assert_sv(h.msg, "y");
	ck_assert_int_eq(parse1("Nov 2 10:00:07,5 mx postfix/smtp[9]: y"), 0);
	assert_when(2026, 11, 2, 10, 0, 7);
	ck_assert_sv(h.host, "mx");
	/* a leap second is written as :60 */
	ck_assert_int_eq(parse1("Dec 31 23:59:60 mx postfix/smtp[9]: y"), 0);
	ck_assert_int_eq(h.when.hour, 23);
}
END_TEST

START_TEST(rfc3339_zulu)
{
	ck_assert_int_eq(parse1("2026-11-01T00:00:07Z mx postfix/smtpd[3]: hello"), 0);
	assert_when(2026, 11, 1, 0, 0, 7);
	ck_assert_sv(h.host, "mx");
	ck_assert_sv(h.program, "postfix/smtpd");
	ck_assert_int_eq(h.pid, 3);
	ck_assert_sv(h.msg, "hello");
}
END_TEST

START_TEST(rfc3339_offsets)
{
	/* the offset is dropped: hours are the log's own wall clock */
	ck_assert_int_eq(parse1("2026-11-01T00:00:07.123456+01:00 mx postfix/smtpd[3]: a"), 0);
	assert_when(2026, 11, 1, 0, 0, 7);
	ck_assert_sv(h.host, "mx");
	ck_assert_sv(h.msg, "a");
	ck_assert_int_eq(parse1("2026-03-08T23:59:59-05:00 mx postfix/smtpd[3]: b"), 0);
	assert_when(2026, 3, 8, 23, 59, 59);
	ck_assert_sv(h.host, "mx");
	ck_assert_int_eq(parse1("2026-03-08T23:59:59.5-0500 mx postfix/smtpd[3]: c"), 0);
	assert_when(2026, 3, 8, 23, 59, 59);
	ck_assert_sv(h.msg, "c");
	ck_assert_int_eq(parse1("2024-02-29T12:30:00.000+00:00 mailhost postfix/qmgr[1]: d"), 0);
	assert_when(2024, 2, 29, 12, 30, 0);
	ck_assert_sv(h.host, "mailhost");
}
END_TEST

/* "YYYY-MM-DD hh:mm:ss" (a space for the T) as journal exports write it */
START_TEST(rfc3339_space_separator)
{
	ck_assert_int_eq(parse1("2026-11-01 00:00:07 mx postfix/smtpd[3]: a"), 0);
	assert_when(2026, 11, 1, 0, 0, 7);
	ck_assert_sv(h.host, "mx");
	ck_assert_sv(h.program, "postfix/smtpd");
	ck_assert_sv(h.msg, "a");
	ck_assert_int_eq(parse1("2026-11-01 00:00:07.25+01:00 mx postfix/smtpd[3]: b"), 0);
	assert_when(2026, 11, 1, 0, 0, 7);
	ck_assert_sv(h.host, "mx");
}
END_TEST

START_TEST(rfc5424_no_sd)
{
	ck_assert_int_eq(parse1("<22>1 2026-11-01T00:00:07.123Z mx postfix/smtpd 4242 - - NOQUEUE: reject: x"), 0);
	assert_when(2026, 11, 1, 0, 0, 7);
	ck_assert_sv(h.host, "mx");
	ck_assert_sv(h.program, "postfix/smtpd");
	ck_assert_sv(h.service, "smtpd");
	ck_assert_int_eq(h.pid, 4242);
	ck_assert_sv(h.msg, "NOQUEUE: reject: x");
	/* no PROCID, a MSGID */
	ck_assert_int_eq(parse1("<22>1 2026-11-01T00:00:07+01:00 mx postfix/qmgr - ID47 - 1A2B3C4D5E: removed"), 0);
	ck_assert_int_eq(h.pid, -1);
	ck_assert_sv(h.service, "qmgr");
	ck_assert_sv(h.msg, "1A2B3C4D5E: removed");
	/* no MSG at all */
	ck_assert_int_eq(parse1("<22>1 2026-11-01T00:00:07Z mx postfix/qmgr 1 - -"), 0);
	ck_assert_sv(h.msg, "");
}
END_TEST

START_TEST(rfc5424_sd)
{
	ck_assert_int_eq(parse1("<22>1 2026-11-01T00:00:07Z mx postfix/smtpd 77 ID1 "
	    "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\"] the message"), 0);
	ck_assert_int_eq(h.pid, 77);
	ck_assert_sv(h.msg, "the message");
	/* two elements, an escaped ']' and '"' inside a value */
	ck_assert_int_eq(parse1("<22>1 2026-11-01T00:00:07Z mx postfix/smtpd 77 ID1 "
	    "[a x=\"1\\]2\"][b y=\"q\\\"\\]\"] msg [not sd]"), 0);
	ck_assert_sv(h.msg, "msg [not sd]");
	/* a writer that forgot to escape ']' inside a quoted value */
	ck_assert_int_eq(parse1("<22>1 2026-11-01T00:00:07Z mx postfix/smtpd 77 ID1 "
	    "[a x=\"[1]\" y=\"]\"] msg"), 0);
	ck_assert_sv(h.msg, "msg");
	/* structured data and nothing after it */
	ck_assert_int_eq(parse1("<22>1 2026-11-01T00:00:07Z mx postfix/smtpd 77 ID1 [a x=\"1\"]"), 0);
	ck_assert_sv(h.msg, "");
}
END_TEST

START_TEST(rfc5424_bom)
{
	ck_assert_int_eq(parse1("<22>1 2026-11-01T00:00:07Z mx postfix/smtpd 5 - - \xef\xbb\xbf" "connect from x"), 0);
	ck_assert_sv(h.msg, "connect from x");
	ck_assert_int_eq(parse1("<22>1 2026-11-01T00:00:07Z mx postfix/smtpd 5 - [a b=\"c\"] \xef\xbb\xbf" "hi"), 0);
	ck_assert_sv(h.msg, "hi");
}
END_TEST

START_TEST(solaris_id)
{
	ck_assert_int_eq(parse1("Nov  2 10:00:00 mx postfix/smtpd[1]: [ID 197553 mail.info] connect from x"), 0);
	ck_assert_sv(h.msg, "connect from x");
	ck_assert_sv(h.service, "smtpd");
	/* a bracket that is not a Solaris id stays in the message */
	ck_assert_int_eq(parse1("Nov  2 10:00:00 mx postfix/smtpd[1]: [IDX] y"), 0);
	ck_assert_sv(h.msg, "[IDX] y");
	ck_assert_int_eq(parse1("Nov  2 10:00:00 mx postfix/smtpd[1]: [ID 197553 mail.info"), 0);
	ck_assert_sv(h.msg, "[ID 197553 mail.info");
}
END_TEST

START_TEST(pri_prefix)
{
	ck_assert_int_eq(parse1("<22>Nov  2 10:00:00 mx postfix/smtpd[1]: x"), 0);
	assert_when(2026, 11, 2, 10, 0, 0);
	ck_assert_sv(h.host, "mx");
	ck_assert_sv(h.msg, "x");
	ck_assert_int_eq(parse1("<134>2026-11-01T00:00:07+01:00 mx postfix/smtpd[1]: y"), 0);
	assert_when(2026, 11, 1, 0, 0, 7);
	ck_assert_sv(h.msg, "y");
	ck_assert_int_eq(parse1("<22Nov  2 10:00:00 mx postfix/smtpd[1]: x"), -1);
	ck_assert_int_eq(parse1("<1234567>Nov  2 10:00:00 mx postfix/smtpd[1]: x"), -1);
}
END_TEST

START_TEST(program_and_pid)
{
	ck_assert_int_eq(parse1("Nov  2 10:00:00 mx postfix/smtpd[1]: x"), 0);
	ck_assert_sv(h.program, "postfix/smtpd");
	ck_assert_sv(h.service, "smtpd");
	ck_assert_int_eq(parse1("Nov  2 10:00:00 mx postfix/submission/smtpd[22427]: x"), 0);
	ck_assert_sv(h.program, "postfix/submission/smtpd");
	ck_assert_sv(h.service, "smtpd");
	ck_assert_int_eq(h.pid, 22427);
	ck_assert_int_eq(parse1("Nov  2 10:00:00 mx postfix-out/smtp[99]: x"), 0);
	ck_assert_sv(h.program, "postfix-out/smtp");
	ck_assert_sv(h.service, "smtp");
	/* no pid */
	ck_assert_int_eq(parse1("Nov  2 10:00:00 mx postfix/smtpd: x"), 0);
	ck_assert_sv(h.program, "postfix/smtpd");
	ck_assert_int_eq(h.pid, -1);
	ck_assert_sv(h.msg, "x");
	/* no slash: the service is the whole program */
	ck_assert_int_eq(parse1("Nov  2 10:00:00 mx sendmail[5]: x"), 0);
	ck_assert_sv(h.service, "sendmail");
	/* no space after the colon, and an empty message */
	ck_assert_int_eq(parse1("Nov  2 10:00:00 mx postfix/smtpd[1]:x"), 0);
	ck_assert_sv(h.msg, "x");
	ck_assert_int_eq(parse1("Nov  2 10:00:00 mx postfix/smtpd[1]:"), 0);
	ck_assert_sv(h.msg, "");
	/* a huge pid does not overflow */
	ck_assert_int_eq(parse1("Nov  2 10:00:00 mx postfix/smtpd[99999999999999999999999]: x"), 0);
	ck_assert_int_ge(h.pid, 0);
}
END_TEST

START_TEST(year_from_clock)
{
	struct syslog_clock c;

	syslog_clock_init(&c, 2024);
	ck_assert_int_eq(parse_s(&c, "Feb 29 12:00:00 mx p[1]: leap day"), 0);
	assert_when(2024, 2, 29, 12, 0, 0);
	syslog_clock_init(&c, 1999);
	ck_assert_int_eq(parse_s(&c, "Dec 31 23:59:59 mx p[1]: y2k"), 0);
	assert_when(1999, 12, 31, 23, 59, 59);
}
END_TEST

START_TEST(year_rollover)
{
	struct syslog_clock c;
	int64_t t;

	syslog_clock_init(&c, 2026);
	ck_assert_int_eq(parse_s(&c, "Dec 31 23:59:59 mx p[1]: a"), 0);
	assert_when(2026, 12, 31, 23, 59, 59);
	t = h.when.t;
	ck_assert_int_eq(parse_s(&c, "Jan  1 00:00:00 mx p[1]: b"), 0);
	assert_when(2027, 1, 1, 0, 0, 0);
	ck_assert_int_eq(h.when.t - t, 1);
	/* the new year sticks for later months and repeated January lines */
	ck_assert_int_eq(parse_s(&c, "Jan  1 00:00:00 mx p[1]: c"), 0);
	assert_when(2027, 1, 1, 0, 0, 0);
	ck_assert_int_eq(parse_s(&c, "Feb  3 04:05:06 mx p[1]: d"), 0);
	assert_when(2027, 2, 3, 4, 5, 6);
	/* a Jan line not preceded by Dec is the same year */
	syslog_clock_init(&c, 2026);
	ck_assert_int_eq(parse_s(&c, "Nov 30 10:00:00 mx p[1]: a"), 0);
	ck_assert_int_eq(parse_s(&c, "Jan  5 10:00:00 mx p[1]: b"), 0);
	assert_when(2026, 1, 5, 10, 0, 0);
	/* RFC 3339 lines in between do not disturb the BSD clock */
	syslog_clock_init(&c, 2026);
	ck_assert_int_eq(parse_s(&c, "Dec 31 23:59:59 mx p[1]: a"), 0);
	ck_assert_int_eq(parse_s(&c, "2030-06-01T00:00:00Z mx p[1]: b"), 0);
	assert_when(2030, 6, 1, 0, 0, 0);
	ck_assert_int_eq(parse_s(&c, "Jan  1 00:00:01 mx p[1]: c"), 0);
	assert_when(2027, 1, 1, 0, 0, 1);
}
END_TEST

START_TEST(year_from_mtime)
{
	struct syslog_clock c;
	time_t jan = (time_t)wall(2027, 1, 3, 12, 0, 0);
	time_t jun = (time_t)wall(2026, 6, 15, 12, 0, 0);

	setenv("TZ", "UTC", 1);
	tzset();
	/* started in December 2026, modified in January 2027 */
	syslog_clock_init_mtime(&c, jan);
	ck_assert_int_eq(parse_s(&c, "Dec 30 08:00:00 mx p[1]: a"), 0);
	assert_when(2026, 12, 30, 8, 0, 0);
	ck_assert_int_eq(parse_s(&c, "Dec 31 23:59:59 mx p[1]: b"), 0);
	assert_when(2026, 12, 31, 23, 59, 59);
	ck_assert_int_eq(parse_s(&c, "Jan  1 00:00:00 mx p[1]: c"), 0);
	assert_when(2027, 1, 1, 0, 0, 0);
	ck_assert_int_eq(parse_s(&c, "Jan  3 11:00:00 mx p[1]: d"), 0);
	assert_when(2027, 1, 3, 11, 0, 0);
	/* started and modified in January */
	syslog_clock_init_mtime(&c, jan);
	ck_assert_int_eq(parse_s(&c, "Jan  2 08:00:00 mx p[1]: a"), 0);
	assert_when(2027, 1, 2, 8, 0, 0);
	/* modified in June, started in March or June: this year */
	syslog_clock_init_mtime(&c, jun);
	ck_assert_int_eq(parse_s(&c, "Mar  1 08:00:00 mx p[1]: a"), 0);
	assert_when(2026, 3, 1, 8, 0, 0);
	syslog_clock_init_mtime(&c, jun);
	ck_assert_int_eq(parse_s(&c, "Jun 15 11:00:00 mx p[1]: a"), 0);
	assert_when(2026, 6, 15, 11, 0, 0);
	/* a first line after the mtime's month was written last year */
	syslog_clock_init_mtime(&c, jun);
	ck_assert_int_eq(parse_s(&c, "Jul  1 00:00:00 mx p[1]: a"), 0);
	assert_when(2025, 7, 1, 0, 0, 0);
}
END_TEST

START_TEST(time_cache)
{
	struct syslog_clock c;

	syslog_clock_init(&c, 2026);
	ck_assert_int_eq(parse_s(&c, "Nov  2 10:00:07 mx postfix/smtpd[1]: a"), 0);
	assert_when(2026, 11, 2, 10, 0, 7);
	/* same second: the time comes from the cache, the rest from the line */
	ck_assert_int_eq(parse_s(&c, "Nov  2 10:00:07 other postfix/qmgr[2]: b"), 0);
	assert_when(2026, 11, 2, 10, 0, 7);
	ck_assert_sv(h.host, "other");
	ck_assert_sv(h.service, "qmgr");
	ck_assert_int_eq(h.pid, 2);
	ck_assert_sv(h.msg, "b");
	/* the next second, and back */
	ck_assert_int_eq(parse_s(&c, "Nov  2 10:00:08 mx postfix/smtpd[1]: c"), 0);
	assert_when(2026, 11, 2, 10, 0, 8);
	ck_assert_int_eq(parse_s(&c, "Nov  2 10:00:07 mx postfix/smtpd[1]: d"), 0);
	assert_when(2026, 11, 2, 10, 0, 7);
	/* a cached stamp does not make a broken line valid */
	ck_assert_int_eq(parse_s(&c, "Nov  2 10:00:07 mx"), -1);
	ck_assert_int_eq(parse_s(&c, "Nov  2 10:00:07 "), -1);
	ck_assert_int_eq(parse_s(&c, "Nov  2 10:00:07"), -1);
	/* unpadded day: the key covers the byte after the stamp */
	ck_assert_int_eq(parse_s(&c, "Nov 2 10:00:09 mx p[1]: e"), 0);
	assert_when(2026, 11, 2, 10, 0, 9);
	ck_assert_int_eq(parse_s(&c, "Nov 2 10:00:09.5 mx p[1]: f"), 0);
	assert_when(2026, 11, 2, 10, 0, 9);
	ck_assert_sv(h.host, "mx");
	/* RFC 3339: one second with different fractions and offsets shares the key */
	ck_assert_int_eq(parse_s(&c, "2026-11-01T00:00:07.1+01:00 mx p[1]: g"), 0);
	assert_when(2026, 11, 1, 0, 0, 7);
	ck_assert_int_eq(parse_s(&c, "2026-11-01T00:00:07.9-05:00 mx2 p[1]: h"), 0);
	assert_when(2026, 11, 1, 0, 0, 7);
	ck_assert_sv(h.host, "mx2");
	ck_assert_int_eq(parse_s(&c, "2026-11-01T00:00:08Z mx p[1]: i"), 0);
	assert_when(2026, 11, 1, 0, 0, 8);
	/* and the BSD stamp after it is not taken from the ISO cache */
	ck_assert_int_eq(parse_s(&c, "Nov  2 10:00:07 mx postfix/smtpd[1]: j"), 0);
	assert_when(2026, 11, 2, 10, 0, 7);
	/* the cache holds the minute: its seconds are read from every line */
	ck_assert_int_eq(parse_s(&c, "Nov  2 10:00:59 mx p[1]: k"), 0);
	assert_when(2026, 11, 2, 10, 0, 59);
	ck_assert_int_eq(parse_s(&c, "Nov  2 10:00:60 mx p[1]: leap"), 0);
	ck_assert_int_eq(h.when.t, wall(2026, 11, 2, 10, 0, 60));
	ck_assert_int_eq(parse_s(&c, "Nov  2 10:00:00 mx p[1]: l"), 0);
	assert_when(2026, 11, 2, 10, 0, 0);
	ck_assert_int_eq(parse_s(&c, "Nov  2 10:00:61 mx p[1]: m"), -1);
	ck_assert_int_eq(parse_s(&c, "Nov  2 10:00:x7 mx p[1]: n"), -1);
	ck_assert_int_eq(parse_s(&c, "Nov  2 10:00:7 mx p[1]: o"), -1);
	/* the same minute of another day (two digits, padded, unpadded) */
	ck_assert_int_eq(parse_s(&c, "Nov 12 10:00:05 mx p[1]: p"), 0);
	assert_when(2026, 11, 12, 10, 0, 5);
	ck_assert_int_eq(parse_s(&c, "Nov  2 10:00:06 mx p[1]: q"), 0);
	assert_when(2026, 11, 2, 10, 0, 6);
	ck_assert_int_eq(parse_s(&c, "Nov 2 10:00:04 mx p[1]: r"), 0);
	assert_when(2026, 11, 2, 10, 0, 4);
	ck_assert_int_eq(parse_s(&c, "2026-11-01T00:00:59.5Z mx p[1]: s"), 0);
	assert_when(2026, 11, 1, 0, 0, 59);
	ck_assert_int_eq(parse_s(&c, "2026-11-01T00:00:5Z mx p[1]: t"), -1);
}
END_TEST

/* Spring forward (Europe, 2026-03-29): 02:xx does not exist; hours as written. */
START_TEST(dst_spring_forward)
{
	struct syslog_clock c;
	int64_t t;

	syslog_clock_init(&c, 2026);
	ck_assert_int_eq(parse_s(&c, "Mar 29 01:59:59 mx p[1]: a"), 0);
	assert_when(2026, 3, 29, 1, 59, 59);
	t = h.when.t;
	ck_assert_int_eq(parse_s(&c, "Mar 29 03:00:00 mx p[1]: b"), 0);
	assert_when(2026, 3, 29, 3, 0, 0);
	ck_assert_int_eq(h.when.t - t, 3601);
	ck_assert_int_eq(parse_s(&c, "2026-03-29T01:59:59+01:00 mx p[1]: c"), 0);
	assert_when(2026, 3, 29, 1, 59, 59);
	ck_assert_int_eq(parse_s(&c, "2026-03-29T03:00:00+02:00 mx p[1]: d"), 0);
	assert_when(2026, 3, 29, 3, 0, 0);
}
END_TEST

/* Fall back (Europe, 2026-10-25): 02:xx happens twice; both are hour 2. */
START_TEST(dst_fall_back)
{
	struct syslog_clock c;

	syslog_clock_init(&c, 2026);
	ck_assert_int_eq(parse_s(&c, "Oct 25 02:30:00 mx p[1]: first pass"), 0);
	assert_when(2026, 10, 25, 2, 30, 0);
	ck_assert_int_eq(parse_s(&c, "Oct 25 02:59:59 mx p[1]: first pass"), 0);
	assert_when(2026, 10, 25, 2, 59, 59);
	ck_assert_int_eq(parse_s(&c, "Oct 25 02:00:00 mx p[1]: second pass"), 0);
	assert_when(2026, 10, 25, 2, 0, 0);
	ck_assert_int_eq(parse_s(&c, "Oct 25 02:30:00 mx p[1]: second pass"), 0);
	assert_when(2026, 10, 25, 2, 30, 0);
	ck_assert_int_eq(parse_s(&c, "2026-10-25T02:30:00+02:00 mx p[1]: a"), 0);
	assert_when(2026, 10, 25, 2, 30, 0);
	ck_assert_int_eq(parse_s(&c, "2026-10-25T02:30:00+01:00 mx p[1]: b"), 0);
	assert_when(2026, 10, 25, 2, 30, 0);
}
END_TEST

START_TEST(garbage_refused)
{
	static const char *const junk[] = {
		"", " ", "J", "Jan", "Jan ", "Jan 1", "Jan  1 00:00", "Jan  1 00:00:00",
		"Jan  1 00:00:00 ", "Jan  1 00:00:00 host", "Jan  1 00:00:00 host ",
		"Jan  1 00:00:00 host prog", "Jan  1 00:00:00 host prog[12345",
		"Jan  1 00:00:00 host prog[12345]", "Jan  1 00:00:00 host prog[12345] msg",
		"Jan  1 00:00:00 host prog msg", "Jan  1 00:00:00 host prog[12a45]: x",
		"Jan  1 00:00:00 host [1]: x", "Jan  1 00:00:00 host : x",
		"Jan: 1 00:00:00 host p[1]: x", "Jan 32 00:00:00 host p[1]: x",
		"Jan  0 00:00:00 host p[1]: x", "Jan  1 24:00:00 host p[1]: x",
		"Jan  1 00:60:00 host p[1]: x", "Jan  1 00:00:61 host p[1]: x",
		"Jan  1 0:00:00 host p[1]: x", "Jan  1 00-00-00 host p[1]: x",
		"Jan 123 00:00:00 host p[1]: x", "Jan  x 00:00:00 host p[1]: x",
		"Foo  1 00:00:00 host p[1]: x", "jan  1 00:00:00 host p[1]: x",
		"JAN  1 00:00:00 host p[1]: x", "Jan\t 1 00:00:00 host p[1]: x",
		"2026-13-01T00:00:00Z host p[1]: x", "2026-00-01T00:00:00Z host p[1]: x",
		"2026-11-32T00:00:00Z host p[1]: x", "2026-11-00T00:00:00Z host p[1]: x",
		"2026-11-01T25:00:00Z host p[1]: x", "2026-11-01X00:00:00Z host p[1]: x",
		"2026-11-01T00:00Z host p[1]: x", "2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z ",
		"2026-11-01T00:00:00Z host", "20x6-11-01T00:00:00Z host p[1]: x",
		"2026-11-01", "<", "<>", "<22>", "<22>1", "<22>1 ", "<22>1 2026-11-01T00:00:00Z",
		"<22>1 2026-11-01T00:00:00Z host", "<22>1 2026-11-01T00:00:00Z host app",
		"<22>1 2026-11-01T00:00:00Z host app 1", "<22>1 2026-11-01T00:00:00Z host app 1 ID",
		"<22>1 garbage garbage garbage garbage", "<22>1 - host app 1 ID - msg",
		"\xff\xfe\xfd", "Jan  1 00:00:00\r\n", "\n",
	};
	struct syslog_clock c;
	size_t i;

	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		ck_assert_msg(parse1(junk[i]) == -1, "accepted \"%s\"", junk[i]);
	/* NUL bytes: refused where they break the header, never read past */
	syslog_clock_init(&c, 2026);
	ck_assert_int_eq(PARSE_LIT(&c, "Jan  1 00:00:00\0host p[1]: x"), -1);
	ck_assert_int_eq(PARSE_LIT(&c, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"), -1);
	ck_assert_int_eq(PARSE_LIT(&c, "Jan  1 00:00:00 host p[1]: a\0b"), 0);
	ck_assert_int_eq(h.msg.n, 3);
}
END_TEST

/* Every prefix of every shape, each copied to exactly its length. */
START_TEST(every_prefix)
{
	static const char *const lines[] = {
		"Nov  2 10:00:07.123 mx postfix/submission/smtpd[12345]: [ID 197553 mail.info] x",
		"Nov 12 10:00:07 mx postfix/smtpd[1]: x",
		"2026-11-01T00:00:07.123456+01:00 mx postfix/smtpd[3]: a",
		"2026-11-01 00:00:07-0500 mx postfix/smtpd: a",
		"<22>1 2026-11-01T00:00:07.123Z mx postfix/smtpd 4242 ID1 [a x=\"1\\]\"][b] \xef\xbb\xbfmsg",
		"<22>1 2026-11-01T00:00:07Z mx postfix/smtpd 4242 ID1 - msg",
		"<134>Nov  2 10:00:00 mx postfix/smtpd[1]: x",
	};
	struct syslog_clock c;
	size_t i, n;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		for (n = 0; n <= strlen(lines[i]); n++) {
			syslog_clock_init(&c, 2026);
			if (parse_n(&c, lines[i], n) == 0) {
				ck_assert_uint_le((size_t)(h.msg.p - copy) + h.msg.n, n);
				ck_assert_uint_le((size_t)(h.host.p - copy) + h.host.n, n);
				ck_assert_uint_le((size_t)(h.program.p - copy) + h.program.n, n);
			}
		}
	}
}
END_TEST

/* A clock reused across very different lines keeps its state sane. */
START_TEST(clock_survives_junk)
{
	struct syslog_clock c;

	syslog_clock_init(&c, 2026);
	ck_assert_int_eq(parse_s(&c, "Dec 31 23:59:59 mx p[1]: a"), 0);
	ck_assert_int_eq(parse_s(&c, "Jan 99 00:00:00 mx p[1]: junk"), -1);
	ck_assert_int_eq(parse_s(&c, "garbage"), -1);
	ck_assert_int_eq(parse_s(&c, "Jan  1 00:00:00 mx p[1]: b"), 0);
	assert_when(2027, 1, 1, 0, 0, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("syslog_header");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, bsd_two_digit_day);
	tcase_add_test(tc, bsd_one_digit_day);
	tcase_add_test(tc, bsd_fraction);
	tcase_add_test(tc, rfc3339_zulu);
	tcase_add_test(tc, rfc3339_offsets);
	tcase_add_test(tc, rfc3339_space_separator);
	tcase_add_test(tc, rfc5424_no_sd);
	tcase_add_test(tc, rfc5424_sd);
	tcase_add_test(tc, rfc5424_bom);
	tcase_add_test(tc, solaris_id);
	tcase_add_test(tc, pri_prefix);
	tcase_add_test(tc, program_and_pid);
	tcase_add_test(tc, year_from_clock);
	tcase_add_test(tc, year_rollover);
	tcase_add_test(tc, year_from_mtime);
	tcase_add_test(tc, time_cache);
	tcase_add_test(tc, dst_spring_forward);
	tcase_add_test(tc, dst_fall_back);
	tcase_add_test(tc, garbage_refused);
	tcase_add_test(tc, every_prefix);
	tcase_add_test(tc, clock_survives_junk);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
