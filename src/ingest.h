/*
 * The ingestion pipeline shared by `mtastat import` and mtastatd:
 * line -> syslog header -> MTA parser -> correlator -> aggregate -> store.
 */
#ifndef MTASTAT_INGEST_H
#define MTASTAT_INGEST_H

#include <stdint.h>
#include <time.h>

#include "aggregate.h"
#include "conf.h"
#include "correlate.h"
#include "store.h"
#include "syslog_header.h"

/* Distinct program names tracked for "unparsed per program"; the rest pool. */
#define INGEST_PROGRAMS_MAX 256
#define INGEST_PROGRAM_NAME_MAX 64

struct program_count {
	char name[INGEST_PROGRAM_NAME_MAX + 1];
	uint64_t lines;
};

/*
 * Logs whose parser keeps memory between lines (IceWarp's sessions): one
 * state per series of files, saved with the positions at every commit.
 * A daemon follows a few logs, an import reads a few servers' series.
 */
#define INGEST_SERIES_MAX 64
/* A series is named by a path (a followed pattern, a directory and a prefix). */
#define INGEST_SERIES_KEY_MAX 4160

struct ingest_series {
	char key[INGEST_SERIES_KEY_MAX];
	const struct mta_parser *parser;
	void *state;
	int dirty;                 /* read since the last commit */
	struct file_pos *pos;      /* carries the saved state to store_commit */
	unsigned char *blob;
};

struct ingest {
	const struct mtastat_config *cfg;
	const struct mta_parser *parser; /* of the lines being read (ingest_set_parser) */
	const char *const *instances;   /* its program names */
	/*
	 * The parser's memory of the log being read (parser->state_open):
	 * set by the reader with ingest_set_state, else ingest's own.
	 */
	void *pstate;
	void *own_pstate;
	const struct mta_parser *own_parser;
	struct ingest_series *series[INGEST_SERIES_MAX];
	size_t nseries;
	struct ingest_series *cur_series; /* the one pstate belongs to, NULL: none */
	struct store *store;
	struct aggregate agg;
	struct correlator corr;
	uint64_t evictions_committed;
	uint64_t lines, events, unparsed;  /* this process */
	uint64_t lines_at_commit;          /* read and written */
	uint64_t lines_at_batch;           /* read and handed to a writer (ingest_batch) */
	struct timespec commit_time;
	int64_t newest_t;                  /* newest event's log time (wall clock) */
	unsigned nprograms;                /* distinct unparsed programs this batch */
	/* unparsed lines per program in this process, for the end-of-import summary */
	struct program_count programs[INGEST_PROGRAMS_MAX + 1];
	unsigned nrun_programs, last_program;
	/* the correlator's recent sessions, saved with the positions when they changed */
	struct file_pos *recent_pos;
	unsigned char recent_blob[CORR_RECENT_BYTES];
};

int ingest_init(struct ingest *, const struct mtastat_config *, struct store *);
void ingest_free(struct ingest *);
/*
 * For the whole process, called once by a main that ingests (mtastat
 * import, mtastatd): blocks of 128 KiB and more from mmap, given back when
 * freed.  glibc raises that threshold to the largest block freed, so the
 * aggregate's and the batches' tables of a few MiB, grown and freed batch
 * after batch, stayed on the heap in pieces (10M lines: 31.2 -> 26.6 MiB).
 */
void ingest_malloc_tune(void);
/* The MTA whose log the next lines come from (postfix after ingest_init). */
void ingest_set_parser(struct ingest *, const struct mta_parser *);
/* The parser state of the log the next lines come from (NULL: ingest's own). */
void ingest_set_state(struct ingest *, void *state);
/*
 * The next lines belong to the series named key: its state (made, and
 * loaded from the store, on first use) is used and saved at each commit.
 * Nothing for a parser without state.  -1 on error (too many series, memory).
 */
int ingest_use_series(struct ingest *, const char *key);
/* Process one line; -1 only on out-of-memory. */
int ingest_line(struct ingest *, struct syslog_clock *, const char *line, size_t len);
/* Commit everything so far with the read positions that produced it. */
int ingest_commit(struct ingest *, struct file_pos *const *pos, size_t npos);
/*
 * Hand everything read so far to b (an emptied batch), with the read
 * positions that produced it, for another thread to write
 * (store_commit_batch): the aggregate is swapped, the queue's changes
 * copied and marked clean.  Batches must be written in the order they were
 * cut; a failed one is written again before the next.  -1 on ENOMEM (the
 * reader's state is then unchanged only if nothing was taken: stop).
 */
int ingest_batch(struct ingest *, struct store_batch *b, struct file_pos *const *pos, size_t npos);
/* b, cut by ingest_batch, is written: its lines count as committed. */
void ingest_batch_done(struct ingest *, const struct store_batch *b);
/* Is a commit due (commitlines / commitms)? */
int ingest_commit_due(struct ingest *);

#endif
