/*
 * IceWarp (formerly Merak): the SMTP log, daily files sYYYYMMDD[-nn].log
 * whose lines are "<peer> [<thread>] <time> <payload>", and the per-message
 * antispam log, recognised by its shape in the same reader.
 *
 * Unlike Postfix and Exim, IceWarp writes SMTP dialogues, not message ids:
 * lines belong to a session keyed by (peer, thread id) within one series of
 * files (one struct icewarp_state per log), many sessions interleave and
 * thread ids are reused.  A session opens at "Connected" (or at its first
 * line when we started reading in its middle) and closes at "Disconnected"
 * or at the next "Connected" of the same key.  The state is small per
 * session (direction, stage, the AUTH user, the recipients a remote
 * accepted), bounded (ICEWARP_SESSIONS_MAX, least recently seen evicted),
 * and saved with the read positions (state_save/state_load) so that a
 * session cut by a restart or a file split goes on where it was.
 *
 * What is known of the format, and how surely, is in the project's
 * ../shared/formats/icewarp.md (summarised in docs/counting.md's "Reading
 * IceWarp").  Every point marked there as inference [I] or unknown [?] is
 * decided in the tables and constants right below, so that real logs that
 * disagree change one line; the few decided in code say so where they are:
 * the direction of a session seen from its middle (icewarp_direction),
 * the cause of an INCOMPLETE-SESSION (icewarp_ending), the address count
 * of a summary (icewarp_parse_summary), the file name (icewarp_file_key).
 *
 * AUTH: only the user name is decoded.  The password line of AUTH LOGIN is
 * never decoded; AUTH PLAIN is decoded only up to the second NUL, and the
 * buffer is wiped before the function returns.  Nothing in this file logs.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "event.h"
#include "mta/reply.h"

/* ---- format decisions (see ../shared/formats/icewarp.md) ------------- */

/* First column: an address (IPv6 is at most 45 bytes) or SYSTEM; longer is not a peer. */
#define ICEWARP_PEER_MAX 64
/* Thread ids are hex "of any width" [I]: 15 digits keep the value a positive long. */
#define ICEWARP_THREAD_DIGITS_MAX 15
/*
 * Sessions in flight per log: a busy server holds a few hundred at once;
 * past this the least recently seen one is dropped (its later lines then
 * start an unknown-direction session).  Bounds memory and the saved state.
 */
#define ICEWARP_SESSIONS_MAX 8192
/* An AUTH user name is an account: at most as long as any account (AGG_NAME_MAX). */
#define ICEWARP_USER_MAX 256
/* An RFC 5321 path is at most 256 octets. */
#define ICEWARP_ADDR_MAX 256
/*
 * Recipients a remote accepted in one client transaction, kept by name so
 * that their deliveries are counted per recipient; more are counted with
 * no name (docs/counting.md).
 */
#define ICEWARP_ACCEPTED_BUF 1024
/* Base64 of an AUTH argument read at most this far: a user name is short. */
#define ICEWARP_B64_MAX 1400
/* Longest verdict word of the antispam log kept as a counter name. */
#define ICEWARP_WORD_MAX 24
/*
 * A summary ("***") line in a session whose start we did not see (we began
 * reading in its middle, or it was evicted): the only public sample is a
 * server session, and a client-session summary is [I]; 1 counts it as a
 * reception.
 */
#define ICEWARP_UNKNOWN_DIRECTION_RECEIVES 1

/* Summary results [D/K]; a newer version may append a message id [G]. */
static const char icewarp_ok[] = "OK";
static const char icewarp_incomplete[] = "INCOMPLETE-SESSION";
/* The word IceWarp is said to write when a session times out [G]; exact place [?]. */
static const char icewarp_timeout[] = "TIMEOUT";

/*
 * 421 intrusion-prevention texts [?]: the reason codes are documented [D]
 * (C content filter, I connections/minute, M oversized, R RSET count, D
 * DNSBL, A tarpitted account, P unknown users, Y relaying, S spam score,
 * U manual) but not the reply text; only "exceeding RSET command count" is
 * seen [G].  A 421 in a server session is looked up here by phrase (case
 * insensitive, first match); one that matches none counts as "other".
 */
static const struct {
	const char *phrase;
	const char *code;
} icewarp_ipblock[] = {
	{ "rset", "r" },
	{ "connections per minute", "i" }, { "too many connections", "i" },
	{ "dnsbl", "d" }, { "blacklist", "d" }, { "blocklist", "d" },
	{ "tarpit", "c" }, { "content filter", "c" },
	{ "too long", "m" }, { "size", "m" },
	{ "unknown user", "p" }, { "relay", "y" }, { "spam", "s" },
	{ "account", "a" }, { "manual", "u" },
};

/* ---- sessions --------------------------------------------------------- */

enum icewarp_dir { DIR_UNKNOWN, DIR_SERVER, DIR_CLIENT };

/* The last command of the dialogue, which a reply answers. */
enum icewarp_stage {
	STAGE_NONE, STAGE_MAIL, STAGE_RCPT, STAGE_DATA, STAGE_INDATA, STAGE_POSTDATA,
	STAGE_AUTH, STAGE_QUIT, STAGE_OTHER,
	STAGE_STARTTLS, /* state version 2 */
};

/* Where an AUTH exchange is; the *_PASS state skips a line it never decodes. */
enum icewarp_auth {
	AUTH_NONE, AUTH_LOGIN_USER, AUTH_LOGIN_PASS, AUTH_PLAIN_WAIT, AUTH_PENDING, AUTH_OK,
};

enum icewarp_flag {
	FLAG_TIMEOUT = 1, /* a TIMEOUT was logged */
	FLAG_5XX = 2,     /* a 5xx reply was logged */
	FLAG_QUIT = 4,    /* the client said QUIT */
	FLAG_TLS = 8,     /* STARTTLS was answered 220 (state version 2) */
};

#define ICEWARP_NIL UINT32_MAX

struct icewarp_session {
	char peer[ICEWARP_PEER_MAX];
	uint8_t peer_len;
	uint8_t dir, stage, auth, flags, used;
	long thread;
	uint16_t user_len;          /* AUTH user: pending, or confirmed by 235 (AUTH_OK) */
	char user[ICEWARP_USER_MAX];
	uint16_t rcpt_len;          /* client: the address of the last RCPT */
	char rcpt[ICEWARP_ADDR_MAX];
	uint16_t ok_len, ok_n, ok_unnamed; /* client: recipients the remote accepted */
	char ok[ICEWARP_ACCEPTED_BUF];     /* their addresses, NUL-separated */
	uint64_t size;              /* client: the summary's size, for bytes_delivered */
	int64_t start_t;            /* the time of its "Connected"; 0: not seen (state version 2) */
	uint32_t hnext, prev, next; /* hash chain, LRU list (oldest first) */
};

#define ICEWARP_BUCKETS 16384 /* a power of two, twice ICEWARP_SESSIONS_MAX */

struct icewarp_state {
	struct icewarp_session *slab;
	uint32_t cap, used, nfree;
	uint32_t *free_idx;
	uint32_t bucket[ICEWARP_BUCKETS];
	uint32_t lru_head, lru_tail;
	uint64_t evicted;
};

static uint32_t
icewarp_hash(const char *peer, size_t n, long thread)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)peer[i]) * 1099511628211ULL;
	h = (h ^ (uint64_t)thread) * 1099511628211ULL;
	return (uint32_t)(h ^ (h >> 32)) & (ICEWARP_BUCKETS - 1);
}

