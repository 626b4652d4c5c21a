/*
 * Exim: one line in, at most one event out.  Lines come from Exim's own
 * main log ("2024-01-02 10:11:12[.mmm][ +hhmm][ [pid]] ...", the year in the
 * line) or through syslog ("... exim[pid]: [the same stamp] ..."): the
 * envelope reader below takes both, and prefers Exim's stamp to syslog's.
 *
 * Fields are found by walking the line's words left to right and stop
 * before the words an attacker writes (the subject T="...", the message-id
 * id=..., the recipient list after "for"), so a subject cannot fake A= or S=.
 * Exim writes free text from ACLs (log_message, logwrite) into the main
 * log: a line with a good stamp that is not a counted shape is ignored on
 * purpose; only a counted shape that cannot be read is unparsed.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "event.h"
#include "mta/reply.h"

/* "exim" is the program name of main-log lines, which have no syslog tag. */
static const char exim_program[] = "exim";

/* Debian's syslog ident is exim4's "exim"; some builds log as "exim4". */
static const char *const exim_default_instances[] = { "exim", "exim4", NULL };

static int
exim_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Exim's base-62 digits as a table, for the message id every line starts
 * with: its parts are checked at their fixed places, without a branch per byte.
 */
#define EXIM_B62_ROW(c) ['0' + (c)] = 1, ['A' + (c)] = 1, ['a' + (c)] = 1
static const unsigned char exim_b62[256] = {
	EXIM_B62_ROW(0), EXIM_B62_ROW(1), EXIM_B62_ROW(2), EXIM_B62_ROW(3), EXIM_B62_ROW(4),
	EXIM_B62_ROW(5), EXIM_B62_ROW(6), EXIM_B62_ROW(7), EXIM_B62_ROW(8), EXIM_B62_ROW(9),
	['A' + 10] = 1, ['A' + 11] = 1, ['A' + 12] = 1, ['A' + 13] = 1, ['A' + 14] = 1,
	['A' + 15] = 1, ['A' + 16] = 1, ['A' + 17] = 1, ['A' + 18] = 1, ['A' + 19] = 1,
	['A' + 20] = 1, ['A' + 21] = 1, ['A' + 22] = 1, ['A' + 23] = 1, ['A' + 24] = 1,
	['A' + 25] = 1,
	['a' + 10] = 1, ['a' + 11] = 1, ['a' + 12] = 1, ['a' + 13] = 1, ['a' + 14] = 1,
	['a' + 15] = 1, ['a' + 16] = 1, ['a' + 17] = 1, ['a' + 18] = 1, ['a' + 19] = 1,
	['a' + 20] = 1, ['a' + 21] = 1, ['a' + 22] = 1, ['a' + 23] = 1, ['a' + 24] = 1,
	['a' + 25] = 1,
};

/* Are the n bytes at p all base-62 digits?  (AND of the table: no early exit needed.) */
static int
exim_all_b62(const char *p, size_t n)
{
	unsigned ok = 1;
	size_t i;

	for (i = 0; i < n; i++)
		ok &= exim_b62[(unsigned char)p[i]];
	return (int)ok;
}

/*
 * Length of a message id at the start of s followed by a space, else 0:
 * 6-6-2 (up to 4.96) or 6-11-4 (4.97+).  Case matters: ids are base 62.
 * The separators are looked at first, at the two forms' fixed places.
 */
static size_t
exim_id(struct strview s)
{
	const char *p = s.p;

	if (s.n < 17 || p[6] != '-')
		return 0;
	if (p[13] == '-' && p[16] == ' ')
		return exim_all_b62(p, 6) && exim_all_b62(p + 7, 6) && exim_all_b62(p + 14, 2) ? 16 : 0;
	if (s.n >= 24 && p[18] == '-' && p[23] == ' ')
		return exim_all_b62(p, 6) && exim_all_b62(p + 7, 11) && exim_all_b62(p + 19, 4) ? 23 : 0;
	return 0;
}

/* " +hhmm" (log_timezone) and " [pid]" (log_selector +pid) after a stamp. */
static const char *
exim_stamp_extras(const char *p, const char *end, long *pid)
{
	const char *q;
	long v = 0;

	if (end - p >= 6 && p[0] == ' ' && (p[1] == '+' || p[1] == '-') && exim_is_digit(p[2]) &&
	    exim_is_digit(p[3]) && exim_is_digit(p[4]) && exim_is_digit(p[5]))
		p += 6;
	if (end - p >= 4 && p[0] == ' ' && p[1] == '[') {
		for (q = p + 2; q < end && exim_is_digit(*q); q++)
			if (v < 100000000L) /* bounded: pids are far smaller */
				v = v * 10 + (*q - '0');
		if (q < end && q > p + 2 && *q == ']') {
			*pid = v;
			p = q + 1;
		}
	}
	return p;
}

/* Exim's stamp at the start of s: its time, pid, and what follows; -1 if none. */
static int
exim_stamp(struct syslog_clock *c, struct strview s, struct log_time *when, long *pid,
    struct strview *rest)
{
	const char *p = s.p, *end = s.p + s.n;
	int n;

