/*
 * genlog: a seeded generator of realistic Postfix logs for benchmarks, and
 * the true counts of what it wrote (--expect), kept while writing, by the
 * definitions of docs/counting.md, never by reading the output back.
 *
 *   genlog --seed N --lines N [--days 15] [--accounts 10000]
 *          [--start 2026-11-02] [--format bsd|rfc3339] [--expect FILE.json]
 *          [--discard PER10000]
 *   genlog --mta exim [--format mainlog|syslog] [--selector default|all] ...
 *   genlog --mta icewarp --out DIR [--format modern|old] [--pad] [--server-id N]
 *          [--split-bytes N] ...
 *
 * Local domains: corp.example and mail.example; content filter
 * 127.0.0.1:10024 re-injecting on 127.0.0.1:10025 (bench/mtastat.conf says
 * the same to mtastat).  Standalone C99, libc only.  See bench/README.md.
 *
 * Design: every SMTP session, queued message (with its content-filter copy,
 * forwarded copy and notifications) or burst of noise is a "story": a list
 * of timed steps built at once when the story starts.  Stories start on an
 * arrival clock that follows a weekday pattern and a daily curve; a heap
 * merges the steps of all stories in flight, so lines come out in time
 * order and interleaved.  Each line is formatted by hand straight into a
 * large output buffer, and its effect on the counters is applied as it is
 * written, on the day written in the line.  The traffic (and the random
 * numbers drawn) do not depend on --format, so BSD and RFC 3339 logs of the
 * same seed describe the same mail.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int64_t usec_t;
#define SEC 1000000LL
#define MSEC 1000LL
#define DAY_US (86400LL * SEC)

/* ---------------------------------------------------------------- random */

static uint64_t rng;

static uint64_t
next_rand(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [0, n) */
static uint32_t
rnd(uint32_t n)
{
	return (uint32_t)(((next_rand() >> 32) * (uint64_t)n) >> 32);
}

/* true with probability per10k / 10000 */
static int
chance(uint32_t per10k)
{
	return rnd(10000) < per10k;
}

/* uniform milliseconds in [a, b], as microseconds with a random fraction */
static usec_t
ms(uint32_t a, uint32_t b)
{
	return (usec_t)a * MSEC + (usec_t)rnd((b - a) * 1000 + 1);
}

/* ------------------------------------------------------------ formatting */

static char *
p_mem(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

/* lit must be a string literal or a char array, never a pointer */
#define L(p, lit) p_mem((p), (lit), sizeof(lit) - 1)

static char *
p_str(char *p, const char *s)
{
	return p_mem(p, s, strlen(s));
}

static char *
p_u(char *p, uint64_t v)
{
	char tmp[24];
	int i = 24;

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return p_mem(p, tmp + i, (size_t)(24 - i));
}

static char *
p_2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

static const char hexd[] = "0123456789ABCDEF";
static const char hexl[] = "0123456789abcdef";

static char *
p_hex(char *p, uint64_t v, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--) {
		p[i] = hexd[v & 15];
		v >>= 4;
	}
	return p + width;
}

/* lower-case hex without leading zeros (IPv6 groups) */
static char *
p_hexg(char *p, unsigned v)
{
	char tmp[8];
	int i = 8;

	do {
		tmp[--i] = hexl[v & 15];
		v >>= 4;
	} while (v != 0);
	return p_mem(p, tmp + i, (size_t)(8 - i));
}

static char *
p_ipv4(char *p, uint32_t ip)
{
	p = p_u(p, ip >> 24);
	*p++ = '.';
	p = p_u(p, (ip >> 16) & 255);
	*p++ = '.';
	p = p_u(p, (ip >> 8) & 255);
	*p++ = '.';
	return p_u(p, ip & 255);
}

/* Postfix's delay notation: 27, 1.1, 0.29, 0.1, 0 */
static char *
p_delay(char *p, usec_t d)
{
	if (d < 0)
		d = 0;
	if (d >= 10 * SEC)
		return p_u(p, (uint64_t)(d / SEC));
	if (d >= SEC) {
		unsigned tenths = (unsigned)(d / 100000 % 10);
		p = p_u(p, (uint64_t)(d / SEC));
		if (tenths != 0) {
			*p++ = '.';
			*p++ = (char)('0' + tenths);
		}
		return p;
	}
	{
		unsigned cs = (unsigned)(d / 10000);
		if (cs == 0)
			return L(p, "0");
		p = L(p, "0.");
		*p++ = (char)('0' + cs / 10);
		if (cs % 10 != 0)
			*p++ = (char)('0' + cs % 10);
		return p;
	}
}

/* ------------------------------------------------------------------ data */

static const char *const words[] = { "acme", "globex", "initech", "umbrella", "hooli",
	"vandelay", "wayne", "stark", "tyrell", "cyberdyne", "soylent", "wonka", "oscorp",
	"gringotts", "duff", "monarch" };
static const char *const tlds[] = { "example", "test", "example", "example" };
static const char *const ext_locals[] = { "info", "news", "noreply", "billing", "support",
	"team", "hello", "orders", "alerts", "jobs", "office", "sales" };
static const char *const local_users[] = { "root", "www-data", "backup", "nagios",
	"jenkins", "alice", "bob", "carol", "deploy", "postgres", "git", "monitor" };
#define NLOCALUSERS 12
static const char *const months = "JanFebMarAprMayJunJulAugSepOctNovDec";
static const char tls_cipher[] = "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)"
    " key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256";

/* ----------------------------------------------------------------- story */

/* the queue ids of a story: the message, its filter copy, notifications, a forwarded copy */
enum { Q_MAIN, Q_CHILD, Q_NDR, Q_DELAY, Q_EXP, Q_FWD, NQ };
#define IS_NOTICE(q) ((q) == Q_NDR || (q) == Q_DELAY || (q) == Q_EXP)
enum agent { A_SMTP, A_LMTP, A_LOCAL, A_VIRTUAL };
enum fate { F_SENT, F_DEFER_SENT, F_BOUNCE, F_EXPIRE, F_HANDOFF, F_DISCARD, F_FORWARD };
enum kind { K_INBOUND, K_SUBMISSION, K_PICKUP, K_REJECT, K_PSREJECT, K_PSONLY, K_AUTHFAIL,
	K_ABORT, K_MILTER, K_NOISE };
enum instance { I_SMTPD, I_SUBMISSION };
enum deferkind { D_TIMEOUT, D_GREYLIST, D_SUSPENDED, D_QUOTA };

enum op {
	OP_PS_CONNECT, OP_PS_PASS, OP_PS_DNSBL, OP_PS_PREGREET, OP_PS_REJECT, OP_PS_HANGUP,
	OP_PS_DISCONNECT, OP_CONNECT, OP_TLS_IN, OP_CLIENT, OP_FCONNECT, OP_FDISCONNECT,
	OP_MSGID, OP_QMGR, OP_DISCONNECT, OP_LOST, OP_RCPT_REJECT, OP_NOQ_REJECT,
	OP_MILTER_REJECT, OP_AUTH_FAIL, OP_PICKUP, OP_SENT, OP_FORWARDED, OP_DEFER,
	OP_BOUNCED, OP_HANDOFF, OP_DISCARD, OP_SMTP_TLS, OP_REMOVED, OP_EXPIRED, OP_NOTIFY,
	OP_NOISE
};

struct rcpt {
	char addr[64];
	char orig[48];          /* orig_to, "" when none */
	char relay[88];         /* relay= value */
	char host[72];          /* remote host[ip] for reply texts */
	uint8_t alen, olen, rlen, hlen;
	uint8_t agent, q, fate, ndef, dkind, relayed;
};

#define MAXR 20

struct step {
	usec_t t;
	uint8_t op, q, r, x;
};

struct story {
	struct step *st;
	uint32_t n, cap, next, seq;
	uint8_t kind, inst, nr, sasl_method, sender_local;
	char qid[NQ][16];
	uint8_t qlen[NQ];
	uint64_t size[NQ];
	usec_t arr[NQ], qm[NQ];
	uint8_t nrcpt[NQ], deferred[NQ], received;
	uint8_t ps_broken;  /* postscreen counted this session as broken (once per session) */
	int32_t relay_day[NQ];
	uint64_t acct;          /* account key, 0: none */
	uint32_t sasl_user, smtpd_pid, filter_pid, uid, cport;
	char client[96], ip[48], sender[72], helo[56], pick[16];
	uint8_t clen, iplen, slen, hlen;
	struct rcpt r[MAXR];
};

/* ------------------------------------------------------------- globals */

static int ndays_opt = 15, naccounts = 10000, rfc3339;
static uint32_t discard_per10k = 0;
static int start_y = 2026, start_m = 11, start_d = 2;
static int32_t first_day;
static usec_t t_end;
static uint64_t qid_counter = 0x2a51;
static uint32_t pid_counter = 2000;

/* ------------------------------------------------------------ counters */

enum { RECEIVED, DELIVERED, RELAYED, DEFERRED, DEFERRALS, BOUNCED, EXPIRED, REJECTED,
	AUTH_FAILED, NOTIFICATIONS, BYTES_RECEIVED, BYTES_DELIVERED, NCOUNTERS };
static const char *const counter_names[NCOUNTERS] = { "received", "delivered", "relayed",
	"deferred", "deferrals", "bounced", "expired", "rejected", "auth_failed", "notifications",
	"bytes_received", "bytes_delivered" };
#define MAXDAYS 400
static int64_t counts[MAXDAYS][NCOUNTERS];
/*
 * Postfix's per-day diagnostics (issue 14, docs/counting.md): broken
 * sessions by cause and milter verdicts, as mtastat names them.
 */
enum { PX_LOST_DATA, PX_LOST_EHLO, PX_TIMEOUT_CONNECT, PX_LOST_AUTH, PX_NO_MAIL, PX_NO_RCPT,
	PX_NO_DATA, PX_PREGREET, PX_DNSBL, PX_MILTER_REJECT, NPX };
static const char *const px_names[NPX] = { "sessions_incomplete_lost_after_data",
	"sessions_incomplete_lost_after_ehlo", "sessions_incomplete_timeout_after_connect",
	"sessions_incomplete_lost_after_auth", "sessions_incomplete_no_mail",
	"sessions_incomplete_no_rcpt", "sessions_incomplete_no_data",
	"sessions_incomplete_pregreet", "sessions_incomplete_dnsbl", "antispam_milter_reject" };
static int64_t pxcounts[MAXDAYS][NPX];

/* accounts per day: open addressing on (account key << 9 | day) */
struct acct_ent {
	uint64_t key;
	uint32_t relayed, msgs;
};
static struct acct_ent *acct_tab;
static size_t acct_cap, acct_used;

static struct acct_ent *
acct_slot(uint64_t key)
{
	size_t i;

	if (2 * (acct_used + 1) > acct_cap) {
		struct acct_ent *old = acct_tab;
		size_t oldcap = acct_cap, j;
		acct_cap = acct_cap ? acct_cap * 2 : 65536;
		acct_tab = calloc(acct_cap, sizeof(*acct_tab));
		if (acct_tab == NULL) {
			perror("genlog");
			exit(1);
		}
		for (j = 0; j < oldcap; j++) {
			if (old[j].key == 0)
				continue;
			i = (size_t)((old[j].key * 0x9e3779b97f4a7c15ULL) >> 20) & (acct_cap - 1);
			while (acct_tab[i].key != 0)
				i = (i + 1) & (acct_cap - 1);
			acct_tab[i] = old[j];
		}
		free(old);
	}
	i = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 20) & (acct_cap - 1);
	while (acct_tab[i].key != 0 && acct_tab[i].key != key)
		i = (i + 1) & (acct_cap - 1);
	if (acct_tab[i].key == 0) {
		acct_tab[i].key = key;
		acct_used++;
	}
	return &acct_tab[i];
}

/*
 * Account keys: the kind above bit AK_SHIFT.  1: SASL user N; 2: local user
 * N at mail.example (pickup); 3: external sender (local part, word, tld,
 * number).  Distinct keys always give distinct names.
 */
#define AK_SASL 1ULL
#define AK_LOCAL 2ULL
#define AK_EXT 3ULL
#define AK_SHIFT 44

static char *
p_account(char *p, uint64_t key)
{
	uint64_t v = key & ((1ULL << AK_SHIFT) - 1);

	switch (key >> AK_SHIFT) {
	case AK_SASL:
		p = L(p, "user");
		p = p_u(p, v);
		return L(p, "@corp.example");
	case AK_LOCAL:
		p = p_str(p, local_users[v]);
		return L(p, "@mail.example");
	default:
		p = p_str(p, ext_locals[v >> 32]);
		*p++ = '@';
		p = p_str(p, words[(v >> 24) & 15]);
		p = p_u(p, v & 0xfffff);
		return (v >> 20) & 1 ? L(p, ".test") : L(p, ".example");
	}
}

/* ------------------------------------------------------------ processes */

struct pidpool {
	uint32_t pid[32];
	int n;
};
static struct pidpool pp_cleanup, pp_smtp, pp_lmtp, pp_local, pp_virtual, pp_bounce,
    pp_error, pp_smtpd, pp_sub, pp_filter;
static uint32_t pid_qmgr, pid_pickup, pid_anvil, pid_scache, pid_postscreen;

static uint32_t
new_pid(void)
{
	pid_counter += 1 + rnd(40);
	if (pid_counter > 4000000)
		pid_counter = 300 + rnd(1000);
	return pid_counter;
}

static void
pool_init(struct pidpool *pp, int n)
{
	int i;

	pp->n = n;
	for (i = 0; i < n; i++)
		pp->pid[i] = new_pid();
}

/* a process of the pool; now and then one exits (max_use) and a new one forks */
static uint32_t
pool_pid(struct pidpool *pp)
{
	uint32_t i = rnd((uint32_t)pp->n);

	if (rnd(128) == 0)
		pp->pid[i] = new_pid();
	return pp->pid[i];
}

/* --------------------------------------------------------- queue ids */

/* digits and consonants, 51 characters: 'z' is the separator */
static const char qalpha[] = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxy";

/*
 * Short ids: 10 or 11 upper-case hex digits, a bijection of a counter (unique
 * for 2^40 messages).  Long ids: 15 characters, the enqueue time in base 51
 * (6 digits of seconds, 4 of microseconds), 'z', then the counter in base 51
 * (the "inode").
 */
static void
make_qid(struct story *s, int q, usec_t t)
{
	char *o = s->qid[q];
	uint64_t c = qid_counter++;

	if ((c * 0x9E3779B97F4A7C15ULL) >> 62 != 0) {
		int wide = (c & 7) == 3;
		uint64_t mask = wide ? 0xFFFFFFFFFFFULL : 0xFFFFFFFFFFULL;
		uint64_t v = c & mask;
		v = (v * 0x5DEECE66DULL) & mask;         /* odd multiplier: bijective */
		v ^= v >> 17;                             /* xorshift: bijective */
		v = (v * 0x2545F491ULL) & mask;
		p_hex(o, v, wide ? 11 : 10);
		s->qlen[q] = (uint8_t)(wide ? 11 : 10);
	} else {
		uint64_t secs = (uint64_t)(t / SEC), us = (uint64_t)(t % SEC);
		int i;
		for (i = 5; i >= 0; i--) {
			o[i] = qalpha[secs % 51];
			secs /= 51;
		}
		for (i = 9; i >= 6; i--) {
			o[i] = qalpha[us % 51];
			us /= 51;
		}
		o[10] = 'z';
		for (i = 14; i >= 11; i--) {
			o[i] = qalpha[c % 51];
			c /= 51;
		}
		s->qlen[q] = 15;
	}
	o[s->qlen[q]] = '\0';
}

/* ------------------------------------------------------------ building */

static uint64_t steps_committed;

static void
add(struct story *s, usec_t t, int op, int q, int r, int x)
{
	struct step *st;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->st = realloc(s->st, s->cap * sizeof(*s->st));
		if (s->st == NULL) {
			perror("genlog");
			exit(1);
		}
	}
	st = &s->st[s->n++];
	st->t = t;
	st->op = (uint8_t)op;
	st->q = (uint8_t)q;
	st->r = (uint8_t)r;
	st->x = (uint8_t)x;
}

static uint32_t
rand_ipv4(void)
{
	uint32_t a;

	do
		a = 11 + rnd(212);
	while (a == 127 || a == 10 || a == 100 || a == 172 || a == 192 || a == 169);
	return a << 24 | rnd(1u << 24);
}

/* host[ip] and ip of a client: MTAs (mostly named) or users (mostly dynamic) */
static void
make_client(struct story *s, int user)
{
	char *p = s->client, *ip = s->ip, *q;
	uint32_t w = rnd(16), n = rnd(4000);

	s->cport = 1024 + rnd(64000);
	if (rnd(100) < (user ? 25 : 18)) {
		/* IPv6 */
		q = L(ip, "2001:db8:");
		q = p_hexg(q, rnd(65536));
		*q++ = ':';
		q = p_hexg(q, rnd(65536));
		q = L(q, "::");
		q = p_hexg(q, 1 + rnd(4095));
		s->iplen = (uint8_t)(q - ip);
		if (user || rnd(10) == 0) {
			p = L(p, "unknown");
		} else {
			p = L(p, "mail");
			p = p_u(p, rnd(9));
			*p++ = '.';
			p = p_str(p, words[w]);
			p = p_u(p, n);
			*p++ = '.';
			p = p_str(p, tlds[n & 3]);
		}
	} else {
		uint32_t a = rand_ipv4();
		q = p_ipv4(ip, a);
		s->iplen = (uint8_t)(q - ip);
		if (user) {
			if (rnd(3) == 0) {
				p = L(p, "unknown");
			} else {
				p = L(p, "p");
				p = p_hex(p, a, 8);
				p = L(p, ".dip0.isp");
				p = p_u(p, rnd(40));
				p = L(p, ".example");
			}
		} else if (rnd(8) == 0) {
			p = L(p, "unknown");
		} else if (rnd(4) == 0) {
			p = L(p, "mail-");
			p = p_hex(p, a, 8);
			p = L(p, ".outbound.protection.example");
		} else {
			p = rnd(2) ? L(p, "mail") : L(p, "mx");
			p = p_u(p, rnd(9));
			*p++ = '.';
			p = p_str(p, words[w]);
			p = p_u(p, n);
			*p++ = '.';
			p = p_str(p, tlds[n & 3]);
		}
	}
	*p++ = '[';
	p = p_mem(p, ip, s->iplen);
	*p++ = ']';
	s->clen = (uint8_t)(p - s->client);
	ip[s->iplen] = '\0';
	/* helo */
	p = s->helo;
	if (user)
		p = L(p, "[127.0.0.1]");
	else if (s->client[0] == 'u')
		p = L(p, "localhost");
	else
		p = p_mem(p, s->client, (size_t)((const char *)memchr(s->client, '[', s->clen) - s->client));
	s->hlen = (uint8_t)(p - s->helo);
}

static uint64_t
ext_sender_key(void)
{
	return AK_EXT << AK_SHIFT | (uint64_t)rnd(12) << 32 | (uint64_t)rnd(16) << 24 |
	    (uint64_t)rnd(2) << 20 | rnd(20000);
}

static void
set_sender(struct story *s, uint64_t key)
{
	char *p = p_account(s->sender, key);

	s->slen = (uint8_t)(p - s->sender);
}

static uint64_t
pick_size(void)
{
	uint32_t r = rnd(100);

	if (r < 70)
		return 1500 + rnd(48000);
	if (r < 95)
		return 50000 + rnd(2000000);
	return 2000000 + rnd(23000000);
}

static struct rcpt *
new_rcpt(struct story *s, int q)
{
	struct rcpt *r = &s->r[s->nr++];

	r->olen = 0;
	r->orig[0] = '\0';
	r->q = (uint8_t)q;
	r->fate = F_SENT;
	r->ndef = 0;
	r->dkind = D_TIMEOUT;
	r->hlen = 0;
	s->nrcpt[q]++;
	return r;
}

static void
set_addr(struct rcpt *r, const char *lp, uint32_t num, int hasnum, const char *dom, uint32_t dnum,
    int hasdnum, const char *tld)
{
	char *p = p_str(r->addr, lp);

	if (hasnum)
		p = p_u(p, num);
	*p++ = '@';
	p = p_str(p, dom);
	if (hasdnum)
		p = p_u(p, dnum);
	if (tld != NULL) {
		*p++ = '.';
		p = p_str(p, tld);
	}
	r->alen = (uint8_t)(p - r->addr);
	r->addr[r->alen] = '\0';
}

static void
set_relay_str(struct rcpt *r, const char *s)
{
	size_t n = strlen(s);

	memcpy(r->relay, s, n);
	r->rlen = (uint8_t)n;
}

