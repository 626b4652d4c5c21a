/*
 * genlog: a seeded generator of realistic Postfix logs for benchmarks, and
 * the true counts of what it wrote (--expect), kept while writing, by the
 * definitions of docs/counting.md, never by reading the output back.
 *
 *   genlog --seed N --lines N [--days 15] [--accounts 10000]
 *          [--start 2026-11-02] [--format bsd|rfc3339] [--expect FILE]
 *
 * Local domains: corp.example and mail.example; content filter
 * 127.0.0.1:10024 (bench/mtastat.conf says the same to mtastat).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL 48              /* messages in flight at once */
#define MAXLINES 64          /* lines of one message */
#define LINE_MAX_LEN 600
#define LOCAL_USERS 100

enum { RECEIVED, DELIVERED, RELAYED, DEFERRED, DEFERRALS, BOUNCED, EXPIRED, REJECTED,
	AUTH_FAILED, NOTIFICATIONS, BYTES_RECEIVED, BYTES_DELIVERED, NCOUNTERS };
static const char *const counter_names[NCOUNTERS] = { "received", "delivered", "relayed",
	"deferred", "deferrals", "bounced", "expired", "rejected", "auth_failed", "notifications",
	"bytes_received", "bytes_delivered" };

/* What a line means for the counts, applied when it is written. */
enum effect { E_NONE, E_RECEIVED, E_SENT_LOCAL, E_SENT_RELAY, E_DEFERRAL, E_BOUNCE, E_EXPIRED,
	E_REJECT, E_AUTH_FAILED, E_NOTIFICATION };

struct line {
	char text[LINE_MAX_LEN]; /* message part after "host prog[pid]: " */
	char prog[40];
	enum effect effect;
	int account;             /* index, -1 none */
	long size;
	int msg_first;           /* first relayed recipient of the message today? tracked by msg */
};

struct msg {
	struct line lines[MAXLINES];
	int n, next;
	int relay_day;           /* day its relayed_messages was counted, -1 */
	int deferred;            /* counted as deferred */
};

static uint64_t rng;
static int days = 15, naccounts = 10000, rfc3339;
static int start_y = 2026, start_m = 11, start_d = 2;
static int64_t counts[400][NCOUNTERS];
static int32_t *acct_relayed, *acct_msgs; /* [account][day] */
static uint64_t qid_counter = 1;

static uint64_t
next_rand(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int
rnd(int n)
{
	return (int)(next_rand() % (uint64_t)n);
}

static void
new_qid(char *out)
{
	static const char alpha[] = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
	uint64_t v = (qid_counter++ * 0x9E3779B1ULL) & 0xFFFFFFFFFFULL; /* a bijection on 40 bits */
	int i;

	if (v & 1) { /* short ids: 10 upper-case hex digits */
		snprintf(out, 16, "%010llX", (unsigned long long)v);
		return;
	}
	/* long ids: 15 characters of the vowel-free alphabet, a 'z' inside */
	out[0] = '4';
	for (i = 1; i < 15; i++) {
		out[i] = alpha[v % 51];
		v /= 51;
	}
	out[10] = 'z';
	out[15] = '\0';
}

static void
add(struct msg *m, const char *prog, enum effect e, int account, long size, const char *fmt, ...)
{
	struct line *l = &m->lines[m->n++];
	va_list ap;

	snprintf(l->prog, sizeof(l->prog), "%s", prog);
	l->effect = e;
	l->account = account;
	l->size = size;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof(l->text), fmt, ap);
	va_end(ap);
}

static void
ipv4(char *b)
{
	snprintf(b, 40, "%d.%d.%d.%d", 11 + rnd(200), rnd(256), rnd(256), 1 + rnd(254));
}

static void
client(char *b)
{
	char ip[40];

	if (rnd(5) == 0) {
		snprintf(b, 96, "h%d.v6.example[2001:db8:%x:%x::%x]", rnd(1000), rnd(65536), rnd(65536),
		    1 + rnd(4000));
		return;
	}
	ipv4(ip);
	if (rnd(4) == 0)
		snprintf(b, 96, "unknown[%s]", ip);
	else
		snprintf(b, 96, "mail%d.sender%d.example[%s]", rnd(9), rnd(5000), ip);
}