	if (s.n < 19 || p[10] != ' ')
		return -1;
	if ((n = syslog_iso_time(c, p, end, when)) < 0)
		return -1;
	p = exim_stamp_extras(p + n, end, pid);
	if (p < end && *p != ' ')
		return -1;
	if (p < end)
		p++;
	*rest = sv_make(p, (size_t)(end - p));
	return 0;
}

/*
 * Exim splits a long syslog message into "[1\3] ", "[2\3] ", "[3/3] "
 * parts: the first goes on as the line, the others are left to be ignored.
 */
static void
exim_syslog_part(struct log_header *h)
{
	struct strview m = h->msg;
	size_t i = 1;

	if (m.n < 6 || m.p[0] != '[' || m.p[1] != '1')
		return;
	for (i = 2; i < m.n && exim_is_digit(m.p[i]); i++)
		;
	if (i != 2 || i + 1 >= m.n || (m.p[i] != '\\' && m.p[i] != '/'))
		return;
	for (i++; i < m.n && exim_is_digit(m.p[i]); i++)
		;
	if (i + 1 < m.n && m.p[i] == ']' && m.p[i + 1] == ' ')
		h->msg = sv_skip(m, i + 2);
}

/*
 * "host exim[pid]: ..." without a syslog stamp before it: after Exim's own
 * stamp (rsyslog templates writing "YYYY-MM-DD hh:mm:ss host tag[pid]:"),
 * or alone with Exim's stamp after it (fail2ban fixtures, cut syslog
 * lines).  The pid is required: main-log text never looks like "w w[1]: ".
 */
static int
exim_bare_tag(struct strview s, struct log_header *h)
{
	const char *end = s.p + s.n, *sp = memchr(s.p, ' ', s.n), *p, *tag, *lb;
	long pid = 0;

	if (sp == NULL || sp == s.p)
		return -1;
	for (p = tag = sp + 1; p < end && exim_b62[(unsigned char)*p]; p++)
		;
	if (p == tag || p >= end || *p != '[')
		return -1;
	lb = p;
	for (p++; p < end && exim_is_digit(*p); p++)
		if (pid < 100000000L) /* bounded: pids are far smaller */
			pid = pid * 10 + (*p - '0');
	if (end - p < 3 || p[0] != ']' || p[1] != ':' || p[2] != ' ')
		return -1;
	h->host = sv_make(s.p, (size_t)(sp - s.p));
	h->program = h->service = sv_make(tag, (size_t)(lb - tag));
	h->pid = pid;
	h->msg = sv_make(p + 3, (size_t)(end - p - 3));
	return 0;
}

/* "[pid] " that +pid puts at the start of a syslog message. */
static void
exim_msg_pid(struct log_header *h)
{
	struct strview m = h->msg;
	size_t i;

	if (m.n < 4 || m.p[0] != '[')
		return;
	for (i = 1; i < m.n && exim_is_digit(m.p[i]); i++)
		;
	if (i > 1 && i + 1 < m.n && m.p[i] == ']' && m.p[i + 1] == ' ')
		h->msg = sv_skip(m, i + 2);
}

static int
exim_envelope(struct syslog_clock *c, const char *line, size_t len, struct log_header *h)
{
	struct strview rest;
	struct log_time when;
	long pid = -1;
	int stamped;

	if (exim_stamp(c, sv_make(line, len), &h->when, &pid, &rest) == 0) {
		if (exim_bare_tag(rest, h) != 0) {
			/* the main log: no host, no tag */
			h->host = SV_NULL;
			h->program = h->service = sv_make(exim_program, sizeof(exim_program) - 1);
			h->pid = pid;
			h->msg = rest;
			return 0;
		}
		stamped = 1;
	} else if (syslog_parse(c, line, len, h) == 0) {
		stamped = 1;
	} else if (exim_bare_tag(sv_make(line, len), h) == 0) {
		stamped = 0;
	} else {
		return -1;
	}
	exim_syslog_part(h);
	/* syslog_timestamp (the default) repeats Exim's stamp: it has the year */
	if (exim_stamp(c, h->msg, &when, &pid, &rest) == 0) {
		h->when = when;
		h->msg = rest;
		if (pid >= 0)
			h->pid = pid;
		stamped = 1;
	}
	exim_msg_pid(h);
	return stamped ? 0 : -1;
}

static int
exim_owns(const char *const *instances, const struct log_header *h)
{
	const char *const *name;

	size_t i;

	/* by bytes: names are a few, and a memcmp call per line cost more than them */
	for (name = instances; *name != NULL; name++) {
		for (i = 0; i < h->program.n && (*name)[i] == h->program.p[i]; i++)
			;
		if (i == h->program.n && (*name)[i] == '\0')
			return 1;
	}
	return 0;
}

/*
 * The bytes that end a plain run inside a word: the space after it, and the
 * openers of the quoted and bracketed parts kept whole.  A table: the word
 * loop is the parser's hottest, one lookup per byte instead of three tests.
 */
static const unsigned char exim_word_stop[256] = { [' '] = 1, ['"'] = 1, ['<'] = 1 };

/*
 * The first byte of s from i that is a word stop, or s.n.  Sixteen bytes
 * at a time with SSE2 (x86-64's baseline): a delivery line is read to its
 * end, so this loop is most of the parser's work.
 */
