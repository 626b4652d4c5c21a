/*
 * An RFC 5322 message with a UTF-8 text body.  Everything from logs is
 * untrusted: control bytes never reach a header, a non-ASCII subject is
 * RFC 2047 encoded, the body is valid UTF-8 with CRLF line ends.
 */
#ifndef MTASTAT_MAIL_MSG_H
#define MTASTAT_MAIL_MSG_H

#include <stddef.h>
#include <time.h>

/* The message text (malloc'd, NUL-terminated), or NULL on ENOMEM. */
char *mail_message(const char *from, char *const *to, size_t nto, const char *subject,
    const char *body, time_t date, const char *host);

/* subject as a header value: as is when printable ASCII, else =?UTF-8?B?...?= words. */
char *mail_header_encode(const char *subject);

/* body: valid UTF-8 kept; other bytes, controls but TAB, and a bare CR as '?'; CRLF ends. */
char *mail_body_clean(const char *body);

#endif
