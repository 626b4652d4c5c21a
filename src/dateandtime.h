/* RFC 2579 DateAndTime, the SNMP form of a timestamp.  No net-snmp inside. */
#ifndef MTASTAT_DATEANDTIME_H
#define MTASTAT_DATEANDTIME_H

#include <stdint.h>
#include <time.h>

#define DATEANDTIME_LEN 11

/*
 * Encode t as local time with its UTC offset into out (11 bytes).
 * t == 0 encodes as all zero bytes ("never").  Returns the length.
 */
int dateandtime_encode(time_t t, uint8_t out[DATEANDTIME_LEN]);

#endif
