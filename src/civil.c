/* Howard Hinnant's days_from_civil algorithm, written out for int32 days. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "civil.h"

int32_t
civil_days(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
civil_from_days(int32_t z, int *y, int *m, int *d)
{
	int era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

int
civil_weekday(int32_t days)
{
	/* 1970-01-01 was a Thursday (3 with Monday = 0). */
	int w = (int)((days % 7 + 7 + 3) % 7);
	return w;
}

void
civil_format(int32_t days, char *buf)
{
	int y, m, d;

	civil_from_days(days, &y, &m, &d);
	snprintf(buf, 16, "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
}

int
civil_parse(const char *s, int32_t *days)
{
	int y, m, d, n = 0;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || s[10] != '\0')
		return -1;
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	*days = civil_days(y, m, d);
	{
		int yy, mm, dd;
		civil_from_days(*days, &yy, &mm, &dd);
		if (yy != y || mm != m || dd != d)
			return -1; /* 2026-02-30 */
	}
	return 0;
}
