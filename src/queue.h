/*
 * The MTA's queue, sampled: messages and bytes per queue and the age of the
 * oldest message, read from the output of the MTA's own tool (Postfix
 * `postqueue -j`, Exim `exim -bpc`, a `find` over IceWarp's queue folder)
 * run as a child process.  Here: the configuration and the alarm rule
 * (queue.c) and the output formats, fed in pieces as a pipe delivers them,
 * in bounded memory however long the output (queue_parse.c); queue_run.c
 * runs the child, queue_store.c keeps the time series.
 */
#ifndef MTASTAT_QUEUE_H
#define MTASTAT_QUEUE_H

#include <stddef.h>
#include <stdint.h>

/* queueinterval's default: a minute, as the issue asks. */
#define QUEUE_DEFAULT_INTERVAL 60
/* A sample that takes longer is killed: postqueue of ~100,000 messages takes a few seconds. */
#define QUEUE_DEFAULT_TIMEOUT 30
#define QUEUE_DEFAULT_POSTQUEUE "/usr/sbin/postqueue"
#define QUEUE_DEFAULT_EXIM "/usr/sbin/exim"
#define QUEUE_DEFAULT_FIND "/usr/bin/find"
/* JSON nesting kept track of; postqueue -j nests 3 deep (record, recipients, recipient). */
#define QUEUE_JSON_DEPTH_MAX 16
/* A key or a value we want is short ("message_size", "deferred", 19 digits). */
#define QUEUE_JSON_TOKEN_MAX 32
/* The child's first error line, for the one log line and the MIB; a DisplayString. */
#define QUEUE_ERR_MAX 200

/* Which MTA's queue: the `queue` token. */
enum queue_mta { QUEUE_NONE = 0, QUEUE_POSTFIX, QUEUE_EXIM, QUEUE_ICEWARP };

/* Postfix's queues (showq's queue_name); Exim and IceWarp give only the whole. */
enum queue_name { QN_ACTIVE, QN_DEFERRED, QN_HOLD, QN_INCOMING, QN_MAILDROP, QN_COUNT };

extern const char *const queue_names[QN_COUNT];

struct queue_config {
	int mta;                 /* enum queue_mta; QUEUE_NONE: no sampling */
	char *dir;               /* postfix: config directory (-c); icewarp: the queue folder */
	char *command;           /* the program; NULL: the MTA's default path */
	unsigned interval;       /* queueinterval, seconds */
	unsigned timeout;        /* queuetimeout, seconds; at most the interval */
	unsigned limit;          /* queuelimit: alarm above this many messages; 0 off */
	unsigned age;            /* queueage: alarm when the oldest is older (s); 0 off */
};

struct queue_sample {
	int64_t time;            /* when it was taken, seconds since 1970 */
	uint64_t msgs[QN_COUNT], bytes[QN_COUNT];
	uint64_t total, total_bytes;
	int64_t oldest;          /* arrival of the oldest message (s since 1970); 0: none */
	int split;               /* msgs[] and bytes[] are known (Postfix); else total only */
	int has_bytes;           /* bytes are known (not for exim -bpc) */
	uint64_t skipped;        /* records not understood (counted nowhere else) */
};

/* The age of the oldest message at the sample's time, 0 when empty. */
int64_t queue_oldest_age(const struct queue_sample *);

void queue_config_init(struct queue_config *);
void queue_config_free(struct queue_config *);
/*
 * Apply a queue token (queue, queuecommand, queueinterval, queuetimeout,
 * queuelimit, queueage): 0, -1 with a cause in err, 1 when not ours.
 */
int queue_config_apply(struct queue_config *, const char *token, const char *value,
    char *err, size_t errlen);
/* After the whole file: the timeout fits the interval. */
void queue_config_finish(struct queue_config *);
/* The program the sampler runs. */
const char *queue_command(const struct queue_config *);
/*
 * The child's argv into v (at least 12 slots), pointing into cfg and the
 * constants; NULL-terminated.  0, or -1 when sampling is off.
 */
int queue_argv(const struct queue_config *, const char **v, size_t nv);

/* An output parser, fed as the pipe delivers. */
struct queue_parser {
	int mta;
	struct queue_sample *s;
	int bad;                 /* the current record is broken: skip to its newline */
	int started;             /* the current record has a byte other than blanks */
	/* JSON (postqueue -j) */
	int depth;
	char stack[QUEUE_JSON_DEPTH_MAX];
	int expect;              /* what may come next at the current depth */
	int in_str, esc, hex, in_lit;
	int capture, capover;
	char cap[QUEUE_JSON_TOKEN_MAX];
	size_t caplen;
	int key;                 /* the wanted key whose value is next, -1: none */
	int done;                /* the record's object is closed */
	int qn;                  /* its queue, -1 unknown */
	int64_t arrival, size;
	int have_arrival, have_size;
	/* exim -bpc; find -printf '%s %T@\n' */
	uint64_t num[2];
	int field, digits, frac;
	uint64_t lines;
	char err[QUEUE_ERR_MAX];
};

void queue_parser_init(struct queue_parser *, int mta, struct queue_sample *);
/* Feed len bytes; 0, or -1 when the output cannot be the tool's (err says why). */
int queue_parser_feed(struct queue_parser *, const char *buf, size_t len);
/* The output ended: 0 and the sample complete, or -1 (err says why). */
int queue_parser_end(struct queue_parser *);

/* The state of one alarm rule (queuelimit, queueage) between samples. */
struct queue_alarm {
	int raised;
	int64_t normal_since;    /* raised and back under the limit since; 0: not */
};

enum queue_rule { QR_LIMIT, QR_AGE, QR_COUNT };

extern const char *const queue_rule_names[QR_COUNT];

/*
 * Judge rule r on a sample at time now: 1 raised now, -1 cleared now (after
 * holddown seconds back under the limit), 0 no change.
 */
int queue_judge(const struct queue_config *, unsigned holddown, enum queue_rule r,
    const struct queue_sample *, int64_t now, struct queue_alarm *);
/* The value rule r looks at, and its limit. */
uint64_t queue_rule_value(enum queue_rule, const struct queue_sample *);
unsigned queue_rule_limit(const struct queue_config *, enum queue_rule);

#endif
