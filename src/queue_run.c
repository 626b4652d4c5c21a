/* The queue sampler's child process. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "queue_run.h"
#include "sanitize.h"

/* Bytes read per readable event: a slice, so the loop turns between two. */
#define QUEUE_READ_SLICE 65536
/* The child's argv. */
#define QUEUE_ARGV_SLOTS 12
/* Descriptors above stderr closed in the child when close_range is missing. */
#define QUEUE_CLOSE_FALLBACK 4096

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* In the child, between fork and exec: async-signal-safe calls only. */
static void
child(int out, int err, const char *const *argv)
{
	int devnull = open("/dev/null", O_RDONLY);
	long fd, max;
	sigset_t none;

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(127);
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3, ~0U, 0) == 0)
		max = 0;
	else
#endif
		max = QUEUE_CLOSE_FALLBACK;
	for (fd = 3; fd < max; fd++)
		close((int)fd);
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

int
queue_run_start(struct queue_run *r, const struct queue_config *c, int64_t now,
    char *why, size_t whylen)
{
	const char *argv[QUEUE_ARGV_SLOTS];
	int out[2] = { -1, -1 }, err[2] = { -1, -1 };
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->out_fd = r->err_fd = -1;
	if (queue_argv(c, argv, QUEUE_ARGV_SLOTS) != 0) {
		snprintf(why, whylen, "queue sampling is off");
		return -1;
	}
	if (access(argv[0], X_OK) != 0) {
		snprintf(why, whylen, "%s: %s", argv[0], strerror(errno));
		return -1;
	}
	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0)
		child(out[1], err[1], argv);
	setpgid(pid, pid); /* also here: the kill must find the group whoever runs first */
	close(out[1]);
	close(err[1]);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(err[0], F_SETFL, O_NONBLOCK);
	r->pid = pid;
	r->out_fd = out[0];
	r->err_fd = err[0];
	r->sample.time = now;
	clock_gettime(CLOCK_MONOTONIC, &r->started);
	queue_parser_init(&r->parser, c->mta, &r->sample);
	return 0;
fail:
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&err[0]);
	close_fd(&err[1]);
	return -1;
}

/* Keep the first line of stderr, printable; the rest is read and dropped. */
static void
keep_err(struct queue_run *r, const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n && r->errlen + 1 < sizeof(r->err); i++) {
		if (buf[i] == '\n') {
			if (r->errlen > 0) {
				r->err_done = 1;
				return;
			}
			continue;
		}
		r->err[r->errlen++] = buf[i];
	}
}

int
queue_run_read(struct queue_run *r, int fd)
{
	char buf[QUEUE_READ_SLICE];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return -1;
	if (n <= 0) {
		if (fd == r->out_fd)
			close_fd(&r->out_fd);
		else if (fd == r->err_fd)
			close_fd(&r->err_fd);
		return 1;
	}
	if (fd == r->out_fd) {
		/* a broken output is still read to its end, so the child is not stuck writing */
		if (!r->parse_failed && queue_parser_feed(&r->parser, buf, (size_t)n) != 0)
			r->parse_failed = 1;
	} else if (!r->err_done) {
		keep_err(r, buf, (size_t)n);
	}
	return 0;
}

int
queue_run_reap(struct queue_run *r)
{
	pid_t got;

	if (r->pid == 0)
		return 1;
	do
		got = waitpid(r->pid, &r->status, WNOHANG);
	while (got < 0 && errno == EINTR);
	if (got == 0)
		return 0;
	if (got < 0)
		r->status = -1;
	r->pid = 0;
	return 1;
}

enum queue_outcome
queue_run_outcome(struct queue_run *r, char *why, size_t whylen)
{
	char err[QUEUE_ERR_MAX];
	sanitize_copy(err, sizeof(err), r->err, r->errlen);
	if (r->status == -1) {
		snprintf(why, whylen, "lost the child");
		return QO_FAILED;
	}
	if (WIFSIGNALED(r->status)) {
		snprintf(why, whylen, "killed by signal %d%s%s", WTERMSIG(r->status), err[0] ? ": " : "",
		    err);
		return QO_FAILED;
	}
	if (WEXITSTATUS(r->status) != 0) {
		snprintf(why, whylen, "exit %d%s%s", WEXITSTATUS(r->status), err[0] ? ": " : "",
		    WEXITSTATUS(r->status) == 127 && !err[0] ? "cannot run" : err);
		return QO_FAILED;
	}
	if (r->parse_failed || queue_parser_end(&r->parser) != 0) {
		snprintf(why, whylen, "output not understood: %s", r->parser.err);
		return QO_FAILED;
	}
	why[0] = '\0';
	return QO_OK;
}

void
queue_run_close(struct queue_run *r)
{
	close_fd(&r->out_fd);
	close_fd(&r->err_fd);
}

void
queue_run_kill(struct queue_run *r)
{
	queue_run_close(r);
	if (r->pid > 0) {
		kill(-r->pid, SIGKILL);
		kill(r->pid, SIGKILL);
		while (waitpid(r->pid, &r->status, 0) < 0 && errno == EINTR)
			;
		r->pid = 0;
	}
}

long
queue_run_elapsed_ms(const struct queue_run *r)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)((now.tv_sec - r->started.tv_sec) * 1000 +
	    (now.tv_nsec - r->started.tv_nsec) / 1000000);
}
