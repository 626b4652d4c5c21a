/* mtastatQueue: the sampled queue's scalars (MTASTAT-MIB, mtastatObjects 10). */
#ifndef MIB_QUEUE_H
#define MIB_QUEUE_H

#include "mib_value.h"
#include "queue.h"

struct mtastat;

enum mib_queue_col {
	MIB_QUEUE_STATUS = 1,
	MIB_QUEUE_ERROR,
	MIB_QUEUE_SAMPLE_TIME,
	MIB_QUEUE_SAMPLE_TIME_UNIX,
	MIB_QUEUE_MESSAGES,
	MIB_QUEUE_KBYTES,
	MIB_QUEUE_OLDEST_AGE,
	MIB_QUEUE_ACTIVE,           /* then KBytes, and so on for each queue_name */
	MIB_QUEUE_MAILDROP_KBYTES = MIB_QUEUE_ACTIVE + 2 * QN_COUNT - 1,
	MIB_QUEUE_LIMIT,
	MIB_QUEUE_AGE_LIMIT,
	MIB_QUEUE_ALARM_STATE,
	MIB_QUEUE_SAMPLES,
	MIB_QUEUE_FAILURES,
	MIB_QUEUE_LAST = MIB_QUEUE_FAILURES,
};

/* Value of col: 0, -1 no such object, 1 no such instance (not known for this MTA). */
int mib_queue_value(const struct mtastat *, unsigned int col, struct mib_value *);
/* Append col (instance .0) to a notification's varbinds. */
int mib_queue_varbind(const struct mtastat *, unsigned int col, netsnmp_variable_list **);
int mib_queue_register(struct mtastat *);

#endif
