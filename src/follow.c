#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "follow.h"
#include "import.h"
#include "log.h"

/* logrotate's names: mail.log.1, mail.log.2.gz, mail.log-20261103[.gz], mail.log.0 */
const char *const follow_default_rotated[] = { ".[0-9]*", "-[0-9]*", NULL };

/* The smallest gzip file: 10-byte header, an empty deflate block, CRC32 and ISIZE. */
#define FOLLOW_GZ_MIN 20
/* mail.log.N with N shorter than this is a rotation index (bigger is older), not a date. */
#define FOLLOW_INDEX_DIGITS 8

/* What a look at the log's directory learned of one rotated sibling. */
struct sibling {
	char name[256];          /* a d_name: at most 255 bytes */
	struct timespec mtime;
	uint64_t dev, ino;
	uint64_t size;           /* uncompressed: st_size, or the gzip trailer's (mod 2^32) */
	unsigned long index;     /* N of mail.log.N, 0 if none */
	int gz;
	int known;               /* the store knows its head */
	int selected;            /* it has lines we have not read */
	struct file_pos *rec;    /* id, offset, clock from the store; fp, its head */
};

static int
is_gzip(int fd)
{
	unsigned char m[2];

	return pread(fd, m, 2, 0) == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

/* The uncompressed size a gzip trailer records: its last member's, modulo 2^32. */
static uint64_t
gz_size(int fd, const struct stat *st)
{
	unsigned char t[4];

	if (st->st_size < FOLLOW_GZ_MIN || pread(fd, t, 4, st->st_size - 4) != 4)
		return 0;
	return (uint64_t)t[0] | (uint64_t)t[1] << 8 | (uint64_t)t[2] << 16 | (uint64_t)t[3] << 24;
}

/* Do two heads belong to one file (one is the start of the other)? */
static int
same_head(const struct file_pos *a, const struct file_pos *b)
{
	size_t n = a->fp_len < b->fp_len ? a->fp_len : b->fp_len;

	return n > 0 && memcmp(a->fp, b->fp, n) == 0;
}

/* Does the file with head p start with the head of the stored record rec? */
static int
starts_with(const struct file_pos *p, const struct file_pos *rec)
{
	return rec->fp_len > 0 && p->fp_len >= rec->fp_len && memcmp(p->fp, rec->fp, rec->fp_len) == 0;
}

static int
ts_cmp(const struct timespec *a, const struct timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	if (a->tv_nsec != b->tv_nsec)
		return a->tv_nsec < b->tv_nsec ? -1 : 1;
	return 0;
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* a, sep, b into dst; -1 (and a cut name) when it does not fit. */
static int
follow_name(char *dst, size_t len, const char *a, const char *sep, const char *b)
{
	size_t la = strlen(a), ls = strlen(sep), lb = strlen(b);

	if (la + ls + lb >= len) {
		la = la < len - 1 ? la : len - 1;
		memcpy(dst, a, la);
		dst[la] = '\0';
		return -1;
	}
	memcpy(dst, a, la);
	memcpy(dst + la, sep, ls);
	memcpy(dst + la + ls, b, lb + 1);
	return 0;
}

static struct follow_src *
follow_current(struct follow *f)
{
	return f->nsrc > 0 && f->src[f->nsrc - 1].current ? &f->src[f->nsrc - 1] : NULL;
}

/* Drop the free slots, keeping the order. */
static void
follow_compact(struct follow *f)
{
	size_t i, j = 0;

	for (i = 0; i < f->nsrc; i++) {
		if (f->src[i].state == FOLLOW_SRC_FREE)
			continue;
		if (i != j)
			f->src[j] = f->src[i];
		j++;
	}
	f->nsrc = j;
}

/* A new slot at the end of the chain, or NULL when all are taken. */
static struct follow_src *
follow_src_add(struct follow *f)
{
	struct follow_src *s;

	if (f->nsrc == FOLLOW_SRC_MAX)
		follow_compact(f);
	if (f->nsrc == FOLLOW_SRC_MAX)
		return NULL;
	s = &f->src[f->nsrc++];
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->r.fd = -1;
	s->committed = UINT64_MAX;
	return s;
}

static void
follow_sync(struct follow_src *s)
{
	s->pos.offset = s->r.offset;
	s->pos.year = s->clk.year;
	s->pos.last_month = s->clk.last_month;
}

static void
follow_lost(struct follow *f, uint64_t bytes)
{
	f->gaps++;
	f->lost_bytes += bytes;
}

/* Start reading s from its position; takes fd. */
static int
follow_src_start(struct follow *f, struct follow_src *s, int fd)
{
	struct stat st;

	s->fd = -1;
	/* a dated file is its own log: its position is kept under its name */
	snprintf(s->pos.path, sizeof(s->pos.path), "%s", f->dated != NULL ? s->file : f->path);
	if (fstat(fd, &st) == 0) {
		s->pos.dev = (uint64_t)st.st_dev;
		s->pos.ino = (uint64_t)st.st_ino;
		if (!s->gz)
			s->pos.size = (uint64_t)st.st_size;
	}
	if (reader_open(&s->r, fd, s->gz) != 0 || reader_seek(&s->r, s->pos.offset) != 0) {
		log_err("follow", "%s: cannot read from offset %llu", s->file,
		    (unsigned long long)s->pos.offset);
		reader_close(&s->r);
		s->state = FOLLOW_SRC_FREE;
		return -1;
	}
	s->mark = s->pos.offset;
	clock_gettime(CLOCK_MONOTONIC, &s->grown);
	s->state = FOLLOW_SRC_READING;
	return 0;
}

/* Close s, keeping its final position for the next commit. */
static void
follow_src_close(struct follow *f, struct follow_src *s)
{
	follow_sync(s);
	reader_close(&s->r);
	if (s->pos.fp_len == 0 || (s->pos.id != 0 && s->pos.offset == s->committed)) {
		s->state = FOLLOW_SRC_FREE; /* nothing new to store */
		return;
	}
	s->state = FOLLOW_SRC_DONE;
	f->has_done++;
}

/* A rotated file is read to its end. */
static void
follow_src_finish(struct follow *f, struct follow_src *s)
{
	size_t pending = reader_pending(&s->r);
	struct stat st;

	if (pending > 0) {
		log_warn("follow", "%s: %zu bytes of an unterminated last line: lost", s->file, pending);
		follow_lost(f, pending);
	}
	if (!s->gz && fstat(s->r.fd, &st) == 0)
		s->pos.size = (uint64_t)st.st_size;
	log_info("follow", "%s: finished at offset %llu", s->file, (unsigned long long)s->r.offset);
	follow_src_close(f, s);
}

/* The file at path, last in the chain, from its stored position or from 0. */
static int
follow_open_current(struct follow *f, struct store *store)
{
	struct follow_src *s;
	struct stat st;
	int fd, found;

	fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			log_warn("follow", "%s: %s", f->path, strerror(errno));
		return 0;
	}
	if (fstat(fd, &st) != 0 || (s = follow_src_add(f)) == NULL) {
		close(fd); /* no room: taken again once a commit frees a slot */
		return 0;
	}
	follow_name(s->file, sizeof(s->file), f->path, "", "");
	s->gz = is_gzip(fd);
	if (import_fingerprint(fd, s->gz, &s->pos) != 0) {
		log_err("follow", "%s: cannot read its head: %s", f->path, strerror(errno));
		close(fd);
		s->state = FOLLOW_SRC_FREE;
		return -1;
	}
	found = s->pos.fp_len > 0 && store != NULL ? store_file_lookup(store, &s->pos) : 0;
	if (found < 0) {
		close(fd);
		s->state = FOLLOW_SRC_FREE;
		return -1;
	}
	if (found && (s->gz || s->pos.offset <= (uint64_t)st.st_size)) {
		syslog_clock_init(&s->clk, s->pos.year);
		s->clk.last_month = s->pos.last_month;
		s->committed = s->pos.offset;
	} else {
		s->pos.id = found ? s->pos.id : 0;
		s->pos.offset = 0;
		syslog_clock_init_mtime(&s->clk, st.st_mtime);
	}
	s->current = 1;
	return follow_src_start(f, s, fd);
}

/* Is name (after the log's own name) one of the rotated-name patterns? */
static int
follow_is_rotated_name(const struct follow *f, const char *suffix)
{
	const char *const *p;

	for (p = f->rotated != NULL ? f->rotated : follow_default_rotated; *p != NULL; p++)
		if (fnmatch(*p, suffix, 0) == 0)
			return 1;
	return 0;
}

/* The directory of the log and its file name. */
static const char *
follow_dir(const struct follow *f, char *dir, size_t len)
{
	const char *slash = strrchr(f->path, '/');

	if (slash == NULL) {
		snprintf(dir, len, ".");
		return f->path;
	}
	snprintf(dir, len, "%.*s", slash == f->path ? 1 : (int)(slash - f->path), f->path);
	return slash + 1;
}

/* Identify one sibling: its head, sizes, and what the store knows of it.  1 ok, 0 skip, -1 error. */
static int
follow_identify(struct store *store, const char *dir, const char *name, const char *base,
    struct sibling *s)
{
	char file[4096];
	struct stat st;
	int fd, found;
	const char *p;

	if ((size_t)snprintf(file, sizeof(file), "%s/%s", dir, name) >= sizeof(file))
		return 0;
	/* O_NONBLOCK: a FIFO named like a rotated log must not hang the loop */
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	memset(s->rec, 0, sizeof(*s->rec));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->mtime = st.st_mtim;
	s->dev = (uint64_t)st.st_dev;
	s->ino = (uint64_t)st.st_ino;
	s->gz = is_gzip(fd);
	if (!s->gz && sv_ends(sv_make(name, strlen(name)), ".gz")) {
		/* gzip writes NAME.gz under its final name: empty or not yet gzip
		 * is a file being made, to be looked at again later, never text */
		log_debug("follow", "%s: named .gz but not gzip (yet): skipped", file);
		close(fd);
		return 0;
	}
	s->size = s->gz ? gz_size(fd, &st) : (uint64_t)st.st_size;
	p = name + strlen(base) + 1;
	s->index = name[strlen(base)] == '.' && strspn(p, "0123456789") > 0 &&
	    strspn(p, "0123456789") < FOLLOW_INDEX_DIGITS ? strtoul(p, NULL, 10) : 0;
	if (import_fingerprint(fd, s->gz, s->rec) != 0) {
		log_warn("follow", "%s: cannot read its head: skipped", file);
		close(fd);
		return 0;
	}
	close(fd);
	found = s->rec->fp_len > 0 ? store_file_lookup(store, s->rec) : 0;
	if (found < 0)
		return -1;
	s->known = found;
	s->selected = 0;
	return 1;
}

static void
follow_siblings_free(struct sibling *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].rec);
	free(v);
}

