#ifndef MTASTAT_REPORT_H
#define MTASTAT_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "store.h"

struct report_opts {
	int32_t from, to;  /* civil days, inclusive */
	int json;
	int top;           /* rows in each top list */
};

/* Print the report for [from, to]; 0, or -1 on a database error. */
int report_print(struct store *, const struct report_opts *, FILE *);

/* JSON string with every byte that is not printable ASCII escaped. */
void report_json_string(FILE *, const char *s, int len);

#endif