/* an external recipient delivered by smtp to the MX of its domain */
static void
ext_rcpt(struct rcpt *r)
{
	char *p, *h;
	uint32_t w = rnd(16), n = rnd(3000), t = rnd(4);
	uint32_t ip = rand_ipv4();

	if (rnd(100) < 30) {
		set_addr(r, rnd(2) ? "j.doe" : "contact", rnd(200000), 1, "bigmail", 0, 0, "example");
		h = r->host;
		h = L(h, "mx");
		h = p_u(h, 1 + rnd(4));
		h = L(h, ".bigmail.example[");
	} else {
		set_addr(r, ext_locals[rnd(12)], rnd(50), 1, words[w], n, 1, tlds[t]);
		h = r->host;
		h = L(h, "mx");
		h = p_u(h, rnd(3));
		*h++ = '.';
		h = p_str(h, words[w]);
		h = p_u(h, n);
		*h++ = '.';
		h = p_str(h, tlds[t]);
		*h++ = '[';
	}
	h = p_ipv4(h, ip);
	*h++ = ']';
	r->hlen = (uint8_t)(h - r->host);
	p = p_mem(r->relay, r->host, r->hlen);
	p = L(p, ":25");
	r->rlen = (uint8_t)(p - r->relay);
	r->agent = A_SMTP;
	r->relayed = 1;
}

/* a recipient of ours: corp.example in dovecot over lmtp, mail.example virtual/local/exchange */
static void
local_rcpt(struct rcpt *r, int allow_exchange)
{
	uint32_t k = rnd(100);

	r->relayed = 0;
	if (k < 55) {
		set_addr(r, "user", rnd((uint32_t)naccounts), 1, "corp.example", 0, 0, NULL);
		r->agent = A_LMTP;
		set_relay_str(r, "mail.corp.example[private/dovecot-lmtp]");
		memcpy(r->host, r->relay, r->rlen);
		r->hlen = r->rlen;
	} else if (k < 82) {
		set_addr(r, "staff", rnd(3000), 1, "mail.example", 0, 0, NULL);
		r->agent = A_VIRTUAL;
		set_relay_str(r, "virtual");
	} else if (k < 90 || !allow_exchange) {
		set_addr(r, rnd(3) ? "postmaster" : "abuse", 0, 0, "mail.example", 0, 0, NULL);
		r->agent = A_LOCAL;
		set_relay_str(r, "local");
	} else {
		/* hosted on an internal server: delivered by smtp, still not relayed */
		set_addr(r, "staff", rnd(3000), 1, "mail.example", 0, 0, NULL);
		r->agent = A_SMTP;
		set_relay_str(r, "exchange.mail.example[10.20.0.25]:25");
		memcpy(r->host, "exchange.mail.example[10.20.0.25]", 33);
		r->hlen = 33;
	}
}

/* do ndef deferrals (with the longest backoff) end before the run does? */
static int
deferral_fits(usec_t t, int ndef)
{
	usec_t need = 0, b = 300 * SEC;
	int i;

	for (i = 0; i < ndef; i++) {
		need += b + 300 * SEC;
		b = b * 2 > 4000 * SEC ? 4000 * SEC : b * 2;
	}
	return t + need + 120 * SEC < t_end;
}

#define LIFETIME (5 * DAY_US)
#define DELAY_WARNING (4 * 3600 * SEC)

/* fates of an external recipient; t: about when its first attempt will be */
static void
ext_fate(struct rcpt *r, usec_t t, int can_bounce)
{
	uint32_t k = rnd(10000);

	if (k < 420) {
		r->fate = F_DEFER_SENT;
		r->ndef = (uint8_t)(1 + (rnd(4) == 0 ? rnd(6) : rnd(2)));
		r->dkind = (uint8_t)(rnd(3) == 0 ? D_GREYLIST : rnd(3) == 0 ? D_SUSPENDED : D_TIMEOUT);
		if (r->dkind == D_GREYLIST)
			r->ndef = 1;
		while (r->ndef > 0 && !deferral_fits(t, r->ndef))
			r->ndef--;
		if (r->ndef == 0)
			r->fate = F_SENT;
	} else if (k < 680 && can_bounce) {
		r->fate = F_BOUNCE;
	} else if (k < 720 && can_bounce && t + LIFETIME + 3 * 3600 * SEC < t_end) {
		r->fate = F_EXPIRE;
		r->dkind = (uint8_t)(rnd(2) ? D_TIMEOUT : D_SUSPENDED);
	}
}

/* The notification (bounce or delay) for message pq, as message nq, to the sender. */
static void
notification(struct story *s, int nq, int pq, int delay, usec_t t)
{
	struct rcpt *r;
	int ri = s->nr;
	char *p;

	make_qid(s, nq, t);
	s->size[nq] = 2500 + rnd(3000) + (delay ? 0 : (s->size[pq] > 60000 ? 60000 : s->size[pq]));
	s->arr[nq] = t;
	r = new_rcpt(s, nq);
	memcpy(r->addr, s->sender, s->slen);
	r->alen = s->slen;
	r->addr[r->alen] = '\0';
	if (s->sender_local) {
		if (memcmp(s->sender + s->slen - 12, "corp.example", 12) == 0) {
			r->agent = A_LMTP;
			set_relay_str(r, "mail.corp.example[private/dovecot-lmtp]");
		} else {
			r->agent = A_VIRTUAL;
			set_relay_str(r, "virtual");
		}
		r->relayed = 0;
	} else {
		/* to an external sender: by smtp to its domain's MX */
		const char *at = memchr(s->sender, '@', s->slen);
		p = r->host;
		p = L(p, "mx.");
		p = p_mem(p, at + 1, (size_t)(s->sender + s->slen - at - 1));
		*p++ = '[';
		p = p_ipv4(p, rand_ipv4());
		*p++ = ']';
		r->hlen = (uint8_t)(p - r->host);
		p = p_mem(r->relay, r->host, r->hlen);
		p = L(p, ":25");
		r->rlen = (uint8_t)(p - r->relay);
		r->agent = A_SMTP;
		r->relayed = 1;
	}
	add(s, t, OP_MSGID, nq, 0, 0);
	t += ms(0, 3);
	add(s, t, OP_NOTIFY, nq, 0, pq | delay << 4);
	t += ms(1, 15);
	add(s, t, OP_QMGR, nq, 0, 0);
	s->qm[nq] = t;
	t += ms(5, 400);
	add(s, t, OP_SENT, nq, ri, 0);
	add(s, t + ms(0, 3), OP_REMOVED, nq, 0, 0);
}

/*
 * The delivery attempts of message q, first at t: deferrals retried with
 * Postfix's backoff (300 s doubling to 4000 s, plus the queue run delay),
 * each retry announced by qmgr moving the message back to the active queue;
 * a notification after a pass with bounces, a delay notice after 4 hours,
 * expiry after the queue lifetime.  Returns the time of "removed".
 */
static usec_t
attempts(struct story *s, int q, usec_t t)
{
	usec_t backoff = 300 * SEC, tmax = t, ti;
	int pass, i, pending, bounced;
	uint8_t done[MAXR] = { 0 };
	int delay_sent = 0;

	for (pass = 0;; pass++) {
		if (pass > 0) {
			t = tmax + backoff + (usec_t)rnd(300) * SEC + ms(0, 999);
			backoff = backoff * 2 > 4000 * SEC ? 4000 * SEC : backoff * 2;
			for (i = 0; i < s->nr; i++)
				if (s->r[i].q == q && !done[i] && s->r[i].fate == F_EXPIRE &&
				    t - s->arr[q] >= LIFETIME) {
					add(s, t, OP_EXPIRED, q, 0, 0);
					notification(s, Q_EXP, q, 0, t + ms(1, 40));
					return t + ms(60, 120);
				}
			add(s, t, OP_QMGR, q, 0, 0);
			t += ms(2, 300);
		}
		pending = bounced = 0;
		tmax = t;
		for (i = 0; i < s->nr; i++) {
			struct rcpt *r = &s->r[i];
			if (r->q != q || done[i])
				continue;
			ti = t + (r->agent == A_SMTP ? ms(80, 2500) : ms(5, 400));
			if (ti > tmax)
				tmax = ti;
			switch (r->fate) {
			case F_SENT:
				if (r->agent == A_SMTP && r->relayed && rnd(3) != 0)
					add(s, ti - ms(1, 60), OP_SMTP_TLS, q, i, rnd(3));
				add(s, ti, OP_SENT, q, i, 0);
				done[i] = 1;
				break;
			case F_DEFER_SENT:
				if (pass < r->ndef) {
					add(s, ti, OP_DEFER, q, i, r->dkind);
					pending++;
				} else {
					add(s, ti, OP_SENT, q, i, 0);
					done[i] = 1;
				}
				break;
			case F_EXPIRE:
				add(s, ti, OP_DEFER, q, i, r->dkind);
				pending++;
				break;
			case F_BOUNCE:
				add(s, ti, OP_BOUNCED, q, i, 0);
				done[i] = 1;
				bounced = 1;
				break;
			case F_FORWARD:
				add(s, ti, OP_FORWARDED, q, i, 0);
				done[i] = 1;
				break;
			default:
				done[i] = 1;
				break;
			}
		}
		if (bounced && s->slen > 0) {
			notification(s, Q_NDR, q, 0, tmax + ms(2, 60));
			tmax += ms(100, 500);
		}
		if (pending == 0)
			return tmax + ms(1, 30);
		if (!delay_sent && s->slen > 0 && s->sender_local && tmax - s->arr[q] >= DELAY_WARNING) {
			delay_sent = 1;
			notification(s, Q_DELAY, q, 1, tmax + ms(2, 60));
			tmax += ms(100, 500);
		}
	}
}

/* copy the recipients of q to message cq with the fates chosen for them */
static void
copy_rcpts(struct story *s, int q, int cq)
{
	int i, n = s->nr;

	for (i = 0; i < n; i++) {
		if (s->r[i].q != q)
			continue;
		s->r[s->nr] = s->r[i];
		s->r[s->nr].q = (uint8_t)cq;
		s->r[i].fate = F_HANDOFF;
		s->nr++;
		s->nrcpt[cq]++;
	}
}

/*
 * A content filter: the message goes by smtp to 127.0.0.1:10024, the filter
 * re-injects it on 127.0.0.1:10025 as the child (its qmgr line comes before
 * the hand-off lines), the parent is removed and the child delivered.  With
 * --discard, the filter drops some as spam: no child.
 */
static void
filtered(struct story *s, usec_t t)
{
	usec_t th;
	int i;

	t += ms(5, 60);
	t += ms(150, 2500); /* scanning */
	if (chance(discard_per10k)) {
		for (i = 0; i < s->nr; i++)
			if (s->r[i].q == Q_MAIN) {
				s->r[i].fate = F_DISCARD;
				add(s, t, OP_DISCARD, Q_MAIN, i, 0);
			}
		add(s, t + ms(1, 5), OP_REMOVED, Q_MAIN, 0, 0);
		return;
	}
	copy_rcpts(s, Q_MAIN, Q_CHILD);
	s->filter_pid = pool_pid(&pp_filter);
	make_qid(s, Q_CHILD, t);
	s->size[Q_CHILD] = s->size[Q_MAIN] + 350 + rnd(900);
	s->arr[Q_CHILD] = t;
	add(s, t, OP_FCONNECT, Q_CHILD, 0, 0);
	t += ms(1, 5);
	add(s, t, OP_CLIENT, Q_CHILD, 0, 0);
	t += ms(1, 20);
	add(s, t, OP_MSGID, Q_CHILD, 0, 0);
	t += ms(1, 10);
	add(s, t, OP_QMGR, Q_CHILD, 0, 0);
	s->qm[Q_CHILD] = t;
	add(s, t + ms(1, 8), OP_FDISCONNECT, Q_CHILD, 0, 0);
	th = t + ms(2, 30);
	for (i = 0; i < s->nr; i++)
		if (s->r[i].q == Q_MAIN)
			add(s, th, OP_HANDOFF, Q_MAIN, i, 0);
	add(s, th + ms(1, 5), OP_REMOVED, Q_MAIN, 0, 0);
	add(s, attempts(s, Q_CHILD, th + ms(3, 200)), OP_REMOVED, Q_CHILD, 0, 0);
}

/* local "forwarded as" (a .forward): the copy is a new message, not received */
static void
forward_copy(struct story *s, int ri)
{
	struct rcpt *r;
	usec_t t = 0;
	int i, fi;

	/* the forwarding step is placed by attempts(); the copy follows it */
	for (i = 0; i < (int)s->n; i++)
		if (s->st[i].op == OP_FORWARDED && s->st[i].r == ri)
			t = s->st[i].t;
	t -= ms(0, 2);
	make_qid(s, Q_FWD, t);
	s->size[Q_FWD] = s->size[s->r[ri].q] + 120 + rnd(200);
	s->arr[Q_FWD] = t;
	fi = s->nr;
	r = new_rcpt(s, Q_FWD);
	ext_rcpt(r);
	add(s, t, OP_MSGID, Q_FWD, 0, 0);
	t += ms(1, 10);
	add(s, t + ms(1, 10), OP_QMGR, Q_FWD, 0, 0);
	s->qm[Q_FWD] = t + ms(1, 10);
	t = s->qm[Q_FWD] + ms(100, 2000);
	add(s, t, OP_SENT, Q_FWD, fi, 0);
	add(s, t + ms(0, 3), OP_REMOVED, Q_FWD, 0, 0);
}

static int
rcpt_count(void)
{
	uint32_t k = rnd(100);

	return k < 70 ? 1 : k < 85 ? 2 : k < 93 ? 3 : k < 97 ? 4 : 5 + (int)rnd(2);
}

static void
build_inbound(struct story *s, usec_t t)
{
	int i, nr = rcpt_count(), fwd = -1, filt = rnd(100) < 35;
	usec_t tq;

	s->inst = I_SMTPD;
	make_client(s, 0);
	s->smtpd_pid = pool_pid(&pp_smtpd);
	if (rnd(100) < 8) {
		s->slen = 0;
		s->sender[0] = '\0';
		s->acct = 0;
	} else {
		s->acct = ext_sender_key();
		set_sender(s, s->acct);
	}
	s->sender_local = 0;
	s->size[Q_MAIN] = pick_size();
	add(s, t, OP_PS_CONNECT, 0, 0, 0);
	if (rnd(100) < 12) {
		t += ms(6000, 6500);
		add(s, t, OP_PS_PASS, 0, 0, 1);
	} else {
		t += ms(0, 20);
		add(s, t, OP_PS_PASS, 0, 0, 0);
	}
	t += ms(1, 30);
	add(s, t, OP_CONNECT, 0, 0, 0);
	if (rnd(100) < 65) {
		t += ms(40, 300);
		add(s, t, OP_TLS_IN, 0, 0, 0);
	}
	t += ms(100, 2000);
	make_qid(s, Q_MAIN, t);
	s->arr[Q_MAIN] = t;
	add(s, t, OP_CLIENT, Q_MAIN, 0, 0);
	for (i = 0; i < nr; i++) {
		struct rcpt *r = new_rcpt(s, Q_MAIN);
		uint32_t k = rnd(100);
		if (k < 6 && s->slen > 0) {
			/* virtual alias to an outside address: relayed, account = sender */
			ext_rcpt(r);
			r->olen = (uint8_t)(p_u(L(r->orig, "sales"), rnd(40)) - r->orig);
			memcpy(r->orig + r->olen, "@mail.example", 13);
			r->olen = (uint8_t)(r->olen + 13);
			r->orig[r->olen] = '\0';
		} else if (k < 9 && fwd < 0 && !filt) {
			set_addr(r, local_users[5 + rnd(4)], 0, 0, "mail.example", 0, 0, NULL);
			r->agent = A_LOCAL;
			r->relayed = 0;
			set_relay_str(r, "local");
			r->fate = F_FORWARD;
			fwd = i;
		} else {
			local_rcpt(r, 1);
			if (r->agent == A_LMTP) {
				uint32_t f = rnd(1000);
				if (f < 12) {
					r->fate = F_DEFER_SENT;
					r->dkind = D_QUOTA;
					r->ndef = (uint8_t)(1 + rnd(2));
					while (r->ndef > 0 && !deferral_fits(t, r->ndef))
						r->ndef--;
					if (r->ndef == 0)
						r->fate = F_SENT;
				} else if (f < 22 && s->slen > 0) {
					r->fate = F_BOUNCE;
				}
			}
		}
		if (rnd(100) < 4) {
			/* a second, unknown recipient rejected inside the transaction */
			add(s, t + ms(5, 50), OP_RCPT_REJECT, Q_MAIN, i, 0);
		}
	}
	t += ms(100, 4000);
	add(s, t, OP_MSGID, Q_MAIN, 0, 0);
	t += ms(2, 200);
	add(s, t, OP_QMGR, Q_MAIN, 0, 0);
	s->qm[Q_MAIN] = tq = t;
	add(s, t + ms(3, 120), OP_DISCONNECT, 0, 0, 0);
	if (filt) {
		filtered(s, tq);
	} else {
		add(s, attempts(s, Q_MAIN, tq + ms(3, 300)), OP_REMOVED, Q_MAIN, 0, 0);
		if (fwd >= 0)
			forward_copy(s, fwd);
	}
}

static void
build_submission(struct story *s, usec_t t)
{
	int i, nr = rcpt_count();
	uint32_t u = rnd((uint32_t)naccounts), k = rnd(100);
	usec_t tq;

	s->inst = I_SUBMISSION;
	make_client(s, 1);
	s->smtpd_pid = pool_pid(&pp_sub);
	s->sasl_user = u;
	s->sasl_method = (uint8_t)(rnd(4) == 0);
	s->acct = AK_SASL << AK_SHIFT | u;
	/* the envelope sender is usually the login, sometimes an alias or a shared box */
	if (k < 85) {
		set_sender(s, s->acct);
	} else {
		char *p = s->sender;
		if (k < 95) {
			p = L(p, "user");
			p = p_u(p, u);
		} else {
			p = L(p, "team");
			p = p_u(p, u / 50);
		}
		p = L(p, "@mail.example");
		s->slen = (uint8_t)(p - s->sender);
	}
	s->sender_local = 1;
	s->size[Q_MAIN] = pick_size();
	add(s, t, OP_CONNECT, 0, 0, 0);
	t += ms(40, 300);
	add(s, t, OP_TLS_IN, 0, 0, 0);
	t += ms(200, 3000);
	make_qid(s, Q_MAIN, t);
	s->arr[Q_MAIN] = t;
	add(s, t, OP_CLIENT, Q_MAIN, 0, 0);
	for (i = 0; i < nr; i++) {
		struct rcpt *r = new_rcpt(s, Q_MAIN);
		if (rnd(100) < 78) {
			ext_rcpt(r);
			ext_fate(r, t + 10 * SEC, 1);
		} else {
			local_rcpt(r, 1);
		}
	}
	t += ms(100, 5000);
	add(s, t, OP_MSGID, Q_MAIN, 0, 0);
	t += ms(2, 200);
	add(s, t, OP_QMGR, Q_MAIN, 0, 0);
	s->qm[Q_MAIN] = tq = t;
	add(s, t + ms(3, 120), OP_DISCONNECT, 0, 0, 0);
	if (rnd(100) < 20)
		filtered(s, tq);
	else
		add(s, attempts(s, Q_MAIN, tq + ms(3, 300)), OP_REMOVED, Q_MAIN, 0, 0);
}

static void
build_pickup(struct story *s, usec_t t)
{
	uint32_t u = rnd(NLOCALUSERS);
	struct rcpt *r;
	char *p;

	s->acct = AK_LOCAL << AK_SHIFT | u;
	set_sender(s, s->acct);
	s->sender_local = 1;
	s->uid = u == 0 ? 0 : u == 1 ? 33 : 1000 + u;
	p = p_str(s->pick, local_users[u]);
	*p = '\0';
	s->size[Q_MAIN] = 600 + rnd(20000);
	make_qid(s, Q_MAIN, t);
	s->arr[Q_MAIN] = t;
	add(s, t, OP_PICKUP, Q_MAIN, 0, 0);
	t += ms(1, 30);
	add(s, t, OP_MSGID, Q_MAIN, 0, 0);
	t += ms(1, 30);
	add(s, t, OP_QMGR, Q_MAIN, 0, 0);
	s->qm[Q_MAIN] = t;
	r = new_rcpt(s, Q_MAIN);
	if (rnd(100) < 55) {
		set_addr(r, "root", 0, 0, "mail.example", 0, 0, NULL);
		r->agent = A_LOCAL;
		r->relayed = 0;
		set_relay_str(r, "local");
	} else {
		ext_rcpt(r);
		ext_fate(r, t, 1);
	}
	add(s, attempts(s, Q_MAIN, t + ms(3, 300)), OP_REMOVED, Q_MAIN, 0, 0);
}

