/*
 * The in-memory model behind the MIB: refreshed after every commit from the
 * aggregate that was committed and one evaluation of the alarms, so SNMP
 * requests never wait for SQLite.
 */
#ifndef MIB_MODEL_H
#define MIB_MODEL_H

#include <stddef.h>
#include <stdint.h>

/* Alarm rows kept in the MIB: the newest ones. */
#define MODEL_ALARM_ROWS 500

struct mtastat;
struct account_row;
struct alarm;

struct account_delta {
	char *name;      /* as logged: may hold a NUL */
	size_t len;
	int32_t day;
	int64_t relayed, msgs;
};

struct account_map {
	struct account_row **slot;  /* open addressing by name */
	size_t cap, n;
};

int model_register(void);
int model_start(struct mtastat *);
void model_stop(struct mtastat *);
/* Copy the account counts of the batch about to be committed. */
int model_collect(struct mtastat *, struct account_delta **, size_t *);
/* After the commit: apply them, evaluate the alarms, send notifications. */
void model_after_commit(struct mtastat *, struct account_delta *, size_t);
/* The end of a catch-up whose last batch was already committed: judge it. */
void model_caught_up(struct mtastat *);
/* An alarm raised outside the evaluation: into the alarm records, the table and the mail. */
void model_alarm(struct mtastat *, struct alarm *);
/* Once a second: stalled logs. */
void model_tick(struct mtastat *);

#endif
