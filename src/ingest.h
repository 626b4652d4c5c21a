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

struct ingest {
	const struct mtastat_config *cfg;
	const struct mta_parser *parser; /* of the lines being read (ingest_set_parser) */
	const char *const *instances;   /* its program names */
	struct store *store;
	struct aggregate agg;
	struct correlator corr;
	uint64_t evictions_committed;
	uint64_t lines, events, unparsed;  /* this process */
	uint64_t lines_at_commit;
	struct timespec commit_time;
	int64_t newest_t;                  /* newest event's log time (wall clock) */
	unsigned nprograms;                /* distinct unparsed programs this batch */
	/* unparsed lines per program in this process, for the end-of-import summary */
	struct program_count programs[INGEST_PROGRAMS_MAX + 1];
	unsigned nrun_programs, last_program;
};

int ingest_init(struct ingest *, const struct mtastat_config *, struct store *);
void ingest_free(struct ingest *);
/* The MTA whose log the next lines come from (postfix after ingest_init). */
void ingest_set_parser(struct ingest *, const struct mta_parser *);
/* Process one line; -1 only on out-of-memory. */
int ingest_line(struct ingest *, struct syslog_clock *, const char *line, size_t len);
/* Commit everything so far with the read positions that produced it. */
int ingest_commit(struct ingest *, struct file_pos *const *pos, size_t npos);
/* Is a commit due (commitlines / commitms)? */
int ingest_commit_due(struct ingest *);

#endif