/* The rotated siblings of the log, identified; *out is freed with follow_siblings_free. */
static int
follow_scan(struct follow *f, struct store *store, struct sibling **out, size_t *nout)
{
	char dir[4096];
	const char *base = follow_dir(f, dir, sizeof(dir));
	size_t blen = strlen(base), n = 0, cap = 0;
	struct sibling *v = NULL, *nv;
	struct dirent *de;
	DIR *d;
	int rc = -1, ok;

	*out = NULL;
	*nout = 0;
	if ((d = opendir(dir)) == NULL) {
		log_warn("follow", "%s: %s: rotated files cannot be looked for", dir, strerror(errno));
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, base, blen) != 0 || de->d_name[blen] == '\0' ||
		    !follow_is_rotated_name(f, de->d_name + blen))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL)
				goto out;
			v = nv;
		}
		if ((v[n].rec = malloc(sizeof(*v[n].rec))) == NULL)
			goto out;
		ok = follow_identify(store, dir, de->d_name, base, &v[n]);
		if (ok < 0) {
			free(v[n].rec);
			goto out;
		}
		if (ok == 0)
			free(v[n].rec);
		else
			n++;
	}
	rc = 0;
out:
	closedir(d);
	if (rc != 0) {
		follow_siblings_free(v, n);
		return -1;
	}
	*out = v;
	*nout = n;
	return 0;
}

