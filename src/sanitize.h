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

#endif