static void *
icewarp_state_open(void)
{
	struct icewarp_state *s = calloc(1, sizeof(*s));
	size_t i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < ICEWARP_BUCKETS; i++)
		s->bucket[i] = ICEWARP_NIL;
	s->lru_head = s->lru_tail = ICEWARP_NIL;
	return s;
}

static void
icewarp_state_close(void *p)
{
	struct icewarp_state *s = p;

	if (s == NULL)
		return;
	if (s->slab != NULL)
		explicit_bzero(s->slab, (size_t)s->cap * sizeof(*s->slab)); /* AUTH user names */
	free(s->slab);
	free(s->free_idx);
	free(s);
}

static void
icewarp_lru_unlink(struct icewarp_state *s, uint32_t k)
{
	struct icewarp_session *x = &s->slab[k];

	if (x->prev != ICEWARP_NIL)
		s->slab[x->prev].next = x->next;
	else
		s->lru_head = x->next;
	if (x->next != ICEWARP_NIL)
		s->slab[x->next].prev = x->prev;
	else
		s->lru_tail = x->prev;
	x->prev = x->next = ICEWARP_NIL;
}

static void
icewarp_lru_append(struct icewarp_state *s, uint32_t k)
{
	struct icewarp_session *x = &s->slab[k];

	x->prev = s->lru_tail;
	x->next = ICEWARP_NIL;
	if (s->lru_tail != ICEWARP_NIL)
		s->slab[s->lru_tail].next = k;
	else
		s->lru_head = k;
	s->lru_tail = k;
}

static struct icewarp_session *
icewarp_find(struct icewarp_state *s, struct strview peer, long thread)
{
	uint32_t k = s->bucket[icewarp_hash(peer.p, peer.n, thread)];

	for (; k != ICEWARP_NIL; k = s->slab[k].hnext) {
		struct icewarp_session *x = &s->slab[k];
		if (x->thread == thread && x->peer_len == peer.n && memcmp(x->peer, peer.p, peer.n) == 0) {
			icewarp_lru_unlink(s, k);
			icewarp_lru_append(s, k);
			return x;
		}
	}
	return NULL;
}

static void
icewarp_remove(struct icewarp_state *s, struct icewarp_session *x)
{
	uint32_t k = (uint32_t)(x - s->slab), *link;

	link = &s->bucket[icewarp_hash(x->peer, x->peer_len, x->thread)];
	while (*link != ICEWARP_NIL && *link != k)
		link = &s->slab[*link].hnext;
	if (*link == k)
		*link = x->hnext;
	icewarp_lru_unlink(s, k);
	memset(x, 0, sizeof(*x)); /* the AUTH user name goes with it */
	s->free_idx[s->nfree++] = k;
	s->used--;
}

/* Room for one more session: grow the slab up to the limit, then evict. */
static int
icewarp_make_room(struct icewarp_state *s)
{
	struct icewarp_session *slab;
	uint32_t *fi, ncap, i;

	if (s->nfree > 0)
		return 0;
	if (s->cap >= ICEWARP_SESSIONS_MAX) {
		s->evicted++;
		icewarp_remove(s, &s->slab[s->lru_head]);
		return 0;
	}
	ncap = s->cap ? s->cap * 2 : 64;
	if (ncap > ICEWARP_SESSIONS_MAX)
		ncap = ICEWARP_SESSIONS_MAX;
	slab = realloc(s->slab, (size_t)ncap * sizeof(*slab));
	if (slab == NULL)
		return -1;
	s->slab = slab;
	fi = realloc(s->free_idx, (size_t)ncap * sizeof(*fi));
	if (fi == NULL)
		return -1;
	s->free_idx = fi;
	memset(slab + s->cap, 0, (size_t)(ncap - s->cap) * sizeof(*slab));
	for (i = ncap; i > s->cap; i--)
		s->free_idx[s->nfree++] = i - 1;
	s->cap = ncap;
	return 0;
}

/* A new, empty session for the key (an old one of the same key is ended first). */
static struct icewarp_session *
icewarp_open_session(struct icewarp_state *s, struct strview peer, long thread)
{
	struct icewarp_session *x = icewarp_find(s, peer, thread);
	uint32_t k, b;

	if (x != NULL)
		icewarp_remove(s, x);
	if (peer.n > ICEWARP_PEER_MAX || icewarp_make_room(s) != 0)
		return NULL;
	k = s->free_idx[--s->nfree];
	x = &s->slab[k];
	memset(x, 0, sizeof(*x));
	memcpy(x->peer, peer.p, peer.n);
	x->peer_len = (uint8_t)peer.n;
	x->thread = thread;
	x->used = 1;
	b = icewarp_hash(peer.p, peer.n, thread);
	x->hnext = s->bucket[b];
	s->bucket[b] = k;
	icewarp_lru_append(s, k);
	s->used++;
	return x;
}

/* ---- the envelope: peer, thread, time --------------------------------- */

static int
icewarp_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "hh:mm:ss" at p (8 bytes available): seconds of the day, or -1. */
static int
icewarp_hms(const char *p, const char *end)
{
	int hh, mm, ss;

	if (end - p < 8 || p[2] != ':' || p[5] != ':' || sv_digits(p, 2, &hh) ||
	    sv_digits(p + 3, 2, &mm) || sv_digits(p + 6, 2, &ss) || hh > 23 ||
	    mm > 59 || ss > 60)
		return -1;
	return hh * 3600 + mm * 60 + (ss > 59 ? 59 : ss);
}

/*
 * An old line's RFC 822 date "[Ddd, ]D[D] Mon YYYY hh:mm:ss[ +hhmm]": its
 * wall clock, whatever the offset.  Bytes used, or -1.
 */
static int
icewarp_rfc822(const char *p, const char *end, int32_t *day, int *sec)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *q = p, *m;
	int d = 0, y, mon, n = 0;

	if (end - q >= 5 && q[3] == ',' && q[4] == ' ')
		q += 5;
	while (q < end && n < 2 && *q >= '0' && *q <= '9') {
		d = d * 10 + (*q++ - '0');
		n++;
	}
	if (n == 0 || end - q < 1 + 3 + 1 + 4 + 1 + 8 || *q != ' ')
		return -1;
	q++;
	for (m = months; *m != '\0'; m += 3)
		if (memcmp(q, m, 3) == 0)
			break;
	if (*m == '\0' || q[3] != ' ' || sv_digits(q + 4, 4, &y) || q[8] != ' ')
		return -1;
	mon = (int)(m - months) / 3 + 1;
	if (d < 1 || d > 31 || y < 1970 || (*sec = icewarp_hms(q + 9, end)) < 0)
		return -1;
	*day = civil_days(y, mon, d);
	q += 17;
	if (end - q >= 6 && q[0] == ' ' && (q[1] == '+' || q[1] == '-') &&
	    sv_digits(q + 2, 4, &n) == 0)
		q += 6;
	return (int)(q - p);
}

/* The line's kind, as its program name: unparsed lines are counted per kind. */
static const char icewarp_prog_smtp[] = "icewarp/smtp";
static const char icewarp_prog_system[] = "icewarp/system";
static const char icewarp_prog_antispam[] = "icewarp/antispam";
static const char icewarp_prog_report[] = "icewarp/report";

