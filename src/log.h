/* One logging API for the core, the command and the daemon. */
#ifndef MTASTAT_LOG_H
#define MTASTAT_LOG_H

#include <stdarg.h>

enum log_level { LOG_LEVEL_ERR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/*
 * The subsystem tokens of every log call, for -D and MTASTAT_DEBUG: a new
 * token must be added here, or asking for its debug output is refused.
 */
#define LOG_SUBSYSTEMS "all,config,correlate,detect,follow,import,ingest,mail,main,model," \
	"netsnmp,parse,queue,report,snmp,stats,store,trap,watch"

/* to_syslog=0 writes to stderr; tokens is "-D" style: "parse,store" or "all". */
void log_init(const char *progname, int to_syslog, int verbose);
/* -1 when a token is not in LOG_SUBSYSTEMS (or too many): nothing is enabled then. */
int log_debug_enable(const char *tokens);
int log_debug_enabled(const char *subsystem);

void log_msg(enum log_level, const char *subsystem, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_vmsg(enum log_level, const char *subsystem, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#define log_err(sub, ...) log_msg(LOG_LEVEL_ERR, sub, __VA_ARGS__)
#define log_warn(sub, ...) log_msg(LOG_LEVEL_WARN, sub, __VA_ARGS__)
#define log_info(sub, ...) log_msg(LOG_LEVEL_INFO, sub, __VA_ARGS__)
#define log_debug(sub, ...)                                   \
	do {                                                  \
		if (log_debug_enabled(sub))                   \
			log_msg(LOG_LEVEL_DEBUG, sub, __VA_ARGS__); \
	} while (0)

#endif
