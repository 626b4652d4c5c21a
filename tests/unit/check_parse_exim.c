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
		"H=[203.0.113.5] rejected connection in \"connect\" ACL",
		"1yG2vl-0000En-2F F=<a@b.example> rejected by non-SMTP ACL: no",
		"1yG2vl-0000En-2F H=mx.ext.example [192.0.2.9] Connection refused",
		"H=(x) [203.0.113.5] F=<\"rejected RCPT\"@b.example> sender verify fail for <a@b>",
		"H=(rejected) [203.0.113.5] sender verify fail for <a@b>: rejected RCPT",
		"SMTP protocol synchronization error (input sent without waiting for greeting): "
		    "rejected connection from H=[211.148.195.192]:25936",
		"SMTP call from [192.0.2.109] dropped: too many unrecognized commands",
		"no MAIL in SMTP connection from [122.165.71.116] I=[172.89.0.6]:25 D=10s",
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

/* Every line of the shared Exim corpus: an envelope, Exim's, and a known shape; counts exact. */
START_TEST(shared_corpus)
{
	static const struct {
		const char *file;
		int counts[EV_AUTH_FAILED + 1];
	} expect[] = {
		/* UNPARSED IGNORED CLIENT PICKUP QUEUED DELIVERY EXPIRED REMOVED NOTIF REJECT AUTH */
		{ "fail2ban-exim.log", { 0, 34, 0, 0, 0, 0, 0, 0, 0, 5, 12 } },
		{ "fail2ban-exim-spam.log", { 0, 3, 0, 0, 0, 0, 0, 0, 0, 5, 0 } },
		{ "exim-testsuite/*", { 0, 1714, 0, 0, 1076, 2190, 70, 1238, 344, 154, 7 } },
	};
	const char *top = getenv("top_srcdir");
	char path[4096], cmd[4200], buf[70000];
	size_t k;
	int t;

	for (k = 0; k < sizeof(expect) / sizeof(expect[0]); k++) {
		int counts[EV_AUTH_FAILED + 1] = { 0 };
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
		}
		pclose(f);
		if (counts[EV_IGNORED] == 0)
			continue; /* the corpus lives beside the clone; nothing to check without it */
		for (t = 0; t <= EV_AUTH_FAILED; t++)
			ck_assert_msg(counts[t] == expect[k].counts[t], "%s: event %d: %d lines, expected %d",
			    expect[k].file, t, counts[t], expect[k].counts[t]);
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
