/*
 * The IceWarp parser: its envelope (peer, thread, hh:mm:ss with the file's
 * date, or an old RFC 822 date), sessions keyed by (peer, thread) that
 * interleave and reuse thread ids, server and client sessions, AUTH LOGIN
 * and PLAIN user names (and never a password), rejects, intrusion
 * prevention, INCOMPLETE-SESSION endings, the antispam log, the saved
 * state, file names, hostile bytes and cut lines, and every line of the
 * shared IceWarp corpus parsed or deliberately ignored.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "event.h"
#include "syslog_header.h"

/* Events of the last lines, their strings copied. */
#define REC_MAX 64
#define REC_STR 300

struct rec {
	enum mta_event_type type;
	enum delivery_status status;
	char qid[REC_STR], sender[REC_STR], sasl[REC_STR], rcpt[REC_STR], what[REC_STR];
	uint64_t size;
	int origin, resolved, forwarded, has_sender;
	int32_t day;
	int hour;
};

static struct rec recs[REC_MAX];
static int nrec;

/*
 * Issue 14's facts of the last lines, apart: a reply (on any event, or
 * alone as EV_REPLY), a session's TLS (EV_TLS), a delivery's delay.  The
 * events that carry nothing else (EV_REPLY, EV_TLS) are not in recs.
 */
struct hrec {
	enum mta_event_type type;
	int code, dir, tls, has_delay;
	uint32_t delay_ms;
	char enh[REC_STR], text[REC_STR];
};

static struct hrec hrecs[REC_MAX];
static int nh;
static struct log_header h;
static struct syslog_clock clk;
static void *state;

static void
copy(char *dst, struct strview s)
{
	size_t n = s.n < REC_STR - 1 ? s.n : REC_STR - 1;

	if (n > 0)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
}

static int
record(void *ctx, const struct mta_event *ev)
{
	struct rec *r;

	(void)ctx;
	if (ev->reply.code != 0 || ev->type == EV_TLS || ev->has_delay) {
		struct hrec *x;
		ck_assert_int_lt(nh, REC_MAX);
		x = &hrecs[nh++];
		memset(x, 0, sizeof(*x));
		x->type = ev->type;
		x->code = ev->reply.code;
		x->dir = ev->type == EV_TLS ? ev->dir : ev->reply.dir;
		x->tls = ev->tls;
		x->has_delay = ev->has_delay;
		x->delay_ms = ev->delay_ms;
		copy(x->enh, ev->reply.enh);
		copy(x->text, ev->reply.text);
		ck_assert(ev->type != EV_TLS || ev->has_tls);
	}
	if (ev->type == EV_REPLY || ev->type == EV_TLS)
		return 0;
	ck_assert_int_lt(nrec, REC_MAX);
	r = &recs[nrec++];
	memset(r, 0, sizeof(*r));
	r->type = ev->type;
	r->status = ev->status;
	copy(r->qid, ev->qid);
	copy(r->sender, ev->sender);
	copy(r->sasl, ev->sasl);
	copy(r->rcpt, ev->rcpt);
	copy(r->what, ev->what);
	r->size = ev->size;
	r->origin = ev->origin;
	r->resolved = ev->resolved;
	r->forwarded = ev->forwarded;
	r->has_sender = ev->has_sender;
	r->day = h.when.day;
	r->hour = h.when.hour;
	return 0;
}

static const struct mta_sink sink = { record, NULL };

static int32_t
day(const char *ymd)
{
	int32_t d;

	ck_assert_int_eq(civil_parse(ymd, &d), 0);
	return d;
}

static void
setup(void)
{
	syslog_clock_init(&clk, 2026);
	clk.has_name_day = 1;
	clk.name_day = day("2026-03-02");
	state = parser_icewarp.state_open();
	ck_assert_ptr_nonnull(state);
	nrec = 0;
}

static void
teardown(void)
{
	parser_icewarp.state_close(state);
	state = NULL;
}

/* A line through envelope and parse_state: MTA_LINE_*, -1 without an envelope. */
static int
line_n(const char *l, size_t n)
{
	if (parser_icewarp.envelope(&clk, l, n, &h) != 0)
		return -1;
	ck_assert(parser_icewarp.owns(parser_icewarp.default_instances, &h));
	return parser_icewarp.parse_state(state, &h, &sink);
}

static int
line(const char *l)
{
	return line_n(l, strlen(l));
}

/* Lines in order; the events of all of them are in recs. */
static void
lines(const char *const *v)
{
	nrec = 0;
	nh = 0;
	for (; *v != NULL; v++)
		ck_assert_msg(line(*v) >= MTA_LINE_IGNORED, "not recognised: %s", *v);
}

static int
sveq(struct strview s, const char *lit)
{
	return s.n == strlen(lit) && (s.n == 0 || memcmp(s.p, lit, s.n) == 0);
}

START_TEST(envelope)
{
	ck_assert_int_eq(line("10.0.0.7 [00000A1C] 13:45:01 Connected"), MTA_LINE_IGNORED);
	ck_assert(sveq(h.host, "10.0.0.7") && sveq(h.service, "00000A1C") && h.pid == 0xA1C);
	ck_assert_int_eq(h.when.day, day("2026-03-02"));
	ck_assert_int_eq(h.when.hour, 13);
	ck_assert_int_eq(h.when.t, (int64_t)day("2026-03-02") * 86400 + 13 * 3600 + 45 * 60 + 1);
	ck_assert(sveq(h.msg, "Connected") && sveq(h.program, "icewarp/smtp"));
	/* an old line's own date wins over the file's; its offset is not applied */
	ck_assert_int_eq(line("127.0.0.1 [00000A1C] Thu, 22 Apr 2004 22:01:42 +0200 Connected"),
	    MTA_LINE_IGNORED);
	ck_assert_int_eq(h.when.day, day("2004-04-22"));
	ck_assert_int_eq(h.when.hour, 22);
	ck_assert(sveq(h.msg, "Connected"));
	ck_assert_int_eq(line("SYSTEM [00000000] Fri, 19 Jan 2001 11:36:54 +0100 SMTP Service started"),
	    MTA_LINE_IGNORED);
	ck_assert(sveq(h.program, "icewarp/system") && h.when.day == day("2001-01-19"));
	/* a padded first column */
	ck_assert_int_eq(line("SYSTEM          [1360] 10:29:28 'System' updated '' "), MTA_LINE_IGNORED);
	ck_assert(sveq(h.host, "SYSTEM") && h.pid == 0x1360);
	/* thread widths: [07B0] and [7B0] are one thread */
	ck_assert_int_eq(line("1.2.3.4 [7B0] 00:00:00 Connected"), MTA_LINE_IGNORED);
	ck_assert_int_eq(h.pid, 0x7B0);
	/* not envelopes: placeholders, a bad hour, a cut time, no thread, 16 hex digits, a long peer */
	ck_assert_int_eq(line("[IP] [Session #] [time] Disconnected"), -1);
	ck_assert_int_eq(line("1.2.3.4 [0A1C] 24:00:00 Connected"), -1);
	ck_assert_int_eq(line("1.2.3.4 [0A1C] 10:0"), -1);
	ck_assert_int_eq(line("1.2.3.4 10:00:00 Connected"), -1);
	ck_assert_int_eq(line("1.2.3.4 [0123456789ABCDEF] 10:00:00 Connected"), -1);
	ck_assert_int_eq(line("1.2.3.4 [0A1C]10:00:00 Connected"), -1);
	ck_assert_int_eq(line("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa [1] 10:00:00 Connected"), -1);
	ck_assert_int_eq(line("1.2.3.4 [0A1C] Thu, 32 Apr 2004 22:01:42 +0200 Connected"), -1);
	ck_assert_int_eq(line("1.2.3.4 [0A1C] Thu, 22 Foo 2004 22:01:42 +0200 Connected"), -1);
	/* a time with nothing after it is a line with an empty payload: unparsed */
	ck_assert_int_eq(line("1.2.3.4 [0A1C] 10:00:00"), MTA_LINE_UNPARSED);
	ck_assert_int_eq(line("1.2.3.4 [0A1C] 10:00:00 something new"), MTA_LINE_UNPARSED);
	/* Postfix and Exim lines are not IceWarp's */
	ck_assert_int_eq(line("Mar  2 09:44:33 mx postfix/qmgr[7]: 1A2B3C4D5E: removed"), -1);
	ck_assert_int_eq(line("2024-12-31 23:59:59 [123] 1tSmhT-000abc-Zz Completed"), -1);
}
END_TEST

