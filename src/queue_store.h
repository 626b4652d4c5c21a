/*
 * The queue's time series in the history (table queue_sample, schema v7).
 * The daemon hands each sample to a writer thread with its own connection,
 * so neither the insert nor the daily compaction ever holds the SNMP loop;
 * samples wait in a bounded ring while the database is locked or full.
 */
#ifndef MTASTAT_QUEUE_STORE_H
#define MTASTAT_QUEUE_STORE_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>

#include "queue.h"
#include "store.h"

/* Samples kept while they cannot be written: two days at the default minute. */
#define QUEUE_STORE_PENDING 2880
/* Raw samples older than this are compacted into hourly maxima. */
#define QUEUE_STORE_RAW_SECONDS 86400
/* One compacted row per this many seconds. */
#define QUEUE_STORE_COMPACT_SPAN 3600

struct queue_row {
	struct queue_sample s;
	int32_t day;             /* civil day of the sample's local time: the report's days */
	int32_t span;            /* seconds the sample stands for: the interval */
	uint64_t seq;
};

struct queue_store {
	char *path;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int running, stop;
	struct queue_row *ring;  /* oldest at head */
	size_t head, n;
	uint64_t next_seq;
	uint64_t dropped, written; /* by the producer, by the writer */
	int failing;             /* the last write failed (logged once) */
};

/* Start the writer for the history at path (already made by store_open). */
int queue_store_start(struct queue_store *, const char *path);
/* Hand a sample over; never blocks on the database.  The oldest waiting is dropped when full. */
void queue_store_put(struct queue_store *, const struct queue_sample *, int32_t day, int32_t span);
/* Write what waits (a last try), stop the writer. */
void queue_store_stop(struct queue_store *);

/* Synchronous, on a connection of the caller (the writer, tests). */
int queue_store_write(sqlite3 *, const struct queue_row *, size_t n);
/* Raw samples of whole hours older than QUEUE_STORE_RAW_SECONDS before now into hourly maxima. */
int queue_store_compact(sqlite3 *, int64_t now);

#endif