static inline __attribute__((always_inline)) size_t
exim_plain_run(struct strview s, size_t i)
{
#ifdef __SSE2__
	const __m128i sp = _mm_set1_epi8(' '), qu = _mm_set1_epi8('"'), lt = _mm_set1_epi8('<');
	__m128i v;
	unsigned m;

	for (; i + 16 <= s.n; i += 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(s.p + i));
		m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, sp),
		    _mm_cmpeq_epi8(v, qu)), _mm_cmpeq_epi8(v, lt)));
		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	while (i < s.n && !exim_word_stop[(unsigned char)s.p[i]])
		i++;
	return i;
}

/*
 * The word of s at *pos: up to a space, keeping "..." (with \ escapes) and
 * <...> whole, as Exim quotes local parts and brackets addresses.
 */
static inline __attribute__((always_inline)) struct strview
exim_word(struct strview s, size_t *pos)
{
	size_t i = *pos, start;
	const char *gt;

	while (i < s.n && s.p[i] == ' ')
		i++;
	start = i;
	while (i < s.n && s.p[i] != ' ') {
		i = exim_plain_run(s, i);
		if (i >= s.n || s.p[i] == ' ')
			break;
		if (s.p[i] == '"') {
			for (i++; i < s.n && s.p[i] != '"'; i++)
				if (s.p[i] == '\\' && i + 1 < s.n)
					i++;
			if (i < s.n)
				i++;
		} else { /* '<' */
			gt = memchr(s.p + i, '>', s.n - i);
			i = gt == NULL ? s.n : (size_t)(gt - s.p) + 1;
		}
	}
	*pos = i;
	return sv_make(s.p + start, i - start);
}

/* Is w "KEY=..." with an alphanumeric KEY?  Its key length, else 0. */
static size_t
exim_field_key(struct strview w)
{
	size_t i;

	for (i = 0; i < w.n && exim_b62[(unsigned char)w.p[i]]; i++)
		;
	return i > 0 && i < w.n && w.p[i] == '=' ? i : 0;
}

/* The fields a counted line needs; views into the line, empty when absent. */
struct exim_fields {
	struct strview size;   /* S= */
	struct strview auth;   /* A= */
	struct strview host;   /* H= (its first word) */
	struct strview transport; /* T= on deliveries */
	struct strview tls;    /* X= the cipher: the session used TLS */
	struct strview qt;     /* QT= time on queue (+queue_time) */
	struct strview confirm; /* C="..." the remote's reply to the data (+smtp_confirmation) */
};

/* The fields a caller of exim_fields wants, as bits. */
enum {
	EXIM_F_SIZE = 1 << 0,
	EXIM_F_AUTH = 1 << 1,
	EXIM_F_HOST = 1 << 2,
	EXIM_F_TRANSPORT = 1 << 3,
	EXIM_F_TLS = 1 << 4,
	EXIM_F_QT = 1 << 5,
	EXIM_F_CONFIRM = 1 << 6,
};

/*
 * KEY=value words of s from *pos until the attacker's words: T="subject",
 * id=<message-id>, "for" recipients, "from" <address>.  First one wins, so
 * the walk ends as soon as every field in want was found: a delivery's
 * C="..." confirmation, QT=, DT= and the rest are never read (most of a
 * delivery line's length, and the parser's main cost).
 */
static void
exim_fields(struct strview s, size_t pos, unsigned want, struct exim_fields *f)
{
	struct strview w, *slot;
	unsigned found = 0, bit;
	size_t klen;

	memset(f, 0, sizeof(*f));
	while ((found & want) != want) {
		w = exim_word(s, &pos);
		if (w.n == 0)
			return;
		/* by the first byte: most words are none of these */
		switch (w.p[0]) {
		case 'f':
			if (sv_eq(w, "for") || sv_eq(w, "from"))
				return;
			break;
		case 'T':
			if (sv_starts(w, "T=\""))
				return;
			break;
		case 'i':
			if (sv_starts(w, "id="))
				return;
			break;
		default:
			break;
		}
		/* only one-letter keys and QT= are wanted: exim_field_key's 1 and 2, without its loop */
		if (w.n >= 3 && w.p[0] == 'Q' && w.p[1] == 'T' && w.p[2] == '=') {
			klen = 2;
			slot = &f->qt;
			bit = EXIM_F_QT;
		} else if (w.n < 2 || w.p[1] != '=' || !exim_b62[(unsigned char)w.p[0]]) {
			continue;
		} else {
			klen = 1;
			switch (w.p[0]) {
			case 'S': slot = &f->size; bit = EXIM_F_SIZE; break;
			case 'A': slot = &f->auth; bit = EXIM_F_AUTH; break;
			case 'H': slot = &f->host; bit = EXIM_F_HOST; break;
			case 'T': slot = &f->transport; bit = EXIM_F_TRANSPORT; break;
			case 'X': slot = &f->tls; bit = EXIM_F_TLS; break;
			case 'C': slot = &f->confirm; bit = EXIM_F_CONFIRM; break;
			default: slot = NULL; bit = 0; break;
			}
		}
		if (slot != NULL && slot->p == NULL) {
			*slot = sv_skip(w, klen + 1);
			found |= bit;
		}
	}
}

