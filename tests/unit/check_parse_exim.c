/*
 * The Exim parser: its envelope reader (main log and syslog), every line
 * shape with its exact fields, both id forms, the default and +all
 * selectors, attacker text that imitates fields, truncations, and every
 * line of the shared Exim corpus parsed or deliberately ignored.
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

/* Envelope, owner and event of a whole line: the event type, -1 without an envelope, -2 not Exim's. */
static int
parse_n(const char *line, size_t n)
{
	struct syslog_clock c;

	syslog_clock_init(&c, 2026);
	memset(&ev, 0, sizeof(ev));
	if (parser_exim.envelope(&c, line, n, &h) != 0)
		return -1;
	if (!parser_exim.owns(parser_exim.default_instances, &h))
		return -2;
	parser_exim.parse(&h, &ev);
	return ev.type;
}

static int
parse(const char *line)
{
	return parse_n(line, strlen(line));
}

static int
sveq(struct strview s, const char *lit)
{
	return s.n == strlen(lit) && (s.n == 0 || memcmp(s.p, lit, s.n) == 0);
}

/* What the corpus lines report for issue 14, tallied over a file. */
enum { H_REPLY_IN, H_REPLY_OUT, H_TLS_IN, H_PLAIN_IN, H_TLS_OUT, H_PLAIN_OUT, H_DELAY, NHEALTH };
static const char *const health_names[NHEALTH] = { "replies in", "replies out", "TLS in",
	"plaintext in", "TLS out", "plaintext out", "delays" };

static void
tally(int *health)
{
	if (ev.reply.code != 0)
		health[ev.reply.dir == MTA_DIR_OUT ? H_REPLY_OUT : H_REPLY_IN]++;
	if (ev.has_tls && ev.dir == MTA_DIR_IN)
		health[ev.tls ? H_TLS_IN : H_PLAIN_IN]++;
	if (ev.has_tls && ev.dir == MTA_DIR_OUT)
		health[ev.tls ? H_TLS_OUT : H_PLAIN_OUT]++;
	if (ev.has_delay)
		health[H_DELAY]++;
}

/* The reply of the last line: code, direction, enhanced code and text. */
static void
reply_is(int code, int dir, const char *enh, const char *text)
{
	ck_assert_int_eq(ev.reply.code, code);
	ck_assert_int_eq(ev.reply.dir, dir);
	ck_assert_msg(sveq(ev.reply.enh, enh), "enh '%.*s', expected '%s'", (int)ev.reply.enh.n,
	    ev.reply.enh.p, enh);
	ck_assert_msg(sveq(ev.reply.text, text), "text '%.*s', expected '%s'", (int)ev.reply.text.n,
	    ev.reply.text.p, text);
}

static int32_t
day(const char *ymd)
{
	int32_t d;

	ck_assert_int_eq(civil_parse(ymd, &d), 0);
	return d;
}

START_TEST(envelope_mainlog)
{
	ck_assert_int_eq(parse("2024-12-31 23:59:59 1tSmhT-000abc-Zz Completed"), EV_REMOVED);
	ck_assert_int_eq(h.when.day, day("2024-12-31"));
	ck_assert_int_eq(h.when.hour, 23);
	ck_assert(sveq(h.program, "exim") && h.host.n == 0 && h.pid == -1);
	ck_assert(sveq(ev.qid, "1tSmhT-000abc-Zz"));
	/* milliseconds, log_timezone, +pid: the wall clock written is kept */
	ck_assert_int_eq(parse("2025-01-01 00:00:01.123 +0100 [4711] 1tSmhT-000abc-Zz Completed"),
	    EV_REMOVED);
	ck_assert_int_eq(h.when.day, day("2025-01-01"));
	ck_assert_int_eq(h.when.hour, 0);
	ck_assert_int_eq(h.pid, 4711);
	ck_assert(sveq(h.msg, "1tSmhT-000abc-Zz Completed"));
	ck_assert_int_eq(parse("2025-01-01 07:00:01 -0530 Start queue run: pid=12"), EV_IGNORED);
	ck_assert_int_eq(h.when.hour, 7);
	ck_assert(sveq(h.msg, "Start queue run: pid=12"));
	ck_assert_int_eq(parse("2025-01-01 07:00:01.5 [99] Start queue run: pid=12"), EV_IGNORED);
	ck_assert_int_eq(h.pid, 99);
	/* not a stamp: month 13, letters, 'T' (that is RFC 3339, read by syslog) */
	ck_assert_int_eq(parse("2025-13-01 07:00:01 x"), -1);
	ck_assert_int_eq(parse("2025-01-0a 07:00:01 x"), -1);
	ck_assert_int_eq(parse("2025-01-01 07:00"), -1);
	ck_assert_int_eq(parse(""), -1);
}
END_TEST

START_TEST(envelope_syslog)
{
	/* syslog_timestamp (default): Exim's own stamp gives the year, not the clock's */
	ck_assert_int_eq(parse("Dec 31 23:59:59 mx exim[812]: 2024-12-31 23:59:59 "
	    "1tSmhT-000abc-Zz Completed"), EV_REMOVED);
	ck_assert_int_eq(h.when.day, day("2024-12-31"));
	ck_assert(sveq(h.host, "mx") && sveq(h.program, "exim") && h.pid == 812);
	/* without it: the syslog stamp and the clock's year */
	ck_assert_int_eq(parse("Mar  2 09:44:33 mx exim4[7]: 1tSmhT-000abc-Zz Completed"), EV_REMOVED);
	ck_assert_int_eq(h.when.day, day("2026-03-02"));
	ck_assert_int_eq(h.when.hour, 9);
	ck_assert(sveq(h.program, "exim4") && sveq(ev.qid, "1tSmhT-000abc-Zz"));
	/* RFC 3339 header, +pid inside the message */
	ck_assert_int_eq(parse("2026-03-02T10:00:00+01:00 mx exim[7]: [7] 1tSmhT-000abc-Zz Completed"),
	    EV_REMOVED);
	ck_assert_int_eq(h.when.hour, 10);
	/* rsyslog "YYYY-MM-DD hh:mm:ss host tag[pid]:" */
	ck_assert_int_eq(parse("2019-10-22 03:39:17 mx1.fqdn.local exim[29786]: dovecot_login "
	    "authenticator failed for (User) [192.0.2.37]: 535 Incorrect authentication data"),
	    EV_AUTH_FAILED);
	ck_assert(sveq(h.host, "mx1.fqdn.local") && h.pid == 29786);
	ck_assert_int_eq(h.when.day, day("2019-10-22"));
	/* a cut syslog line: only Exim's stamp dates it */
	ck_assert_int_eq(parse("mail.example.com exim[3751842]: 2021-07-17 23:20:49 plain_server "
	    "authenticator failed for ([192.0.2.17]) [192.0.2.27]: 535 Incorrect"), EV_AUTH_FAILED);
	ck_assert_int_eq(h.when.day, day("2021-07-17"));
	ck_assert_int_eq(parse("mail.example.com exim[3751842]: plain_server authenticator failed"), -1);
	/* a long message split by Exim: the first part is the line, the others ignored */
	ck_assert_int_eq(parse("Mar  2 09:44:33 mx exim[7]: [1\\2] 2026-03-02 09:44:33 "
	    "1tSmhT-000abc-Zz <= a@b.example H=h [192.0.2.1] P=esmtp S=10 for x@y"), EV_QUEUED);
	ck_assert_uint_eq(ev.size, 10);
	ck_assert_int_eq(parse("Mar  2 09:44:33 mx exim[7]: [2/2] z@y.example"), EV_IGNORED);
	/* other programs are not Exim's */
	ck_assert_int_eq(parse("Mar  2 09:44:33 mx postfix/smtpd[7]: connect from x"), -2);
	ck_assert_int_eq(parse("Mar  2 09:44:33 mx eximstats[7]: 1tSmhT-000abc-Zz Completed"), -2);
}
END_TEST

