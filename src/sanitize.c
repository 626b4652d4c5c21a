#include "config.h"

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