/* Recipient deliveries of a queued message: local ones and remote ones. */
static void
deliveries(struct msg *m, const char *qid, int account, long size, int nlocal, int nremote,
    char (*ndr_sender)[128])
{
	char relay[96], ip[40];
	int i, r;

	for (i = 0; i < nlocal; i++) {
		r = rnd(3);
		add(m, r == 0 ? "postfix/local" : r == 1 ? "postfix/lmtp" : "postfix/virtual",
		    E_SENT_LOCAL, account, size,
		    "%s: to=<u%d@%s>, relay=%s, delay=0.%d, delays=0/0/0/0.%d, dsn=2.0.0, status=sent"
		    " (delivered to mailbox)", qid, rnd(5000), rnd(2) ? "corp.example" : "mail.example",
		    r == 0 ? "local" : r == 1 ? "mail.corp.example[private/dovecot-lmtp]" : "virtual",
		    rnd(9), rnd(9));
	}
	for (i = 0; i < nremote; i++) {
		int fate = rnd(100), rcpt = rnd(200000), dom = rnd(3000);
		ipv4(ip);
		snprintf(relay, sizeof(relay), "mx%d.dom%d.example[%s]:25", rnd(3), dom, ip);
		if (fate < 5) {
			add(m, "postfix/smtp", E_DEFERRAL, account, size,
			    "%s: to=<r%d@dom%d.example>, relay=none, delay=30, delays=0/0/30/0, dsn=4.4.1,"
			    " status=deferred (connect to mx.dom%d.example[%s]:25: Connection timed out)",
			    qid, rcpt, dom, dom, ip);
			add(m, "postfix/smtp", E_SENT_RELAY, account, size,
			    "%s: to=<r%d@dom%d.example>, relay=%s, delay=900, delays=0/870/1/29, dsn=2.0.0,"
			    " status=sent (250 2.0.0 Ok: queued as %X)", qid, rcpt, dom, relay, rnd(1 << 30));
		} else if (fate < 9 && ndr_sender != NULL) {
			add(m, "postfix/smtp", E_BOUNCE, account, size,
			    "%s: to=<r%d@dom%d.example>, relay=%s, delay=1.2, delays=0/0/0.5/0.7, dsn=5.1.1,"
			    " status=bounced (host %s said: 550 5.1.1 <r%d@dom%d.example>: Recipient address"
			    " rejected: User unknown (in reply to RCPT TO command))", qid, rcpt, dom, relay,
			    relay, rcpt, dom);
			snprintf(*ndr_sender, 128, "x"); /* ask the caller for a notification */
		} else {
			add(m, "postfix/smtp", E_SENT_RELAY, account, size,
			    "%s: to=<r%d@dom%d.example>, relay=%s, delay=0.8, delays=0.1/0/0.3/0.4, dsn=2.0.0,"
			    " status=sent (250 2.0.0 Ok: queued as %X)", qid, rcpt, dom, relay, rnd(1 << 30));
		}
	}
}

/* The bounce notice to a local sender and its own delivery. */
static void
notification(struct msg *m, const char *qid, const char *sender)
{
	char nq[24];
	long size = 2000 + rnd(3000);

	new_qid(nq);
	add(m, "postfix/cleanup", E_NONE, -1, 0, "%s: message-id=<%s@mx1.corp.example>", nq, nq);
	add(m, "postfix/bounce", E_NOTIFICATION, -1, 0, "%s: sender non-delivery notification: %s",
	    qid, nq);
	add(m, "postfix/qmgr", E_NONE, -1, 0, "%s: from=<>, size=%ld, nrcpt=1 (queue active)", nq, size);
	add(m, "postfix/local", E_SENT_LOCAL, -1, size, "%s: to=<%s>, relay=local, delay=0.1,"
	    " delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to mailbox)", nq, sender);
	add(m, "postfix/qmgr", E_NONE, -1, 0, "%s: removed", nq);
}

