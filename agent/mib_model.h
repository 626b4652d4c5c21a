/*
 * The in-memory model behind the MIB: refreshed after every commit from the
 * aggregate that was committed and one evaluation of the alarms, so SNMP
 * requests never wait for SQLite.
 */
#ifndef MIB_MODEL_H
#define MIB_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "detect.h"

/* Alarm rows kept in the MIB: the newest ones. */
#define MODEL_ALARM_ROWS 500

struct mtastat;
struct aggregate;
struct store_batch;
struct account_row;
struct alarm;

/*
 * The usual daily relays of every account for a new day, read by the
 * writer thread after a batch (model_batch_job) instead of by the loop.
 */
struct usual_entry {
	int64_t id;
	double mean, sd;
};

struct usual_job {
	int32_t day;             /* asked for, 0: none */
	int32_t ready;           /* the day v[] (sorted by id) is for, once applied */
	int rc;                  /* detect_usual_all's */
	struct usual_entry *v;
	size_t n, cap;
};

/*
 * One evaluation of the alarms (detect_run) by the writer thread, on its
 * own connection (issue 15: it reads the window and writes the alarm
 * states, ~30 ms on a long history); the loop asks for it and applies
 * the result (model_eval_done).  One at a time: asked for while one is out,
 * it runs again once that one is applied.
 */
struct model_eval {
	int out;                 /* handed to the writer, not yet applied */
	int again;               /* asked for meanwhile */
	int64_t now;             /* the log time judged at */
	int rc;                  /* detect_run's */
	long us;                 /* how long it took the writer */
	struct detect_result r;
};

struct account_map {
	struct account_row **slot;  /* open addressing by name */
	size_t cap, n;
	/*
	 * The mtastatAccountIndex values taken (open addressing, 0: free): a
	 * lookup in the table itself after an insert re-sorts net-snmp's whole
	 * array, once per new account.
	 */
	uint32_t *taken;
	size_t taken_cap, ntaken;
};

int model_register(void);
int model_start(struct mtastat *);
void model_stop(struct mtastat *);
/* A batch is about to be handed over: work for the writer to do after it. */
void model_batch_job(struct mtastat *, struct store_batch *);
/*
 * A batch is written: its account counts onto the rows (ids: the history's
 * id of each AGG_ACCOUNT entry, by slot), evaluate the alarms, notify.
 */
void model_after_batch(struct mtastat *, const struct aggregate *, const int64_t *ids);
/*
 * A turn of the loop: new account rows still waiting go into the table, a
 * slice of them (MODEL_ROWS_SLICE_US); 1 when it did, 0 when none wait.
 */
int model_rows_work(struct mtastat *);
/* The end of a catch-up whose last batch was already committed: judge it. */
void model_caught_up(struct mtastat *);
/* An alarm raised outside the evaluation: into the alarm records, the table and the mail. */
void model_alarm(struct mtastat *, struct alarm *);
/* The writer ran the evaluation: its result into the MIB, the traps, the mail. */
void model_eval_done(struct mtastat *);
/* At stop: wait for the evaluation out, apply it (0: none was out). */
int model_eval_drain(struct mtastat *);
/* Once a second: stalled logs. */
void model_tick(struct mtastat *);

#endif