/* recipients used in rejected transactions */
static void
spam_rcpt(struct rcpt *r, int relay)
{
	if (relay)
		ext_rcpt(r);
	else
		set_addr(r, rnd(2) ? "staff" : "user", rnd(90000), 1, rnd(2) ? "mail.example" :
		    "corp.example", 0, 0, NULL);
}

static void
spam_sender(struct story *s)
{
	char *p = s->sender;

	p = L(p, "spam");
	p = p_u(p, rnd(100000));
	*p++ = '@';
	p = p_str(p, words[rnd(16)]);
	p = p_u(p, rnd(90000));
	p = L(p, ".test");
	s->slen = (uint8_t)(p - s->sender);
}

static void
build_reject(struct story *s, usec_t t)
{
	int i, n = 1 + (rnd(4) == 0 ? (int)rnd(3) : 0);

	s->inst = I_SMTPD;
	make_client(s, 0);
	s->smtpd_pid = pool_pid(&pp_smtpd);
	spam_sender(s);
	add(s, t, OP_PS_CONNECT, 0, 0, 0);
	t += ms(0, 20);
	add(s, t, OP_PS_PASS, 0, 0, rnd(3) == 0);
	t += ms(1, 30);
	add(s, t, OP_CONNECT, 0, 0, 0);
	for (i = 0; i < n; i++) {
		uint32_t kind = rnd(5);
		struct rcpt *r = new_rcpt(s, Q_MAIN);
		spam_rcpt(r, kind == 0);
		t += ms(300, 3000);
		add(s, t, OP_NOQ_REJECT, 0, i, kind);
	}
	t += ms(50, 2000);
	add(s, t, OP_DISCONNECT, 0, 0, 1 | n << 4);
}

static void
build_psreject(struct story *s, usec_t t)
{
	struct rcpt *r;

	make_client(s, 0);
	spam_sender(s);
	add(s, t, OP_PS_CONNECT, 0, 0, 0);
	if (rnd(2)) {
		t += ms(10, 300);
		add(s, t, OP_PS_PREGREET, 0, 0, 0);
	}
	t += ms(100, 5500);
	add(s, t, OP_PS_DNSBL, 0, 0, 0);
	t += ms(300, 1500);
	if (rnd(3) == 0) {
		add(s, t, OP_PS_HANGUP, 0, 0, 0);
	} else {
		r = new_rcpt(s, Q_MAIN);
		spam_rcpt(r, 0);
		add(s, t, OP_PS_REJECT, 0, 0, 0);
	}
	add(s, t + ms(1, 400), OP_PS_DISCONNECT, 0, 0, 0);
}

static void
build_psonly(struct story *s, usec_t t)
{
	s->inst = I_SMTPD;
	make_client(s, 0);
	s->smtpd_pid = pool_pid(&pp_smtpd);
	add(s, t, OP_PS_CONNECT, 0, 0, 0);
	t += ms(0, 20);
	add(s, t, OP_PS_PASS, 0, 0, 0);
	t += ms(1, 30);
	add(s, t, OP_CONNECT, 0, 0, 0);
	t += ms(50, 8000);
	if (rnd(2)) {
		add(s, t, OP_LOST, 0, 0, rnd(3));
		t += ms(0, 2);
	}
	add(s, t, OP_DISCONNECT, 0, 0, 4);
}

static void
build_authfail(struct story *s, usec_t t)
{
	int i, n = 1 + (int)rnd(4);
	char *p;

	s->inst = (uint8_t)(rnd(3) == 0 ? I_SMTPD : I_SUBMISSION);
	make_client(s, 0);
	/* brute forcers have no name */
	p = L(s->client, "unknown[");
	p = p_mem(p, s->ip, s->iplen);
	*p++ = ']';
	s->clen = (uint8_t)(p - s->client);
	s->smtpd_pid = pool_pid(s->inst == I_SMTPD ? &pp_smtpd : &pp_sub);
	add(s, t, OP_CONNECT, 0, 0, 0);
	for (i = 0; i < n; i++) {
		t += ms(1500, 6000);
		add(s, t, OP_AUTH_FAIL, 0, 0, rnd(4) == 0);
	}
	t += ms(1, 500);
	add(s, t, OP_LOST, 0, 0, 3);
	add(s, t + ms(0, 2), OP_DISCONNECT, 0, 0, 2 | n << 4);
}

/* a client= line and no message: the client gave up, or a milter said no */
static void
build_abort(struct story *s, usec_t t, int milter)
{
	struct rcpt *r;

	s->inst = I_SMTPD;
	make_client(s, 0);
	s->smtpd_pid = pool_pid(&pp_smtpd);
	spam_sender(s);
	add(s, t, OP_PS_CONNECT, 0, 0, 0);
	t += ms(0, 20);
	add(s, t, OP_PS_PASS, 0, 0, 0);
	t += ms(1, 30);
	add(s, t, OP_CONNECT, 0, 0, 0);
	t += ms(200, 3000);
	make_qid(s, Q_MAIN, t);
	add(s, t, OP_CLIENT, Q_MAIN, 0, 0);
	r = new_rcpt(s, Q_MAIN);
	spam_rcpt(r, 0);
	t += ms(100, 4000);
	if (milter) {
		add(s, t, OP_MSGID, Q_MAIN, 0, 0);
		t += ms(50, 1500);
		add(s, t, OP_MILTER_REJECT, Q_MAIN, 0, 0);
		t += ms(1, 200);
		add(s, t, OP_DISCONNECT, 0, 0, 5);
	} else {
		add(s, t, OP_LOST, 0, 0, 0);
		add(s, t + ms(0, 2), OP_DISCONNECT, 0, 0, 3);
	}
}

/* one to four lines of noise; single: exactly one */
static void
build_noise(struct story *s, usec_t t, int single)
{
	uint32_t k = single ? 2 + rnd(3) : rnd(5);

	make_client(s, 0);
	s->smtpd_pid = pool_pid(&pp_smtpd);
	s->inst = I_SMTPD;
	if (k == 0) {
		add(s, t, OP_NOISE, 0, 0, 0);        /* anvil */
		add(s, t, OP_NOISE, 0, 0, 1);
		add(s, t, OP_NOISE, 0, 0, 2);
	} else if (k == 1) {
		add(s, t, OP_NOISE, 0, 0, 3);        /* scache */
		add(s, t, OP_NOISE, 0, 0, 4);
		add(s, t, OP_NOISE, 0, 0, 5);
		add(s, t, OP_NOISE, 0, 0, 6);
	} else {
		add(s, t, OP_NOISE, 0, 0, 5 + k);    /* smtpd warnings */
	}
}

static void
build(struct story *s, usec_t t, int single)
{
	uint32_t k = rnd(1000);
	int i;

	s->n = s->next = 0;
	s->nr = 0;
	s->slen = 0;
	s->sender[0] = '\0';
	s->acct = 0;
	s->received = 0;
	s->ps_broken = 0;
	s->sender_local = 0;
	for (i = 0; i < NQ; i++) {
		s->nrcpt[i] = 0;
		s->deferred[i] = 0;
		s->relay_day[i] = -1;
		s->size[i] = 0;
		s->qlen[i] = 0;
	}
	s->kind = (uint8_t)(single ? K_NOISE : k < 330 ? K_INBOUND : k < 590 ? K_SUBMISSION :
	    k < 640 ? K_PICKUP : k < 760 ? K_REJECT : k < 840 ? K_PSREJECT : k < 890 ? K_PSONLY :
	    k < 930 ? K_AUTHFAIL : k < 955 ? K_ABORT : k < 975 ? K_MILTER : K_NOISE);
	switch (s->kind) {
	case K_INBOUND: build_inbound(s, t); break;
	case K_SUBMISSION: build_submission(s, t); break;
	case K_PICKUP: build_pickup(s, t); break;
	case K_REJECT: build_reject(s, t); break;
	case K_PSREJECT: build_psreject(s, t); break;
	case K_PSONLY: build_psonly(s, t); break;
	case K_AUTHFAIL: build_authfail(s, t); break;
	case K_ABORT: build_abort(s, t, 0); break;
	case K_MILTER: build_abort(s, t, 1); break;
	default: build_noise(s, t, single); break;
	}
	/* steps in time order (stable), none after the end of the run */
	for (i = 1; i < (int)s->n; i++) {
		struct step x = s->st[i];
		int j = i - 1;
		while (j >= 0 && s->st[j].t > x.t) {
			s->st[j + 1] = s->st[j];
			j--;
		}
		s->st[j + 1] = x;
	}
	for (i = 0; i < (int)s->n; i++)
		if (s->st[i].t >= t_end)
			s->st[i].t = t_end - 1;
}

/* ------------------------------------------------------------ calendar */

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

/* relative traffic of an hour: night low, office hours high, weekends 30 % */
static double
weight(usec_t t)
{
	static const double curve[24] = { .15, .1, .08, .08, .1, .15, .35, .8, 1.5, 1.9, 2.0, 1.9,
		1.5, 1.8, 1.9, 1.8, 1.6, 1.1, .8, .6, .5, .4, .3, .2 };
	int64_t day = t / DAY_US;
	int hour = (int)(t % DAY_US / (3600 * SEC));
	int wd = (int)((day % 7 + 7 + 3) % 7); /* 0: Monday */

	return curve[hour] * (wd >= 5 ? 0.3 : 1.0);
}

/* ------------------------------------------------------------ emitting */

#define OUTCAP (4u << 20)
static char outbuf[OUTCAP + 65536];
static char *op_ = outbuf;

static void
flush_out(void)
{
	size_t n = (size_t)(op_ - outbuf);

	if (n > 0 && fwrite(outbuf, 1, n, stdout) != n) {
		perror("genlog: write");
		exit(1);
	}
	op_ = outbuf;
}

static int64_t cur_sec = -1;
static int32_t cur_day = -1;
static char stamp[40];
static size_t stamp_len;
static char bsd_date[8];  /* "Nov  2 " */
static char iso_date[12]; /* "2026-11-02T" */

static void
set_stamp(usec_t t)
{
	int64_t sec = t / SEC;
	int32_t day = (int32_t)(sec / 86400);
	unsigned sod = (unsigned)(sec % 86400);
	char *p = stamp;

	if (day != cur_day) {
		int y, mo, d;
		civil_from_days(day, &y, &mo, &d);
		memcpy(bsd_date, months + 3 * (mo - 1), 3);
		bsd_date[3] = ' ';
		bsd_date[4] = d < 10 ? ' ' : (char)('0' + d / 10);
		bsd_date[5] = (char)('0' + d % 10);
		bsd_date[6] = ' ';
		p_u(iso_date, (uint64_t)y);
		iso_date[4] = '-';
		p_2(iso_date + 5, (unsigned)mo);
		iso_date[7] = '-';
		p_2(iso_date + 8, (unsigned)d);
		iso_date[10] = 'T';
		cur_day = day;
	}
	cur_sec = sec;
	if (rfc3339)
		p = p_mem(p, iso_date, 11);
	else
		p = p_mem(p, bsd_date, 7);
	p = p_2(p, sod / 3600);
	*p++ = ':';
	p = p_2(p, sod / 60 % 60);
	*p++ = ':';
	p = p_2(p, sod % 60);
	stamp_len = (size_t)(p - stamp);
}

struct prog {
	const char *name;
	size_t len;
};
#define PROG(s) { s, sizeof(s) - 1 }
enum { P_SMTPD, P_SUB, P_FILTER, P_POSTSCREEN, P_CLEANUP, P_QMGR, P_SMTP, P_LMTP, P_LOCAL,
	P_VIRTUAL, P_BOUNCE, P_PICKUP, P_ANVIL, P_SCACHE, P_ERROR };
static const struct prog progs[] = { PROG("postfix/smtpd"), PROG("postfix/submission/smtpd"),
	PROG("postfix/10025/smtpd"), PROG("postfix/postscreen"), PROG("postfix/cleanup"),
	PROG("postfix/qmgr"), PROG("postfix/smtp"), PROG("postfix/lmtp"), PROG("postfix/local"),
	PROG("postfix/virtual"), PROG("postfix/bounce"), PROG("postfix/pickup"),
	PROG("postfix/anvil"), PROG("postfix/scache"), PROG("postfix/error") };

static char *
header(char *p, usec_t t, int prog, uint32_t pid)
{
	p = p_mem(p, stamp, stamp_len);
	if (rfc3339) {
		unsigned us = (unsigned)(t % SEC), i;
		*p++ = '.';
		for (i = 0; i < 6; i++) {
			p[5 - i] = (char)('0' + us % 10);
			us /= 10;
		}
		p += 6;
		p = L(p, "+01:00");
	}
	p = L(p, " mx1 ");
	p = p_mem(p, progs[prog].name, progs[prog].len);
	*p++ = '[';
	p = p_u(p, pid);
	p = L(p, "]: ");
	return p;
}

static char *
p_qid(char *p, const struct story *s, int q)
{
	p = p_mem(p, s->qid[q], s->qlen[q]);
	*p++ = ':';
	*p++ = ' ';
	return p;
}

static char *
p_client(char *p, const struct story *s)
{
	return p_mem(p, s->client, s->clen);
}

static char *
p_psaddr(char *p, const struct story *s)
{
	*p++ = '[';
	p = p_mem(p, s->ip, s->iplen);
	p = L(p, "]:");
	return p_u(p, s->cport);
}

/* delay=..., delays=a/b/c/d, for a recipient line of message q at t */
static char *
p_delays(char *p, const struct story *s, int q, usec_t t, usec_t conn, usec_t xmit)
{
	usec_t total = t - s->arr[q], a = s->qm[q] - s->arr[q], b;

	if (a < 0)
		a = 0;
	if (conn + xmit > total - a) {
		conn = (total - a) / 3;
		xmit = (total - a) / 3;
	}
	b = total - a - conn - xmit;
	p = L(p, "delay=");
	p = p_delay(p, total);
	p = L(p, ", delays=");
	p = p_delay(p, a);
	*p++ = '/';
	p = p_delay(p, b);
	*p++ = '/';
	p = p_delay(p, conn);
	*p++ = '/';
	return p_delay(p, xmit);
}

static const int agent_prog[] = { P_SMTP, P_LMTP, P_LOCAL, P_VIRTUAL };
static struct pidpool *const agent_pool[] = { &pp_smtp, &pp_lmtp, &pp_local, &pp_virtual };

static char *
p_to(char *p, const struct rcpt *r)
{
	p = L(p, "to=<");
	p = p_mem(p, r->addr, r->alen);
	*p++ = '>';
	if (r->olen) {
		p = L(p, ", orig_to=<");
		p = p_mem(p, r->orig, r->olen);
		*p++ = '>';
	}
	return p;
}

static char *
p_anvil_time(char *p, usec_t t)
{
	int64_t sec = t / SEC;
	unsigned sod = (unsigned)(sec % 86400);

	p = L(p, " at ");
	p = p_mem(p, bsd_date, 7);
	p = p_2(p, sod / 3600);
	*p++ = ':';
	p = p_2(p, sod / 60 % 60);
	*p++ = ':';
	return p_2(p, sod % 60);
}

/* the effect of a status=sent line on the true counts, on the day written in it */
static void
count_sent(struct story *s, int q, const struct rcpt *r, int day)
{
	int64_t *c = counts[day];

	c[DELIVERED]++;
	c[BYTES_DELIVERED] += (int64_t)s->size[q];
	if (!r->relayed)
		return;
	c[RELAYED]++;
	/* the message, its filter copy (inherits) and a forwarded copy (same sender) */
	if ((q == Q_MAIN || q == Q_CHILD || q == Q_FWD) && s->acct != 0) {
		struct acct_ent *e = acct_slot(s->acct << 9 | (uint64_t)day);
		e->relayed++;
		if (s->relay_day[q] != day) {
			e->msgs++;
			s->relay_day[q] = day;
		}
	}
}

/* Mail-flow health truth (defined with the Exim run's, below). */
static void h_reply(int day, const char *dir, int code, const char *enh);
static void h_tls(int day, int out, int tls);