START_TEST(message_ids)
{
	/* 6-6-2 and 6-11-4, case kept */
	ck_assert_int_eq(parse("2026-03-02 09:44:33 1yG2vl-0000En-2F Completed"), EV_REMOVED);
	ck_assert(sveq(ev.qid, "1yG2vl-0000En-2F"));
	ck_assert_int_eq(parse("2026-03-02 09:44:33 1rXXXX-00000000Abc-WXYZ Completed"), EV_REMOVED);
	ck_assert(sveq(ev.qid, "1rXXXX-00000000Abc-WXYZ"));
	ck_assert_uint_eq(ev.qid.n, 23);
	/* other shapes are text, not ids */
	ck_assert_int_eq(parse("2026-03-02 09:44:33 1yG2v-0000En-2F Completed"), EV_IGNORED);
	ck_assert_uint_eq(ev.qid.n, 0);
	ck_assert_int_eq(parse("2026-03-02 09:44:33 1yG2vl-0000En1-2F Completed"), EV_IGNORED);
	ck_assert_int_eq(parse("2026-03-02 09:44:33 1yG2vl-0000En-2F3 Completed"), EV_IGNORED);
	ck_assert_int_eq(parse("2026-03-02 09:44:33 1yG2vl-0000En-2_ Completed"), EV_IGNORED);
	ck_assert_int_eq(parse("2026-03-02 09:44:33 1yG2vl-0000En-2F"), EV_IGNORED);
}
END_TEST

START_TEST(reception)
{
	/* default selector, SMTP without authentication: the account is the sender */
	ck_assert_int_eq(parse("2026-03-02 09:44:33 1yG2vl-0000En-2F <= alice@ext.example "
	    "H=mx.ext.example [192.0.2.1] P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no "
	    "S=2345 id=abc@ext.example"), EV_QUEUED);
	ck_assert(sveq(ev.qid, "1yG2vl-0000En-2F") && sveq(ev.sender, "alice@ext.example"));
	ck_assert(ev.origin && ev.has_sender && ev.sasl.n == 0);
	ck_assert_uint_eq(ev.size, 2345);
	/* +all, authenticated: the set id after the first colon; T= and "for" are the attacker's */
	ck_assert_int_eq(parse("2026-03-02 09:44:33.120 +0100 [55] 1rXXXX-00000000Abc-WXYZ <= "
	    "forged@bank.example H=(helo) [198.51.100.7]:41234 I=[192.0.2.25]:587 P=esmtpsa "
	    "X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no A=dovecot_plain:joe@local.example:x "
	    "S=7001 M8S=0 K id=<x A=a:b S=1>@x T=\"hi A=evil:mallory S=99\" from <forged@bank.example> "
	    "for A=z:eve@x S=5@y"), EV_QUEUED);
	ck_assert(sveq(ev.sasl, "joe@local.example:x") && sveq(ev.sender, "forged@bank.example"));
	ck_assert_uint_eq(ev.size, 7001);
	ck_assert(sveq(ev.qid, "1rXXXX-00000000Abc-WXYZ"));
	/* the subject cannot supply fields the line lacks */
	ck_assert_int_eq(parse("2026-03-02 09:44:33 1yG2vl-0000En-2F <= a@ext.example H=[192.0.2.1] "
	    "P=esmtp S=5 T=\"x\\\" A=evil:mallory \\\"\""), EV_QUEUED);
	ck_assert_uint_eq(ev.sasl.n, 0);
	ck_assert_int_eq(parse("2026-03-02 09:44:33 1yG2vl-0000En-2F <= a@ext.example H=[192.0.2.1] "
	    "P=esmtp T=\"S=77 A=x:y\" for S=1@x"), EV_UNPARSED); /* no S= of its own */
	/* an authenticator without a set id: no SASL account */
	ck_assert_int_eq(parse("2026-03-02 09:44:33 1yG2vl-0000En-2F <= a@x.example H=(h) [10.0.0.1] "
	    "P=esmtpa A=plain S=1"), EV_QUEUED);
	ck_assert_uint_eq(ev.sasl.n, 0);
	/* a local submission: the account is the envelope sender (U= is the Unix user) */
	ck_assert_int_eq(parse("2026-03-02 09:44:33 1yG2vl-0000En-2F <= root@mx.local.example "
	    "U=root P=local S=321 T=\"cron\""), EV_QUEUED);
	ck_assert(sveq(ev.sender, "root@mx.local.example") && ev.origin && ev.sasl.n == 0);
	ck_assert_uint_eq(ev.size, 321);
	/* a quoted local part with a space keeps its quotes and does not end the word */
	ck_assert_int_eq(parse("2026-03-02 09:44:33 1yG2vl-0000En-2F <= \"a b\"@x.example U=u "
	    "P=local S=3"), EV_QUEUED);
	ck_assert(sveq(ev.sender, "\"a b\"@x.example"));
	ck_assert_uint_eq(ev.size, 3);
	/* Exim's own bounce: a notification with its own id and size */
	ck_assert_int_eq(parse("2026-03-02 09:44:33 1yG2vm-0000Eo-3G <= <> R=1yG2vl-0000En-2F "
	    "U=Debian-exim P=local S=2048"), EV_NOTIFICATION);
	ck_assert(sveq(ev.newqid, "1yG2vm-0000Eo-3G") && sveq(ev.qid, "1yG2vm-0000Eo-3G"));
	ck_assert(ev.has_size && !ev.origin);
	ck_assert_uint_eq(ev.size, 2048);
	/* fakereject: accepted and queued all the same */
	ck_assert_int_eq(parse("2026-03-02 09:44:33 1yG2vl-0000En-2F (= a@x.example H=[192.0.2.1] "
	    "P=esmtp S=9"), EV_QUEUED);
	/* truncated shapes are unparsed, not guessed */
	ck_assert_int_eq(parse("2026-03-02 09:44:33 1yG2vl-0000En-2F <= "), EV_UNPARSED);
	ck_assert_int_eq(parse("2026-03-02 09:44:33 1yG2vl-0000En-2F <= a@x.example H=[192.0"),
	    EV_UNPARSED);
}
END_TEST