/* Older first: by mtime, then mail.log.2 before mail.log.1, then by name (dates). */
static int
follow_sibling_cmp(const void *a, const void *b)
{
	const struct sibling *x = a, *y = b;
	int c = ts_cmp(&x->mtime, &y->mtime);

	if (c != 0)
		return c;
	if (x->index != y->index)
		return x->index > y->index ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Read to its end already (by the store's position)? */
static int
follow_sibling_complete(const struct sibling *s)
{
	if (!s->known)
		return 0;
	if (s->gz) /* the trailer's size, modulo 2^32: a 4 GiB coincidence is not worth a decompression */
		return (uint32_t)s->rec->offset == (uint32_t)s->size;
	return s->rec->offset >= s->size;
}

/* Is the sibling a file of the chain already (renamed, or its .gz)?  Names it there. */
static int
follow_in_chain(struct follow *f, const char *dir, const struct sibling *s)
{
	size_t i;

	for (i = 0; i < f->nsrc; i++) {
		struct follow_src *c = &f->src[i];
		if (c->state == FOLLOW_SRC_FREE)
			continue;
		if (c->pos.dev == s->dev && c->pos.ino == s->ino) {
			if (!c->current)
				follow_name(c->file, sizeof(c->file), dir, "/", s->name);
			return 1;
		}
		if (same_head(&c->pos, s->rec) || (s->known && c->pos.id == s->rec->id))
			return 1;
	}
	return 0;
}

/*
 * Of a file and its compressed twin, is a the better to read than b?  The
 * plain file, whatever the sizes: while both exist gzip may still be
 * writing the .gz, whose trailer then holds no size yet, and a plain file
 * left by gzip -k may have grown since.  Of two alike, the longer.
 */
static int
follow_prefer(const struct sibling *a, const struct sibling *b)
{
	if (a->gz != b->gz)
		return !a->gz;
	return a->size > b->size;
}

/*
 * Choose the siblings with unread lines: those the store knows but not to
 * their end, and those it does not know that are newer than after (files
 * rotated since the one we read last).  Files of the chain, copies of the
 * current file (cur) and the second of a file and its .gz are left out.
 */
static void
follow_select(struct follow *f, const char *dir, struct sibling *v, size_t n,
    const struct timespec *after, const struct file_pos *cur)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		struct sibling *s = &v[i];
		if (follow_in_chain(f, dir, s) || (cur != NULL && same_head(cur, s->rec)))
			continue;
		if (s->known)
			s->selected = !follow_sibling_complete(s);
		else
			s->selected = after != NULL && ts_cmp(&s->mtime, after) > 0;
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n && v[i].selected; j++) {
			if (!v[j].selected || !(same_head(v[i].rec, v[j].rec) ||
			    (v[i].known && v[j].known && v[i].rec->id == v[j].rec->id)))
				continue;
			if (follow_prefer(&v[j], &v[i]))
				v[i].selected = 0;
			else
				v[j].selected = 0;
		}
}

