#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "follow.h"
#include "import.h"
#include "log.h"

static int
open_file(struct follow *f, const char *path, int fd, const struct stat *st, uint64_t offset)
{
	int gz;
	unsigned char m[2];

	gz = pread(fd, m, 2, 0) == 2 && m[0] == 0x1f && m[1] == 0x8b;
	snprintf(f->pos.path, sizeof(f->pos.path), "%s", path);
	f->pos.dev = (uint64_t)st->st_dev;
	f->pos.ino = (uint64_t)st->st_ino;
	f->pos.size = (uint64_t)st->st_size;
	if (reader_open(&f->r, fd, gz) != 0 || reader_seek(&f->r, offset) != 0) {
		log_err("follow", "%s: cannot read from offset %llu", path,
		    (unsigned long long)offset);
		reader_close(&f->r);
		return -1;
	}
	f->pos.offset = offset;
	f->open = 1;
	return 0;
}

/* The file at path from offset 0, or its stored position if we know it. */
static int
open_current(struct follow *f, struct store *store)
{
	struct stat st;
	int fd, found;

	fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			log_warn("follow", "%s: %s", f->path, strerror(errno));
		f->state = FOLLOW_MISSING;
		return 0;
	}
	if (fstat(fd, &st) != 0) {
		close(fd);
		return -1;
	}
	memset(&f->pos, 0, sizeof(f->pos));
	if (import_fingerprint(fd, 0, &f->pos) != 0) {
		close(fd);
		return -1;
	}
	found = f->pos.fp_len > 0 && store != NULL ? store_file_lookup(store, &f->pos) : 0;
	if (found < 0) {
		close(fd);
		return -1;
	}
	if (found && f->pos.offset <= (uint64_t)st.st_size) {
		syslog_clock_init(&f->clk, f->pos.year);
		f->clk.last_month = f->pos.last_month;
	} else {
		f->pos.id = found ? f->pos.id : 0;
		f->pos.offset = 0;
		syslog_clock_init_mtime(&f->clk, st.st_mtime);
	}
	f->state = FOLLOW_OPEN;
	return open_file(f, f->path, fd, &st, f->pos.offset);
}

/* Find a file next to path with the given inode: the log rotated while we were down. */
static int
find_rotated(const char *path, uint64_t dev, uint64_t ino, char *out, size_t outlen)
{
	char dir[2048]; /* out (4096) holds dir + "/" + a 255-byte name */
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int found = 0;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	if ((d = opendir(dir)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, base, strlen(base)) != 0 || strcmp(de->d_name, base) == 0)
			continue;
		snprintf(out, outlen, "%s/%s", dir, de->d_name);
		found = stat(out, &st) == 0 && (uint64_t)st.st_dev == dev &&
		    (uint64_t)st.st_ino == ino;
	}
	closedir(d);
	return found;
}

int
follow_open(struct follow *f, const char *path, struct store *store)
{
	struct file_pos last;
	struct stat st;
	char rotated[4096];
	int fd;

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	memset(&last, 0, sizeof(last));
	if (store != NULL && store_file_by_path(store, path, &last) == 1 &&
	    (stat(path, &st) != 0 || (uint64_t)st.st_ino != last.ino) &&
	    find_rotated(path, last.dev, last.ino, rotated, sizeof(rotated))) {
		fd = open(rotated, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && fstat(fd, &st) == 0 && last.offset <= (uint64_t)st.st_size) {
			log_info("follow", "%s: rotated while stopped: finishing %s from offset %llu",
			    path, rotated, (unsigned long long)last.offset);
			f->pos = last;
			syslog_clock_init(&f->clk, last.year);
			f->clk.last_month = last.last_month;
			f->state = FOLLOW_DRAINING;
			return open_file(f, rotated, fd, &st, last.offset);
		}
		if (fd >= 0)
			close(fd);
	}
	return open_current(f, store);
}

static void
sync_pos(struct follow *f)
{
	f->pos.offset = f->r.offset;
	f->pos.year = f->clk.year;
	f->pos.last_month = f->clk.last_month;
}