START_TEST(deliveries)
{
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F => bob@ext.example "
	    "R=dnslookup T=remote_smtp H=mx.ext.example [192.0.2.9] X=TLS1.3:x:256 CV=yes "
	    "C=\"250 2.0.0 Ok: queued as ABC\""), EV_DELIVERY);
	ck_assert_int_eq(ev.status, DS_SENT);
	ck_assert(sveq(ev.rcpt, "bob@ext.example") && sveq(ev.relay, "mx.ext.example"));
	ck_assert(!ev.local_delivery && ev.newqid.n == 0);
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F -> carol@ext.example "
	    "R=dnslookup T=remote_smtp H=mx.ext.example [192.0.2.9]"), EV_DELIVERY);
	ck_assert(ev.status == DS_SENT && sveq(ev.rcpt, "carol@ext.example") && !ev.local_delivery);
	/* local: the address in <> */
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F => userx <userx@local.example> "
	    "R=local_user T=mail_spool"), EV_DELIVERY);
	ck_assert(sveq(ev.rcpt, "userx@local.example") && ev.local_delivery && sveq(ev.relay, "local"));
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F => /home/u/Maildir/ <u@local.example> "
	    "R=userforward T=address_directory"), EV_DELIVERY);
	ck_assert(sveq(ev.rcpt, "u@local.example") && ev.local_delivery);
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F => |/usr/bin/procmail -d x@y "
	    "<p@local.example> R=userforward T=address_pipe"), EV_DELIVERY);
	ck_assert(sveq(ev.rcpt, "p@local.example") && ev.local_delivery);
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F => :blackhole: <bh@local.example> "
	    "R=blackhole_router"), EV_DELIVERY);
	ck_assert(sveq(ev.rcpt, "bh@local.example") && ev.local_delivery);
	/* an alias to outside: the delivered address, not the original */
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F => real@ext.example "
	    "(list@local.example) <alias@local.example> R=dnslookup T=remote_smtp H=mx.ext.example "
	    "[192.0.2.9]"), EV_DELIVERY);
	ck_assert(sveq(ev.rcpt, "real@ext.example") && !ev.local_delivery);
	/* +all: F=, P=, S=, ports, I=, K, C=, QT=, DT= */
	ck_assert_int_eq(parse("2026-03-02 09:44:34.999 +0000 [77] 1rXXXX-00000000Abc-WXYZ => "
	    "dan@ext.example <dan@ext.example> F=<a@b.example> P=<a@b.example> R=dnslookup "
	    "T=remote_smtp S=2400 H=mx.ext.example [192.0.2.9]:25 I=[192.0.2.25]:41000 "
	    "X=TLS1.3:x:256 CV=yes K C=\"250 OK id=1yG2vm-0000Eo-3G\" QT=3s DT=1.2s"), EV_DELIVERY);
	ck_assert(sveq(ev.rcpt, "dan@ext.example") && sveq(ev.relay, "mx.ext.example"));
	ck_assert(ev.status == DS_SENT && !ev.local_delivery);
	/* LMTP over a socket or a host is a local delivery */
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F => e@local.example "
	    "R=dovecot T=dovecot_lmtp H=127.0.0.1 [127.0.0.1] C=\"250 2.0.0 Saved\""), EV_DELIVERY);
	ck_assert(ev.local_delivery);
	/* cutthrough is a delivery; -N's suppressed one is not */
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F >> f@ext.example R=dnslookup "
	    "T=remote_smtp H=mx [192.0.2.9]"), EV_DELIVERY);
	ck_assert_int_eq(ev.status, DS_SENT);
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F *> g@ext.example R=dnslookup "
	    "T=remote_smtp"), EV_IGNORED);
	/* a hostile original address cannot end the address part early */
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F => u <\"x H=a\"@local.example> "
	    "R=local_user T=mail_spool"), EV_DELIVERY);
	ck_assert(sveq(ev.rcpt, "\"x H=a\"@local.example") && ev.local_delivery);
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F => "), EV_UNPARSED);
}
END_TEST

START_TEST(deferrals_failures)
{
	ck_assert_int_eq(parse("2026-03-02 09:44:35 1yG2vl-0000En-2F == h@ext.example R=dnslookup "
	    "T=remote_smtp defer (-44) H=mx.ext.example [192.0.2.9]: SMTP error from remote mail "
	    "server after RCPT TO:<h@ext.example>: 451 4.7.1 Try again later"), EV_DELIVERY);
	ck_assert(ev.status == DS_DEFERRED && sveq(ev.rcpt, "h@ext.example"));
	ck_assert_int_eq(parse("2026-03-02 09:44:35 1yG2vl-0000En-2F == h@ext.example R=dnslookup "
	    "T=remote_smtp defer (-54): retry time not reached for any host"), EV_DELIVERY);
	ck_assert_int_eq(ev.status, DS_DEFERRED);
	ck_assert_int_eq(parse("2026-03-02 09:44:35 1yG2vl-0000En-2F ** i@ext.example R=dnslookup "
	    "T=remote_smtp H=mx.ext.example [192.0.2.9]: SMTP error from remote mail server after "
	    "RCPT TO:<i@ext.example>: 550 5.1.1 No such user"), EV_DELIVERY);
	ck_assert(ev.status == DS_BOUNCED && sveq(ev.rcpt, "i@ext.example"));
	ck_assert_int_eq(parse("2026-03-02 09:44:35 1yG2vl-0000En-2F ** nobody@local.example: "
	    "Unrouteable address"), EV_DELIVERY);
	ck_assert(ev.status == DS_BOUNCED && sveq(ev.rcpt, "nobody@local.example"));
	/* a retry timeout makes the message expired, not bounced */
	ck_assert_int_eq(parse("2026-03-02 09:44:35 1yG2vl-0000En-2F ** j@ext.example: retry timeout "
	    "exceeded"), EV_EXPIRED);
	ck_assert(sveq(ev.qid, "1yG2vl-0000En-2F"));
	ck_assert_int_eq(parse("2026-03-02 09:44:35 1yG2vl-0000En-2F ** k@ext.example R=dnslookup "
	    "T=remote_smtp: retry time not reached for any host after a long failure period"),
	    EV_DELIVERY);
	ck_assert_int_eq(parse("2026-03-02 09:44:35 1yG2vl-0000En-2F ** k@ext.example R=dnslookup "
	    "T=remote_smtp H=mx [192.0.2.9]: all hosts have been failing for a long time (and retry "
	    "time not reached)"), EV_EXPIRED);
	ck_assert_int_eq(parse("2026-03-02 09:44:35 1yG2vl-0000En-2F Completed QT=1d2h"), EV_REMOVED);
	ck_assert_int_eq(parse("2026-03-02 09:44:35 1yG2vl-0000En-2F removed by root"), EV_REMOVED);
	ck_assert_int_eq(parse("2026-03-02 09:44:35 1yG2vl-0000En-2F Frozen (delivery error message)"),
	    EV_IGNORED);
}
END_TEST

