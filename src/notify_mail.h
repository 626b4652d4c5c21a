/*
 * E-mail alerts.  Alarm lines are stored as they come, gathered into one
 * digest per `maildigest` window, and queued in SQLite with the daily report;
 * a worker thread delivers the queue with libcurl, retrying with backoff, so
 * neither a slow nor an absent SMTP server ever holds the SNMP loop and no
 * message is lost while the server is down.
 */
#ifndef MTASTAT_NOTIFY_MAIL_H
#define MTASTAT_NOTIFY_MAIL_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "store.h"

struct notify_mail {
	struct mtastat_config cfg;   /* the mail settings, copied: SIGHUP frees the original */
	char *dbpath;
	char *password;
	char host[256];
	pthread_t worker;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int running, stop, kick;
	int curl_ready;
	int32_t report_day;          /* last wall-clock day a daily report was queued */
	uint64_t sent, failed;       /* by the worker */
};

/*
 * Nothing to do (and 0) when no mailserver is configured.  dbpath NULL: no
 * worker, for notify_mail_send() by hand.
 */
int notify_mail_start(struct notify_mail *, const struct mtastat_config *, const char *dbpath);
void notify_mail_stop(struct notify_mail *);
int notify_mail_enabled(const struct notify_mail *);
/* Store one alarm line (with its context lines) for the next digest. */
int notify_mail_line(struct notify_mail *, struct store *, const char *text);
/* Queue the digest when its window is over, and the daily report when due. */
void notify_mail_tick(struct notify_mail *, struct store *, int64_t newest_t);
/* Queue one message now (the worker sends it). */
int notify_mail_queue(struct notify_mail *, struct store *, const char *subject, const char *body);
/* Deliver one message synchronously: 0 sent, -1 temporary failure, -2 permanent. */
int notify_mail_send(struct notify_mail *, const char *subject, const char *body, char *err,
    size_t errlen);

/*
 * Is the daily report due at minute_of_day of today (wall clock)?  Once a
 * day, at or after report_min; a process started after the time waits for
 * tomorrow (report_day starts at -1).  Updates report_day.
 */
int notify_mail_report_due(int report_min, int32_t *report_day, int32_t today, int minute_of_day);

/* The daily report's body for day (civil day number): totals, indicators, alarms. */
char *notify_mail_report(struct store *, const struct mtastat_config *, int32_t day);

#endif
