/*
 * Counts produced since the last commit: per hour, and per (kind, day, name)
 * for accounts, recipient domains, senders and recipients.  The store adds
 * them to the history and the aggregate is emptied; values are deltas and
 * may be negative (a content-filter re-injection retracts a receipt).
 */
#ifndef MTASTAT_AGGREGATE_H
#define MTASTAT_AGGREGATE_H

#include <stddef.h>
#include <stdint.h>

#include "delayhist.h"
#include "strview.h"

enum counter {
	C_RECEIVED,
	C_DELIVERED,
	C_RELAYED,
	C_DEFERRED,
	C_DEFERRALS,
	C_BOUNCED,
	C_EXPIRED,
	C_REJECTED,
	C_AUTH_FAILED,
	C_NOTIFICATIONS,
	C_BYTES_RECEIVED,
	C_BYTES_DELIVERED,
	C_COUNT
};

/* JSON keys and SQL column names, in enum order. */
extern const char *const counter_names[C_COUNT];

enum agg_kind {
	AGG_ACCOUNT,   /* v0 relayed recipients, v1 relayed messages */
	/* top-K lists (topk.h): whole lists of a day, values set, not added */
	AGG_DOMAIN,    /* v0 delivered recipients, v1 relayed recipients */
	AGG_SENDER,    /* v0 received messages, v1 bytes */
	AGG_RCPT,      /* v0 delivered, v1 relayed */
	AGG_UNPARSED,  /* day 0; v0 unparsed lines of a program */
	AGG_ACCOUNT_DOMAIN, /* "account\001domain"; v0 relayed recipients */
	/* per-day diagnostics by name (sessions_incomplete_quit, ipblock_r, ...); v0 count */
	AGG_DAY_COUNTER,
	/* SMTP replies: agg_reply_key() names; v0 count, note: the first example text */
	AGG_REPLY,
	AGG_KINDS
};

struct agg_hour {
	int32_t day;
	int hour;
	int64_t c[C_COUNT];
};

struct agg_entry {
	uint64_t hash;
	char *name;      /* in the arena, NUL-terminated */
	uint16_t len;
	uint8_t kind;
	uint8_t used;
	int32_t day;
	int64_t v[2];
	char *note;      /* AGG_REPLY: the example text (arena), NULL: none */
	uint16_t note_len;
};

/*
 * Mail-flow health per hour (issue 14): sessions and delivery delays.
 * H_PLAIN_OUT is counted where a line says so (Exim, IceWarp); Postfix's
 * smtp client only says when TLS was used, so it counts H_SESSIONS_OUT and
 * the plaintext share is derived (health.c, docs/counting.md).
 */
enum health_counter {
	H_BROKEN,        /* sessions that ended without a message (any cause) */
	H_TLS_IN,        /* client sessions with TLS */
	H_PLAIN_IN,      /* client sessions without */
	H_TLS_OUT,       /* our sessions to servers with TLS */
	H_PLAIN_OUT,     /* ... without */
	H_SESSIONS_OUT,  /* our sessions whose TLS outcome the line did not say */
	H_DELAYS,        /* delivered recipients with a delay */
	H_DELAY_SUM,     /* their delays, ms (for the mean) */
	H_COUNT
};

/* Column names, in enum order. */
extern const char *const health_names[H_COUNT];

struct agg_health {
	int32_t day;
	int hour;
	int64_t c[H_COUNT];
	uint32_t delay_max;             /* ms */
	uint32_t n[DELAY_BUCKETS];      /* delays by delayhist bucket */
};

/* The longest example reply text kept (sanitised downstream). */
#define AGG_NOTE_MAX 160

struct arena_chunk;

struct aggregate {
	struct agg_hour *hours;
	size_t nhours, hours_cap;
	struct agg_entry *keyed;
	size_t nkeyed, keyed_cap;  /* open addressing, cap a power of two */
	struct arena_chunk *arena;
	uint64_t lines, unparsed;  /* lines read / not recognised since the last flush */
	int64_t newest_t;          /* newest event's log time in this batch, 0: none */
	size_t last_hour;          /* index of the last hour touched: lines come in order */
	struct agg_health *health; /* hours with health counts, in no order */
	size_t nhealth, health_cap;
};

/* Longest name kept (an RFC 5321 path is at most 256 octets). */
#define AGG_NAME_MAX 256

void aggregate_init(struct aggregate *);
void aggregate_reset(struct aggregate *);  /* empty, keep memory */
void aggregate_free(struct aggregate *);
int aggregate_add(struct aggregate *, int32_t day, int hour, enum counter, int64_t delta);
/* Names are lower-cased for domains, kept as-is otherwise, cut at AGG_NAME_MAX. */
int aggregate_keyed(struct aggregate *, enum agg_kind, int32_t day, struct strview name,
    int64_t v0, int64_t v1);
int aggregate_empty(const struct aggregate *);
/* The same, keeping note (cut at AGG_NOTE_MAX) with an entry it creates. */
int aggregate_keyed_note(struct aggregate *, enum agg_kind, int32_t day, struct strview name,
    int64_t v0, int64_t v1, struct strview note);
/* Health counts of an hour; a delay (ms) of a delivered recipient. */
int aggregate_health(struct aggregate *, int32_t day, int hour, enum health_counter, int64_t n);
int aggregate_delay(struct aggregate *, int32_t day, int hour, uint32_t ms);
/*
 * A reply's key: direction ('i'n, 'o'ut), the three digits of the code and
 * the enhanced code, "i5505.1.1"; buf holds AGG_REPLY_KEY_MAX.  Its length.
 */
#define AGG_REPLY_KEY_MAX 16
size_t agg_reply_key(char *buf, int dir_in, unsigned code, struct strview enh);
/* The same, setting the values instead of adding to them (a row of a top-K list). */
int aggregate_set(struct aggregate *, enum agg_kind, int32_t day, struct strview name,
    int64_t v0, int64_t v1);

/* Totals since the history began: what the MIB's Counter64 scalars show. */
struct totals {
	int64_t c[C_COUNT];
	int64_t lines, unparsed;
};

/* Add the aggregate's pending deltas to t (before the aggregate is committed). */
void aggregate_sum_into(const struct aggregate *, struct totals *t);

#endif
