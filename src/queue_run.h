/*
 * One queue sample as a child process: its stdout goes to the parser, its
 * first stderr line is kept for the log.  The caller's loop watches the two
 * descriptors (non-blocking) and calls queue_run_read when they are
 * readable, queue_run_reap once both are closed, and queue_run_kill when
 * the timeout passes: nothing here ever waits.
 */
#ifndef MTASTAT_QUEUE_RUN_H
#define MTASTAT_QUEUE_RUN_H

#include <sys/types.h>
#include <time.h>

#include "queue.h"

/* Outcome of a sample: the values of mtastatQueueSamplerStatus beyond disabled/waiting. */
enum queue_outcome { QO_RUNNING = 0, QO_OK, QO_FAILED, QO_TIMEOUT };

struct queue_run {
	pid_t pid;               /* 0: none running */
	int out_fd, err_fd;      /* -1 once closed */
	struct queue_sample sample;
	struct queue_parser parser;
	char err[QUEUE_ERR_MAX]; /* the child's stderr, first line */
	size_t errlen;
	int err_done;            /* the first line is complete */
	int status;              /* waitpid's */
	int parse_failed;
	struct timespec started; /* monotonic, for how long a sample takes */
};

/*
 * Start the sampler's child at time now (seconds since 1970): 0, or -1 with
 * why (the program cannot be run).  The child runs in its own process group
 * with no descriptor of ours but its stdout and stderr pipes.
 */
int queue_run_start(struct queue_run *, const struct queue_config *, int64_t now,
    char *why, size_t whylen);
/*
 * fd is readable: read one slice.  1 when that descriptor reached its end
 * (it is closed), 0 when bytes were read, -1 when nothing is there yet.
 */
int queue_run_read(struct queue_run *, int fd);
/* Both descriptors ended: 1 when the child is reaped (the outcome is ready), 0 not yet. */
int queue_run_reap(struct queue_run *);
/* The outcome: QO_OK with the sample, or QO_FAILED with why ("exit 1: postqueue: fatal: ..."). */
enum queue_outcome queue_run_outcome(struct queue_run *, char *why, size_t whylen);
/* Kill the child's process group and reap it (a timeout, a stop): frees the run. */
void queue_run_kill(struct queue_run *);
/* Milliseconds since the child started. */
long queue_run_elapsed_ms(const struct queue_run *);
/* Close the descriptors of a finished run. */
void queue_run_close(struct queue_run *);

#endif
