/*
 * Postfix: one line in, at most one event out.  No regular expressions and
 * no copies: fields are located with memchr (sv_find) inside the line.
 */
#include "config.h"

#include <string.h>

#include "event.h"
#include "reply.h"

/* Postfix's long queue ids are 15 characters; leave room for odd builds. */
#define QID_MIN 5
#define QID_MAX 20

static const char *const postfix_default_instances[] = { "postfix", NULL };

/*
 * Queue id alphabets as bits of one table (every line's first word is
 * looked up).  QID_SHORT: short ids are upper-case hex; upper-case
 * alphanumerics are accepted too (hand-written test logs use them), except
 * the word NOQUEUE.  QID_LONG: the long id alphabet, digits and letters
 * without vowels.  QID_COLON: the ':' that ends an id.
 */
#define QID_SHORT 1
#define QID_LONG 2
#define QID_COLON 4
static const unsigned char qid_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 0, 0, 0, 0, 0,
	0, 1, 3, 3, 3, 1, 3, 3, 3, 1, 3, 3, 3, 3, 3, 1,
	3, 3, 3, 3, 3, 1, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0,
	0, 0, 2, 2, 2, 0, 2, 2, 2, 0, 2, 2, 2, 2, 2, 0,
	2, 2, 2, 2, 2, 0, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0,
};

/* Length of a queue id followed by ':' at the start of m, else 0. */
static size_t
qid_prefix(struct strview m)
{
	size_t i, max = m.n < QID_MAX + 1 ? m.n : QID_MAX + 1;
	unsigned both = QID_SHORT | QID_LONG, k;

	for (i = 0; i < max; i++) {
		k = qid_class[(unsigned char)m.p[i]];
		if (k == QID_COLON)
			break;
		both &= k;
		if (both == 0)
			return 0;
	}
	if (i == max || i < QID_MIN)
		return 0;
	if (!(both & QID_SHORT) && i < 10)
		return 0; /* short non-hex words ("warning" has vowels anyway) */
	if (i == 7 && memcmp(m.p, "NOQUEUE", 7) == 0)
		return 0;
	return i;
}

/* Value of "key" up to the first of the stop bytes or the end. */
static struct strview
field(struct strview m, const char *key, const char *stops)
{
	long at = sv_find(m, key);
	unsigned char stop[256] = { 0 };
	const char *start, *p, *end;

	if (at < 0)
		return SV_NULL;
	for (; *stops != '\0'; stops++)
		stop[(unsigned char)*stops] = 1;
	start = p = m.p + at + strlen(key);
	end = m.p + m.n;
	while (p < end && !stop[(unsigned char)*p])
		p++;
	return sv_make(start, (size_t)(p - start));
}

/* "key=<addr>": the address without brackets; found=0 when key is absent. */
static struct strview
address(struct strview m, const char *key, int *found)
{
	long at = sv_find(m, key);
	const char *p, *end, *gt;

	*found = 0;
	if (at < 0)
		return SV_NULL;
	p = m.p + at + strlen(key);
	end = m.p + m.n;
	gt = p;
	/* a quoted local part ("a>b, c"@x) ends at its closing quote; '\\' escapes */
	if (gt < end && *gt == '"') {
		for (gt++; gt < end && *gt != '"'; gt++)
			if (*gt == '\\' && end - gt > 1)
				gt++;
		if (gt >= end)
			return SV_NULL;
	}
	/* Postfix's internal form is unquoted, so '>' followed by ',', ' ' or the end closes it. */
	for (; gt < end; gt++) {
		gt = memchr(gt, '>', (size_t)(end - gt));
		if (gt == NULL)
			return SV_NULL;
		if (gt + 1 == end || gt[1] == ',' || gt[1] == ' ')
			break;
	}
	if (gt >= end)
		return SV_NULL;
	*found = 1;
	return sv_make(p, (size_t)(gt - p));
}

static uint64_t
number(struct strview m, const char *key)
{
	struct strview v = field(m, key, ", ");
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < v.n && v.p[i] >= '0' && v.p[i] <= '9'; i++)
		if (n < UINT64_MAX / 10 - 10)
			n = n * 10 + (uint64_t)(v.p[i] - '0');
	return n;
}

/* The rest of m after an address that address() returned (and its '>'). */
static struct strview
after(struct strview m, struct strview addr)
{
	return sv_skip(m, (size_t)(addr.p + addr.n + 1 - m.p));
}

