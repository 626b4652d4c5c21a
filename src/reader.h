/*
 * Lines from a plain or gzip file descriptor, in big reads.  A line longer
 * than READER_LINE_MAX is cut there and the rest skipped (and counted): log
 * lines are written by strangers and have no length limit of their own.
 */
#ifndef MTASTAT_READER_H
#define MTASTAT_READER_H

#include <stdint.h>
#include <stdio.h>
#include <zlib.h>

/* Longest line handed to parsers; Postfix's own limit is far below. */
#define READER_LINE_MAX (64 * 1024)
/* One read() worth; big enough that syscalls cost nothing per line. */
#define READER_BUF (1024 * 1024)

struct reader {
	int fd;
	gzFile gz;          /* non-NULL for .gz */
	char *buf;
	size_t start, end;  /* unconsumed bytes buf[start..end) */
	uint64_t offset;    /* file offset (uncompressed) of buf[start] */
	int eof;
	int skipping;       /* inside the tail of an over-long line */
	uint64_t truncated; /* over-long lines cut */
	uint64_t nul_lines; /* lines that contained NUL bytes */
};

/* Takes ownership of fd.  gz: read through zlib. */
int reader_open(struct reader *, int fd, int gz);
void reader_close(struct reader *);
/* Skip to uncompressed offset (decompressing for .gz).  0, or -1. */
int reader_seek(struct reader *, uint64_t offset);
/*
 * Next complete line (without '\n', a trailing '\r' kept).  Returns 1 with a
 * line, 0 when no complete line is buffered and the file has no more bytes
 * now (an incomplete tail stays buffered, not consumed), -1 on a read error.
 */
int reader_next(struct reader *, const char **line, size_t *len);
/* Bytes of an incomplete last line waiting for its newline. */
size_t reader_pending(const struct reader *);

#endif
