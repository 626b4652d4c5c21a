/*
 * Following a live log like `tail -F`: resume from the stored position, read
 * in bounded slices, survive rename+create and copytruncate rotation, and
 * keep an incomplete last line until its newline arrives.
 */
#ifndef MTASTAT_FOLLOW_H
#define MTASTAT_FOLLOW_H

#include <stdint.h>
#include <time.h>

#include "ingest.h"
#include "reader.h"
#include "store.h"
#include "syslog_header.h"

enum follow_state {
	FOLLOW_MISSING,   /* the path does not exist (yet) */
	FOLLOW_OPEN,      /* reading the file at path */
	FOLLOW_DRAINING,  /* reading the rotated-away file to its end first */
};

struct follow {
	char path[4096];
	enum follow_state state;
	int open;             /* r holds a file */
	struct reader r;
	struct file_pos pos;  /* identity and offset of the file in r */
	struct file_pos done; /* final position of a file finished since the last commit */
	int has_done;
	struct syslog_clock clk;
	uint64_t lines;       /* lines read by this process */
	uint64_t rotations;   /* rename+create seen */
	uint64_t truncations; /* copytruncate seen */
	time_t last_line;     /* wall clock of the last line read, 0: none yet */
};

/*
 * Start following path: from the stored position of the same file, from the
 * rotated-away file first if the log was rotated while we were stopped (found
 * next to it by inode), else from the beginning.
 */
int follow_open(struct follow *, const char *path, struct store *);
void follow_close(struct follow *);
/*
 * Read at most max_lines complete lines into the pipeline, then look for
 * rotation at end of file.  Returns lines read (0: nothing new), -1 on error.
 */
long follow_read_slice(struct follow *, struct ingest *, unsigned max_lines);
/*
 * The positions to commit with the counts read so far (the current file and
 * a file finished by rotation since the last commit): fills out[0..1],
 * returns how many.  Call follow_committed() once they are stored.
 */
size_t follow_positions(struct follow *, struct file_pos *out[2]);
void follow_committed(struct follow *);

#endif