/* A number "d+" or "d+.d+" at the start of s: its length, else 0. */
static size_t
icewarp_number(struct strview s, int frac)
{
	size_t i = 0;

	while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9')
		i++;
	if (i > 0 && frac && i + 1 < s.n && s.p[i] == '.') {
		size_t j = i + 1;
		while (j < s.n && s.p[j] >= '0' && s.p[j] <= '9')
			j++;
		if (j > i + 1)
			i = j;
	}
	return i;
}

/* The antispam report log: "<seconds> <accounts> <admins> <spam> <quarantine>" [D]. */
static int
icewarp_is_report(struct strview m)
{
	size_t n, k;

	for (k = 0; k < 5; k++) {
		if ((n = icewarp_number(m, k == 0)) == 0)
			return 0;
		m = sv_skip(m, n);
		if (k < 4) {
			if (m.n == 0 || m.p[0] != ' ')
				return 0;
			m = sv_skip(m, 1);
		}
	}
	return m.n == 0 || (m.n > 0 && m.p[0] == ' ');
}

/* The antispam log: "<msgid> '<sender>' ..." [D]; never a dialogue line. */
static int
icewarp_is_antispam(struct strview m)
{
	size_t i;

	if (sv_starts(m, ">>> ") || sv_starts(m, "<<< ") || sv_starts(m, "*** "))
		return 0;
	for (i = 0; i < m.n && m.p[i] != ' '; i++)
		;
	return i > 0 && i + 1 < m.n && m.p[i + 1] == '\'';
}

static int
icewarp_envelope(struct syslog_clock *c, const char *line, size_t len, struct log_header *h)
{
	const char *p = line, *end = line + len, *peer_end, *t;
	long thread = 0;
	int32_t day = c->has_name_day ? c->name_day : 0;
	int sec, n;

	memset(h, 0, sizeof(*h));
	while (p < end && *p != ' ')
		p++;
	peer_end = p;
	if (peer_end == line || peer_end - line > ICEWARP_PEER_MAX)
		return -1;
	while (p < end && *p == ' ') /* the column may be padded [K] */
		p++;
	if (p >= end || *p++ != '[')
		return -1;
	for (t = p; p < end && icewarp_hex(*p) >= 0; p++)
		if (p - t < ICEWARP_THREAD_DIGITS_MAX)
			thread = thread * 16 + icewarp_hex(*p);
	if (p == t || p - t > ICEWARP_THREAD_DIGITS_MAX || p + 1 >= end || p[0] != ']' ||
	    p[1] != ' ')
		return -1;
	h->service = sv_make(t, (size_t)(p - t));
	p += 2;
	if ((sec = icewarp_hms(p, end)) >= 0) {
		p += 8;
	} else if ((n = icewarp_rfc822(p, end, &day, &sec)) > 0) {
		p += n; /* Merak <= 8: the date in every line [D] */
	} else {
		return -1;
	}
	if (p < end && *p != ' ')
		return -1;
	if (p < end)
		p++;
	h->when.day = day;
	h->when.hour = sec / 3600;
	h->when.t = (int64_t)day * 86400 + sec;
	h->host = sv_make(line, (size_t)(peer_end - line));
	h->pid = thread;
	h->msg = sv_make(p, (size_t)(end - p));
	if (sv_eq(h->host, "SYSTEM"))
		h->program = sv_make(icewarp_prog_system, sizeof(icewarp_prog_system) - 1);
	else if (icewarp_is_report(h->msg))
		h->program = sv_make(icewarp_prog_report, sizeof(icewarp_prog_report) - 1);
	else if (icewarp_is_antispam(h->msg))
		h->program = sv_make(icewarp_prog_antispam, sizeof(icewarp_prog_antispam) - 1);
	else
		h->program = sv_make(icewarp_prog_smtp, sizeof(icewarp_prog_smtp) - 1);
	return 0;
}

static int
icewarp_owns(const char *const *instances, const struct log_header *h)
{
	(void)instances;
	return sv_starts(h->program, "icewarp/");
}

/* ---- words, replies, commands ----------------------------------------- */

static char
icewarp_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* Does s start with the word w (case-insensitive), followed by end, space or ':'? */
static int
icewarp_verb(struct strview s, const char *w)
{
	size_t n = strlen(w), i;

	if (s.n < n)
		return 0;
	for (i = 0; i < n; i++)
		if (icewarp_lower(s.p[i]) != icewarp_lower(w[i]))
			return 0;
	return s.n == n || s.p[n] == ' ' || s.p[n] == ':';
}

/* Is lit (lower case) inside s, case-insensitively? */
static int
icewarp_contains(struct strview s, const char *lit)
{
	size_t n = strlen(lit), i, j;

	for (i = 0; n > 0 && i + n <= s.n; i++) {
		for (j = 0; j < n && icewarp_lower(s.p[i + j]) == lit[j]; j++)
			;
		if (j == n)
			return 1;
	}
	return 0;
}

/* "NNN" followed by end, ' ' or '-': the code, and *final 1 unless '-' (continued). */
static int
icewarp_reply(struct strview s, int *final)
{
	int code;

	if (s.n < 3 || sv_digits(s.p, 3, &code) != 0 || code < 200 || code > 599)
		return -1;
	if (s.n > 3 && s.p[3] != ' ' && s.p[3] != '-')
		return -1;
	*final = s.n == 3 || s.p[3] == ' ';
	return code;
}

/* The address of "MAIL FROM:<a>" / "RCPT TO:<a>" without its brackets. */
static struct strview
icewarp_path(struct strview s)
{
	const char *lt = memchr(s.p, '<', s.n), *gt;

	if (lt == NULL) {
		const char *colon = memchr(s.p, ':', s.n);
		if (colon == NULL)
			return SV_NULL;
		s = sv_skip(s, (size_t)(colon + 1 - s.p));
		while (s.n > 0 && s.p[0] == ' ')
			s = sv_skip(s, 1);
		gt = memchr(s.p, ' ', s.n);
		return sv_make(s.p, gt ? (size_t)(gt - s.p) : s.n);
	}
	gt = memchr(lt, '>', s.n - (size_t)(lt - s.p));
	if (gt == NULL)
		return SV_NULL;
	return sv_make(lt + 1, (size_t)(gt - lt - 1));
}

/* ---- AUTH: the user name only ----------------------------------------- */

static int
icewarp_b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decode base64 b into out (cap bytes), stopping after the stop-th NUL
 * byte (0: never) or at cap: the bytes after it are never decoded.  The
 * decoded length (up to the stopping NUL, excluded), or -1 when b is not
 * base64.
 */
static long
icewarp_b64(struct strview b, unsigned char *out, size_t cap, int stop)
{
	uint32_t acc = 0;
	size_t i, n = 0;
	int bits = 0, v, nuls = 0;

	if (b.n > ICEWARP_B64_MAX)
		b.n = ICEWARP_B64_MAX;
	for (i = 0; i < b.n && b.p[i] != '=' && b.p[i] != ' '; i++) {
		if ((v = icewarp_b64_value(b.p[i])) < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= cap)
				return (long)n;
			out[n] = (unsigned char)(acc >> bits);
			if (out[n] == 0 && stop > 0 && ++nuls == stop) {
				explicit_bzero(&acc, sizeof(acc)); /* bits of what follows */
				return (long)n;
			}
			n++;
			acc &= (1u << bits) - 1;
		}
	}
	return (long)n;
}

/* Forget the user name an exchange proposed. */
static void
icewarp_user_clear(struct icewarp_session *x)
{
	explicit_bzero(x->user, sizeof(x->user));
	x->user_len = 0;
}