/* Close the current file, keeping its final position for the next commit. */
static void
finish_file(struct follow *f)
{
	if (!f->open)
		return;
	sync_pos(f);
	f->done = f->pos;
	f->has_done = f->done.fp_len > 0;
	reader_close(&f->r);
	f->open = 0;
}

void
follow_close(struct follow *f)
{
	if (f->open)
		reader_close(&f->r);
	f->open = 0;
}

size_t
follow_positions(struct follow *f, struct file_pos *out[2])
{
	size_t n = 0;

	if (f->has_done)
		out[n++] = &f->done;
	if (f->open && f->pos.fp_len > 0) {
		sync_pos(f);
		out[n++] = &f->pos;
	}
	return n;
}

void
follow_committed(struct follow *f)
{
	f->has_done = 0;
}

/* Has the file in r been truncated (copytruncate)?  Its head no longer matches. */
static int
truncated(struct follow *f, const struct stat *st)
{
	unsigned char head[STORE_FP_MAX];
	ssize_t n;

	if ((uint64_t)st->st_size < f->r.offset)
		return 1;
	if (f->pos.fp_len == 0 || f->r.gz != NULL)
		return 0;
	n = pread(f->r.fd, head, f->pos.fp_len, 0);
	return n != (ssize_t)f->pos.fp_len || memcmp(head, f->pos.fp, f->pos.fp_len) != 0;
}

/* At end of file: did the log move on?  1 when the caller should read again. */
static int
check_rotation(struct follow *f, struct store *store)
{
	struct stat cur, mine;

	if (f->state == FOLLOW_MISSING)
		return open_current(f, store) == 0 && f->state == FOLLOW_OPEN;
	if (fstat(f->r.fd, &mine) != 0)
		return 0;
	if (f->state == FOLLOW_OPEN && truncated(f, &mine)) {
		log_info("follow", "%s: truncated (copytruncate): reading from the start", f->path);
		f->truncations++;
		f->pos.offset = 0;
		f->pos.fp_len = 0;
		reader_seek(&f->r, 0);
		import_fingerprint(f->r.fd, 0, &f->pos);
		return 1;
	}
	if (stat(f->path, &cur) != 0)
		return 0; /* renamed, not yet re-created: keep the old one */
	if ((uint64_t)cur.st_ino == f->pos.ino && (uint64_t)cur.st_dev == f->pos.dev) {
		if (f->pos.fp_len < STORE_FP_MAX && f->state == FOLLOW_OPEN)
			import_fingerprint(f->r.fd, 0, &f->pos); /* the head grew: identify better */
		return 0;
	}
	if (f->has_done)
		return 0; /* one finished file per commit: its position must be stored first */
	/* rename+create: the old file is finished (we are at its end), take the new one */
	log_info("follow", "%s: rotated: switching to the new file", f->path);
	f->rotations++;
	finish_file(f);
	return open_current(f, store) == 0 && f->state == FOLLOW_OPEN;
}

long
follow_read_slice(struct follow *f, struct ingest *ig, unsigned max_lines)
{
	const char *line;
	size_t len;
	long n = 0;
	int rc, again = 2;

	while (n < (long)max_lines) {
		if (!f->open) {
			if (check_rotation(f, ig->store) != 1)
				break;
			continue;
		}
		rc = reader_next(&f->r, &line, &len);
		if (rc < 0) {
			log_err("follow", "%s: read error: %s", f->path, strerror(errno));
			return -1;
		}
		if (rc == 1) {
			if (ingest_line(ig, &f->clk, line, len) != 0)
				return -1;
			n++;
			continue;
		}
		/* end of what is there now */
		if (f->state == FOLLOW_DRAINING) {
			log_info("follow", "%s: finished the rotated file", f->path);
			finish_file(f);
			f->state = FOLLOW_MISSING;
			/* the next round opens the current file; commit first so the
			 * rotated file's final position is recorded with its counts */
			break;
		}
		if (again-- == 0 || check_rotation(f, ig->store) != 1)
			break;
	}
	f->lines += (uint64_t)n;
	if (n > 0)
		f->last_line = time(NULL);
	return n;
}
