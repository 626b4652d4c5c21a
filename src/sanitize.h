/* Strings from log lines are hostile: make them safe for headers, traps, terminals. */
#ifndef MTASTAT_SANITIZE_H
#define MTASTAT_SANITIZE_H

#include <stddef.h>

/*
 * Replace in place every byte that is not printable ASCII (control bytes,
 * CR, LF, NUL, DEL, bytes >= 0x80) by '?'.  Returns how many were replaced.
 */
size_t sanitize_printable(char *s, size_t len);

/*
 * Copy at most dstsize-1 bytes of src[0..srclen) into dst, sanitized and
 * NUL-terminated.  Returns the length written.
 */
size_t sanitize_copy(char *dst, size_t dstsize, const char *src, size_t srclen);

/*
 * The well-formed UTF-8 character at s[0..n) (RFC 3629: shortest form, no
 * surrogates, at most U+10FFFF): its length in bytes and *cp, or 0 when the
 * bytes there are not one.
 */
size_t sanitize_utf8(const char *s, size_t n, unsigned long *cp);

/* Is code point cp a control character (C0, DEL, C1)? */
int sanitize_is_control(unsigned long cp);

/* Worst case of sanitize_escape: every byte becomes \xNN. */
#define SANITIZE_ESCAPED_MAX(n) (4 * (n) + 1)

/*
 * Copy src[0..srclen) into dst for a terminal, NUL-terminated: well-formed
 * UTF-8 is kept as it is; NUL, control characters and bytes that are not
 * UTF-8 become \xNN (one per byte) and a backslash becomes \\, so the
 * output is unambiguous.  A character or escape that does not fit is left
 * out whole, never cut.  Returns the length written.
 */
size_t sanitize_escape(char *dst, size_t dstsize, const char *src, size_t srclen);

#endif