/* AUTH LOGIN's user line: base64 of the name. */
static void
icewarp_auth_login_user(struct icewarp_session *x, struct strview b)
{
	unsigned char buf[ICEWARP_USER_MAX];
	long n;

	icewarp_user_clear(x);
	n = icewarp_b64(b, buf, sizeof(buf), 1);
	if (n > 0) {
		memcpy(x->user, buf, (size_t)n);
		x->user_len = (uint16_t)n;
	}
	explicit_bzero(buf, sizeof(buf));
}

/*
 * AUTH PLAIN's credentials: base64 of "authzid NUL authcid NUL password".
 * Decoding stops at the second NUL, so at most the bytes of one base64
 * quantum beyond it reach buf; buf is wiped before returning.
 */
static void
icewarp_auth_plain(struct icewarp_session *x, struct strview b)
{
	unsigned char buf[2 * ICEWARP_USER_MAX + 4];
	const unsigned char *nul;
	long n;

	icewarp_user_clear(x);
	n = icewarp_b64(b, buf, sizeof(buf), 2);
	if (n > 0 && (nul = memchr(buf, '\0', (size_t)n)) != NULL) {
		size_t start = (size_t)(nul + 1 - buf), len = (size_t)n - start;
		if (len > sizeof(x->user))
			len = sizeof(x->user);
		memcpy(x->user, buf + start, len);
		x->user_len = (uint16_t)len;
	}
	explicit_bzero(buf, sizeof(buf));
}

/* ---- events ----------------------------------------------------------- */

/* The synthetic id under which one summary line's events meet in the correlator. */
static const char icewarp_qid[] = "#icewarp";

static int
icewarp_emit(const struct mta_sink *k, struct mta_event *ev)
{
	return k->emit(k->ctx, ev);
}

/* An event of type with a what word and the reply of its line (NULL: none). */
static int
icewarp_emit_word(const struct mta_sink *k, enum mta_event_type type, const char *what,
    const struct mta_reply *rep)
{
	struct mta_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	if (what != NULL)
		ev.what = sv_make(what, strlen(what));
	if (rep != NULL)
		ev.reply = *rep;
	return icewarp_emit(k, &ev);
}

static int
icewarp_emit_simple(const struct mta_sink *k, enum mta_event_type type)
{
	struct mta_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	if (type == EV_REMOVED)
		ev.qid = sv_make(icewarp_qid, sizeof(icewarp_qid) - 1);
	return icewarp_emit(k, &ev);
}

/* A reply alone (EV_REPLY), or nothing when rep has none. */
static int
icewarp_emit_reply(const struct mta_sink *k, const struct mta_reply *rep)
{
	if (rep->code == 0)
		return MTA_LINE_IGNORED;
	return icewarp_emit_word(k, EV_REPLY, NULL, rep) != 0 ? -1 : MTA_LINE_COUNTED;
}

/*
 * A client session's delivery took from its "Connected" to now: the only
 * time IceWarp's SMTP log gives of an outbound message (docs/counting.md).
 */
