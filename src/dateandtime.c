#include "config.h"

#include <string.h>

#include "dateandtime.h"

int
dateandtime_encode(time_t t, uint8_t out[DATEANDTIME_LEN])
{
	struct tm tm;
	long off, aoff;

	memset(out, 0, DATEANDTIME_LEN);
	if (t == 0 || localtime_r(&t, &tm) == NULL)
		return DATEANDTIME_LEN;
	out[0] = (uint8_t)((tm.tm_year + 1900) >> 8);
	out[1] = (uint8_t)((tm.tm_year + 1900) & 0xff);
	out[2] = (uint8_t)(tm.tm_mon + 1);
	out[3] = (uint8_t)tm.tm_mday;
	out[4] = (uint8_t)tm.tm_hour;
	out[5] = (uint8_t)tm.tm_min;
	out[6] = (uint8_t)(tm.tm_sec > 59 ? 59 : tm.tm_sec); /* no leap second in the TC */
	out[7] = 0;
	off = tm.tm_gmtoff;
	aoff = off < 0 ? -off : off;
	out[8] = off < 0 ? '-' : '+';
	out[9] = (uint8_t)(aoff / 3600);
	out[10] = (uint8_t)((aoff % 3600) / 60);
	return DATEANDTIME_LEN;
}
