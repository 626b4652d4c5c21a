/* The syslog envelope of a log line: when, which host, which program. */
#ifndef MTASTAT_SYSLOG_HEADER_H
#define MTASTAT_SYSLOG_HEADER_H

#include <stdint.h>
#include <time.h>

#include "strview.h"

/*
 * Times are the log's own wall clock: a line written at 01:30 local time
 * counts in hour 1 of its day whatever the offset or the DST rule.  t is that
 * wall clock read as if it were UTC, so it orders lines and measures spans
 * without a time zone database.
 */
struct log_time {
	int64_t t;    /* wall-clock seconds since 1970-01-01 00:00 */
	int32_t day;  /* civil day number (see civil.h) */
	int hour;     /* 0..23 */
};

struct log_header {
	struct log_time when;
	struct strview host;
	struct strview program; /* "postfix/submission/smtpd" */
	struct strview service; /* last component: "smtpd" */
	struct strview msg;     /* after "prog[pid]: " */
	long pid;               /* -1 when absent */
};

/*
 * BSD syslog carries no year.  The clock supplies it: from --year or the
 * file's mtime, and counts a Dec -> Jan step as a new year.  It also caches
 * the last timestamp, which repeats for runs of lines.
 */
struct syslog_clock {
	int year;          /* year of the current BSD line */
	int ref_month;     /* month of the file's mtime when year came from it, else 0 */
	int last_month;    /* 0 before the first BSD line */
	char cache_key[32];
	size_t cache_len;
	struct log_time cache;
	/*
	 * The date of the file being read when its name holds one (IceWarp's
	 * sYYYYMMDD.log, whose lines carry only hh:mm:ss); has_name_day 0: none.
	 */
	int32_t name_day;
	int has_name_day;
};

void syslog_clock_init(struct syslog_clock *, int year);
/* Year (and reference month) from a file modification time. */
void syslog_clock_init_mtime(struct syslog_clock *, time_t mtime);

/*
 * "YYYY-MM-DD hh:mm:ss[.frac]" ('T' or ' ' between) at p, through the
 * clock's one-entry cache; an offset right after it ("Z", "+hh:mm") is
 * read too.  Bytes used, or -1.  For MTAs that write their own stamps.
 */
int syslog_iso_time(struct syslog_clock *, const char *p, const char *end, struct log_time *);

/* 0 on success, -1 when the line has no recognisable header. */
int syslog_parse(struct syslog_clock *, const char *line, size_t len, struct log_header *);

#endif
