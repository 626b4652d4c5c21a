/*
 * The queue sampler inside net-snmp's loop: an alarm starts the child every
 * queueinterval seconds, its pipes are read through register_readfd(), a
 * one-shot alarm kills it after queuetimeout; each sample updates the MIB,
 * judges queuelimit/queueage and goes to the history through its writer.
 */
#ifndef QUEUE_WATCH_H
#define QUEUE_WATCH_H

#include <stdint.h>

#include "detect.h"
#include "queue.h"
#include "queue_run.h"
#include "queue_store.h"

/* The values of mtastatQueueSamplerStatus. */
enum queue_status { QS_DISABLED = 1, QS_WAITING, QS_OK, QS_FAILED, QS_TIMEOUT };

struct queue_state {
	struct queue_run run;
	int running;             /* a child is out */
	unsigned tick_alarm, timeout_alarm, reap_alarm, first_alarm;
	int grace_used;          /* the timeout gave this child its moment already */
	int status;              /* enum queue_status */
	char error[QUEUE_ERR_MAX + 64]; /* why the last sample failed; "" after a good one */
	struct queue_sample last; /* the last good sample */
	int have_last;
	uint64_t samples, failures;
	struct queue_alarm alarms[QR_COUNT];
	struct alarm standing[QR_COUNT]; /* raises still standing at start, from the records */
	int reannounce[QR_COUNT]; /* ... sent again once the first sample confirms them */
	struct queue_store store;
};

struct mtastat;

/* After the history is open (watch_start): nothing when the queue token is absent. */
int queue_watch_start(struct mtastat *);
/* Before the history closes: kills a running child, writes what waits. */
void queue_watch_stop(struct mtastat *);
/* How many queue alarms stand (0..QR_COUNT). */
int queue_watch_raised(const struct mtastat *);

#endif