static const char *const server_session[] = {
	"127.0.0.1 [00000A1C] Thu, 22 Apr 2004 22:01:42 +0200 Connected",
	"127.0.0.1 [00000A1C] Thu, 22 Apr 2004 22:01:42 +0200 >>> 220-195.122.222.29 ESMTP to je gol; Thu, 22 Apr 2004 22:01:42 +0200",
	"127.0.0.1 [00000A1C] Thu, 22 Apr 2004 22:01:42 +0200 <<< HELO localhost",
	"127.0.0.1 [00000A1C] Thu, 22 Apr 2004 22:01:42 +0200 >>> 250 195.122.222.29 Hello localhost [127.0.0.1], pleased to meet you.",
	"127.0.0.1 [00000A1C] Thu, 22 Apr 2004 22:01:42 +0200 <<< MAIL From:<admin@Icewarpdemo.com>",
	"127.0.0.1 [00000A1C] Thu, 22 Apr 2004 22:01:42 +0200 >>> 250 2.1.0 <admin@Icewarpdemo.com>... Sender ok",
	"127.0.0.1 [00000A1C] Thu, 22 Apr 2004 22:01:42 +0200 <<< RCPT To:<ernekerzbynek@seznam.cz>",
	"127.0.0.1 [00000A1C] Thu, 22 Apr 2004 22:01:42 +0200 >>> 250 2.1.5 <ernekerzbynek@seznam.cz>... Recipient ok; will forward",
	"127.0.0.1 [00000A1C] Thu, 22 Apr 2004 22:01:42 +0200 <<< DATA",
	"127.0.0.1 [00000A1C] Thu, 22 Apr 2004 22:01:42 +0200 >>> 354 Enter mail, end with '.' on a line by itself",
	"127.0.0.1 [00000A1C] Thu, 22 Apr 2004 22:01:43 +0200 *** <admin@Icewarpdemo.com> <ernekerzbynek@seznam.cz> 1 348 00:00:00 OK",
	NULL,
};

/* The corpus's 2004 session: one reception, its recipient resolved, at the summary's time. */
START_TEST(server_session_2004)
{
	int i, rc;

	nrec = 0;
	for (i = 0; server_session[i] != NULL; i++) {
		rc = line(server_session[i]);
		ck_assert_int_eq(rc, server_session[i + 1] == NULL ? MTA_LINE_COUNTED : MTA_LINE_IGNORED);
	}
	ck_assert_int_eq(nrec, 3);
	ck_assert_int_eq(recs[0].type, EV_QUEUED);
	ck_assert(recs[0].origin && recs[0].has_sender);
	ck_assert_str_eq(recs[0].sender, "admin@Icewarpdemo.com");
	ck_assert_str_eq(recs[0].sasl, "");
	ck_assert_int_eq(recs[0].size, 348);
	ck_assert_int_eq(recs[0].day, day("2004-04-22"));
	ck_assert_int_eq(recs[0].hour, 22);
	ck_assert_int_eq(recs[1].type, EV_DELIVERY);
	ck_assert_int_eq(recs[1].status, DS_SENT);
	ck_assert(recs[1].resolved && !recs[1].forwarded);
	ck_assert_str_eq(recs[1].rcpt, "ernekerzbynek@seznam.cz");
	ck_assert_str_eq(recs[1].qid, recs[0].qid);
	ck_assert_int_eq(recs[2].type, EV_REMOVED);
	ck_assert_str_eq(recs[2].qid, recs[0].qid);
	/* the final 250 counts nothing; the disconnection the session, plaintext inbound */
	nh = 0;
	ck_assert_int_eq(line("127.0.0.1 [00000A1C] 22:01:43 >>> 250 2.6.0 Message accepted"), MTA_LINE_IGNORED);
	ck_assert_int_eq(line("127.0.0.1 [00000A1C] 22:01:43 Disconnected"), MTA_LINE_COUNTED);
	ck_assert_int_eq(nrec, 3);
	ck_assert_int_eq(nh, 1);
	ck_assert(hrecs[0].type == EV_TLS && hrecs[0].dir == MTA_DIR_IN && !hrecs[0].tls);
}
END_TEST

/* Every line of the shared corpus: what each file holds, exactly. */
START_TEST(shared_corpus)
{
	static const struct {
		const char *file;
		int noenv, unparsed, ignored, counted, events;
	} expect[] = {
		{ "icewarp-kb-server-session-2004.log", 0, 0, 10, 1, 3 },
		{ "icewarp-docs-antispam.log", 0, 0, 0, 1, 1 },
		{ "icewarp-docs-antispam-report.log", 0, 0, 1, 0, 0 },
		{ "icewarp-docs-smtp-system-forwarding.log", 0, 0, 2, 0, 0 },
		{ "merak-2001-system.log", 0, 0, 1, 0, 0 },
		{ "merak-8.4-maintenance-2005.log", 0, 0, 5, 0, 0 },
		/* placeholders instead of peer, thread and time: deliberately no envelope */
		{ "visnetic-kb-incomplete-session-TEMPLATE.log", 5, 0, 0, 0, 0 },
	};
	const char *top = getenv("top_srcdir");
	char path[4096], buf[70000];
	size_t k;
	int rc, seen = 0;

	for (k = 0; k < sizeof(expect) / sizeof(expect[0]); k++) {
		int noenv = 0, unparsed = 0, ignored = 0, counted = 0;
		FILE *f;
		snprintf(path, sizeof(path), "%s/../shared/corpus/icewarp/%s", top ? top : "..",
		    expect[k].file);
		if ((f = fopen(path, "r")) == NULL)
			continue; /* the corpus lives beside the clone */
		seen++;
		nrec = 0;
		while (fgets(buf, sizeof(buf), f) != NULL) {
			buf[strcspn(buf, "\n")] = '\0';
			rc = line(buf);
			noenv += rc == -1;
			unparsed += rc == MTA_LINE_UNPARSED;
			ignored += rc == MTA_LINE_IGNORED;
			counted += rc == MTA_LINE_COUNTED;
			/* the stateless look used by format detection agrees */
			if (rc >= 0) {
				struct mta_event ev;
				parser_icewarp.parse(&h, &ev);
				ck_assert_int_eq(ev.type, EV_IGNORED);
			}
		}
		fclose(f);
		ck_assert_msg(noenv == expect[k].noenv && unparsed == expect[k].unparsed &&
		    ignored == expect[k].ignored && counted == expect[k].counted &&
		    nrec == expect[k].events, "%s: %d %d %d %d %d", expect[k].file, noenv, unparsed,
		    ignored, counted, nrec);
		if (strcmp(expect[k].file, "icewarp-docs-antispam.log") == 0) {
			ck_assert_int_eq(recs[0].type, EV_ANTISPAM);
			ck_assert_str_eq(recs[0].what, "SPAM");
			ck_assert_int_eq(recs[0].hour, 11);
		}
	}
	/* the corpus lives beside the clone: without it (a tarball) there is nothing to check */
	if (seen > 0)
		ck_assert_int_eq(seen, 7);
}
END_TEST

