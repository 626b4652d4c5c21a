#include "config.h"

#include <string.h>

#include "sanitize.h"

static int
is_safe(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

size_t
sanitize_printable(char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (!is_safe((unsigned char)s[i])) {
			s[i] = '?';
			n++;
		}
	}
	return n;
}

size_t
sanitize_copy(char *dst, size_t dstsize, const char *src, size_t srclen)
{
	size_t i;

	if (dstsize == 0)
		return 0;
	if (srclen > dstsize - 1)
		srclen = dstsize - 1;
	for (i = 0; i < srclen; i++)
		dst[i] = is_safe((unsigned char)src[i]) ? src[i] : '?';
	dst[srclen] = '\0';
	return srclen;
}

size_t
sanitize_utf8(const char *s, size_t n, unsigned long *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long c, min;
	size_t len, i;

	if (n == 0)
		return 0;
	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		len = 2, c = u[0] & 0x1f, min = 0x80;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		len = 3, c = u[0] & 0x0f, min = 0x800;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		len = 4, c = u[0] & 0x07, min = 0x10000;
	} else {
		return 0; /* a continuation byte, C0/C1 (overlong) or F5..FF */
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (u[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

int
sanitize_is_control(unsigned long cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* Append want bytes of out to dst[*o..) if they fit with the final NUL. */
static int
escape_put(char *dst, size_t dstsize, size_t *o, const char *out, size_t want)
{
	if (*o + want >= dstsize)
		return -1;
	memcpy(dst + *o, out, want);
	*o += want;
	return 0;
}

size_t
sanitize_escape(char *dst, size_t dstsize, const char *src, size_t srclen)
{
	static const char hex[] = "0123456789abcdef";
	char esc[4 * 4]; /* a character is at most 4 bytes, 4 characters each escaped */
	size_t i = 0, o = 0, k, j, e;
	unsigned long cp = 0;

	if (dstsize == 0)
		return 0;
	while (i < srclen) {
		k = sanitize_utf8(src + i, srclen - i, &cp);
		if (k > 0 && cp == '\\') {
			if (escape_put(dst, dstsize, &o, "\\\\", 2) != 0)
				break;
		} else if (k > 0 && !sanitize_is_control(cp)) {
			if (escape_put(dst, dstsize, &o, src + i, k) != 0)
				break;
		} else {
			if (k == 0)
				k = 1; /* not UTF-8: this byte alone */
			for (j = 0, e = 0; j < k; j++) {
				esc[e++] = '\\';
				esc[e++] = 'x';
				esc[e++] = hex[(unsigned char)src[i + j] >> 4];
				esc[e++] = hex[(unsigned char)src[i + j] & 0xf];
			}
			if (escape_put(dst, dstsize, &o, esc, e) != 0)
				break;
		}
		i += k;
	}
	dst[o] = '\0';
	return o;
}