/* Digits of v as a number, saturating; -1 when v is not all digits. */
static int
exim_number(struct strview v, uint64_t *out)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < v.n; i++) {
		if (!exim_is_digit(v.p[i]))
			break;
		if (n < UINT64_MAX / 10 - 10)
			n = n * 10 + (uint64_t)(v.p[i] - '0');
	}
	*out = n;
	return v.p == NULL ? -1 : 0;
}

/* An address word without its <>; "<>" is the null sender, "". */
static struct strview
exim_address(struct strview w)
{
	if (w.n >= 2 && w.p[0] == '<' && w.p[w.n - 1] == '>')
		return sv_make(w.p + 1, w.n - 2);
	return w;
}

/* "<= sender ... A=auth:set_id ... S=size ...": received, or a notice when sender is <> */
static void
exim_received(struct strview r, struct mta_event *ev)
{
	struct exim_fields f;
	struct strview w;
	size_t pos = 0;
	const char *colon;

	w = exim_word(r, &pos);
	if (w.n == 0)
		return; /* stays EV_UNPARSED */
	/*
	 * Exim writes A= before S= (receive.c), and only its own fields follow
	 * S= before T="subject": S= ends the walk, as the subject would.
	 */
	exim_fields(r, pos, EXIM_F_SIZE, &f);
	if (f.size.p == NULL)
		return;
	exim_number(f.size, &ev->size);
	ev->sender = sv_eq(w, "<>") ? sv_make(w.p, 0) : exim_address(w);
	ev->has_sender = 1;
	if (f.host.p != NULL) {
		/* from a remote SMTP client (H=): its session's TLS is X=, before S= */
		ev->has_tls = 1;
		ev->dir = MTA_DIR_IN;
		ev->tls = f.tls.p != NULL;
	}
	if (ev->sender.n == 0) {
		/* Exim's own bounce or delay warning (R=<original id>) */
		ev->type = EV_NOTIFICATION;
		ev->newqid = ev->qid;
		ev->has_size = 1;
		return;
	}
	ev->type = EV_QUEUED;
	ev->origin = 1;
	/* the authenticator name is the admin's; the account is the set id after it */
	colon = f.auth.n > 0 ? memchr(f.auth.p, ':', f.auth.n) : NULL;
	if (colon != NULL)
		ev->sasl = sv_make(colon + 1, f.auth.n - (size_t)(colon + 1 - f.auth.p));
}

/* Not a mail address to judge a domain by: a pipe, a file, :blackhole:, a bare local part. */
static int
exim_is_mail_address(struct strview w)
{
	return w.n > 0 && w.p[0] != '|' && w.p[0] != '/' && w.p[0] != ':' &&
	    memchr(w.p, '@', w.n) != NULL;
}

/* Milliseconds a unit of Exim's durations is. */
static uint64_t
exim_unit_ms(char u)
{
	switch (u) {
	case 'w': return 7 * 86400000ULL;
	case 'd': return 86400000ULL;
	case 'h': return 3600000ULL;
	case 'm': return 60000ULL;
	case 's': return 1000ULL;
	default: return 0;
	}
}

/*
 * A duration as Exim writes it (readconf_printtime): "1w2d3h4m5s", any
 * part left out, or "4.321s" (+millisec, under 5 s).  Milliseconds,
 * saturated at UINT32_MAX (49 days); -1 when v is not one (a negative
 * time after a clock step is none).
 */
static int
exim_duration(struct strview v, uint32_t *ms)
{
	uint64_t total = 0, n, unit;
	size_t i = 0, start;
	int frac;

	if (v.n == 0)
		return -1;
	while (i < v.n) {
		for (start = i, n = 0; i < v.n && exim_is_digit(v.p[i]); i++)
			if (n < 100000000ULL) /* bounded: more is saturated anyway */
				n = n * 10 + (uint64_t)(v.p[i] - '0');
		if (i == start || i >= v.n)
			return -1;
		frac = -1;
		if (v.p[i] == '.') {
			if (v.n - i < 5 || sv_digits(v.p + i + 1, 3, &frac) != 0 || v.p[i + 4] != 's')
				return -1;
			i += 4;
		}
		if ((unit = exim_unit_ms(v.p[i])) == 0)
			return -1;
		total += n * unit + (uint64_t)(frac > 0 ? frac : 0);
		if (total > UINT32_MAX)
			total = UINT32_MAX;
		i++;
	}
	*ms = (uint32_t)total;
	return 0;
}

/* The first ": " of s, or NULL (memchr is much cheaper than memmem on every deferral). */
static const char *
exim_colon(struct strview s)
{
	const char *p = s.p, *end = s.p + s.n;

	while (p < end && (p = memchr(p, ':', (size_t)(end - p))) != NULL) {
		if (p + 1 < end && p[1] == ' ')
			return p;
		p++;
	}
	return NULL;
}

