/* Syslog envelopes: BSD (RFC 3164), RFC 3339 stamps, RFC 5424, Solaris [ID]. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "civil.h"
#include "syslog_header.h"

void
syslog_clock_init(struct syslog_clock *c, int year)
{
	memset(c, 0, sizeof(*c));
	c->year = year;
}

void
syslog_clock_init_mtime(struct syslog_clock *c, time_t mtime)
{
	struct tm tm;

	localtime_r(&mtime, &tm);
	syslog_clock_init(c, tm.tm_year + 1900);
	c->ref_month = tm.tm_mon + 1;
}

static int
month_of(const char *p)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int i;

	for (i = 0; i < 12; i++)
		if (memcmp(p, names + 3 * i, 3) == 0)
			return i + 1;
	return 0;
}

static void
set_time(struct log_time *lt, int y, int mo, int d, int h, int mi, int s)
{
	lt->day = civil_days(y, mo, d);
	lt->hour = h;
	lt->t = (int64_t)lt->day * 86400 + h * 3600 + mi * 60 + s;
}

static int
valid_hms(int h, int mi, int s)
{
	return h < 24 && mi < 60 && s <= 60;
}

/* "hh:mm:ss" then an optional ".frac"; returns bytes used or -1. */
static int
parse_hms(const char *p, const char *end, int *h, int *mi, int *s)
{
	const char *q = p + 8;

	if (end - p < 8 || p[2] != ':' || p[5] != ':' || sv_digits(p, 2, h) ||
	    sv_digits(p + 3, 2, mi) || sv_digits(p + 6, 2, s) || !valid_hms(*h, *mi, *s))
		return -1;
	if (q < end && (*q == '.' || *q == ',')) {
		q++;
		while (q < end && *q >= '0' && *q <= '9')
			q++;
	}
	return (int)(q - p);
}

/* "Mmm dd hh:mm:ss" (day space-padded or not); returns bytes used or -1. */
static int
parse_bsd_time(struct syslog_clock *c, const char *p, const char *end, struct log_time *lt)
{
	const char *q;
	int mo, d, h, mi, s, n;

	if (end - p < 15 || p[3] != ' ' || (mo = month_of(p)) == 0)
		return -1;
	q = p + 4;
	if (*q == ' ')
		q++;
	if (q[0] < '0' || q[0] > '9')
		return -1;
	d = q[0] - '0';
	q++;
	if (*q >= '0' && *q <= '9')
		d = d * 10 + (*q++ - '0');
	if (*q++ != ' ' || d < 1 || d > 31)
		return -1;
	if ((n = parse_hms(q, end, &h, &mi, &s)) < 0)
		return -1;
	q += n;
	if (c->last_month == 0 && c->ref_month != 0 && mo > c->ref_month)
		c->year--; /* file written last year, modified in January */
	else if (c->last_month == 12 && mo == 1)
		c->year++;
	c->last_month = mo;
	set_time(lt, c->year, mo, d, h, mi, s);
	return (int)(q - p);
}

/* "YYYY-MM-DDThh:mm:ss[.frac](Z|+hh:mm)"; the offset is read and dropped. */
static int
parse_iso_time(const char *p, const char *end, struct log_time *lt)
{
	const char *q;
	int y, mo, d, h, mi, s, n;

	if (end - p < 19 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != ' ') ||
	    sv_digits(p, 4, &y) || sv_digits(p + 5, 2, &mo) || sv_digits(p + 8, 2, &d) ||
	    mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	if ((n = parse_hms(p + 11, end, &h, &mi, &s)) < 0)
		return -1;
	q = p + 11 + n;
	if (q < end && *q == 'Z')
		q++;
	else if (end - q >= 6 && (*q == '+' || *q == '-') && q[3] == ':')
		q += 6;
	else if (end - q >= 5 && (*q == '+' || *q == '-'))
		q += 5;
	set_time(lt, y, mo, d, h, mi, s);
	return (int)(q - p);
}

static const char *
skip_spaces(const char *p, const char *end)
{
	while (p < end && *p == ' ')
		p++;
	return p;
}

static const char *
word_end(const char *p, const char *end)
{
	const char *q = memchr(p, ' ', (size_t)(end - p));

	return q == NULL ? end : q;
}

