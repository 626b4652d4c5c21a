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

struct writer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct store store;        /* the thread's own connection */
	struct store_batch *todo;  /* handed over, not yet taken by the thread */
	struct store_batch *done;  /* written (or failed), not yet collected */
	int busy;                  /* a batch is handed over and not collected */
	int stop;
	int fd;                    /* eventfd: readable while a result waits */
	int running;
};

/* Open the history at path (as store_open_group) for the thread and start it. */
int writer_start(struct writer *, const char *path, const char *group, int busy_ms);
/* Join the thread (after the last result is collected) and close its store. */
void writer_stop(struct writer *);
/* Hand b over; -1 while another batch is in the thread's hands. */
int writer_submit(struct writer *, struct store_batch *b);
/* The written batch, its result fields filled; NULL when none is ready. */
struct store_batch *writer_result(struct writer *);
/* The same, waiting for it; NULL when nothing was handed over. */
struct store_batch *writer_wait(struct writer *);
/* Readable while a result waits (poll it, then call writer_result). */
int writer_fd(const struct writer *);

#endif