/* Put a selected sibling in the chain, to be read in its turn. */
static int
follow_queue(struct follow *f, const char *dir, const struct sibling *s)
{
	struct follow_src *q;
	struct stat st;
	int fd;

	if ((q = follow_src_add(f)) == NULL)
		return -1;
	fd = follow_name(q->file, sizeof(q->file), dir, "/", s->name) == 0 ?
	    open(q->file, O_RDONLY | O_CLOEXEC | O_NONBLOCK) : -1;
	if (fd < 0 || fstat(fd, &st) != 0 || (uint64_t)st.st_ino != s->ino ||
	    (uint64_t)st.st_dev != s->dev) {
		log_warn("follow", "%s: moved while being looked at: skipped", q->file);
		if (fd >= 0)
			close(fd);
		q->state = FOLLOW_SRC_FREE;
		return 0;
	}
	q->pos = *s->rec;
	q->pos.tag = 0; /* a new file of the chain */
	q->gz = s->gz;
	q->grace = !s->gz; /* a writer may still hold a plain one */
	if (s->known) {
		syslog_clock_init(&q->clk, s->rec->year);
		q->clk.last_month = s->rec->last_month;
		q->committed = s->rec->offset;
		log_info("follow", "%s: rotated file with unread lines: reading it from offset %llu",
		    q->file, (unsigned long long)s->rec->offset);
	} else {
		q->pos.id = 0;
		q->pos.offset = 0;
		q->pos.lines = 0;
		syslog_clock_init_mtime(&q->clk, st.st_mtime);
		log_info("follow", "%s: rotated after the last file read: reading it", q->file);
	}
	q->fd = fd;
	q->state = FOLLOW_SRC_WAITING;
	return 0;
}

/* The history of the log is nowhere: say how much is unaccounted for. */
static void
follow_anchor_lost(struct follow *f, const struct file_pos *anchor)
{
	if (anchor->size > anchor->offset) {
		log_warn("follow", "%s: the file that held the read position (offset %llu of %llu bytes)"
		    " is not among its rotated files: %llu bytes, and whatever was written to it"
		    " later, are unaccounted for", f->path, (unsigned long long)anchor->offset,
		    (unsigned long long)anchor->size,
		    (unsigned long long)(anchor->size - anchor->offset));
		follow_lost(f, anchor->size - anchor->offset);
		return;
	}
	log_warn("follow", "%s: the file that held the read position (offset %llu) is not among"
	    " its rotated files: lines written to it after it was last read, if any, are"
	    " unaccounted for", f->path, (unsigned long long)anchor->offset);
	follow_lost(f, 0);
}

/*
 * Queue the rotated files with unread lines, oldest first.  anchor (may be
 * NULL): the stored position of the log, to be found among them; after (may
 * be NULL): files the store does not know are read when newer than this.
 */
static int
follow_catch_up(struct follow *f, struct store *store, const struct file_pos *anchor,
    const struct timespec *after, const struct file_pos *cur)
{
	char dir[4096];
	struct sibling *v;
	struct timespec since;
	size_t n, i, skipped = 0;
	uint64_t skipped_bytes = 0;

	if (store == NULL)
		return 0;
	follow_dir(f, dir, sizeof(dir));
	if (follow_scan(f, store, &v, &n) != 0)
		return -1;
	if (anchor != NULL) {
		for (i = 0; i < n; i++)
			if (starts_with(v[i].rec, anchor) && (v[i].gz || v[i].size >= anchor->offset))
				break;
		if (i < n) {
			log_info("follow", "%s: rotated while stopped: resuming in %s/%s", f->path, dir,
			    v[i].name);
			since = v[i].mtime;
			after = &since;
		} else {
			follow_anchor_lost(f, anchor);
		}
	}
	follow_select(f, dir, v, n, after, cur);
	if (n > 1)
		qsort(v, n, sizeof(*v), follow_sibling_cmp);
	for (i = 0; i < n; i++) {
		if (!v[i].selected)
			continue;
		/* the last slot is the current file's */
		if (f->nsrc + 1 >= FOLLOW_SRC_MAX || follow_queue(f, dir, &v[i]) != 0) {
			skipped++;
			skipped_bytes += v[i].size - (v[i].known ? v[i].rec->offset : 0);
		}
	}
	if (skipped > 0) {
		log_warn("follow", "%s: %zu more rotated files with unread lines than can be read at"
		    " once (%d): skipped, %llu bytes unaccounted for", f->path, skipped,
		    FOLLOW_SRC_MAX - 1, (unsigned long long)skipped_bytes);
		follow_lost(f, skipped_bytes);
	}
	follow_siblings_free(v, n);
	return 0;
}

static void
follow_update_state(struct follow *f)
{
	size_t i;

	if (follow_current(f) != NULL) {
		f->state = FOLLOW_OPEN;
		return;
	}
	f->state = FOLLOW_MISSING;
	for (i = 0; i < f->nsrc; i++)
		if (f->src[i].state == FOLLOW_SRC_WAITING || f->src[i].state == FOLLOW_SRC_READING)
			f->state = FOLLOW_DRAINING;
}

int
follow_open(struct follow *f, const char *path, struct store *store, const char *const *rotated)
{
	struct file_pos *anchor = NULL, *cur = NULL;
	struct timespec since;
	const struct timespec *after = NULL;
	struct stat st;
	int fd, rc = -1, gz;

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->rotated = rotated;
	f->grace_ms = FOLLOW_GRACE_MS;
	if (store != NULL) {
		anchor = calloc(1, sizeof(*anchor));
		cur = calloc(1, sizeof(*cur));
		if (anchor == NULL || cur == NULL)
			goto out;
		rc = store_file_by_path(store, path, anchor);
		if (rc < 0)
			goto out;
		if (rc == 0 || anchor->fp_len == 0) {
			free(anchor); /* no history: the file at path from its start */
			anchor = NULL;
		}
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd >= 0 && fstat(fd, &st) == 0) {
			gz = is_gzip(fd);
			if (import_fingerprint(fd, gz, cur) != 0)
				cur->fp_len = 0;
			if (anchor != NULL && starts_with(cur, anchor) &&
			    (gz || anchor->offset <= (uint64_t)st.st_size)) {
				since = st.st_mtim; /* still the file we read last */
				after = &since;
				free(anchor);
				anchor = NULL;
			}
		}
		if (fd >= 0)
			close(fd);
		if (follow_catch_up(f, store, anchor, after, cur) != 0) {
			rc = -1;
			goto out;
		}
	}
	rc = follow_open_current(f, store);