static enum delivery_status
status_of(struct strview m)
{
	struct strview s = field(m, "status=", " ,(");
	size_t n;

	/* a status is a word of [a-z-]: whatever byte follows ends it (a NUL too) */
	for (n = 0; n < s.n && ((s.p[n] >= 'a' && s.p[n] <= 'z') || s.p[n] == '-'); n++)
		;
	s.n = n;

	if (sv_eq(s, "sent"))
		return DS_SENT;
	if (sv_eq(s, "deferred"))
		return DS_DEFERRED;
	if (sv_eq(s, "bounced"))
		return DS_BOUNCED;
	return DS_OTHER;
}

static int
is_local_service(struct strview svc)
{
	return sv_eq(svc, "local") || sv_eq(svc, "virtual") || sv_eq(svc, "lmtp") ||
	    sv_eq(svc, "pipe") || sv_eq(svc, "discard");
}

/* A queue id at the start of s ending at a non-alphanumeric byte; its length or 0. */
static size_t
qid_token(struct strview s)
{
	char buf[QID_MAX + 2];
	size_t n;

	for (n = 0; n < s.n && n <= QID_MAX && ((s.p[n] >= '0' && s.p[n] <= '9') ||
	    (s.p[n] >= 'A' && s.p[n] <= 'Z') || (s.p[n] >= 'a' && s.p[n] <= 'z')); n++)
		;
	if (n < QID_MIN || n > QID_MAX)
		return 0;
	/* same rules as a "QID:" prefix */
	memcpy(buf, s.p, n);
	buf[n] = ':';
	return qid_prefix(sv_make(buf, n + 1)) == n ? n : 0;
}

/* "... queued as NEWQID)" in the remote server's reply. */
static struct strview
queued_as(struct strview m)
{
	long at = sv_find(m, "queued as ");
	struct strview rest;
	size_t n;

	if (at < 0)
		return SV_NULL;
	rest = sv_skip(m, (size_t)at + 10);
	n = qid_token(rest);
	return n ? sv_make(rest.p, n) : SV_NULL;
}

/* An SMTP reply at the start of s (reply.h), said in direction dir: 1, or 0 when none. */
static int
reply_at(struct strview s, enum mta_dir dir, struct mta_reply *r)
{
	if (mta_reply_parse(s, r) != 0)
		return 0;
	r->dir = (uint8_t)dir;
	return 1;
}

/* s cut before the first occurrence of lit, if any. */
static struct strview
cut_at(struct strview s, const char *lit)
{
	long at = sv_find(s, lit);

	return at < 0 ? s : sv_make(s.p, (size_t)at);
}

/* "12.5," (the value of delay=) in seconds, as milliseconds; 0 when it is no number. */
static int
delay_of(struct strview v, uint32_t *ms)
{
	uint64_t n = 0, frac = 0, scale = 1000;
	size_t i;

	if (v.n == 0 || v.p[0] < '0' || v.p[0] > '9')
		return 0;
	for (i = 0; i < v.n && v.p[i] >= '0' && v.p[i] <= '9'; i++)
		if (n < UINT32_MAX)
			n = n * 10 + (uint64_t)(v.p[i] - '0');
	if (i < v.n && v.p[i] == '.')
		for (i++; i < v.n && v.p[i] >= '0' && v.p[i] <= '9' && scale > 1; i++) {
			scale /= 10;
			frac += (uint64_t)(v.p[i] - '0') * scale;
		}
	n = n * 1000 + frac;
	*ms = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	return 1;
}

/* "host[addr]..." names the loopback, where sessions need no TLS (content filters). */
static int
is_loopback(struct strview client)
{
	long at = sv_find(client, "[");

	if (at < 0)
		return 0;
	client = sv_skip(client, (size_t)at + 1);
	return sv_starts(client, "127.") || sv_starts(client, "::1]") ||
	    sv_starts(client, "ipv6:::1]");
}

/*
 * A delivery by the smtp client to a remote server opened a session unless
 * it reused a cached one (conn_use=2 and up): its TLS is said on a line of
 * its own, so it counts as a session whose outcome is unsaid.  A relay by
 * name without an address in brackets, a socket or the loopback is not a
 * session to the internet.
 */