/* Sessions interleave by (peer, thread); a thread id is reused after Disconnected. */
START_TEST(interleaved_and_reused)
{
	static const char *const v[] = {
		"10.0.0.1 [0001] 09:00:00 Connected",
		"10.0.0.2 [0001] 09:00:00 Connected",            /* same thread, other peer */
		"10.0.0.1 [0002] 09:00:00 Connected",            /* same peer, other thread */
		"10.0.0.1 [0001] 09:00:00 >>> 220 mail.example.org ESMTP",
		"10.0.0.2 [0001] 09:00:00 <<< 220 mx.remote.example ESMTP", /* a client session */
		"10.0.0.1 [0002] 09:00:00 >>> 220 mail.example.org ESMTP",
		"10.0.0.1 [0001] 09:00:01 <<< AUTH PLAIN AGFsaWNlQGV4YW1wbGUub3JnAHNlY3JldA==",
		"10.0.0.2 [0001] 09:00:01 >>> MAIL FROM:<carol@example.org>",
		"10.0.0.1 [0002] 09:00:01 <<< MAIL FROM:<bob@outside.example>",
		"10.0.0.1 [0001] 09:00:01 >>> 235 2.7.0 Authentication successful",
		"10.0.0.2 [0001] 09:00:01 <<< 250 2.1.0 ok",
		"10.0.0.1 [0002] 09:00:01 <<< RCPT TO:<dave@example.org>",
		"10.0.0.2 [0001] 09:00:01 >>> RCPT TO:<x@remote.example>",
		"10.0.0.2 [0001] 09:00:01 <<< 250 2.1.5 ok",
		"10.0.0.1 [0001] 09:00:02 <<< MAIL FROM:<alice@example.org>",
		"10.0.0.2 [0001] 09:00:02 >>> DATA",
		"10.0.0.2 [0001] 09:00:02 <<< 354 go ahead",
		"10.0.0.1 [0002] 09:00:02 *** <bob@outside.example> <dave@example.org> 1 1000 00:00:01 OK",
		"10.0.0.2 [0001] 09:00:03 *** <carol@example.org> <x@remote.example> 1 777 00:00:01 OK",
		"10.0.0.1 [0001] 09:00:03 *** <alice@example.org> <y@remote.example> <z@example.org> 2 2000 00:00:02 OK MSG-1234",
		"10.0.0.2 [0001] 09:00:03 <<< 250 2.0.0 queued as ABC",
		NULL,
	};
	int i;

	lines(v);
	/* in summary order: 0..2 bob's reception, 3..6 alice's, 7..9 the delivery to x@ */
	ck_assert_int_eq(nrec, 10);
	ck_assert_int_eq(recs[0].type, EV_QUEUED);
	ck_assert_str_eq(recs[0].sender, "bob@outside.example");
	ck_assert_str_eq(recs[0].sasl, "");
	ck_assert_str_eq(recs[1].rcpt, "dave@example.org");
	ck_assert_int_eq(recs[2].type, EV_REMOVED);
	ck_assert_int_eq(recs[3].type, EV_QUEUED);
	ck_assert(recs[3].origin);
	ck_assert_str_eq(recs[3].sasl, "alice@example.org");
	ck_assert_str_eq(recs[3].sender, "alice@example.org");
	ck_assert_int_eq(recs[3].size, 2000);
	ck_assert_str_eq(recs[4].rcpt, "y@remote.example");
	ck_assert_str_eq(recs[5].rcpt, "z@example.org");
	ck_assert(recs[4].resolved && recs[5].resolved);
	ck_assert_int_eq(recs[6].type, EV_REMOVED);
	ck_assert_int_eq(recs[7].type, EV_QUEUED);
	ck_assert(!recs[7].origin);
	ck_assert_int_eq(recs[7].size, 777);
	ck_assert_int_eq(recs[8].type, EV_DELIVERY);
	ck_assert(recs[8].forwarded && !recs[8].resolved && recs[8].status == DS_SENT);
	ck_assert_str_eq(recs[8].rcpt, "x@remote.example");
	ck_assert_int_eq(recs[9].type, EV_REMOVED);
	/* thread 0001 of 10.0.0.1 ends; a new session reuses it: no AUTH carried over */
	static const char *const reuse[] = {
		"10.0.0.1 [0001] 09:05:00 Disconnected",
		"10.0.0.1 [0001] 09:06:00 Connected",
		"10.0.0.1 [0001] 09:06:00 >>> 220 mail.example.org ESMTP",
		"10.0.0.1 [0001] 09:06:01 <<< MAIL FROM:<mallory@outside.example>",
		"10.0.0.1 [0001] 09:06:02 *** <mallory@outside.example> <z@example.org> 1 10 00:00:00 OK",
		NULL,
	};
	lines(reuse);
	ck_assert_int_eq(nrec, 3);
	ck_assert_str_eq(recs[0].sasl, "");
	ck_assert_str_eq(recs[0].sender, "mallory@outside.example");
	/* "Connected" again without "Disconnected": the old session of the key ends there */
	static const char *const again[] = {
		"10.0.0.9 [00AA] 10:00:00 Connected",
		"10.0.0.9 [00AA] 10:00:00 >>> 220 hi",
		"10.0.0.9 [00AA] 10:00:01 <<< AUTH LOGIN",
		"10.0.0.9 [00AA] 10:00:01 >>> 334 VXNlcm5hbWU6",
		"10.0.0.9 [00AA] 10:00:01 <<< ZXZl",
		"10.0.0.9 [00AA] 10:00:01 >>> 334 UGFzc3dvcmQ6",
		"10.0.0.9 [00AA] 10:00:01 <<< cHc=",
		"10.0.0.9 [00AA] 10:00:01 >>> 235 ok",
		"10.0.0.9 [00AA] 10:30:00 Connected",
		"10.0.0.9 [00AA] 10:30:00 >>> 220 hi",
		"10.0.0.9 [00AA] 10:30:02 *** <q@outside.example> <z@example.org> 1 10 00:00:00 OK",
		NULL,
	};
	lines(again);
	ck_assert_int_eq(nrec, 3);
	ck_assert_str_eq(recs[0].sasl, "");
	for (i = 0; i < nrec; i++)
		ck_assert_int_eq(recs[i].hour, 10);
}
END_TEST

/* A session that authenticated with each form; the account, and never the password. */
static void
auth_case(const char *const *v, const char *user)
{
	lines(v);
	ck_assert_int_eq(nrec, 3);
	ck_assert_int_eq(recs[0].type, EV_QUEUED);
	ck_assert_str_eq(recs[0].sasl, user);
}

START_TEST(auth_login_plain)
{
	/* user "alice@example.org", password "S3cr3t-pw!" */
	static const char *const login[] = {
		"10.1.1.1 [0010] 08:00:00 Connected",
		"10.1.1.1 [0010] 08:00:00 >>> 220 hi",
		"10.1.1.1 [0010] 08:00:01 <<< AUTH LOGIN",
		"10.1.1.1 [0010] 08:00:01 >>> 334 VXNlcm5hbWU6",
		"10.1.1.1 [0010] 08:00:01 <<< YWxpY2VAZXhhbXBsZS5vcmc=",
		"10.1.1.1 [0010] 08:00:01 >>> 334 UGFzc3dvcmQ6",
		"10.1.1.1 [0010] 08:00:01 <<< UzNjcjN0LXB3IQ==",
		"10.1.1.1 [0010] 08:00:01 >>> 235 2.7.0 ok",
		"10.1.1.1 [0010] 08:00:02 *** <forged@other.example> <r@remote.example> 1 5 00:00:00 OK",
		NULL,
	};
	static const char *const login_inline[] = {
		"10.1.1.1 [0011] 08:00:00 Connected",
		"10.1.1.1 [0011] 08:00:00 >>> 220 hi",
		"10.1.1.1 [0011] 08:00:01 <<< auth login YWxpY2VAZXhhbXBsZS5vcmc=",
		"10.1.1.1 [0011] 08:00:01 >>> 334 UGFzc3dvcmQ6",
		"10.1.1.1 [0011] 08:00:01 <<< UzNjcjN0LXB3IQ==",
		"10.1.1.1 [0011] 08:00:01 >>> 235 2.7.0 ok",
		"10.1.1.1 [0011] 08:00:02 *** <forged@other.example> <r@remote.example> 1 5 00:00:00 OK",
		NULL,
	};
	/* "\0alice@example.org\0S3cr3t-pw!" and "admin\0alice@example.org\0S3cr3t-pw!" */
	static const char *const plain_inline[] = {
		"10.1.1.1 [0012] 08:00:00 Connected",
		"10.1.1.1 [0012] 08:00:00 >>> 220 hi",
		"10.1.1.1 [0012] 08:00:01 <<< AUTH PLAIN AGFsaWNlQGV4YW1wbGUub3JnAFMzY3IzdC1wdyE=",
		"10.1.1.1 [0012] 08:00:01 >>> 235 2.7.0 ok",
		"10.1.1.1 [0012] 08:00:02 *** <forged@other.example> <r@remote.example> 1 5 00:00:00 OK",
		NULL,
	};
	static const char *const plain_next[] = {
		"10.1.1.1 [0013] 08:00:00 Connected",
		"10.1.1.1 [0013] 08:00:00 >>> 220 hi",
		"10.1.1.1 [0013] 08:00:01 <<< AUTH PLAIN",
		"10.1.1.1 [0013] 08:00:01 >>> 334 ",
		"10.1.1.1 [0013] 08:00:01 <<< YWRtaW4AYWxpY2VAZXhhbXBsZS5vcmcAUzNjcjN0LXB3IQ==",
		"10.1.1.1 [0013] 08:00:01 >>> 235 2.7.0 ok",
		"10.1.1.1 [0013] 08:00:02 *** <forged@other.example> <r@remote.example> 1 5 00:00:00 OK",
		NULL,
	};
	/* a failure: counted, and the name it proposed is forgotten */
	static const char *const failed[] = {
		"10.1.1.1 [0014] 08:00:00 Connected",
		"10.1.1.1 [0014] 08:00:00 >>> 220 hi",
		"10.1.1.1 [0014] 08:00:01 <<< AUTH PLAIN AGFsaWNlQGV4YW1wbGUub3JnAFMzY3IzdC1wdyE=",
		"10.1.1.1 [0014] 08:00:01 >>> 501 5.7.0 Authentication failed",
		"10.1.1.1 [0014] 08:00:02 <<< AUTH LOGIN",
		"10.1.1.1 [0014] 08:00:02 >>> 334 VXNlcm5hbWU6",
		"10.1.1.1 [0014] 08:00:02 <<< *",
		"10.1.1.1 [0014] 08:00:02 >>> 501 5.7.0 Authentication cancelled",
		"10.1.1.1 [0014] 08:00:03 *** <s@outside.example> <r@remote.example> 1 5 00:00:00 OK",
		NULL,
	};
	unsigned char *blob;
	size_t len;

	auth_case(login, "alice@example.org");
	auth_case(login_inline, "alice@example.org");
	auth_case(plain_inline, "alice@example.org");
	auth_case(plain_next, "alice@example.org");
	lines(failed);
	ck_assert_int_eq(nrec, 5);
	ck_assert_int_eq(recs[0].type, EV_AUTH_FAILED);
	ck_assert_int_eq(recs[1].type, EV_AUTH_FAILED);
	ck_assert_int_eq(recs[2].type, EV_QUEUED);
	ck_assert_str_eq(recs[2].sasl, "");
	/* mid-exchange, after the password line: the saved state holds the user, never the password */
	ck_assert_int_eq(line("10.1.1.1 [0015] 08:00:00 Connected"), MTA_LINE_IGNORED);
	ck_assert_int_eq(line("10.1.1.1 [0015] 08:00:00 >>> 220 hi"), MTA_LINE_IGNORED);
	ck_assert_int_eq(line("10.1.1.1 [0015] 08:00:01 <<< AUTH PLAIN AGFsaWNlQGV4YW1wbGUub3JnAFMzY3IzdC1wdyE="),
	    MTA_LINE_IGNORED);
	ck_assert_int_eq(line("10.1.1.1 [0016] 08:00:01 <<< AUTH LOGIN YWxpY2VAZXhhbXBsZS5vcmc="),
	    MTA_LINE_IGNORED);
	ck_assert_int_eq(line("10.1.1.1 [0016] 08:00:01 <<< UzNjcjN0LXB3IQ=="), MTA_LINE_IGNORED);
	ck_assert_int_eq(parser_icewarp.state_save(state, &blob, &len), 0);
	ck_assert_ptr_nonnull(memmem(blob, len, "alice@example.org", 17));
	ck_assert_ptr_null(memmem(blob, len, "S3cr3t", 6));
	ck_assert_ptr_null(memmem(blob, len, "UzNjcjN0", 8));
	free(blob);
}
END_TEST