out:
	free(anchor);
	free(cur);
	follow_update_state(f);
	return rc;
}

void
follow_close(struct follow *f)
{
	size_t i;

	for (i = 0; i < f->nsrc; i++) {
		if (f->src[i].state == FOLLOW_SRC_READING)
			reader_close(&f->src[i].r);
		else if (f->src[i].state == FOLLOW_SRC_WAITING && f->src[i].fd >= 0)
			close(f->src[i].fd);
		f->src[i].state = FOLLOW_SRC_FREE;
	}
	f->nsrc = 0;
	f->has_done = 0;
}

size_t
follow_positions(struct follow *f, struct file_pos *out[FOLLOW_POS_MAX])
{
	size_t i, n = 0;

	for (i = 0; i < f->nsrc; i++) {
		struct follow_src *s = &f->src[i];
		if (s->state == FOLLOW_SRC_READING)
			follow_sync(s);
		if ((s->state == FOLLOW_SRC_READING || s->state == FOLLOW_SRC_DONE) && s->pos.fp_len > 0) {
			if (s->pos.tag == 0)
				s->pos.tag = ++f->tags;
			out[n++] = &s->pos;
		}
	}
	return n;
}

void
follow_committed_copies(struct follow *f, const struct file_pos *pos, size_t n)
{
	size_t i, k;

	f->has_done = 0;
	for (i = 0; i < f->nsrc; i++) {
		struct follow_src *s = &f->src[i];
		const struct file_pos *c = NULL;
		for (k = 0; k < n && c == NULL; k++)
			if (pos[k].tag == s->pos.tag && s->pos.tag != 0)
				c = &pos[k];
		if (c != NULL && s->pos.id == 0)
			s->pos.id = c->id; /* the row the batch inserted */
		if (c != NULL && s->state == FOLLOW_SRC_DONE && c->offset == s->pos.offset &&
		    c->size == s->pos.size)
			s->state = FOLLOW_SRC_FREE; /* its final position is stored */
		else if (c != NULL && s->state == FOLLOW_SRC_READING)
			s->committed = c->offset;
		if (s->state == FOLLOW_SRC_DONE)
			f->has_done++;
	}
	follow_compact(f);
}

void
follow_committed(struct follow *f)
{
	size_t i;

	for (i = 0; i < f->nsrc; i++) {
		struct follow_src *s = &f->src[i];
		if (s->state == FOLLOW_SRC_DONE)
			s->state = FOLLOW_SRC_FREE;
		else if (s->state == FOLLOW_SRC_READING && s->pos.fp_len > 0)
			s->committed = s->pos.offset;
	}
	f->has_done = 0;
	follow_compact(f);
}

/* Has the file in s been truncated (copytruncate)?  Shorter, or its head changed. */
static int
follow_truncated(struct follow_src *s, const struct stat *st)
{
	unsigned char head[STORE_FP_MAX];
	ssize_t n;

	if ((uint64_t)st->st_size < s->r.offset)
		return 1;
	if (s->pos.fp_len == 0)
		return 0;
	n = pread(s->r.fd, head, s->pos.fp_len, 0);
	if (n > 0)
		import_fp_redact(head, (size_t)n); /* as the head was kept */
	return n != (ssize_t)s->pos.fp_len || memcmp(head, s->pos.fp, s->pos.fp_len) != 0;
}

/* The copy of the truncated file: a sibling that starts with its head (not the file itself). */
static int
follow_find_copy(struct follow *f, struct store *store, const struct follow_src *cur,
    struct sibling *copy)
{
	struct sibling *v;
	size_t n, i, best = (size_t)-1;

