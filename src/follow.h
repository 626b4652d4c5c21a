/*
 * Following a live log like `tail -F`: resume from the stored position, read
 * in bounded slices, keep an incomplete last line until its newline arrives,
 * and lose nothing to rotation.  A log is a chain of files read in age
 * order: rotated files still being finished (a writer may append to a
 * renamed file until it reopens; the unread tail of a copytruncate is in the
 * copy; files rotated while we were stopped), then the file at the path.
 * Rotated files are found by their head (the fingerprint the store keeps),
 * compressed or not, among the siblings whose names match the rotated-name
 * patterns.
 */
#ifndef MTASTAT_FOLLOW_H
#define MTASTAT_FOLLOW_H

#include <stdint.h>
#include <time.h>

#include "ingest.h"
#include "reader.h"
#include "store.h"
#include "syslog_header.h"

/*
 * Files of one log open at once: the current one, a renamed one being
 * finished and those rotated while we were stopped or lagging.  More than
 * 15 rotations while stopped are reported as unaccounted, not read.
 */
#define FOLLOW_SRC_MAX 16
/* Positions follow_positions() may return for one log. */
#define FOLLOW_POS_MAX FOLLOW_SRC_MAX
/*
 * A renamed file is read until it has not grown for this long: rsyslog
 * writes to it until logrotate's postrotate HUP is handled, Postfix's
 * postlogd and buffered loggers until their next flush, all within a
 * second or two; a few seconds more cost only an open descriptor.
 */
#define FOLLOW_GRACE_MS 5000

enum follow_state {
	FOLLOW_MISSING,   /* the path does not exist (yet) and nothing is left to read */
	FOLLOW_OPEN,      /* reading the file at path (and perhaps rotated ones) */
	FOLLOW_DRAINING,  /* the path is missing; rotated files are still being read */
};

enum follow_src_state {
	FOLLOW_SRC_FREE,
	FOLLOW_SRC_WAITING,  /* opened (fd), read when the older ones are done */
	FOLLOW_SRC_READING,
	FOLLOW_SRC_DONE,     /* finished: its final position awaits a commit */
};

/* One file of the chain. */
struct follow_src {
	enum follow_src_state state;
	int current;             /* the file at the log's path: the last of the chain */
	int grace;               /* poll after its end until quiet for grace_ms */
	int fd;                  /* WAITING: the open file */
	int gz;
	char file[4096];         /* where it is now, for messages */
	struct reader r;
	struct file_pos pos;     /* pos.path is the log's path, the same for all */
	struct syslog_clock clk;
	uint64_t committed;      /* offset in the store, UINT64_MAX: none */
	uint64_t mark;           /* bytes seen (read or pending) at the last growth */
	struct timespec grown;   /* monotonic time of the last growth */
};

struct follow {
	char path[4096];
	const char *const *rotated; /* name patterns after the log's name, NULL: default */
	enum follow_state state;
	struct follow_src src[FOLLOW_SRC_MAX]; /* in reading (age) order */
	size_t nsrc;
	int has_done;         /* finished files waiting for a commit */
	uint64_t tags;        /* the last file_pos.tag given to one of its files */
	unsigned grace_ms;    /* FOLLOW_GRACE_MS; tests shorten it */
	uint64_t lines;       /* lines read by this process */
	uint64_t rotations;   /* rename+create seen */
	uint64_t truncations; /* copytruncate seen */
	uint64_t gaps;        /* times lines were known to be out of reach */
	uint64_t lost_bytes;  /* bytes known to be out of reach (a lower bound) */
	time_t last_line;     /* wall clock of the last line read, 0: none yet */
	/*
	 * A log of dated files (IceWarp's sYYYYMMDD[-nn].log): path is a
	 * directory or a glob, the parser names the files' order; NULL: one
	 * file at path with its rotated siblings.
	 */
	const struct mta_parser *dated;
	char dated_dir[4096];
	char dated_glob[256];
	struct mta_file_key dated_last; /* the newest file in the chain */
	int has_dated_last;
	unsigned dated_scan_ms;         /* FOLLOW_DATED_SCAN_MS; tests set 0 */
	struct timespec dated_scanned;  /* monotonic time of the last look */
};

/*
 * A dated log's directory is looked at for a newer file at most this often
 * while the current file is at its end: every write wakes the reader, and
 * a directory of years of daily files is long; a new day's file is a
 * second late at worst.
 */
#define FOLLOW_DATED_SCAN_MS 1000

/* The rotated-name patterns used when none are configured. */
extern const char *const follow_default_rotated[];

/*
 * Start following path: finish first the file that holds the stored
 * position, wherever rotation moved it (found by its head among the
 * siblings named like rotated, NULL-terminated glob(7) patterns matched
 * after the log's file name; NULL: follow_default_rotated), then the files
 * rotated after it, then the file at path.  Without a history the file at
 * path is read from its beginning.
 */
int follow_open(struct follow *, const char *path, struct store *, const char *const *rotated);
/*
 * Start following a log of dated files: pattern is a directory (every file
 * the parser dates) or a glob ("/opt/icewarp/logs/smtp/s*.log").  Files
 * are read in (date, split) order, each with its own stored position
 * (found by its name and head): from the newest file the store knows (and
 * any older one it has not finished), through every newer one; without a
 * history, the newest file from its start.  A newer file appearing becomes
 * the current one; the previous is read to its end until quiet.
 */
int follow_open_dated(struct follow *, const char *pattern, struct store *,
    const struct mta_parser *);
void follow_close(struct follow *);
/*
 * Read at most max_lines complete lines into the pipeline, then look for
 * rotation at end of file.  Returns lines read (0: nothing new), -1 on error.
 */
long follow_read_slice(struct follow *, struct ingest *, unsigned max_lines);
/*
 * The positions to commit with the counts read so far, one per file that
 * has one (open, or finished since the last commit): fills
 * out[0..FOLLOW_POS_MAX), returns how many.  Call follow_committed() once
 * they are stored, before reading on.
 */
size_t follow_positions(struct follow *, struct file_pos *out[FOLLOW_POS_MAX]);
void follow_committed(struct follow *);
/*
 * The same when the positions were copied into a batch (store_batch) and
 * written while reading went on: pos[0..n) are this log's copies as
 * written, matched to its files by tag; what was read since stays due.
 */
void follow_committed_copies(struct follow *, const struct file_pos *pos, size_t n);

#endif
