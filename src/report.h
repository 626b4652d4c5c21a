#ifndef MTASTAT_REPORT_H
#define MTASTAT_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "store.h"

/* Bounds of an open range: far outside any day a log can name, and their difference fits. */
#define REPORT_OPEN_FROM (INT32_MIN / 2)
#define REPORT_OPEN_TO (INT32_MAX / 2)

struct report_opts {
	int32_t from, to;  /* civil days, inclusive; REPORT_OPEN_*: not given */
	int json;
	int top;           /* rows in each top list */
};

/*
 * Print the report for [from, to]; 0, or -1 on a database error (logged).
 * An empty history or range is reported as such, not as an error.
 */
int report_print(struct store *, const struct report_opts *, FILE *);

/* The queue's section (report_queue.c): nothing / "queue": null when no sample is in range. */
int report_queue_text(struct store *, const struct report_opts *, FILE *);
int report_queue_json(struct store *, const struct report_opts *, FILE *);

/*
 * s[0..len) as a JSON string: UTF-8 as it is, '"', '\\', control characters
 * and U+2028/U+2029 escaped, a byte that is not UTF-8 as the text \\xNN.
 */
void report_json_string(FILE *, const char *s, int len);

#endif