	if (cur->pos.fp_len == 0 || follow_scan(f, store, &v, &n) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (starts_with(v[i].rec, &cur->pos) &&
		    !(v[i].dev == cur->pos.dev && v[i].ino == cur->pos.ino) &&
		    (best == (size_t)-1 || follow_prefer(&v[i], &v[best])))
			best = i;
	if (best != (size_t)-1) {
		*copy = v[best];
		copy->rec = NULL;
	}
	follow_siblings_free(v, n);
	return best != (size_t)-1;
}

/*
 * copytruncate: the lines we had not read are in the copy, from our offset
 * to its end; then the truncated file is read from its start.  Lines written
 * between the copy and the truncation are nowhere: what we saw of them is
 * counted as lost.
 */
static int
follow_on_truncate(struct follow *f, struct store *store, struct follow_src *cur)
{
	char dir[4096];
	struct sibling copy;
	uint64_t off = cur->r.offset, seen = cur->pos.size > off ? cur->pos.size : off, reach, lost;
	int fd = -1, found;

	f->truncations++;
	follow_dir(f, dir, sizeof(dir));
	found = follow_find_copy(f, store, cur, &copy);
	reach = found && copy.size > off ? copy.size : off;
	lost = seen > reach ? seen - reach : 0;
	cur->current = 0;
	if (found) {
		log_info("follow", "%s: truncated (copytruncate): reading its copy %s/%s from offset %llu"
		    " first", f->path, dir, copy.name, (unsigned long long)off);
		if (!copy.gz && copy.size < off)
			log_warn("follow", "%s/%s: the copy (%llu bytes) is shorter than what was read"
			    " (%llu bytes): it was made before the last read", dir, copy.name,
			    (unsigned long long)copy.size, (unsigned long long)off);
		reader_close(&cur->r);
		fd = follow_name(cur->file, sizeof(cur->file), dir, "/", copy.name) == 0 ?
		    open(cur->file, O_RDONLY | O_CLOEXEC | O_NONBLOCK) : -1;
		cur->gz = copy.gz;
		cur->grace = 0; /* the copy is complete before the truncation */
		cur->pos.size = copy.gz ? 0 : copy.size;
		cur->pos.offset = off;
		if (fd < 0)
			log_err("follow", "%s: %s", cur->file, strerror(errno));
		if (fd < 0 || follow_src_start(f, cur, fd) != 0) {
			cur->state = FOLLOW_SRC_FREE;
			lost += (!copy.gz && copy.size > off) ? copy.size - off : 0;
		}
	} else {
		if (seen > off)
			log_warn("follow", "%s: truncated (copytruncate) with %llu bytes not read yet, and"
			    " no copy of it among its rotated files", f->path,
			    (unsigned long long)(seen - off));
		else
			log_info("follow", "%s: truncated (copytruncate): reading from the start", f->path);
		follow_src_close(f, cur); /* its pending bytes are in seen - off */
	}
	if (lost > 0) {
		log_warn("follow", "%s: %llu bytes written before the truncation are in no copy: lost",
		    f->path, (unsigned long long)lost);
		follow_lost(f, lost);
	}
	return follow_open_current(f, store) == 0 ? 1 : -1;
}

/*
 * rename+create: the old file stays in the chain and is read until it has
 * been quiet for the grace period; files rotated after it that we never saw
 * (two rotations while we lagged) are queued; then the new file.
 */
static int
follow_on_rename(struct follow *f, struct store *store, struct follow_src *cur,
    const struct stat *mine)
{
	struct timespec since = mine->st_mtim;

	log_info("follow", "%s: rotated: reading the new file, and the old one until it has been"
	    " quiet for %u ms", f->path, f->grace_ms);
	f->rotations++;
	cur->current = 0;
	cur->grace = !cur->gz;
	clock_gettime(CLOCK_MONOTONIC, &cur->grown);
	follow_name(cur->file, sizeof(cur->file), f->path, " ", "(rotated)");
	if (follow_catch_up(f, store, NULL, &since, NULL) != 0)
		return -1;
	return follow_open_current(f, store) == 0 ? 1 : -1;
}

/* Before reading on: was the file at path truncated under us?  1 when the chain changed. */
static int
follow_check_truncation(struct follow *f, struct store *store)
{
	struct follow_src *cur = follow_current(f);
	struct stat st;

	if (cur == NULL || cur->gz || cur->state != FOLLOW_SRC_READING || fstat(cur->r.fd, &st) != 0)
		return 0;
	if (follow_truncated(cur, &st))
		return follow_on_truncate(f, store, cur);
	cur->pos.size = (uint64_t)st.st_size;
	return 0;
}

/* Everything is read: did the log move on?  1 when the caller should read again. */
static int
follow_check_rotation(struct follow *f, struct store *store)
{
	struct follow_src *cur = follow_current(f);
	struct stat now, mine;
	int rc;

	if (cur == NULL) {
		if (follow_open_current(f, store) != 0)
			return -1;
		return follow_current(f) != NULL;
	}
	if ((rc = follow_check_truncation(f, store)) != 0)
		return rc;
	if (fstat(cur->r.fd, &mine) != 0)
		return 0;
	if (stat(f->path, &now) != 0)
		return 0; /* renamed, not yet re-created: keep the old one */
	if ((uint64_t)now.st_ino == cur->pos.ino && (uint64_t)now.st_dev == cur->pos.dev) {
		if (cur->pos.fp_len < STORE_FP_MAX && !cur->gz)
			import_fingerprint(cur->r.fd, 0, &cur->pos); /* the head grew: identify better */
		return 0;
	}
	return follow_on_rename(f, store, cur, &mine);
}

/* ---- logs of dated files (IceWarp) ---------------------------------- */

/* One file of a dated log, as a scan of its directory found it. */
struct dated_file {
	char name[256];
	struct mta_file_key key;
};

static int
dated_cmp_key(const struct mta_file_key *a, const struct mta_file_key *b)
{
	int c;

	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	if (a->split != b->split)
		return a->split < b->split ? -1 : 1;
	c = strcmp(a->series, b->series);
	return c < 0 ? -1 : c > 0;
}

static int
dated_cmp(const void *a, const void *b)
{
	const struct dated_file *x = a, *y = b;
	int c = dated_cmp_key(&x->key, &y->key);

	return c != 0 ? c : strcmp(x->name, y->name);
}

/* The files of the log, in (date, split) order: *out malloc'd, -1 on error. */
static int
follow_dated_scan(const struct follow *f, struct dated_file **out, size_t *n)
{
	DIR *d = opendir(f->dated_dir);
	struct dated_file *v = NULL, *nv;
	struct dirent *e;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (d == NULL) {
		if (errno != ENOENT)
			log_warn("follow", "%s: %s", f->dated_dir, strerror(errno));
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		struct mta_file_key k;
		if (strlen(e->d_name) >= sizeof(v->name) || fnmatch(f->dated_glob, e->d_name, 0) != 0 ||
		    f->dated->file_key(e->d_name, &k) != 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				free(v);
				closedir(d);
				return -1;
			}
			v = nv;
		}
		snprintf(v[*n].name, sizeof(v[*n].name), "%s", e->d_name);
		v[(*n)++].key = k;
	}
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), dated_cmp);
	*out = v;
	return 0;
}

