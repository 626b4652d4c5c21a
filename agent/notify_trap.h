#ifndef NOTIFY_TRAP_H
#define NOTIFY_TRAP_H

#include <stdint.h>

#include "detect.h"
#include "mib_tables.h"

/* Send the notification of alarm a (acct for relay alarms, lr for a stalled log). */
int notify_alarm(const struct alarm *a, const struct account_row *acct, const struct log_row *lr,
    uint32_t log_index);

struct mtastat;

/* Send the history's state change a (AK_HISTORY_*): its objects are the scalars. */
int notify_history(const struct mtastat *ctx, const struct alarm *a);

#endif
