/* The installed MTA's version (mta_version.h). */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mta_version.h"

/* Output read: the version is in the first line of either tool. */
#define MTA_VERSION_READ_MAX 512
#define MTA_POSTCONF "/usr/sbin/postconf"
#define MTA_EXIM "/usr/sbin/exim"

/* In the child, between fork and exec: async-signal-safe calls only. */
static void
child(int out, const char *const *argv)
{
	int devnull = open("/dev/null", O_RDWR);

	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(devnull, 2) < 0)
		_exit(127);
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

static long
elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)((t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

/* Read the child's output until EOF, the buffer is full or the time is out; its length. */
static size_t
read_output(int fd, char *buf, size_t size, const struct timespec *t0)
{
	struct pollfd p = { fd, POLLIN, 0 };
	size_t len = 0;
	ssize_t n;
	long left;

	while (len + 1 < size && (left = MTA_VERSION_TIMEOUT_MS - elapsed_ms(t0)) > 0) {
		if (poll(&p, 1, (int)left) <= 0)
			break;
		n = read(fd, buf + len, size - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return len;
}

/* The first word starting with a digit, of version characters only. */
static int
version_word(const char *s, char *out, size_t outlen)
{
	size_t n = 0;

	while (*s != '\0' && *s != '\n' && !(*s >= '0' && *s <= '9'))
		s++;
	while (n + 1 < outlen && ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
	    (*s >= 'A' && *s <= 'Z') || *s == '.' || *s == '+' || *s == '_' || *s == '-'))
		out[n++] = *s++;
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

/* Wait for the child within the timeout, else kill it: 0 when it exited by itself. */
static int
reap(pid_t pid, int *status, const struct timespec *t0)
{
	struct timespec nap = { 0, 5 * 1000000 };

	while (waitpid(pid, status, WNOHANG) == 0) {
		if (elapsed_ms(t0) > MTA_VERSION_TIMEOUT_MS) {
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			return -1;
		}
		nanosleep(&nap, NULL);
	}
	return 0;
}

int
mta_version_run(const char *const *argv, char *out, size_t outlen)
{
	char buf[MTA_VERSION_READ_MAX];
	int fds[2], status = 0;
	struct timespec t0;
	pid_t pid;

	out[0] = '\0';
	if (argv[0] == NULL || argv[0][0] != '/' || access(argv[0], X_OK) != 0 ||
	    pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid == 0)
		child(fds[1], argv);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return -1;
	}
	read_output(fds[0], buf, sizeof(buf), &t0);
	close(fds[0]);
	if (reap(pid, &status, &t0) != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return version_word(buf, out, outlen);
}

int
mta_version(const char *mta, const char *confdir, char *out, size_t outlen)
{
	/* options before the parameter name: postconf reads none after it */
	const char *postconf[] = { MTA_POSTCONF, "-h", "mail_version", NULL };
	const char *postconf_c[] = { MTA_POSTCONF, "-c", confdir, "-h", "mail_version", NULL };
	const char *exim[] = { MTA_EXIM, "-bV", NULL };

	out[0] = '\0';
	if (strcmp(mta, "postfix") == 0)
		return mta_version_run(confdir != NULL ? postconf_c : postconf, out, outlen);
	if (strcmp(mta, "exim") == 0)
		return mta_version_run(exim, out, outlen);
	return -1;
}