START_TEST(rejects_auth)
{
	static const char *const rejects[] = {
		"H=(x) [203.0.113.5] F=<a@b.example> rejected RCPT <c@local.example>: relay not permitted",
		"H=(x) [203.0.113.5]:5000 I=[192.0.2.25]:25 F=<a@b.example> temporarily rejected RCPT "
		    "<c@local.example>: greylisted",
		"H=(x) [203.0.113.5] rejected MAIL <a@b.example>: blocked",
		"H=[203.0.113.5] rejected EHLO from [203.0.113.5]: syntactically invalid argument(s): _",
		"H=[203.0.113.5] rejected HELO from [203.0.113.5]: no",
		"1yG2vl-0000En-2F H=(x) [203.0.113.5] F=<a@b.example> rejected after DATA: virus",
		"1yG2vl-0000En-2F rejected from <a@b.example> H=(x) [203.0.113.5]: spam",
		"1Ai79e-0000Dq-8i F=u@x.biz H=h [4.47.28.40] P=smtp rejected by local_scan(): Rejected",
	};
	static const char *const not_rejects[] = {
		"1yG2vl-0000En-2F F=<a@b.example> rejected by non-SMTP ACL: no",
		"1yG2vl-0000En-2F H=mx.ext.example [192.0.2.9] Connection refused",
		"H=(x) [203.0.113.5] F=<\"rejected RCPT\"@b.example> sender verify fail for <a@b>",
		"H=(rejected) [203.0.113.5] sender verify fail for <a@b>: rejected RCPT",
		"SMTP connection from [192.0.2.1]:4000 I=[192.0.2.25]:25 (TCP/IP connection count = 1)",
		"1yG2vl-0000En-2F SMTP connection from (h) [192.0.2.1] closed by DROP in ACL",
		"cwd=/var/spool/exim4 3 args: /usr/sbin/exim4 -Mc 1yG2vl-0000En-2F",
		"Start queue run: pid=1234",
		"End queue run: pid=1234",
		"exim 4.96 daemon started: pid=1, -q30m, listening for SMTP on port 25 (IPv4)",
		"TLS error on connection from (x) [192.0.2.1] (SSL_accept): error",
	};
	char line[512];
	size_t i;

	for (i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++) {
		snprintf(line, sizeof(line), "2026-03-02 09:44:36 %s", rejects[i]);
		ck_assert_msg(parse(line) == EV_REJECT, "not a reject: %s", line);
	}
	for (i = 0; i < sizeof(not_rejects) / sizeof(not_rejects[0]); i++) {
		snprintf(line, sizeof(line), "2026-03-02 09:44:36 %s", not_rejects[i]);
		ck_assert_msg(parse(line) == EV_IGNORED, "not ignored: %s", line);
	}
	ck_assert_int_eq(parse("2026-03-02 09:44:36 dovecot_login authenticator failed for (User) "
	    "[192.0.2.37]:5000 I=[192.0.2.25]:587: 535 Incorrect authentication data (set_id=x)"),
	    EV_AUTH_FAILED);
	ck_assert_int_eq(parse("2026-03-02 09:44:36 1yG2vl-0000En-2F plain authenticator failed "
	    "H=127.0.0.1 [127.0.0.1] 535 Sorry"), EV_AUTH_FAILED);
	ck_assert_int_eq(parse("2026-03-02 09:44:36 login authenticator cancelled authentication"),
	    EV_IGNORED);
}
END_TEST

/* NUL and CR inside, every prefix of every shape, 1 MiB of junk: no crash, no read past the end. */
START_TEST(hostile_bytes)
{
	static const char *const lines[] = {
		"2026-03-02 09:44:33.120 +0100 [55] 1rXXXX-00000000Abc-WXYZ <= a@b.example H=(h) "
		    "[198.51.100.7]:41234 P=esmtpsa A=dovecot_plain:joe S=7001 T=\"x\\\"y\" for c@d",
		"Dec 31 23:59:59 mx exim[812]: [1\\2] 2024-12-31 23:59:59 1tSmhT-000abc-Zz => u "
		    "<u@l.example> R=r T=t",
		"2026-03-02 09:44:35 1yG2vl-0000En-2F ** j@ext.example: retry timeout exceeded",
		"host exim[1]: 2026-03-02 09:44:36 H=(x) [1.2.3.4] F=<a@b> rejected RCPT <c@d>: no",
	};
	static const char nul[] = "2026-03-02 09:44:33 1yG2vl-0000En-2F <= a\0b@x U=u P=local S=4";
	struct syslog_clock c;
	size_t k, i, n;
	char *junk;

	for (k = 0; k < sizeof(lines) / sizeof(lines[0]); k++) {
		n = strlen(lines[k]);
		for (i = 0; i <= n; i++) {
			char *copy = malloc(i + 1);
			memcpy(copy, lines[k], i);
			parse_n(copy, i); /* exactly i bytes: ASan sees a read past them */
			free(copy);
		}
	}
	/* a NUL in the sender is part of it, the line goes on */
	ck_assert_int_eq(parse_n(nul, sizeof(nul) - 1), EV_QUEUED);
	ck_assert_uint_eq(ev.sender.n, 5);
	ck_assert_uint_eq(ev.size, 4);
	ck_assert_int_eq(parse("2026-03-02 09:44:33 1yG2vl-0000En-2F <= a\rb@x U=u P=local S=4\r"),
	    EV_QUEUED);
	ck_assert_uint_eq(ev.size, 4);
	/* an unterminated quote or bracket runs to the end of the line, not past it */
	ck_assert_int_eq(parse("2026-03-02 09:44:33 1yG2vl-0000En-2F <= \"a@x U=u P=local S=4"),
	    EV_UNPARSED);
	ck_assert_int_eq(parse("2026-03-02 09:44:33 1yG2vl-0000En-2F => u <x@y R=r"), EV_DELIVERY);
	ck_assert(sveq(ev.rcpt, "u"));
	junk = malloc(1 << 20);
	for (i = 0; i < (1u << 20); i++)
		junk[i] = (char)(i * 131 + 7);
	memcpy(junk, "2026-03-02 09:44:33 1yG2vl-0000En-2F <= ", 40);
	syslog_clock_init(&c, 2026);
	if (parser_exim.envelope(&c, junk, 1 << 20, &h) == 0)
		parser_exim.parse(&h, &ev);
	free(junk);
}
END_TEST

/*
 * Issue 14: replies we gave (rejects, with the code when logged, else
 * Exim's default) and replies remote servers gave us ("==" and "**").
 * Lines from the shared corpus are marked with their file.
 */