static void
build_submission(struct msg *m)
{
	char qid[24], cl[96], sender[128], ndr[128] = "";
	int acct = rnd(naccounts), nrcpt = 1 + rnd(4), nlocal = rnd(5) == 0 ? 1 : 0;
	long size = 1000 + rnd(60000);

	new_qid(qid);
	client(cl);
	snprintf(sender, sizeof(sender), "user%d@corp.example", acct);
	add(m, "postfix/submission/smtpd", E_NONE, -1, 0, "connect from %s", cl);
	add(m, "postfix/submission/smtpd", E_NONE, -1, 0, "%s: client=%s, sasl_method=PLAIN,"
	    " sasl_username=%s", qid, cl, sender);
	add(m, "postfix/cleanup", E_NONE, -1, 0, "%s: message-id=<%s.%d@corp.example>", qid, qid, rnd(1000));
	add(m, "postfix/qmgr", E_RECEIVED, acct, size, "%s: from=<%s>, size=%ld, nrcpt=%d (queue active)",
	    qid, sender, size, nrcpt + nlocal);
	add(m, "postfix/submission/smtpd", E_NONE, -1, 0, "disconnect from %s ehlo=1 auth=1 mail=1"
	    " rcpt=%d data=1 quit=1 commands=%d", cl, nrcpt + nlocal, 5 + nrcpt + nlocal);
	deliveries(m, qid, acct, size, nlocal, nrcpt, &ndr);
	if (ndr[0] != '\0')
		notification(m, qid, sender);
	add(m, "postfix/qmgr", E_NONE, -1, 0, "%s: removed", qid);
}

static void
build_inbound(struct msg *m, int filtered)
{
	char qid[24], nq[24], cl[96], ip[40];
	long size = 2000 + rnd(80000), size2 = size + 400 + rnd(200);
	int nlocal = 1 + rnd(3), sport = 1024 + rnd(60000);

	new_qid(qid);
	client(cl);
	ipv4(ip);
	add(m, "postfix/postscreen", E_NONE, -1, 0, "CONNECT from [%s]:%d to [192.0.2.25]:25", ip, sport);
	add(m, "postfix/postscreen", E_NONE, -1, 0, "PASS OLD [%s]:%d", ip, sport);
	add(m, "postfix/smtpd", E_NONE, -1, 0, "connect from %s", cl);
	add(m, "postfix/smtpd", E_NONE, -1, 0, "%s: client=%s", qid, cl);
	add(m, "postfix/cleanup", E_NONE, -1, 0, "%s: message-id=<%d.%s@sender.example>", qid, rnd(99999), qid);
	/* inbound senders are external: they never relay, so they have no account row */
	add(m, "postfix/qmgr", E_RECEIVED, -1, size, "%s: from=<news%d@sender%d.example>, size=%ld,"
	    " nrcpt=%d (queue active)", qid, rnd(500), rnd(5000), size, nlocal);
	add(m, "postfix/smtpd", E_NONE, -1, 0, "disconnect from %s ehlo=1 mail=1 rcpt=%d data=1 quit=1"
	    " commands=%d", cl, nlocal, 4 + nlocal);
	if (!filtered) {
		deliveries(m, qid, -1, size, nlocal, 0, NULL);
	} else {
		new_qid(nq);
		add(m, "postfix/10025/smtpd", E_NONE, -1, 0, "%s: client=localhost[127.0.0.1]", nq);
		add(m, "postfix/qmgr", E_NONE, -1, 0, "%s: from=<relay@sender.example>, size=%ld,"
		    " nrcpt=%d (queue active)", nq, size2, nlocal);
		add(m, "postfix/smtp", E_NONE, -1, 0, "%s: to=<u%d@corp.example>, relay=127.0.0.1[127.0.0.1]:10024,"
		    " delay=1.5, delays=0/0/0/1.5, dsn=2.0.0, status=sent (250 2.0.0 from"
		    " MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as %s)", qid, rnd(5000), nq);
		deliveries(m, nq, -1, size2, nlocal, 0, NULL);
		add(m, "postfix/qmgr", E_NONE, -1, 0, "%s: removed", nq);
	}
	add(m, "postfix/qmgr", E_NONE, -1, 0, "%s: removed", qid);
}

