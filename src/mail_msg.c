#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mail_msg.h"

/* RFC 5322: at most 998 bytes a line; we fold body lines well before. */
#define MAIL_LINE_MAX 900
/* RFC 2047: an encoded word is at most 75 bytes; 45 raw bytes fit in one. */
#define MAIL_WORD_RAW 45

struct buf {
	char *p;
	size_t n, cap;
};

static int
put(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->cap + n + 1) * 2;
		char *p = realloc(b->p, cap);
		if (p == NULL)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

static int
puts_(struct buf *b, const char *s)
{
	return put(b, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one. */
static size_t
utf8_len(const unsigned char *s, size_t avail)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > avail)
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 4 && s[0] == 0xf0 && s[1] < 0x90) ||
	    (n == 4 && s[0] == 0xf4 && s[1] > 0x8f) || (n == 3 && s[0] == 0xed && s[1] > 0x9f))
		return 0; /* overlong, beyond U+10FFFF, surrogates */
	return n;
}

char *
mail_body_clean(const char *body)
{
	const unsigned char *s = (const unsigned char *)body;
	size_t len = strlen(body), i = 0, col = 0, n;
	struct buf b = { 0 };

	while (i < len) {
		if (s[i] == '\n' || col >= MAIL_LINE_MAX) {
			if (put(&b, "\r\n", 2) != 0)
				goto fail;
			col = 0;
			if (s[i] == '\n')
				i++;
			continue;
		}
		if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n') {
			i++; /* CRLF: the LF makes the line end */
			continue;
		}
		n = utf8_len(s + i, len - i);
		if (n == 0 || (n == 1 && s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f) {
			if (put(&b, "?", 1) != 0)
				goto fail;
			i++;
		} else {
			if (put(&b, (const char *)s + i, n) != 0)
				goto fail;
			i += n;
		}
		col++;
	}
	if (col > 0 && put(&b, "\r\n", 2) != 0)
		goto fail;
	if (b.p == NULL && puts_(&b, "") != 0)
		goto fail;
	return b.p;
fail:
	free(b.p);
	return NULL;
}

static void
base64(const unsigned char *in, size_t n, char *out)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		out[o++] = t[in[i] >> 2];
		out[o++] = t[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		out[o++] = t[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		out[o++] = t[in[i + 2] & 63];
	}
	if (i < n) {
		out[o++] = t[in[i] >> 2];
		if (i + 1 < n) {
			out[o++] = t[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
			out[o++] = t[(in[i + 1] & 15) << 2];
		} else {
			out[o++] = t[(in[i] & 3) << 4];
			out[o++] = '=';
		}
		out[o++] = '=';
	}
	out[o] = '\0';
}

char *
mail_header_encode(const char *subject)
{
	char *clean = mail_body_clean(subject), word[MAIL_WORD_RAW * 2];
	struct buf b = { 0 };
	size_t len, i, start, n;
	int ascii = 1;

	if (clean == NULL)
		return NULL;
	/* one line: each run of line breaks and tabs becomes one space, none trails */
	{
		size_t o = 0;
		int gap = 0;
		for (i = 0; clean[i] != '\0'; i++) {
			if (clean[i] == '\r' || clean[i] == '\n' || clean[i] == '\t') {
				gap = 1;
				continue;
			}
			if (gap && o > 0)
				clean[o++] = ' ';
			gap = 0;
			if ((unsigned char)clean[i] >= 0x80)
				ascii = 0;
			clean[o++] = clean[i];
		}
		clean[o] = '\0';
	}
	len = strlen(clean);
	if (ascii && len <= 70) {
		b.p = clean;
		return b.p;
	}
	for (start = 0; start < len; start = i) {
		/* whole characters only, at most MAIL_WORD_RAW bytes */
		for (i = start; i < len; i += n) {
			n = utf8_len((const unsigned char *)clean + i, len - i);
			if (n == 0)
				n = 1;
			if (i + n - start > MAIL_WORD_RAW)
				break;
		}
		base64((const unsigned char *)clean + start, i - start, word);
		if ((start > 0 && puts_(&b, "\r\n ") != 0) || puts_(&b, "=?UTF-8?B?") != 0 ||
		    puts_(&b, word) != 0 || puts_(&b, "?=") != 0) {
			free(b.p);
			free(clean);
			return NULL;
		}
	}
	free(clean);
	if (b.p == NULL)
		b.p = strdup("");
	return b.p;
}

char *
mail_message(const char *from, char *const *to, size_t nto, const char *subject,
    const char *body, time_t date, const char *host)
{
	static unsigned counter;
	char line[512], stamp[64];
	char *subj = mail_header_encode(subject), *text = mail_body_clean(body);
	struct buf b = { 0 };
	struct tm tm;
	size_t i;
	int ok;

	if (subj == NULL || text == NULL)
		goto fail;
	localtime_r(&date, &tm);
	strftime(stamp, sizeof(stamp), "%a, %d %b %Y %H:%M:%S %z", &tm);
	snprintf(line, sizeof(line), "Date: %s\r\nMessage-ID: <%lld.%ld.%u@%s>\r\nFrom: <%s>\r\nTo: ",
	    stamp, (long long)date, (long)getpid(), ++counter, host, from);
	ok = puts_(&b, line) == 0;
	for (i = 0; ok && i < nto; i++) {
		snprintf(line, sizeof(line), "%s<%s>", i ? ",\r\n " : "", to[i]);
		ok = puts_(&b, line) == 0;
	}
	ok = ok && puts_(&b, "\r\nSubject: ") == 0 && puts_(&b, subj) == 0 &&
	    puts_(&b, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
		"Content-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n\r\n") == 0 &&
	    puts_(&b, text) == 0;
	if (!ok)
		goto fail;
	free(subj);
	free(text);
	return b.p;
fail:
	free(subj);
	free(text);
	free(b.p);
	return NULL;
}