START_TEST(replies)
{
	/* exim-testsuite/0024.log-like reject without a code: Exim's default 550 */
	ck_assert_int_eq(parse("2026-03-02 09:44:36 H=(x) [203.0.113.5] F=<a@b.example> rejected RCPT "
	    "<c@local.example>: relay not permitted"), EV_REJECT);
	reply_is(550, MTA_DIR_IN, "", "relay not permitted");
	/* the code logged (ACL message = log text), corpus exim-testsuite: "452 4.5.3 Try again" */
	ck_assert_int_eq(parse("1999-03-02 09:44:33 H=[V4NET.0.0.1] F=<x@y> temporarily rejected RCPT "
	    "<a@b>: 452 4.5.3 Try again"), EV_REJECT);
	reply_is(452, MTA_DIR_IN, "4.5.3", "Try again");
	/* a logged code of the other class is not the one sent: the default */
	ck_assert_int_eq(parse("1999-03-02 09:44:33 H=[1.2.3.4] F=<x@y> temporarily rejected RCPT "
	    "<a@b>: 550 Wrong code"), EV_REJECT);
	reply_is(451, MTA_DIR_IN, "", "550 Wrong code");
	/* an enhanced code RFC 3463 does not allow is text (Exim's own regex) */
	ck_assert_int_eq(parse("1999-03-02 09:44:33 H=[1.2.3.4] F=<x@y> temporarily rejected RCPT "
	    "<a@b>: 499 4.1234.343 Main and extended code"), EV_REJECT);
	reply_is(499, MTA_DIR_IN, "", "4.1234.343 Main and extended code");
	ck_assert_int_eq(parse("2026-03-02 09:44:36 1yG2vl-0000En-2F H=(x) [203.0.113.5] "
	    "F=<a@b.example> rejected after DATA: This message contains a virus"), EV_REJECT);
	reply_is(550, MTA_DIR_IN, "", "This message contains a virus");
	ck_assert_int_eq(parse("1999-03-02 09:44:33 10HmaZ-000000005vi-0000 U=CALLER "
	    "F=<CALLER@myhost.test.ex> temporarily rejected after DATA"), EV_REJECT);
	reply_is(451, MTA_DIR_IN, "", "");
	/* fixed replies of smtp_in.c and receive.c, by their logged reason */
	ck_assert_int_eq(parse("2026-03-02 09:44:36 H=[203.0.113.5] rejected EHLO from [203.0.113.5]: "
	    "syntactically invalid argument(s): _"), EV_REJECT);
	ck_assert_int_eq(ev.reply.code, 501);
	ck_assert_int_eq(parse("1999-03-02 09:44:33 rejected MAIL command U=CALLER: too many messages "
	    "in one connection"), EV_REJECT);
	ck_assert_int_eq(ev.reply.code, 421);
	ck_assert_int_eq(parse("1999-03-02 09:44:33 10HmaX-0005vi-00 rejected from <x@y> U=CALLER: "
	    "message too big: read=501 max=500"), EV_REJECT);
	ck_assert_int_eq(ev.reply.code, 552);
	/* replies that are not counted rejects: the connect ACL, AUTH, ETRN */
	ck_assert_int_eq(parse("2026-03-02 09:44:36 H=[203.0.113.5] rejected connection in "
	    "\"connect\" ACL: blocked"), EV_REPLY);
	reply_is(550, MTA_DIR_IN, "", "blocked");
	ck_assert_int_eq(parse("1999-03-02 09:44:33 H=[1.2.3.4] temporarily rejected connection in "
	    "\"connect\" ACL: cannot use add_header"), EV_REPLY);
	ck_assert_int_eq(ev.reply.code, 451);
	ck_assert_int_eq(parse("2026-03-02 09:44:36 H=[1.2.3.4] rejected AUTH LOGIN: no"), EV_REPLY);
	ck_assert_int_eq(ev.reply.code, 503);
	ck_assert_int_eq(parse("2026-03-02 09:44:36 H=[1.2.3.4] rejected ETRN x: no"), EV_REPLY);
	ck_assert_int_eq(ev.reply.code, 458);
	ck_assert_int_eq(parse("2026-03-02 09:44:36 H=[1.2.3.4] rejected VRFY x: no"), EV_IGNORED);
	/* the verb cannot be faked by a sender, the code not by the command's argument class */
	ck_assert_int_eq(parse("2026-03-02 09:44:36 H=(x) [1.2.3.4] F=<\"rejected RCPT <a>: 250 ok\"@b> "
	    "sender verify fail for <a@b>"), EV_IGNORED);
	ck_assert_uint_eq(ev.reply.code, 0);
	/* AUTH failures carry the 535 (fail2ban-exim.log; exim-testsuite 4.98+ form) */
	ck_assert_int_eq(parse("2013-01-04 17:03:46 login authenticator failed for "
	    "rrcs-24-106-174-74.se.biz.rr.com ([192.168.2.33]) [24.106.174.74]: 535 Incorrect "
	    "authentication data (set_id=brian)"), EV_AUTH_FAILED);
	reply_is(535, MTA_DIR_IN, "", "Incorrect authentication data (set_id=brian)");
	ck_assert_int_eq(parse("1999-03-02 09:44:33 10HmbB-000000005vi-0000 plain authenticator failed "
	    "H=127.0.0.1 [127.0.0.1] 503 AUTH command used when not advertised"), EV_AUTH_FAILED);
	reply_is(503, MTA_DIR_IN, "", "AUTH command used when not advertised");
	ck_assert_int_eq(parse("2026-03-02 09:44:36 dovecot_login authenticator failed for (User) "
	    "[192.0.2.37]:5000 I=[192.0.2.25]:587: 535 5.7.8 Bad"), EV_AUTH_FAILED);
	reply_is(535, MTA_DIR_IN, "5.7.8", "Bad");

	/* remote replies on "==" (exim-testsuite/0217.log) and "**" lines */
	ck_assert_int_eq(parse("1999-03-02 09:44:33 10HmaX-000000005vi-0000 == b@test.ex R=client "
	    "T=send_to_server defer (-44) H=127.0.0.1 [127.0.0.1]: SMTP error from remote mail server "
	    "after RCPT TO:<b@test.ex>: 451 Temp error"), EV_DELIVERY);
	ck_assert_int_eq(ev.status, DS_DEFERRED);
	reply_is(451, MTA_DIR_OUT, "", "Temp error");
	ck_assert(!ev.has_tls && ev.dir == MTA_DIR_NONE);
	ck_assert_int_eq(parse("2026-03-02 09:44:36 1yG2vl-0000En-2F ** bob@ext.example R=dnslookup "
	    "T=remote_smtp H=mx.ext.example [192.0.2.9]: SMTP error from remote mail server after "
	    "RCPT TO:<bob@ext.example>: 550 5.1.1 <bob@ext.example>: Recipient address rejected"),
	    EV_DELIVERY);
	ck_assert_int_eq(ev.status, DS_BOUNCED);
	reply_is(550, MTA_DIR_OUT, "5.1.1", "<bob@ext.example>: Recipient address rejected");
	/* +deliver_time: DT= before a deferral's message, after a failure's (deliver.c) */
	ck_assert_int_eq(parse("2026-03-02 09:44:36 1yG2vl-0000En-2F ** bob@ext.example R=dnslookup "
	    "T=remote_smtp H=mx.ext.example [192.0.2.9] : SMTP error from remote mail server after "
	    "RCPT TO:<bob@ext.example>: 550 5.1.1 unknown DT=0.300s"), EV_DELIVERY);
	reply_is(550, MTA_DIR_OUT, "5.1.1", "unknown");
	ck_assert_int_eq(parse("2026-03-02 09:44:36 1yG2vl-0000En-2F == bob@ext.example R=dnslookup "
	    "T=remote_smtp defer (-44) H=mx.ext.example [192.0.2.9] DT=1s: SMTP error from remote mail "
	    "server after RCPT TO:<bob@ext.example>: 451 4.7.1 later DT=x"), EV_DELIVERY);
	reply_is(451, MTA_DIR_OUT, "4.7.1", "later DT=x");
	/* an address in the command cannot supply the code */
	ck_assert_int_eq(parse("2026-03-02 09:44:36 1yG2vl-0000En-2F ** \"x: 250 y\"@ext.example "
	    "R=d T=remote_smtp H=mx [192.0.2.9]: SMTP error from remote mail server after "
	    "RCPT TO:<\"x: 250 y\"@ext.example>: 550 no"), EV_DELIVERY);
	reply_is(550, MTA_DIR_OUT, "", "no");
	/* older form, "host h [ip]: " before the code (exim-testsuite) */
	ck_assert_int_eq(parse("1999-03-02 09:44:33 10HmaY-0005vi-00 == ok@no.delay R=r1 T=t1 "
	    "defer (-45): SMTP error from remote mail server after MAIL FROM:<CALLER@test.ex> "
	    "SIZE=1325: host 127.0.0.1 [127.0.0.1]: 421 myhost.test.ex: SMTP command timeout"),
	    EV_DELIVERY);
	reply_is(421, MTA_DIR_OUT, "", "myhost.test.ex: SMTP command timeout");
	/* initial connection, end of data, multi-line, LMTP */
	ck_assert_int_eq(parse("1999-03-02 09:44:33 10HmaX-000000005vi-0000 == fred@anotherone.tld "
	    "R=r1 T=t1 defer (0) H=127.0.0.1 [127.0.0.1]: SMTP error from remote mail server after "
	    "initial connection: 451 Temporary local problem - please try later"), EV_DELIVERY);
	ck_assert_int_eq(ev.reply.code, 451);
	ck_assert_int_eq(parse("1999-03-02 09:44:33 10HmbA-000000005vi-0000 ** permreject@test.ex "
	    "R=client T=send_to_server H=127.0.0.1 [127.0.0.1] : SMTP error from remote mail server "
	    "after end of data: 550 content rejected"), EV_DELIVERY);
	reply_is(550, MTA_DIR_OUT, "", "content rejected");
	ck_assert_int_eq(parse("1999-03-02 09:44:33 10HmaX-000000005vi-0000 ** fred@undeliverable.org "
	    "R=my_main_router T=t1 H=127.0.0.1 [127.0.0.1] : SMTP error from remote mail server after "
	    "RCPT TO:<fred@undeliverable.org>: 550-no mate\\n550 bye"), EV_DELIVERY);
	reply_is(550, MTA_DIR_OUT, "", "no mate\\n550 bye");
	ck_assert_int_eq(parse("1999-03-02 09:44:33 10HmbD-000000005vi-0000 == jack@myhost.test.ex "
	    "R=smartuser T=lmtp defer (-46): LMTP error after end of data: 450 4.2.0 Number 2 is now "
	    "delayed"), EV_DELIVERY);
	reply_is(450, MTA_DIR_OUT, "4.2.0", "Number 2 is now delayed");
	/* no reply: routing deferrals, timeouts, retry timeouts, per-host lines */
	ck_assert_int_eq(parse("1999-03-02 09:44:33 10HmaY-000000005vi-0000 == usery@domain1 routing "
	    "defer (-52): retry time not reached"), EV_DELIVERY);
	ck_assert_uint_eq(ev.reply.code, 0);
	ck_assert_int_eq(parse("1999-03-02 09:44:33 10HmaZ-000000005vi-0000 == e@test.ex R=client "
	    "T=send_to_server defer (dd): Connection timed out H=127.0.0.1 [127.0.0.1]: SMTP timeout "
	    "after RCPT TO:<f@test.ex>"), EV_DELIVERY);
	ck_assert_uint_eq(ev.reply.code, 0);
	ck_assert_int_eq(parse("1999-03-02 09:44:33 10HmaX-000000005vi-0000 H=127.0.0.1 [127.0.0.1] "
	    "SMTP error from remote mail server after RCPT TO:<x@y>: 451 Temporary error"), EV_IGNORED);
	ck_assert_uint_eq(ev.reply.code, 0);
	/* a delivery carries the server's confirmation (C=, exim-testsuite/0610.log) */
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F => bob@ext.example "
	    "R=dnslookup T=remote_smtp H=mx.ext.example [192.0.2.9] C=\"250 2.0.0 Ok\""), EV_DELIVERY);
	reply_is(250, MTA_DIR_OUT, "2.0.0", "Ok");
	ck_assert_int_eq(parse("1999-03-02 09:44:33 10HmaX-000000005vi-0000 => fred@anotherone.tld "
	    "F=<t1@dustyshoes.tld> R=r1 T=t1 H=127.0.0.1 [127.0.0.1] C=\"250 OK id=10HmaZ-000000005vi-0000\""),
	    EV_DELIVERY);
	reply_is(250, MTA_DIR_OUT, "", "OK id=10HmaZ-000000005vi-0000");
	/* no C=, or one that is not a reply: none */
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F => joe <joe@local.example> "
	    "R=local_user T=mail_spool"), EV_DELIVERY);
	ck_assert_uint_eq(ev.reply.code, 0);
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F => b@x R=d T=remote_smtp "
	    "H=mx [192.0.2.9] C=\"ok\""), EV_DELIVERY);
	ck_assert_uint_eq(ev.reply.code, 0);
}
END_TEST