/* A " DT=<duration>" that +deliver_time puts after a failure's message (deliver.c) is not the reply's. */
static void
exim_cut_dt(struct strview *text)
{
	const char *sp;
	uint32_t ms;

	if (text->n == 0 || (sp = memrchr(text->p, ' ', text->n)) == NULL)
		return;
	if (sv_starts(sv_make(sp + 1, text->n - (size_t)(sp + 1 - text->p)), "DT=") &&
	    exim_duration(sv_make(sp + 4, text->n - (size_t)(sp + 4 - text->p)), &ms) == 0)
		text->n = (size_t)(sp - text->p);
}

/* The phrases before a remote server's reply on "==" and "**" lines (transports/smtp.c, lmtp.c). */
static const char *const exim_remote_error[] = {
	"SMTP error from remote mail server after ", "LMTP error after ",
};

/*
 * "...: SMTP error from remote mail server after <command>: 451 4.7.1 text",
 * the message after the fields: the reply a remote server gave us.  An address in the command ("RCPT
 * TO:<r>") is skipped whole; older Exims put "host h [ip]: " before the
 * code, so the reply is the first ": " followed by a 4xx/5xx code.
 */
static void
exim_remote_reply(struct strview r, struct mta_event *ev)
{
	struct mta_reply rep;
	const char *gt, *lt, *colon;
	size_t i, n;

	/* the message follows the fields' first ": " (deliver.c): no search through the line */
	if ((colon = exim_colon(r)) == NULL)
		return;
	r = sv_skip(r, (size_t)(colon + 2 - r.p));
	for (i = 0, n = 0; n == 0 && i < sizeof(exim_remote_error) / sizeof(exim_remote_error[0]); i++)
		if (sv_starts(r, exim_remote_error[i]))
			n = strlen(exim_remote_error[i]);
	if (n == 0)
		return;
	r = sv_skip(r, n);
	colon = exim_colon(r);
	lt = memchr(r.p, '<', r.n);
	if (lt != NULL && (colon == NULL || lt < colon) &&
	    (gt = memchr(lt, '>', r.n - (size_t)(lt - r.p))) != NULL)
		r = sv_skip(r, (size_t)(gt + 1 - r.p));
	while ((colon = exim_colon(r)) != NULL) {
		r = sv_skip(r, (size_t)(colon + 2 - r.p));
		memset(&rep, 0, sizeof(rep));
		if (mta_reply_parse(r, &rep) == 0 && rep.code >= 400) {
			rep.dir = MTA_DIR_OUT;
			exim_cut_dt(&rep.text);
			ev->reply = rep;
			return;
		}
	}
}

/*
 * "=> addr [<original>] [(parent)] KEY=...": the delivered address, or for
 * a local delivery ("=> userx <userx@example.org>", a pipe, a file) the
 * address in <>.  Delivered on this host when no H= names a remote host
 * (appendfile, pipe, autoreply) or the transport is an LMTP one.  A
 * delivery also reports its time on queue (QT=) and the server's reply
 * (C=) when logged; a remote one that opened a session ("=>", not "->" for
 * a further recipient of it) its TLS (X=); a deferral or a failure the
 * remote server's reply.
 */
static void
exim_delivery(struct strview r, enum delivery_status st, int session, struct mta_event *ev)
{
	struct exim_fields f;
	struct strview first, w, orig = SV_NULL;
	size_t pos = 0, at;

	first = exim_word(r, &pos);
	if (first.n > 0 && first.p[first.n - 1] == ':')
		first.n--; /* "** addr: reason" */
	if (first.n == 0)
		return;
	for (;;) {
		at = pos;
		w = exim_word(r, &pos);
		if (w.n == 0 || exim_field_key(w) > 0)
			break;
		if (orig.p == NULL && w.n >= 2 && w.p[0] == '<' && w.p[w.n - 1] == '>')
			orig = exim_address(w);
	}
	/* C="..." (escaped by Exim) is walked over to QT=, which follows it */
	exim_fields(r, at, st == DS_SENT ? EXIM_F_HOST | EXIM_F_TRANSPORT | EXIM_F_TLS | EXIM_F_QT |
	    EXIM_F_CONFIRM : EXIM_F_HOST | EXIM_F_TRANSPORT, &f);
	ev->type = EV_DELIVERY;
	ev->status = st;
	ev->rcpt = exim_is_mail_address(first) || orig.p == NULL ? exim_address(first) : orig;
	ev->relay = f.host.p != NULL ? f.host : sv_make("local", 5);
	ev->local_delivery = f.host.p == NULL || sv_find(f.transport, "lmtp") >= 0;
	if (st != DS_SENT) {
		exim_remote_reply(sv_skip(r, at), ev);
		return;
	}
	if (f.qt.p != NULL && exim_duration(f.qt, &ev->delay_ms) == 0)
		ev->has_delay = 1;
	/* C="250 ..." (quotes and backslashes escaped by Exim): the remote's 2xx, as Postfix's */
	if (f.confirm.n >= 2 && f.confirm.p[0] == '"' && f.confirm.p[f.confirm.n - 1] == '"' &&
	    mta_reply_parse(sv_make(f.confirm.p + 1, f.confirm.n - 2), &ev->reply) == 0)
		ev->reply.dir = MTA_DIR_OUT;
	if (session && !ev->local_delivery) {
		ev->has_tls = 1;
		ev->dir = MTA_DIR_OUT;
		ev->tls = f.tls.p != NULL;
	}
}

