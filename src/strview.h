/* A slice of a line: parsers point into the read buffer instead of copying. */
#ifndef MTASTAT_STRVIEW_H
#define MTASTAT_STRVIEW_H

#include <stddef.h>
#include <string.h>

struct strview {
	const char *p;
	size_t n;
};

#define SV_NULL ((struct strview){ NULL, 0 })

static inline struct strview
sv_make(const char *p, size_t n)
{
	struct strview s = { p, n };
	return s;
}

static inline int
sv_eq(struct strview s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n == n && memcmp(s.p, lit, n) == 0;
}

static inline int
sv_starts(struct strview s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n >= n && memcmp(s.p, lit, n) == 0;
}

static inline int
sv_ends(struct strview s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n >= n && memcmp(s.p + s.n - n, lit, n) == 0;
}

/* The decimal number in exactly n digits at p; -1 when one is not a digit. */
static inline int
sv_digits(const char *p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return 0;
}

/*
 * Position of lit in s, or -1.  Not memmem: glibc's sets up a shift table
 * for every call, which costs more than the search itself on a log line
 * (memmem was a quarter of the Postfix parser's instructions).  memchr
 * finds an anchor byte, memcmp checks the rest; the anchor is the second
 * byte when the first is a separator (" mail=", ", conn_use="), which a
 * line has many of.
 */
static inline long
sv_find(struct strview s, const char *lit)
{
	size_t n = strlen(lit), k;
	const char *p, *last;

	if (n == 0)
		return 0;
	if (s.n < n)
		return -1; /* s.p may be NULL when s.n is 0 */
	k = n > 1 && (lit[0] == ' ' || lit[0] == ',') ? 1 : 0;
	last = s.p + (s.n - n) + k; /* the last place the anchor can be */
	for (p = s.p + k; p <= last; p++) {
		p = memchr(p, lit[k], (size_t)(last - p) + 1);
		if (p == NULL)
			break;
		if (memcmp(p - k, lit, n) == 0)
			return p - k - s.p;
	}
	return -1;
}

static inline struct strview
sv_skip(struct strview s, size_t k)
{
	if (k > s.n)
		k = s.n;
	return sv_make(s.p + k, s.n - k);
}

#endif