static void
emit(struct story *s, const struct step *st)
{
	char *p = op_;
	int q = st->q, day;
	struct rcpt *r = &s->r[st->r];
	int64_t *c;
	uint32_t v;

	if (st->t / SEC != cur_sec)
		set_stamp(st->t);
	day = (int)(st->t / DAY_US - first_day);
	c = counts[day];
	switch (st->op) {
	case OP_PS_CONNECT:
		p = header(p, st->t, P_POSTSCREEN, pid_postscreen);
		p = L(p, "CONNECT from ");
		p = p_psaddr(p, s);
		p = L(p, " to [192.0.2.25]:25");
		break;
	case OP_PS_PASS:
		p = header(p, st->t, P_POSTSCREEN, pid_postscreen);
		p = st->x ? L(p, "PASS NEW ") : L(p, "PASS OLD ");
		p = p_psaddr(p, s);
		break;
	case OP_PS_DNSBL:
		if (!s->ps_broken)
			pxcounts[day][PX_DNSBL]++;
		s->ps_broken = 1;
		p = header(p, st->t, P_POSTSCREEN, pid_postscreen);
		p = L(p, "DNSBL rank ");
		p = p_u(p, 3 + rnd(6));
		p = L(p, " for ");
		p = p_psaddr(p, s);
		break;
	case OP_PS_PREGREET:
		pxcounts[day][PX_PREGREET]++; /* before DNSBL; HANGUP comes after: one cause */
		s->ps_broken = 1;
		p = header(p, st->t, P_POSTSCREEN, pid_postscreen);
		p = L(p, "PREGREET 11 after 0.");
		p = p_u(p, 10 + rnd(89));
		p = L(p, " from ");
		p = p_psaddr(p, s);
		p = L(p, ": EHLO User\\r\\n");
		break;
	case OP_PS_REJECT:
		h_reply(day, "in", 550, "5.7.1");
		p = header(p, st->t, P_POSTSCREEN, pid_postscreen);
		p = L(p, "NOQUEUE: reject: RCPT from ");
		p = p_psaddr(p, s);
		p = L(p, ": 550 5.7.1 Service unavailable; client [");
		p = p_mem(p, s->ip, s->iplen);
		p = L(p, "] blocked using zen.spamhaus.org; from=<");
		p = p_mem(p, s->sender, s->slen);
		p = L(p, ">, to=<");
		p = p_mem(p, s->r[0].addr, s->r[0].alen);
		p = L(p, ">, proto=ESMTP, helo=<");
		p = p_mem(p, s->helo, s->hlen);
		*p++ = '>';
		break;
	case OP_PS_HANGUP:
		p = header(p, st->t, P_POSTSCREEN, pid_postscreen);
		p = L(p, "HANGUP after 0.");
		p = p_u(p, 10 + rnd(89));
		p = L(p, " from ");
		p = p_psaddr(p, s);
		p = L(p, " in tests after SMTP handshake");
		break;
	case OP_PS_DISCONNECT:
		p = header(p, st->t, P_POSTSCREEN, pid_postscreen);
		p = L(p, "DISCONNECT ");
		p = p_psaddr(p, s);
		break;
	case OP_CONNECT:
		p = header(p, st->t, s->inst == I_SMTPD ? P_SMTPD : P_SUB, s->smtpd_pid);
		p = L(p, "connect from ");
		p = p_client(p, s);
		break;
	case OP_TLS_IN:
		p = header(p, st->t, s->inst == I_SMTPD ? P_SMTPD : P_SUB, s->smtpd_pid);
		p = L(p, "Anonymous TLS connection established from ");
		p = p_client(p, s);
		p = L(p, ": ");
		p = L(p, tls_cipher);
		break;
	case OP_CLIENT:
		if (q == Q_CHILD) {
			p = header(p, st->t, P_FILTER, s->filter_pid);
			p = p_qid(p, s, q);
			p = L(p, "client=localhost[127.0.0.1]");
			break;
		}
		p = header(p, st->t, s->inst == I_SMTPD ? P_SMTPD : P_SUB, s->smtpd_pid);
		p = p_qid(p, s, q);
		p = L(p, "client=");
		p = p_client(p, s);
		if (s->kind == K_SUBMISSION) {
			p = s->sasl_method ? L(p, ", sasl_method=LOGIN, sasl_username=") :
			    L(p, ", sasl_method=PLAIN, sasl_username=");
			p = p_account(p, s->acct);
		}
		break;
	case OP_FCONNECT:
	case OP_FDISCONNECT:
		p = header(p, st->t, P_FILTER, s->filter_pid);
		if (st->op == OP_FCONNECT) {
			p = L(p, "connect from localhost[127.0.0.1]");
		} else {
			p = L(p, "disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=");
			p = p_u(p, s->nrcpt[Q_CHILD]);
			p = L(p, " data=1 quit=1 commands=");
			p = p_u(p, 4u + s->nrcpt[Q_CHILD]);
		}
		break;
	case OP_MSGID:
		p = header(p, st->t, P_CLEANUP, pool_pid(&pp_cleanup));
		p = p_qid(p, s, q);
		p = L(p, "message-id=<");
		if (IS_NOTICE(q)) {
			p = p_mem(p, s->qid[q], s->qlen[q]);
			p = L(p, ".");
			p = p_u(p, (uint64_t)(st->t / SEC));
			p = L(p, "@mx1.corp.example>");
		} else {
			p = p_hex(p, s->seq, 8);
			p = L(p, ".");
			p = p_hex(p, (uint64_t)s->arr[Q_MAIN] & 0xFFFFFF, 6);
			p = s->sender_local ? L(p, "@corp.example>") : L(p, "@mail.gmail.example>");
		}
		break;
	case OP_QMGR:
		p = header(p, st->t, P_QMGR, pid_qmgr);
		p = p_qid(p, s, q);
		p = L(p, "from=<");
		if (!IS_NOTICE(q))
			p = p_mem(p, s->sender, s->slen);
		p = L(p, ">, size=");
		p = p_u(p, s->size[q]);
		p = L(p, ", nrcpt=");
		p = p_u(p, s->nrcpt[q]);
		p = L(p, " (queue active)");
		if (q == Q_MAIN && !s->received) {
			s->received = 1;
			c[RECEIVED]++;
			c[BYTES_RECEIVED] += (int64_t)s->size[q];
		}
		break;
	case OP_DISCONNECT:
		p = header(p, st->t, s->inst == I_SMTPD ? P_SMTPD : P_SUB, s->smtpd_pid);
		p = L(p, "disconnect from ");
		p = p_client(p, s);
		v = (uint32_t)st->x >> 4;
		/* the session's TLS: STARTTLS on submission; clients are never on the loopback */
		h_tls(day, 0, (st->x & 15) == 0 && s->kind == K_SUBMISSION);
		switch (st->x & 15) {
		case 0: /* a message */
			if (s->kind == K_SUBMISSION)
				p = L(p, " ehlo=2 starttls=1 auth=1 mail=1 rcpt=");
			else
				p = L(p, " ehlo=1 mail=1 rcpt=");
			p = p_u(p, s->nrcpt[Q_MAIN]);
			p = L(p, " data=1 quit=1 commands=");
			p = p_u(p, s->nrcpt[Q_MAIN] + (s->kind == K_SUBMISSION ? 7u : 4u));
			break;
		case 1: /* rejected recipients */
			pxcounts[day][PX_NO_RCPT]++;
			p = L(p, " ehlo=1 mail=1 rcpt=0/");
			p = p_u(p, v);
			p = L(p, " quit=1 commands=3/");
			p = p_u(p, 3 + v);
			break;
		case 2: /* failed logins */
			p = L(p, " ehlo=1 auth=0/");
			p = p_u(p, v);
			p = L(p, " commands=1/");
			p = p_u(p, 1 + v);
			break;
		case 3: /* gave up in DATA */
			p = L(p, " ehlo=1 mail=1 rcpt=1 data=0/1 commands=3/4");
			break;
		case 4: /* nothing */
			pxcounts[day][PX_NO_MAIL]++;
			p = L(p, " ehlo=1 quit=1 commands=2");
			break;
		default: /* milter said no */
			pxcounts[day][PX_NO_DATA]++;
			p = L(p, " ehlo=1 mail=1 rcpt=1 data=0/1 quit=1 commands=4/5");
			break;
		}
		break;
	case OP_LOST:
		pxcounts[day][st->x == 0 ? PX_LOST_DATA : st->x == 1 ? PX_LOST_EHLO :
		    st->x == 2 ? PX_TIMEOUT_CONNECT : PX_LOST_AUTH]++;
		p = header(p, st->t, s->inst == I_SMTPD ? P_SMTPD : P_SUB, s->smtpd_pid);
		p = st->x == 0 ? L(p, "lost connection after DATA (0 bytes) from ") :
		    st->x == 1 ? L(p, "lost connection after EHLO from ") :
		    st->x == 2 ? L(p, "timeout after CONNECT from ") : L(p, "lost connection after AUTH from ");
		p = p_client(p, s);
		break;
	case OP_RCPT_REJECT:
		h_reply(day, "in", 550, "5.1.1");
		p = header(p, st->t, P_SMTPD, s->smtpd_pid);
		p = p_qid(p, s, Q_MAIN);
		p = L(p, "reject: RCPT from ");
		p = p_client(p, s);
		v = rnd(1000);
		p = L(p, ": 550 5.1.1 <nobody");
		p = p_u(p, v);
		p = L(p, "@corp.example>: Recipient address rejected: User unknown in virtual mailbox table; from=<");
		p = p_mem(p, s->sender, s->slen);
		p = L(p, "> to=<nobody");
		p = p_u(p, v);
		p = L(p, "@corp.example> proto=ESMTP helo=<");
		p = p_mem(p, s->helo, s->hlen);
		*p++ = '>';
		c[REJECTED]++;
		break;
	case OP_NOQ_REJECT:
		p = header(p, st->t, P_SMTPD, s->smtpd_pid);
		p = L(p, "NOQUEUE: reject: RCPT from ");
		p = p_client(p, s);
		switch (st->x) {
		case 0:
			h_reply(day, "in", 454, "4.7.1");
			p = L(p, ": 454 4.7.1 <");
			p = p_mem(p, r->addr, r->alen);
			p = L(p, ">: Relay access denied");
			break;
		case 1:
			h_reply(day, "in", 550, "5.1.1");
			p = L(p, ": 550 5.1.1 <");
			p = p_mem(p, r->addr, r->alen);
			p = L(p, ">: Recipient address rejected: User unknown in virtual mailbox table");
			break;
		case 2:
			h_reply(day, "in", 450, "4.7.25");
			p = L(p, ": 450 4.7.25 Client host rejected: cannot find your hostname, [");
			p = p_mem(p, s->ip, s->iplen);
			*p++ = ']';
			break;
		case 3:
			h_reply(day, "in", 554, "5.7.1");
			p = L(p, ": 554 5.7.1 Service unavailable; Client host [");
			p = p_mem(p, s->ip, s->iplen);
			p = L(p, "] blocked using bl.spamcop.net; Blocked - see https://www.spamcop.net/bl.shtml?");
			p = p_mem(p, s->ip, s->iplen);
			break;
		default:
			h_reply(day, "in", 504, "5.5.2");
			p = L(p, ": 504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname");
			break;
		}
		p = L(p, "; from=<");
		p = p_mem(p, s->sender, s->slen);
		p = L(p, "> to=<");
		p = p_mem(p, r->addr, r->alen);
		p = L(p, "> proto=ESMTP helo=<");
		if (st->x == 4)
			p = L(p, "localhost");
		else
			p = p_mem(p, s->helo, s->hlen);
		*p++ = '>';
		c[REJECTED]++;
		break;
	case OP_MILTER_REJECT:
		pxcounts[day][PX_MILTER_REJECT]++;
		h_reply(day, "in", 550, "5.7.1"); /* logged "5.7.1" only: Postfix's default code */
		p = header(p, st->t, P_CLEANUP, pool_pid(&pp_cleanup));
		p = p_qid(p, s, Q_MAIN);
		p = L(p, "milter-reject: END-OF-MESSAGE from ");
		p = p_client(p, s);
		p = L(p, ": 5.7.1 Spam message rejected; from=<");
		p = p_mem(p, s->sender, s->slen);
		p = L(p, "> to=<");
		p = p_mem(p, s->r[0].addr, s->r[0].alen);
		p = L(p, "> proto=ESMTP helo=<");
		p = p_mem(p, s->helo, s->hlen);
		*p++ = '>';
		c[REJECTED]++;
		break;
	case OP_AUTH_FAIL:
		p = header(p, st->t, s->inst == I_SMTPD ? P_SMTPD : P_SUB, s->smtpd_pid);
		p = L(p, "warning: ");
		p = p_client(p, s);
		p = st->x ? L(p, ": SASL PLAIN authentication failed: ") :
		    L(p, ": SASL LOGIN authentication failed: UGFzc3dvcmQ6");
		c[AUTH_FAILED]++;
		break;
	case OP_PICKUP:
		p = header(p, st->t, P_PICKUP, pid_pickup);
		p = p_qid(p, s, q);
		p = L(p, "uid=");
		p = p_u(p, s->uid);
		p = L(p, " from=<");
		p = p_str(p, s->pick);
		*p++ = '>';
		break;
	case OP_SENT:
	case OP_FORWARDED:
		p = header(p, st->t, agent_prog[r->agent], pool_pid(agent_pool[r->agent]));
		p = p_qid(p, s, q);
		p = p_to(p, r);
		p = L(p, ", relay=");
		p = p_mem(p, r->relay, r->rlen);
		p = L(p, ", ");
		if (r->agent == A_SMTP)
			p = p_delays(p, s, q, st->t, ms(10, 600), ms(20, 900));
		else
			p = p_delays(p, s, q, st->t, 0, ms(2, 300));
		p = L(p, ", dsn=2.0.0, status=sent (");
		if (st->op == OP_FORWARDED) {
			p = L(p, "forwarded as ");
			p = p_mem(p, s->qid[Q_FWD], s->qlen[Q_FWD]);
		} else if (r->agent == A_LMTP) {
			h_reply(day, "out", 250, "2.0.0");
			p = L(p, "250 2.0.0 <");
			p = p_mem(p, r->addr, r->alen);
			p = L(p, "> ");
			p = p_hex(p, next_rand(), 12);
			p = L(p, " Saved");
		} else if (r->agent == A_LOCAL) {
			p = L(p, "delivered to mailbox");
		} else if (r->agent == A_VIRTUAL) {
			p = L(p, "delivered to maildir");
		} else {
			switch (rnd(4)) {
			case 0:
				h_reply(day, "out", 250, "2.0.0");
				p = L(p, "250 2.0.0 OK  ");
				p = p_u(p, (uint64_t)(st->t / SEC));
				p = L(p, " ");
				p = p_hex(p, next_rand(), 10);
				p = L(p, ".");
				p = p_u(p, rnd(1000));
				p = L(p, " - gsmtp");
				break;
			case 1:
				h_reply(day, "out", 250, "2.6.0");
				p = L(p, "250 2.6.0 <");
				p = p_hex(p, s->seq, 8);
				p = L(p, "@corp.example> [InternalId=");
				p = p_u(p, next_rand() >> 20);
				p = L(p, "] Queued mail for delivery");
				break;
			default:
				h_reply(day, "out", 250, "2.0.0");
				p = L(p, "250 2.0.0 Ok: queued as ");
				p = p_hex(p, next_rand(), 10 + (int)rnd(2));
				break;
			}
		}
		*p++ = ')';
		count_sent(s, q, r, day);
		break;
	case OP_DEFER:
		if (st->x == D_SUSPENDED) {
			p = header(p, st->t, P_ERROR, pool_pid(&pp_error));
			p = p_qid(p, s, q);
			p = p_to(p, r);
			p = L(p, ", relay=none, ");
			p = p_delays(p, s, q, st->t, 0, 0);
			p = L(p, ", dsn=4.4.1, status=deferred (delivery temporarily suspended: connect to ");
			p = p_mem(p, r->host, r->hlen);
			p = L(p, ":25: Connection timed out)");
		} else {
			p = header(p, st->t, agent_prog[r->agent], pool_pid(agent_pool[r->agent]));
			p = p_qid(p, s, q);
			p = p_to(p, r);
			if (st->x == D_TIMEOUT) {
				p = L(p, ", relay=none, ");
				p = p_delays(p, s, q, st->t, 30 * SEC, 0);
				p = L(p, ", dsn=4.4.1, status=deferred (connect to ");
				p = p_mem(p, r->host, r->hlen);
				p = L(p, ":25: Connection timed out)");
			} else if (st->x == D_GREYLIST) {
				p = L(p, ", relay=");
				p = p_mem(p, r->relay, r->rlen);
				p = L(p, ", ");
				p = p_delays(p, s, q, st->t, ms(10, 300), 0);
				p = L(p, ", dsn=4.7.1, status=deferred (host ");
				p = p_mem(p, r->host, r->hlen);
				h_reply(day, "out", 450, "4.7.1");
				p = L(p, " said: 450 4.7.1 <");
				p = p_mem(p, r->addr, r->alen);
				p = L(p, ">: Recipient address rejected: Greylisted, see"
				    " https://postgrey.schweikert.ch/help/corp.example.html (in reply to RCPT TO command))");
			} else {
				p = L(p, ", relay=");
				p = p_mem(p, r->relay, r->rlen);
				p = L(p, ", ");
				p = p_delays(p, s, q, st->t, 0, ms(5, 100));
				p = L(p, ", dsn=4.2.2, status=deferred (host ");
				p = p_mem(p, r->host, r->hlen);
				h_reply(day, "out", 452, "4.2.2");
				p = L(p, " said: 452 4.2.2 <");
				p = p_mem(p, r->addr, r->alen);
				p = L(p, "> Mailbox is full (in reply to end of DATA command))");
			}
		}
		c[DEFERRALS]++;
		if (!s->deferred[q]) {
			s->deferred[q] = 1;
			c[DEFERRED]++;
		}
		break;
	case OP_BOUNCED:
		p = header(p, st->t, agent_prog[r->agent], pool_pid(agent_pool[r->agent]));
		p = p_qid(p, s, q);
		p = p_to(p, r);
		p = L(p, ", relay=");
		p = p_mem(p, r->relay, r->rlen);
		p = L(p, ", ");
		p = p_delays(p, s, q, st->t, ms(10, 300), ms(5, 200));
		if (r->agent == A_LMTP) {
			p = L(p, ", dsn=5.2.2, status=bounced (host ");
			p = p_mem(p, r->host, r->hlen);
			h_reply(day, "out", 552, "5.2.2");
			p = L(p, " said: 552 5.2.2 <");
			p = p_mem(p, r->addr, r->alen);
			p = L(p, "> Quota exceeded (mailbox for user is full) (in reply to end of DATA command))");
		} else {
			p = L(p, ", dsn=5.1.1, status=bounced (host ");
			p = p_mem(p, r->host, r->hlen);
			h_reply(day, "out", 550, "5.1.1");
			p = L(p, " said: 550 5.1.1 <");
			p = p_mem(p, r->addr, r->alen);
			p = L(p, ">: Recipient address rejected: User unknown (in reply to RCPT TO command))");
		}
		c[BOUNCED]++;
		break;
	case OP_HANDOFF:
	case OP_DISCARD:
		/* to the content filter: not a delivery (docs/counting.md) */
		p = header(p, st->t, P_SMTP, pool_pid(&pp_smtp));
		p = p_qid(p, s, q);
		p = p_to(p, r);
		p = L(p, ", relay=127.0.0.1[127.0.0.1]:10024, ");
		p = p_delays(p, s, q, st->t, ms(0, 5), ms(150, 2500));
		/* the content filter's reply: a server's reply to us like any other */
		h_reply(day, "out", 250, st->op == OP_HANDOFF ? "2.0.0" : "2.7.0");
		if (st->op == OP_HANDOFF) {
			p = L(p, ", dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025):"
			    " 250 2.0.0 Ok: queued as ");
			p = p_mem(p, s->qid[Q_CHILD], s->qlen[Q_CHILD]);
			*p++ = ')';
		} else {
			p = L(p, ", dsn=2.7.0, status=sent (250 2.7.0 Ok, discarded, id=");
			p = p_u(p, 10000 + rnd(50000));
			p = L(p, "-0");
			p = p_u(p, 1 + rnd(9));
			p = L(p, " - spam)");
		}
		break;
	case OP_SMTP_TLS:
		h_tls(day, 1, 1);
		p = header(p, st->t, P_SMTP, pool_pid(&pp_smtp));
		p = st->x == 0 ? L(p, "Verified TLS connection established to ") :
		    st->x == 1 ? L(p, "Trusted TLS connection established to ") :
		    L(p, "Untrusted TLS connection established to ");
		p = p_mem(p, r->host, r->hlen);
		p = L(p, ":25: ");
		p = L(p, tls_cipher);
		break;
	case OP_REMOVED:
		p = header(p, st->t, P_QMGR, pid_qmgr);
		p = p_qid(p, s, q);
		p = L(p, "removed");
		break;
	case OP_EXPIRED:
		p = header(p, st->t, P_QMGR, pid_qmgr);
		p = p_qid(p, s, q);
		p = L(p, "from=<");
		p = p_mem(p, s->sender, s->slen);
		p = L(p, ">, status=expired, returned to sender");
		c[EXPIRED]++;
		break;
	case OP_NOTIFY:
		p = header(p, st->t, P_BOUNCE, pool_pid(&pp_bounce));
		p = p_qid(p, s, st->x & 15);
		p = (st->x >> 4) ? L(p, "sender delay notification: ") :
		    L(p, "sender non-delivery notification: ");
		p = p_mem(p, s->qid[q], s->qlen[q]);
		c[NOTIFICATIONS]++;
		break;
	case OP_NOISE:
		switch (st->x) {
		case 0:
			p = header(p, st->t, P_ANVIL, pid_anvil);
			p = L(p, "statistics: max connection rate ");
			p = p_u(p, 1 + rnd(12));
			p = L(p, "/60s for (smtp:");
			p = p_mem(p, s->ip, s->iplen);
			*p++ = ')';
			p = p_anvil_time(p, st->t - ms(1000, 500000));
			break;
		case 1:
			p = header(p, st->t, P_ANVIL, pid_anvil);
			p = L(p, "statistics: max connection count ");
			p = p_u(p, 1 + rnd(5));
			p = L(p, " for (smtp:");
			p = p_mem(p, s->ip, s->iplen);
			*p++ = ')';
			p = p_anvil_time(p, st->t - ms(1000, 500000));
			break;
		case 2:
			p = header(p, st->t, P_ANVIL, pid_anvil);
			p = L(p, "statistics: max cache size ");
			p = p_u(p, 1 + rnd(30));
			p = p_anvil_time(p, st->t - ms(1000, 500000));
			break;
		case 3:
			p = header(p, st->t, P_SCACHE, pid_scache);
			p = L(p, "statistics: start interval");
			p = p_anvil_time(p, st->t - ms(1000, 500000));
			break;
		case 4:
			p = header(p, st->t, P_SCACHE, pid_scache);
			p = L(p, "statistics: domain lookup hits=");
			p = p_u(p, rnd(20));
			p = L(p, " miss=");
			p = p_u(p, 1 + rnd(20));
			p = L(p, " success=");
			p = p_u(p, rnd(100));
			*p++ = '%';
			break;
		case 5:
			p = header(p, st->t, P_SCACHE, pid_scache);
			p = L(p, "statistics: address lookup hits=");
			p = p_u(p, rnd(20));
			p = L(p, " miss=");
			p = p_u(p, 1 + rnd(20));
			p = L(p, " success=");
			p = p_u(p, rnd(100));
			*p++ = '%';
			break;
		case 6:
			p = header(p, st->t, P_SCACHE, pid_scache);
			p = L(p, "statistics: max simultaneous domains=1 addresses=");
			p = p_u(p, 1 + rnd(3));
			p = L(p, " connection=");
			p = p_u(p, 1 + rnd(3));
			break;
		case 7:
			p = header(p, st->t, P_SMTPD, s->smtpd_pid);
			p = L(p, "warning: hostname ");
			p = p_mem(p, s->client, (size_t)((const char *)memchr(s->client, '[', s->clen) - s->client));
			p = L(p, " does not resolve to address ");
			p = p_mem(p, s->ip, s->iplen);
			p = L(p, ": Name or service not known");
			break;
		case 8:
			p = header(p, st->t, P_SMTPD, s->smtpd_pid);
			p = L(p, "warning: non-SMTP command from ");
			p = p_client(p, s);
			p = L(p, ": GET / HTTP/1.1");
			break;
		default:
			p = header(p, st->t, P_SMTPD, s->smtpd_pid);
			p = L(p, "warning: TLS library problem: error:0A000126:SSL routines::unexpected eof"
			    " while reading:../ssl/record/rec_layer_s3.c:308:");
			break;
		}
		break;
	}
	*p++ = '\n';
	op_ = p;
	if (op_ >= outbuf + OUTCAP)
		flush_out();
}

/* ---------------------------------------------------------------- heap */

struct hent {
	usec_t t;
	uint32_t seq, idx;
};
static struct hent *heap;
static size_t heap_n, heap_cap;
static struct story **stories;
static uint32_t *free_idx;
static size_t nstories, nfree;

static int
hless(const struct hent *a, const struct hent *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void
heap_push(struct hent e)
{
	size_t i;

	if (heap_n == heap_cap) {
		heap_cap = heap_cap ? heap_cap * 2 : 1024;
		heap = realloc(heap, heap_cap * sizeof(*heap));
		if (heap == NULL) {
			perror("genlog");
			exit(1);
		}
	}
	i = heap_n++;
	while (i > 0 && hless(&e, &heap[(i - 1) / 2])) {
		heap[i] = heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	heap[i] = e;
}

static void
heap_sift_down(size_t i)
{
	struct hent e = heap[i];

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= heap_n)
			break;
		if (c + 1 < heap_n && hless(&heap[c + 1], &heap[c]))
			c++;
		if (!hless(&heap[c], &e))
			break;
		heap[i] = heap[c];
		i = c;
	}
	heap[i] = e;
}