/* Sessions that ended without a message, by cause; the fixed reply Exim gave with some. */
START_TEST(broken_sessions)
{
	static const struct {
		const char *line;
		const char *what;
		int code;
	} cases[] = {
		/* fail2ban-exim-spam.log */
		{ "2016-03-21 06:38:05 [5718] no MAIL in SMTP connection from www3005.sakura.ne.jp "
		  "[49.212.207.15]:28890 I=[172.89.0.6]:25 D=21s C=EHLO,STARTTLS", "no_mail", 0 },
		{ "1999-03-02 09:44:33 SMTP command timeout on connection from localhost "
		  "(myhost.test.ex) [127.0.0.1]", "timeout", 421 },
		{ "2026-03-02 09:44:33 SMTP command timeout on TLS connection from [192.0.2.1] D=5m",
		  "timeout", 421 },
		{ "2026-03-02 09:44:33 SMTP data timeout (message abandoned) on connection from (h) "
		  "[192.0.2.1] F=<a@b> D=5m1s", "timeout_after_data", 421 },
		{ "2026-03-02 09:44:33 unexpected disconnection while reading SMTP command from (h) "
		  "[192.0.2.1]:4000 I=[192.0.2.25]:25 D=3s", "lost", 0 },
		/* exim-testsuite */
		{ "1999-03-02 09:44:33 SMTP connection from the.local.host.name (myhost.test.ex) "
		  "[ip4.ip4.ip4.ip4] lost while reading message data (header)", "lost_after_data", 0 },
		{ "2026-03-02 09:44:33 SMTP connection Ci=77 from (h) [192.0.2.1] lost while reading "
		  "message data (after header)", "lost_after_data", 0 },
		{ "2026-03-02 09:44:33 SMTP connection from (h) [192.0.2.1] lost while reading "
		  "message data", "lost_after_data", 0 },
		/* fail2ban-exim.log */
		{ "2013-06-02 06:54:20 [13314] SMTP protocol synchronization error (input sent without "
		  "waiting for greeting): rejected connection from H=[211.148.195.192]:25936 "
		  "I=[1.2.3.4]:25 input=\"GET / HTTP/1.1\\r\\n\\r\\n\"", "pregreet", 554 },
		{ "2013-06-02 09:05:48 [18505] SMTP protocol synchronization error (next input sent too "
		  "soon: pipelining was not advertised): rejected \"RSET\" H=ba77.mx83.fr "
		  "[82.96.160.77]:58302 I=[1.2.3.4]:25 next input=\"QUIT\\r\\n\"", "sync_error", 554 },
		{ "2013-06-02 09:22:06 SMTP call from [192.0.2.109] dropped: too many syntax or protocol "
		  "errors (last command was \"AUTH LOGIN\")", "too_many_errors", 0 },
		{ "2013-06-02 09:22:07 SMTP call from [192.0.2.109] dropped: too many unrecognized "
		  "commands (last was \"\\033%-12345X\")", "too_many_errors", 500 },
		{ "2013-06-02 09:22:05 [19591] SMTP call from pc012-6201.spo.scu.edu.tw "
		  "[163.14.21.161]:3767 I=[1.2.3.4]:25 dropped: too many nonmail commands "
		  "(last was \"RSET\")", "too_many_nonmail", 554 },
		{ "2026-03-02 09:44:33 Connection from [192.0.2.7] refused: too many connections "
		  "from that IP address", "rate_limit", 421 },
		{ "2026-03-02 09:44:33 Connection from [192.0.2.7] refused: too many connections",
		  "rate_limit", 421 },
		{ "2026-03-02 09:44:33 Connection from [192.0.2.7] refused: load average = 9.50",
		  "overload", 421 },
		/* +smtp_incomplete_transaction: QUIT counted, after MAIL or after RCPT */
		{ "2026-03-02 09:44:33 H=(h) [192.0.2.1] incomplete transaction (QUIT) from <a@b.example>",
		  "quit_after_mail", 0 },
		{ "2026-03-02 09:44:33 H=(h) [192.0.2.1] incomplete transaction (QUIT) from "
		  "<\"for\"@b.example> for x@local.example y@local.example", "quit_after_rcpt", 0 },
	};
	static const char *const not_broken[] = {
		/* another line says how these sessions ended, or they go on */
		"H=(h) [192.0.2.1] incomplete transaction (connection lost) from <a@b> for c@d",
		"H=(h) [192.0.2.1] incomplete transaction (RSET) from <a@b>",
		"H=(h) [192.0.2.1] incomplete transaction (sync failure) from <a@b>",
		"SMTP connection from (h) [192.0.2.1] closed by QUIT",
		"SMTP connection from (lost while reading message data) [192.0.2.1] closed by QUIT",
		"SMTP call from [192.0.2.1] dropped: something new",
		"Connection from [192.0.2.7] refused: something new",
		"TLS error on connection from (x) [192.0.2.1] (SSL_accept): error",
	};
	char line[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(parse(cases[i].line) == EV_SESSION_INCOMPLETE, "not broken: %s",
		    cases[i].line);
		ck_assert_msg(sveq(ev.what, cases[i].what), "%s: '%.*s'", cases[i].line,
		    (int)ev.what.n, ev.what.p);
		ck_assert_int_eq(ev.reply.code, cases[i].code);
		if (cases[i].code != 0)
			ck_assert_int_eq(ev.reply.dir, MTA_DIR_IN);
	}
	for (i = 0; i < sizeof(not_broken) / sizeof(not_broken[0]); i++) {
		snprintf(line, sizeof(line), "2026-03-02 09:44:36 %s", not_broken[i]);
		ck_assert_msg(parse(line) == EV_IGNORED, "not ignored: %s", line);
	}
}
END_TEST