/* IceWarp delivers: per recipient the remote's answers; the size from the summary. */
START_TEST(client_session)
{
	static const char *const v[] = {
		"192.0.2.5 [0300] 11:00:00 Connected",
		"192.0.2.5 [0300] 11:00:00 <<< 220 mx.remote.example ESMTP",
		"192.0.2.5 [0300] 11:00:00 >>> EHLO mail.example.org",
		"192.0.2.5 [0300] 11:00:00 <<< 250-mx.remote.example",
		"192.0.2.5 [0300] 11:00:00 <<< 250 SIZE",
		"192.0.2.5 [0300] 11:00:01 >>> MAIL FROM:<alice@example.org> SIZE=4242",
		"192.0.2.5 [0300] 11:00:01 <<< 250 ok",
		"192.0.2.5 [0300] 11:00:01 >>> RCPT TO:<a@remote.example>",
		"192.0.2.5 [0300] 11:00:01 <<< 250 ok",
		"192.0.2.5 [0300] 11:00:01 >>> RCPT TO:<b@remote.example>",
		"192.0.2.5 [0300] 11:00:01 <<< 450 4.2.1 mailbox busy",
		"192.0.2.5 [0300] 11:00:01 >>> RCPT TO:<c@remote.example>",
		"192.0.2.5 [0300] 11:00:01 <<< 550 5.1.1 no such user",
		"192.0.2.5 [0300] 11:00:01 >>> RCPT TO:<d@remote.example>",
		"192.0.2.5 [0300] 11:00:01 <<< 251 will forward",
		"192.0.2.5 [0300] 11:00:02 >>> DATA",
		"192.0.2.5 [0300] 11:00:02 <<< 354 go",
		"192.0.2.5 [0300] 11:00:03 *** <alice@example.org> <a@remote.example> <d@remote.example> 2 4242 00:00:01 OK",
		"192.0.2.5 [0300] 11:00:03 <<< 250 2.0.0 queued",
		"192.0.2.5 [0300] 11:00:03 >>> QUIT",
		"192.0.2.5 [0300] 11:00:03 <<< 221 bye",
		"192.0.2.5 [0300] 11:00:03 Disconnected",
		NULL,
	};
	static const char *const refused[] = {
		"192.0.2.6 [0301] 11:10:00 Connected",
		"192.0.2.6 [0301] 11:10:00 <<< 220 mx ESMTP",
		"192.0.2.6 [0301] 11:10:01 >>> MAIL FROM:<alice@example.org>",
		"192.0.2.6 [0301] 11:10:01 <<< 250 ok",
		"192.0.2.6 [0301] 11:10:01 >>> RCPT TO:<a@remote.example>",
		"192.0.2.6 [0301] 11:10:01 <<< 250 ok",
		"192.0.2.6 [0301] 11:10:01 >>> RCPT TO:<b@remote.example>",
		"192.0.2.6 [0301] 11:10:01 <<< 250 ok",
		"192.0.2.6 [0301] 11:10:02 >>> DATA",
		"192.0.2.6 [0301] 11:10:02 <<< 354 go",
		"192.0.2.6 [0301] 11:10:03 *** <alice@example.org> <a@remote.example> <b@remote.example> 2 10 00:00:01 OK",
		"192.0.2.6 [0301] 11:10:03 <<< 452 4.3.1 try later",
		NULL,
	};

	lines(v);
	ck_assert_int_eq(nrec, 6);
	ck_assert(recs[0].type == EV_DELIVERY && recs[0].status == DS_DEFERRED);
	ck_assert_str_eq(recs[0].rcpt, "b@remote.example");
	ck_assert_str_eq(recs[0].qid, ""); /* a deferral must not make a message */
	ck_assert(recs[1].type == EV_DELIVERY && recs[1].status == DS_BOUNCED);
	ck_assert_str_eq(recs[1].rcpt, "c@remote.example");
	ck_assert_int_eq(recs[2].type, EV_QUEUED);
	ck_assert(!recs[2].origin);
	ck_assert_int_eq(recs[2].size, 4242);
	ck_assert(recs[3].type == EV_DELIVERY && recs[3].status == DS_SENT && recs[3].forwarded);
	ck_assert_str_eq(recs[3].rcpt, "a@remote.example");
	ck_assert_str_eq(recs[4].rcpt, "d@remote.example");
	ck_assert_int_eq(recs[5].type, EV_REMOVED);
	lines(refused);
	ck_assert_int_eq(nrec, 2);
	ck_assert(recs[0].status == DS_DEFERRED && recs[1].status == DS_DEFERRED);
	ck_assert_str_eq(recs[0].rcpt, "a@remote.example");
	ck_assert_str_eq(recs[1].rcpt, "b@remote.example");
}
END_TEST

/* Rejects, intrusion prevention, and how incomplete sessions ended. */
START_TEST(rejects_blocks_endings)
{
	static const char *const v[] = {
		"203.0.113.1 [0400] 12:00:00 Connected",
		"203.0.113.1 [0400] 12:00:00 >>> 220 hi",
		"203.0.113.1 [0400] 12:00:01 <<< MAIL FROM:<spam@bad.example>",
		"203.0.113.1 [0400] 12:00:01 >>> 501 5.5.2 Domain name required",
		"203.0.113.1 [0400] 12:00:01 <<< MAIL FROM:<spam@bad.example>",
		"203.0.113.1 [0400] 12:00:01 >>> 250 ok",
		"203.0.113.1 [0400] 12:00:02 <<< RCPT TO:<nobody@example.org>",
		"203.0.113.1 [0400] 12:00:02 >>> 550 5.1.1 unknown user",
		"203.0.113.1 [0400] 12:00:02 <<< RCPT TO:<someone@elsewhere.example>",
		"203.0.113.1 [0400] 12:00:02 >>> 501 5.7.1 Permission denied",
		"203.0.113.1 [0400] 12:00:03 <<< QUIT",
		"203.0.113.1 [0400] 12:00:03 >>> 221 bye",
		"203.0.113.1 [0400] 12:00:03 *** <spam@bad.example> 0 0 00:00:02 INCOMPLETE-SESSION",
		"203.0.113.1 [0400] 12:00:03 Disconnected",
		"203.0.113.2 [0401] 12:01:00 Connected",
		"203.0.113.2 [0401] 12:01:00 >>> 421 4.7.0 Too many connections, exceeding RSET command count",
		"203.0.113.2 [0401] 12:01:00 Disconnected",
		"203.0.113.3 [0402] 12:02:00 Connected",
		"203.0.113.3 [0402] 12:02:00 >>> 421 4.7.0 Blocked by intrusion prevention (something new)",
		"203.0.113.4 [0403] 12:03:00 Connected",
		"203.0.113.4 [0403] 12:03:00 >>> 220 hi",
		"203.0.113.4 [0403] 12:03:01 <<< QUIT",
		"203.0.113.4 [0403] 12:03:01 *** 0 0 00:00:00 INCOMPLETE-SESSION",
		"203.0.113.5 [0404] 12:04:00 Connected",
		"203.0.113.5 [0404] 12:04:00 >>> 220 hi",
		"203.0.113.5 [0404] 12:04:01 <<< MAIL FROM:<a@outside.example>",
		"203.0.113.5 [0404] 12:04:01 <<< RCPT TO:<b@example.org>",
		"203.0.113.5 [0404] 12:04:01 <<< DATA",
		"203.0.113.5 [0404] 12:04:01 >>> 354 Enter mail, end with \".\" on a line by itself",
		"203.0.113.5 [0404] 12:04:09 *** <a@outside.example> <b@example.org> 1 0 00:00:08 INCOMPLETE-SESSION",
		"203.0.113.6 [0405] 12:05:00 Connected",
		"203.0.113.6 [0405] 12:05:00 >>> 220 hi",
		"203.0.113.6 [0405] 12:10:00 TIMEOUT",
		"203.0.113.6 [0405] 12:10:00 *** 0 0 00:05:00 INCOMPLETE-SESSION",
		"203.0.113.7 [0406] 12:05:00 Connected",
		"203.0.113.7 [0406] 12:10:00 *** 0 0 00:05:00 INCOMPLETE-SESSION TIMEOUT",
		NULL,
	};
	static const char *const expect[][2] = {
		{ "R", "" }, { "R", "" }, { "R", "" }, { "I", "error" }, { "B", "r" }, { "B", "other" },
		{ "I", "quit" }, { "I", "data" }, { "I", "timeout" }, { "I", "timeout" },
	};
	int i;

	lines(v);
	ck_assert_int_eq(nrec, 10);
	for (i = 0; i < nrec; i++) {
		enum mta_event_type t = expect[i][0][0] == 'R' ? EV_REJECT : expect[i][0][0] == 'B'
		    ? EV_BLOCKED : EV_SESSION_INCOMPLETE;
		ck_assert_msg(recs[i].type == t, "event %d: type %d", i, recs[i].type);
		ck_assert_str_eq(recs[i].what, expect[i][1]);
	}
}
END_TEST

