/*
 * Mail-flow health read back from the history (issue 14): SMTP replies by
 * direction and code, broken sessions by cause, TLS, delivery delay
 * quantiles.  For `mtastat report`, the indicators and the agent's MIB
 * (which loads a snapshot after each commit and answers from memory).
 * docs/counting.md says what each count means per MTA.
 */
#ifndef MTASTAT_HEALTH_H
#define MTASTAT_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "aggregate.h"
#include "store.h"

/* "sessions_incomplete_" + a cause word (correlate.c bounds it at 24) */
#define HEALTH_CAUSE_MAX 48
/* "5.1.1", at most "5.123.123" */
#define HEALTH_ENH_MAX 12

struct health_tls {
	int64_t in_tls, in_plain;    /* client sessions with / without TLS */
	int64_t out_tls, out_plain;  /* our sessions to servers; out_plain derived (below) */
};

struct health_delay {
	int64_t n;                   /* delivered recipients with a delay */
	uint32_t p50, p95, p99, max; /* ms; quantiles within 3.125 % (delayhist.h) */
	uint32_t mean;               /* ms */
};

/* One range of days (a day: from = to). */
struct health_sum {
	int64_t broken;              /* broken sessions, every cause */
	struct health_tls tls;
	struct health_delay delay;
};

struct health_reply {
	int dir;                     /* enum mta_dir: MTA_DIR_IN 1 or MTA_DIR_OUT 2 */
	unsigned code;               /* 200..599 */
	char enh[HEALTH_ENH_MAX];    /* "" when the reply had none */
	int64_t today, yesterday;
	char example[AGG_NOTE_MAX + 1]; /* printable ASCII, the first of today (else yesterday) */
};

struct health_cause {
	char cause[HEALTH_CAUSE_MAX]; /* the word after sessions_incomplete_: "lost_after_rcpt" */
	int64_t today, yesterday;
};

/*
 * What the MIB shows: today (the newest event's day) and yesterday.
 * Replies sorted by (dir, code, enh), causes by name: stable indices.
 */
struct health_snapshot {
	int32_t today;
	struct health_sum day[2];    /* [0] today, [1] yesterday */
	struct health_reply *replies;
	size_t nreplies;
	struct health_cause *causes;
	size_t ncauses;
};

/* Sums of [from, to]; 0, or -1 on a database error (logged). */
int health_sum(struct store *, int32_t from, int32_t to, struct health_sum *);
/* The same without the delay quantiles (no histogram read): cheap over a long range. */
int health_sum_sessions(struct store *, int32_t from, int32_t to, struct health_sum *);

/* The snapshot for day today (and the day before); 0 or -1.  health_free() it. */
int health_load(struct store *, int32_t today, struct health_snapshot *);
void health_free(struct health_snapshot *);

/*
 * Replies of the days [from, to] summed by (dir, code, enh), the sum in
 * .today (no example): the MTA-MIB's error counts since the history began.
 * *out is malloc'd (NULL when there is none); 0, or -1 on a database error.
 */
int health_reply_totals(struct store *, int32_t from, int32_t to, struct health_reply **out,
    size_t *n);

/*
 * Plaintext share of the sessions of a sum, in percent (0..100), or -1
 * when there was no session: SMTP_TLS_PLAIN_SHARE.
 */
int health_plain_share(const struct health_tls *);

/* "in" or "out" */
const char *health_dir_name(int dir);

#endif
