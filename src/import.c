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

/* Out of memory: not a read error (-1) nor the store's (IMPORT_DB_FAILED). */
#define IMPORT_NOMEM (-3)

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

/*
 * Commits go to a writer thread with its own connection (writer.h), one
 * for the whole import: it writes one batch while this thread parses the
 * next, so an import uses both cores, and a file's last batch is written
 * while the next file is read (IceWarp's day is 24 or more files).  One
 * batch at a time: the next is cut once the last is written, which also
 * gives a new file's row id to the next batch of that file.
 */
struct import_run {
	struct ingest *ig;
	struct writer w;
	struct store_batch b;
	int out;             /* b is in the writer's hands */
	unsigned seq;        /* the file being read: 1, 2, ... */
	unsigned out_seq;    /* the file b belongs to */
	struct file_pos out_file; /* its identity and head, to tell it again */
	char out_path[PATH_MAX];
	int64_t committed;   /* lines of the current file in the history */
	int64_t out_committed; /* of out_seq's file before b: what a failed b leaves */
};

struct import_run *
import_begin(struct ingest *ig)
{
	struct import_run *run = calloc(1, sizeof(*run));

	if (run == NULL) {
		log_err("import", "out of memory");
		return NULL;
	}
	run->ig = ig;
	if (writer_start(&run->w, ig->store->path, NULL, IMPORT_BUSY_MS) != 0) {
		free(run);
		return NULL;
	}
	store_batch_init(&run->b);
	return run;
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
 * The batch in the writer's hands, written: 0, or IMPORT_DB_FAILED, said
 * against the file it belongs to.  pos: the file being read (its row id
 * comes back with its first batch).
 */
static int
import_wait(struct import_run *run, struct file_pos *pos)
{
	struct store_batch *r;
	int mine = run->out_seq == run->seq;

	if (!run->out)
		return 0;
	run->out = 0;
	if ((r = writer_wait(&run->w)) == NULL || r->rc != 0) {
		commit_failed(run->ig, run->out_path, &run->b, run->out_committed);
		return IMPORT_DB_FAILED;
	}
	if (mine && pos != NULL && pos->id == 0 && r->npos > 0)
		pos->id = r->pos[0].id; /* the file's row, inserted by this batch */
	if (mine)
		run->committed = r->npos > 0 ? r->pos[0].lines : run->committed;
	ingest_batch_done(run->ig, r);
	return 0;
}

/* Hand what was read up to pos to the writer, once the last batch is written. */
static int
import_hand(struct import_run *run, struct file_pos *pos, const char *path)
{
	int rc;

	if ((rc = import_wait(run, pos)) != 0)
		return rc;
	store_batch_clear(&run->b);
	if (ingest_batch(run->ig, &run->b, &pos, 1) != 0) {
		log_err("import", "%s: out of memory cutting a batch; the next run goes on from"
		    " line %lld", path, (long long)run->committed);
		return IMPORT_NOMEM;
	}
	if (writer_submit(&run->w, &run->b) != 0)
		return IMPORT_NOMEM; /* cannot be: nothing is out */
	run->out = 1;
	run->out_seq = run->seq;
	run->out_committed = run->committed;
	run->out_file = *pos;
	snprintf(run->out_path, sizeof(run->out_path), "%s", path);
	return 0;
}

/*
 * A file's last batch may still be in the writer's hands when the next
 * file starts: that one must see it written if it is the same file again
 * (given twice, or a copy), or it would be read twice.
 */
static int
import_settle(struct import_run *run, const struct file_pos *pos)
{
	const struct file_pos *o = &run->out_file;

	if (!run->out || run->out_seq == run->seq)
		return 0;
	if ((o->dev == pos->dev && o->ino == pos->ino) ||
	    (o->fp_len == pos->fp_len && memcmp(o->fp, pos->fp, pos->fp_len) == 0))
		return import_wait(run, NULL);
	return 0;
}

int
import_end(struct import_run *run)
{
	int rc;

	if (run == NULL)
		return 0;
	rc = import_wait(run, NULL);
	writer_stop(&run->w);
	store_batch_free(&run->b);
	free(run);
	return rc;
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
import_file(struct import_run *run, const char *path, const struct import_opts *o, int *fresh)
{
	static struct file_pos pos; /* 5 KiB: off the stack, one import at a time */
	struct ingest *ig = run->ig;
	struct syslog_clock clk;
	struct reader r;
	struct stat st;
	struct timespec t0;
	const char *line;
	size_t len;
	int fd, gz, rc, draw = 0;
	uint64_t start_lines = ig->lines;

	*fresh = 0;
	memset(&pos, 0, sizeof(pos));
	run->seq++;
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
	if (import_fingerprint(fd, gz, &pos) != 0) {
		log_err("import", "%s: cannot read: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if ((rc = import_settle(run, &pos)) != 0) {
		close(fd);
		return rc;
	}
	if ((rc = resume_point(ig, path, &pos, &clk, &st, o, gz)) < 0) {
		log_err("import", "%s: cannot look it up in %s", path, ig->store->path);
		close(fd);
		return -1;
	}
	if (rc == 1) {
		log_info("import", "%s: already imported", path);
		close(fd);
		return 0;
	}
	*fresh = pos.id == 0; /* no row for it in the history */
	run->committed = pos.lines;
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
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((rc = reader_next(&r, &line, &len)) == 1) {
		if (ingest_line(ig, &clk, line, len) != 0) {
			/* only out-of-memory fails a line: keep what was committed, say where */
			log_err("import", "%s: out of memory at line %lld; stopped, the next run "
			    "goes on from the last commit", path,
			    (long long)(pos.lines + (int64_t)(ig->lines - start_lines)));
			rc = IMPORT_NOMEM;
			break;
		}
		if (ingest_commit_due(ig)) {
			pos.offset = r.offset;
			pos.year = clk.year;
			pos.last_month = clk.last_month;
			pos.lines += (int64_t)(ig->lines - start_lines);
			start_lines = ig->lines;
			if ((rc = import_hand(run, &pos, path)) != 0)
				break;
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
	/* the last batch is written while the next file is read (import_end waits) */
	if (rc >= 0)
		rc = import_hand(run, &pos, path);
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

int
import_path(struct ingest *ig, const char *path, const struct import_opts *o)
{
	struct import_run *run = import_begin(ig);
	int fresh, rc, end;

	if (run == NULL)
		return IMPORT_DB_FAILED;
	rc = import_file(run, path, o, &fresh);
	end = import_end(run);
	return rc != 0 ? rc : end;
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