static uint32_t
story_alloc(void)
{
	if (nfree > 0)
		return free_idx[--nfree];
	if ((nstories & (nstories - 1)) == 0) {
		size_t cap = nstories ? nstories * 2 : 256;
		stories = realloc(stories, cap * sizeof(*stories));
		free_idx = realloc(free_idx, cap * sizeof(*free_idx));
		if (stories == NULL || free_idx == NULL) {
			perror("genlog");
			exit(1);
		}
	}
	stories[nstories] = calloc(1, sizeof(struct story));
	if (stories[nstories] == NULL) {
		perror("genlog");
		exit(1);
	}
	return (uint32_t)nstories++;
}

/* ================================================================ Exim */

/*
 * --mta exim: the same site (local domains corp.example and mail.example)
 * served by Exim, written as its main log or through syslog, with the true
 * counts of docs/counting.md's Exim column.  A separate story model: one
 * story is an SMTP reception, a local submission, a reject, an auth failure
 * or a burst of noise.  --selector all adds Exim's +all fields and lines;
 * the traffic and the random numbers drawn do not depend on --selector or
 * --format (anything the selector adds is derived from the story, never
 * drawn), so all four logs of one seed describe the same mail.  Message ids
 * mix the 6-6-2 form and the 4.97+ 6-11-4 form.  Deferred messages are
 * retried every queue run (XRETRY) until delivered, bounced or expired
 * (XLIFETIME), which carries many of them over midnight.
 */

enum xop {
	X_CONN, X_RECV, X_DELIV, X_DEFER, X_FAIL, X_EXPIRE, X_DONE, X_CLOSED, X_CWD,
	X_REJ_RCPT, X_TEMPREJ, X_REJ_DATA, X_AUTHFAIL, X_REFUSED, X_QRUN, X_NOISE
};
enum xkind { XK_INBOUND, XK_SUBMIT, XK_LOCAL, XK_REJECT, XK_AUTHFAIL, XK_NOISE };
/* a recipient: delivered locally, relayed by SMTP, an alias forwarded out, LMTP */
enum xrkind { XR_LOCAL, XR_EXT, XR_ALIAS, XR_LMTP };
enum xfate { XF_SENT, XF_DEFER_SENT, XF_BOUNCE, XF_EXPIRE };
/* messages of a story: the message, its bounce or expiry notice, a delay warning */
enum { XQ_MAIN, XQ_NDR, XQ_WARN, XNQ };

#define XMAXSTEPS 160
#define XMAXR 8
/* queue runs: Debian's -q30m */
#define XRETRY (30 * 60 * SEC)
/* retry lifetime: shorter than Exim's 4 days so that a 3-day log sees expiries */
#define XLIFETIME (20 * 3600 * SEC)
/* delay_warning: Exim's default 24h would never fire before XLIFETIME */
#define XWARN (6 * 3600 * SEC)
/* the SASL account that sends with many forged senders */
#define XFORGER 7

struct xrcpt {
	char addr[64], orig[64];
	uint8_t alen, olen, kind, fate, deferred;
};

struct xstory {
	struct step st[XMAXSTEPS];
	uint32_t n, next, seq, pid;
	uint8_t kind, nr, relay_q[XNQ], deferred[XNQ], expired, newid[XNQ];
	char id[XNQ][24], sender[72], helo[40], ip[16];
	uint8_t idlen[XNQ], slen, hlen, iplen;
	uint64_t size[XNQ], acct, setid; /* setid: SASL user number + 1, 0: none */
	usec_t recv_t[XNQ]; /* when each message's "<=" was written: QT= counts from it */
	int32_t relay_day[XNQ];
	struct xrcpt r[XMAXR];
};

/*
 * Mail-flow health truth (issue 14) of the Exim and IceWarp runs: replies
 * by direction, code and enhanced code, sessions with and without TLS per
 * direction, and broken sessions by cause (report day keys
 * sessions_incomplete_<cause>), written as the expect file's "health"
 * object and, for the causes, beside the day's counters.
 */
#define HREPLY_KEYS 64
#define HBROKEN_KEYS 32
enum { HT_IN, HT_IN_PLAIN, HT_OUT, HT_OUT_PLAIN, NHT };
static const char *const ht_names[NHT] = { "in", "in_plain", "out", "out_plain" };
static struct {
	char key[24];
	int64_t n[MAXDAYS];
} hreply[HREPLY_KEYS], hbroken[HBROKEN_KEYS];
static int nhreply, nhbroken;
static int64_t htls[MAXDAYS][NHT];

/* The counter of key in a table of n keys (added when new). */
static int64_t *
h_slot(void *tab, int *n, int cap, const char *key, int day)
{
	struct hkey { char key[24]; int64_t n[MAXDAYS]; } *t = tab;
	int i;

	for (i = 0; i < *n; i++)
		if (strcmp(t[i].key, key) == 0)
			return &t[i].n[day];
	if (*n == cap || strlen(key) >= sizeof(t[0].key)) {
		fprintf(stderr, "genlog: health key table full at %s\n", key);
		exit(1);
	}
	snprintf(t[*n].key, sizeof(t[0].key), "%s", key);
	return &t[(*n)++].n[day];
}

/* n replies: "in" we gave them, "out" a remote server gave them to us; enh "" when none. */
static void
h_reply_n(int day, const char *dir, int code, const char *enh, int n)
{
	char key[24];

	snprintf(key, sizeof(key), "%s %d%s%s", dir, code, *enh ? " " : "", enh);
	*h_slot(hreply, &nhreply, HREPLY_KEYS, key, day) += n;
}

static void
h_reply(int day, const char *dir, int code, const char *enh)
{
	h_reply_n(day, dir, code, enh, 1);
}

static void
h_broken(int day, const char *what)
{
	(*h_slot(hbroken, &nhbroken, HBROKEN_KEYS, what, day))++;
}

static void
h_tls(int day, int out, int tls)
{
	htls[day][out ? (tls ? HT_OUT : HT_OUT_PLAIN) : (tls ? HT_IN : HT_IN_PLAIN)]++;
}

/* The broken-session causes of day d, as report day keys. */
static void
h_write_broken(FILE *f, int d)
{
	int i;

	for (i = 0; i < nhbroken; i++)
		if (hbroken[i].n[d] != 0)
			fprintf(f, ", \"sessions_incomplete_%s\": %lld", hbroken[i].key,
			    (long long)hbroken[i].n[d]);
}

/* ,"health": {day: {"replies": {"in 550 5.7.1": n, ...}, "tls": {...}}} */
static void
h_write(FILE *f, int ndays)
{
	int d, i, y, mo, dd, first;

	fprintf(f, ",\n\"health\": {");
	for (d = 0; d < ndays; d++) {
		civil_from_days(first_day + d, &y, &mo, &dd);
		fprintf(f, "%s\n  \"%04d-%02d-%02d\": {\"replies\": {", d ? "," : "", y, mo, dd);
		for (i = 0, first = 1; i < nhreply; i++)
			if (hreply[i].n[d] != 0) {
				fprintf(f, "%s\"%s\": %lld", first ? "" : ", ", hreply[i].key,
				    (long long)hreply[i].n[d]);
				first = 0;
			}
		fprintf(f, "}, \"tls\": {");
		for (i = 0; i < NHT; i++)
			fprintf(f, "%s\"%s\": %lld", i ? ", " : "", ht_names[i], (long long)htls[d][i]);
		fprintf(f, "}}");
	}
	fprintf(f, "}");
}

static int xall, xsyslog;
static struct xstory **xstories;
static size_t nxstories;
static uint64_t xid_counter = 0x1f2e3d;
static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static char *
p_b62(char *p, uint64_t v, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--) {
		p[i] = b62[v % 62];
		v /= 62;
	}
	return p + width;
}

/* 6-6-2 (up to 4.96) or 6-11-4 (4.97+): time, then a unique counter */
static void
x_make_id(struct xstory *s, int q, usec_t t)
{
	char *o = s->id[q], *p;
	uint64_t c = xid_counter++;

	p = p_b62(o, (uint64_t)(t / SEC), 6);
	*p++ = '-';
	if (s->newid[XQ_MAIN]) {
		p = p_b62(p, c, 11);
		*p++ = '-';
		p = p_b62(p, (uint64_t)(t % SEC) / 244, 4);
	} else {
		p = p_b62(p, c, 6);
		*p++ = '-';
		p = p_b62(p, (uint64_t)(t % SEC) / 500000, 2);
	}
	s->idlen[q] = (uint8_t)(p - o);
	*p = '\0';
}

static void
x_add(struct xstory *s, usec_t t, int op, int q, int r, int x)
{
	struct step *st;

	if (s->n == XMAXSTEPS || t >= t_end)
		return; /* the log ends first: the rest stays in flight */
	if (s->n > 0 && t < s->st[s->n - 1].t)
		t = s->st[s->n - 1].t;
	st = &s->st[s->n++];
	st->t = t;
	st->op = (uint8_t)op;
	st->q = (uint8_t)q;
	st->r = (uint8_t)r;
	st->x = (uint8_t)x;
}

static void
x_ip(struct xstory *s)
{
	char *p = p_ipv4(s->ip, 0xC6336400u + rnd(200) * 256u + 1 + rnd(250)); /* 198.51.x.y */

	s->iplen = (uint8_t)(p - s->ip);
}

static int
x_setaddr(char *dst, uint8_t *len, uint64_t key)
{
	char *p = p_account(dst, key);

	*len = (uint8_t)(p - dst);
	*p = '\0';
	return 0;
}

/* an external address: local part, word, number, tld */
static void
x_ext_addr(char *dst, uint8_t *len)
{
	char *p = dst;

	p = p_str(p, ext_locals[rnd(12)]);
	*p++ = '@';
	p = p_str(p, words[rnd(16)]);
	p = p_u(p, rnd(400));
	p = p_str(p, rnd(2) ? ".example" : ".test");
	*len = (uint8_t)(p - dst);
	*p = '\0';
}

static void
x_rcpts(struct xstory *s, int inbound)
{
	int i, n = 1 + (rnd(4) == 0) * (1 + (int)rnd(4));

	s->nr = (uint8_t)n;
	for (i = 0; i < n; i++) {
		struct xrcpt *r = &s->r[i];
		uint32_t k = rnd(100);
		r->olen = 0;
		r->orig[0] = '\0';
		if (inbound || k < 30) {
			/* a local user; now and then an alias that forwards out, or LMTP */
			char *p = r->addr;
			p = L(p, "user");
			p = p_u(p, rnd((uint32_t)naccounts));
			p = L(p, "@corp.example");
			r->alen = (uint8_t)(p - r->addr);
			r->kind = rnd(10) == 0 ? XR_LMTP : XR_LOCAL;
			if (rnd(12) == 0) {
				memcpy(r->orig, r->addr, (size_t)r->alen + 1);
				r->olen = r->alen;
				x_ext_addr(r->addr, &r->alen);
				r->kind = XR_ALIAS;
			}
		} else {
			x_ext_addr(r->addr, &r->alen);
			r->kind = XR_EXT;
		}
		k = rnd(1000);
		r->fate = r->kind == XR_LOCAL || r->kind == XR_LMTP ? XF_SENT
		    : k < 880 ? XF_SENT : k < 950 ? XF_DEFER_SENT : k < 985 ? XF_BOUNCE : XF_EXPIRE;
	}
}

/* a notice (bounce, expiry or delay warning) to the sender of the message */
static void
x_notice(struct xstory *s, int q, usec_t t)
{
	x_make_id(s, q, t);
	s->size[q] = 1500 + rnd(3000);
	x_add(s, t, X_RECV, q, 0, 0);
	x_add(s, t + ms(50, 400), X_DELIV, q, XMAXR, 0);
	x_add(s, t + ms(450, 900), X_DONE, q, 0, 0);
}

/* deliveries of the message: first attempt, queue runs for the deferred, the end */
static void
x_deliveries(struct xstory *s, usec_t t)
{
	usec_t t0 = t, last = t, tr;
	int i, left = 0, failed = 0, warned = 0, expired = 0;

	for (i = 0; i < s->nr; i++) {
		struct xrcpt *r = &s->r[i];
		t += ms(100, 2500);
		if (r->fate == XF_SENT) {
			x_add(s, t, X_DELIV, XQ_MAIN, i, i > 0 && s->r[i - 1].kind == r->kind &&
			    r->kind == XR_EXT && s->r[i - 1].fate == XF_SENT);
		} else if (r->fate == XF_BOUNCE && rnd(2)) {
			x_add(s, t, X_FAIL, XQ_MAIN, i, 0);
			failed++;
		} else {
			x_add(s, t, X_DEFER, XQ_MAIN, i, 0);
			if (rnd(8) == 0)
				x_add(s, t + ms(5, 50), X_REFUSED, XQ_MAIN, i, 0);
			left++;
		}
		last = t;
	}
	/* queue runs: every XRETRY until each deferred recipient is settled */
	for (tr = t0 + XRETRY; left > 0 && tr < t_end; tr += XRETRY) {
		t = tr + ms(0, 20000);
		for (i = 0; i < s->nr; i++) {
			struct xrcpt *r = &s->r[i];
			if (r->fate == XF_SENT || r->deferred == 2)
				continue;
			t += ms(50, 900);
			if (r->fate == XF_EXPIRE && tr - t0 >= XLIFETIME) {
				x_add(s, t, X_EXPIRE, XQ_MAIN, i, 0);
				r->deferred = 2;
				left--;
				expired = 1;
			} else if (r->fate == XF_DEFER_SENT && rnd(3) == 0) {
				x_add(s, t, X_DELIV, XQ_MAIN, i, 0);
				r->deferred = 2;
				left--;
			} else if (r->fate == XF_BOUNCE && rnd(3) == 0) {
				x_add(s, t, X_FAIL, XQ_MAIN, i, 0);
				r->deferred = 2;
				left--;
				failed++;
			} else {
				x_add(s, t, X_DEFER, XQ_MAIN, i, 0);
			}
		}
		if (!warned && left > 0 && tr - t0 >= XWARN && s->slen > 0) {
			warned = 1;
			x_notice(s, XQ_WARN, t + ms(10, 200));
		}
		last = t;
	}
	if (left > 0)
		return; /* still in the queue when the log ends */
	if ((failed || expired) && s->slen > 0)
		x_notice(s, XQ_NDR, last + ms(20, 300));
	x_add(s, last + ms(400, 1200), X_DONE, XQ_MAIN, 0, 0);
}

static void
x_build_message(struct xstory *s, usec_t t)
{
	int k = s->kind;

	s->newid[XQ_MAIN] = rnd(2);
	s->setid = 0;
	s->relay_day[XQ_MAIN] = s->relay_day[XQ_NDR] = s->relay_day[XQ_WARN] = -1;
	if (k == XK_LOCAL) {
		uint32_t u = rnd(NLOCALUSERS);
		s->acct = AK_LOCAL << AK_SHIFT | u;
		x_setaddr(s->sender, &s->slen, s->acct);
		s->ip[0] = '\0';
		s->iplen = 0;
		x_rcpts(s, 0);
		x_add(s, t, X_CWD, XQ_MAIN, 0, 0);
	} else {
		x_ip(s);
		s->hlen = (uint8_t)(p_str(s->helo, words[rnd(16)]) - s->helo);
		s->helo[s->hlen] = '\0';
		if (k == XK_SUBMIT) {
			uint32_t u = rnd(50) == 0 ? XFORGER : rnd((uint32_t)naccounts);
			s->setid = (uint64_t)u + 1;
			s->acct = AK_SASL << AK_SHIFT | u;
			if (u == XFORGER)
				x_ext_addr(s->sender, &s->slen); /* forged: the account is the set id */
			else
				x_setaddr(s->sender, &s->slen, s->acct);
			x_rcpts(s, 0);
		} else {
			uint64_t v = (uint64_t)rnd(12) << 32 | (uint64_t)rnd(16) << 24 |
			    (uint64_t)rnd(2) << 20 | rnd(4000);
			s->acct = AK_EXT << AK_SHIFT | v;
			x_setaddr(s->sender, &s->slen, s->acct);
			x_rcpts(s, 1);
		}
		x_add(s, t, X_CONN, XQ_MAIN, 0, 0);
		t += ms(300, 3000);
	}
	x_make_id(s, XQ_MAIN, t);
	s->size[XQ_MAIN] = 800 + rnd(60000);
	x_add(s, t, X_RECV, XQ_MAIN, 0, 0);
	if (k != XK_LOCAL)
		x_add(s, t + ms(20, 200), X_CLOSED, XQ_MAIN, 0, 0);
	x_deliveries(s, t + ms(200, 800));
}

static void
x_build(struct xstory *s, usec_t t, int single)
{
	uint32_t k = rnd(1000);

	s->n = s->next = 0;
	memset(s->deferred, 0, sizeof(s->deferred));
	memset(s->r, 0, sizeof(s->r));
	s->expired = 0;
	s->slen = 0;
	s->pid = 1000 + rnd(60000);
	if (single) {
		s->kind = XK_NOISE;
		x_add(s, t, X_NOISE, 0, 0, (int)rnd(4));
		return;
	}
	s->kind = k < 420 ? XK_INBOUND : k < 700 ? XK_SUBMIT : k < 780 ? XK_LOCAL
	    : k < 880 ? XK_REJECT : k < 920 ? XK_AUTHFAIL : XK_NOISE;
	switch (s->kind) {
	case XK_REJECT:
		x_ip(s);
		s->hlen = (uint8_t)(p_str(s->helo, words[rnd(16)]) - s->helo);
		x_ext_addr(s->sender, &s->slen);
		x_rcpts(s, 1);
		x_add(s, t, X_CONN, 0, 0, 0);
		k = rnd(3);
		if (k == 2) {
			x_make_id(s, XQ_MAIN, t);
			x_add(s, t + ms(500, 4000), X_REJ_DATA, XQ_MAIN, 0, 0);
		} else {
			x_add(s, t + ms(200, 900), k ? X_TEMPREJ : X_REJ_RCPT, 0, 0, 0);
		}
		x_add(s, t + ms(950, 1500), X_CLOSED, 0, 0, 0);
		break;
	case XK_AUTHFAIL:
		x_ip(s);
		s->hlen = (uint8_t)(p_str(s->helo, words[rnd(16)]) - s->helo);
		x_add(s, t, X_CONN, 0, 0, 0);
		for (k = 1 + rnd(3); k > 0; k--)
			x_add(s, t += ms(500, 3000), X_AUTHFAIL, 0, 0, (int)rnd(2));
		break;
	case XK_NOISE:
		x_add(s, t, X_NOISE, 0, 0, (int)rnd(4));
		if (rnd(3) == 0)
			x_add(s, t + ms(100, 900), X_QRUN, 0, 0, 0);
		break;
	default:
		x_build_message(s, t);
		break;
	}
}

/* "YYYY-MM-DD hh:mm:ss" (+all: ".mmm +0000 [pid]"), after a syslog header with --format syslog */
static char *
x_stamp(char *p, usec_t t, uint32_t pid)
{
	int64_t sec = t / SEC;
	int32_t day = (int32_t)(sec / 86400);
	unsigned sod = (unsigned)(sec % 86400), msec = (unsigned)(t % SEC / MSEC);
	int y, mo, d;

	civil_from_days(day, &y, &mo, &d);
	if (xsyslog) {
		p = p_mem(p, months + 3 * (mo - 1), 3);
		*p++ = ' ';
		*p++ = d < 10 ? ' ' : (char)('0' + d / 10);
		*p++ = (char)('0' + d % 10);
		*p++ = ' ';
		p = p_2(p, sod / 3600);
		*p++ = ':';
		p = p_2(p, sod / 60 % 60);
		*p++ = ':';
		p = p_2(p, sod % 60);
		p = L(p, " mx1 exim[");
		p = p_u(p, pid);
		p = L(p, "]: ");
	}
	p = p_u(p, (uint64_t)y);
	*p++ = '-';
	p = p_2(p, (unsigned)mo);
	*p++ = '-';
	p = p_2(p, (unsigned)d);
	*p++ = ' ';
	p = p_2(p, sod / 3600);
	*p++ = ':';
	p = p_2(p, sod / 60 % 60);
	*p++ = ':';
	p = p_2(p, sod % 60);
	if (xall) {
		*p++ = '.';
		*p++ = (char)('0' + msec / 100);
		p = p_2(p, msec % 100);
		p = L(p, " +0000 [");
		p = p_u(p, pid);
		*p++ = ']';
	}
	*p++ = ' ';
	return p;
}