static void
build_pickup(struct msg *m)
{
	char qid[24];
	int user = rnd(LOCAL_USERS), acct = naccounts + user;
	long size = 500 + rnd(5000);

	new_qid(qid);
	add(m, "postfix/pickup", E_NONE, -1, 0, "%s: uid=%d from=<cron%d>", qid, 1000 + user, user);
	add(m, "postfix/cleanup", E_NONE, -1, 0, "%s: message-id=<%s@mx1.mail.example>", qid, qid);
	add(m, "postfix/qmgr", E_RECEIVED, acct, size, "%s: from=<cron%d@mail.example>, size=%ld,"
	    " nrcpt=1 (queue active)", qid, user, size);
	deliveries(m, qid, acct, size, 0, 1, NULL);
	add(m, "postfix/qmgr", E_NONE, -1, 0, "%s: removed", qid);
}

static void
build_other(struct msg *m)
{
	char qid[24], cl[96], ip[40];
	int r = rnd(100);

	client(cl);
	ipv4(ip);
	if (r < 40) {
		add(m, "postfix/smtpd", E_REJECT, -1, 0, "NOQUEUE: reject: RCPT from %s: 554 5.7.1"
		    " <x%d@dom%d.example>: Relay access denied; from=<s%d@spam.example> to=<x%d@dom%d.example>"
		    " proto=ESMTP helo=<spam.example>", cl, r, r, r, r, r);
	} else if (r < 55) {
		new_qid(qid); /* a transaction that never reaches the queue */
		add(m, "postfix/smtpd", E_NONE, -1, 0, "%s: client=%s", qid, cl);
		add(m, "postfix/cleanup", E_REJECT, -1, 0, "%s: milter-reject: END-OF-MESSAGE from %s:"
		    " 5.7.1 Spam message rejected; from=<s@spam.example> to=<u1@corp.example> proto=ESMTP"
		    " helo=<spam.example>", qid, cl);
	} else if (r < 70) {
		add(m, "postfix/postscreen", E_NONE, -1, 0, "NOQUEUE: reject: RCPT from [%s]:%d: 550 5.7.1"
		    " Service unavailable; client [%s] blocked using zen.spamhaus.org; from=<a@b.example>,"
		    " to=<u2@corp.example>, proto=ESMTP, helo=<b.example>", ip, 1024 + r, ip);
	} else if (r < 85) {
		add(m, "postfix/submission/smtpd", E_AUTH_FAILED, -1, 0, "warning: %s: SASL LOGIN"
		    " authentication failed: UGFzc3dvcmQ6", cl);
	} else if (r < 88) {
		new_qid(qid);
		add(m, "postfix/qmgr", E_EXPIRED, -1, 0, "%s: from=<old%d@corp.example>, status=expired,"
		    " returned to sender", qid, r);
		add(m, "postfix/qmgr", E_NONE, -1, 0, "%s: removed", qid);
	} else if (r < 94) {
		add(m, "postfix/anvil", E_NONE, -1, 0, "statistics: max connection rate 3/60s for"
		    " (smtp:%s) at Nov  2 10:00:00", ip);
	} else {
		add(m, "postfix/smtpd", E_NONE, -1, 0, "warning: hostname %s does not resolve to address %s",
		    cl, ip);
	}
}

static void
build(struct msg *m)
{
	int r = rnd(100);

	m->n = m->next = 0;
	m->relay_day = -1;
	m->deferred = 0;
	if (r < 35)
		build_submission(m);
	else if (r < 65)
		build_inbound(m, 0);
	else if (r < 75)
		build_inbound(m, 1);
	else if (r < 80)
		build_pickup(m);
	else
		build_other(m);
}

/* civil days from 1970-01-01 and back, for dates and weekdays */
static int32_t
days_from_civil(int y, int mo, int d)
{
	int era, yoe, doy, doe;

	y -= mo <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int32_t z, int *y, int *mo, int *d)
{
	int era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*mo = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*mo <= 2);
}

