/* Logging: stderr in the foreground, syslog otherwise, debug per subsystem. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"
#include "sanitize.h"

/* Enough for any message we compose; longer ones are cut, never overflowed. */
#define LOG_LINE_MAX 2048
/* "-D a,b,c": a handful of subsystem names is all there is. */
#define LOG_TOKENS_MAX 256

static struct {
	const char *progname;
	int to_syslog;
	int verbose;
	char debug[LOG_TOKENS_MAX]; /* ",parse,store," or ",all," */
} logger = { "mtastat", 0, 0, "" };

void
log_init(const char *progname, int to_syslog, int verbose)
{
	logger.progname = progname;
	logger.to_syslog = to_syslog;
	logger.verbose = verbose;
	if (to_syslog)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* Is every comma-separated token of tokens a known subsystem? */
static int
log_tokens_known(const char *tokens)
{
	const char *known = "," LOG_SUBSYSTEMS ",";
	const char *p = tokens, *end;
	char key[64];
	size_t n;

	for (;;) {
		end = strchr(p, ',');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		if (n == 0 || n + 3 > sizeof(key))
			return 0;
		snprintf(key, sizeof(key), ",%.*s,", (int)n, p);
		if (strstr(known, key) == NULL)
			return 0;
		if (end == NULL)
			return 1;
		p = end + 1;
	}
}

int
log_debug_enable(const char *tokens)
{
	size_t have = strlen(logger.debug);
	int n;

	if (!log_tokens_known(tokens))
		return -1;
	n = snprintf(logger.debug + have, sizeof(logger.debug) - have, "%s%s,",
	    have ? "" : ",", tokens);
	if (n < 0 || (size_t)n >= sizeof(logger.debug) - have) {
		logger.debug[have] = '\0';
		return -1;
	}
	return 0;
}

int
log_debug_enabled(const char *subsystem)
{
	char key[64];

	if (logger.debug[0] == '\0')
		return 0;
	if (strstr(logger.debug, ",all,") != NULL)
		return 1;
	snprintf(key, sizeof(key), ",%s,", subsystem);
	return strstr(logger.debug, key) != NULL;
}

void
log_vmsg(enum log_level level, const char *subsystem, const char *fmt, va_list ap)
{
	static const char *names[] = { "error", "warning", "info", "debug" };
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char line[LOG_LINE_MAX];
	char stamp[32];
	struct tm tm;
	time_t now;

	if (level == LOG_LEVEL_INFO && !logger.verbose && !logger.to_syslog)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	/* Messages quote log lines written by strangers: no escapes to a terminal. */
	sanitize_printable(line, strlen(line));
	if (logger.to_syslog) {
		syslog(prio[level], "[%s] %s", subsystem, line);
		return;
	}
	now = time(NULL);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s %s: %s [%s] %s\n", stamp, logger.progname,
	    names[level], subsystem, line);
}

void
log_msg(enum log_level level, const char *subsystem, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, subsystem, fmt, ap);
	va_end(ap);
}
