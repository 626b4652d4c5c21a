#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "writer.h"

static void *
writer_run(void *arg)
{
	struct writer *w = arg;
	struct store_batch *b;
	uint64_t one = 1, lines;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->todo == NULL && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
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

/* Under the lock: the result, handed back once. */
static struct store_batch *
writer_take(struct writer *w)
{
	struct store_batch *b = w->done;
	uint64_t n;

	if (b == NULL)
		return NULL;
	w->done = NULL;
	w->busy = 0;
	while (read(w->fd, &n, sizeof(n)) > 0)
		;
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
writer_fd(const struct writer *w)
{
	return w->fd;
}
