/* `mtastat import`: whole files, plain or gzip, resumable by fingerprint. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "civil.h"
#include "import.h"
#include "log.h"
#include "reader.h"
#include "writer.h"

/* Parsers format detection can weigh at once: the registry holds a handful. */
#define DETECT_PARSERS_MAX 8

/* How long a commit waits for another writer of the history before it fails. */
#define IMPORT_BUSY_MS 5000

/* Redraw the progress bar at most this often. */
#define PROGRESS_INTERVAL_MS 200

static int
is_gzip(int fd)
{
	unsigned char m[2];

	return pread(fd, m, 2, 0) == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

void
import_fp_redact(unsigned char *fp, size_t n)
{
	static const char mark[] = "<<< ";
	size_t i = 0, k;
	int hide = 0;

	for (i = 0; i < n; i++) {
		if (fp[i] == '\n') {
			hide = 0;
		} else if (hide) {
			fp[i] = '*';
		} else if (i + 1 >= sizeof(mark) - 1) {
			k = i + 1 - (sizeof(mark) - 1);
			hide = memcmp(fp + k, mark, sizeof(mark) - 1) == 0;
		}
	}
}

int
import_fingerprint(int fd, int gz, struct file_pos *p)
{
	ssize_t n;

	if (!gz) {
		n = pread(fd, p->fp, STORE_FP_MAX, 0);
	} else {
		int dup_fd = dup(fd);
		/* gzdopen reads from the shared offset, which a reader may have moved */
		gzFile g = dup_fd >= 0 && lseek(dup_fd, 0, SEEK_SET) == 0 ? gzdopen(dup_fd, "rb") : NULL;
		if (g == NULL) {
			if (dup_fd >= 0)
				close(dup_fd);
			return -1;
		}
		n = gzread(g, p->fp, STORE_FP_MAX);
		gzclose(g);
	}
	if (n < 0)
		return -1;
	p->fp_len = (size_t)n;
	import_fp_redact(p->fp, p->fp_len);
	return 0;
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

static void
progress(const char *path, uint64_t done, uint64_t total, uint64_t lines, long ms)
{
	int width = 30, fill = total ? (int)(done * (uint64_t)width / total) : 0, i;
	char bar[64];

	for (i = 0; i < width; i++)
		bar[i] = i < fill ? '=' : ' ';
	bar[width] = '\0';
	fprintf(stderr, "\r%s [%s] %3d%% %llu lines %.0f lines/s ", path, bar,
	    total ? (int)(done * 100 / total) : 0, (unsigned long long)lines,
	    ms > 0 ? (double)lines * 1000.0 / (double)ms : 0.0);
}

/* Where a known file resumes; 1 when it has nothing new. */
static int
resume_point(struct ingest *ig, const char *path, struct file_pos *pos, struct syslog_clock *clk,
    const struct stat *st, const struct import_opts *o, int gz)
{
	int found = store_file_lookup(ig->store, pos);

	if (found < 0)
		return -1;
	if (found) {
		syslog_clock_init(clk, pos->year);
		clk->last_month = pos->last_month;
		if (!gz && pos->offset >= (uint64_t)st->st_size) {
			if (pos->offset > (uint64_t)st->st_size)
				log_warn("import", "%s: shorter than when it was imported (%llu < %llu bytes):"
				    " skipped", path, (unsigned long long)st->st_size,
				    (unsigned long long)pos->offset);
			return 1;
		}
		return 0;
	}
	pos->offset = 0;
	pos->lines = 0;
	if (o->year > 0)
		syslog_clock_init(clk, o->year);
	else
		syslog_clock_init_mtime(clk, st->st_mtime);
	return 0;
}

/*
 * A log whose lines carry only the time of day (IceWarp) takes its date
 * from its file name; a file not named so takes its modification date,
 * said once.
 */
static void
import_name_day(const struct ingest *ig, const char *path, struct syslog_clock *clk,
    const struct stat *st)
{
	const char *slash = strrchr(path, '/');
	struct mta_file_key key;
	struct tm tm;

	if (ig->parser->file_key == NULL)
		return;
	clk->has_name_day = 1;
	if (ig->parser->file_key(slash ? slash + 1 : path, &key) == 0) {
		clk->name_day = key.day;
		return;
	}
	localtime_r(&st->st_mtime, &tm);
	clk->name_day = civil_days(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	log_warn("import", "%s: not a dated %s log name (like s20260102.log): its lines are"
	    " dated by its modification day", path, ig->parser->name);
}

/*
 * The series a file of a stateful log belongs to: its directory and the
 * name before the date ("/var/log/icewarp/smtp/s1"), else the file itself.
 */
static int
import_series(struct ingest *ig, const char *path)
{
	char dir[4096], key[INGEST_SERIES_KEY_MAX];
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	struct mta_file_key fk;

	if (ig->parser->parse_state == NULL)
		return 0;
	snprintf(dir, sizeof(dir), "%.*s", slash == NULL ? 1 : slash == path ? 1
	    : (int)(slash - path), slash == NULL ? "." : path);
	if (realpath(dir, key) == NULL)
		snprintf(key, sizeof(key), "%s", dir);
	if (ig->parser->file_key == NULL || ig->parser->file_key(base, &fk) != 0)
		snprintf(fk.series, sizeof(fk.series), "%s", base);
	if (strlen(key) + 1 + strlen(fk.series) >= sizeof(key))
		return -1;
	strcat(key, "/");
	strcat(key, fk.series);
	return ingest_use_series(ig, key);
}

/* The database refused the batch: say so against the database, not the log. */
static void
commit_failed(const struct ingest *ig, const char *path, const struct store_batch *b,
    int64_t committed)
{
	log_err("import", "%s: %s (%s): %s is imported up to line %lld;"
	    " run the import again when the database is writable", ig->store->path,
	    b->cause != NULL ? b->cause : "database error", b->errmsg, path, (long long)committed);
}

/*
 * Commits go to a writer thread with its own connection (writer.h): it
 * writes one batch while this thread parses the next, so an import uses
 * both cores.  One batch at a time: the next is cut once the last is
 * written, which also gives a new file's row id to the next batch.
 */
struct import_commits {
	struct writer w;
	struct store_batch b;
	int out;             /* b is in the writer's hands */
	int64_t committed;   /* lines of the file in the history */
};

/* The batch in the writer's hands, written: 0, or -1 when it failed (b says why). */
static int
import_wait(struct ingest *ig, struct import_commits *c, struct file_pos *pos)
{
	struct store_batch *r;

	if (!c->out)
		return 0;
	c->out = 0;
	if ((r = writer_wait(&c->w)) == NULL || r->rc != 0)
		return -1;
	if (pos->id == 0 && r->npos > 0)
		pos->id = r->pos[0].id; /* the file's row, inserted by this batch */
	c->committed = r->npos > 0 ? r->pos[0].lines : c->committed;
	ingest_batch_done(ig, r);
	return 0;
}

/* Hand what was read up to pos to the writer, once the last batch is written. */
static int
import_hand(struct ingest *ig, struct import_commits *c, struct file_pos *pos)
{
	if (import_wait(ig, c, pos) != 0)
		return -1;
	store_batch_clear(&c->b);
	if (ingest_batch(ig, &c->b, &pos, 1) != 0) {
		c->b.cause = "out of memory";
		snprintf(c->b.errmsg, sizeof(c->b.errmsg), "cutting a batch");
		return -1;
	}
	if (writer_submit(&c->w, &c->b) != 0)
		return -1; /* cannot be: nothing is out */
	c->out = 1;
	return 0;
}

/* Does p read this line as one of its MTA's (not unparsed)? */
static int
import_recognises(const struct mta_parser *p, struct syslog_clock *clk, const char *line,
    size_t len)
{
	struct log_header h;
	struct mta_event ev;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (p->envelope(clk, line, len, &h) != 0 || !p->owns(p->default_instances, &h))
		return 0;
	p->parse(&h, &ev);
	return ev.type != EV_UNPARSED;
}

int
import_detect(const char *path, const struct mta_parser **out, unsigned *lines,
    unsigned *recognised)
{
	unsigned hits[DETECT_PARSERS_MAX] = { 0 };
	struct syslog_clock clk[DETECT_PARSERS_MAX];
	struct reader r;
	const char *line;
	size_t len, i;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	*out = NULL;
	*lines = *recognised = 0;
	if (fd < 0)
		return -1;
	if (reader_open(&r, fd, is_gzip(fd)) != 0) {
		reader_close(&r);
		return -1;
	}
	for (i = 0; mta_parsers[i] != NULL && i < DETECT_PARSERS_MAX; i++)
		syslog_clock_init(&clk[i], 2000); /* any year: only the shape matters */
	while (*lines < IMPORT_DETECT_LINES && (rc = reader_next(&r, &line, &len)) == 1) {
		(*lines)++;
		for (i = 0; mta_parsers[i] != NULL && i < DETECT_PARSERS_MAX; i++)
			hits[i] += (unsigned)import_recognises(mta_parsers[i], &clk[i], line, len);
	}
	reader_close(&r);
	for (i = 0; mta_parsers[i] != NULL && i < DETECT_PARSERS_MAX; i++)
		if (hits[i] > *recognised) {
			*recognised = hits[i];
			*out = mta_parsers[i];
		}
	return 0;
}

int
import_file(struct ingest *ig, const char *path, const struct import_opts *o)
{
	static struct file_pos pos; /* 5 KiB: off the stack, one import at a time */
	struct file_pos *posp = &pos;
	struct syslog_clock clk;
	struct reader r;
	struct stat st;
	struct timespec t0;
	struct import_commits cm;
	const char *line;
	size_t len;
	int fd, gz, rc, draw = 0;
	uint64_t start_lines = ig->lines;

	memset(&pos, 0, sizeof(pos));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		log_err("import", "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	gz = is_gzip(fd);
	snprintf(pos.path, sizeof(pos.path), "%s", path);
	pos.dev = (uint64_t)st.st_dev;
	pos.ino = (uint64_t)st.st_ino;
	pos.size = gz ? 0 : (uint64_t)st.st_size;
	if (import_fingerprint(fd, gz, &pos) != 0 ||
	    (rc = resume_point(ig, path, &pos, &clk, &st, o, gz)) < 0) {
		log_err("import", "%s: cannot read: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (rc == 1) {
		log_info("import", "%s: already imported", path);
		close(fd);
		return 0;
	}
	import_name_day(ig, path, &clk, &st);
	if (import_series(ig, path) != 0) {
		log_err("import", "%s: cannot keep the state of its series", path);
		close(fd);
		return -1;
	}
	if (reader_open(&r, fd, gz) != 0 || reader_seek(&r, pos.offset) != 0) {
		log_err("import", "%s: cannot read from offset %llu", path,
		    (unsigned long long)pos.offset);
		reader_close(&r);
		return -1;
	}
	if (writer_start(&cm.w, ig->store->path, NULL, IMPORT_BUSY_MS) != 0) {
		reader_close(&r);
		return IMPORT_DB_FAILED;
	}
	store_batch_init(&cm.b);
	cm.out = 0;
	cm.committed = pos.lines;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((rc = reader_next(&r, &line, &len)) == 1) {
		if (ingest_line(ig, &clk, line, len) != 0) {
			/* only out-of-memory fails a line: keep what was committed, say where */
			log_err("import", "%s: out of memory at line %lld; stopped, the next run "
			    "goes on from the last commit", path,
			    (long long)(pos.lines + (int64_t)(ig->lines - start_lines)));
			rc = -3; /* not a read error (-1) nor the store's (IMPORT_DB_FAILED) */
			break;
		}
		if (ingest_commit_due(ig)) {
			pos.offset = r.offset;
			pos.year = clk.year;
			pos.last_month = clk.last_month;
			pos.lines += (int64_t)(ig->lines - start_lines);
			start_lines = ig->lines;
			if (import_hand(ig, &cm, posp) != 0) {
				rc = IMPORT_DB_FAILED;
				break;
			}
			if (o->progress && ms_since(&t0) / PROGRESS_INTERVAL_MS > draw) {
				draw = (int)(ms_since(&t0) / PROGRESS_INTERVAL_MS);
				progress(path, gz ? (uint64_t)gzoffset(r.gz) : r.offset,
				    (uint64_t)st.st_size, pos.lines, ms_since(&t0));
			}
		}
	}
	if (rc == -1)
		log_err("import", "%s: read error: %s", path, strerror(errno));
	pos.offset = r.offset;
	pos.year = clk.year;
	pos.last_month = clk.last_month;
	pos.lines += (int64_t)(ig->lines - start_lines);
	if (rc >= 0 && import_hand(ig, &cm, posp) != 0)
		rc = IMPORT_DB_FAILED;
	if (import_wait(ig, &cm, posp) != 0)
		rc = IMPORT_DB_FAILED;
	if (rc == IMPORT_DB_FAILED)
		commit_failed(ig, path, &cm.b, cm.committed);
	writer_stop(&cm.w);
	store_batch_free(&cm.b);
	pos.lines = cm.committed;
	if (o->progress) {
		progress(path, 1, 1, pos.lines, ms_since(&t0));
		fputc('\n', stderr);
	}
	if (reader_pending(&r) > 0 && rc != IMPORT_DB_FAILED)
		log_warn("import", "%s: %zu bytes of an unterminated last line left for the next run",
		    path, reader_pending(&r));
	if (r.truncated > 0)
		log_warn("import", "%s: %llu line(s) longer than %d bytes were cut", path,
		    (unsigned long long)r.truncated, READER_LINE_MAX);
	reader_close(&r);
	return rc == IMPORT_DB_FAILED ? rc : rc < 0 ? -1 : 0;
}

/* A dated file's place: (date, split, series, name). */
struct import_dated {
	struct mta_file_key key;
	char *path;
	const struct mta_parser *fmt;
};

static int
import_dated_cmp(const void *a, const void *b)
{
	const struct import_dated *x = a, *y = b;
	int c;

	if (x->key.day != y->key.day)
		return x->key.day < y->key.day ? -1 : 1;
	if (x->key.split != y->key.split)
		return x->key.split < y->key.split ? -1 : 1;
	if ((c = strcmp(x->key.series, y->key.series)) != 0)
		return c;
	return strcmp(x->path, y->path);
}

static int
import_dated_key(const char *path, const struct mta_parser *fmt, struct mta_file_key *key)
{
	const char *slash = strrchr(path, '/');

	return fmt != NULL && fmt->file_key != NULL &&
	    fmt->file_key(slash ? slash + 1 : path, key) == 0 ? 0 : -1;
}

int
import_order(char **paths, const struct mta_parser **fmt, size_t n)
{
	struct import_dated *d = calloc(n ? n : 1, sizeof(*d));
	size_t i, k = 0;

	if (d == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (import_dated_key(paths[i], fmt[i], &d[k].key) == 0) {
			d[k].path = paths[i];
			d[k++].fmt = fmt[i];
		}
	qsort(d, k, sizeof(*d), import_dated_cmp);
	/* the dated files take the places dated files had, in date order */
	for (i = 0, k = 0; i < n; i++) {
		struct mta_file_key unused;
		if (import_dated_key(paths[i], fmt[i], &unused) == 0) {
			paths[i] = d[k].path;
			fmt[i] = d[k++].fmt;
		}
	}
	free(d);
	return 0;
}
