/*
 * The Postfix parser: every line shape with its exact fields, queue ids,
 * instance names, lines written to fool it, hostile bytes, and every line
 * of the shared real-log corpus.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "syslog_header.h"

/* The corpus lines are short; a longer one would be a corpus error. */
#define CORPUS_LINE_MAX 8192
/* Event types a line can give (EV_TLS is the last). */
#define NTYPES (EV_TLS + 1)

static struct log_header h;
static struct mta_event ev;
/* The line under test, copied to exactly its length so ASan sees over-reads. */
static char *copy;

/* Parse a line of len bytes; the event type, or -1 without a header. */
static int
feed(const char *line, size_t len)
{
	struct syslog_clock c;

	free(copy);
	copy = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, line, len);
	syslog_clock_init(&c, 2026);
	memset(&ev, 0xa5, sizeof(ev));
	if (syslog_parse(&c, copy, len, &h) != 0)
		return -1;
	parser_postfix.parse(&h, &ev);
	return ev.type;
}

static int
pf(const char *line)
{
	return feed(line, strlen(line));
}

/* A BSD header with the given program in front of msg. */
static int
pm(const char *program, const char *msg)
{
	size_t n = strlen(program) + strlen(msg) + 64;
	char *line = malloc(n);
	int t;

	ck_assert_ptr_nonnull(line);
	snprintf(line, n, "Nov  2 10:00:00 mx %s[4711]: %s", program, msg);
	t = pf(line);
	free(line);
	return t;
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

/* Fields the event type does not carry stay empty. */
static void
assert_rest_empty(int sender, int sasl, int rcpt, int newqid)
{
	if (sender)
		ck_assert_uint_eq(ev.sender.n, 0);
	if (sasl)
		ck_assert_uint_eq(ev.sasl.n, 0);
	if (rcpt) {
		ck_assert_uint_eq(ev.rcpt.n, 0);
		ck_assert_uint_eq(ev.relay.n, 0);
	}
	if (newqid)
		ck_assert_uint_eq(ev.newqid.n, 0);
}

START_TEST(client)
{
	ck_assert_int_eq(pm("postfix/smtpd", "1A2B3C4D5E: client=mail.example.org[192.0.2.7]"), EV_CLIENT);
	ck_assert_sv(ev.qid, "1A2B3C4D5E");
	ck_assert_sv(ev.sasl, "");
	ck_assert_uint_eq(ev.size, 0);
	assert_rest_empty(1, 1, 1, 1);
	ck_assert_int_eq(pm("postfix/submission/smtpd", "4XyZ5v1QKdz9sBq: client=h[2001:db8::1]:4711,"
	    " sasl_method=PLAIN, sasl_username=carol@example.test"), EV_CLIENT);
	ck_assert_sv(ev.qid, "4XyZ5v1QKdz9sBq");
	ck_assert_sv(ev.sasl, "carol@example.test");
	/* sasl_sender follows the user name */
	ck_assert_int_eq(pm("postfix/smtpd", "EB4B2C19E2: client=xxx[1.2.3.4], sasl_method=LOGIN,"
	    " sasl_username=bob, sasl_sender=alice@example.test"), EV_CLIENT);
	ck_assert_sv(ev.sasl, "bob");
	/* qmqpd hands out queue ids too */
	ck_assert_int_eq(pm("postfix/qmqpd", "1A2B3C4D5E: client=h[192.0.2.1]"), EV_CLIENT);
	/* an smtpd line with a queue id that is not client= is noise */
	ck_assert_int_eq(pm("postfix/smtpd", "1A2B3C4D5E: filter: RCPT from h[192.0.2.1]"), EV_IGNORED);
	ck_assert_sv(ev.qid, "1A2B3C4D5E");
}
END_TEST

START_TEST(pickup)
{
	ck_assert_int_eq(pm("postfix/pickup", "D2FAE20586: uid=1000 from=<eve@example.test>"), EV_PICKUP);
	ck_assert_sv(ev.qid, "D2FAE20586");
	ck_assert_sv(ev.sender, "eve@example.test");
	ck_assert_uint_eq(ev.has_sender, 1);
	assert_rest_empty(0, 1, 1, 1);
	ck_assert_int_eq(pm("postfix/pickup", "D2FAE20586: uid=0 from=<>"), EV_PICKUP);
	ck_assert_sv(ev.sender, "");
	ck_assert_uint_eq(ev.has_sender, 1);
	/* without a sender the account cannot come from it */
	ck_assert_int_eq(pm("postfix/pickup", "D2FAE20586: uid=0 from=<fail2ban"), EV_PICKUP);
	ck_assert_uint_eq(ev.has_sender, 0);
	ck_assert_int_eq(pm("postfix/pickup", "D2FAE20586: uid=0"), EV_PICKUP);
	ck_assert_uint_eq(ev.has_sender, 0);
}
END_TEST

START_TEST(queued)
{
	ck_assert_int_eq(pm("postfix/qmgr", "0F5383D: from=<owner-postfix-users@postfix.org>, size=5360,"
	    " nrcpt=3 (queue active)"), EV_QUEUED);
	ck_assert_sv(ev.qid, "0F5383D");
	ck_assert_sv(ev.sender, "owner-postfix-users@postfix.org");
	ck_assert_uint_eq(ev.has_sender, 1);
	ck_assert_uint_eq(ev.size, 5360);
	assert_rest_empty(0, 1, 1, 1);
	ck_assert_int_eq(pm("postfix/qmgr", "1A2B3C4D5E: from=<>, size=2000, nrcpt=1 (queue active)"), EV_QUEUED);
	ck_assert_uint_eq(ev.has_sender, 1);
	ck_assert_sv(ev.sender, "");
	ck_assert_uint_eq(ev.size, 2000);
	/* 64-bit sizes */
	ck_assert_int_eq(pm("postfix-out/qmgr", "1A2B3C4D5E: from=<a@b>, size=5000000000, nrcpt=1 (queue active)"),
	    EV_QUEUED);
	ck_assert_uint_eq(ev.size, 5000000000ULL);
	/* a number that does not fit saturates instead of wrapping */
	ck_assert_int_eq(pm("postfix/qmgr", "1A2B3C4D5E: from=<a@b>, size=99999999999999999999999999, nrcpt=1"),
	    EV_QUEUED);
	ck_assert_uint_gt(ev.size, 1000000000000000000ULL);
}
END_TEST

START_TEST(delivery_sent)
{
	ck_assert_int_eq(pm("postfix/smtp", "0D9633D: to=<jos@example.com>, orig_to=<bestuur@example.com>,"
	    " relay=mail1.example.net[10.74.103.11]:25, delay=11, delays=5.4/0.06/5.1/0.03, dsn=2.0.0,"
	    " status=sent (250 2.0.0 Ok: queued as F12DF84004)"), EV_DELIVERY);
	ck_assert_sv(ev.qid, "0D9633D");
	ck_assert_sv(ev.rcpt, "jos@example.com");
	ck_assert_sv(ev.relay, "mail1.example.net[10.74.103.11]:25");
	ck_assert_int_eq(ev.status, DS_SENT);
	ck_assert_sv(ev.newqid, "F12DF84004");
	ck_assert_uint_eq(ev.local_delivery, 0);
	assert_rest_empty(1, 1, 0, 0);
	/* a remote reply without a queue id */
	ck_assert_int_eq(pm("postfix/smtp", "5270320179: to=<hebj@telia.com>, relay=mail.telia.com[81.236.60.210]:25,"
	    " delay=2017, delays=0.1/2017/0.03/0.05, dsn=2.0.0, status=sent (250 2.0.0 6FVIjIMwUJwU66FVIjAEB0"
	    " mail accepted for delivery)"), EV_DELIVERY);
	ck_assert_sv(ev.newqid, "");
	/* "queued as" followed by something that is no queue id */
	ck_assert_int_eq(pm("postfix/smtp", "5270320179: to=<a@b.example>, relay=b[192.0.2.1]:25, delay=1,"
	    " delays=0/0/0/1, dsn=2.0.0, status=sent (250 OK queued as aaaaaaaaaaaaa)"), EV_DELIVERY);
	ck_assert_sv(ev.newqid, "");
	ck_assert_int_eq(pm("postfix/smtp", "5270320179: to=<a@b.example>, relay=b[192.0.2.1]:25, delay=1,"
	    " delays=0/0/0/1, dsn=2.0.0, status=sent (250 queued as <1234@x>)"), EV_DELIVERY);
	ck_assert_sv(ev.newqid, "");
}
END_TEST

START_TEST(delivery_deferred_bounced)
{
	ck_assert_int_eq(pm("postfix/smtp", "732BB407C3: to=<redacted@domain.com>, relay=mail.domain.com[1.1.1.1]:25,"
	    " delay=6.2, delays=0.1/0/5.2/0.87, dsn=4.0.0, status=deferred (host mail.domain.com[1.1.1.1] said:"
	    " 451 please try again, queued as ABCDEF0123 (in reply to end of DATA command))"), EV_DELIVERY);
	ck_assert_sv(ev.rcpt, "redacted@domain.com");
	ck_assert_sv(ev.relay, "mail.domain.com[1.1.1.1]:25");
	ck_assert_int_eq(ev.status, DS_DEFERRED);
	ck_assert_sv(ev.newqid, ""); /* only a sent reply hands over */
	ck_assert_int_eq(pm("postfix/smtp", "UVWXY33333: to=<deferred@example.com>, relay=none, delay=30,"
	    " delays=0.1/0/29.9/0, dsn=4.4.1, status=deferred (connect to mx.example.com[10.0.0.4]:25:"
	    " Connection timed out)"), EV_DELIVERY);
	ck_assert_sv(ev.relay, "none");
	ck_assert_int_eq(ev.status, DS_DEFERRED);
	ck_assert_int_eq(pm("postfix/smtp", "4E74613FE76: to=<redacted@gmail.com>,"
	    " relay=gmail-smtp-in.l.google.com[2607:f8b0:400e:c04::1b]:25, delay=1.9, delays=0.05/0/1.1/0.71,"
	    " dsn=5.7.1, status=bounced (host gmail-smtp-in.l.google.com[2607:f8b0:400e:c04::1b] said: 550 no)"),
	    EV_DELIVERY);
	ck_assert_sv(ev.relay, "gmail-smtp-in.l.google.com[2607:f8b0:400e:c04::1b]:25");
	ck_assert_int_eq(ev.status, DS_BOUNCED);
	ck_assert_uint_eq(ev.local_delivery, 0);
	/* error(8) and qmgr's own verdicts */
	ck_assert_int_eq(pm("postfix/error", "2DC5552A34: to=<user@yahoo.com>, relay=none, delay=63495,"
	    " delays=63350/144/0/0, dsn=4.4.2, status=deferred (delivery temporarily suspended)"), EV_DELIVERY);
	ck_assert_int_eq(ev.status, DS_DEFERRED);
	ck_assert_uint_eq(ev.local_delivery, 0);
	ck_assert_int_eq(pm("postfix/qmgr", "1A2B3C4D5E: to=<a@b.example>, relay=none, delay=0, delays=0/0/0/0,"
	    " dsn=5.4.6, status=bounced (mail for b.example loops back to myself)"), EV_DELIVERY);
	ck_assert_sv(ev.relay, "none");
	ck_assert_int_eq(ev.status, DS_BOUNCED);
	/* a status we have no name for */
	ck_assert_int_eq(pm("postfix/error", "3E29030F8637E: to=<user@yahoo.com>, relay=none, delay=0.01,"
	    " delays=0.01/0/0/0, dsn=5.1.1, status=undeliverable-but-not-cached (User unknown)"), EV_DELIVERY);
	ck_assert_int_eq(ev.status, DS_OTHER);
}
END_TEST

START_TEST(delivery_local)
{
	static const struct { const char *program; int local; } svc[] = {
		{ "postfix/local", 1 }, { "postfix/virtual", 1 }, { "postfix/lmtp", 1 },
		{ "postfix/pipe", 1 }, { "postfix/discard", 1 }, { "postfix/smtp", 0 },
		{ "postfix/error", 0 }, { "postfix/retry", 0 }, { "postfix-out/smtp", 0 },
		{ "postfix-in/virtual", 1 }, { "postfix/relay/smtp", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(svc) / sizeof(svc[0]); i++) {
		ck_assert_int_eq(pm(svc[i].program, "199041033BE: to=<me@domain.fr>, relay=x, delay=0.08,"
		    " delays=0.08/0/0/0, dsn=2.0.0, status=sent (delivered)"), EV_DELIVERY);
		ck_assert_msg(ev.local_delivery == (unsigned)svc[i].local, "%s", svc[i].program);
		ck_assert_sv(ev.rcpt, "me@domain.fr");
		ck_assert_int_eq(ev.status, DS_SENT);
	}
	ck_assert_int_eq(pm("postfix/lmtp", "7EE668039: to=<u@example.test>, relay=::1[::1]:24, delay=0.1,"
	    " delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)"), EV_DELIVERY);
	ck_assert_sv(ev.relay, "::1[::1]:24");
	ck_assert_uint_eq(ev.local_delivery, 1);
	ck_assert_int_eq(pm("postfix/pipe", "153053D: to=<tom@example.com>, orig_to=<admin@example.com>,"
	    " relay=dovecot, delay=3.4, delays=3.3/0.03/0/0.12, dsn=2.0.0, status=sent (delivered via dovecot service)"),
	    EV_DELIVERY);
	ck_assert_sv(ev.rcpt, "tom@example.com");
	ck_assert_sv(ev.relay, "dovecot");
	ck_assert_int_eq(pm("postfix/lmtp", "123456789AB: to=<user@example.com>, relay=example.com[private/dovecot-lmtp],"
	    " delay=0.12, delays=0.12/0.12/0.12/0.12, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 153053D)"),
	    EV_DELIVERY);
	ck_assert_sv(ev.relay, "example.com[private/dovecot-lmtp]");
	ck_assert_sv(ev.newqid, "153053D");
}
END_TEST

START_TEST(delivery_addresses)
{
	/* IPv6 relay, quoted local part with a space */
	ck_assert_int_eq(pm("postfix/smtp", "1A2B3C4D5E: to=<\"john doe\"@example.com>,"
	    " relay=mail.example[2001:db8::25]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 Ok)"),
	    EV_DELIVERY);
	ck_assert_sv(ev.rcpt, "\"john doe\"@example.com");
	ck_assert_sv(ev.relay, "mail.example[2001:db8::25]:25");
	/* quoted local parts holding the bytes that end an address */
	ck_assert_int_eq(pm("postfix/smtp", "1A2B3C4D5E: to=<\"a>b, c\"@example.com>, relay=mx[192.0.2.1]:25,"
	    " delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 Ok)"), EV_DELIVERY);
	ck_assert_sv(ev.rcpt, "\"a>b, c\"@example.com");
	ck_assert_sv(ev.relay, "mx[192.0.2.1]:25");
	ck_assert_int_eq(pm("postfix/smtp", "1A2B3C4D5E: to=<\"q\\\"> \"@example.com>, relay=mx[192.0.2.1]:25,"
	    " delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 Ok)"), EV_DELIVERY);
	ck_assert_sv(ev.rcpt, "\"q\\\"> \"@example.com");
	/* the orig_to is not the recipient */
	ck_assert_int_eq(pm("postfix/local", "2A22C263F6: to=<user@hostname.example.com>, orig_to=<root@localhost>,"
	    " relay=local, delay=0.07, delays=0.04/0/0/0.03, dsn=2.0.0, status=sent (delivered to command: procmail)"),
	    EV_DELIVERY);
	ck_assert_sv(ev.rcpt, "user@hostname.example.com");
	ck_assert_sv(ev.relay, "local");
	ck_assert_uint_eq(ev.local_delivery, 1);
	/* the null recipient and an address with '>' in an unquoted (internal form) local part */
	ck_assert_int_eq(pm("postfix/smtp", "1A2B3C4D5E: to=<>, relay=none, delay=1, delays=0/0/0/1,"
	    " dsn=5.1.3, status=bounced (bad address syntax)"), EV_DELIVERY);
	ck_assert_sv(ev.rcpt, "");
	ck_assert_int_eq(ev.status, DS_BOUNCED);
	ck_assert_int_eq(pm("postfix/smtp", "1A2B3C4D5E: to=<a>b@example.com>, relay=mx[192.0.2.1]:25,"
	    " delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 Ok)"), EV_DELIVERY);
	ck_assert_sv(ev.rcpt, "a>b@example.com");
	/* no closing '>': not taken at all */
	ck_assert_int_eq(pm("postfix/smtp", "1A2B3C4D5E: to=<a@b.example, relay=x, status=sent"), EV_IGNORED);
	ck_assert_int_eq(pm("postfix/smtp", "1A2B3C4D5E: to=<"), EV_IGNORED);
	ck_assert_int_eq(pm("postfix/smtp", "1A2B3C4D5E: to=<\"unterminated@b.example, relay=x, status=sent"),
	    EV_IGNORED);
}
END_TEST

/* A before-queue or after-queue content filter hands the message to a new queue id. */
START_TEST(content_filter_handoff)
{
	ck_assert_int_eq(pm("postfix/smtp", "3F1A52C0E1: to=<u@example.test>, relay=127.0.0.1[127.0.0.1]:10024,"
	    " delay=0.5, delays=0.1/0/0/0.4, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025):"
	    " 250 2.0.0 Ok: queued as 4XyZ5v1QKdz9sBq)"), EV_DELIVERY);
	ck_assert_sv(ev.qid, "3F1A52C0E1");
	ck_assert_sv(ev.relay, "127.0.0.1[127.0.0.1]:10024");
	ck_assert_int_eq(ev.status, DS_SENT);
	ck_assert_sv(ev.newqid, "4XyZ5v1QKdz9sBq");
	ck_assert_int_eq(pm("postfix/smtp", "3F1A52C0E1: to=<u@example.test>, relay=127.0.0.1[127.0.0.1]:10024,"
	    " conn_use=2, delay=0.5, delays=0.1/0/0/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9C8B7A6F5E)"),
	    EV_DELIVERY);
	ck_assert_sv(ev.newqid, "9C8B7A6F5E");
}
END_TEST

START_TEST(expired)
{
	ck_assert_int_eq(pm("postfix/qmgr", "BACE842E72: from=<noreply@domain.com>, status=expired,"
	    " returned to sender"), EV_EXPIRED);
	ck_assert_sv(ev.qid, "BACE842E72");
	ck_assert_sv(ev.sender, "noreply@domain.com");
	ck_assert_int_eq(pm("postfix/qmgr", "585BC3F: from=<>, status=expired, returned to sender"), EV_EXPIRED);
	ck_assert_uint_eq(ev.has_sender, 1);
	ck_assert_sv(ev.sender, "");
	/* postsuper -e: the same return to sender, asked for by the operator */
	ck_assert_int_eq(pm("postfix/qmgr", "BACE842E73: from=<noreply@domain.com>, status=force-expired,"
	    " returned to sender"), EV_EXPIRED);
	ck_assert_sv(ev.qid, "BACE842E73");
}
END_TEST

START_TEST(removed)
{
	ck_assert_int_eq(pm("postfix/qmgr", "AAB4D259B1: removed"), EV_REMOVED);
	ck_assert_sv(ev.qid, "AAB4D259B1");
	assert_rest_empty(1, 1, 1, 1);
	ck_assert_int_eq(pm("postfix/postsuper", "D4F2023DB: removed"), EV_REMOVED);
	ck_assert_sv(ev.qid, "D4F2023DB");
	ck_assert_int_eq(pm("postfix/postsuper", "D4F2023DB: requeued"), EV_IGNORED);
	ck_assert_int_eq(pm("postfix/postsuper", "Deleted: 115 messages"), EV_UNPARSED);
	/* smtp does not remove anything */
	ck_assert_int_eq(pm("postfix/smtp", "AAB4D259B1: removed"), EV_IGNORED);
}
END_TEST

START_TEST(notification)
{
	ck_assert_int_eq(pm("postfix/bounce", "732BB407C3: sender non-delivery notification: 5DE184083C"),
	    EV_NOTIFICATION);
	ck_assert_sv(ev.qid, "732BB407C3");
	ck_assert_sv(ev.newqid, "5DE184083C");
	ck_assert_int_eq(pm("postfix/bounce", "264FE1A18: sender delay notification: 0A87A1A08"), EV_NOTIFICATION);
	ck_assert_sv(ev.newqid, "0A87A1A08");
	ck_assert_int_eq(pm("postfix/bounce", "482E4404AC8: postmaster non-delivery notification: 47335405A44"),
	    EV_NOTIFICATION);
	ck_assert_sv(ev.newqid, "47335405A44");
	ck_assert_int_eq(pm("postfix/bounce", "482E4404AC8: sender non-delivery notification: 4XyZ5v1QKdz9sBq"),
	    EV_NOTIFICATION);
	ck_assert_sv(ev.newqid, "4XyZ5v1QKdz9sBq");
	/* a notification without a usable new id still names the old one */
	ck_assert_int_eq(pm("postfix/bounce", "482E4404AC8: sender non-delivery notification: "), EV_NOTIFICATION);
	ck_assert_sv(ev.newqid, "");
	ck_assert_int_eq(pm("postfix/bounce", "482E4404AC8: sender non-delivery notification: hello"),
	    EV_NOTIFICATION);
	ck_assert_sv(ev.newqid, "");
}
END_TEST

START_TEST(reject)
{
	ck_assert_int_eq(pm("postfix/smtpd", "NOQUEUE: reject: RCPT from h[192.0.2.1]: 554 5.7.1"
	    " <smtp@example.com>: Relay access denied; from=<john@example.com> to=<smtp@example.org> proto=SMTP"),
	    EV_REJECT);
	ck_assert_uint_eq(ev.qid.n, 0);
	ck_assert_int_eq(pm("postfix/submission/smtpd", "NOQUEUE: reject: EHLO from h[192.0.2.1]: 504 5.5.2"),
	    EV_REJECT);
	ck_assert_int_eq(pm("postfix/smtpd", "00ADB3C0899: reject: RCPT from example.com[192.0.2.1]: 550 5.1.1"),
	    EV_REJECT);
	ck_assert_sv(ev.qid, "00ADB3C0899");
	ck_assert_int_eq(pm("postfix/smtpd", "1D8CC1CA0A7F: milter-reject: DATA from h[192.0.2.151]: 550 5.7.1"),
	    EV_REJECT);
	ck_assert_sv(ev.qid, "1D8CC1CA0A7F");
	ck_assert_uint_eq(ev.gone, 0); /* smtpd: one recipient or command, the message goes on */
	ck_assert_int_eq(pm("postfix/smtpd", "NOQUEUE: milter-reject: RCPT from h[8.8.8.8]: 451 4.7.1 Greylisting"),
	    EV_REJECT);
	ck_assert_int_eq(pm("postfix/cleanup", "4104E3D: milter-reject: END-OF-MESSAGE from h[61.238.241.86]:"
	    " 5.7.1 Blocked by SpamAssassin"), EV_REJECT);
	ck_assert_sv(ev.qid, "4104E3D");
	ck_assert_uint_eq(ev.gone, 1); /* cleanup: the whole message, and no "removed" follows */
	ck_assert_int_eq(pm("postfix/cleanup", "1A2B3C4D5E: reject: header Subject: x from h[192.0.2.1]; 5.7.1 no"),
	    EV_REJECT);
	ck_assert_uint_eq(ev.gone, 1);
	ck_assert_int_eq(pm("postfix/cleanup", "1A2B3C4D5E: milter-discard: END-OF-MESSAGE from h[192.0.2.1]:"
	    " milter triggers DISCARD action"), EV_ANTISPAM);
	ck_assert_uint_eq(ev.gone, 1);
	/* postscreen rejects are not counted as rejects: only their replies (issue 14) */
	ck_assert_int_eq(pm("postfix/postscreen", "NOQUEUE: reject: RCPT from [192.0.2.1]:25: 550 5.7.1 Service"
	    " unavailable; client [192.0.2.1] blocked using zen.spamhaus.org"), EV_REPLY);
	ck_assert_uint_eq(ev.reply.code, 550);
	ck_assert_int_eq(pm("postfix/postscreen", "NOQUEUE: reject: CONNECT from [1.2.3.4]:1337: too many connections"),
	    EV_SESSION_INCOMPLETE);
	ck_assert_sv(ev.what, "rate_limit");
	ck_assert_sv(ev.session, "[1.2.3.4]:1337");
	/* warnings and other verdicts */
	ck_assert_int_eq(pm("postfix/smtpd", "NOQUEUE: reject_warning: RCPT from example.com[93.184.216.34]: 553"),
	    EV_IGNORED);
	ck_assert_int_eq(pm("postfix/smtpd", "NOQUEUE: discard: MAIL from h[208.75.123.231]: <b@c>: Sender"),
	    EV_IGNORED);
	ck_assert_int_eq(pm("postfix/smtpd", "NOQUEUE: lost connection after CONNECT from unknown[192.0.2.25]"),
	    EV_SESSION_INCOMPLETE);
	ck_assert_sv(ev.what, "lost_after_connect");
	/* a reject logged by some other daemon is not ours to count */
	ck_assert_int_eq(pm("postfix/smtp", "1A2B3C4D5E: reject: x"), EV_IGNORED);
}
END_TEST

START_TEST(auth_failed)
{
	ck_assert_int_eq(pm("postfix/smtpd", "warning: unknown[192.0.2.1]: SASL LOGIN authentication failed:"
	    " UGFzc3dvcmQ6"), EV_AUTH_FAILED);
	ck_assert_uint_eq(ev.qid.n, 0);
	ck_assert_int_eq(pm("postfix/submission/smtpd", "warning: unknown[82.221.106.233]: SASL login"
	    " authentication failed: UGFzc3dvcmQ6"), EV_AUTH_FAILED);
	ck_assert_int_eq(pm("postfix/smtpd", "warning: h[2001:db8::1]:55729: SASL CRAM-MD5 authentication failed:"),
	    EV_AUTH_FAILED);
	ck_assert_int_eq(pm("postfix-incoming/smtpd", "warning: unknown[1.1.1.1]: SASL PLAIN authentication failed:"),
	    EV_AUTH_FAILED);
	/* the SASL server's own trouble is not a client's failed login */
	ck_assert_int_eq(pm("postfix/smtpd", "warning: SASL authentication failure: Password verification failed"),
	    EV_IGNORED);
	/* our own client failing to log in to a relay */
	ck_assert_int_eq(pm("postfix/smtp", "D0F29603B4: SASL authentication failed; server x[1.2.3.4] said: 535"),
	    EV_IGNORED);
	ck_assert_int_eq(pm("postfix/smtp", "warning: x[1.2.3.4]: SASL LOGIN authentication failed: y"), EV_IGNORED);
	ck_assert_int_eq(pm("postfix/smtpd", "warning: hostname x does not resolve to address 192.0.2.44"),
	    EV_IGNORED);
}
END_TEST

/* Issue 14: every mail-flow health shape, field by field. */
START_TEST(health_shapes)
{
	/* replies we gave: code, enhanced code, text up to "; from=<" */
	ck_assert_int_eq(pm("postfix/smtpd", "NOQUEUE: reject: RCPT from h[192.0.2.9]: 550 5.1.1 <u@x>:"
	    " Recipient address rejected: User unknown; from=<s@y> to=<u@x> proto=ESMTP helo=<h>"), EV_REJECT);
	ck_assert_uint_eq(ev.reply.code, 550);
	ck_assert_uint_eq(ev.reply.dir, MTA_DIR_IN);
	ck_assert_sv(ev.reply.enh, "5.1.1");
	ck_assert_sv(ev.reply.text, "<u@x>: Recipient address rejected: User unknown");
	ck_assert_int_eq(ev.what.n, 0);
	/* a milter's reject logs the enhanced code only: Postfix's default code for its class */
	ck_assert_int_eq(pm("postfix/cleanup", "4104E3D: milter-reject: END-OF-MESSAGE from h[61.238.241.86]:"
	    " 5.7.1 Blocked by SpamAssassin; from=<w@c> to=<v@e> proto=ESMTP helo=<e>"), EV_REJECT);
	ck_assert_uint_eq(ev.reply.code, 550);
	ck_assert_sv(ev.reply.enh, "5.7.1");
	ck_assert_sv(ev.reply.text, "Blocked by SpamAssassin");
	ck_assert_sv(ev.what, "milter_reject");
	ck_assert_int_eq(pm("postfix/smtpd", "NOQUEUE: milter-reject: RCPT from h[8.8.8.8]: 451 4.7.1 Greylisting;"
	    " from=<a@b> to=<c@d>"), EV_REJECT);
	ck_assert_uint_eq(ev.reply.code, 451);
	ck_assert_sv(ev.what, "milter_tempfail");
	ck_assert_int_eq(pm("postfix/cleanup", "4104E3D: milter-discard: END-OF-MESSAGE from h[192.0.2.1]:"
	    " milter triggers DISCARD action; from=<a@b> to=<c@d>"), EV_ANTISPAM);
	ck_assert_sv(ev.what, "milter_discard");
	/* servers' replies, direction out; the sent's 2xx; "(in reply to ...)" cut */
	ck_assert_int_eq(pm("postfix/smtp", "A0E85200BD: to=<w@l.example.org>, relay=open.example.nl[10.49.140.10]:25,"
	    " delay=2.3, delays=0.25/0.05/2/0.04, dsn=4.2.0, status=deferred (host open.example.nl[10.49.140.10]"
	    " said: 450 4.2.0 <w@l.example.org>: Recipient address rejected: Greylisted (in reply to RCPT TO command))"),
	    EV_DELIVERY);
	ck_assert_uint_eq(ev.reply.code, 450);
	ck_assert_uint_eq(ev.reply.dir, MTA_DIR_OUT);
	ck_assert_sv(ev.reply.enh, "4.2.0");
	ck_assert_sv(ev.reply.text, "<w@l.example.org>: Recipient address rejected: Greylisted");
	ck_assert_uint_eq(ev.has_delay, 1);
	ck_assert_uint_eq(ev.delay_ms, 2300);
	ck_assert_uint_eq(ev.has_tls, 1);     /* a session opened to a server ... */
	ck_assert_uint_eq(ev.tls_unsaid, 1);  /* ... whose TLS another line says */
	ck_assert_uint_eq(ev.dir, MTA_DIR_OUT);
	ck_assert_int_eq(pf("Feb 24 16:18:40 letterman postfix/smtp[59649]: 5270320179: to=<hebj@telia.com>,"
	    " relay=mail.telia.com[81.236.60.210]:25, delay=2017, delays=0.1/2017/0.03/0.05, dsn=2.0.0,"
	    " status=sent (250 2.0.0 6FVIjIMwUJwU66FVIjAEB0 mail accepted for delivery)"), EV_DELIVERY);
	ck_assert_uint_eq(ev.reply.code, 250);
	ck_assert_sv(ev.reply.text, "6FVIjIMwUJwU66FVIjAEB0 mail accepted for delivery");
	ck_assert_uint_eq(ev.delay_ms, 2017000);
	/* multi-line reply: the first line's code and enhanced code */
	ck_assert_int_eq(pm("postfix/smtp", "4E74613FE76: to=<r@gmail.com>, relay=gmail-smtp-in.l.google.com"
	    "[2607:f8b0:400e:c04::1b]:25, delay=1.9, delays=0.05/0/1.1/0.71, dsn=5.7.1, status=bounced (host"
	    " gmail-smtp-in.l.google.com[2607:f8b0:400e:c04::1b] said: 550-5.7.1 [2607:4100:3:25:100::2] Our"
	    " system has detected (in reply to end of DATA command))"), EV_DELIVERY);
	ck_assert_uint_eq(ev.reply.code, 550);
	ck_assert_sv(ev.reply.enh, "5.7.1");
	/* a cached connection (conn_use=2) opened no session; its delay still counts */
	ck_assert_int_eq(pm("postfix/smtp", "ABCDE12345: to=<a@r.example>, relay=mx.r.example[10.0.0.1]:25,"
	    " conn_use=2, delay=0.35, delays=0.1/0/0/0.25, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as X)"),
	    EV_DELIVERY);
	ck_assert_uint_eq(ev.has_tls, 0);
	ck_assert_uint_eq(ev.delay_ms, 350);
	/* no session to the loopback (a content filter) or over a socket; none without a code */
	ck_assert_int_eq(pm("postfix/smtp", "7EE668039: to=<admin@example.com>, relay=127.0.0.1[127.0.0.1]:2525,"
	    " delay=3.6, delays=0.2/0.02/0.04/3.3, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 153053D)"),
	    EV_DELIVERY);
	ck_assert_uint_eq(ev.has_tls, 0);
	ck_assert_sv(ev.newqid, "153053D");
	ck_assert_int_eq(pm("postfix/smtp", "AD6E41CDC05C: to=<admin@example.com>, relay=sub1.example.com"
	    "[private/dovecot-lmtp], delay=0.15, delays=0.04/0/0.02/0.08, dsn=2.0.0, status=sent (250 2.0.0 Saved)"),
	    EV_DELIVERY);
	ck_assert_uint_eq(ev.has_tls, 0);
	ck_assert_int_eq(pm("postfix/smtp", "UVWXY33333: to=<d@example.com>, relay=none, delay=30,"
	    " delays=0.1/0/29.9/0, dsn=4.4.1, status=deferred (connect to mx.example.com[10.0.0.4]:25:"
	    " Connection timed out)"), EV_DELIVERY);
	ck_assert_uint_eq(ev.reply.code, 0);
	ck_assert_uint_eq(ev.has_tls, 0);
	ck_assert_int_eq(pm("postfix/local", "2A22C263F6: to=<u@h.example.com>, relay=local, delay=0.07,"
	    " delays=0.04/0/0/0.03, dsn=2.0.0, status=sent (delivered to command: procmail)"), EV_DELIVERY);
	ck_assert_uint_eq(ev.reply.code, 0);
	ck_assert_uint_eq(ev.delay_ms, 70);
	ck_assert_int_eq(pm("postfix/smtp", "2690D8044: host mta7.am0.yahoodns.net[66.196.118.34] said: 451 4.3.2"
	    " Internal error reading data (in reply to MAIL FROM command)"), EV_REPLY);
	ck_assert_uint_eq(ev.reply.code, 451);
	ck_assert_sv(ev.reply.text, "Internal error reading data");
	/* TLS to servers; the loopback's is no session to the internet */
	ck_assert_int_eq(pm("postfix/smtp", "Verified TLS connection established to mx2.comcast.net"
	    "[2001:558:fe21:2a::6]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)"), EV_TLS);
	ck_assert_uint_eq(ev.dir, MTA_DIR_OUT);
	ck_assert_uint_eq(ev.tls, 1);
	ck_assert_int_eq(pm("postfix/smtp", "Untrusted TLS connection established to 127.0.0.1[127.0.0.1]:2525:"
	    " TLSv1.2 with cipher AECDH-AES256-SHA (256/256 bits)"), EV_IGNORED);
	/* smtpd's broken sessions */
	ck_assert_int_eq(pm("postfix/smtpd", "lost connection after DATA (7774180 bytes) from unknown[72.13.58.7]"),
	    EV_SESSION_INCOMPLETE);
	ck_assert_sv(ev.what, "lost_after_data");
	ck_assert_int_eq(pm("postfix/smtpd", "timeout after END-OF-MESSAGE from unknown[72.13.58.7]"),
	    EV_SESSION_INCOMPLETE);
	ck_assert_sv(ev.what, "timeout_after_eom");
	ck_assert_int_eq(pm("postfix/smtpd", "lost connection after FROB from unknown[72.13.58.7]"),
	    EV_SESSION_INCOMPLETE);
	ck_assert_sv(ev.what, "lost_after_other");
	ck_assert_int_eq(pm("postfix/smtpd", "too many errors after RCPT from example.com[192.0.2.11]"),
	    EV_SESSION_INCOMPLETE);
	ck_assert_sv(ev.what, "too_many_errors");
	ck_assert_int_eq(pm("postfix/smtpd", "warning: Connection rate limit exceeded: 31 from"
	    " spamhost.domain.org[192.0.2.123] for service smtpd"), EV_SESSION_INCOMPLETE);
	ck_assert_sv(ev.what, "rate_limit");
	ck_assert_int_eq(pm("postfix/smtpd", "warning: hostname x does not resolve to address 192.0.2.44"),
	    EV_IGNORED);
	/* disconnect: QUIT without a message is broken; without QUIT its cause was logged */
	ck_assert_int_eq(pm("postfix/smtpd", "disconnect from unknown[192.0.2.1] helo=1 auth=0/1 quit=1"
	    " commands=2/3"), EV_SESSION_INCOMPLETE);
	ck_assert_sv(ev.what, "no_mail");
	ck_assert_uint_eq(ev.has_tls, 1);
	ck_assert_uint_eq(ev.dir, MTA_DIR_IN);
	ck_assert_uint_eq(ev.tls, 0);
	ck_assert_int_eq(pm("postfix/smtpd", "disconnect from unknown[93.188.162.137] ehlo=2 starttls=1 mail=1"
	    " rcpt=0/1 rset=1 noop=1 quit=1 commands=7/8"), EV_SESSION_INCOMPLETE);
	ck_assert_sv(ev.what, "no_rcpt");
	ck_assert_uint_eq(ev.tls, 1);
	ck_assert_int_eq(pm("postfix/smtpd", "disconnect from unknown[72.10.165.66] ehlo=2 starttls=1 mail=1"
	    " rcpt=1 data=0/1 quit=1 commands=5/7"), EV_SESSION_INCOMPLETE);
	ck_assert_sv(ev.what, "no_data");
	ck_assert_int_eq(pm("postfix/smtpd", "disconnect from unknown[72.10.165.66] ehlo=1 mail=1 rcpt=1 data=1"
	    " quit=1 commands=5"), EV_TLS);
	ck_assert_uint_eq(ev.tls, 0);
	ck_assert_int_eq(pm("postfix/smtpd", "disconnect from example.net[158.247.23.50] ehlo=2 starttls=1"
	    " mail=1 rcpt=0/1 bdat=0/1 commands=4/6"), EV_TLS);
	ck_assert_uint_eq(ev.tls, 1);
	ck_assert_int_eq(pm("postfix/smtpd", "disconnect from example.net[158.247.23.50] ehlo=1 mail=1 rcpt=1"
	    " bdat=1 quit=1 commands=5"), EV_TLS);
	ck_assert_int_eq(pm("postfix/smtps/smtpd", "disconnect from h[192.0.2.7] ehlo=1 auth=1 mail=1 rcpt=1"
	    " data=1 quit=1 commands=6"), EV_TLS);
	ck_assert_uint_eq(ev.tls, 1); /* wrapper mode: TLS without STARTTLS */
	ck_assert_int_eq(pm("postfix/smtpd", "disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=1 data=1"
	    " quit=1 commands=5"), EV_IGNORED);
	ck_assert_int_eq(pm("postfix/smtpd", "disconnect from localhost[127.0.0.1] ehlo=1 quit=1 commands=2"),
	    EV_SESSION_INCOMPLETE);
	ck_assert_uint_eq(ev.has_tls, 0);
	ck_assert_int_eq(pm("postfix/smtpd", "disconnect from h[192.0.2.1]"), EV_IGNORED); /* before 3.0 */
	/* postscreen: each verdict with its session's [addr]:port */
	ck_assert_int_eq(pm("postfix/postscreen", "PREGREET 6 after 1.2 from [216.81.72.72]:43421: RSET\\r\\n"),
	    EV_SESSION_INCOMPLETE);
	ck_assert_sv(ev.what, "pregreet");
	ck_assert_sv(ev.session, "[216.81.72.72]:43421");
	ck_assert_int_eq(pm("postfix/postscreen", "DNSBL rank 3 for [111.73.45.149]:1038"), EV_SESSION_INCOMPLETE);
	ck_assert_sv(ev.what, "dnsbl");
	ck_assert_sv(ev.session, "[111.73.45.149]:1038");
	ck_assert_int_eq(pm("postfix/postscreen", "HANGUP after 63 from [111.73.45.149]:1038 in tests after SMTP"
	    " handshake"), EV_SESSION_INCOMPLETE);
	ck_assert_sv(ev.what, "hangup");
	ck_assert_sv(ev.session, "[111.73.45.149]:1038");
	ck_assert_int_eq(pm("postfix/postscreen", "NON-SMTP COMMAND from [192.0.2.1]:12345 after CONNECT: GET /"),
	    EV_SESSION_INCOMPLETE);
	ck_assert_sv(ev.what, "non_smtp_command");
	ck_assert_int_eq(pm("postfix/postscreen", "DENYLISTED [192.0.2.1]:12345"), EV_SESSION_INCOMPLETE);
	ck_assert_sv(ev.what, "denylisted");
	ck_assert_sv(ev.session, "[192.0.2.1]:12345");
	ck_assert_int_eq(pm("postfix/postscreen", "PASS NEW [192.0.2.1]:36051"), EV_IGNORED);
	ck_assert_int_eq(pm("postfix/postscreen", "warning: psc_cache_update: btree:x: x"), EV_IGNORED);
	/* content filters' verdicts through syslog */
	ck_assert_int_eq(pm("amavis", "(01234-05) Blocked SPAM {RejectedInbound}, [192.0.2.30]:4711 <x@o>"
	    " -> <u@e>, Hits: 12.1"), EV_ANTISPAM);
	ck_assert_sv(ev.what, "blocked_spam");
	ck_assert_int_eq(pm("amavisd", "(01234-06-2) Passed BAD-HEADER {RelayedInbound}, <y@o> -> <u@e>"),
	    EV_ANTISPAM);
	ck_assert_sv(ev.what, "passed_bad-header");
	ck_assert_int_eq(pm("amavis", "(01234-06) Checking: dbMGZd2Hclq6 [192.0.2.31] <y@o> -> <u@e>"), EV_IGNORED);
	ck_assert_int_eq(pm("rspamd", "<a1b2c3>; task; rspamd_task_write_log: id: <m@x>, qid: <F00BA12345>,"
	    " ip: 192.0.2.30, (default: F (no action): [-0.50/15.00] [R_SPF_ALLOW(-0.2)]), len: 2013"), EV_ANTISPAM);
	ck_assert_sv(ev.what, "rspamd_no_action");
	ck_assert_int_eq(pm("rspamd", "<a1b2c3>; lua; spamassassin.lua:10: rule loaded"), EV_IGNORED);
}
END_TEST

START_TEST(noise_and_unknown)
{
	static const char *const noise[] = {
		"connect from h[192.0.2.1]", "disconnect from h[192.0.2.1]",
		"statistics: max cache size 1 at Oct 26 18:13:50", "Anonymous TLS connection established from h",
		"improper command pipelining after EHLO from h",
		"PASS NEW [192.0.2.1]:36051", "HANGUP after 0 from [192.0.2.1]",
		"daemon started -- version 3.5.0", "table hash:/etc/postfix/x has changed -- restarting",
		"connect to intern.nl[194.109.6.98]:25: Connection timed out", "fatal: file /etc/postfix/main.cf: x",
		"error: open /example: No such file or directory", "panic: myfree: corrupt or unallocated memory",
		"NOQUEUE: filter: RCPT from h[192.0.2.1]: <m@s.com>: Sender address triggers FILTER",
	};
	size_t i;

	for (i = 0; i < sizeof(noise) / sizeof(noise[0]); i++)
		ck_assert_msg(pm("postfix/smtpd", noise[i]) == EV_IGNORED, "not noise: %s", noise[i]);
	ck_assert_int_eq(pm("postfix/smtpd", "something new from the future"), EV_UNPARSED);
	ck_assert_int_eq(pm("postfix/smtpd", ""), EV_UNPARSED);
	ck_assert_int_eq(pm("postfix/cleanup", "1A2B3C4D5E: message-id=<x@y>"), EV_IGNORED);
	ck_assert_sv(ev.qid, "1A2B3C4D5E");
}
END_TEST

START_TEST(queue_ids)
{
	static const struct { const char *id; int ok; } ids[] = {
		{ "3F2A1C", 1 }, { "0F5383D", 1 }, { "1A2B3C4D5E", 1 }, { "199041033BE", 1 }, { "66C15648577B", 1 },
		{ "ABCDE12345", 1 }, { "KLMNO11111", 1 }, /* hand-written logs */
		{ "4XyZ5v1QKdz9sBq", 1 }, { "44JCRG5tYPzCqt2", 1 }, { "48rT2v1hQrz1J0N", 1 },
		{ "NOQUEUE", 0 }, { "removed", 0 }, { "warning", 0 }, { "abcdef", 0 },
		{ "4xyz5v1qkdz9sba", 0 },        /* a vowel: not a long id */
		{ "bcdfg", 0 },                  /* lower case and short */
		{ "ED06590130AA1C9D6D862", 0 },  /* 21 characters */
		{ "1A2B", 0 }, { "1A-2B3C4D", 0 }, { "", 0 },
	};
	char msg[128];
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		/*
		 * "NOQUEUE: " (reject_warning, discard...) and "warning: " lines are
		 * known shapes without a queue id: ignored, not unknown
		 */
		int known = strcmp(ids[i].id, "NOQUEUE") == 0 || strcmp(ids[i].id, "warning") == 0;
		int want = ids[i].ok ? EV_REMOVED : known ? EV_IGNORED : EV_UNPARSED;

		snprintf(msg, sizeof(msg), "%s: removed", ids[i].id);
		ck_assert_msg(pm("postfix/qmgr", msg) == want, "%s: type %d", ids[i].id, ev.type);
		if (ids[i].ok)
			ck_assert_sv(ev.qid, ids[i].id);
		else
			ck_assert_uint_eq(ev.qid.n, 0);
	}
	/* the id must be followed by ": " */
	ck_assert_int_eq(pm("postfix/qmgr", "1A2B3C4D5E:removed"), EV_UNPARSED);
	ck_assert_int_eq(pm("postfix/qmgr", "1A2B3C4D5E:"), EV_UNPARSED);
	ck_assert_int_eq(pm("postfix/qmgr", "1A2B3C4D5E"), EV_UNPARSED);
}
END_TEST

START_TEST(instances)
{
	static const char *const mine[] = { "postfix-in", "postfix-out", NULL };
	const char *const *def = parser_postfix.default_instances;

	ck_assert_ptr_eq(parser_by_name("postfix"), &parser_postfix);
	ck_assert_ptr_eq(parser_by_name("exim"), &parser_exim);
	ck_assert_ptr_null(parser_by_name("sendmail"));
	ck_assert_int_eq(pf("Nov  2 10:00:00 mx postfix/smtpd[1]: x"), EV_UNPARSED);
	ck_assert(parser_postfix.owns(def, &h));
	ck_assert(!parser_postfix.owns(mine, &h));
	ck_assert_int_eq(pf("Nov  2 10:00:00 mx postfix-out/smtp[1]: x"), EV_UNPARSED);
	ck_assert(parser_postfix.owns(def, &h));
	ck_assert(parser_postfix.owns(mine, &h));
	ck_assert_int_eq(pf("Nov  2 10:00:00 mx postfix/submission/smtpd[1]: x"), EV_UNPARSED);
	ck_assert(parser_postfix.owns(def, &h));
	ck_assert_int_eq(pf("Nov  2 10:00:00 mx postfix-in[1]: x"), EV_UNPARSED);
	ck_assert(parser_postfix.owns(mine, &h));
	ck_assert_int_eq(pf("Nov  2 10:00:00 mx post/smtpd[1]: x"), EV_UNPARSED);
	ck_assert(!parser_postfix.owns(def, &h));
	ck_assert_int_eq(pf("Nov  2 10:00:00 mx dovecot[1]: x"), EV_UNPARSED);
	ck_assert(!parser_postfix.owns(def, &h));
	/* the prefix is matched in the first component only */
	ck_assert_int_eq(pf("Nov  2 10:00:00 mx exim/postfix[1]: x"), EV_UNPARSED);
	ck_assert(!parser_postfix.owns(def, &h));
	ck_assert_int_eq(pf("<22>1 2026-11-02T10:00:00Z mx postfix/smtpd 1 - - x"), EV_UNPARSED);
	ck_assert(parser_postfix.owns(def, &h));
}
END_TEST

/*
 * Addresses are chosen by strangers: a sender or recipient that spells out
 * other fields must not change the relay, the status, the size or the type.
 */
START_TEST(fields_in_addresses)
{
	ck_assert_int_eq(pm("postfix/smtp", "1A2B3C4D5E: to=<\"x, relay=127.0.0.1[127.0.0.1]:10024,"
	    " status=deferred y\"@evil.example>, relay=mx.evil.example[192.0.2.9]:25, delay=1,"
	    " delays=0/0/0/1, dsn=2.0.0, status=sent (250 Ok)"), EV_DELIVERY);
	ck_assert_sv(ev.relay, "mx.evil.example[192.0.2.9]:25");
	ck_assert_int_eq(ev.status, DS_SENT);
	ck_assert_sv(ev.newqid, "");
	/* the same in Postfix's internal (unquoted) form, where a local part holds spaces */
	ck_assert_int_eq(pm("postfix/smtp", "1A2B3C4D5E: to=<x status=deferred y@evil.example>,"
	    " relay=mx.evil.example[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 Ok)"),
	    EV_DELIVERY);
	ck_assert_int_eq(ev.status, DS_SENT);
	ck_assert_int_eq(pm("postfix/smtp", "1A2B3C4D5E: to=<relay=127.0.0.1[127.0.0.1]:10024@evil.example>,"
	    " relay=mx.evil.example[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent"
	    " (250 Ok queued as 3F1A52C0E1)"), EV_DELIVERY);
	ck_assert_sv(ev.relay, "mx.evil.example[192.0.2.9]:25");
	ck_assert_sv(ev.newqid, "3F1A52C0E1");
	/* and in orig_to */
	ck_assert_int_eq(pm("postfix/smtp", "1A2B3C4D5E: to=<a@b.example>, orig_to=<\"q, relay=none,"
	    " status=bounced (queued as 9999999999)\"@evil.example>, relay=mx.b.example[192.0.2.9]:25, delay=1,"
	    " delays=0/0/0/1, dsn=2.0.0, status=sent (250 Ok)"), EV_DELIVERY);
	ck_assert_sv(ev.rcpt, "a@b.example");
	ck_assert_sv(ev.relay, "mx.b.example[192.0.2.9]:25");
	ck_assert_int_eq(ev.status, DS_SENT);
	ck_assert_sv(ev.newqid, "");
	/* a remote reply that spells orig_to, relay and status after the real ones */
	ck_assert_int_eq(pm("postfix/smtp", "1A2B3C4D5E: to=<a@b.example>, relay=mx.b.example[192.0.2.9]:25,"
	    " delay=1, delays=0/0/0/1, dsn=5.0.0, status=bounced (550 orig_to=<x>, relay=none, status=sent)"),
	    EV_DELIVERY);
	ck_assert_sv(ev.relay, "mx.b.example[192.0.2.9]:25");
	ck_assert_int_eq(ev.status, DS_BOUNCED);
	/* qmgr: the sender cannot set the size or make the message expire */
	ck_assert_int_eq(pm("postfix/qmgr", "1A2B3C4D5E: from=<size=99999999999@evil.example>, size=1234,"
	    " nrcpt=1 (queue active)"), EV_QUEUED);
	ck_assert_sv(ev.sender, "size=99999999999@evil.example");
	ck_assert_uint_eq(ev.size, 1234);
	ck_assert_int_eq(pm("postfix/qmgr", "1A2B3C4D5E: from=<status=expired@evil.example>, size=10,"
	    " nrcpt=1 (queue active)"), EV_QUEUED);
	ck_assert_uint_eq(ev.size, 10);
	ck_assert_int_eq(pm("postfix/qmgr", "1A2B3C4D5E: from=<\"a>, size=99999999, x\"@evil.example>, size=10,"
	    " nrcpt=1 (queue active)"), EV_QUEUED);
	ck_assert_sv(ev.sender, "\"a>, size=99999999, x\"@evil.example");
	ck_assert_uint_eq(ev.size, 10);
	ck_assert_int_eq(pm("postfix/qmgr", "1A2B3C4D5E: from=<size=1@evil.example>, status=expired,"
	    " returned to sender"), EV_EXPIRED);
	ck_assert_uint_eq(ev.size, 0);
	/* pickup: the sender does not become something else */
	ck_assert_int_eq(pm("postfix/pickup", "D2FAE20586: uid=1000 from=<\"x> y\"@example.test>"), EV_PICKUP);
	ck_assert_sv(ev.sender, "\"x> y\"@example.test");
}
END_TEST

/* s is empty, or lies inside the n bytes of the line under test. */
static int
within(struct strview s, size_t n)
{
	if (s.n == 0)
		return 1;
	return s.p >= copy && s.n <= n && (size_t)(s.p - copy) <= n - s.n;
}

/* Every prefix of real lines, each copied to exactly its length. */
START_TEST(truncated_lines)
{
	static const char *const lines[] = {
		"Nov  2 10:00:00 mx postfix/smtp[1]: 1A2B3C4D5E: to=<\"john doe\"@b.example>, orig_to=<j@b.example>,"
		" relay=mx.b.example[2001:db8::25]:25, delay=1, delays=0/0/0/1, dsn=2.0.0,"
		" status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 4XyZ5v1QKdz9sBq)",
		"Nov  2 10:00:00 mx postfix/submission/smtpd[1]: 4XyZ5v1QKdz9sBq: client=h[2001:db8::1],"
		" sasl_method=PLAIN, sasl_username=carol@example.test",
		"2026-11-02T10:00:00.123+01:00 mx postfix/qmgr[1]: 1A2B3C4D5E: from=<a@b>, size=2000, nrcpt=1 (queue active)",
		"<22>1 2026-11-02T10:00:00Z mx postfix/bounce 1 - - 1A2B3C4D5E: sender non-delivery notification: 5F6E7D8C9B",
		"Nov  2 10:00:00 mx postfix/smtpd[1]: warning: unknown[192.0.2.1]: SASL LOGIN authentication failed: x",
		"Nov  2 10:00:00 mx postfix/qmgr[1]: 1A2B3C4D5E: from=<\"x\\\">\"@b>, status=expired, returned to sender",
	};
	size_t i, n;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		ck_assert_int_ne(pf(lines[i]), EV_UNPARSED);
		for (n = 0; n <= strlen(lines[i]); n++) {
			int t = feed(lines[i], n);
			if (t < 0)
				continue;
			ck_assert_int_le(t, EV_AUTH_FAILED);
			/*
			 * parse() sets every field (it clears the event first; ingest_line
			 * relies on that): an absent field is empty, with no pointer to
			 * compare, and a present one lies inside the line.
			 */
			ck_assert_msg(within(ev.rcpt, n), "rcpt outside the line at %zu", n);
			ck_assert_msg(within(ev.relay, n), "relay outside the line at %zu", n);
			ck_assert_msg(within(ev.newqid, n), "newqid outside the line at %zu", n);
			ck_assert_msg(within(ev.sender, n), "sender outside the line at %zu", n);
			ck_assert_msg(within(ev.sasl, n), "sasl outside the line at %zu", n);
			ck_assert_msg(within(ev.qid, n), "qid outside the line at %zu", n);
		}
	}
}
END_TEST