static char *
x_id(char *p, const struct xstory *s, int q)
{
	p = p_mem(p, s->id[q], s->idlen[q]);
	*p++ = ' ';
	return p;
}

/* "H=(helo) [ip]" (+all: ":port I=[192.0.2.25]:25|587") */
static char *
x_host(char *p, const struct xstory *s)
{
	p = L(p, "H=(");
	p = p_mem(p, s->helo, s->hlen);
	p = L(p, ") [");
	p = p_mem(p, s->ip, s->iplen);
	*p++ = ']';
	if (xall) {
		*p++ = ':';
		p = p_u(p, 1024 + s->seq % 60000);
		p = s->kind == XK_SUBMIT ? L(p, " I=[192.0.2.25]:587") : L(p, " I=[192.0.2.25]:25");
	}
	return p;
}

/* where a recipient's domain's MX is: derived from the address, never drawn */
static char *
x_mx(char *p, const struct xrcpt *r)
{
	const char *at = memchr(r->addr, '@', r->alen);
	size_t dl = at == NULL ? 0 : (size_t)(r->alen - (at + 1 - r->addr));

	p = L(p, "H=mx.");
	p = p_mem(p, at + 1, dl);
	p = L(p, " [203.0.113.");
	p = p_u(p, 1 + (unsigned)(dl * 7 + (unsigned char)at[1]) % 250);
	*p++ = ']';
	if (xall)
		p = L(p, ":25 I=[192.0.2.25]:40123");
	return p;
}

static void
x_count_delivery(struct xstory *s, int q, const struct xrcpt *r, int day)
{
	int64_t *c = counts[day];
	const char *at = memchr(r->addr, '@', r->alen);
	int local_dom = at != NULL && (strcmp(at, "@corp.example") == 0 ||
	    strcmp(at, "@mail.example") == 0);

	c[DELIVERED]++;
	c[BYTES_DELIVERED] += (int64_t)s->size[q];
	if (r->kind == XR_LOCAL || r->kind == XR_LMTP || local_dom)
		return;
	c[RELAYED]++;
	if (q == XQ_MAIN && s->acct != 0) {
		struct acct_ent *e = acct_slot(s->acct << 9 | (uint64_t)day);
		e->relayed++;
		if (s->relay_day[q] != day) {
			e->msgs++;
			s->relay_day[q] = day;
		}
	}
}

/* the sender of the message as the recipient of a notice */
static const struct xrcpt *
x_notice_rcpt(const struct xstory *s, struct xrcpt *tmp)
{
	const char *at = memchr(s->sender, '@', s->slen);

	memcpy(tmp->addr, s->sender, (size_t)s->slen + 1);
	tmp->alen = s->slen;
	tmp->olen = 0;
	tmp->kind = at != NULL && (strcmp(at, "@corp.example") == 0 ||
	    strcmp(at, "@mail.example") == 0) ? XR_LOCAL : XR_EXT;
	return tmp;
}

static char *
x_emit_recv(char *p, struct xstory *s, int q, int64_t *c, int st_day)
{
	p = x_id(p, s, q);
	p = L(p, "<= ");
	if (q != XQ_MAIN) {
		p = L(p, "<> R=");
		p = p_mem(p, s->id[XQ_MAIN], s->idlen[XQ_MAIN]);
		p = L(p, " U=Debian-exim P=local S=");
		c[NOTIFICATIONS]++;
	} else {
		p = p_mem(p, s->sender, s->slen);
		if (s->kind == XK_LOCAL) {
			p = L(p, " U=");
			p = p_mem(p, s->sender, (size_t)((const char *)memchr(s->sender, '@', s->slen) - s->sender));
			p = L(p, " P=local");
		} else {
			/* a fifth of unauthenticated clients stay plaintext */
			int plain = !s->setid && s->seq % 5 == 0;
			*p++ = ' ';
			p = x_host(p, s);
			p = s->setid ? L(p, " P=esmtpsa") : plain ? L(p, " P=esmtp") : L(p, " P=esmtps");
			if (!plain)
				p = L(p, " X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no");
			h_tls((int)(st_day), 0, !plain);
			if (s->setid) {
				p = L(p, " A=dovecot_plain:");
				p = p_account(p, s->acct);
			}
		}
		p = L(p, " S=");
		c[RECEIVED]++;
		c[BYTES_RECEIVED] += (int64_t)s->size[q];
	}
	p = p_u(p, s->size[q]);
	if (xall) {
		p = L(p, " M8S=0 id=");
		p = p_mem(p, s->id[q], s->idlen[q]);
		p = L(p, "@mx1.corp.example T=\"");
		/* the subject is the sender's: now and then it imitates fields */
		p = s->seq % 17 == 0 ? L(p, "invoice A=dovecot_plain:mallory S=999999")
		    : L(p, "Re: the report");
		p = L(p, "\" from <");
		p = q == XQ_MAIN ? p_mem(p, s->sender, s->slen) : p;
		p = L(p, "> for ");
		if (q == XQ_MAIN)
			p = p_mem(p, s->r[0].orig[0] ? s->r[0].orig : s->r[0].addr,
			    s->r[0].orig[0] ? s->r[0].olen : s->r[0].alen);
		else
			p = p_mem(p, s->sender, s->slen);
	}
	return p;
}

static char *
x_emit_deliv(char *p, struct xstory *s, const struct step *st, int day)
{
	struct xrcpt tmp;
	const struct xrcpt *r = st->r == XMAXR ? x_notice_rcpt(s, &tmp) : &s->r[st->r];
	int q = st->q;

	p = x_id(p, s, q);
	p = st->x ? L(p, "-> ") : L(p, "=> ");
	if (r->kind == XR_LOCAL) {
		p = p_mem(p, r->addr, (size_t)((const char *)memchr(r->addr, '@', r->alen) - r->addr));
		p = L(p, " <");
		p = p_mem(p, r->addr, r->alen);
		*p++ = '>';
	} else {
		p = p_mem(p, r->addr, r->alen);
		if (r->olen > 0) {
			p = L(p, " <");
			p = p_mem(p, r->orig, r->olen);
			*p++ = '>';
		}
	}
	if (xall) {
		p = L(p, " F=<");
		p = q == XQ_MAIN ? p_mem(p, s->sender, s->slen) : p;
		p = L(p, "> P=<");
		p = q == XQ_MAIN ? p_mem(p, s->sender, s->slen) : p;
		*p++ = '>';
	}
	switch (r->kind) {
	case XR_LOCAL:
		p = L(p, " R=local_user T=mail_spool");
		break;
	case XR_LMTP:
		p = L(p, " R=dovecot T=dovecot_lmtp H=127.0.0.1 [127.0.0.1] C=\"250 2.0.0 Saved\"");
		h_reply(day, "out", 250, "2.0.0");
		break;
	default:
		p = L(p, " R=dnslookup T=remote_smtp");
		if (xall) {
			p = L(p, " S=");
			p = p_u(p, s->size[q] + 400);
		}
		*p++ = ' ';
		p = x_mx(p, r);
		/* some remote hosts offer no TLS; "->" further recipients share the "=>" session */
		if ((s->seq + st->r) % 6 != 0)
			p = L(p, " X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes");
		if (!st->x)
			h_tls(day, 1, (s->seq + st->r) % 6 != 0);
		p = xall ? L(p, " K C=\"250 2.0.0 Ok\"") : L(p, " C=\"250 2.0.0 Ok\"");
		h_reply(day, "out", 250, "2.0.0");
		break;
	}
	if (xall) {
		/* the time since "<=" in whole seconds of the stamps: what the default log gives */
		p = L(p, " QT=");
		p = p_u(p, (uint64_t)(st->t / SEC - s->recv_t[q] / SEC));
		p = L(p, "s DT=0."); /* +millisec's form under 5 s */
		p = p_u(p, 1 + s->seq % 9);
		p = L(p, "00s");
	}
	x_count_delivery(s, q, r, day);
	return p;
}

/* A session that ended without a message, one of Exim's causes by the story's number. */
static char *
x_broken(char *p, const struct xstory *s, int day)
{
	static const struct {
		const char *text, *what;
		int code;
	} b[] = {
		{ "SMTP call from [198.51.100.7] dropped: too many unrecognized commands",
		  "too_many_errors", 500 },
		{ "no MAIL in SMTP connection from (desktop) [198.51.100.7]:40000 I=[192.0.2.25]:25 "
		  "D=12s C=EHLO,QUIT", "no_mail", 0 },
		{ "SMTP command timeout on connection from (desktop) [198.51.100.7] D=5m",
		  "timeout", 421 },
		{ "unexpected disconnection while reading SMTP command from (desktop) [198.51.100.7] "
		  "D=3s", "lost", 0 },
		{ "SMTP protocol synchronization error (input sent without waiting for greeting): "
		  "rejected connection from H=[198.51.100.7]:40000 I=[192.0.2.25]:25 "
		  "input=\"EHLO x\\r\\n\"", "pregreet", 554 },
		{ "SMTP data timeout (message abandoned) on connection from (desktop) [198.51.100.7] "
		  "F=<a@ext.example> D=5m1s", "timeout_after_data", 421 },
		{ "Connection from [198.51.100.7] refused: too many connections from that IP address",
		  "rate_limit", 421 },
		{ "SMTP call from (desktop) [198.51.100.7] dropped: too many syntax or protocol errors "
		  "(last command was \"AUTH LOGIN\")", "too_many_errors", 0 },
	};
	unsigned k = s->seq % (sizeof(b) / sizeof(b[0]));

	h_broken(day, b[k].what);
	if (b[k].code != 0)
		h_reply(day, "in", b[k].code, "");
	return p_str(p, b[k].text);
}

static void
x_emit(struct xstory *s, const struct step *st)
{
	char *p = op_;
	int q = st->q, day = (int)(st->t / DAY_US - first_day);
	struct xrcpt *r = &s->r[st->r < XMAXR ? st->r : 0];
	int64_t *c = counts[day];

	if (!xall && (st->op == X_CONN || st->op == X_CLOSED || st->op == X_CWD))
		return; /* lines only +all writes: nothing in them counts */
	p = x_stamp(p, st->t, s->pid);
	switch (st->op) {
	case X_CONN:
		p = L(p, "SMTP connection from (");
		p = p_mem(p, s->helo, s->hlen);
		p = L(p, ") [");
		p = p_mem(p, s->ip, s->iplen);
		p = L(p, "]:");
		p = p_u(p, 1024 + s->seq % 60000);
		p = L(p, " I=[192.0.2.25]:25 (TCP/IP connection count = 3)");
		break;
	case X_CLOSED:
		p = L(p, "SMTP connection from (");
		p = p_mem(p, s->helo, s->hlen);
		p = L(p, ") [");
		p = p_mem(p, s->ip, s->iplen);
		p = L(p, "] closed by QUIT");
		break;
	case X_CWD:
		p = L(p, "cwd=/var/spool/exim4 4 args: /usr/sbin/sendmail -i -t -f ");
		p = p_mem(p, s->sender, s->slen);
		break;
	case X_RECV:
		s->recv_t[q] = st->t;
		p = x_emit_recv(p, s, q, c, day);
		break;
	case X_DELIV:
		p = x_emit_deliv(p, s, st, day);
		break;
	case X_DEFER:
		p = x_id(p, s, q);
		p = L(p, "== ");
		p = p_mem(p, r->addr, r->alen);
		p = L(p, " R=dnslookup T=remote_smtp defer (-44) ");
		p = x_mx(p, r);
		if (xall)
			p = L(p, " DT=0.400s"); /* deliver.c's deferral_log: before the message */
		p = L(p, ": SMTP error from remote mail server after RCPT TO:<");
		p = p_mem(p, r->addr, r->alen);
		if (s->seq % 4 == 0) {
			p = L(p, ">: 452 4.2.2 Mailbox full");
			h_reply(day, "out", 452, "4.2.2");
		} else {
			p = L(p, ">: 451 4.7.1 Greylisted, try again later");
			h_reply(day, "out", 451, "4.7.1");
		}
		c[DEFERRALS]++;
		if (!s->deferred[q]) {
			s->deferred[q] = 1;
			c[DEFERRED]++;
		}
		break;
	case X_FAIL:
		p = x_id(p, s, q);
		p = L(p, "** ");
		p = p_mem(p, r->addr, r->alen);
		p = L(p, " R=dnslookup T=remote_smtp ");
		p = x_mx(p, r);
		p = L(p, ": SMTP error from remote mail server after RCPT TO:<");
		p = p_mem(p, r->addr, r->alen);
		p = L(p, ">: 550 5.1.1 User unknown");
		if (xall)
			p = L(p, " DT=0.300s"); /* failure_log: after the message */
		h_reply(day, "out", 550, "5.1.1");
		c[BOUNCED]++;
		break;
	case X_EXPIRE:
		p = x_id(p, s, q);
		p = L(p, "** ");
		p = p_mem(p, r->addr, r->alen);
		p = L(p, " R=dnslookup T=remote_smtp: retry timeout exceeded");
		if (!s->expired) {
			s->expired = 1;
			c[EXPIRED]++;
		}
		break;
	case X_REFUSED:
		/* a delivery-side connection failure: not a reject */
		p = x_id(p, s, q);
		p = x_mx(p, r);
		p = L(p, " Connection refused");
		break;
	case X_DONE:
		p = x_id(p, s, q);
		p = L(p, "Completed");
		if (xall) {
			p = L(p, " QT=");
			p = p_u(p, 1 + (uint64_t)(st->t - s->st[0].t) / SEC);
			*p++ = 's';
		}
		break;
	case X_REJ_RCPT:
	case X_TEMPREJ:
		p = x_host(p, s);
		p = L(p, " F=<");
		p = p_mem(p, s->sender, s->slen);
		p = st->op == X_TEMPREJ ? L(p, "> temporarily rejected RCPT <") : L(p, "> rejected RCPT <");
		p = p_mem(p, r->addr, r->alen);
		/* Exim logs the code only when the ACL message is the log text */
		if (s->seq % 2 == 0) {
			p = st->op == X_TEMPREJ ? L(p, ">: 451 4.7.1 Greylisted")
			    : L(p, ">: 550 5.7.1 Client host blocked using zen.spamhaus.org");
			h_reply(day, "in", st->op == X_TEMPREJ ? 451 : 550,
			    st->op == X_TEMPREJ ? "4.7.1" : "5.7.1");
		} else {
			p = st->op == X_TEMPREJ ? L(p, ">: greylisted, please try again later")
			    : L(p, ">: rejected because 198.51.100.9 is in a black list at zen.spamhaus.org");
			h_reply(day, "in", st->op == X_TEMPREJ ? 451 : 550, "");
		}
		c[REJECTED]++;
		break;
	case X_REJ_DATA:
		p = x_id(p, s, q);
		p = x_host(p, s);
		p = L(p, " F=<");
		p = p_mem(p, s->sender, s->slen);
		p = L(p, "> rejected after DATA: This message contains a virus (Eicar-Signature)");
		h_reply(day, "in", 550, "");
		c[REJECTED]++;
		break;
	case X_AUTHFAIL:
		p = st->x ? L(p, "dovecot_login") : L(p, "dovecot_plain");
		p = L(p, " authenticator failed for (");
		p = p_mem(p, s->helo, s->hlen);
		p = L(p, ") [");
		p = p_mem(p, s->ip, s->iplen);
		p = L(p, "]: 535 Incorrect authentication data (set_id=admin)");
		h_reply(day, "in", 535, "");
		c[AUTH_FAILED]++;
		break;
	case X_QRUN:
		p = L(p, "Start queue run: pid=");
		p = p_u(p, s->pid);
		break;
	default:
		switch (st->x) {
		case 0:
			p = L(p, "no host name found for IP address 198.51.100.");
			p = p_u(p, 1 + s->seq % 250);
			break;
		case 1:
			p = x_broken(p, s, day);
			break;
		case 2:
			p = L(p, "TLS error on connection from (x) [198.51.100.8] (SSL_accept): "
			    "error:0A00010B:SSL routines::wrong version number");
			break;
		default:
			p = L(p, "H=(rejected) [198.51.100.9] F=<\"rejected RCPT\"@x.example> "
			    "sender verify fail for <x@x.example>: rejected RCPT");
			break;
		}
		break;
	}
	*p++ = '\n';
	op_ = p;
	if (op_ >= outbuf + OUTCAP)
		flush_out();
}

static uint32_t
x_alloc(void)
{
	if (nfree > 0)
		return free_idx[--nfree];
	if ((nxstories & (nxstories - 1)) == 0) {
		size_t cap = nxstories ? nxstories * 2 : 256;
		xstories = realloc(xstories, cap * sizeof(*xstories));
		free_idx = realloc(free_idx, cap * sizeof(*free_idx));
		if (xstories == NULL || free_idx == NULL) {
			perror("genlog");
			exit(1);
		}
	}
	xstories[nxstories] = calloc(1, sizeof(struct xstory));
	if (xstories[nxstories] == NULL) {
		perror("genlog");
		exit(1);
	}
	return (uint32_t)nxstories++;
}

/* The Exim run: the same arrival clock and merge as Postfix's main loop. */
static uint64_t
x_run(uint64_t target, usec_t t_start, double per_line, uint64_t *nstory)
{
	uint64_t lines = 0, seq = 0, committed = 0;
	usec_t ta = t_start + (usec_t)rnd((uint32_t)(per_line / weight(t_start)) + 1);

	while (committed < target || heap_n > 0) {
		if (committed < target && (heap_n == 0 || ta <= heap[0].t)) {
			uint32_t idx = x_alloc();
			struct xstory *s = xstories[idx];
			double w;

			s->seq = (uint32_t)++seq;
			x_build(s, ta, 0);
			if (s->n > target - committed || s->n == 0)
				x_build(s, ta, 1);
			committed += s->n;
			heap_push((struct hent){ s->st[0].t, s->seq, idx });
			w = weight(ta);
			ta += (usec_t)((double)s->n * per_line / w * (0.5 + (double)rnd(1024) / 1024.0));
			if (ta >= t_end)
				ta = t_end - 1;
			continue;
		}
		{
			struct hent *h = &heap[0];
			struct xstory *s = xstories[h->idx];
			x_emit(s, &s->st[s->next++]);
			lines++;
			if (s->next < s->n) {
				h->t = s->st[s->next].t;
				heap_sift_down(0);
			} else {
				free_idx[nfree++] = h->idx;
				heap[0] = heap[--heap_n];
				if (heap_n > 0)
					heap_sift_down(0);
			}
		}
	}
	*nstory = seq;
	return lines;
}

static void write_expect(const char *path, int ndays);

static int
x_main(const char *expect, uint64_t target)
{
	double total_w = 0, per_line;
	usec_t t, t_start;
	uint64_t lines, nstory;

	rng ^= 0xe3e3e3e3e3ULL;
	first_day = days_from_civil(start_y, start_m, start_d);
	t_start = (usec_t)first_day * DAY_US;
	t_end = t_start + (usec_t)ndays_opt * DAY_US;
	for (t = t_start; t < t_end; t += 3600 * SEC)
		total_w += weight(t);
	per_line = total_w * 3600.0 * (double)SEC / (double)target;
	lines = x_run(target, t_start, per_line, &nstory);
	flush_out();
	if (fflush(stdout) != 0) {
		perror("genlog: write");
		return 1;
	}
	if (expect != NULL)
		write_expect(expect, ndays_opt);
	fprintf(stderr, "genlog: exim %s %s: %llu lines, %llu stories, %d days from %04d-%02d-%02d;"
	    " local domains corp.example mail.example\n", xsyslog ? "syslog" : "mainlog",
	    xall ? "+all" : "default", (unsigned long long)lines, (unsigned long long)nstory,
	    ndays_opt, start_y, start_m, start_d);
	return 0;
}

/* ============================================================= IceWarp */

/*
 * --mta icewarp --out DIR: the same site (local domains corp.example and
 * mail.example) served by IceWarp, written as its daily SMTP log files
 * DIR/s[ID]YYYYMMDD[-nn].log (--server-id ID; a new -nn file whenever one
 * passes --split-bytes, so sessions continue across splits and midnight),
 * with the true counts of docs/counting.md's IceWarp column.  A story is
 * one SMTP session: a reception from outside (local recipients, some
 * unknown: rejected), a submission (AUTH LOGIN or PLAIN, local and external
 * recipients, some with a forged envelope sender), an unauthenticated local
 * application relaying, a delivery to a remote MX (2xx, 4xx, 5xx per
 * recipient and after the data), an AUTH failure, a session that ends
 * without a message (QUIT, gone after 354, TIMEOUT), an intrusion-prevention
 * 421; STARTTLS in some sessions both ways, a VRFY refused, a sender the
 * remote MX refuses (issue 14's truth: replies, TLS); and single lines:
 * SYSTEM events, antispam verdicts.  Thread ids come
 * from a small pool and are reused; sessions interleave.  --format old
 * writes Merak's full RFC 822 date in every line; --pad pads the first
 * column.  Passwords are "pw-<user>-Secret!" (the e2e test greps for them).
 */