/* The antispam log: the action is the last word, an open set; a sender cannot fake it. */
START_TEST(antispam)
{
	nrec = 0;
	ck_assert_int_eq(line("127.0.0.1 [07B0] 11:22:54 RSH57851 '<john@doe.com>' '<webmaster@icewarp.com.br>' 1 score 10.00 reason [SpamAssassin=10.00,Bayes=99.99,Body=PE] action SPAM"),
	    MTA_LINE_COUNTED);
	ck_assert_int_eq(line("127.0.0.1 [07B1] 11:22:55 RSH57852 '<x action REJECT@doe.com>' '<w@example.org>' 1 score 0.00 reason [] action NONE"),
	    MTA_LINE_COUNTED);
	ck_assert_int_eq(line("127.0.0.1 [07B2] 11:22:56 RSH57853 '<a@b>' '<c@d>' 1 score 9 reason [X=1] action BOUNCE-LATER"),
	    MTA_LINE_COUNTED);
	ck_assert_int_eq(line("127.0.0.1 [07B3] 11:22:57 RSH57854 '<a@b>' '<c@d>' 1 score 9 reason [X=1]"),
	    MTA_LINE_UNPARSED);
	/* a client line that starts like one is still a dialogue line (never unparsed, never shown) */
	ck_assert_int_eq(line("10.0.0.1 [07B4] 11:22:58 <<< 'c2VjcmV0 'x' 1 score 1 action SPAM"),
	    MTA_LINE_IGNORED);
	ck_assert(sveq(h.program, "icewarp/smtp"));
	ck_assert_int_eq(nrec, 3);
	ck_assert_str_eq(recs[0].what, "SPAM");
	ck_assert_str_eq(recs[1].what, "NONE");
	ck_assert_str_eq(recs[2].what, "BOUNCE-LATER");
	ck_assert_int_eq(recs[0].type, EV_ANTISPAM);
	/* the report log's line: nothing */
	ck_assert_int_eq(line("Challenge [0001] 11:24:42 0.648605 1 0 23 0"), MTA_LINE_IGNORED);
	ck_assert(sveq(h.program, "icewarp/report"));
	ck_assert_int_eq(nrec, 3);
}
END_TEST

/* Summaries that cannot be read are unparsed, never guessed. */
START_TEST(bad_summaries)
{
	ck_assert_int_eq(line("10.0.0.1 [0001] 09:00:00 >>> 220 hi"), MTA_LINE_IGNORED);
	/* two addresses, nrcpt 2: one is missing */
	ck_assert_int_eq(line("10.0.0.1 [0001] 09:00:01 *** <a@b.example> <c@d.example> 2 10 00:00:00 OK"),
	    MTA_LINE_UNPARSED);
	/* an address that hides another: "<x@y> <evil@ext>" is two words; count 1 disagrees */
	ck_assert_int_eq(line("10.0.0.1 [0001] 09:00:01 *** <a@b.example> <x@y.example> <evil@ext.example> 1 10 00:00:00 OK"),
	    MTA_LINE_UNPARSED);
	ck_assert_int_eq(line("10.0.0.1 [0001] 09:00:01 *** <a@b.example> <c@d.example> 1 10 00:00 OK"),
	    MTA_LINE_UNPARSED);
	ck_assert_int_eq(line("10.0.0.1 [0001] 09:00:01 *** <a@b.example> <c@d.example> 1 10 00:00:00 MAYBE"),
	    MTA_LINE_UNPARSED);
	ck_assert_int_eq(line("10.0.0.1 [0001] 09:00:01 *** <a@b.example> <c@d.example> 1 1x 00:00:00 OK"),
	    MTA_LINE_UNPARSED);
	ck_assert_int_eq(line("10.0.0.1 [0001] 09:00:01 *** 1 10 00:00:00 OK"), MTA_LINE_UNPARSED);
	ck_assert_int_eq(line("10.0.0.1 [0001] 09:00:01 *** <a@b.example"), MTA_LINE_UNPARSED);
	/* a quoted local part with a space is one address */
	nrec = 0;
	ck_assert_int_eq(line("10.0.0.1 [0001] 09:00:01 *** <\"a b\"@b.example> <c@d.example> 1 10 00:00:00 OK"),
	    MTA_LINE_COUNTED);
	ck_assert_str_eq(recs[0].sender, "\"a b\"@b.example");
	/* the null sender */
	nrec = 0;
	ck_assert_int_eq(line("10.0.0.1 [0001] 09:00:01 *** <> <c@d.example> 1 10 00:00:00 OK"),
	    MTA_LINE_COUNTED);
	ck_assert_str_eq(recs[0].sender, "");
	ck_assert_str_eq(recs[1].rcpt, "c@d.example");
}
END_TEST