/* 1 MiB lines, NUL bytes, invalid UTF-8, CR: no crash, sensible fields. */
START_TEST(hostile_bytes)
{
	static const char head[] = "Nov  2 10:00:00 mx postfix/smtp[1]: 1A2B3C4D5E: to=<";
	static const char tail[] = ">, relay=mx[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 Ok)";
	static const char nul[] = "Nov  2 10:00:00 mx postfix/smtp[1]: 1A2B3C4D5E: to=<a\0b@x.example>,"
	    " relay=mx[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent\0 (250 Ok)";
	size_t big = 1 << 20, i;
	char *line = malloc(big);

	ck_assert_ptr_nonnull(line);
	/* a 1 MiB recipient */
	memcpy(line, head, sizeof(head) - 1);
	for (i = sizeof(head) - 1; i < big - (sizeof(tail) - 1); i++)
		line[i] = (char)('a' + i % 26);
	memcpy(line + big - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
	ck_assert_int_eq(feed(line, big), EV_DELIVERY);
	ck_assert_uint_eq(ev.rcpt.n, big - (sizeof(head) - 1) - (sizeof(tail) - 1));
	ck_assert_int_eq(ev.status, DS_SENT);
	/* 1 MiB of every byte value after a header */
	for (i = 0; i < big; i++)
		line[i] = (char)(i * 131 + 7);
	memcpy(line, head, 37);
	feed(line, big);
	/* 1 MiB of '<' and '>' and '"' */
	for (i = 37; i < big; i++)
		line[i] = "<>\"=, "[i % 6];
	feed(line, big);
	memcpy(line + 37, "1A2B3C4D5E: to=<", 16);
	feed(line, big);
	free(line);
	/* NUL bytes inside the line: the line is still the whole line */
	ck_assert_int_eq(feed(nul, sizeof(nul) - 1), EV_DELIVERY);
	ck_assert_uint_eq(ev.rcpt.n, 13);
	ck_assert_int_eq(ev.status, DS_SENT);
	/* invalid UTF-8 and CR inside addresses are carried, not interpreted */
	ck_assert_int_eq(pm("postfix/smtp", "1A2B3C4D5E: to=<\xff\xfe\xc3(\xed\xa0\x80@x.example>, relay=\r\n, delay=1,"
	    " dsn=2.0.0, status=sent (250 Ok)"), EV_DELIVERY);
	ck_assert_sv(ev.rcpt, "\xff\xfe\xc3(\xed\xa0\x80@x.example");
	ck_assert_sv(ev.relay, "\r\n");
	ck_assert_int_eq(pm("postfix/smtpd", "1A2B3C4D5E: client=h[192.0.2.1], sasl_username=\xc0\xafroot\r"),
	    EV_CLIENT);
	ck_assert_sv(ev.sasl, "\xc0\xafroot\r");
	ck_assert_int_eq(pm("postfix/qmgr", "1A2B3C4D5E: from=<a\rb>, size=12\r, nrcpt=1\r"), EV_QUEUED);
	ck_assert_uint_eq(ev.size, 12);
}
END_TEST

/* Count event types over every line of one corpus file. */
static int
count_file(const char *name, int counts[NTYPES + 1])
{
	const char *top = getenv("top_srcdir");
	char path[4096], buf[CORPUS_LINE_MAX];
	FILE *f;
	int lines = 0;

	memset(counts, 0, sizeof(int) * (NTYPES + 1));
	snprintf(path, sizeof(path), "%s/../shared/corpus/postfix/%s", top != NULL ? top : "..", name);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(buf, sizeof(buf), f) != NULL) {
		size_t n = strcspn(buf, "\n");
		int t = feed(buf, n);
		ck_assert_msg(buf[n] == '\n' || feof(f), "%s: line %d too long", name, lines + 1);
		counts[t < 0 ? NTYPES : t]++;
		if (t >= 0 && !parser_postfix.owns(parser_postfix.default_instances, &h))
			ck_abort_msg("%s: line %d not owned", name, lines + 1);
		lines++;
	}
	fclose(f);
	return lines;
}