/* "** addr ...: reason": a bounce, or the message's expiry on a retry timeout. */
static void
exim_failed(struct strview r, struct mta_event *ev)
{
	if (sv_find(r, "retry timeout exceeded") >= 0 ||
	    sv_find(r, "have been failing for a long time") >= 0) {
		ev->type = EV_EXPIRED;
		return;
	}
	exim_delivery(r, DS_BOUNCED, 0, ev);
}

/* What a "rejected" line is: none, a counted reject, or only a reply we gave. */
enum exim_reject_kind { EXIM_NOT_REJECT, EXIM_REJECT, EXIM_REJECT_REPLY };

/*
 * The code Exim gave with a reject, when the line does not write it:
 * fixed replies found by their logged reason (smtp_in.c, receive.c),
 * else the ACL default of the command (acl_wherecodes: 550; AUTH 503, ETRN
 * 458, ATRN 450), a "temporarily" one 451.  An ACL message's own code is
 * logged only when the log text is the message: then it is read instead.
 */
static const struct {
	const char *reason;
	uint16_t code;
} exim_fixed_reject[] = {
	{ "message too big", 552 }, { "Non-CRLF-terminated header", 552 },
	{ "syntactically invalid argument", 501 }, { "no HELO/EHLO given", 503 },
	{ "too many messages in one connection", 421 },
};

/* The reply of a reject whose reason starts at s (may be empty): the logged code, else the default. */
static void
exim_reject_reply(struct strview s, uint16_t code, struct mta_event *ev)
{
	struct mta_reply rep;
	size_t i;

	memset(&rep, 0, sizeof(rep));
	if (mta_reply_parse(s, &rep) != 0 || rep.code / 100 != code / 100) {
		rep.code = code;
		rep.enh = sv_make(s.p, 0);
		rep.text = s;
		for (i = 0; code >= 500 && i < sizeof(exim_fixed_reject) / sizeof(exim_fixed_reject[0]); i++)
			if (sv_find(s, exim_fixed_reject[i].reason) >= 0) {
				rep.code = exim_fixed_reject[i].code;
				break;
			}
	}
	rep.dir = MTA_DIR_IN;
	ev->reply = rep;
}

/* The verbs after "rejected" (then: the word that must follow), what they are and Exim's code. */
static const struct {
	const char *verb, *then;
	enum exim_reject_kind kind;
	uint16_t code;
} exim_verbs[] = {
	{ "RCPT", NULL, EXIM_REJECT, 550 }, { "MAIL", NULL, EXIM_REJECT, 550 },
	{ "EHLO", NULL, EXIM_REJECT, 550 }, { "HELO", NULL, EXIM_REJECT, 550 },
	{ "from", NULL, EXIM_REJECT, 550 }, { "after", "DATA", EXIM_REJECT, 550 },
	{ "by", "local_scan()", EXIM_REJECT, 550 },
	{ "connection", NULL, EXIM_REJECT_REPLY, 550 }, { "DATA", NULL, EXIM_REJECT_REPLY, 550 },
	{ "EXPN", NULL, EXIM_REJECT_REPLY, 550 }, { "AUTH", NULL, EXIM_REJECT_REPLY, 503 },
	{ "ETRN", NULL, EXIM_REJECT_REPLY, 458 }, { "ATRN", NULL, EXIM_REJECT_REPLY, 450 },
};

/*
 * "[H=... F=<...> ...] [temporarily] rejected RCPT|MAIL|EHLO|HELO|after
 * DATA|from <...>|by local_scan()": the verb is the first word that is not
 * a field, so sender and HELO text cannot fake it.  "rejected connection",
 * DATA, AUTH, ETRN, ATRN and EXPN are replies we gave, not counted rejects
 * (docs/counting.md).  The reason follows the first ": " after the verb.
 */
static enum exim_reject_kind
exim_reject(struct strview r, struct mta_event *ev)
{
	enum exim_reject_kind kind = EXIM_NOT_REJECT;
	struct strview w, arg;
	size_t pos = 0, at, i;
	uint16_t code = 0;
	int temp = 0;
	const char *colon;

	do {
		w = exim_word(r, &pos);
	} while (w.n > 0 && (exim_field_key(w) > 0 || w.p[0] == '(' || w.p[0] == '['));
	if (sv_eq(w, "temporarily")) {
		temp = 1;
		w = exim_word(r, &pos);
	}
	if (!sv_eq(w, "rejected"))
		return EXIM_NOT_REJECT;
	w = exim_word(r, &pos);
	for (i = 0; kind == EXIM_NOT_REJECT && i < sizeof(exim_verbs) / sizeof(exim_verbs[0]); i++) {
		if (!sv_eq(w, exim_verbs[i].verb))
			continue;
		at = pos;
		arg = exim_verbs[i].then != NULL ? exim_word(r, &at) : SV_NULL;
		if (exim_verbs[i].then != NULL && !sv_starts(arg, exim_verbs[i].then))
			continue;
		if (exim_verbs[i].then != NULL) {
			w = arg; /* "DATA:", "local_scan():" may end the verb */
			pos = at;
		}
		kind = exim_verbs[i].kind;
		code = exim_verbs[i].code;
	}
	if (kind == EXIM_NOT_REJECT)
		return EXIM_NOT_REJECT; /* by non-SMTP ACL, VRFY (252), text */
	if (temp)
		code = 451;
	/* an address argument is kept whole: a ':' inside it is not the reason's */
	at = pos;
	arg = exim_word(r, &at);
	if (arg.n > 0 && arg.p[0] == '<') {
		w = arg;
		pos = at;
	}
	r = sv_skip(r, pos);
	if (w.n > 0 && w.p[w.n - 1] == ':') {
		while (r.n > 0 && r.p[0] == ' ')
			r = sv_skip(r, 1);
	} else {
		colon = exim_colon(r);
		r = colon == NULL ? sv_make(r.p + r.n, 0) : sv_skip(r, (size_t)(colon + 2 - r.p));
	}
	exim_reject_reply(r, code, ev);
	return kind;
}