static void
set_program(struct log_header *h, const char *p, size_t n)
{
	const char *slash;

	h->program = sv_make(p, n);
	slash = memrchr(p, '/', n);
	h->service = slash == NULL ? h->program : sv_make(slash + 1, n - (size_t)(slash + 1 - p));
}

/* Bytes that end a syslog tag. */
static const unsigned char tag_end[256] = { ['['] = 1, [':'] = 1, [' '] = 1 };

/* "tag[pid]: msg" or "tag: msg" */
static int
parse_tag(struct log_header *h, const char *p, const char *end)
{
	const char *q = p;
	long pid = -1;

	while (q < end && !tag_end[(unsigned char)*q])
		q++;
	if (q == p || q >= end)
		return -1;
	set_program(h, p, (size_t)(q - p));
	if (*q == '[') {
		pid = 0;
		for (q++; q < end && *q >= '0' && *q <= '9'; q++)
			if (pid < 100000000L)
				pid = pid * 10 + (*q - '0');
		if (q >= end || *q != ']')
			return -1;
		q++;
	}
	if (q >= end || *q != ':')
		return -1;
	q++;
	if (q < end && *q == ' ')
		q++;
	h->pid = pid;
	h->msg = sv_make(q, (size_t)(end - q));
	return 0;
}

/* Solaris puts "[ID 197553 mail.info] " before the message. */
static void
strip_solaris_id(struct log_header *h)
{
	struct strview m = h->msg;
	long close;

	if (!sv_starts(m, "[ID "))
		return;
	close = sv_find(m, "] ");
	if (close > 0 && close < 64)
		h->msg = sv_skip(m, (size_t)close + 2);
}

/*
 * RFC 5424 STRUCTURED-DATA at p: elements "[id name="value" ...]" back to
 * back.  Inside a quoted PARAM-VALUE a ']' does not close the element (the
 * RFC wants it escaped as "\\]", writers forget) and a backslash escapes the
 * next byte.  Returns the first byte after the last element; an element cut
 * by the end of the line takes the rest of it.  Never reads past end.
 */
static const char *
skip_sd(const char *p, const char *end)
{
	int quoted;

	while (p < end && *p == '[') {
		quoted = 0;
		for (p++; p < end; p++) {
			if (quoted) {
				if (*p == '\\' && end - p > 1)
					p++;
				else if (*p == '"')
					quoted = 0;
			} else if (*p == '"') {
				quoted = 1;
			} else if (*p == ']') {
				break;
			}
		}
		if (p < end)
			p++; /* the ']' */
	}
	return p;
}

