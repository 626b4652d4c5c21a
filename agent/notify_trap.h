#ifndef NOTIFY_TRAP_H
#define NOTIFY_TRAP_H

#include <stdint.h>

#include "detect.h"
#include "mib_tables.h"
#include "notify_queue.h"

/*
 * Send the notification of alarm a (acct for relay alarms, lr for a stalled
 * log), or queue it while the master agent is away.
 */
int notify_alarm(struct notify_queue *, const struct alarm *a, const struct account_row *acct,
    const struct log_row *lr, uint32_t log_index);

struct mtastat;

/* Send the history's state change a (AK_HISTORY_*): its objects are the scalars. */
int notify_history(struct notify_queue *, const struct mtastat *ctx, const struct alarm *a);

/* Send a queue alarm's raise or clear (AK_QUEUE_*): its objects are the queue's scalars. */
int notify_queue_alarm(struct notify_queue *, const struct mtastat *ctx, const struct alarm *a);

#endif