/*
 * "<name> authenticator failed for ... [ip]: 535 text" (4.98+: "...
 * authenticator failed H=... [ip] 535 text"): the code is the first
 * 3-digit word after a word ending the host, "...]" or "...:".
 */
static int
exim_auth_failure(struct strview m, struct mta_event *ev)
{
	size_t pos = 0, start;
	struct strview w = exim_word(m, &pos), rest, prev;
	struct mta_reply rep;

	rest = sv_skip(m, pos);
	if (w.n == 0 || !(sv_starts(rest, " authenticator failed for ") ||
	    sv_starts(rest, " authenticator failed H=")))
		return 0;
	pos += sizeof(" authenticator failed") - 1;
	prev = SV_NULL;
	for (;;) {
		w = exim_word(m, &pos);
		if (w.n == 0)
			return 1;
		if (prev.n > 0 && (prev.p[prev.n - 1] == ']' || prev.p[prev.n - 1] == ':') &&
		    w.n == 3) {
			start = (size_t)(w.p - m.p);
			memset(&rep, 0, sizeof(rep));
			if (mta_reply_parse(sv_skip(m, start), &rep) == 0) {
				rep.dir = MTA_DIR_IN;
				ev->reply = rep;
				return 1;
			}
		}
		prev = w;
	}
}

/*
 * Sessions that ended without a message (smtp_in.c, receive.c, daemon.c),
 * by the start of the line or of its text after the fields: the cause
 * counted, and the reply Exim gave when it is fixed (0: none or unknown).
 * Each cause is logged once per session; "incomplete transaction" is
 * counted only for QUIT (its other causes are followed by their own line:
 * "unexpected disconnection", the sync or "dropped" line; RSET and STARTTLS
 * go on with the session).
 */
static const struct {
	const char *start;
	const char *what;
	uint16_t code;
} exim_broken[] = {
	{ "no MAIL in ", "no_mail", 0 },
	{ "SMTP command timeout on ", "timeout", 421 },
	{ "SMTP data timeout (message abandoned) on ", "timeout_after_data", 421 },
	{ "unexpected disconnection while reading SMTP command ", "lost", 0 },
	{ "unexpected EOF while reading SMTP command ", "lost", 0 },
	{ "SMTP protocol synchronization error (input sent without waiting for greeting)",
	  "pregreet", 554 },
	{ "SMTP protocol synchronization error (next input sent too soon", "sync_error", 554 },
};

/* "SMTP call from <host> dropped: too many ..." causes. */
static const struct {
	const char *reason;
	const char *what;
	uint16_t code;
} exim_dropped[] = {
	{ "too many syntax or protocol errors", "too_many_errors", 0 },
	{ "too many unrecognized commands", "too_many_errors", 500 },
	{ "too many nonmail commands", "too_many_nonmail", 554 },
};

/* "Connection from <host> refused: ..." (daemon.c): the 421 of an overloaded daemon. */
static const struct {
	const char *reason;
	const char *what;
} exim_refused[] = {
	{ "too many connections", "rate_limit" }, { "load average", "overload" },
};

/* "SMTP connection [Ci=n ]from <host> lost while reading message data[ (header)]" */
static const char *const exim_lost_data[] = {
	" lost while reading message data", " lost while reading message data (header)",
	" lost while reading message data (after header)",
};

static void
exim_broken_event(struct mta_event *ev, const char *what, uint16_t code)
{
	ev->type = EV_SESSION_INCOMPLETE;
	ev->what = sv_make(what, strlen(what));
	if (code != 0) {
		ev->reply.code = code;
		ev->reply.dir = MTA_DIR_IN;
		ev->reply.enh = sv_make(ev->what.p, 0);
		ev->reply.text = sv_make(ev->what.p, 0);
	}
}

/* The line's text after its leading fields ("H=... (helo) [ip]"). */
static struct strview
exim_after_fields(struct strview m)
{
	struct strview w;
	size_t pos = 0, at;

	do {
		at = pos;
		w = exim_word(m, &pos);
	} while (w.n > 0 && (exim_field_key(w) > 0 || w.p[0] == '(' || w.p[0] == '['));
	while (at < m.n && m.p[at] == ' ')
		at++;
	return sv_skip(m, at);
}

