/*
 * An SMTP reply as the logs write it, "NNN[ -][c.sss.ddd ]text" (RFC 5321
 * code, RFC 3463 enhanced status), read the same way by every parser.  The
 * text is only pointed at: it is sanitised and bounded downstream.
 */
#ifndef MTASTAT_MTA_REPLY_H
#define MTASTAT_MTA_REPLY_H

#include "event.h"

/* Digits of one RFC 3463 part: at most 3. */
#define MTA_ENH_PART_MAX 3

/* Length of the digit run at s from i, or 0 when it is empty or too long. */
static inline size_t
mta_enh_part(struct strview s, size_t i)
{
	size_t k = i;

	while (k < s.n && k - i <= MTA_ENH_PART_MAX && s.p[k] >= '0' && s.p[k] <= '9')
		k++;
	return k == i || k - i > MTA_ENH_PART_MAX ? 0 : k - i;
}

/* Length of an enhanced status "c.sss.ddd" at the start of s, ended by a space or s's end; else 0. */
static inline size_t
mta_enh_len(struct strview s)
{
	size_t i, n;

	if (s.n < 5 || (s.p[0] != '2' && s.p[0] != '4' && s.p[0] != '5') || s.p[1] != '.')
		return 0;
	if ((n = mta_enh_part(s, 2)) == 0 || 2 + n >= s.n || s.p[2 + n] != '.')
		return 0;
	i = 2 + n + 1;
	if ((n = mta_enh_part(s, i)) == 0)
		return 0;
	i += n;
	return i == s.n || s.p[i] == ' ' ? i : 0;
}

/*
 * A reply code 200..599 at the start of s, ended by s's end, ' ' or '-' (a
 * continued multi-line reply): code, enhanced status and text into r (its
 * direction is the caller's) and 0; -1 when s does not start with one.
 */
static inline int
mta_reply_parse(struct strview s, struct mta_reply *r)
{
	int code;
	size_t n;

	if (s.n < 3 || sv_digits(s.p, 3, &code) != 0 || code < 200 || code > 599)
		return -1;
	if (s.n > 3 && s.p[3] != ' ' && s.p[3] != '-')
		return -1;
	r->code = (uint16_t)code;
	s = sv_skip(s, 4);
	r->enh = sv_make(s.p, 0);
	/* RFC 3463: the class is the code's; another is text */
	if ((n = mta_enh_len(s)) > 0 && s.p[0] == (char)('0' + code / 100)) {
		r->enh = sv_make(s.p, n);
		s = sv_skip(s, n + 1);
	}
	r->text = s;
	return 0;
}

#endif
