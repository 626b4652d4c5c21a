/*
 * Postfix: one line in, at most one event out.  No regular expressions and
 * no copies: fields are located with memchr/memmem inside the line.
 */
#include "config.h"

#include <string.h>

#include "event.h"

/* Postfix's long queue ids are 15 characters; leave room for odd builds. */
#define QID_MIN 5
#define QID_MAX 20

static const char *const postfix_default_instances[] = { "postfix", NULL };

/*
 * Short queue ids are upper-case hex; upper-case alphanumerics are accepted
 * too (hand-written test logs use them), except the word NOQUEUE.
 */
static int
is_short_qid_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
}

/* The long queue id alphabet: digits and letters without vowels. */
static int
is_long_qid_char(char c)
{
	if (c >= '0' && c <= '9')
		return 1;
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
		switch (c | 0x20) {
		case 'a': case 'e': case 'i': case 'o': case 'u':
			return 0;
		default:
			return 1;
		}
	}
	return 0;
}

/* Length of a queue id followed by ':' at the start of m, else 0. */
static size_t
qid_prefix(struct strview m)
{
	size_t i, max = m.n < QID_MAX + 1 ? m.n : QID_MAX + 1;
	int hex = 1, lng = 1;

	for (i = 0; i < max && m.p[i] != ':'; i++) {
		hex &= is_short_qid_char(m.p[i]);
		lng &= is_long_qid_char(m.p[i]);
		if (!hex && !lng)
			return 0;
	}
	if (i == max || i < QID_MIN)
		return 0;
	if (!hex && i < 10)
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

static void
parse_delivery(const struct log_header *h, struct strview rest, struct mta_event *ev)
{
	int found;

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
	ev->status = status_of(rest);
	ev->local_delivery = is_local_service(h->service);
	if (ev->status == DS_SENT)
		ev->newqid = queued_as(rest);
}

static int
is_reject(struct strview rest)
{
	return sv_starts(rest, "reject:") || sv_starts(rest, "milter-reject:");
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
		}
	} else if (sv_eq(svc, "pickup")) {
		if (sv_starts(rest, "uid=")) {
			ev->type = EV_PICKUP;
			ev->sender = address(rest, "from=<", &found);
			ev->has_sender = found;
		}
	} else if (sv_eq(svc, "cleanup")) {
		if (is_reject(rest))
			ev->type = EV_REJECT;
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

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (sv_starts(m, prefixes[i]))
			return 1;
	return 0;
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
	if (sv_starts(m, "NOQUEUE: reject:") || sv_starts(m, "NOQUEUE: milter-reject:")) {
		/* postscreen rejects too, but the contract counts smtpd and cleanup */
		ev->type = (sv_eq(h->service, "smtpd") || sv_eq(h->service, "cleanup"))
		    ? EV_REJECT : EV_IGNORED;
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