/* Issue 14, server sessions: every final 4xx/5xx we gave, once; TLS per session at its end. */
START_TEST(health_server)
{
	static const char *const v[] = {
		"10.3.3.3 [0700] 10:00:00 Connected",
		"10.3.3.3 [0700] 10:00:00 >>> 220 mail.corp.example ESMTP IceWarp",
		"10.3.3.3 [0700] 10:00:01 <<< EHLO client",
		"10.3.3.3 [0700] 10:00:01 >>> 250-mail.corp.example Hello",
		"10.3.3.3 [0700] 10:00:01 >>> 250 STARTTLS",
		"10.3.3.3 [0700] 10:00:01 <<< STARTTLS",
		"10.3.3.3 [0700] 10:00:01 >>> 220 Ready to start TLS",
		"10.3.3.3 [0700] 10:00:02 <<< EHLO client",
		"10.3.3.3 [0700] 10:00:02 >>> 250 mail.corp.example Hello",
		"10.3.3.3 [0700] 10:00:02 <<< FOO",
		"10.3.3.3 [0700] 10:00:02 >>> 500 5.5.1 Command unrecognized",
		"10.3.3.3 [0700] 10:00:03 <<< AUTH LOGIN",
		"10.3.3.3 [0700] 10:00:03 >>> 334 VXNlcm5hbWU6",
		"10.3.3.3 [0700] 10:00:03 <<< YQ==",
		"10.3.3.3 [0700] 10:00:03 >>> 334 UGFzc3dvcmQ6",
		"10.3.3.3 [0700] 10:00:03 <<< Yg==",
		"10.3.3.3 [0700] 10:00:04 >>> 501 5.7.0 Authentication failed",
		"10.3.3.3 [0700] 10:00:04 <<< MAIL FROM:<a@ext.example>",
		"10.3.3.3 [0700] 10:00:04 >>> 250 2.1.0 <a@ext.example>... Sender ok",
		"10.3.3.3 [0700] 10:00:04 <<< RCPT TO:<nobody@corp.example>",
		"10.3.3.3 [0700] 10:00:04 >>> 550 5.1.1 Unknown user; rejecting",
		"10.3.3.3 [0700] 10:00:05 <<< RCPT TO:<grey@corp.example>",
		"10.3.3.3 [0700] 10:00:05 >>> 451 4.7.1 Greylisted",
		"10.3.3.3 [0700] 10:00:05 <<< QUIT",
		"10.3.3.3 [0700] 10:00:05 >>> 221 2.0.0 closing connection",
		"10.3.3.3 [0700] 10:00:05 *** 0 0 00:00:05 INCOMPLETE-SESSION",
		"10.3.3.3 [0700] 10:00:05 Disconnected",
		/* intrusion prevention ([G]'s RSET text) and a timeout's 421: a block, a reply */
		"10.3.3.4 [0701] 10:01:00 Connected",
		"10.3.3.4 [0701] 10:01:00 >>> 421 4.7.0 Session refused, exceeding RSET command count",
		"10.3.3.4 [0701] 10:01:00 Disconnected",
		"10.3.3.5 [0702] 10:02:00 Connected",
		"10.3.3.5 [0702] 10:02:00 >>> 220 hi",
		"10.3.3.5 [0702] 10:07:00 >>> 421 4.4.2 Connection timeout",
		"10.3.3.5 [0702] 10:07:00 Disconnected",
		NULL,
	};

	lines(v);
	/* reject, AUTH failure, incomplete, block: as before; the rest are replies and TLS */
	ck_assert_int_eq(nrec, 4);
	ck_assert_int_eq(recs[0].type, EV_AUTH_FAILED);
	ck_assert_int_eq(recs[1].type, EV_REJECT);
	ck_assert_int_eq(recs[2].type, EV_SESSION_INCOMPLETE);
	ck_assert_str_eq(recs[2].what, "error");
	ck_assert_int_eq(recs[3].type, EV_BLOCKED);
	ck_assert_int_eq(nh, 8);
	ck_assert(hrecs[0].type == EV_REPLY && hrecs[0].code == 500 && hrecs[0].dir == MTA_DIR_IN);
	ck_assert_str_eq(hrecs[0].enh, "5.5.1");
	ck_assert_str_eq(hrecs[0].text, "Command unrecognized");
	ck_assert(hrecs[1].type == EV_AUTH_FAILED && hrecs[1].code == 501);
	ck_assert_str_eq(hrecs[1].enh, "5.7.0");
	ck_assert(hrecs[2].type == EV_REJECT && hrecs[2].code == 550 && hrecs[2].dir == MTA_DIR_IN);
	ck_assert_str_eq(hrecs[2].text, "Unknown user; rejecting");
	ck_assert(hrecs[3].type == EV_REPLY && hrecs[3].code == 451);
	ck_assert_str_eq(hrecs[3].enh, "4.7.1");
	ck_assert(hrecs[4].type == EV_TLS && hrecs[4].dir == MTA_DIR_IN && hrecs[4].tls);
	ck_assert(hrecs[5].type == EV_BLOCKED && hrecs[5].code == 421 && hrecs[5].dir == MTA_DIR_IN);
	/* the 421-only session has no direction: no TLS */
	ck_assert(hrecs[6].type == EV_REPLY && hrecs[6].code == 421);
	ck_assert(hrecs[7].type == EV_TLS && hrecs[7].dir == MTA_DIR_IN && !hrecs[7].tls);

	nh = 0;
	/* a STARTTLS refused is no TLS; a session seen from its middle reports none */
	lines((const char *const[]){ "10.3.3.6 [0703] 10:03:00 Connected",
	    "10.3.3.6 [0703] 10:03:00 >>> 220 hi", "10.3.3.6 [0703] 10:03:00 <<< STARTTLS",
	    "10.3.3.6 [0703] 10:03:00 >>> 454 4.7.0 TLS not available",
	    "10.3.3.6 [0703] 10:03:00 Disconnected", "10.3.3.7 [0704] 10:03:00 >>> 220 hi",
	    "10.3.3.7 [0704] 10:03:00 <<< STARTTLS", "10.3.3.7 [0704] 10:03:00 >>> 220 go ahead",
	    "10.3.3.7 [0704] 10:03:00 Disconnected", NULL });
	ck_assert_int_eq(nh, 2);
	ck_assert(hrecs[0].type == EV_REPLY && hrecs[0].code == 454);
	ck_assert(hrecs[1].type == EV_TLS && !hrecs[1].tls);
}
END_TEST

/* Issue 14, client sessions: the remote's final answer per recipient, TLS, the session's duration. */
START_TEST(health_client)
{
	static const char *const v[] = {
		"203.0.113.9 [0800] 10:00:00 Connected",
		"203.0.113.9 [0800] 10:00:01 <<< 220 mx.remote.example ESMTP Postfix",
		"203.0.113.9 [0800] 10:00:01 >>> EHLO mail.corp.example",
		"203.0.113.9 [0800] 10:00:01 <<< 250 STARTTLS",
		"203.0.113.9 [0800] 10:00:01 >>> STARTTLS",
		"203.0.113.9 [0800] 10:00:02 <<< 220 2.0.0 Ready to start TLS",
		"203.0.113.9 [0800] 10:00:02 >>> EHLO mail.corp.example",
		"203.0.113.9 [0800] 10:00:02 <<< 250 8BITMIME",
		"203.0.113.9 [0800] 10:00:02 >>> MAIL FROM:<u@corp.example>",
		"203.0.113.9 [0800] 10:00:02 <<< 250 2.1.0 Ok",
		"203.0.113.9 [0800] 10:00:02 >>> RCPT TO:<a@remote.example>",
		"203.0.113.9 [0800] 10:00:02 <<< 250 2.1.5 Ok",
		"203.0.113.9 [0800] 10:00:03 >>> RCPT TO:<b@remote.example>",
		"203.0.113.9 [0800] 10:00:03 <<< 450 4.2.0 Greylisted",
		"203.0.113.9 [0800] 10:00:03 >>> RCPT TO:<c@remote.example>",
		"203.0.113.9 [0800] 10:00:03 <<< 250 2.1.5 Ok",
		"203.0.113.9 [0800] 10:00:03 >>> DATA",
		"203.0.113.9 [0800] 10:00:03 <<< 354 go",
		"203.0.113.9 [0800] 10:00:04 *** <u@corp.example> <a@remote.example> <c@remote.example> 2 900 00:00:01 OK",
		"203.0.113.9 [0800] 10:00:07 <<< 250 2.0.0 Ok: queued as 4F2A1B",
		"203.0.113.9 [0800] 10:00:07 >>> MAIL FROM:<u@corp.example>",
		"203.0.113.9 [0800] 10:00:07 <<< 550 5.7.1 Sender rejected",
		"203.0.113.9 [0800] 10:00:07 >>> QUIT",
		"203.0.113.9 [0800] 10:00:07 <<< 221 2.0.0 Bye",
		"203.0.113.9 [0800] 10:00:08 Disconnected",
		NULL,
	};
	int i;

	lines(v);
	/* b deferred; the message, a and c delivered, removed */
	ck_assert_int_eq(nrec, 5);
	ck_assert(recs[0].type == EV_DELIVERY && recs[0].status == DS_DEFERRED);
	ck_assert_int_eq(nh, 5);
	ck_assert(hrecs[0].type == EV_DELIVERY && hrecs[0].code == 450 && hrecs[0].dir == MTA_DIR_OUT);
	ck_assert_str_eq(hrecs[0].enh, "4.2.0");
	ck_assert(!hrecs[0].has_delay);
	for (i = 1; i <= 2; i++) {
		ck_assert(hrecs[i].type == EV_DELIVERY && hrecs[i].code == 250);
		ck_assert(hrecs[i].dir == MTA_DIR_OUT && hrecs[i].has_delay);
		ck_assert_uint_eq(hrecs[i].delay_ms, 7000); /* Connected 10:00:00, accepted 10:00:07 */
		ck_assert_str_eq(hrecs[i].text, "Ok: queued as 4F2A1B");
	}
	ck_assert(hrecs[3].type == EV_REPLY && hrecs[3].code == 550 && hrecs[3].dir == MTA_DIR_OUT);
	ck_assert(hrecs[4].type == EV_TLS && hrecs[4].dir == MTA_DIR_OUT && hrecs[4].tls);

	/* the data refused: one reply per accepted recipient */
	lines((const char *const[]){ "203.0.113.8 [0801] 11:00:00 Connected",
	    "203.0.113.8 [0801] 11:00:00 <<< 220 mx", "203.0.113.8 [0801] 11:00:00 >>> MAIL FROM:<u@x>",
	    "203.0.113.8 [0801] 11:00:00 <<< 250 ok", "203.0.113.8 [0801] 11:00:00 >>> RCPT TO:<a@r>",
	    "203.0.113.8 [0801] 11:00:00 <<< 250 ok", "203.0.113.8 [0801] 11:00:00 >>> RCPT TO:<b@r>",
	    "203.0.113.8 [0801] 11:00:00 <<< 250 ok", "203.0.113.8 [0801] 11:00:00 >>> DATA",
	    "203.0.113.8 [0801] 11:00:00 <<< 354 go",
	    "203.0.113.8 [0801] 11:00:01 <<< 554 5.7.1 Rejected by policy",
	    "203.0.113.8 [0801] 11:00:01 Disconnected", NULL });
	ck_assert_int_eq(nh, 3);
	ck_assert(hrecs[0].code == 554 && hrecs[1].code == 554 && hrecs[0].type == EV_DELIVERY);
	ck_assert(hrecs[2].type == EV_TLS && hrecs[2].dir == MTA_DIR_OUT && !hrecs[2].tls);
}
END_TEST

