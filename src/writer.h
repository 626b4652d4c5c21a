/*
 * Commits off the reading thread: a thread with its own connection to the
 * history writes one batch (struct store_batch) at a time, checkpoints
 * included, while the reader parses the next.  The reader learns of a
 * result through a descriptor it can poll (the daemon's loop registers it)
 * or by waiting.  Nothing here knows net-snmp.
 */
#ifndef MTASTAT_WRITER_H
#define MTASTAT_WRITER_H

#include <pthread.h>

#include "store.h"

enum { WRITER_JOB_NONE, WRITER_JOB_OUT, WRITER_JOB_RUNNING, WRITER_JOB_DONE };

struct writer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct store store;        /* the thread's own connection */
	struct store_batch *todo;  /* handed over, not yet taken by the thread */
	struct store_batch *done;  /* written (or failed), not yet collected */
	int busy;                  /* a batch is handed over and not collected */
	/*
	 * One job besides the batches (writer_job): run on the thread's store
	 * before the next batch is taken, its end signalled on fd as a batch's.
	 */
	void (*job)(struct store *, void *);
	void *job_arg;
	int job_state;             /* WRITER_JOB_* */
	int stop;
	int fd;                    /* eventfd: readable while a result waits */
	int running;
};

/* Open the history at path (as store_open_group) for the thread and start it. */
int writer_start(struct writer *, const char *path, const char *group, int busy_ms);
/*
 * Join the thread (after the last result is collected; a job handed over
 * runs first) and close its store.
 */
void writer_stop(struct writer *);
/* Hand b over; -1 while another batch is in the thread's hands. */
int writer_submit(struct writer *, struct store_batch *b);
/* The written batch, its result fields filled; NULL when none is ready. */
struct store_batch *writer_result(struct writer *);
/* The same, waiting for it; NULL when nothing was handed over. */
struct store_batch *writer_wait(struct writer *);
/*
 * Run fn(thread's store, arg) on the thread, after the batch it is writing
 * if any and before the next; -1 while another job is out (not collected).
 * A batch can be handed over while the job waits or runs.
 */
int writer_job(struct writer *, void (*fn)(struct store *, void *), void *arg);
/* 1 once the job has run (collected: another can be handed over), else 0. */
int writer_job_done(struct writer *);
/* The same, waiting for it; 0 when no job is out. */
int writer_job_wait(struct writer *);
/* Readable while a result waits (poll it, then call writer_result). */
int writer_fd(const struct writer *);

#endif
