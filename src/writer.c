#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "writer.h"

/* The writer thread's nice value above the reading thread's. */
#define WRITER_NICE 5

static void *
writer_run(void *arg)
{
	struct writer *w = arg;
	struct store_batch *b;
	uint64_t one = 1, lines;
	id_t tid;
	int nice;

	/*
	 * The reading thread answers SNMP between its turns: when it and the
	 * commits want the same core, the commit waits, not the GET (Linux
	 * gives each thread its own nice value).
	 */
	tid = (id_t)syscall(SYS_gettid);
	errno = 0;
	nice = getpriority(PRIO_PROCESS, tid);
	if (errno != 0 || setpriority(PRIO_PROCESS, tid, nice + WRITER_NICE) != 0)
		log_debug("store", "writer: nice +%d: %s", WRITER_NICE, strerror(errno));
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->todo == NULL && w->job_state != WRITER_JOB_OUT && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		/* a job before a batch not yet begun: it sees what was written when it was asked */
		if (w->job_state == WRITER_JOB_OUT) {
			void (*fn)(struct store *, void *) = w->job;
			void *job_arg = w->job_arg;
			w->job_state = WRITER_JOB_RUNNING;
			pthread_mutex_unlock(&w->mu);
			fn(&w->store, job_arg);
			pthread_mutex_lock(&w->mu);
			w->job_state = WRITER_JOB_DONE;
			pthread_cond_broadcast(&w->cv);
			if (write(w->fd, &one, sizeof(one)) != sizeof(one))
				log_err("store", "writer: eventfd: %s", strerror(errno));
			continue;
		}
		if (w->todo == NULL)
			break;
		b = w->todo;
		w->todo = NULL;
		pthread_mutex_unlock(&w->mu);
		lines = b->agg.lines;
		log_debug("store", "%s: writing a batch of %llu line(s)", w->store.path,
		    (unsigned long long)lines);
		/* SQLite's own autocheckpoint runs here too, inside COMMIT */
		store_commit_batch(&w->store, b);
		log_debug("store", "%s: batch of %llu line(s) %s in %ld ms", w->store.path,
		    (unsigned long long)lines, b->rc == 0 ? "written" : "failed", b->ms);
		pthread_mutex_lock(&w->mu);
		w->done = b;
		pthread_cond_broadcast(&w->cv);
		if (write(w->fd, &one, sizeof(one)) != sizeof(one))
			log_err("store", "writer: eventfd: %s", strerror(errno));
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int
writer_start(struct writer *w, const char *path, const char *group, int busy_ms)
{
	sigset_t all, old;
	int rc;

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	if (store_open_group(&w->store, path, group) != 0)
		return -1;
	store_busy_timeout(&w->store, busy_ms);
	w->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->fd < 0) {
		log_err("store", "writer: eventfd: %s", strerror(errno));
		store_close(&w->store);
		return -1;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	/* signals are the reading thread's: the thread starts with all blocked */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, writer_run, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		log_err("store", "writer: cannot start a thread: %s", strerror(rc));
		close(w->fd);
		w->fd = -1;
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		store_close(&w->store);
		return -1;
	}
	w->running = 1;
	return 0;
}

void
writer_stop(struct writer *w)
{
	if (!w->running)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	close(w->fd);
	store_close(&w->store);
	w->running = 0;
	w->fd = -1;
}

int
writer_submit(struct writer *w, struct store_batch *b)
{
	pthread_mutex_lock(&w->mu);
	if (w->busy) {
		pthread_mutex_unlock(&w->mu);
		return -1;
	}
	w->busy = 1;
	w->todo = b;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

/*
 * Under the lock, after a result was collected: the eventfd read empty,
 * and readable again if the other result (a batch's, a job's) still waits.
 */
static void
writer_rearm(struct writer *w)
{
	uint64_t n, one = 1;

	while (read(w->fd, &n, sizeof(n)) > 0)
		;
	if ((w->done != NULL || w->job_state == WRITER_JOB_DONE) &&
	    write(w->fd, &one, sizeof(one)) != sizeof(one))
		log_err("store", "writer: eventfd: %s", strerror(errno));
}

/* Under the lock: the result, handed back once. */
static struct store_batch *
writer_take(struct writer *w)
{
	struct store_batch *b = w->done;

	if (b == NULL)
		return NULL;
	w->done = NULL;
	w->busy = 0;
	writer_rearm(w);
	return b;
}

struct store_batch *
writer_result(struct writer *w)
{
	struct store_batch *b;

	pthread_mutex_lock(&w->mu);
	b = writer_take(w);
	pthread_mutex_unlock(&w->mu);
	return b;
}

struct store_batch *
writer_wait(struct writer *w)
{
	struct store_batch *b;

	pthread_mutex_lock(&w->mu);
	while (w->busy && w->done == NULL)
		pthread_cond_wait(&w->cv, &w->mu);
	b = writer_take(w);
	pthread_mutex_unlock(&w->mu);
	return b;
}

int
writer_job(struct writer *w, void (*fn)(struct store *, void *), void *arg)
{
	pthread_mutex_lock(&w->mu);
	if (w->job_state != WRITER_JOB_NONE) {
		pthread_mutex_unlock(&w->mu);
		return -1;
	}
	w->job = fn;
	w->job_arg = arg;
	w->job_state = WRITER_JOB_OUT;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

/* Under the lock: the job's end, collected once. */
static int
writer_job_take(struct writer *w)
{
	if (w->job_state != WRITER_JOB_DONE)
		return 0;
	w->job_state = WRITER_JOB_NONE;
	w->job = NULL;
	w->job_arg = NULL;
	writer_rearm(w);
	return 1;
}

int
writer_job_done(struct writer *w)
{
	int done;

	pthread_mutex_lock(&w->mu);
	done = writer_job_take(w);
	pthread_mutex_unlock(&w->mu);
	return done;
}

int
writer_job_wait(struct writer *w)
{
	int done;

	pthread_mutex_lock(&w->mu);
	while (w->job_state == WRITER_JOB_OUT || w->job_state == WRITER_JOB_RUNNING)
		pthread_cond_wait(&w->cv, &w->mu);
	done = writer_job_take(w);
	pthread_mutex_unlock(&w->mu);
	return done;
}

int
writer_fd(const struct writer *w)
{
	return w->fd;
}