/* Relative traffic of an hour: nights low, office hours high, weekends a third. */
static double
weight(int32_t day, int hour)
{
	static const double curve[24] = { .2, .15, .1, .1, .1, .2, .4, .8, 1.4, 1.8, 1.9, 1.9,
		1.6, 1.8, 1.9, 1.8, 1.6, 1.2, .9, .7, .6, .5, .4, .3 };
	int wd = (int)((day % 7 + 7 + 3) % 7); /* 0 Monday */

	return curve[hour] * (wd >= 5 ? 0.3 : 1.0);
}

static void
count(struct msg *m, const struct line *l, int day)
{
	int64_t *c = counts[day];

	switch (l->effect) {
	case E_RECEIVED:
		c[RECEIVED]++;
		c[BYTES_RECEIVED] += l->size;
		break;
	case E_SENT_LOCAL:
		c[DELIVERED]++;
		c[BYTES_DELIVERED] += l->size;
		break;
	case E_SENT_RELAY:
		c[DELIVERED]++;
		c[RELAYED]++;
		c[BYTES_DELIVERED] += l->size;
		if (l->account >= 0) {
			acct_relayed[(size_t)l->account * 400 + (size_t)day]++;
			if (m->relay_day != day) {
				acct_msgs[(size_t)l->account * 400 + (size_t)day]++;
				m->relay_day = day;
			}
		}
		break;
	case E_DEFERRAL:
		c[DEFERRALS]++;
		if (!m->deferred) {
			c[DEFERRED]++;
			m->deferred = 1;
		}
		break;
	case E_BOUNCE: c[BOUNCED]++; break;
	case E_EXPIRED: c[EXPIRED]++; break;
	case E_REJECT: c[REJECTED]++; break;
	case E_AUTH_FAILED: c[AUTH_FAILED]++; break;
	case E_NOTIFICATION: c[NOTIFICATIONS]++; break;
	case E_NONE: break;
	}
}

static void
write_expect(const char *path, int32_t first_day, int ndays)
{
	FILE *f = fopen(path, "w");
	int d, k, y, mo, dd, a, firstd = 1, firsta;

	if (f == NULL) {
		perror(path);
		exit(1);
	}
	fprintf(f, "{\"days\": {");
	for (d = 0; d < ndays; d++) {
		civil_from_days(first_day + d, &y, &mo, &dd);
		fprintf(f, "%s\n  \"%04d-%02d-%02d\": {", firstd ? "" : ",", y, mo, dd);
		for (k = 0; k < NCOUNTERS; k++)
			fprintf(f, "%s\"%s\": %lld", k ? ", " : "", counter_names[k], (long long)counts[d][k]);
		fprintf(f, "}");
		firstd = 0;
	}
	fprintf(f, "},\n\"accounts\": {");
	firstd = 1;
	for (d = 0; d < ndays; d++) {
		civil_from_days(first_day + d, &y, &mo, &dd);
		fprintf(f, "%s\n  \"%04d-%02d-%02d\": {", firstd ? "" : ",", y, mo, dd);
		firstd = 0;
		firsta = 1;
		for (a = 0; a < naccounts + LOCAL_USERS; a++) {
			int32_t r = acct_relayed[(size_t)a * 400 + (size_t)d];
			if (r == 0)
				continue;
			if (a < naccounts)
				fprintf(f, "%s\n    \"user%d@corp.example\"", firsta ? "" : ",", a);
			else
				fprintf(f, "%s\n    \"cron%d@mail.example\"", firsta ? "" : ",", a - naccounts);
			fprintf(f, ": {\"relayed\": %d, \"relayed_messages\": %d}", r,
			    acct_msgs[(size_t)a * 400 + (size_t)d]);
			firsta = 0;
		}
		fprintf(f, "}");
	}
	fprintf(f, "}}\n");
	fclose(f);
}