/*
 * Queue one dated file as the new current one (the previous current is
 * read to its end until quiet), from its stored position when the store
 * knows it by name and head, else from its start (or not at all when
 * only_known and the store does not know it).  1 queued, 0 not, -1 error.
 */
static int
follow_dated_queue(struct follow *f, struct store *store, const struct dated_file *df,
    int only_known)
{
	struct file_pos *rec = NULL;
	struct follow_src *s, *cur;
	struct stat st;
	char path[4096];
	int fd, known = 0, rc = -1;

	if (follow_name(path, sizeof(path), f->dated_dir, "/", df->name) != 0)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return 0; /* gone meanwhile */
	}
	if ((rec = calloc(1, sizeof(*rec))) == NULL)
		goto out;
	if ((s = follow_src_add(f)) == NULL) {
		log_warn("follow", "%s: more files with unread lines than can be read at once (%d):"
		    " %s waits", f->path, FOLLOW_SRC_MAX, df->name);
		rc = 0;
		goto out;
	}
	follow_name(s->file, sizeof(s->file), path, "", "");
	s->gz = is_gzip(fd);
	if (import_fingerprint(fd, s->gz, &s->pos) != 0 ||
	    (store != NULL && (known = store_file_by_path(store, path, rec)) < 0)) {
		s->state = FOLLOW_SRC_FREE;
		goto out;
	}
	/* the same file as stored: the name, and the head it had then */
	known = known && starts_with(&s->pos, rec) && (s->gz || rec->offset <= (uint64_t)st.st_size);
	if (only_known && (!known || (!s->gz && rec->offset >= (uint64_t)st.st_size))) {
		s->state = FOLLOW_SRC_FREE; /* nothing of it left to read */
		f->nsrc--;
		rc = 0;
		goto out;
	}
	syslog_clock_init_mtime(&s->clk, st.st_mtime);
	if (known) {
		s->pos.id = rec->id;
		s->pos.offset = rec->offset;
		s->pos.lines = rec->lines;
		s->committed = rec->offset;
	}
	s->clk.has_name_day = 1;
	s->clk.name_day = df->key.day;
	/* the file before it is finished once quiet: a writer may still append to it */
	for (cur = f->src; cur < f->src + f->nsrc - 1; cur++)
		if (cur->current) {
			cur->current = 0;
			cur->grace = !cur->gz;
			clock_gettime(CLOCK_MONOTONIC, &cur->grown);
		}
	s->current = 1;
	f->dated_last = df->key;
	f->has_dated_last = 1;
	log_info("follow", "%s: reading %s from offset %llu", f->path, df->name,
	    (unsigned long long)s->pos.offset);
	rc = follow_src_start(f, s, fd) == 0 ? 1 : -1;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	free(rec);
	return rc;
}

/* Is the file already in the chain? */
static int
follow_dated_in_chain(const struct follow *f, const struct dated_file *df)
{
	const char *slash;
	size_t i;

	for (i = 0; i < f->nsrc; i++) {
		if (f->src[i].state == FOLLOW_SRC_FREE)
			continue;
		slash = strrchr(f->src[i].file, '/');
		if (strcmp(slash != NULL ? slash + 1 : f->src[i].file, df->name) == 0)
			return 1;
	}
	return 0;
}

/* Newer files than the chain's newest: queued in order.  1 when one was, 0, -1. */
static int
follow_dated_check(struct follow *f, struct store *store)
{
	struct dated_file *v;
	struct follow_src *cur = follow_current(f);
	size_t n, i;
	int rc = 0, q;

	if (cur != NULL && cur->pos.fp_len < STORE_FP_MAX && !cur->gz &&
	    cur->state == FOLLOW_SRC_READING)
		import_fingerprint(cur->r.fd, 0, &cur->pos); /* the head grew: identify better */
	if (f->has_dated_last && ms_since(&f->dated_scanned) < (long)f->dated_scan_ms)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &f->dated_scanned);
	if (follow_dated_scan(f, &v, &n) != 0)
		return -1;
	for (i = 0; i < n && rc >= 0; i++) {
		if (f->has_dated_last && dated_cmp_key(&v[i].key, &f->dated_last) <= 0)
			continue;
		if (follow_dated_in_chain(f, &v[i]))
			continue;
		if ((q = follow_dated_queue(f, store, &v[i], 0)) < 0)
			rc = -1;
		else if (q > 0)
			rc = 1;
		else
			break; /* no room: in order, or not at all */
	}
	free(v);
	return rc;
}