/* RFC 5424 after "1 ": TIMESTAMP HOST APP PROCID MSGID SD [MSG] */
static int
parse_5424(const char *p, const char *end, struct log_header *h)
{
	const char *f[5], *fe[5];
	int i, n;

	if ((n = parse_iso_time(p, end, &h->when)) < 0)
		return -1;
	p += n;
	for (i = 0; i < 4; i++) {
		if (p >= end || *p != ' ')
			return -1;
		f[i] = p + 1;
		fe[i] = word_end(f[i], end);
		p = fe[i];
	}
	if (p >= end)
		return -1;
	p++;
	/* structured data: "-" or one or more [..] (p may be the end here) */
	if (p < end && *p == '-')
		p++;
	else
		p = skip_sd(p, end);
	if (p < end && *p == ' ')
		p++;
	if (end - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	h->host = sv_make(f[0], (size_t)(fe[0] - f[0]));
	set_program(h, f[1], (size_t)(fe[1] - f[1]));
	h->pid = -1;
	if (fe[2] - f[2] > 0 && f[2][0] >= '0' && f[2][0] <= '9') {
		int pid = 0;
		if (sv_digits(f[2], (int)(fe[2] - f[2] > 9 ? 9 : fe[2] - f[2]), &pid) == 0)
			h->pid = pid;
	}
	h->msg = sv_make(p, (size_t)(end - p));
	return 0;
}

static void
remember(struct syslog_clock *c, const char *p, size_t keylen, const struct log_time *lt)
{
	if (keylen > sizeof(c->cache_key))
		return;
	memcpy(c->cache_key, p, keylen);
	c->cache_len = keylen;
	c->cache = *lt;
}

/*
 * Are the n bytes at a and b equal?  The keys are 11 to 16 bytes: two
 * eight-byte words, overlapping, instead of a memcmp call on every line.
 */
static int
key_eq(const char *a, const char *b, size_t n)
{
	uint64_t a0, a1, b0, b1;

	if (n < 8 || n > 16)
		return memcmp(a, b, n) == 0;
	memcpy(&a0, a, 8);
	memcpy(&b0, b, 8);
	memcpy(&a1, a + n - 8, 8);
	memcpy(&b1, b + n - 8, 8);
	return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/*
 * The cache by minute: the stamp up to its minute (keylen bytes) as the
 * last line had it, then ":ss".  Lines within a minute share it (within a
 * second was a hit for two lines in three on a busy log, a minute for all
 * but a few).
 */
static int
cached_minute(struct syslog_clock *c, const char *p, const char *end, size_t keylen,
    struct log_time *lt)
{
	int ss;

	if (c->cache_len != keylen || (size_t)(end - p) < keylen + 3 || p[keylen] != ':' ||
	    !key_eq(c->cache_key, p, keylen) || sv_digits(p + keylen + 1, 2, &ss) != 0 || ss > 60)
		return 0;
	*lt = c->cache;
	lt->t += ss;
	return 1;
}

static void
remember_minute(struct syslog_clock *c, const char *p, size_t keylen, const struct log_time *lt)
{
	int ss = (p[keylen + 1] - '0') * 10 + (p[keylen + 2] - '0');

	remember(c, p, keylen, lt);
	c->cache.t -= ss;
}

int
syslog_iso_time(struct syslog_clock *c, const char *p, const char *end, struct log_time *lt)
{
	const char *q;

	if (end - p < 19 || p[4] != '-' || p[0] < '0' || p[0] > '9')
		return -1;
	/* by minute, as syslog_parse; the stamp's own length: its fraction and offset */
	if (!cached_minute(c, p, end, 16, lt)) {
		if (parse_iso_time(p, end, lt) < 0)
			return -1;
		remember_minute(c, p, 16, lt);
	}
	for (q = p + 19; q < end && *q != ' '; q++)
		;
	return (int)(q - p);
}

int
syslog_parse(struct syslog_clock *c, const char *line, size_t len, struct log_header *h)
{
	const char *p = line, *end = line + len;
	size_t key;
	int n;

	if (p < end && *p == '<') {
		const char *gt = memchr(p, '>', (size_t)(end - p) < 6 ? (size_t)(end - p) : 6);
		if (gt == NULL)
			return -1;
		p = gt + 1;
		if (end - p >= 2 && p[0] == '1' && p[1] == ' ')
			return parse_5424(p + 2, end, h);
	}
	if (end - p >= 19 && p[4] == '-' && p[0] >= '0' && p[0] <= '9') {
		/* "YYYY-MM-DDThh:mm" is the key: lines in one minute share it */
		if (!cached_minute(c, p, end, 16, &h->when)) {
			if (parse_iso_time(p, end, &h->when) < 0)
				return -1;
			remember_minute(c, p, 16, &h->when);
		}
		/* RFC 3339 allows a space for the 'T': the stamp then ends at the next one */
		n = (int)(word_end(p + 11, end) - p);
	} else {
		if (end - p < 16)
			return -1;
		/* up to the minute is the key; the byte after it must be the seconds' ':' */
		key = p[5] == ' ' ? 11 : 12; /* "Mmm d hh:mm", else "Mmm dd"/"Mmm  d" */
		if (!cached_minute(c, p, end, key, &h->when)) {
			if (parse_bsd_time(c, p, end, &h->when) < 0)
				return -1;
			remember_minute(c, p, key, &h->when);
		}
		/* "Mmm d hh:mm:ss" ends at 14 at the earliest; a fraction may follow. */
		n = (int)(word_end(p + 14, end) - p);
	}
	p = skip_spaces(p + n, end);
	h->host = sv_make(p, (size_t)(word_end(p, end) - p));
	if (h->host.n == 0)
		return -1;
	p = skip_spaces(p + h->host.n, end);
	if (parse_tag(h, p, end) != 0)
		return -1;
	strip_solaris_id(h);
	return 0;
}