int
main(int argc, char **argv)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	static struct msg pool[POOL];
	static char out[1 << 20];
	const char *expect = NULL;
	long long target = 1000000, lines = 0;
	int32_t first_day, day;
	double total_w = 0, per_line;
	int i, hour, y, mo, d, used = 0, ndays;
	int64_t t, t_end;
	double tf;
	size_t o = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) rng = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--lines") == 0 && i + 1 < argc) target = atoll(argv[++i]);
		else if (strcmp(argv[i], "--days") == 0 && i + 1 < argc) days = atoi(argv[++i]);
		else if (strcmp(argv[i], "--accounts") == 0 && i + 1 < argc) naccounts = atoi(argv[++i]);
		else if (strcmp(argv[i], "--start") == 0 && i + 1 < argc)
			sscanf(argv[++i], "%d-%d-%d", &start_y, &start_m, &start_d);
		else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) rfc3339 = strcmp(argv[++i], "rfc3339") == 0;
		else if (strcmp(argv[i], "--expect") == 0 && i + 1 < argc) expect = argv[++i];
		else {
			fprintf(stderr, "usage: genlog --seed N --lines N [--days D] [--accounts A]"
			    " [--start YYYY-MM-DD] [--format bsd|rfc3339] [--expect FILE]\n");
			return 2;
		}
	}
	if (days < 1 || days > 360 || naccounts < 1 || target < 1) {
		fprintf(stderr, "genlog: bad arguments\n");
		return 2;
	}
	acct_relayed = calloc((size_t)(naccounts + LOCAL_USERS) * 400, sizeof(int32_t));
	acct_msgs = calloc((size_t)(naccounts + LOCAL_USERS) * 400, sizeof(int32_t));
	first_day = days_from_civil(start_y, start_m, start_d);
	for (day = first_day; day < first_day + days; day++)
		for (hour = 0; hour < 24; hour++)
			total_w += weight(day, hour);
	/* seconds of log time per line, scaled by the hour's weight below */
	per_line = total_w * 3600.0 / (double)target;
	t = (int64_t)first_day * 86400;
	tf = (double)t;
	t_end = (int64_t)(first_day + days) * 86400;
	while (lines < target || used > 0) {
		struct msg *m;
		struct line *l;
		int k, frac;
		int32_t lday;
		char stamp[48];

		/* keep the pool full while lines are wanted, then drain it */
		while (used < POOL && lines < target)
			build(&pool[used++]);
		k = rnd(used);
		m = &pool[k];
		l = &m->lines[m->next++];
		day = (int32_t)(t / 86400);
		hour = (int)(t % 86400 / 3600);
		/* log time advances by the hour's weight; fractions accumulate */
		tf += per_line / weight(day, hour) * (0.5 + (double)rnd(1000) / 1000.0);
		t = (int64_t)tf;
		if (t >= t_end)
			t = t_end - 1;
		lday = (int32_t)(t / 86400);
		civil_from_days(lday, &y, &mo, &d);
		frac = rnd(1000000);
		if (rfc3339)
			snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%06d+01:00", y, mo, d,
			    (int)(t % 86400 / 3600), (int)(t % 3600 / 60), (int)(t % 60), frac);
		else
			snprintf(stamp, sizeof(stamp), "%.3s %2d %02d:%02d:%02d", months + 3 * (mo - 1), d,
			    (int)(t % 86400 / 3600), (int)(t % 3600 / 60), (int)(t % 60));
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s mx1 %s[%d]: %s\n", stamp, l->prog,
		    1000 + (int)(strlen(l->prog) * 37 % 9000), l->text);
		count(m, l, (int)(lday - first_day));
		lines++;
		if (o > sizeof(out) - 2 * LINE_MAX_LEN) {
			fwrite(out, 1, o, stdout);
			o = 0;
		}
		if (m->next == m->n)
			pool[k] = pool[--used];
	}
	fwrite(out, 1, o, stdout);
	ndays = (int)(t / 86400 - first_day) + 1;
	if (expect != NULL)
		write_expect(expect, first_day, ndays);
	fprintf(stderr, "genlog: %lld lines, %d days from %04d-%02d-%02d, local domains corp.example"
	    " mail.example, content filter 127.0.0.1:10024\n", lines, ndays, start_y, start_m, start_d);
	return 0;
}
