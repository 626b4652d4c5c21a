#ifndef NOTIFY_TRAP_H
#define NOTIFY_TRAP_H

#include <stdint.h>

#include "detect.h"
#include "mib_tables.h"

/* Send the notification of alarm a (acct for relay alarms, lr for a stalled log). */
int notify_alarm(const struct alarm *a, const struct account_row *acct, const struct log_row *lr,
    uint32_t log_index);

#endif