/* Counted by hand, line by line; -1 = no header. */
START_TEST(corpus_counts)
{
	static const struct {
		const char *file;
		int lines, noheader, unparsed, ignored, client, pickup, queued, delivery, expired,
		    removed, notification, reject, auth_failed, session, antispam, reply, tls;
	} want[] = {
		{ "fail2ban-postfix-sasl.log", 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0 },
		/* 16 sessions: 2 too many errors, 3 QUIT without mail, 5 lost connections,
		 * 2 rate limits, 4 postscreen; 1 postscreen reply; the TLS (none) of one
		 * session whose disconnect follows its lost connection */
		{ "fail2ban-postfix.log", 63, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 25, 14, 16, 0, 1, 1 },
		/* 2 TLS sessions to servers, a server's reply on its own line */
		{ "kumina-postfix_exporter-test.log", 50, 0, 0, 6, 2, 0, 0, 4, 2, 31, 1, 0, 1, 0, 0, 1, 2 },
		{ "synthetic-pflogsumm-go-rfc3339.log", 4, 0, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0 },
		{ "synthetic-pflogsumm-go-sample.log", 31, 0, 0, 11, 3, 1, 4, 7, 0, 4, 0, 1, 0, 0, 0, 0, 0 },
		/* 12 postscreen verdicts and one lost connection; a "123" is no reply code */
		{ "synthetic-sergeymakinen-mail.log", 59, 7, 7, 18, 0, 0, 0, 5, 1, 0, 0, 6, 1, 13, 0, 0, 1 },
	};
	int c[NTYPES + 1];
	size_t k;

	for (k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		int lines = count_file(want[k].file, c);
		if (lines < 0) {
			fprintf(stderr, "corpus file %s absent: skipped\n", want[k].file);
			continue;
		}
		ck_assert_msg(lines == want[k].lines, "%s: %d lines", want[k].file, lines);
		ck_assert_msg(c[NTYPES] == want[k].noheader, "%s: noheader %d", want[k].file,
		    c[NTYPES]);
		ck_assert_msg(c[EV_UNPARSED] == want[k].unparsed, "%s: unparsed %d", want[k].file, c[EV_UNPARSED]);
		ck_assert_msg(c[EV_IGNORED] == want[k].ignored, "%s: ignored %d", want[k].file, c[EV_IGNORED]);
		ck_assert_msg(c[EV_CLIENT] == want[k].client, "%s: client %d", want[k].file, c[EV_CLIENT]);
		ck_assert_msg(c[EV_PICKUP] == want[k].pickup, "%s: pickup %d", want[k].file, c[EV_PICKUP]);
		ck_assert_msg(c[EV_QUEUED] == want[k].queued, "%s: queued %d", want[k].file, c[EV_QUEUED]);
		ck_assert_msg(c[EV_DELIVERY] == want[k].delivery, "%s: delivery %d", want[k].file, c[EV_DELIVERY]);
		ck_assert_msg(c[EV_EXPIRED] == want[k].expired, "%s: expired %d", want[k].file, c[EV_EXPIRED]);
		ck_assert_msg(c[EV_REMOVED] == want[k].removed, "%s: removed %d", want[k].file, c[EV_REMOVED]);
		ck_assert_msg(c[EV_NOTIFICATION] == want[k].notification, "%s: notification %d", want[k].file,
		    c[EV_NOTIFICATION]);
		ck_assert_msg(c[EV_REJECT] == want[k].reject, "%s: reject %d", want[k].file, c[EV_REJECT]);
		ck_assert_msg(c[EV_AUTH_FAILED] == want[k].auth_failed, "%s: auth_failed %d", want[k].file,
		    c[EV_AUTH_FAILED]);
		ck_assert_msg(c[EV_SESSION_INCOMPLETE] == want[k].session, "%s: session %d", want[k].file,
		    c[EV_SESSION_INCOMPLETE]);
		ck_assert_msg(c[EV_ANTISPAM] == want[k].antispam, "%s: antispam %d", want[k].file,
		    c[EV_ANTISPAM]);
		ck_assert_msg(c[EV_REPLY] == want[k].reply, "%s: reply %d", want[k].file, c[EV_REPLY]);
		ck_assert_msg(c[EV_TLS] == want[k].tls, "%s: tls %d", want[k].file, c[EV_TLS]);
	}
}
END_TEST