static void
outbound_session(const struct log_header *h, int reused, struct mta_event *ev)
{
	const char *br = ev->relay.n > 0 ? memchr(ev->relay.p, '[', ev->relay.n) : NULL;

	if (reused || br == NULL || !sv_eq(h->service, "smtp") || is_loopback(ev->relay) ||
	    memchr(br, '/', ev->relay.n - (size_t)(br - ev->relay.p)) != NULL)
		return;
	ev->has_tls = 1;
	ev->tls_unsaid = 1;
	ev->dir = MTA_DIR_OUT;
}

/*
 * The reply in a delivery's "status=word (...)" (st starts at "status="):
 * "(250 ...)" or "(host X said: 451 ...)", the server's, direction out.
 */
static void
delivery_reply(struct strview st, struct mta_event *ev)
{
	struct strview r;
	long at;
	size_t n;

	for (n = 7; n < st.n && st.p[n] != ' '; n++)
		;
	if (n + 2 > st.n || st.p[n + 1] != '(')
		return;
	r = sv_skip(st, n + 2);
	if (sv_starts(r, "host ")) {
		if ((at = sv_find(r, " said: ")) < 0)
			return;
		r = sv_skip(r, (size_t)at + 7);
	}
	if (reply_at(r, MTA_DIR_OUT, &ev->reply)) {
		ev->reply.text = cut_at(ev->reply.text, " (in reply to ");
		if (ev->reply.text.n > 0 && ev->reply.text.p[ev->reply.text.n - 1] == ')')
			ev->reply.text.n--;
	}
}

static void
parse_delivery(const struct log_header *h, struct strview rest, struct mta_event *ev)
{
	int found, reused;
	long at;

	struct strview orig;

	ev->rcpt = address(rest, "to=<", &found);
	if (!found)
		return;
	/*
	 * Addresses are chosen by strangers: the fields Postfix writes are
	 * looked for after them, never inside ("to=<\"x, status=sent\"@y>").
	 */
	rest = after(rest, ev->rcpt);
	if (sv_starts(rest, ", orig_to=<")) {
		orig = address(rest, "orig_to=<", &found);
		if (found)
			rest = after(rest, orig);
	}
	ev->type = EV_DELIVERY;
	ev->relay = field(rest, "relay=", ", ");
	/* then, in Postfix's order: [conn_use=N, ]delay=, delays=, dsn=, status= */
	if (ev->relay.p != NULL)
		rest = sv_skip(rest, (size_t)(ev->relay.p + ev->relay.n - rest.p));
	reused = sv_starts(rest, ", conn_use=");
	if (reused && (at = sv_find(sv_skip(rest, 2), ", ")) >= 0)
		rest = sv_skip(rest, (size_t)at + 2);
	if (sv_starts(rest, ", delay="))
		ev->has_delay = (unsigned)delay_of(sv_skip(rest, 8), &ev->delay_ms);
	if ((at = sv_find(rest, "status=")) < 0)
		return;
	rest = sv_skip(rest, (size_t)at);
	ev->status = status_of(rest);
	ev->local_delivery = is_local_service(h->service);
	if (ev->status == DS_SENT)
		ev->newqid = queued_as(rest);
	/* an LMTP server's reply is a server's reply (Exim counts its "LMTP error" too) */
	if (!ev->local_delivery || sv_eq(h->service, "lmtp"))
		delivery_reply(rest, ev);
	outbound_session(h, reused, ev);
}

static int
is_reject(struct strview rest)
{
	return sv_starts(rest, "reject:") || sv_starts(rest, "milter-reject:");
}

/*
 * "reject: RCPT from host[addr]: 550 5.1.1 <r>: text; from=<s> to=<r> ..."
 * (smtpd, cleanup, postscreen): the reply we gave, direction in.  A milter's
 * reject logs its enhanced code only ("5.7.1 text"): Postfix answered with
 * its default code for the class (550 or 451), counted as such.
 */
static void
reject_reply(struct strview rest, struct mta_event *ev)
{
	int milter = sv_starts(rest, "milter-reject:");
	long at = sv_find(rest, " from ");
	struct strview r;

	if (at < 0)
		return;
	r = sv_skip(rest, (size_t)at + 6);
	at = sv_find(r, ": ");
	if (at < 0)
		return;
	r = cut_at(sv_skip(r, (size_t)at + 2), "; from=<");
	if (!reply_at(r, MTA_DIR_IN, &ev->reply) && milter && r.n >= 6 &&
	    (r.p[0] == '4' || r.p[0] == '5') && r.p[1] == '.') {
		ev->reply.code = r.p[0] == '5' ? 550 : 451;
		ev->reply.dir = MTA_DIR_IN;
		ev->reply.enh = cut_at(r, " ");
		ev->reply.text = sv_skip(r, ev->reply.enh.n < r.n ? ev->reply.enh.n + 1 : r.n);
	}
	if (milter)
		ev->what = ev->reply.code / 100 == 4 ? sv_make("milter_tempfail", 15)
		    : sv_make("milter_reject", 13);
}