/* TLS per session: X= on "<=" from a remote client, on "=>" to a remote host; QT= as the delay. */
START_TEST(tls_delay)
{
	uint32_t ms;

	/* exim-testsuite: a TLS reception */
	ck_assert_int_eq(parse("1999-03-02 09:44:33 10HmaY-000000005vi-0000 <= <> H=localhost "
	    "(myhost.test.ex) [127.0.0.1] P=esmtps X=TLS1.x:ke-RSA-AES256-SHAnnn:xxx S=sss "
	    "id=E10HmaX-000000005vi-0000@myhost.test.ex"), EV_NOTIFICATION);
	ck_assert(ev.has_tls && ev.dir == MTA_DIR_IN && ev.tls);
	ck_assert_int_eq(parse("2026-03-02 09:44:33 1yG2vl-0000En-2F <= a@ext.example "
	    "H=mx.ext.example [192.0.2.1] P=esmtp S=2345 id=abc@ext.example"), EV_QUEUED);
	ck_assert(ev.has_tls && ev.dir == MTA_DIR_IN && !ev.tls);
	/* the subject cannot make a session TLS */
	ck_assert_int_eq(parse("2026-03-02 09:44:33 1yG2vl-0000En-2F <= a@ext.example H=[192.0.2.1] "
	    "P=esmtp S=5 T=\"X=TLS1.3\" from <a@ext.example> for X=y@z"), EV_QUEUED);
	ck_assert(ev.has_tls && ev.dir == MTA_DIR_IN && !ev.tls);
	/* a local submission is no SMTP session */
	ck_assert_int_eq(parse("2026-03-02 09:44:33 1yG2vl-0000En-2F <= root@mx.local.example "
	    "U=root P=local S=321"), EV_QUEUED);
	ck_assert(!ev.has_tls && ev.dir == MTA_DIR_NONE);
	/* outbound: exim-testsuite "=>" with X= and C= */
	ck_assert_int_eq(parse("1999-03-02 09:44:33 10HmaX-000000005vi-0000 => optnotpresent@test.ex "
	    "R=client T=send_to_server H=127.0.0.1 [127.0.0.1] X=TLS1.x:ke-RSA-AES256-SHAnnn:xxx "
	    "CV=yes C=\"250 OK id=10HmaY-000000005vi-0000\""), EV_DELIVERY);
	ck_assert(ev.has_tls && ev.dir == MTA_DIR_OUT && ev.tls && !ev.has_delay);
	ck_assert_int_eq(parse("1999-03-02 09:44:33 10HmaX-000000005vi-0000 => a@test.ex R=client "
	    "T=send_to_server H=127.0.0.1 [127.0.0.1] L C=\"250 OK\""), EV_DELIVERY);
	ck_assert(ev.has_tls && ev.dir == MTA_DIR_OUT && !ev.tls);
	/* the confirmation's text cannot supply X= or QT= (Exim escapes its quotes) */
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F => b@ext.example R=d "
	    "T=remote_smtp H=mx [192.0.2.9] C=\"250 \\\" X=TLS QT=9s\""), EV_DELIVERY);
	ck_assert(ev.has_tls && ev.dir == MTA_DIR_OUT && !ev.tls && !ev.has_delay);
	/* local and LMTP deliveries, and "->" further recipients, open no counted session */
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F => joe <joe@local.example> "
	    "R=local_user T=mail_spool QT=3s"), EV_DELIVERY);
	ck_assert(!ev.has_tls && ev.dir == MTA_DIR_NONE && ev.has_delay && ev.delay_ms == 3000);
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F => joe@local.example R=d "
	    "T=dovecot_lmtp H=127.0.0.1 [127.0.0.1] C=\"250 2.0.0 Saved\" QT=1m2s DT=0.4s"),
	    EV_DELIVERY);
	ck_assert(!ev.has_tls && ev.dir == MTA_DIR_NONE && ev.has_delay && ev.delay_ms == 62000);
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F -> c@ext.example R=d "
	    "T=remote_smtp H=mx [192.0.2.9] X=TLS1.3:x:256 C=\"250 ok\" QT=1w2d3h4m5s"), EV_DELIVERY);
	ck_assert(!ev.has_tls && ev.dir == MTA_DIR_NONE && ev.has_delay);
	ck_assert_uint_eq(ev.delay_ms, ((9ULL * 24 + 3) * 60 + 4) * 60000 + 5000);
	/* +millisec under 5 s; DT= alone is the attempt, not the time since receipt */
	ck_assert_int_eq(parse("2026-03-02 09:44:34.120 1yG2vl-0000En-2F => b@ext.example R=d "
	    "T=remote_smtp H=mx [192.0.2.9] X=TLS1.3:x:256 CV=yes K C=\"250 ok\" QT=1.234s "
	    "DT=0.200s"), EV_DELIVERY);
	ck_assert(ev.has_tls && ev.dir == MTA_DIR_OUT && ev.tls && ev.has_delay && ev.delay_ms == 1234);
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F => b@ext.example R=d "
	    "T=remote_smtp H=mx [192.0.2.9] C=\"250 ok\" DT=2s"), EV_DELIVERY);
	ck_assert(!ev.has_delay);
	/* durations: malformed ones are none, huge ones saturate */
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F => b@ext.example R=d "
	    "T=remote_smtp H=mx [192.0.2.9] QT=-3s"), EV_DELIVERY);
	ck_assert(!ev.has_delay);
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F => b@ext.example R=d "
	    "T=remote_smtp H=mx [192.0.2.9] QT=3x"), EV_DELIVERY);
	ck_assert(!ev.has_delay);
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F => b@ext.example R=d "
	    "T=remote_smtp H=mx [192.0.2.9] QT=1.2s"), EV_DELIVERY);
	ck_assert(!ev.has_delay);
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F => b@ext.example R=d "
	    "T=remote_smtp H=mx [192.0.2.9] QT=99999999999w"), EV_DELIVERY);
	ck_assert(ev.has_delay && ev.delay_ms == UINT32_MAX);
	ms = 0;
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F => b@ext.example R=d "
	    "T=remote_smtp H=mx [192.0.2.9] QT=0s"), EV_DELIVERY);
	ck_assert(ev.has_delay && ev.delay_ms == ms);
	/* the queue time of "Completed" (+queue_time_overall) is the message's, not a delivery's */
	ck_assert_int_eq(parse("2026-03-02 09:44:34 1yG2vl-0000En-2F Completed QT=5s"), EV_REMOVED);
	ck_assert(!ev.has_delay);
}
END_TEST