/* Fields of a few corpus lines, as a mail administrator reads them. */
START_TEST(corpus_fields)
{
	ck_assert_int_eq(pf("Mar 11 23:27:54 server postfix-smo/submission/smtpd[22427]: 44JCRG5tYPzCqt2: reject:"
	    " BDAT from signing-milter.example.com[192.0.2.109]: 550 5.5.3 <DATA>: Data command rejected"), EV_REJECT);
	ck_assert_sv(ev.qid, "44JCRG5tYPzCqt2");
	ck_assert_int_eq(pf("Apr  7 15:35:20 123-mail postfix/virtual[20235]: 199041033BE: to=<me@domain.fr>,"
	    " relay=virtual, delay=0.08, delays=0.08/0/0/0, dsn=2.0.0, status=sent (delivered to maildir)"), EV_DELIVERY);
	ck_assert_sv(ev.relay, "virtual");
	ck_assert_uint_eq(ev.local_delivery, 1);
	ck_assert_int_eq(pf("Jan 1 00:00:00 hostname postfix/qmgr[12345]: 123456789AB: from=<user@example.com>>,"
	    " status=expired, returned to sender"), EV_EXPIRED);
	ck_assert_sv(ev.sender, "user@example.com>");
}
END_TEST

/* The message-only lines of whyscream/postfix-grok-patterns, under a header we build. */
START_TEST(grok_messages)
{
	static const struct { int line, type; const char *qid, *field; } want[] = {
		{ 10, EV_NOTIFICATION, "17CCA8044", "ADD2F8052" },
		{ 17, EV_REJECT, "4104E3D", NULL },
		{ 32, EV_DELIVERY, "25F2E5E061", "george.desantis@test.example.com" },
		{ 38, EV_DELIVERY, "7EE668039", "admin@example.com" },
		{ 46, EV_PICKUP, "D2FAE20586", "fail2ban" },
		{ 75, EV_SESSION_INCOMPLETE, NULL, NULL },
		{ 79, EV_REPLY, NULL, NULL },
		{ 83, EV_REMOVED, "D4F2023DB", NULL },
		{ 92, EV_QUEUED, "0F5383D", "owner-postfix-users@postfix.org" },
		{ 94, EV_EXPIRED, "585BC3F", "" },
		{ 96, EV_UNPARSED, NULL, NULL },
		{ 105, EV_DELIVERY, "0D9633D", "jos@example.com" },
		{ 128, EV_IGNORED, "D0F29603B4", NULL },
		{ 135, EV_CLIENT, "4104E3D", "" },
		{ 136, EV_REJECT, NULL, NULL },
		{ 161, EV_AUTH_FAILED, NULL, NULL },
		{ 163, EV_IGNORED, NULL, NULL },
		{ 170, EV_REJECT, NULL, NULL },
		{ 191, EV_DELIVERY, "B657F2DB195D", "postmaster@example.com" },
	};
	static const int totals[NTYPES] = {
		/* issue 14: 27 broken sessions (17 postscreen, 8 lost or timed out, 2 QUIT
		 * without a message), 6 replies (4 servers', 2 postscreen's), 6 TLS outcomes
		 * (4 sessions to servers off the loopback, 2 disconnects without QUIT) */
		[EV_SESSION_INCOMPLETE] = 27, [EV_REPLY] = 6, [EV_TLS] = 6,
		[EV_UNPARSED] = 27, [EV_IGNORED] = 85, [EV_CLIENT] = 1, [EV_PICKUP] = 1, [EV_QUEUED] = 1,
		[EV_DELIVERY] = 20, [EV_EXPIRED] = 2, [EV_REMOVED] = 2, [EV_NOTIFICATION] = 4, [EV_REJECT] = 8,
		[EV_AUTH_FAILED] = 1,
	};
	const char *top = getenv("top_srcdir");
	char path[4096], buf[CORPUS_LINE_MAX], line[CORPUS_LINE_MAX + 64];
	int counts[NTYPES] = { 0 }, n = 0, t;
	size_t k = 0, i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/../shared/corpus/postfix/whyscream-grok-messages.tsv",
	    top != NULL ? top : "..");
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "%s absent: skipped\n", path);
		return;
	}
	while (fgets(buf, sizeof(buf), f) != NULL) {
		char *tab = strchr(buf, '\t');
		buf[strcspn(buf, "\n")] = '\0';
		n++;
		ck_assert_ptr_nonnull(tab);
		*tab = '\0';
		snprintf(line, sizeof(line), "Nov  2 10:00:00 mx postfix/%s[1]: %s", buf, tab + 1);
		t = pf(line);
		ck_assert_msg(t >= 0, "line %d: no header", n);
		counts[t]++;
		if (k < sizeof(want) / sizeof(want[0]) && want[k].line == n) {
			ck_assert_msg(t == want[k].type, "line %d: type %d", n, t);
			if (want[k].qid != NULL)
				ck_assert_sv(ev.qid, want[k].qid);
			if (want[k].field != NULL && t == EV_NOTIFICATION)
				ck_assert_sv(ev.newqid, want[k].field);
			else if (want[k].field != NULL && t == EV_DELIVERY)
				ck_assert_sv(ev.rcpt, want[k].field);
			else if (want[k].field != NULL && t == EV_CLIENT)
				ck_assert_sv(ev.sasl, want[k].field);
			else if (want[k].field != NULL)
				ck_assert_sv(ev.sender, want[k].field);
			k++;
		}
	}
	fclose(f);
	ck_assert_int_eq(n, 191);
	ck_assert_uint_eq(k, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < NTYPES; i++)
		ck_assert_msg(counts[i] == totals[i], "type %zu: %d", i, counts[i]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("parse_postfix");
	TCase *tc = tcase_create("shapes");
	TCase *tc2 = tcase_create("hostile");
	TCase *tc3 = tcase_create("corpus");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_checked_fixture(tc2, NULL, teardown);
	tcase_add_checked_fixture(tc3, NULL, teardown);
	tcase_add_test(tc, client);
	tcase_add_test(tc, pickup);
	tcase_add_test(tc, queued);
	tcase_add_test(tc, delivery_sent);
	tcase_add_test(tc, delivery_deferred_bounced);
	tcase_add_test(tc, delivery_local);
	tcase_add_test(tc, delivery_addresses);
	tcase_add_test(tc, content_filter_handoff);
	tcase_add_test(tc, expired);
	tcase_add_test(tc, removed);
	tcase_add_test(tc, notification);
	tcase_add_test(tc, reject);
	tcase_add_test(tc, auth_failed);
	tcase_add_test(tc, noise_and_unknown);
	tcase_add_test(tc, health_shapes);
	tcase_add_test(tc, queue_ids);
	tcase_add_test(tc, instances);
	tcase_add_test(tc2, fields_in_addresses);
	tcase_add_test(tc2, truncated_lines);
	tcase_add_test(tc2, hostile_bytes);
	tcase_add_test(tc3, corpus_counts);
	tcase_add_test(tc3, corpus_fields);
	tcase_add_test(tc3, grok_messages);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tc2);
	suite_add_tcase(s, tc3);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