/* At start: the files the store knows and has not finished, then every newer one. */
static int
follow_dated_start(struct follow *f, struct store *store)
{
	struct dated_file *v;
	struct file_pos *rec;
	size_t n, i, newest = SIZE_MAX;
	char path[4096];
	int rc = 0;

	if (follow_dated_scan(f, &v, &n) != 0)
		return -1;
	if ((rec = calloc(1, sizeof(*rec))) == NULL) {
		free(v);
		return -1;
	}
	for (i = 0; store != NULL && i < n; i++)
		if (follow_name(path, sizeof(path), f->dated_dir, "/", v[i].name) == 0 &&
		    store_file_by_path(store, path, rec) == 1)
			newest = i;
	free(rec);
	if (newest == SIZE_MAX) {
		/* no history: the newest file from its start, as for a single log */
		if (n > 0 && follow_dated_queue(f, store, &v[n - 1], 0) < 0)
			rc = -1;
	} else {
		for (i = 0; i < newest && rc >= 0; i++)
			if (follow_dated_queue(f, store, &v[i], 1) < 0)
				rc = -1;
		for (i = newest; i < n && rc >= 0; i++)
			if (follow_dated_queue(f, store, &v[i], 0) < 0)
				rc = -1;
	}
	free(v);
	return rc;
}

int
follow_open_dated(struct follow *f, const char *pattern, struct store *store,
    const struct mta_parser *parser)
{
	const char *slash;
	struct stat st;
	int rc;

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", pattern);
	f->grace_ms = FOLLOW_GRACE_MS;
	f->dated = parser;
	f->dated_scan_ms = FOLLOW_DATED_SCAN_MS;
	clock_gettime(CLOCK_MONOTONIC, &f->dated_scanned);
	if (stat(pattern, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(f->dated_dir, sizeof(f->dated_dir), "%s", pattern);
		snprintf(f->dated_glob, sizeof(f->dated_glob), "*");
	} else {
		slash = strrchr(pattern, '/');
		snprintf(f->dated_dir, sizeof(f->dated_dir), "%.*s", slash == NULL ? 1 : slash == pattern
		    ? 1 : (int)(slash - pattern), slash == NULL ? "." : pattern);
		snprintf(f->dated_glob, sizeof(f->dated_glob), "%s", slash ? slash + 1 : pattern);
	}
	rc = follow_dated_start(f, store);
	follow_update_state(f);
	return rc < 0 ? -1 : 0;
}

/* Lines of s into the pipeline until its end or max; -1 on error. */
static long
follow_src_read(struct follow_src *s, struct ingest *ig, long max)
{
	const char *line;
	size_t len;
	uint64_t seen;
	long n = 0;
	int rc;

	while (n < max) {
		rc = reader_next(&s->r, &line, &len);
		if (rc < 0) {
			log_err("follow", "%s: read error: %s", s->file, strerror(errno));
			return -1;
		}
		if (rc == 0)
			break;
		if (ingest_line(ig, &s->clk, line, len) != 0)
			return -1;
		n++;
	}
	s->pos.lines += n;
	seen = s->r.offset + reader_pending(&s->r);
	if (seen != s->mark) {
		s->mark = seen;
		clock_gettime(CLOCK_MONOTONIC, &s->grown);
	}
	return n;
}

/* The format configured for this log (logfile PATH FORMAT). */
static void
follow_set_parser(const struct follow *f, struct ingest *ig)
{
	size_t i;

	for (i = 0; i < ig->cfg->nlogs; i++)
		if (strcmp(ig->cfg->logs[i].path, f->path) == 0) {
			ingest_set_parser(ig, ig->cfg->logs[i].parser);
			return;
		}
	ingest_set_parser(ig, &parser_postfix);
}

long
follow_read_slice(struct follow *f, struct ingest *ig, unsigned max_lines)
{
	long n = 0, got, max = (long)max_lines;
	size_t i;
	int again = 2, rc;

	follow_set_parser(f, ig);
	/* a parser with memory keeps one per followed log, saved with its positions */
	if (ingest_use_series(ig, f->path) != 0)
		return -1;

	if (f->dated == NULL && follow_check_truncation(f, ig->store) < 0)
		return -1;
	for (;;) {
		for (i = 0; i < f->nsrc && n < max; i++) {
			struct follow_src *s = &f->src[i];
			if (s->state == FOLLOW_SRC_WAITING && follow_src_start(f, s, s->fd) != 0) {
				follow_lost(f, 0);
				continue;
			}
			if (s->state != FOLLOW_SRC_READING)
				continue;
			if ((got = follow_src_read(s, ig, max - n)) < 0)
				return -1;
			n += got;
			if (n < max && !s->current && (!s->grace || ms_since(&s->grown) >= (long)f->grace_ms))
				follow_src_finish(f, s);
		}
		if (n >= max || again-- == 0)
			break;
		rc = f->dated != NULL ? follow_dated_check(f, ig->store)
		    : follow_check_rotation(f, ig->store);
		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
	}
	follow_update_state(f);
	f->lines += (uint64_t)n;
	if (n > 0)
		f->last_line = time(NULL);
	return n;
}