/* Lines with a queue id: "QID: ..." */
static void
parse_queued_line(const struct log_header *h, struct strview rest, struct mta_event *ev)
{
	struct strview svc = h->service;
	int found;

	if (sv_eq(svc, "smtpd") || sv_eq(svc, "qmqpd")) {
		if (sv_starts(rest, "client=")) {
			ev->type = EV_CLIENT;
			ev->sasl = field(rest, "sasl_username=", ",");
		} else if (is_reject(rest)) {
			ev->type = EV_REJECT;
			reject_reply(rest, ev);
		}
	} else if (sv_eq(svc, "pickup")) {
		if (sv_starts(rest, "uid=")) {
			ev->type = EV_PICKUP;
			ev->sender = address(rest, "from=<", &found);
			ev->has_sender = found;
		}
	} else if (sv_eq(svc, "cleanup")) {
		/* cleanup refuses or drops the whole message: qmgr never logs "removed" */
		if (is_reject(rest)) {
			ev->type = EV_REJECT;
			ev->gone = 1;
			reject_reply(rest, ev);
		} else if (sv_starts(rest, "milter-discard:")) {
			ev->type = EV_ANTISPAM;
			ev->gone = 1;
			ev->what = sv_make("milter_discard", 14);
		}
	} else if (sv_eq(svc, "qmgr")) {
		if (sv_starts(rest, "from=<")) {
			ev->sender = address(rest, "from=<", &found);
			ev->has_sender = found;
			if (found) {
				struct strview tail = after(rest, ev->sender);
				/* postsuper -e returns to sender as "force-expired" */
				if (sv_starts(tail, ", status=expired") ||
				    sv_starts(tail, ", status=force-expired")) {
					ev->type = EV_EXPIRED;
				} else if (sv_find(tail, "size=") >= 0) {
					ev->type = EV_QUEUED;
					ev->size = number(tail, "size=");
				}
			}
		} else if (sv_eq(rest, "removed")) {
			ev->type = EV_REMOVED;
		} else if (sv_starts(rest, "to=<")) {
			parse_delivery(h, rest, ev); /* qmgr's own verdicts: relay=none */
		}
	} else if (sv_eq(svc, "bounce")) {
		long at = sv_find(rest, "notification: ");
		if (at >= 0) {
			struct strview id = sv_skip(rest, (size_t)at + 14);
			ev->type = EV_NOTIFICATION;
			ev->newqid = sv_make(id.p, qid_token(id));
		}
	} else if (sv_eq(svc, "postsuper")) {
		if (sv_starts(rest, "removed"))
			ev->type = EV_REMOVED;
	} else if (sv_starts(rest, "to=<")) {
		/* smtp, lmtp, local, virtual, pipe, error, discard, retry, ... */
		parse_delivery(h, rest, ev);
	} else if (sv_starts(rest, "host ") && sv_find(rest, " said: ") >= 0) {
		/* a server's reply that its recipients' lines do not repeat (the next MX was tried) */
		struct strview r = sv_skip(rest, (size_t)sv_find(rest, " said: ") + 7);
		if (reply_at(r, MTA_DIR_OUT, &ev->reply)) {
			ev->type = EV_REPLY;
			ev->reply.text = cut_at(ev->reply.text, " (in reply to ");
		}
	}
	if (ev->type == EV_UNPARSED)
		ev->type = EV_IGNORED; /* "QID: ..." lines we have no use for */
}

