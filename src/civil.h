/* Civil (wall-clock) dates as day numbers, free of time zones and DST. */
#ifndef MTASTAT_CIVIL_H
#define MTASTAT_CIVIL_H

#include <stdint.h>

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d. */
int32_t civil_days(int y, int m, int d);
void civil_from_days(int32_t days, int *y, int *m, int *d);
/* 0 = Monday ... 6 = Sunday. */
int civil_weekday(int32_t days);
/* "YYYY-MM-DD" into buf (at least 16 bytes). */
void civil_format(int32_t days, char *buf);
/* Parse "YYYY-MM-DD"; returns 0 and sets *days, or -1. */
int civil_parse(const char *s, int32_t *days);

#endif