/*
 * The saved state of version 2 keeps a session's start and TLS; a schema
 * v5 blob (version 1: the same layout, the start word zero) still loads,
 * as sessions whose start was not seen; another version starts empty.
 */
START_TEST(health_state_versions)
{
	unsigned char *blob;
	size_t len;

	lines((const char *const[]){ "203.0.113.9 [0900] 10:00:00 Connected",
	    "203.0.113.9 [0900] 10:00:01 <<< 220 mx", "203.0.113.9 [0900] 10:00:01 >>> STARTTLS",
	    "203.0.113.9 [0900] 10:00:01 <<< 220 go", "203.0.113.9 [0900] 10:00:01 >>> MAIL FROM:<u@x>",
	    "203.0.113.9 [0900] 10:00:01 <<< 250 ok", "203.0.113.9 [0900] 10:00:01 >>> RCPT TO:<a@r>",
	    "203.0.113.9 [0900] 10:00:02 <<< 250 ok", "203.0.113.9 [0900] 10:00:02 >>> DATA", NULL });
	ck_assert_int_eq(parser_icewarp.state_save(state, &blob, &len), 0);
	ck_assert_uint_eq(blob[0], 2);
	/* a restart: the session goes on with its start and TLS */
	teardown();
	setup();
	ck_assert_int_eq(parser_icewarp.state_load(state, blob, len), 0);
	lines((const char *const[]){ "203.0.113.9 [0900] 10:00:02 <<< 354 go",
	    "203.0.113.9 [0900] 10:00:09 <<< 250 queued", "203.0.113.9 [0900] 10:00:09 Disconnected", NULL });
	ck_assert_int_eq(nh, 2);
	ck_assert(hrecs[0].type == EV_DELIVERY && hrecs[0].has_delay && hrecs[0].delay_ms == 9000);
	ck_assert(hrecs[1].type == EV_TLS && hrecs[1].tls && hrecs[1].dir == MTA_DIR_OUT);
	/* the same bytes as version 1 (schema v5 wrote the start word as zero) */
	blob[0] = 1;
	memset(blob + 8 + 32, 0, 8);
	ck_assert_int_eq(parser_icewarp.state_load(state, blob, len), 0);
	lines((const char *const[]){ "203.0.113.9 [0900] 10:00:02 <<< 354 go",
	    "203.0.113.9 [0900] 10:00:09 <<< 250 queued", "203.0.113.9 [0900] 10:00:09 Disconnected", NULL });
	ck_assert_int_eq(nrec, 3); /* delivered as before */
	ck_assert_int_eq(nh, 1);   /* the delivery's reply; no delay, no TLS: the start is unknown */
	ck_assert(hrecs[0].type == EV_DELIVERY && hrecs[0].code == 250 && !hrecs[0].has_delay);
	/* version 1 knew no STARTTLS stage: such a blob is not read */
	blob[8 + 2] = 9;
	ck_assert_int_eq(parser_icewarp.state_load(state, blob, len), -1);
	/* another version: not read, the state is empty */
	blob[8 + 2] = 3;
	blob[0] = 3;
	ck_assert_int_eq(parser_icewarp.state_load(state, blob, len), -1);
	lines((const char *const[]){ "203.0.113.9 [0900] 10:00:09 Disconnected", NULL });
	ck_assert_int_eq(nh, 0);
	free(blob);
}
END_TEST

/*
 * A blob written by the parser of schema v5 (state version 1; made by
 * src/mta/icewarp.c of commit 58c6cf0 after the lines below up to the
 * cut): a client session waiting for the answer to its data, two
 * recipients accepted, and a server session authenticated as
 * alice@corp.example in the middle of a transaction.  Today's parser
 * goes on with both.
 */
static const unsigned char state_v1[] = {
/* 175 bytes */
	0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x05, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xd2, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x22, 0x00,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x32, 0x30, 0x33, 0x2e, 0x30, 0x2e, 0x31, 0x31, 0x33, 0x2e, 0x39, 0x62,
	0x40, 0x72, 0x65, 0x6d, 0x6f, 0x74, 0x65, 0x2e, 0x65, 0x78, 0x61, 0x6d,
	0x70, 0x6c, 0x65, 0x61, 0x40, 0x72, 0x65, 0x6d, 0x6f, 0x74, 0x65, 0x2e,
	0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00, 0x62, 0x40, 0x72, 0x65,
	0x6d, 0x6f, 0x74, 0x65, 0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
	0x00, 0x08, 0x01, 0x01, 0x05, 0x00, 0x12, 0x00, 0x00, 0x00, 0x05, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x31, 0x30, 0x2e, 0x32, 0x2e, 0x32, 0x2e,
	0x32, 0x61, 0x6c, 0x69, 0x63, 0x65, 0x40, 0x63, 0x6f, 0x72, 0x70, 0x2e,
	0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
};

START_TEST(state_from_schema_v5)
{
	static const char *const rest[] = {
		"203.0.113.9 [0900] 10:00:04 <<< 250 2.0.0 queued",
		"203.0.113.9 [0900] 10:00:04 Disconnected",
		"10.2.2.2 [0500] 10:00:02 <<< RCPT TO:<x@ext.example>",
		"10.2.2.2 [0500] 10:00:02 >>> 250 ok",
		"10.2.2.2 [0500] 10:00:02 <<< DATA",
		"10.2.2.2 [0500] 10:00:02 >>> 354 go",
		"10.2.2.2 [0500] 10:00:03 *** <forged@ext.example> <x@ext.example> 1 10 00:00:01 OK",
		NULL,
	};

	ck_assert_uint_eq(state_v1[0], 1);
	ck_assert_int_eq(parser_icewarp.state_load(state, state_v1, sizeof(state_v1)), 0);
	lines(rest);
	/* the client's message: queued (its size), a and b delivered, removed */
	ck_assert_int_eq(nrec, 7);
	ck_assert(recs[0].type == EV_QUEUED && recs[0].size == 1234);
	ck_assert(recs[1].type == EV_DELIVERY && recs[1].status == DS_SENT && recs[1].forwarded);
	ck_assert_str_eq(recs[1].rcpt, "a@remote.example");
	ck_assert_str_eq(recs[2].rcpt, "b@remote.example");
	ck_assert_int_eq(recs[3].type, EV_REMOVED);
	/* the server's message, under the account the saved AUTH named */
	ck_assert(recs[4].type == EV_QUEUED && recs[4].origin);
	ck_assert_str_eq(recs[4].sasl, "alice@corp.example");
	ck_assert_str_eq(recs[4].sender, "forged@ext.example");
	ck_assert_str_eq(recs[5].rcpt, "x@ext.example");
	/* their replies count; no delay and no TLS: version 1 did not keep the start */
	ck_assert_int_eq(nh, 2);
	ck_assert(hrecs[0].code == 250 && hrecs[0].dir == MTA_DIR_OUT && !hrecs[0].has_delay);
	ck_assert(hrecs[1].code == 250 && !hrecs[1].has_delay);
}
END_TEST