/* Well-known lines without a queue id that carry nothing to count. */
static int
is_noise(struct strview m)
{
	static const char *const prefixes[] = {
		"connect from ", "disconnect from ", "lost connection ", "timeout after ",
		"statistics:", "Anonymous TLS ", "Trusted TLS ", "Untrusted TLS ",
		"Verified TLS ", "SSL_accept", "TLS SNI", "improper command pipelining",
		"too many errors", "CONNECT from", "PASS OLD", "PASS NEW", "DNSBL rank",
		"HANGUP", "DISCONNECT", "PREGREET", "COMMAND ", "WHITELISTED", "BLACKLISTED",
		"ALLOWLISTED", "DENYLISTED", "BARE NEWLINE", "NON-SMTP COMMAND", "cache ",
		"daemon started", "reload", "terminating", "refreshing", "Postfix is running",
		"starting the Postfix", "stopping the Postfix", "host ", "NOQUEUE: filter",
		"NOQUEUE: discard", "NOQUEUE: hold", "setting up TLS", "certificate verification",
		"Host offered STARTTLS", "closing ", "max ", "dict_", "table ",
		"mail system configuration", "postfix-script", "redirect", "replace:",
		"NOQUEUE: ", "connect to ", "DATA without", "BDAT without", "WHITELIST VETO", "ALLOWLIST VETO",
	};
	size_t i;

	if (m.n == 0)
		return 0;
	/* the first byte first: most prefixes are over before a memcmp */
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (prefixes[i][0] == m.p[0] && sv_starts(m, prefixes[i]))
			return 1;
	return 0;
}

/* The SMTP commands smtpd names in "lost connection after CMD"; the rest are "other". */
static const char *const smtp_commands[] = {
	"connect", "ehlo", "helo", "starttls", "auth", "mail", "rcpt", "data", "bdat",
	"end-of-message", "rset", "noop", "vrfy", "etrn", "quit", "unknown", "xclient",
	"xforward", "CONNECT", "EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA",
	"BDAT", "END-OF-MESSAGE", "RSET", "NOOP", "VRFY", "ETRN", "QUIT", "UNKNOWN",
	"XCLIENT", "XFORWARD",
};

/* Broken-session causes: "lost_after_" / "timeout_after_" and the command, lower case. */
static const char *const lost_after[] = {
	"lost_after_connect", "lost_after_ehlo", "lost_after_helo", "lost_after_starttls",
	"lost_after_auth", "lost_after_mail", "lost_after_rcpt", "lost_after_data",
	"lost_after_bdat", "lost_after_eom", "lost_after_rset", "lost_after_noop",
	"lost_after_vrfy", "lost_after_etrn", "lost_after_quit", "lost_after_unknown",
	"lost_after_xclient", "lost_after_xforward",
};
static const char *const timeout_after[] = {
	"timeout_after_connect", "timeout_after_ehlo", "timeout_after_helo",
	"timeout_after_starttls", "timeout_after_auth", "timeout_after_mail",
	"timeout_after_rcpt", "timeout_after_data", "timeout_after_bdat",
	"timeout_after_eom", "timeout_after_rset", "timeout_after_noop",
	"timeout_after_vrfy", "timeout_after_etrn", "timeout_after_quit",
	"timeout_after_unknown", "timeout_after_xclient", "timeout_after_xforward",
};
#define N_COMMANDS (sizeof(lost_after) / sizeof(lost_after[0]))

static struct strview
cause_word(const char *const *table, const char *other, struct strview cmd)
{
	size_t i, n;

	for (n = 0; n < cmd.n && cmd.p[n] != ' ' && cmd.p[n] != '('; n++)
		;
	cmd.n = n;
	for (i = 0; i < 2 * N_COMMANDS; i++)
		if (sv_eq(cmd, smtp_commands[i]))
			return sv_make(table[i % N_COMMANDS], strlen(table[i % N_COMMANDS]));
	return sv_make(other, strlen(other));
}

/* The smtpd commands of a disconnect line that say how its session ended. */
enum { CMD_QUIT = 1, CMD_DATA = 2, CMD_BDAT = 4, CMD_MAIL = 8, CMD_RCPT = 16, CMD_STARTTLS = 32,
	CMD_COUNTS = 64 };

/*
 * " ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4" in one pass: a bit for each
 * command above that succeeded at least once (its count before '/' is not
 * 0), CMD_COUNTS when the line has command counts at all.
 */
static unsigned
command_counts(struct strview c)
{
	static const struct { const char *name; size_t n; unsigned bit; } cmds[] = {
		{ "quit=", 5, CMD_QUIT }, { "data=", 5, CMD_DATA }, { "bdat=", 5, CMD_BDAT },
		{ "mail=", 5, CMD_MAIL }, { "rcpt=", 5, CMD_RCPT }, { "starttls=", 9, CMD_STARTTLS },
		{ "commands=", 9, CMD_COUNTS },
	};
	const char *p = c.p, *end = c.p + c.n, *sp;
	unsigned bits = 0;
	size_t i, n;

	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		sp = memchr(p, ' ', (size_t)(end - p));
		n = sp != NULL ? (size_t)(sp - p) : (size_t)(end - p);
		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			if (n > cmds[i].n && p[0] == cmds[i].name[0] &&
			    memcmp(p, cmds[i].name, cmds[i].n) == 0) {
				if (cmds[i].bit == CMD_COUNTS || (p[cmds[i].n] >= '1' && p[cmds[i].n] <= '9'))
					bits |= cmds[i].bit;
				break;
			}
		p += n;
	}
	return bits;
}