/* Every line of the shared Exim corpus: an envelope, Exim's, and a known shape; counts exact. */
START_TEST(shared_corpus)
{
	static const struct {
		const char *file;
		int counts[EV_TLS + 1];
		int health[NHEALTH];
	} expect[] = {
		/*
		 * UNPARSED IGNORED CLIENT PICKUP QUEUED DELIVERY EXPIRED REMOVED NOTIF REJECT AUTH
		 * INCOMPLETE BLOCKED ANTISPAM REPLY TLS; then the health tally: replies in, out,
		 * TLS in, plaintext in, TLS out, plaintext out, delays (the corpus masks QT=).
		 * Checked by grep: 367 "=="/"**" lines with a remote 4xx/5xx and 475
		 * "=>"/"->"/">>" lines with a C="NNN..." confirmation; 256 "<="/"(="
		 * with H=, 133 of them with X=; 326 "=>"/">>" with H= to a non-LMTP transport.
		 */
		{ "fail2ban-exim.log", { 0, 22, 0, 0, 0, 0, 0, 0, 0, 5, 12, 12, 0, 0, 0, 0 },
		  { 21, 0, 0, 0, 0, 0, 0 } },
		{ "fail2ban-exim-spam.log", { 0, 3, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0 },
		  { 5, 0, 0, 0, 0, 0, 0 } },
		{ "exim-testsuite/*", { 0, 1691, 0, 0, 1076, 2190, 70, 1238, 344, 154, 7, 14, 0, 0, 9, 0 },
		  { 179, 842, 133, 123, 132, 194, 0 } },
	};
	const char *top = getenv("top_srcdir");
	char path[4096], cmd[4200], buf[70000];
	size_t k;
	int t;

	for (k = 0; k < sizeof(expect) / sizeof(expect[0]); k++) {
		int counts[EV_TLS + 1] = { 0 }, health[NHEALTH] = { 0 };
		FILE *f;
		snprintf(path, sizeof(path), "%s/../shared/corpus/exim/%s", top ? top : "..",
		    expect[k].file);
		snprintf(cmd, sizeof(cmd), "cat %s 2>/dev/null", path);
		if ((f = popen(cmd, "r")) == NULL)
			continue;
		while (fgets(buf, sizeof(buf), f) != NULL) {
			buf[strcspn(buf, "\n")] = '\0';
			t = parse(buf);
			ck_assert_msg(t >= 0, "no envelope or not Exim's: %s", buf);
			ck_assert_msg(t != EV_UNPARSED, "unparsed: %s", buf);
			counts[t]++;
			tally(health);
		}
		pclose(f);
		if (counts[EV_IGNORED] == 0)
			continue; /* the corpus lives beside the clone; nothing to check without it */
		for (t = 0; t <= EV_TLS; t++)
			ck_assert_msg(counts[t] == expect[k].counts[t], "%s: event %d: %d lines, expected %d",
			    expect[k].file, t, counts[t], expect[k].counts[t]);
		for (t = 0; t < NHEALTH; t++)
			ck_assert_msg(health[t] == expect[k].health[t], "%s: %s: %d, expected %d",
			    expect[k].file, health_names[t], health[t], expect[k].health[t]);
	}
}
END_TEST

START_TEST(registry)
{
	ck_assert_ptr_eq(parser_by_name("exim"), &parser_exim);
	ck_assert_ptr_eq(parser_by_name("postfix"), &parser_postfix);
	ck_assert_ptr_eq(parser_by_name("icewarp"), &parser_icewarp);
	ck_assert_ptr_null(parser_by_name("sendmail"));
	ck_assert_str_eq(parser_names(), "postfix, exim, icewarp");
	ck_assert_str_eq(parser_exim.name, "exim");
	/* a main-log line is not Postfix's, a Postfix line not Exim's */
	ck_assert_int_eq(parse("Mar  2 09:44:33 mx postfix/qmgr[7]: 1A2B3C4D5E: removed"), -2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("parse_exim");
	TCase *tc = tcase_create("shapes");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, envelope_mainlog);
	tcase_add_test(tc, envelope_syslog);
	tcase_add_test(tc, message_ids);
	tcase_add_test(tc, reception);
	tcase_add_test(tc, deliveries);
	tcase_add_test(tc, deferrals_failures);
	tcase_add_test(tc, rejects_auth);
	tcase_add_test(tc, replies);
	tcase_add_test(tc, broken_sessions);
	tcase_add_test(tc, tls_delay);
	tcase_add_test(tc, hostile_bytes);
	tcase_add_test(tc, shared_corpus);
	tcase_add_test(tc, registry);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