/* "H=... incomplete transaction (QUIT) from <s>[ for r...]": quit after MAIL or after RCPT. */
static const char *
exim_incomplete(struct strview t)
{
	size_t pos;

	if (!sv_starts(t, "incomplete transaction (QUIT)"))
		return NULL;
	pos = sizeof("incomplete transaction (QUIT)") - 1;
	if (!sv_eq(exim_word(t, &pos), "from"))
		return "quit_after_mail";
	exim_word(t, &pos); /* <sender>, kept whole */
	return sv_eq(exim_word(t, &pos), "for") ? "quit_after_rcpt" : "quit_after_mail";
}

/* A broken session's line: 1 and the event, or 0 when m is not one. */
static int
exim_broken_session(struct strview m, struct mta_event *ev)
{
	struct strview t;
	const char *what;
	size_t i;
	long at;

	for (i = 0; i < sizeof(exim_broken) / sizeof(exim_broken[0]); i++)
		if (sv_starts(m, exim_broken[i].start)) {
			exim_broken_event(ev, exim_broken[i].what, exim_broken[i].code);
			return 1;
		}
	if (sv_starts(m, "SMTP call from ") && (at = sv_find(m, " dropped: ")) >= 0) {
		t = sv_skip(m, (size_t)at + sizeof(" dropped: ") - 1);
		for (i = 0; i < sizeof(exim_dropped) / sizeof(exim_dropped[0]); i++)
			if (sv_starts(t, exim_dropped[i].reason)) {
				exim_broken_event(ev, exim_dropped[i].what, exim_dropped[i].code);
				return 1;
			}
		return 0;
	}
	if (sv_starts(m, "Connection from ") && (at = sv_find(m, " refused: ")) >= 0) {
		t = sv_skip(m, (size_t)at + sizeof(" refused: ") - 1);
		for (i = 0; i < sizeof(exim_refused) / sizeof(exim_refused[0]); i++)
			if (sv_starts(t, exim_refused[i].reason)) {
				exim_broken_event(ev, exim_refused[i].what, 421);
				return 1;
			}
		return 0;
	}
	if (sv_starts(m, "SMTP connection ")) {
		/* ends so (receive.c): a search through every +smtp_connection line would cost more */
		for (i = 0; i < sizeof(exim_lost_data) / sizeof(exim_lost_data[0]); i++)
			if (sv_ends(m, exim_lost_data[i])) {
				exim_broken_event(ev, "lost_after_data", 0);
				return 1;
			}
		return 0;
	}
	if ((what = exim_incomplete(exim_after_fields(m))) != NULL) {
		exim_broken_event(ev, what, 0);
		return 1;
	}
	return 0;
}

/* A line that is no message's: a reject, an AUTH failure, a broken session, or ignored. */
static void
exim_other_line(struct strview m, struct mta_event *ev)
{
	switch (exim_reject(m, ev)) {
	case EXIM_REJECT:
		ev->type = EV_REJECT;
		return;
	case EXIM_REJECT_REPLY:
		ev->type = EV_REPLY;
		return;
	case EXIM_NOT_REJECT:
		break;
	}
	if (exim_auth_failure(m, ev))
		ev->type = EV_AUTH_FAILED;
	else if (!exim_broken_session(m, ev))
		ev->type = EV_IGNORED; /* connections, queue runs, daemon, TLS, ACL text */
}

/* A line about one message: "ID <flag> ..." or "ID text". */
static void
exim_message_line(struct strview r, struct mta_event *ev)
{
	if (sv_starts(r, "<= ") || sv_starts(r, "(= ")) /* "(=": accepted, fake-rejected */
		exim_received(sv_skip(r, 3), ev);
	else if (sv_starts(r, "=> ") || sv_starts(r, ">> "))
		exim_delivery(sv_skip(r, 3), DS_SENT, 1, ev);
	else if (sv_starts(r, "-> "))
		exim_delivery(sv_skip(r, 3), DS_SENT, 0, ev);
	else if (sv_starts(r, "== "))
		exim_delivery(sv_skip(r, 3), DS_DEFERRED, 0, ev);
	else if (sv_starts(r, "** "))
		exim_failed(sv_skip(r, 3), ev);
	else if (sv_starts(r, "*> "))
		ev->type = EV_IGNORED; /* delivery suppressed by -N */
	else if (sv_eq(r, "Completed") || sv_starts(r, "Completed ") || sv_starts(r, "removed by "))
		ev->type = EV_REMOVED;
	else
		exim_other_line(r, ev); /* rejected after DATA, Frozen, ACL log_message text, ... */
}

static void
exim_parse(const struct log_header *h, struct mta_event *ev)
{
	struct strview m = h->msg;
	size_t n;

	memset(ev, 0, sizeof(*ev));
	if ((n = exim_id(m)) > 0) {
		ev->qid = sv_make(m.p, n);
		exim_message_line(sv_skip(m, n + 1), ev);
		return;
	}
	exim_other_line(m, ev);
}

const struct mta_parser parser_exim = {
	.name = "exim",
	.envelope = exim_envelope,
	.owns = exim_owns,
	.parse = exim_parse,
	.default_instances = exim_default_instances,
};