/*
 * "disconnect from host[addr] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4"
 * (Postfix 3.0 and later).  The session's TLS: STARTTLS that succeeded, or
 * a wrapper-mode instance (syslog name with smtps or submissions, as in
 * Postfix's master.cf).  A session that ended with QUIT but without a
 * message is broken here; one that ended without QUIT had its cause logged
 * already (lost connection, timeout, too many errors, a rate limit), so it
 * is not counted twice (docs/counting.md).
 */
static void
parse_disconnect(const struct log_header *h, struct strview m, struct mta_event *ev)
{
	struct strview client = sv_skip(m, 16);
	const char *br = memchr(client.p, ']', client.n);
	unsigned c;

	ev->type = EV_IGNORED;
	if (br == NULL)
		return;
	c = command_counts(sv_skip(client, (size_t)(br + 1 - client.p)));
	if (!(c & CMD_COUNTS))
		return;
	client.n = (size_t)(br + 1 - client.p);
	if (!is_loopback(client)) {
		ev->has_tls = 1;
		ev->dir = MTA_DIR_IN;
		ev->tls = (c & CMD_STARTTLS) || sv_find(h->program, "/smtps/") >= 0 ||
		    sv_find(h->program, "/submissions/") >= 0;
	}
	if (!(c & CMD_QUIT) || (c & (CMD_DATA | CMD_BDAT))) {
		ev->type = ev->has_tls ? EV_TLS : EV_IGNORED;
		return;
	}
	ev->type = EV_SESSION_INCOMPLETE;
	ev->what = !(c & CMD_MAIL) ? sv_make("no_mail", 7) : !(c & CMD_RCPT) ? sv_make("no_rcpt", 7)
	    : sv_make("no_data", 7);
}

/* "[addr]:port" after "from " (or at the start): postscreen's name of a session. */
static struct strview
ps_session(struct strview m, const char *lead)
{
	long at = lead != NULL ? sv_find(m, lead) : 0;
	struct strview s;
	size_t n;

	if (at < 0)
		return SV_NULL;
	s = sv_skip(m, (size_t)at + (lead != NULL ? strlen(lead) : 0));
	for (n = 0; n < s.n && s.p[n] != ' ' && s.p[n] != ','; n++)
		;
	if (n > 0 && s.p[n - 1] == ':')
		n--; /* "PREGREET ... from [a]:p: EHLO" */
	return n > 1 && s.p[0] == '[' ? sv_make(s.p, n) : SV_NULL;
}