/* A session cut by a restart or a file split goes on from the saved state. */
START_TEST(state_round_trip)
{
	static const char *const first[] = {
		"10.2.2.2 [0500] 23:59:58 Connected",
		"10.2.2.2 [0500] 23:59:58 >>> 220 hi",
		"10.2.2.2 [0500] 23:59:59 <<< AUTH LOGIN YWxpY2VAZXhhbXBsZS5vcmc=",
		"10.2.2.2 [0500] 23:59:59 <<< UzNjcjN0LXB3IQ==",
		"10.2.2.2 [0500] 23:59:59 >>> 235 ok",
		"198.51.100.1 [0501] 23:59:59 <<< 220 mx",
		"198.51.100.1 [0501] 23:59:59 >>> MAIL FROM:<alice@example.org>",
		"198.51.100.1 [0501] 23:59:59 >>> RCPT TO:<far@remote.example>",
		"198.51.100.1 [0501] 23:59:59 <<< 250 ok",
		"198.51.100.1 [0501] 23:59:59 >>> DATA",
		"198.51.100.1 [0501] 23:59:59 <<< 354 go",
		NULL,
	};
	static const char *const second[] = {
		"198.51.100.1 [0501] 00:00:01 *** <alice@example.org> <far@remote.example> 1 99 00:00:02 OK",
		"198.51.100.1 [0501] 00:00:01 <<< 250 ok",
		"10.2.2.2 [0500] 00:00:01 *** <alice@example.org> <far@remote.example> 1 99 00:00:02 OK",
		NULL,
	};
	unsigned char *blob;
	size_t len;

	lines(first);
	ck_assert_int_eq(nrec, 0);
	ck_assert_int_eq(parser_icewarp.state_save(state, &blob, &len), 0);
	parser_icewarp.state_close(state);
	state = parser_icewarp.state_open();
	ck_assert_int_eq(parser_icewarp.state_load(state, blob, len), 0);
	free(blob);
	clk.name_day = day("2026-03-03"); /* the next day's file */
	lines(second);
	ck_assert_int_eq(nrec, 6);
	ck_assert_int_eq(recs[0].type, EV_QUEUED);
	ck_assert(!recs[0].origin && recs[0].size == 99);
	ck_assert(recs[1].forwarded && recs[1].status == DS_SENT);
	ck_assert_str_eq(recs[1].rcpt, "far@remote.example");
	ck_assert_int_eq(recs[3].type, EV_QUEUED);
	ck_assert(recs[3].origin);
	ck_assert_str_eq(recs[3].sasl, "alice@example.org");
	ck_assert_int_eq(recs[3].day, day("2026-03-03"));
	/* a saved count of accepted recipients larger than the names saved: cut to them */
	{
		static const char *const held[] = {
			"198.51.100.2 [0502] 10:00:00 <<< 220 mx",
			"198.51.100.2 [0502] 10:00:00 >>> MAIL FROM:<a@example.org>",
			"198.51.100.2 [0502] 10:00:00 >>> RCPT TO:<one@remote.example>",
			"198.51.100.2 [0502] 10:00:00 <<< 250 ok",
			"198.51.100.2 [0502] 10:00:00 >>> DATA",
			"198.51.100.2 [0502] 10:00:00 <<< 354 go",
			NULL,
		};
		unsigned char *b2;
		size_t l2;
		parser_icewarp.state_close(state);
		state = parser_icewarp.state_open();
		lines(held);
		ck_assert_int_eq(parser_icewarp.state_save(state, &b2, &l2), 0);
		/* the first session's counts word: ok_n is bits 32..47 of bytes 24..31 */
		ck_assert_int_eq(b2[8 + 24 + 4], 1);
		b2[8 + 24 + 4] = 200;
		ck_assert_int_eq(parser_icewarp.state_load(state, b2, l2), 0);
		free(b2);
		nrec = 0;
		ck_assert_int_eq(line("198.51.100.2 [0502] 10:00:01 <<< 250 done"), MTA_LINE_COUNTED);
		ck_assert_int_eq(nrec, 3); /* QUEUED, one delivery, REMOVED */
		ck_assert_str_eq(recs[1].rcpt, "one@remote.example");
	}
	/* a blob that is not one: refused, and the state is empty, not half-read */
	ck_assert_int_eq(parser_icewarp.state_load(state, (const unsigned char *)"garbage!!", 9), -1);
	ck_assert_int_eq(parser_icewarp.state_save(state, &blob, &len), 0);
	ck_assert_int_eq(len, 8);
	free(blob);
	ck_assert_int_eq(parser_icewarp.state_load(state, NULL, 0), 0);
}
END_TEST

START_TEST(file_names)
{
	struct mta_file_key k;

	ck_assert_int_eq(parser_icewarp.file_key("s20260302.log", &k), 0);
	ck_assert(k.day == day("2026-03-02") && k.split == 0);
	ck_assert_str_eq(k.series, "s");
	ck_assert_int_eq(parser_icewarp.file_key("s120260302-07.log", &k), 0);
	ck_assert(k.day == day("2026-03-02") && k.split == 7);
	ck_assert_str_eq(k.series, "s1");
	ck_assert_int_eq(parser_icewarp.file_key("s20260302-01.log.gz", &k), 0);
	ck_assert_int_eq(k.split, 1);
	ck_assert_int_eq(parser_icewarp.file_key("s20261302.log", &k), -1);
	ck_assert_int_eq(parser_icewarp.file_key("s2026030.log", &k), -1);
	ck_assert_int_eq(parser_icewarp.file_key("s20260302.txt", &k), -1);
	ck_assert_int_eq(parser_icewarp.file_key("S20260302.log", &k), -1);
	ck_assert_int_eq(parser_icewarp.file_key("s20260302-.log", &k), -1);
	ck_assert_int_eq(parser_icewarp.file_key("s20260302-0a.log", &k), -1);
	ck_assert_int_eq(parser_icewarp.file_key("mail.log", &k), -1);
	ck_assert_int_eq(parser_icewarp.file_key("", &k), -1);
	ck_assert_ptr_null(parser_postfix.file_key);
}
END_TEST

/* Every prefix of every line of a session, and hostile bytes: no crash, no read past the line. */
START_TEST(hostile)
{
	static const char *const v[] = {
		"10.9.9.9 [0600] 09:00:00 Connected",
		"10.9.9.9 [0600] 09:00:00 >>> 220 hi",
		"10.9.9.9 [0600] 09:00:01 <<< AUTH PLAIN AGFsaWNlQGV4YW1wbGUub3JnAFMzY3IzdC1wdyE=",
		"10.9.9.9 [0600] 09:00:01 <<< AUTH LOGIN",
		"10.9.9.9 [0600] 09:00:01 <<< !!!not base64!!!",
		"10.9.9.9 [0600] Thu, 22 Apr 2004 22:01:43 +0200 *** <a@b.example> <c@d.example> 1 348 00:00:00 OK",
		"127.0.0.1 [07B0] 11:22:54 RSH57851 '<john@doe.com>' '<w@i.com.br>' 1 score 10.00 reason [S=1] action SPAM",
		NULL,
	};
	char buf[2048];
	size_t i, n;
	unsigned seed = 7;
	int k, r;

	for (k = 0; v[k] != NULL; k++) {
		n = strlen(v[k]);
		for (i = 0; i <= n; i++) {
			char *cut = malloc(i ? i : 1); /* exactly i bytes: ASan sees a read past the end */
			memcpy(cut, v[k], i);
			r = line_n(cut, i);
			ck_assert(r >= -1 && r <= MTA_LINE_COUNTED);
			free(cut);
		}
	}
	for (k = 0; k < 20000; k++) {
		n = (size_t)(rand_r(&seed) % 200);
		memcpy(buf, v[k % 6], 30);
		for (i = 30; i < n + 30; i++) {
			r = rand_r(&seed) % 8;
			buf[i] = r == 0 ? '\0' : r == 1 ? ' ' : r == 2 ? '<' : r == 3 ? '>' :
			    (char)(rand_r(&seed) % 256);
		}
		r = line_n(buf, n + 30);
		ck_assert(r >= -1 && r <= MTA_LINE_COUNTED);
		nrec = 0;
	}
	/* an AUTH name longer than any account is cut, not overrun */
	memset(buf, 'Q', sizeof(buf));
	memcpy(buf, "10.9.9.9 [0601] 09:00:01 <<< AUTH LOGIN ", 40);
	ck_assert_int_eq(line_n(buf, sizeof(buf)), MTA_LINE_IGNORED);
}
END_TEST

/* Sessions beyond the bound: the oldest are dropped, memory stays bounded. */
START_TEST(bounded)
{
	char l[128];
	unsigned char *blob;
	size_t len;
	int i;

	for (i = 0; i < 20000; i++) {
		snprintf(l, sizeof(l), "10.%d.%d.1 [%X] 10:00:00 Connected", i / 256, i % 256, i);
		ck_assert_int_eq(line(l), MTA_LINE_IGNORED);
	}
	ck_assert_int_eq(parser_icewarp.state_save(state, &blob, &len), 0);
	ck_assert_uint_lt(len, 8192u * 100u);
	ck_assert_uint_gt(len, 8000u * 40u);
	free(blob);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("parse_icewarp");
	TCase *tc = tcase_create("icewarp");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, envelope);
	tcase_add_test(tc, server_session_2004);
	tcase_add_test(tc, shared_corpus);
	tcase_add_test(tc, interleaved_and_reused);
	tcase_add_test(tc, auth_login_plain);
	tcase_add_test(tc, client_session);
	tcase_add_test(tc, rejects_blocks_endings);
	tcase_add_test(tc, antispam);
	tcase_add_test(tc, bad_summaries);
	tcase_add_test(tc, state_round_trip);
	tcase_add_test(tc, health_server);
	tcase_add_test(tc, health_client);
	tcase_add_test(tc, health_state_versions);
	tcase_add_test(tc, state_from_schema_v5);
	tcase_add_test(tc, file_names);
	tcase_add_test(tc, hostile);
	tcase_add_test(tc, bounded);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
