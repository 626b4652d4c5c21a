#ifndef MTASTAT_IMPORT_H
#define MTASTAT_IMPORT_H

#include <stdint.h>

#include "ingest.h"

struct import_opts {
	int year;      /* 0: from the file's mtime */
	int progress;  /* draw a progress bar on stderr */
};

/* import_file's result when the database refused a commit (locked, full). */
#define IMPORT_DB_FAILED (-2)

/*
 * One import: a writer thread with its own connection takes the batches
 * of all its files, in order.  NULL when it cannot start (said).
 */
struct import_run;
struct import_run *import_begin(struct ingest *);

/*
 * Read path (plain or gzip) from where an earlier run stopped.  0, -1, or
 * IMPORT_DB_FAILED: every later file would fail the same way.  *fresh: the
 * history had no row for the file.  Its last batch may still be being
 * written when this returns.
 */
int import_file(struct import_run *, const char *path, const struct import_opts *,
    int *fresh);

/* Wait for the last batch and stop the writer: 0 or IMPORT_DB_FAILED (said). */
int import_end(struct import_run *);

/* One file in a run of its own: import_file's result. */
int import_path(struct ingest *, const char *path, const struct import_opts *);

/*
 * Lines read from a log's start to tell its format: a mail log shows many
 * MTA lines among its first hundred; a few lines of other programs before
 * them (a rotated syslog file, kernel lines) do not hide it.
 */
#define IMPORT_DETECT_LINES 200

/*
 * The format of path: the parser that recognises most of its first
 * IMPORT_DETECT_LINES lines (the first registered on a tie), NULL when none
 * recognises any.  *lines is how many lines were looked at; -1 when unreadable.
 */
int import_detect(const char *path, const struct mta_parser **out, unsigned *lines,
    unsigned *recognised);

/*
 * Put the files whose format dates them by name (IceWarp's
 * sYYYYMMDD[-nn].log) in (date, split) order, in the places such files
 * hold; the others keep theirs.  -1 on out-of-memory.
 */
int import_order(char **paths, const struct mta_parser **fmt, size_t n);

/*
 * A head as the store keeps it: what follows "<<< " on a line (what an SMTP
 * client sent, in IceWarp's log: AUTH credentials among it) becomes '*'.
 * A prefix of a head redacts to a prefix of its redaction.
 */
void import_fp_redact(unsigned char *fp, size_t n);

/* Fingerprint (head bytes) and identity of an open file; used by follow too. */
int import_fingerprint(int fd, int gz, struct file_pos *);

#endif