static void
icewarp_delay(const struct icewarp_session *x, int64_t now, struct mta_event *ev)
{
	int64_t ms;

	if (x->start_t <= 0 || now < x->start_t)
		return;
	ms = (now - x->start_t) * 1000;
	ev->has_delay = 1;
	ev->delay_ms = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

/* Per recipient the remote accepted in this client transaction: one event each. */
static int
icewarp_each_accepted(struct icewarp_session *x, const struct mta_sink *k,
    enum delivery_status st, const struct mta_reply *rep, int64_t now)
{
	struct mta_event ev;
	size_t pos = 0, i;

	memset(&ev, 0, sizeof(ev));
	ev.type = EV_DELIVERY;
	ev.reply = *rep; /* the remote's answer to the data, once per recipient (as Postfix) */
	/* only a delivery meets its message (size); a deferral must not create one */
	if (st == DS_SENT) {
		ev.qid = sv_make(icewarp_qid, sizeof(icewarp_qid) - 1);
		icewarp_delay(x, now, &ev);
	}
	ev.status = st;
	ev.forwarded = 1;
	for (i = 0; i < x->ok_n && pos < x->ok_len; i++) {
		size_t n = strnlen(x->ok + pos, x->ok_len - pos);
		ev.rcpt = sv_make(x->ok + pos, n);
		pos += n + 1;
		if (icewarp_emit(k, &ev) != 0)
			return -1;
	}
	ev.rcpt = SV_NULL;
	for (i = 0; i < x->ok_unnamed; i++)
		if (icewarp_emit(k, &ev) != 0)
			return -1;
	return 0;
}

static void
icewarp_accepted_clear(struct icewarp_session *x)
{
	x->ok_len = x->ok_n = x->ok_unnamed = 0;
	x->size = 0;
}

/* Client session, the remote's final answer to the data (or to DATA). */
static int
icewarp_client_final(struct icewarp_session *x, const struct mta_reply *rep,
    const struct mta_sink *k, int64_t now)
{
	struct mta_event ev;
	int code = rep->code, rc;

	if (code >= 400) {
		rc = icewarp_each_accepted(x, k, code >= 500 ? DS_BOUNCED : DS_DEFERRED, rep, now);
	} else {
		/* the size travels with a synthetic message, removed once delivered */
		memset(&ev, 0, sizeof(ev));
		ev.type = EV_QUEUED;
		ev.qid = sv_make(icewarp_qid, sizeof(icewarp_qid) - 1);
		ev.size = x->size;
		rc = icewarp_emit(k, &ev);
		if (rc == 0)
			rc = icewarp_each_accepted(x, k, DS_SENT, rep, now);
		if (rc == 0)
			rc = icewarp_emit_simple(k, EV_REMOVED);
	}
	icewarp_accepted_clear(x);
	x->stage = STAGE_NONE;
	return rc;
}

static void
icewarp_accept_rcpt(struct icewarp_session *x)
{
	if (x->rcpt_len > 0 && (size_t)x->ok_len + x->rcpt_len + 1 <= sizeof(x->ok)) {
		memcpy(x->ok + x->ok_len, x->rcpt, x->rcpt_len);
		x->ok_len = (uint16_t)(x->ok_len + x->rcpt_len);
		x->ok[x->ok_len++] = '\0';
		x->ok_n++;
	} else if (x->ok_unnamed < UINT16_MAX) {
		x->ok_unnamed++;
	}
}

/*
 * A reply in a client session (the remote speaks: "<<< 250 ..."), rep's
 * direction out.  Counted as Postfix counts a delivery's: a recipient's
 * final answer (4xx/5xx to RCPT, else the answer to the data, per accepted
 * recipient); any other 4xx/5xx (banner, EHLO, MAIL, DATA refused before
 * any recipient) once, alone.
 */
static int
icewarp_client_reply(struct icewarp_session *x, const struct mta_reply *rep, int final,
    const struct mta_sink *k, int64_t now)
{
	struct mta_event ev;
	int code = rep->code;

	if (!final)
		return MTA_LINE_IGNORED;
	if (code >= 500)
		x->flags |= FLAG_5XX;
	if (x->stage == STAGE_STARTTLS) {
		if (code == 220)
			x->flags |= FLAG_TLS;
		x->stage = STAGE_NONE;
		return code >= 400 ? icewarp_emit_reply(k, rep) : MTA_LINE_IGNORED;
	}
	switch (x->stage) {
	case STAGE_RCPT:
		if (code < 300) {
			icewarp_accept_rcpt(x);
			return MTA_LINE_IGNORED;
		}
		if (code < 400)
			return MTA_LINE_IGNORED;
		memset(&ev, 0, sizeof(ev));
		ev.type = EV_DELIVERY;
		ev.rcpt = sv_make(x->rcpt, x->rcpt_len);
		ev.status = code >= 500 ? DS_BOUNCED : DS_DEFERRED;
		ev.forwarded = 1;
		ev.reply = *rep;
		return icewarp_emit(k, &ev) != 0 ? -1 : MTA_LINE_COUNTED;
	case STAGE_DATA:
		if (code == 354) {
			x->stage = STAGE_INDATA;
			return MTA_LINE_IGNORED;
		}
		if (code < 400)
			return MTA_LINE_IGNORED;
		/* DATA refused: nothing of it is delivered */
		/* FALLTHROUGH */
	case STAGE_INDATA:
	case STAGE_POSTDATA:
		if (code >= 300 && code < 400)
			return MTA_LINE_IGNORED;
		if (x->ok_n == 0 && x->ok_unnamed == 0) {
			x->stage = STAGE_NONE;
			return code >= 400 ? icewarp_emit_reply(k, rep) : MTA_LINE_IGNORED;
		}
		return icewarp_client_final(x, rep, k, now) != 0 ? -1 : MTA_LINE_COUNTED;
	default:
		return code >= 400 ? icewarp_emit_reply(k, rep) : MTA_LINE_IGNORED;
	}
}

/* The intrusion-prevention reason of a 421 text: a code of the table, or "other". */
static const char *
icewarp_ipblock_code(struct strview text)
{
	size_t i;

	for (i = 0; i < sizeof(icewarp_ipblock) / sizeof(icewarp_ipblock[0]); i++)
		if (icewarp_contains(text, icewarp_ipblock[i].phrase))
			return icewarp_ipblock[i].code;
	return "other";
}

/*
 * A reply in a server session (IceWarp speaks: ">>> 250 ..."), rep's
 * direction in.  Every final 4xx/5xx is counted once, with the event it
 * makes (reject, AUTH failure, block) or alone; 2xx and 3xx are the
 * dialogue, not counted (Postfix and Exim log only refusals).
 */
static int
icewarp_server_reply(struct icewarp_session *x, const struct mta_reply *rep, int final,
    struct strview text, const struct mta_sink *k)
{
	struct mta_reply none;
	int code = rep->code;

	if (!final)
		return MTA_LINE_IGNORED;
	memset(&none, 0, sizeof(none));
	if (code < 400)
		rep = &none;
	if (code >= 500)
		x->flags |= FLAG_5XX;
	if (code == 421) {
		if (icewarp_contains(text, "timeout")) {
			x->flags |= FLAG_TIMEOUT;
			return icewarp_emit_reply(k, rep);
		}
		return icewarp_emit_word(k, EV_BLOCKED, icewarp_ipblock_code(text), rep) != 0 ? -1
		    : MTA_LINE_COUNTED;
	}
	if (x->stage == STAGE_STARTTLS) {
		if (code == 220)
			x->flags |= FLAG_TLS; /* "220 Ready to start TLS" */
		x->stage = STAGE_NONE;
		return icewarp_emit_reply(k, rep);
	}
	switch (x->stage) {
	case STAGE_AUTH:
		if (code == 235) {
			x->auth = AUTH_OK;
			x->stage = STAGE_NONE;
			return MTA_LINE_IGNORED;
		}
		if (code == 334)
			return MTA_LINE_IGNORED;
		x->auth = AUTH_NONE;
		x->stage = STAGE_NONE;
		icewarp_user_clear(x);
		if (code < 500)
			return icewarp_emit_reply(k, rep);
		return icewarp_emit_word(k, EV_AUTH_FAILED, NULL, rep) != 0 ? -1 : MTA_LINE_COUNTED;
	case STAGE_DATA:
		if (code == 354) {
			x->stage = STAGE_INDATA;
			return MTA_LINE_IGNORED;
		}
		/* FALLTHROUGH */
	case STAGE_MAIL:
	case STAGE_RCPT:
	case STAGE_INDATA:
	case STAGE_POSTDATA:
		if (x->stage == STAGE_POSTDATA || x->stage == STAGE_INDATA)
			x->stage = STAGE_NONE; /* the final reply ends the transaction */
		if (code < 500)
			return icewarp_emit_reply(k, rep);
		return icewarp_emit_word(k, EV_REJECT, NULL, rep) != 0 ? -1 : MTA_LINE_COUNTED;
	default:
		return icewarp_emit_reply(k, rep);
	}
}

/* A command: the stage it opens; AUTH and the client's RCPT read their argument. */
static void
icewarp_command(struct icewarp_session *x, struct strview c)
{
	if (icewarp_verb(c, "MAIL")) {
		x->stage = STAGE_MAIL;
		icewarp_accepted_clear(x);
	} else if (icewarp_verb(c, "RCPT")) {
		struct strview a = icewarp_path(c);
		x->stage = STAGE_RCPT;
		x->rcpt_len = (uint16_t)(a.n < sizeof(x->rcpt) ? a.n : 0);
		if (x->rcpt_len > 0)
			memcpy(x->rcpt, a.p, a.n);
	} else if (icewarp_verb(c, "DATA") || icewarp_verb(c, "BDAT")) {
		x->stage = STAGE_DATA;
	} else if (icewarp_verb(c, "QUIT")) {
		x->stage = STAGE_QUIT;
		x->flags |= FLAG_QUIT;
	} else if (icewarp_verb(c, "RSET")) {
		x->stage = STAGE_NONE;
		icewarp_accepted_clear(x);
	} else if (icewarp_verb(c, "STARTTLS")) {
		x->stage = STAGE_STARTTLS;
	} else {
		x->stage = STAGE_OTHER;
	}
}

/* "AUTH <mech>[ <initial response>]" from the client of a server session. */
static void
icewarp_auth_start(struct icewarp_session *x, struct strview c)
{
	struct strview mech = sv_skip(c, 5), arg = SV_NULL;
	const char *sp;

	x->stage = STAGE_AUTH;
	icewarp_user_clear(x);
	if ((sp = memchr(mech.p, ' ', mech.n)) != NULL) {
		arg = sv_skip(mech, (size_t)(sp + 1 - mech.p));
		mech.n = (size_t)(sp - mech.p);
	}
	if (icewarp_verb(mech, "LOGIN")) {
		if (arg.n > 0) {
			icewarp_auth_login_user(x, arg);
			x->auth = AUTH_LOGIN_PASS;
		} else {
			x->auth = AUTH_LOGIN_USER;
		}
	} else if (icewarp_verb(mech, "PLAIN")) {
		if (arg.n > 0) {
			icewarp_auth_plain(x, arg);
			x->auth = AUTH_PENDING;
		} else {
			x->auth = AUTH_PLAIN_WAIT;
		}
	} else {
		x->auth = AUTH_PENDING; /* CRAM-MD5 & co: no user name is read [?] */
	}
}

/* A line the client of a server session sent ("<<< ..."). */
static int
icewarp_server_command(struct icewarp_session *x, struct strview c)
{
	/* the continuation lines of an AUTH exchange; "*" cancels it */
	if (x->auth == AUTH_LOGIN_USER || x->auth == AUTH_LOGIN_PASS ||
	    x->auth == AUTH_PLAIN_WAIT) {
		if (sv_eq(c, "*")) {
			x->auth = AUTH_NONE;
			icewarp_user_clear(x);
		} else if (x->auth == AUTH_LOGIN_USER) {
			icewarp_auth_login_user(x, c);
			x->auth = AUTH_LOGIN_PASS;
		} else if (x->auth == AUTH_LOGIN_PASS) {
			x->auth = AUTH_PENDING; /* the password: never decoded, never kept */
		} else {
			icewarp_auth_plain(x, c);
			x->auth = AUTH_PENDING;
		}
		return MTA_LINE_IGNORED;
	}
	if (icewarp_verb(c, "AUTH")) {
		icewarp_auth_start(x, c);
		return MTA_LINE_IGNORED;
	}
	icewarp_command(x, c);
	return MTA_LINE_IGNORED;
}

/* ---- the summary line ------------------------------------------------- */

struct icewarp_summary {
	struct strview from;
	struct strview addrs;    /* the recipients' "<a> <b>" */
	unsigned long nrcpt;
	uint64_t size;
	int ok;                  /* OK, else INCOMPLETE-SESSION */
	struct strview rest;     /* after the result */
};

/* An "<address>" word at s: its length (through the '>' before a space or the end), or 0. */
static size_t
icewarp_addr_word(struct strview s)
{
	size_t i;

	if (s.n < 2 || s.p[0] != '<')
		return 0;
	for (i = 1; i < s.n; i++)
		if (s.p[i] == '>' && (i + 1 == s.n || s.p[i + 1] == ' '))
			return i + 1;
	return 0;
}

static int
icewarp_ulong(struct strview w, uint64_t *v)
{
	size_t i;

	*v = 0;
	if (w.n == 0 || w.n > 19)
		return -1;
	for (i = 0; i < w.n; i++) {
		if (w.p[i] < '0' || w.p[i] > '9')
			return -1;
		*v = *v * 10 + (uint64_t)(w.p[i] - '0');
	}
	return 0;
}

/*
 * "<from> <to>[ <to>...] <nrcpt> <size> <hh:mm:ss> <result>[ more]" [D].
 * Addresses are the sender's words: they are read as <...> words left to
 * right, and their number must be the nrcpt IceWarp wrote after them.
 * The VisNetic sample [K] shows the numbers without addresses: accepted.
 */
static int
icewarp_parse_summary(struct strview s, struct icewarp_summary *m)
{
	struct strview w[4];
	unsigned long naddr = 0;
	size_t n, i, k;
	uint64_t v;

	memset(m, 0, sizeof(*m));
	while ((n = icewarp_addr_word(s)) > 0) {
		if (naddr == 0)
			m->from = sv_make(s.p + 1, n - 2);
		else if (naddr == 1)
			m->addrs.p = s.p;
		if (naddr >= 1)
			m->addrs.n = (size_t)(s.p + n - m->addrs.p);
		naddr++;
		s = sv_skip(s, n);
		if (s.n == 0 || s.p[0] != ' ')
			return -1;
		s = sv_skip(s, 1);
	}
	for (k = 0; k < 4; k++) {
		for (i = 0; i < s.n && s.p[i] != ' '; i++)
			;
		w[k] = sv_make(s.p, i);
		s = sv_skip(s, i < s.n ? i + 1 : i);
	}
	if (icewarp_ulong(w[0], &v) != 0)
		return -1;
	m->nrcpt = (unsigned long)v;
	if (icewarp_ulong(w[1], &m->size) != 0 || icewarp_hms(w[2].p, w[2].p + w[2].n) < 0 ||
	    w[2].n != 8)
		return -1;
	if (sv_eq(w[3], icewarp_ok))
		m->ok = 1;
	else if (!sv_eq(w[3], icewarp_incomplete))
		return -1;
	if (naddr > 0 && naddr != m->nrcpt + 1)
		return -1;
	m->rest = s;
	return 0;
}

/* How a session that ended without a message ended (docs/counting.md). */
static const char *
icewarp_ending(const struct icewarp_session *x, struct strview rest)
{
	if ((x->flags & FLAG_TIMEOUT) || sv_find(rest, icewarp_timeout) >= 0)
		return "timeout";
	if (x->stage == STAGE_INDATA)
		return "data";   /* the client went away after 354 */
	if (x->flags & FLAG_5XX)
		return "error";  /* a 5xx reply (or a refused MX in a client session) */
	if (x->flags & FLAG_QUIT)
		return "quit";   /* the client only said QUIT: not always an error [G] */
	return "other";
}

/* An accepted message: received, then each recipient resolved. */
static int
icewarp_received(struct icewarp_session *x, const struct icewarp_summary *m,
    const struct mta_sink *k)
{
	struct mta_event ev;
	struct strview a = m->addrs;
	size_t n;

	memset(&ev, 0, sizeof(ev));
	ev.type = EV_QUEUED;
	ev.qid = sv_make(icewarp_qid, sizeof(icewarp_qid) - 1);
	ev.origin = 1;
	ev.has_sender = 1;
	ev.sender = m->from;
	ev.size = m->size;
	if (x->auth == AUTH_OK && x->user_len > 0)
		ev.sasl = sv_make(x->user, x->user_len);
	if (icewarp_emit(k, &ev) != 0)
		return -1;
	memset(&ev, 0, sizeof(ev));
	ev.type = EV_DELIVERY;
	ev.qid = sv_make(icewarp_qid, sizeof(icewarp_qid) - 1);
	ev.status = DS_SENT;
	ev.resolved = 1;
	while ((n = icewarp_addr_word(a)) > 0) {
		ev.rcpt = sv_make(a.p + 1, n - 2);
		if (icewarp_emit(k, &ev) != 0)
			return -1;
		a = sv_skip(a, n < a.n ? n + 1 : n);
	}
	return icewarp_emit_simple(k, EV_REMOVED);
}

static int
icewarp_summary(struct icewarp_session *x, struct strview s, const struct mta_sink *k)
{
	struct icewarp_summary m;

	if (icewarp_parse_summary(s, &m) != 0)
		return MTA_LINE_UNPARSED;
	if (!m.ok) {
		const char *how = icewarp_ending(x, m.rest);
		return icewarp_emit_word(k, EV_SESSION_INCOMPLETE, how, NULL) != 0 ? -1 : MTA_LINE_COUNTED;
	}
	if (x->dir == DIR_CLIENT || (x->dir == DIR_UNKNOWN && !ICEWARP_UNKNOWN_DIRECTION_RECEIVES)) {
		/* the size of what we deliver, for its final reply */
		x->size = m.size;
		if (x->stage == STAGE_INDATA)
			x->stage = STAGE_POSTDATA;
		return MTA_LINE_IGNORED;
	}
	if (m.addrs.n == 0)
		return MTA_LINE_UNPARSED; /* an accepted message names its recipients */
	x->stage = STAGE_POSTDATA;
	return icewarp_received(x, &m, k) != 0 ? -1 : MTA_LINE_COUNTED;
}

/* ---- the antispam log ------------------------------------------------- */

/*
 * "... action <WORD>" at the end of the line: IceWarp writes it after the
 * sender's words, so the last word is its own.  Actions are an open set.
 */
static int
icewarp_antispam(struct strview m, const struct mta_sink *k)
{
	char what[ICEWARP_WORD_MAX + 1];
	size_t end = m.n, i, n;

	while (end > 0 && m.p[end - 1] == ' ')
		end--;
	for (i = end; i > 0 && m.p[i - 1] != ' '; i--)
		;
	n = end - i;
	if (n == 0 || i < 8 || memcmp(m.p + i - 8, " action ", 8) != 0)
		return MTA_LINE_UNPARSED;
	if (n > ICEWARP_WORD_MAX)
		n = 0; /* counted as "other" */
	memcpy(what, m.p + i, n);
	what[n] = '\0';
	return icewarp_emit_word(k, EV_ANTISPAM, n > 0 ? what : "other", NULL) != 0 ? -1
	    : MTA_LINE_COUNTED;
}

/* ---- one line --------------------------------------------------------- */

/* The direction a session's first dialogue line tells. */
static void
icewarp_direction(struct icewarp_session *x, int from_us, struct strview text)
{
	int final, code = icewarp_reply(text, &final);

	if (x->dir != DIR_UNKNOWN)
		return;
	if (code == 220)
		x->dir = from_us ? DIR_SERVER : DIR_CLIENT;
	else if (code < 0 && (icewarp_verb(text, "MAIL") || icewarp_verb(text, "EHLO") ||
	    icewarp_verb(text, "HELO")))
		x->dir = from_us ? DIR_CLIENT : DIR_SERVER; /* who sends commands is the client */
}

/* ">>> text" (IceWarp sent it) or "<<< text" (IceWarp received it), at now. */
static int
icewarp_dialogue(struct icewarp_session *x, int from_us, struct strview text,
    const struct mta_sink *k, int64_t now)
{
	struct mta_reply rep;
	int final, code;

	icewarp_direction(x, from_us, text);
	code = icewarp_reply(text, &final);
	memset(&rep, 0, sizeof(rep));
	if (code >= 0 && mta_reply_parse(text, &rep) == 0)
		rep.dir = x->dir == DIR_CLIENT ? MTA_DIR_OUT : MTA_DIR_IN;
	if (x->dir == DIR_CLIENT) {
		if (from_us) {
			icewarp_command(x, text);
			return MTA_LINE_IGNORED;
		}
		return code < 0 ? MTA_LINE_IGNORED : icewarp_client_reply(x, &rep, final, k, now);
	}
	/* a server session, or one whose start we did not see: read as a server's */
	if (!from_us)
		return icewarp_server_command(x, text);
	if (code < 0)
		return MTA_LINE_IGNORED;
	return icewarp_server_reply(x, &rep, final, text, k);
}

/*
 * A session that ends: its TLS, when its direction is known and its start
 * was seen (a session read from its middle may have missed STARTTLS).
 */
static int
icewarp_session_end(const struct icewarp_session *x, const struct mta_sink *k)
{
	struct mta_event ev;

	if (x->dir == DIR_UNKNOWN || x->start_t <= 0)
		return MTA_LINE_IGNORED;
	memset(&ev, 0, sizeof(ev));
	ev.type = EV_TLS;
	ev.has_tls = 1;
	ev.dir = x->dir == DIR_CLIENT ? MTA_DIR_OUT : MTA_DIR_IN;
	ev.tls = (x->flags & FLAG_TLS) != 0;
	return icewarp_emit(k, &ev) != 0 ? -1 : MTA_LINE_COUNTED;
}

static int
icewarp_session_line(struct icewarp_state *s, const struct log_header *h,
    const struct mta_sink *k)
{
	struct strview m = h->msg;
	struct icewarp_session *x;
	int rc;

	if (sv_eq(m, "Connected")) {
		if ((x = icewarp_open_session(s, h->host, h->pid)) == NULL)
			return -1;
		x->start_t = h->when.t > 0 ? h->when.t : 1;
		return MTA_LINE_IGNORED;
	}
	x = icewarp_find(s, h->host, h->pid);
	if (sv_eq(m, "Disconnected")) {
		if (x == NULL)
			return MTA_LINE_IGNORED;
		rc = icewarp_session_end(x, k);
		icewarp_remove(s, x);
		return rc;
	}
	if (!sv_starts(m, ">>> ") && !sv_starts(m, "<<< ") && !sv_starts(m, "*** ") &&
	    !sv_eq(m, icewarp_timeout) && !sv_starts(m, "TIMEOUT "))
		return MTA_LINE_UNPARSED;
	if (x == NULL && (x = icewarp_open_session(s, h->host, h->pid)) == NULL)
		return -1;
	if (sv_starts(m, "TIMEOUT")) {
		x->flags |= FLAG_TIMEOUT;
		return MTA_LINE_IGNORED;
	}
	if (sv_starts(m, "*** "))
		return icewarp_summary(x, sv_skip(m, 4), k);
	if (sv_starts(m, ">>> ") && sv_find(m, icewarp_timeout) >= 0)
		x->flags |= FLAG_TIMEOUT;
	return icewarp_dialogue(x, m.p[0] == '>', sv_skip(m, 4), k, h->when.t);
}

static int
icewarp_parse_state(void *state, const struct log_header *h, const struct mta_sink *k)
{
	struct icewarp_state *s = state;

	if (sv_eq(h->program, icewarp_prog_system) || sv_eq(h->program, icewarp_prog_report))
		return MTA_LINE_IGNORED; /* internal events, the report log: nothing to count */
	if (sv_eq(h->program, icewarp_prog_antispam))
		return icewarp_antispam(h->msg, k);
	return icewarp_session_line(s, h, k);
}

/* The shape of a line alone, for format detection: recognised or not. */
static void
icewarp_parse(const struct log_header *h, struct mta_event *ev)
{
	struct strview m = h->msg;

	memset(ev, 0, sizeof(*ev));
	ev->type = EV_UNPARSED;
	if (!sv_eq(h->program, icewarp_prog_smtp) || sv_eq(m, "Connected") ||
	    sv_eq(m, "Disconnected") || sv_starts(m, ">>> ") || sv_starts(m, "<<< ") ||
	    sv_starts(m, "*** ") || sv_starts(m, icewarp_timeout))
		ev->type = EV_IGNORED;
}

/* ---- saved state ------------------------------------------------------ */

/*
 * Version of the saved bytes.  2 (issue 14): the reserved word holds
 * the session's start time, and the stage and flags have STARTTLS's
 * values.  A version 1 blob (schema v5) has the same layout with a zero
 * there, and is read as sessions whose start was not seen; a blob of
 * another version is not read (the sessions start over, empty).
 */
#define ICEWARP_STATE_VERSION 2
#define ICEWARP_STATE_V1 1
/* Bytes of one saved session besides its strings. */
#define ICEWARP_SAVED_FIXED 40

static unsigned char *
icewarp_put(unsigned char *p, const void *v, size_t n)
{
	memcpy(p, v, n);
	return p + n;
}

static unsigned char *
icewarp_put_u64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		*p++ = (unsigned char)(v >> (8 * i));
	return p;
}

