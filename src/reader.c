#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reader.h"

int
reader_open(struct reader *r, int fd, int gz)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->buf = malloc(READER_BUF + 1);
	if (r->buf == NULL)
		return -1;
	if (gz) {
		/* a dup'd descriptor may have moved the shared offset: start at the top */
		if (lseek(fd, 0, SEEK_SET) < 0) {
			free(r->buf);
			r->buf = NULL;
			return -1;
		}
		r->gz = gzdopen(fd, "rb");
		if (r->gz == NULL) {
			free(r->buf);
			r->buf = NULL;
			return -1;
		}
		gzbuffer(r->gz, 256 * 1024);
	}
	return 0;
}

void
reader_close(struct reader *r)
{
	if (r->gz != NULL)
		gzclose(r->gz); /* closes fd too */
	else if (r->fd >= 0)
		close(r->fd);
	free(r->buf);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

static ssize_t
fill(struct reader *r)
{
	ssize_t n;
	int err;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == READER_BUF)
		return 0;
	if (r->gz != NULL) {
		n = gzread(r->gz, r->buf + r->end, (unsigned)(READER_BUF - r->end));
		if (n < 0) {
			gzerror(r->gz, &err);
			return -1;
		}
	} else {
		do
			n = read(r->fd, r->buf + r->end, READER_BUF - r->end);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return -1;
	}
	r->end += (size_t)n;
	return n;
}

int
reader_seek(struct reader *r, uint64_t offset)
{
	if (r->gz == NULL) {
		if (lseek(r->fd, (off_t)offset, SEEK_SET) < 0)
			return -1;
	} else if (gzseek(r->gz, (z_off_t)offset, SEEK_SET) < 0) {
		return -1;
	}
	r->start = r->end = 0;
	r->offset = offset;
	r->eof = 0;
	return 0;
}

size_t
reader_pending(const struct reader *r)
{
	return r->end - r->start;
}

int
reader_next(struct reader *r, const char **line, size_t *len)
{
	char *nl;
	size_t avail;
	ssize_t n;

	for (;;) {
		avail = r->end - r->start;
		nl = memchr(r->buf + r->start, '\n', avail);
		if (r->skipping) {
			/* drop the rest of an over-long line up to its newline */
			size_t drop = nl != NULL ? (size_t)(nl - (r->buf + r->start)) + 1 : avail;
			r->start += drop;
			r->offset += drop;
			if (nl != NULL)
				r->skipping = 0;
			else if ((n = fill(r)) <= 0)
				return n < 0 ? -1 : 0;
			continue;
		}
		if (nl != NULL) {
			*line = r->buf + r->start;
			*len = (size_t)(nl - *line);
			r->start += *len + 1;
			r->offset += *len + 1;
			if (*len > READER_LINE_MAX) {
				*len = READER_LINE_MAX;
				r->truncated++;
			}
			if (memchr(*line, '\0', *len) != NULL)
				r->nul_lines++;
			return 1;
		}
		if (avail >= READER_LINE_MAX) {
			/* no newline within the limit: hand out the head, skip the tail */
			*line = r->buf + r->start;
			*len = READER_LINE_MAX;
			r->start += READER_LINE_MAX;
			r->offset += READER_LINE_MAX;
			r->truncated++;
			r->skipping = 1;
			return 1;
		}
		if ((n = fill(r)) <= 0)
			return n < 0 ? -1 : 0;
	}
}