enum wkind { WK_INBOUND, WK_SUBMIT, WK_APP, WK_OUT, WK_AUTHFAIL, WK_QUIT, WK_GONE,
	WK_TIMEOUT, WK_BLOCK, WK_SYSTEM, WK_SPAM };
enum weff { WE_NONE, WE_RECV, WE_REJECT, WE_AUTHFAIL, WE_DEFERRAL, WE_BOUNCE, WE_DELIV,
	WE_EXTRA };

/* the per-day diagnostics of the IceWarp column: report keys */
enum { WX_QUIT, WX_DATA, WX_TIMEOUT, WX_ERROR, WX_IP_R, WX_IP_I, WX_IP_OTHER, WX_AS_NONE,
	WX_AS_SPAM, WX_AS_QUARANTINE, WX_AS_REJECT, WX_AS_DELETE, NWX };
static const char *const wx_names[NWX] = { "sessions_incomplete_quit",
	"sessions_incomplete_data", "sessions_incomplete_timeout", "sessions_incomplete_error",
	"ipblock_r", "ipblock_i", "ipblock_other", "antispam_none", "antispam_spam",
	"antispam_quarantine", "antispam_reject", "antispam_delete" };
static const char *const wx_actions[] = { "NONE", "SPAM", "QUARANTINE", "REJECT", "DELETE" };

#define WMAXSTEPS 96
#define WTEXT 8192
#define WMAXR 6
/* dialogue pauses stretched: sessions last long enough to interleave */
#define WSLOW 12
/* thread ids in use at once: a small pool, so ids are reused all the time */
#define WTHREADS 48

struct wstep {
	usec_t t;
	uint16_t off, len;
	uint8_t eff, msg, n, x;
	/* issue 14's truth of the line: hn replies (hout: a remote's), a session's end (htls) */
	uint16_t hcode;
	uint8_t hn, hout, htls; /* htls: 0 none, 1 + 2 * out + tls */
	char henh[8];
};

/* what a summary line records */
struct wmsg {
	uint64_t size, acct;
	uint8_t nloc, next;
};

struct wstory {
	struct wstep st[WMAXSTEPS];
	struct wmsg m[4];
	char peer[48];
	uint32_t n, next, seq, thread;
	uint8_t plen;
	int has_thread;
	int sdir, stls; /* the session: 1 server, 2 client (0: no banner); STARTTLS answered 220 */
	char text[WTEXT]; /* last: w_build clears what is before it */
};

static int wold, wpad, wserver_set;
static unsigned long wserver;
static const char *wdir;
static uint64_t wsplit_bytes = 4u << 20;
static struct wstory **wstories;
static uint32_t *wfree, wnfree, wnstories;
static uint32_t wthread_free[WTHREADS], wnthreads;
static usec_t wlast; /* time of the last line written */
static int64_t wcounts[MAXDAYS][NWX];

/* base64 of s */
static char *
w_b64(char *p, const char *s, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)(unsigned char)s[i] << 16 | (uint32_t)(unsigned char)s[i + 1] << 8 |
		    (unsigned char)s[i + 2];
		*p++ = a[v >> 18];
		*p++ = a[(v >> 12) & 63];
		*p++ = a[(v >> 6) & 63];
		*p++ = a[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)(unsigned char)s[i] << 16;
		*p++ = a[v >> 18];
		*p++ = a[(v >> 12) & 63];
		*p++ = '=';
		*p++ = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)(unsigned char)s[i] << 16 | (uint32_t)(unsigned char)s[i + 1] << 8;
		*p++ = a[v >> 18];
		*p++ = a[(v >> 12) & 63];
		*p++ = a[(v >> 6) & 63];
		*p++ = '=';
	}
	return p;
}

/* the story being built */
static struct wstory *wb;
static usec_t wt;

/* a line of the story at wt (then wt moves on by d); its text is what p wrote after start */
static char *
w_begin(void)
{
	return wb->text + (wb->n > 0 ? wb->st[wb->n - 1].off + wb->st[wb->n - 1].len : 0);
}

static void
w_end(char *start, char *end, usec_t d, uint8_t eff, uint8_t msg, uint8_t n, uint8_t x)
{
	struct wstep *s = &wb->st[wb->n++];

	s->t = wt;
	s->off = (uint16_t)(start - wb->text);
	s->len = (uint16_t)(end - start);
	s->eff = eff;
	s->msg = msg;
	s->n = n;
	s->x = x;
	wt += d * WSLOW;
}

static void
w_line(const char *text, usec_t d)
{
	char *s = w_begin();

	w_end(s, p_str(s, text), d, WE_NONE, 0, 0, 0);
}

/* The last line written is n replies code enh, ours (out 0) or a remote's. */
static void
w_reply(int code, const char *enh, int out, int n)
{
	struct wstep *st = &wb->st[wb->n - 1];

	st->hcode = (uint16_t)code;
	st->hn = (uint8_t)n;
	st->hout = (uint8_t)out;
	snprintf(st->henh, sizeof(st->henh), "%s", enh);
}

/* The session ends: its TLS is counted by direction (a session without a banner has none). */
static void
w_disconnect(void)
{
	w_line("Disconnected", 0);
	if (wb->sdir != 0)
		wb->st[wb->n - 1].htls = (uint8_t)(1 + 2 * (wb->sdir == 2) + (wb->stls != 0));
}

/* STARTTLS in the session, as its client (IceWarp receiving) or as the client (delivering) */
static void
w_starttls(int client)
{
	if (client) {
		w_line(">>> STARTTLS", ms(2, 30));
		w_line("<<< 220 2.0.0 Ready to start TLS", ms(20, 200));
		w_line(">>> EHLO mail.corp.example", ms(2, 30));
		w_line("<<< 250 8BITMIME", ms(2, 30));
	} else {
		w_line("<<< STARTTLS", ms(2, 30));
		w_line(">>> 220 Ready to start TLS", ms(20, 200));
		w_line("<<< EHLO again", ms(2, 30));
		w_line(">>> 250 mail.corp.example Hello", ms(2, 30));
	}
	wb->stls = 1;
}

/* every other inbound session and two of three outbound ones use TLS: a counter, not the seed */
static unsigned w_tls_turn;
/* and now and then a refusal of another kind (also a counter) */
static unsigned w_odd_turn;

/* an external address: local part, word, number, tld */
static char *
w_ext_addr(char *p)
{
	p = p_str(p, ext_locals[rnd(12)]);
	*p++ = '@';
	p = p_str(p, words[rnd(16)]);
	p = p_u(p, rnd(500));
	return L(p, ".example");
}

static char *
w_local_addr(char *p, int unknown)
{
	if (unknown)
		return L(p_u(L(p, "nobody"), rnd(1000)), "@corp.example");
	p = L(p, "user");
	p = p_u(p, rnd((uint32_t)naccounts));
	return rnd(4) == 0 ? L(p, "@mail.example") : L(p, "@corp.example");
}

static void
w_connect_server(void)
{
	wb->sdir = 1;
	w_line("Connected", ms(0, 2));
	w_line(">>> 220 mail.corp.example ESMTP IceWarp 13.0; Mon, 02 Nov 2026 00:00:00 +0100", ms(5, 80));
}

/* MAIL, RCPTs (recipient texts by kind), DATA, 354, the summary (effect), 250 */
static void
w_transaction(const char *sender, int nloc, int next, int unknown, uint64_t acct, int m)
{
	char rc[WMAXR + 4][80], *s, *e;
	uint8_t rl[WMAXR + 4];
	int i, k = 0;

	s = w_begin();
	e = L(p_str(L(s, "<<< MAIL FROM:<"), sender), ">");
	w_end(s, e, ms(2, 30), WE_NONE, 0, 0, 0);
	s = w_begin();
	e = L(p_str(L(s, ">>> 250 2.1.0 <"), sender), ">... Sender ok");
	w_end(s, e, ms(2, 30), WE_NONE, 0, 0, 0);
	for (i = 0; i < nloc + next + unknown; i++) {
		int kind = i < nloc ? 0 : i < nloc + next ? 1 : 2;
		char *a = rc[k], *ae;
		ae = kind == 1 ? w_ext_addr(a) : w_local_addr(a, kind == 2);
		rl[k] = (uint8_t)(ae - a);
		s = w_begin();
		e = L(p_mem(L(s, "<<< RCPT TO:<"), a, rl[k]), ">");
		w_end(s, e, ms(2, 30), WE_NONE, 0, 0, 0);
		s = w_begin();
		if (kind == 2) {
			e = L(s, ">>> 550 5.1.1 Unknown user; rejecting");
			w_end(s, e, ms(2, 30), WE_REJECT, 0, 0, 0);
			w_reply(550, "5.1.1", 0, 1);
			continue;
		}
		e = p_str(p_mem(L(s, ">>> 250 2.1.5 <"), a, rl[k]), kind == 1
		    ? ">... Recipient ok; will forward" : ">... Recipient ok");
		w_end(s, e, ms(2, 30), WE_NONE, 0, 0, 0);
		k++;
	}
	w_line("<<< DATA", ms(2, 20));
	w_line(">>> 354 Enter mail, end with \".\" on a line by itself", ms(50, 3000));
	wb->m[m].size = 600 + rnd(200000);
	wb->m[m].acct = acct;
	wb->m[m].nloc = (uint8_t)nloc;
	wb->m[m].next = (uint8_t)next;
	s = w_begin();
	e = L(p_str(L(s, "*** <"), sender), ">");
	for (i = 0; i < k; i++)
		e = L(p_mem(L(e, " <"), rc[i], rl[i]), ">");
	*e++ = ' ';
	e = p_u(e, (uint64_t)k);
	*e++ = ' ';
	e = p_u(e, wb->m[m].size);
	e = L(e, " 00:00:0");
	*e++ = (char)('0' + rnd(10));
	e = L(e, " OK");
	if (rnd(2))
		e = p_hex(L(e, " MSG"), rnd(1u << 30), 8);
	w_end(s, e, ms(1, 20), WE_RECV, (uint8_t)m, 0, 0);
	w_line(">>> 250 2.6.0 Message accepted for delivery", ms(2, 400));
}

static void
w_quit(void)
{
	w_line("<<< QUIT", ms(1, 20));
	w_line(">>> 221 2.0.0 mail.corp.example closing connection", ms(1, 10));
	w_disconnect();
}

/* the summary of a session that sent no message, and its ending */
static void
w_incomplete(const char *rest, int x)
{
	char *s = w_begin(), *e;

	e = p_str(L(s, "*** "), rest);
	w_end(s, e, ms(0, 2), WE_EXTRA, 0, 0, (uint8_t)x);
}

/* the account key of a SASL user: AK_SASL N (its name is userN@corp.example) */
static void
w_auth(uint32_t user, int good)
{
	char name[64], cred[160], *p, *s, *e;
	size_t n;

	p = L(p_u(L(name, "user"), user), "@corp.example");
	n = (size_t)(p - name);
	if (rnd(2)) {
		w_line("<<< AUTH LOGIN", ms(1, 10));
		w_line(">>> 334 VXNlcm5hbWU6", ms(1, 10));
		s = w_begin();
		w_end(s, w_b64(L(s, "<<< "), name, n), ms(1, 10), WE_NONE, 0, 0, 0);
		w_line(">>> 334 UGFzc3dvcmQ6", ms(1, 10));
		p = p_str(p_mem(L(cred, "pw-"), name, n), good ? "-Secret!" : "-Wrong!");
		s = w_begin();
		w_end(s, w_b64(L(s, "<<< "), cred, (size_t)(p - cred)), ms(1, 10), WE_NONE, 0, 0, 0);
	} else {
		/* authzid (sometimes empty) NUL authcid NUL password */
		p = cred;
		if (rnd(3) == 0)
			p = L(p, "admin");
		*p++ = '\0';
		p = p_mem(p, name, n);
		*p++ = '\0';
		p = p_str(p_mem(L(p, "pw-"), name, n), good ? "-Secret!" : "-Wrong!");
		s = w_begin();
		w_end(s, w_b64(L(s, "<<< AUTH PLAIN "), cred, (size_t)(p - cred)), ms(1, 10),
		    WE_NONE, 0, 0, 0);
	}
	s = w_begin();
	if (good) {
		e = L(s, ">>> 235 2.7.0 Authentication successful");
		w_end(s, e, ms(1, 10), WE_NONE, 0, 0, 0);
	} else {
		e = L(s, ">>> 501 5.7.0 Authentication failed");
		w_end(s, e, ms(300, 2000), WE_AUTHFAIL, 0, 0, 0);
		w_reply(501, "5.7.0", 0, 1);
	}
}

/* IceWarp delivers to a remote MX: per recipient 250/450/550, then the data's answer */
static void
w_outbound(void)
{
	char a[80], *s, *e, sum[600], *q;
	int nr = 1 + (int)rnd(3), i, ok = 0, fin = (int)rnd(20);
	uint64_t size = 800 + rnd(100000);

	wb->sdir = 2;
	w_line("Connected", ms(20, 300));
	w_line("<<< 220 mx.remote.example ESMTP Postfix", ms(2, 50));
	w_line(">>> EHLO mail.corp.example", ms(2, 50));
	w_line("<<< 250-mx.remote.example", 0);
	w_line("<<< 250 8BITMIME", ms(2, 50));
	if (w_tls_turn++ % 3 != 0)
		w_starttls(1);
	s = w_begin();
	e = L(p_u(L(s, ">>> MAIL FROM:<user"), rnd((uint32_t)naccounts)), "@corp.example>");
	w_end(s, e, ms(2, 50), WE_NONE, 0, 0, 0);
	if (w_odd_turn++ % 9 == 0) {
		/* the remote refuses the sender: a reply that names no recipient */
		w_line("<<< 550 5.7.1 Sender blocked", ms(2, 50));
		w_reply(550, "5.7.1", 1, 1);
		w_line(">>> QUIT", ms(1, 20));
		w_line("<<< 221 2.0.0 Bye", ms(1, 10));
		w_disconnect();
		return;
	}
	w_line("<<< 250 2.1.0 Ok", ms(2, 50));
	q = L(sum, "*** <sender@corp.example>");
	for (i = 0; i < nr; i++) {
		int r = (int)rnd(20);
		e = w_ext_addr(a);
		s = w_begin();
		w_end(s, L(p_mem(L(s, ">>> RCPT TO:<"), a, (size_t)(e - a)), ">"), ms(2, 50), WE_NONE, 0, 0, 0);
		s = w_begin();
		if (r == 0) {
			w_end(s, L(s, "<<< 450 4.2.0 Greylisted, try again later"), ms(2, 50), WE_DEFERRAL, 0, 1, 0);
			w_reply(450, "4.2.0", 1, 1);
		} else if (r == 1) {
			w_end(s, L(s, "<<< 550 5.1.1 User unknown"), ms(2, 50), WE_BOUNCE, 0, 1, 0);
			w_reply(550, "5.1.1", 1, 1);
		} else {
			w_end(s, L(s, "<<< 250 2.1.5 Ok"), ms(2, 50), WE_NONE, 0, 0, 0);
			q = L(p_mem(L(q, " <"), a, (size_t)(e - a)), ">");
			ok++;
		}
	}
	if (ok > 0) {
		w_line(">>> DATA", ms(2, 50));
		w_line("<<< 354 End data with <CR><LF>.<CR><LF>", ms(50, 2000));
		*q++ = ' ';
		q = p_u(q, (uint64_t)ok);
		*q++ = ' ';
		q = L(p_u(q, size), " 00:00:01 OK");
		*q = '\0';
		w_line(sum, ms(1, 20));
		s = w_begin();
		wb->m[0].size = size;
		if (fin == 0)
			w_end(s, L(s, "<<< 451 4.3.0 Temporary failure"), ms(2, 50), WE_DEFERRAL, 0, (uint8_t)ok, 0);
		else if (fin == 1)
			w_end(s, L(s, "<<< 554 5.7.1 Rejected by policy"), ms(2, 50), WE_BOUNCE, 0, (uint8_t)ok, 0);
		else
			w_end(s, L(s, "<<< 250 2.0.0 Ok: queued as 4F2A1B"), ms(2, 50), WE_DELIV, 0, (uint8_t)ok, 0);
		/* the answer to the data, once per accepted recipient */
		w_reply(fin == 0 ? 451 : fin == 1 ? 554 : 250, fin == 0 ? "4.3.0" : fin == 1 ? "5.7.1" : "2.0.0",
		    1, ok);
	}
	w_line(">>> QUIT", ms(1, 20));
	w_line("<<< 221 2.0.0 Bye", ms(1, 10));
	w_disconnect();
}

static void
w_build(struct wstory *s, usec_t t)
{
	uint32_t r = rnd(1000), user;
	char sender[80], *e;
	int i, nmsg;

	memset(s, 0, offsetof(struct wstory, text));
	wb = s;
	wt = t;
	/* peers: outside clients, submitters, the local application, remote MXs */
	e = p_ipv4(s->peer, (uint32_t)(0xC6336400u + rnd(5000) * 7)); /* 198.51.100.0/22-ish */
	s->plen = (uint8_t)(e - s->peer);
	s->has_thread = 1;
	if (r < 330) {
		nmsg = 1 + (int)rnd(2);
		w_connect_server();
		w_line("<<< EHLO client.outside.example", ms(2, 30));
		w_line(">>> 250-mail.corp.example Hello", 0);
		w_line(">>> 250 SIZE", ms(2, 30));
		if (w_odd_turn++ % 5 == 0) {
			/* a refusal that is no reject: counted as a reply alone */
			w_line("<<< VRFY postmaster", ms(2, 30));
			w_line(">>> 502 5.5.1 VRFY not allowed", ms(2, 30));
			w_reply(502, "5.5.1", 0, 1);
		}
		if (w_tls_turn++ % 2 == 0)
			w_starttls(0);
		for (i = 0; i < nmsg; i++) {
			e = w_ext_addr(sender);
			*e = '\0';
			if (rnd(8) == 0)
				sender[0] = '\0'; /* a bounce from outside: the null sender */
			w_transaction(sender, 1 + (int)rnd(3), 0, rnd(6) == 0, 0, i);
		}
		w_quit();
	} else if (r < 560) {
		user = rnd((uint32_t)naccounts);
		e = p_ipv4(s->peer, 0x0A000000u + rnd(60000));
		s->plen = (uint8_t)(e - s->peer);
		w_connect_server();
		w_line("<<< EHLO laptop", ms(2, 30));
		w_line(">>> 250-mail.corp.example Hello", 0);
		w_line(">>> 250 AUTH LOGIN PLAIN", ms(2, 30));
		w_starttls(0); /* submissions always */
		w_auth(user, 1);
		nmsg = 1 + (int)(rnd(4) == 0);
		for (i = 0; i < nmsg; i++) {
			/* user 7 sends with forged senders: the account stays the SASL user */
			if (user % 50 == 7) {
				e = w_ext_addr(sender);
			} else {
				e = L(p_u(L(sender, "user"), user), "@corp.example");
			}
			*e = '\0';
			w_transaction(sender, (int)rnd(2), 1 + (int)rnd(3), 0,
			    AK_SASL << AK_SHIFT | user, i);
		}
		w_quit();
	} else if (r < 620) {
		uint32_t lu = rnd(NLOCALUSERS);
		e = L(s->peer, "127.0.0.1");
		s->plen = (uint8_t)(e - s->peer);
		w_connect_server();
		w_line("<<< HELO localhost", ms(2, 30));
		w_line(">>> 250 mail.corp.example Hello localhost", ms(2, 30));
		e = L(p_str(sender, local_users[lu]), "@mail.example");
		*e = '\0';
		w_transaction(sender, (int)rnd(2), 1 + (int)rnd(2), 0, AK_LOCAL << AK_SHIFT | lu, 0);
		w_quit();
	} else if (r < 840) {
		e = p_ipv4(s->peer, 0xCB007100u + rnd(250)); /* 203.0.113.x */
		s->plen = (uint8_t)(e - s->peer);
		w_outbound();
	} else if (r < 870) {
		w_connect_server();
		w_line("<<< EHLO bot", ms(2, 30));
		w_line(">>> 250 AUTH LOGIN PLAIN", ms(2, 30));
		w_auth(rnd((uint32_t)naccounts), 0);
		if (rnd(2))
			w_auth(rnd((uint32_t)naccounts), 0);
		w_line("<<< QUIT", ms(1, 20));
		w_line(">>> 221 2.0.0 closing connection", ms(1, 10));
		w_incomplete("0 0 00:00:02 INCOMPLETE-SESSION", WX_ERROR);
		w_disconnect();
	} else if (r < 900) {
		w_connect_server();
		w_line("<<< EHLO scanner", ms(2, 30));
		w_line(">>> 250 mail.corp.example", ms(2, 30));
		w_line("<<< QUIT", ms(1, 20));
		w_line(">>> 221 2.0.0 closing connection", ms(1, 10));
		w_incomplete("0 0 00:00:00 INCOMPLETE-SESSION", WX_QUIT);
		w_disconnect();
	} else if (r < 915) {
		w_connect_server();
		w_line("<<< EHLO flaky", ms(2, 30));
		w_line(">>> 250 mail.corp.example", ms(2, 30));
		w_line("<<< MAIL FROM:<someone@flaky.example>", ms(2, 30));
		w_line(">>> 250 2.1.0 Sender ok", ms(2, 30));
		w_line("<<< RCPT TO:<user1@corp.example>", ms(2, 30));
		w_line(">>> 250 2.1.5 Recipient ok", ms(2, 30));
		w_line("<<< DATA", ms(2, 30));
		w_line(">>> 354 Enter mail, end with \".\" on a line by itself", ms(1000, 30000));
		w_incomplete("<someone@flaky.example> <user1@corp.example> 1 0 00:00:31 INCOMPLETE-SESSION",
		    WX_DATA);
		w_disconnect();
	} else if (r < 925) {
		w_connect_server();
		w_line("<<< EHLO slow", 300 * SEC);
		w_line("TIMEOUT", ms(0, 2));
		w_incomplete("0 0 00:05:00 INCOMPLETE-SESSION", WX_TIMEOUT);
		w_disconnect();
	} else if (r < 945) {
		char *b;
		w_line("Connected", ms(0, 2));
		b = w_begin();
		i = (int)rnd(3);
		w_end(b, p_str(b, i == 0 ? ">>> 421 4.7.0 Session refused, exceeding RSET command count"
		    : i == 1 ? ">>> 421 4.7.0 Too many connections per minute, try later"
		    : ">>> 421 4.7.0 Access denied by intrusion prevention"), ms(0, 2), WE_EXTRA, 0, 0,
		    (uint8_t)(i == 0 ? WX_IP_R : i == 1 ? WX_IP_I : WX_IP_OTHER));
		w_reply(421, "4.7.0", 0, 1);
		w_disconnect();
	} else if (r < 960) {
		char *b = w_begin();
		s->has_thread = 0;
		e = L(s->peer, "SYSTEM");
		s->plen = (uint8_t)(e - s->peer);
		w_end(b, L(p_str(L(p_str(L(b, "Forwarded mails older than 20 days from '"), "a@corp.example"),
		    "' to '"), "b@outside.example"), "'"), 0, WE_NONE, 0, 0, 0);
	} else {
		char *b = w_begin();
		int a = (int)rnd(5);
		e = L(s->peer, "127.0.0.1");
		s->plen = (uint8_t)(e - s->peer);
		e = p_hex(L(b, "RSH"), rnd(1u << 20), 5);
		e = L(w_ext_addr(L(e, " '<")), ">' '<");
		e = L(w_local_addr(e, 0), ">' 1 score ");
		e = p_u(e, rnd(10));
		e = L(e, ".00 reason [SpamAssassin=3.10,Bayes=50.00,Body=PE] action ");
		e = p_str(e, wx_actions[a]);
		w_end(b, e, 0, WE_EXTRA, 0, 0, (uint8_t)(WX_AS_NONE + a));
	}
}