static int
icewarp_state_save(void *state, unsigned char **blob, size_t *len)
{
	struct icewarp_state *s = state;
	size_t need = 8;
	unsigned char *b, *p;
	uint32_t k;

	for (k = s->lru_head; k != ICEWARP_NIL; k = s->slab[k].next) {
		const struct icewarp_session *x = &s->slab[k];
		need += ICEWARP_SAVED_FIXED + x->peer_len + x->user_len + x->rcpt_len + x->ok_len;
	}
	if ((b = malloc(need)) == NULL)
		return -1;
	p = icewarp_put_u64(b, ((uint64_t)s->used << 8) | ICEWARP_STATE_VERSION);
	for (k = s->lru_head; k != ICEWARP_NIL; k = s->slab[k].next) {
		const struct icewarp_session *x = &s->slab[k];
		unsigned char f[8] = { x->peer_len, x->dir, x->stage, x->auth, x->flags,
			(unsigned char)(x->user_len & 0xff), (unsigned char)(x->user_len >> 8), 0 };
		p = icewarp_put(p, f, sizeof(f));
		p = icewarp_put_u64(p, (uint64_t)x->thread);
		p = icewarp_put_u64(p, x->size);
		p = icewarp_put_u64(p, (uint64_t)x->rcpt_len | (uint64_t)x->ok_len << 16 |
		    (uint64_t)x->ok_n << 32 | (uint64_t)x->ok_unnamed << 48);
		p = icewarp_put_u64(p, (uint64_t)x->start_t); /* reserved in version 1 */
		p = icewarp_put(p, x->peer, x->peer_len);
		p = icewarp_put(p, x->user, x->user_len);
		p = icewarp_put(p, x->rcpt, x->rcpt_len);
		p = icewarp_put(p, x->ok, x->ok_len);
	}
	*blob = b;
	*len = (size_t)(p - b);
	return 0;
}