/* postscreen's verdicts on a client before smtpd sees it; 0: not one of them. */
static int
parse_postscreen(struct strview m, struct mta_event *ev)
{
	static const struct { const char *prefix, *what, *lead; } tests[] = {
		{ "PREGREET ", "pregreet", " from " }, { "DNSBL rank ", "dnsbl", " for " },
		{ "HANGUP ", "hangup", " from " }, { "COMMAND PIPELINING ", "pipelining", " from " },
		{ "NON-SMTP COMMAND ", "non_smtp_command", " from " },
		{ "BARE NEWLINE ", "bare_newline", " from " },
		{ "COMMAND TIME LIMIT ", "command_limit", " from " },
		{ "COMMAND COUNT LIMIT ", "command_limit", " from " },
		{ "COMMAND LENGTH LIMIT ", "command_limit", " from " },
		{ "BLACKLISTED ", "denylisted", NULL }, { "DENYLISTED ", "denylisted", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (!sv_starts(m, tests[i].prefix))
			continue;
		ev->type = EV_SESSION_INCOMPLETE;
		ev->what = sv_make(tests[i].what, strlen(tests[i].what));
		ev->session = tests[i].lead != NULL ? ps_session(m, tests[i].lead)
		    : ps_session(sv_skip(m, strlen(tests[i].prefix)), NULL);
		return 1;
	}
	if (sv_starts(m, "NOQUEUE: reject: CONNECT from ") && sv_find(m, ": too many connections") >= 0) {
		/* its concurrency limit: "421 4.7.0 ... too many connections", then it hangs up */
		ev->type = EV_SESSION_INCOMPLETE;
		ev->what = sv_make("rate_limit", 10);
		ev->session = ps_session(m, " from ");
		return 1;
	}
	if (sv_starts(m, "NOQUEUE: reject: ")) {
		/* a reply we gave; the contract counts smtpd's and cleanup's rejects as rejects */
		reject_reply(sv_skip(m, 9), ev);
		ev->type = ev->reply.code != 0 ? EV_REPLY : EV_IGNORED;
		return 1;
	}
	return 0;
}

/* smtpd's lines about a session (no queue id): how it ended, its TLS. */
static int
parse_smtpd_session(const struct log_header *h, struct strview m, struct mta_event *ev)
{
	if (sv_starts(m, "NOQUEUE: lost connection after "))
		m = sv_skip(m, 9); /* some builds log the session's id */
	if (sv_starts(m, "lost connection after ")) {
		ev->type = EV_SESSION_INCOMPLETE;
		ev->what = cause_word(lost_after, "lost_after_other", sv_skip(m, 22));
	} else if (sv_starts(m, "timeout after ")) {
		ev->type = EV_SESSION_INCOMPLETE;
		ev->what = cause_word(timeout_after, "timeout_after_other", sv_skip(m, 14));
	} else if (sv_starts(m, "too many errors after ")) {
		ev->type = EV_SESSION_INCOMPLETE;
		ev->what = sv_make("too_many_errors", 15);
	} else if (sv_starts(m, "disconnect from ")) {
		parse_disconnect(h, m, ev);
	} else if (sv_starts(m, "warning: ") && sv_find(m, " limit exceeded: ") >= 0 &&
	    (sv_find(m, " rate limit ") >= 0 || sv_find(m, "concurrency limit") >= 0)) {
		/* anvil's limits: smtpd answers 421 and hangs up */
		ev->type = EV_SESSION_INCOMPLETE;
		ev->what = sv_make("rate_limit", 10);
	} else {
		return 0;
	}
	return 1;
}

/* "Verified TLS connection established to host[addr]:25: TLSv1.3 ..." (smtp). */
static int
parse_smtp_tls(struct strview m, struct mta_event *ev)
{
	long at = sv_find(m, "TLS connection established to ");
	struct strview peer;

	if (at < 0 || at > 16)
		return 0;
	peer = sv_skip(m, (size_t)at + 30);
	ev->type = EV_IGNORED;
	if (!is_loopback(cut_at(peer, " "))) {
		ev->type = EV_TLS;
		ev->dir = MTA_DIR_OUT;
		ev->tls = 1;
	}
	return 1;
}

/* amavis's "(pid-nn) Passed CLEAN {...}" and "Blocked SPAM {...}" verdicts. */
static void
parse_amavis(struct strview m, struct mta_event *ev)
{
	static const char *const cats[] = { "CLEAN", "SPAMMY", "SPAM", "INFECTED", "BANNED",
		"BAD-HEADER", "UNCHECKED", "OVERSIZED", "MTA-BLOCKED" };
	static const char *const passed[] = { "passed_clean", "passed_spammy", "passed_spam",
		"passed_infected", "passed_banned", "passed_bad-header", "passed_unchecked",
		"passed_oversized", "passed_mta-blocked" };
	static const char *const blocked[] = { "blocked_clean", "blocked_spammy", "blocked_spam",
		"blocked_infected", "blocked_banned", "blocked_bad-header", "blocked_unchecked",
		"blocked_oversized", "blocked_mta-blocked" };
	long at = sv_find(m, ") ");
	struct strview v;
	int pass;
	size_t i, n;

	ev->type = EV_IGNORED;
	if (at < 0 || m.n == 0 || m.p[0] != '(')
		return;
	v = sv_skip(m, (size_t)at + 2);
	if (sv_starts(v, "Passed "))
		pass = 1;
	else if (sv_starts(v, "Blocked "))
		pass = 0;
	else
		return;
	v = sv_skip(v, pass ? 7 : 8);
	for (n = 0; n < v.n && v.p[n] != ' ' && v.p[n] != ','; n++)
		;
	v.n = n;
	ev->type = EV_ANTISPAM;
	ev->what = sv_make("other", 5);
	for (i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
		if (sv_eq(v, cats[i]))
			ev->what = sv_make(pass ? passed[i] : blocked[i],
			    strlen(pass ? passed[i] : blocked[i]));
}

/* rspamd's task log: "... (default: T (reject): [16.20/15.00] ..." */
static void
parse_rspamd(struct strview m, struct mta_event *ev)
{
	static const char *const actions[] = { "no action", "reject", "add header",
		"rewrite subject", "greylist", "soft reject", "discard", "quarantine" };
	static const char *const words[] = { "rspamd_no_action", "rspamd_reject",
		"rspamd_add_header", "rspamd_rewrite_subject", "rspamd_greylist",
		"rspamd_soft_reject", "rspamd_discard", "rspamd_quarantine" };
	long at = sv_find(m, "(default: ");
	struct strview v;
	size_t i;

	ev->type = EV_IGNORED;
	if (at < 0 || sv_find(m, "rspamd_task_write_log") < 0)
		return;
	v = sv_skip(m, (size_t)at + 10);
	if (v.n < 3 || (v.p[0] != 'T' && v.p[0] != 'F') || v.p[1] != ' ' || v.p[2] != '(')
		return;
	v = cut_at(sv_skip(v, 3), ")");
	ev->type = EV_ANTISPAM;
	ev->what = sv_make("rspamd_other", 12);
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (sv_eq(v, actions[i]))
			ev->what = sv_make(words[i], strlen(words[i]));
}

/* Content filters that log their verdicts through syslog beside Postfix. */
static int
is_filter_program(struct strview prog)
{
	if (prog.n < 6 || (prog.p[0] != 'a' && prog.p[0] != 'r'))
		return 0;
	return sv_eq(prog, "amavis") || sv_eq(prog, "amavisd") || sv_eq(prog, "amavisd-new") ||
	    sv_eq(prog, "rspamd");
}

static void
postfix_parse(const struct log_header *h, struct mta_event *ev)
{
	struct strview m = h->msg;
	size_t n;

	memset(ev, 0, sizeof(*ev));
	if ((n = qid_prefix(m)) > 0 && m.n > n + 1 && m.p[n + 1] == ' ') {
		ev->qid = sv_make(m.p, n);
		parse_queued_line(h, sv_skip(m, n + 2), ev);
		return;
	}
	if (is_filter_program(h->program)) {
		if (sv_eq(h->program, "rspamd"))
			parse_rspamd(m, ev);
		else
			parse_amavis(m, ev);
		return;
	}
	if (sv_eq(h->service, "postscreen") && parse_postscreen(m, ev))
		return;
	if (sv_eq(h->service, "smtpd") && parse_smtpd_session(h, m, ev))
		return;
	if (sv_eq(h->service, "smtp") && parse_smtp_tls(m, ev))
		return;
	if (sv_starts(m, "NOQUEUE: reject:") || sv_starts(m, "NOQUEUE: milter-reject:")) {
		if (sv_eq(h->service, "smtpd") || sv_eq(h->service, "cleanup")) {
			ev->type = EV_REJECT;
			reject_reply(sv_skip(m, 9), ev);
		} else {
			ev->type = EV_IGNORED;
		}
		return;
	}
	if (sv_starts(m, "warning: ") || sv_starts(m, "error: ") || sv_starts(m, "fatal: ") ||
	    sv_starts(m, "panic: ")) {
		if (sv_eq(h->service, "smtpd") && sv_find(m, ": SASL ") >= 0 &&
		    sv_find(m, " authentication failed") >= 0)
			ev->type = EV_AUTH_FAILED;
		else
			ev->type = EV_IGNORED;
		return;
	}
	ev->type = is_noise(m) ? EV_IGNORED : EV_UNPARSED;
}

static int
postfix_owns(const char *const *instances, const struct log_header *h)
{
	const char *const *name;
	size_t first;
	const char *slash = memchr(h->program.p, '/', h->program.n);

	first = slash == NULL ? h->program.n : (size_t)(slash - h->program.p);
	if (slash == NULL && is_filter_program(h->program))
		return 1;
	for (name = instances; *name != NULL; name++) {
		size_t len = strlen(*name);
		if (first >= len && memcmp(h->program.p, *name, len) == 0)
			return 1;
	}
	return 0;
}

const struct mta_parser parser_postfix = {
	.name = "postfix",
	.envelope = syslog_parse,
	.owns = postfix_owns,
	.parse = postfix_parse,
	.default_instances = postfix_default_instances,
};