/* ---- writing files ---- */

static FILE *wf;
static int32_t wf_day = -1;
static unsigned wf_split;
static uint64_t wf_bytes;
static char wline[WTEXT + 256];

static void
w_close_file(void)
{
	if (wf != NULL && fclose(wf) != 0) {
		perror("genlog: write");
		exit(1);
	}
	wf = NULL;
}

static void
w_open_file(int32_t day, unsigned split)
{
	char path[4096], name[64];
	int y, mo, d;

	w_close_file();
	civil_from_days(day, &y, &mo, &d);
	if (wserver_set)
		snprintf(name, sizeof(name), "s%lu", wserver);
	else
		snprintf(name, sizeof(name), "s");
	if (split > 0)
		snprintf(path, sizeof(path), "%s/%s%04d%02d%02d-%02u.log", wdir, name, y, mo, d, split);
	else
		snprintf(path, sizeof(path), "%s/%s%04d%02d%02d.log", wdir, name, y, mo, d);
	if ((wf = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	wf_day = day;
	wf_split = split;
	wf_bytes = 0;
}

static void
w_account(int32_t d, uint64_t acct, uint32_t relayed)
{
	struct acct_ent *a;

	if (acct == 0 || relayed == 0)
		return;
	a = acct_slot(acct << 9 | (uint64_t)d);
	a->relayed += relayed;
	a->msgs++;
}

/* the step's effect on the true counts, on the day of its line */
static void
w_apply(struct wstory *s, const struct wstep *st, int32_t d)
{
	const struct wmsg *m = &s->m[st->msg];

	switch (st->eff) {
	case WE_RECV:
		counts[d][RECEIVED]++;
		counts[d][BYTES_RECEIVED] += (int64_t)m->size;
		counts[d][DELIVERED] += m->nloc;
		counts[d][BYTES_DELIVERED] += (int64_t)m->size * m->nloc;
		counts[d][RELAYED] += m->next;
		w_account(d, m->acct, m->next);
		break;
	case WE_REJECT:
		counts[d][REJECTED]++;
		break;
	case WE_AUTHFAIL:
		counts[d][AUTH_FAILED]++;
		break;
	case WE_DEFERRAL:
		counts[d][DEFERRALS] += st->n;
		break;
	case WE_BOUNCE:
		counts[d][BOUNCED] += st->n;
		break;
	case WE_DELIV:
		counts[d][DELIVERED] += st->n;
		counts[d][BYTES_DELIVERED] += (int64_t)m->size * st->n;
		break;
	case WE_EXTRA:
		wcounts[d][st->x]++;
		break;
	}
	if (st->hcode != 0)
		h_reply_n(d, st->hout ? "out" : "in", st->hcode, st->henh, st->hn);
	if (st->htls != 0)
		h_tls(d, (st->htls - 1) / 2, (st->htls - 1) % 2);
}

static void
w_emit(struct wstory *s, const struct wstep *st)
{
	static const char *const wd = "ThuFriSatSunMonTueWed";
	int64_t sec = st->t / SEC;
	int32_t day = (int32_t)(sec / 86400);
	unsigned sod = (unsigned)(sec % 86400);
	char *p = wline;
	int y, mo, d;

	if (day != wf_day)
		w_open_file(day, 0);
	else if (wf_bytes >= wsplit_bytes && st != &s->st[0])
		w_open_file(day, wf_split + 1); /* in the middle of a session: it goes on in the next */
	p = p_mem(p, s->peer, s->plen);
	if (wpad)
		while (p - wline < 15)
			*p++ = ' ';
	p = L(p, " [");
	p = p_hex(p, s->has_thread ? s->thread : 0, wold ? 8 : 4);
	p = L(p, "] ");
	if (wold) {
		civil_from_days(day, &y, &mo, &d);
		p = L(p_mem(p, wd + 3 * (((day % 7) + 7) % 7), 3), ", ");
		p = p_2(p, (unsigned)d);
		*p++ = ' ';
		p = p_mem(p, months + 3 * (mo - 1), 3);
		*p++ = ' ';
		p = p_u(p, (uint64_t)y);
		*p++ = ' ';
	}
	p = p_2(p, sod / 3600);
	*p++ = ':';
	p = p_2(p, sod / 60 % 60);
	*p++ = ':';
	p = p_2(p, sod % 60);
	if (wold)
		p = L(p, " +0100");
	*p++ = ' ';
	p = p_mem(p, s->text + st->off, st->len);
	*p++ = '\n';
	if (fwrite(wline, 1, (size_t)(p - wline), wf) != (size_t)(p - wline)) {
		perror("genlog: write");
		exit(1);
	}
	wf_bytes += (uint64_t)(p - wline);
	w_apply(s, st, day - first_day);
}

static uint32_t
w_story_alloc(void)
{
	if (wnfree > 0)
		return wfree[--wnfree];
	if ((wnstories & (wnstories - 1)) == 0) {
		size_t cap = wnstories ? (size_t)wnstories * 2 : 256;
		wstories = realloc(wstories, cap * sizeof(*wstories));
		wfree = realloc(wfree, cap * sizeof(*wfree));
		if (wstories == NULL || wfree == NULL) {
			perror("genlog");
			exit(1);
		}
	}
	if ((wstories[wnstories] = malloc(sizeof(struct wstory))) == NULL) {
		perror("genlog");
		exit(1);
	}
	return wnstories++;
}

static int
w_main(const char *expect, uint64_t target)
{
	double total_w = 0, per_line;
	usec_t t, t_start, ta;
	uint64_t lines = 0, done = 0, seq = 0;
	uint32_t i;

	if (wdir == NULL) {
		fprintf(stderr, "genlog: --mta icewarp needs --out DIR\n");
		return 2;
	}
	rng ^= 0x1cea1cea1ceaULL;
	for (i = 0; i < WTHREADS; i++)
		wthread_free[wnthreads++] = 0x0A00 + i * 0x11;
	first_day = days_from_civil(start_y, start_m, start_d);
	t_start = (usec_t)first_day * DAY_US;
	t_end = t_start + (usec_t)ndays_opt * DAY_US;
	for (t = t_start; t < t_end; t += 3600 * SEC)
		total_w += weight(t);
	per_line = total_w * 3600.0 * (double)SEC / (double)target;
	ta = t_start + (usec_t)rnd((uint32_t)(per_line / weight(t_start)) + 1);
	while (done < target || heap_n > 0) {
		/* a session starts when a thread is free and its time has come */
		if (done < target && wnthreads > 0 && (heap_n == 0 || ta <= heap[0].t)) {
			uint32_t idx = w_story_alloc(), k;
			struct wstory *s = wstories[idx];
			w_build(s, ta < wlast ? wlast : ta); /* never before a line already written */
			if (s->has_thread) {
				/* any free thread: ids are reused in no fixed order */
				k = rnd(wnthreads);
				s->thread = wthread_free[k];
				wthread_free[k] = wthread_free[--wnthreads];
			}
			s->seq = (uint32_t)++seq;
			done += s->n;
			heap_push((struct hent){ s->st[0].t, s->seq, idx });
			ta += (usec_t)((double)s->n * per_line / weight(ta) * (0.5 + (double)rnd(1024) / 1024.0));
			if (ta >= t_end)
				ta = t_end - 1;
			continue;
		}
		{
			struct hent *h = &heap[0];
			struct wstory *s = wstories[h->idx];
			wlast = s->st[s->next].t;
			w_emit(s, &s->st[s->next++]);
			lines++;
			if (s->next < s->n) {
				h->t = s->st[s->next].t;
				heap_sift_down(0);
			} else {
				if (s->has_thread)
					wthread_free[wnthreads++] = s->thread;
				wfree[wnfree++] = h->idx;
				heap[0] = heap[--heap_n];
				if (heap_n > 0)
					heap_sift_down(0);
			}
		}
	}
	w_close_file();
	if (expect != NULL)
		write_expect(expect, ndays_opt);
	fprintf(stderr, "genlog: icewarp %s%s: %llu lines, %llu sessions, %d days from %04d-%02d-%02d"
	    " into %s; local domains corp.example mail.example\n", wold ? "old dates" : "hh:mm:ss",
	    wpad ? ", padded" : "", (unsigned long long)lines, (unsigned long long)seq, ndays_opt,
	    start_y, start_m, start_d, wdir);
	return 0;
}

/* ------------------------------------------------------------ expect */

struct acct_row {
	int day;
	char name[96];
	uint32_t relayed, msgs;
};

static int
row_cmp(const void *a, const void *b)
{
	const struct acct_row *x = a, *y = b;

	if (x->day != y->day)
		return x->day - y->day;
	return strcmp(x->name, y->name);
}

static void
write_expect(const char *path, int ndays)
{
	FILE *f = fopen(path, "w");
	struct acct_row *rows;
	size_t i, n = 0;
	int d, k, y, mo, dd, first;

	if (f == NULL) {
		perror(path);
		exit(1);
	}
	fprintf(f, "{\"days\": {");
	for (d = 0; d < ndays; d++) {
		civil_from_days(first_day + d, &y, &mo, &dd);
		fprintf(f, "%s\n  \"%04d-%02d-%02d\": {", d ? "," : "", y, mo, dd);
		for (k = 0; k < NCOUNTERS; k++)
			fprintf(f, "%s\"%s\": %lld", k ? ", " : "", counter_names[k], (long long)counts[d][k]);
		for (k = 0; k < NWX; k++) /* IceWarp's diagnostics: only where there are some */
			if (wcounts[d][k] != 0)
				fprintf(f, ", \"%s\": %lld", wx_names[k], (long long)wcounts[d][k]);
		for (k = 0; k < NPX; k++) /* Postfix's */
			if (pxcounts[d][k] != 0)
				fprintf(f, ", \"%s\": %lld", px_names[k], (long long)pxcounts[d][k]);
		h_write_broken(f, d); /* Exim's */
		fprintf(f, "}");
	}
	fprintf(f, "},\n\"accounts\": {");
	rows = calloc(acct_used + 1, sizeof(*rows));
	if (rows == NULL) {
		perror("genlog");
		exit(1);
	}
	for (i = 0; i < acct_cap; i++) {
		struct acct_ent *e = &acct_tab[i];
		char *p;
		if (e->key == 0 || e->relayed == 0)
			continue;
		rows[n].day = (int)(e->key & 511);
		p = p_account(rows[n].name, e->key >> 9);
		*p = '\0';
		rows[n].relayed = e->relayed;
		rows[n].msgs = e->msgs;
		n++;
	}
	qsort(rows, n, sizeof(*rows), row_cmp);
	for (d = 0; d < ndays; d++) {
		civil_from_days(first_day + d, &y, &mo, &dd);
		fprintf(f, "%s\n  \"%04d-%02d-%02d\": {", d ? "," : "", y, mo, dd);
		first = 1;
		for (i = 0; i < n; i++) {
			if (rows[i].day != d)
				continue;
			fprintf(f, "%s\n    \"%s\": {\"relayed\": %u, \"relayed_messages\": %u}",
			    first ? "" : ",", rows[i].name, rows[i].relayed, rows[i].msgs);
			first = 0;
		}
		fprintf(f, "}");
	}
	fprintf(f, "}");
	h_write(f, ndays);
	fprintf(f, "}\n");
	free(rows);
	if (fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* ---------------------------------------------------------------- main */

static void
usage(void)
{
	fprintf(stderr, "usage: genlog --seed N --lines N [--days D] [--accounts A]"
	    " [--start YYYY-MM-DD] [--format bsd|rfc3339] [--expect FILE.json]"
	    " [--discard PER10000]\n"
	    "       genlog --mta exim [--format mainlog|syslog] [--selector default|all] ...\n"
	    "       genlog --mta icewarp --out DIR [--format modern|old] [--pad] [--server-id N]"
	    " [--split-bytes N] ...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *expect = NULL;
	long long target = 1000000;
	uint64_t lines = 0, seq = 0;
	double total_w = 0, per_line;
	usec_t ta, t, t_start;
	int i, fmt_ok = 1, exim = 0, icewarp = 0;
	const char *format = NULL;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			rng = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--lines") == 0 && i + 1 < argc)
			target = atoll(argv[++i]);
		else if (strcmp(argv[i], "--days") == 0 && i + 1 < argc)
			ndays_opt = atoi(argv[++i]);
		else if (strcmp(argv[i], "--accounts") == 0 && i + 1 < argc)
			naccounts = atoi(argv[++i]);
		else if (strcmp(argv[i], "--start") == 0 && i + 1 < argc)
			fmt_ok = sscanf(argv[++i], "%d-%d-%d", &start_y, &start_m, &start_d) == 3;
		else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			format = argv[++i];
		else if (strcmp(argv[i], "--mta") == 0 && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "exim") == 0)
				exim = 1;
			else if (strcmp(argv[i], "icewarp") == 0)
				icewarp = 1;
			else if (strcmp(argv[i], "postfix") != 0)
				usage();
		} else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
			wdir = argv[++i];
		} else if (strcmp(argv[i], "--server-id") == 0 && i + 1 < argc) {
			wserver = strtoul(argv[++i], NULL, 10);
			wserver_set = 1;
		} else if (strcmp(argv[i], "--split-bytes") == 0 && i + 1 < argc) {
			wsplit_bytes = strtoull(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--pad") == 0) {
			wpad = 1;
		} else if (strcmp(argv[i], "--selector") == 0 && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "all") == 0)
				xall = 1;
			else if (strcmp(argv[i], "default") != 0)
				usage();
		} else if (strcmp(argv[i], "--expect") == 0 && i + 1 < argc)
			expect = argv[++i];
		else if (strcmp(argv[i], "--discard") == 0 && i + 1 < argc)
			discard_per10k = (uint32_t)atoi(argv[++i]);
		else
			usage();
	}
	if (!fmt_ok || ndays_opt < 1 || ndays_opt > 366 || naccounts < 1 || target < 1 ||
	    start_m < 1 || start_m > 12 || start_d < 1 || start_d > 31 || discard_per10k > 10000) {
		fprintf(stderr, "genlog: bad arguments\n");
		usage();
	}
	if (icewarp) {
		if (format != NULL && strcmp(format, "old") == 0)
			wold = 1;
		else if (format != NULL && strcmp(format, "modern") != 0)
			usage();
		return w_main(expect, (uint64_t)target);
	}
	if (format != NULL) {
		if (strcmp(format, exim ? "syslog" : "rfc3339") == 0)
			rfc3339 = xsyslog = 1;
		else if (strcmp(format, exim ? "mainlog" : "bsd") != 0)
			usage();
	}
	if (exim)
		return x_main(expect, (uint64_t)target);
	rng ^= 0x5eed5eed5eedULL;
	pid_qmgr = new_pid();
	pid_pickup = new_pid();
	pid_anvil = new_pid();
	pid_scache = new_pid();
	pid_postscreen = new_pid();
	pool_init(&pp_cleanup, 8);
	pool_init(&pp_smtp, 24);
	pool_init(&pp_lmtp, 8);
	pool_init(&pp_local, 4);
	pool_init(&pp_virtual, 4);
	pool_init(&pp_bounce, 3);
	pool_init(&pp_error, 3);
	pool_init(&pp_smtpd, 32);
	pool_init(&pp_sub, 16);
	pool_init(&pp_filter, 8);

	first_day = days_from_civil(start_y, start_m, start_d);
	t_start = (usec_t)first_day * DAY_US;
	t_end = t_start + (usec_t)ndays_opt * DAY_US;
	for (t = t_start; t < t_end; t += 3600 * SEC)
		total_w += weight(t);
	/* log time per line at weight 1: the arrival clock spends it for each line */
	per_line = total_w * 3600.0 * (double)SEC / (double)target;
	ta = t_start + (usec_t)rnd((uint32_t)(per_line / weight(t_start)) + 1);

	while (steps_committed < (uint64_t)target || heap_n > 0) {
		/* start the next story when its time comes before the next line in flight */
		if (steps_committed < (uint64_t)target && (heap_n == 0 || ta <= heap[0].t)) {
			uint32_t idx = story_alloc();
			struct story *s = stories[idx];
			uint64_t left = (uint64_t)target - steps_committed;
			double w;

			s->seq = (uint32_t)++seq;
			build(s, ta, 0);
			if (s->n > left) {
				/* the run ends: fill the last lines with single-line noise */
				build(s, ta, 1);
			}
			steps_committed += s->n;
			heap_push((struct hent){ s->st[0].t, s->seq, idx });
			w = weight(ta);
			ta += (usec_t)((double)s->n * per_line / w * (0.5 + (double)rnd(1024) / 1024.0));
			if (ta >= t_end)
				ta = t_end - 1;
			continue;
		}
		{
			struct hent *h = &heap[0];
			struct story *s = stories[h->idx];
			emit(s, &s->st[s->next++]);
			lines++;
			if (s->next < s->n) {
				h->t = s->st[s->next].t;
				heap_sift_down(0);
			} else {
				free_idx[nfree++] = h->idx;
				heap[0] = heap[--heap_n];
				if (heap_n > 0)
					heap_sift_down(0);
			}
		}
	}
	flush_out();
	if (fflush(stdout) != 0) {
		perror("genlog: write");
		return 1;
	}
	if (expect != NULL)
		write_expect(expect, ndays_opt);
	fprintf(stderr, "genlog: %llu lines, %llu stories, %d days from %04d-%02d-%02d; local domains"
	    " corp.example mail.example, content filter 127.0.0.1:10024\n",
	    (unsigned long long)lines, (unsigned long long)seq, ndays_opt, start_y, start_m, start_d);
	return 0;
}