static uint64_t
icewarp_get_u64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Empty the table (keep its memory). */
static void
icewarp_state_clear(struct icewarp_state *s)
{
	while (s->lru_head != ICEWARP_NIL)
		icewarp_remove(s, &s->slab[s->lru_head]);
}

/* One saved session at *p (bounded by end); -1 when the bytes do not hold one. */
static int
icewarp_load_one(struct icewarp_state *s, const unsigned char **pp, const unsigned char *end,
    int version)
{
	const unsigned char *p = *pp;
	struct icewarp_session *x;
	uint64_t lens;
	size_t peer_len, user_len, rcpt_len, ok_len;

	if (end - p < ICEWARP_SAVED_FIXED)
		return -1;
	peer_len = p[0];
	user_len = (size_t)p[5] | (size_t)p[6] << 8;
	lens = icewarp_get_u64(p + 24);
	rcpt_len = lens & 0xffff;
	ok_len = (lens >> 16) & 0xffff;
	if (peer_len == 0 || peer_len > ICEWARP_PEER_MAX || user_len > ICEWARP_USER_MAX ||
	    rcpt_len > ICEWARP_ADDR_MAX || ok_len > ICEWARP_ACCEPTED_BUF ||
	    (size_t)(end - p) < ICEWARP_SAVED_FIXED + peer_len + user_len + rcpt_len + ok_len ||
	    p[1] > DIR_CLIENT || p[2] > (version == ICEWARP_STATE_V1 ? STAGE_OTHER : STAGE_STARTTLS) ||
	    p[3] > AUTH_OK)
		return -1;
	x = icewarp_open_session(s, sv_make((const char *)p + ICEWARP_SAVED_FIXED, peer_len),
	    (long)icewarp_get_u64(p + 8));
	if (x == NULL)
		return -1;
	x->dir = p[1];
	x->stage = p[2];
	x->auth = p[3];
	x->flags = p[4];
	x->size = icewarp_get_u64(p + 16);
	x->start_t = version == ICEWARP_STATE_V1 ? 0 : (int64_t)icewarp_get_u64(p + 32);
	x->ok_n = (uint16_t)((lens >> 32) & 0xffff);
	x->ok_unnamed = (uint16_t)(lens >> 48);
	p += ICEWARP_SAVED_FIXED + peer_len;
	memcpy(x->user, p, user_len);
	x->user_len = (uint16_t)user_len;
	p += user_len;
	memcpy(x->rcpt, p, rcpt_len);
	x->rcpt_len = (uint16_t)rcpt_len;
	p += rcpt_len;
	memcpy(x->ok, p, ok_len);
	x->ok_len = (uint16_t)ok_len;
	/* a count the names cannot back is cut to them */
	{
		uint16_t names = 0;
		size_t k;
		for (k = 0; k < ok_len; k++)
			names = (uint16_t)(names + (x->ok[k] == '\0'));
		if (x->ok_n > names)
			x->ok_n = names;
	}
	*pp = p + ok_len;
	return 0;
}

static int
icewarp_state_load(void *state, const unsigned char *blob, size_t len)
{
	struct icewarp_state *s = state;
	const unsigned char *p = blob, *end = blob + len;
	uint64_t head, n, i;
	int version;

	icewarp_state_clear(s);
	if (len < 8)
		return len == 0 ? 0 : -1;
	head = icewarp_get_u64(p);
	version = (int)(head & 0xff);
	if (version != ICEWARP_STATE_VERSION && version != ICEWARP_STATE_V1)
		return -1;
	n = head >> 8;
	p += 8;
	for (i = 0; i < n && i < ICEWARP_SESSIONS_MAX; i++)
		if (icewarp_load_one(s, &p, end, version) != 0) {
			icewarp_state_clear(s);
			return -1;
		}
	return 0;
}

/* ---- file names ------------------------------------------------------- */

/*
 * "a[x]yyyymmdd[-nn].log" [D]: a letter (s: SMTP), an optional server id
 * (digits), the date as the last 8 digits [I], and a size-split index.
 * ".gz" after it is accepted for backfill.  The series is the name before
 * the date ("s", "s1"): files of one log.
 */
static int
icewarp_file_key(const char *name, struct mta_file_key *key)
{
	size_t n = strlen(name), i = 1, digits, j;
	int y, m, d;
	unsigned split = 0;

	if (sv_ends(sv_make(name, n), ".gz"))
		n -= 3;
	if (n < 1 + 8 + 4 || name[0] < 'a' || name[0] > 'z' || memcmp(name + n - 4, ".log", 4) != 0)
		return -1;
	n -= 4;
	while (i < n && name[i] >= '0' && name[i] <= '9')
		i++;
	digits = i - 1;
	if (digits < 8)
		return -1;
	if (i < n) {
		/* "-nn": 1 to 4 digits (two are documented) */
		if (name[i] != '-' || n - i - 1 < 1 || n - i - 1 > 4)
			return -1;
		for (j = i + 1; j < n; j++) {
			if (name[j] < '0' || name[j] > '9')
				return -1;
			split = split * 10 + (unsigned)(name[j] - '0');
		}
	}
	if (sv_digits(name + i - 8, 4, &y) || sv_digits(name + i - 4, 2, &m) ||
	    sv_digits(name + i - 2, 2, &d) || y < 1970 || m < 1 || m > 12 || d < 1 || d > 31 ||
	    i - 8 >= sizeof(key->series))
		return -1;
	key->day = civil_days(y, m, d);
	key->split = split;
	memcpy(key->series, name, i - 8);
	key->series[i - 8] = '\0';
	return 0;
}

static const char *const icewarp_default_instances[] = { "icewarp", NULL };

const struct mta_parser parser_icewarp = {
	.name = "icewarp",
	.envelope = icewarp_envelope,
	.owns = icewarp_owns,
	.parse = icewarp_parse,
	.default_instances = icewarp_default_instances,
	.state_open = icewarp_state_open,
	.state_close = icewarp_state_close,
	.parse_state = icewarp_parse_state,
	.state_save = icewarp_state_save,
	.state_load = icewarp_state_load,
	.file_key = icewarp_file_key,
};
