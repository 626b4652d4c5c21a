/* Following a live log: partial lines, rename+create, copytruncate, restarts. */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <zlib.h>

#include "civil.h"
#include "conf.h"
#include "follow.h"
#include "ingest.h"
#include "testutil.h"

#define LINE(n) "Nov  2 10:00:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 " #n "\n"

static char *dir;
static char logpath[4200], dbpath[4200];
static struct mtastat_config cfg;

static void
setup(void)
{
	dir = tu_tmpdir();
	snprintf(logpath, sizeof(logpath), "%s/mail.log", dir);
	snprintf(dbpath, sizeof(dbpath), "%s/f.db", dir);
	config_init(&cfg);
}

static void
teardown(void)
{
	config_free(&cfg);
	tu_rmdir(dir);
}

/* One daemon lifetime: open the store and the pipeline, follow the log. */
struct run {
	struct store s;
	struct ingest ig;
	struct follow f;
};

static void
run_start(struct run *r)
{
	ck_assert_int_eq(store_open(&r->s, dbpath), 0);
	ck_assert_int_eq(ingest_init(&r->ig, &cfg, &r->s), 0);
	ck_assert_int_eq(follow_open(&r->f, logpath, &r->s,
	    (const char *const *)cfg.rotatednames), 0);
}

/* Read until nothing is new, committing as the daemon does. */
static long
run_drain(struct run *r)
{
	struct file_pos *pos[FOLLOW_POS_MAX];
	long n, total = 0;
	int idle = 0;

	while (idle < 2) {
		n = follow_read_slice(&r->f, &r->ig, 3);
		ck_assert_int_ge(n, 0);
		total += n;
		ck_assert_int_eq(ingest_commit(&r->ig, pos, follow_positions(&r->f, pos)), 0);
		follow_committed(&r->f);
		idle = n == 0 ? idle + 1 : 0;
	}
	return total;
}

/* One slice of at most max lines, then a commit. */
static long
run_step(struct run *r, unsigned max)
{
	struct file_pos *pos[FOLLOW_POS_MAX];
	long n = follow_read_slice(&r->f, &r->ig, max);

	ck_assert_int_ge(n, 0);
	ck_assert_int_eq(ingest_commit(&r->ig, pos, follow_positions(&r->f, pos)), 0);
	follow_committed(&r->f);
	return n;
}

static void
run_stop(struct run *r)
{
	follow_close(&r->f);
	ingest_free(&r->ig);
	store_close(&r->s);
}

static int64_t
rejected(void)
{
	struct store s;
	int64_t v;

	ck_assert_int_eq(store_open(&s, dbpath), 0);
	v = tu_total(&s, C_REJECTED);
	store_close(&s);
	return v;
}

/* cp src dst, keeping the mtime as logrotate's copy and gzip do. */
static void
copy_file(const char *src, const char *dst, int compress)
{
	char buf[4096];
	struct stat st;
	struct timespec t[2];
	size_t n;
	FILE *in = fopen(src, "r");
	FILE *out = compress ? NULL : fopen(dst, "w");
	gzFile gz = compress ? gzopen(dst, "wb") : NULL;

	ck_assert_ptr_nonnull(in);
	ck_assert(out != NULL || gz != NULL);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		if (compress)
			ck_assert_int_eq(gzwrite(gz, buf, (unsigned)n), (int)n);
		else
			ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
	}
	fclose(in);
	if (compress)
		ck_assert_int_eq(gzclose(gz), Z_OK);
	else
		fclose(out);
	ck_assert_int_eq(stat(src, &st), 0);
	t[0] = st.st_atim;
	t[1] = st.st_mtim;
	ck_assert_int_eq(utimensat(AT_FDCWD, dst, t, 0), 0);
}

/* gzip FILE: FILE.gz with the same mtime, FILE removed. */
static void
gzip_file(const char *path)
{
	char gz[4400];

	snprintf(gz, sizeof(gz), "%s.gz", path);
	copy_file(path, gz, 1);
	ck_assert_int_eq(unlink(path), 0);
}

/* A sibling's name: mail.log.1, mail.log.2.gz ... */
static const char *
sib(char *buf, size_t len, const char *suffix)
{
	snprintf(buf, len, "%s%s", logpath, suffix);
	return buf;
}

START_TEST(partial_line_waits_for_its_newline)
{
	struct run r;

	tu_write(logpath, "w", LINE(1) LINE(2) "Nov  2 10:00:00 mx postfix/smtpd[1]: NOQUEUE: rej");
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 2);
	tu_write(logpath, "a", "ect: RCPT from x[192.0.2.1]: 554 3\n");
	ck_assert_int_eq(run_drain(&r), 1);
	run_stop(&r);
	ck_assert_int_eq(rejected(), 3);
}
END_TEST

START_TEST(rename_and_create_loses_nothing)
{
	char old[4300];
	struct run r;

	snprintf(old, sizeof(old), "%s.1", logpath);
	tu_write(logpath, "w", LINE(1) LINE(2));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 2);
	ck_assert_int_eq(rename(logpath, old), 0);
	tu_write(old, "a", LINE(3));           /* the writer had not reopened yet */
	tu_write(logpath, "w", LINE(4) LINE(5) LINE(6));
	ck_assert_int_eq(run_drain(&r), 4);
	ck_assert_uint_eq(r.f.rotations, 1);
	tu_write(logpath, "a", LINE(7));
	ck_assert_int_eq(run_drain(&r), 1);
	run_stop(&r);
	ck_assert_int_eq(rejected(), 7);
}
END_TEST

START_TEST(copytruncate_loses_nothing_written_after)
{
	struct run r;

	tu_write(logpath, "w", LINE(1) LINE(2) LINE(3));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 3);
	tu_write(logpath, "w", LINE(4));        /* truncate, then the writer goes on */
	ck_assert_int_eq(run_drain(&r), 1);
	ck_assert_uint_eq(r.f.truncations, 1);
	tu_write(logpath, "a", LINE(5) LINE(6) LINE(7) LINE(8));
	ck_assert_int_eq(run_drain(&r), 4);
	run_stop(&r);
	ck_assert_int_eq(rejected(), 8);
}
END_TEST

START_TEST(restart_resumes_where_it_stopped)
{
	struct run r;

	tu_write(logpath, "w", LINE(1) LINE(2));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 2);
	run_stop(&r);
	tu_write(logpath, "a", LINE(3));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 1);
	run_stop(&r);
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 0);
	run_stop(&r);
	ck_assert_int_eq(rejected(), 3);
}
END_TEST

START_TEST(rotated_while_stopped_is_finished_first)
{
	char old[4300];
	struct run r;

	snprintf(old, sizeof(old), "%s.1", logpath);
	tu_write(logpath, "w", LINE(1) LINE(2));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 2);
	run_stop(&r);
	/* while we are down: more lines, rotation, new lines */
	tu_write(logpath, "a", LINE(3));
	ck_assert_int_eq(rename(logpath, old), 0);
	tu_write(logpath, "w", LINE(4) LINE(5));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 3);
	run_stop(&r);
	ck_assert_int_eq(rejected(), 5);
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 0);
	run_stop(&r);
}
END_TEST

START_TEST(missing_file_is_picked_up_when_created)
{
	struct run r;

	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 0);
	ck_assert_int_eq(r.f.state, FOLLOW_MISSING);
	tu_write(logpath, "w", LINE(1));
	ck_assert_int_eq(run_drain(&r), 1);
	run_stop(&r);
	ck_assert_int_eq(rejected(), 1);
}
END_TEST

/* A buffered writer (rsyslog until its HUP) appends to the renamed file after the new one appeared. */
START_TEST(writer_keeps_appending_after_rename)
{
	char old[4300];
	struct run r;

	sib(old, sizeof(old), ".1");
	tu_write(logpath, "w", LINE(1) LINE(2));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 2);
	ck_assert_int_eq(rename(logpath, old), 0);
	tu_write(logpath, "w", "");             /* logrotate's create */
	ck_assert_int_eq(run_drain(&r), 0);
	ck_assert_uint_eq(r.f.rotations, 1);
	tu_write(old, "a", LINE(3) LINE(4));   /* the old handle is flushed */
	tu_write(logpath, "a", LINE(5));       /* then the writer reopens */
	ck_assert_int_eq(run_drain(&r), 3);
	tu_write(old, "a", LINE(6));           /* a late flush is still read */
	ck_assert_int_eq(run_drain(&r), 1);
	run_stop(&r);
	ck_assert_int_eq(rejected(), 6);
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 0);
	run_stop(&r);
}
END_TEST

/* Stopped while the old file was still being finished: the rest of it is read on start. */
START_TEST(stopped_while_finishing_the_old_file)
{
	char old[4300];
	struct run r;

	sib(old, sizeof(old), ".1");
	tu_write(logpath, "w", LINE(1) LINE(2));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 2);
	ck_assert_int_eq(rename(logpath, old), 0);
	tu_write(logpath, "w", LINE(3));
	ck_assert_int_eq(run_drain(&r), 1);
	run_stop(&r);
	tu_write(old, "a", LINE(4));
	tu_write(logpath, "a", LINE(5));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 2);
	run_stop(&r);
	ck_assert_int_eq(rejected(), 5);
}
END_TEST

/* copytruncate while behind: the unread tail is in the copy. */
START_TEST(copytruncate_while_lagging_reads_the_copy)
{
	char old[4300];
	struct run r;

	sib(old, sizeof(old), ".1");
	tu_write(logpath, "w", LINE(1) LINE(2) LINE(3));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 3);
	tu_write(logpath, "a", LINE(4) LINE(5)); /* not read yet */
	copy_file(logpath, old, 0);
	tu_write(logpath, "w", LINE(6));         /* truncate, the writer goes on */
	ck_assert_int_eq(run_drain(&r), 3);
	ck_assert_uint_eq(r.f.truncations, 1);
	run_stop(&r);
	ck_assert_int_eq(rejected(), 6);
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 0);
	run_stop(&r);
}
END_TEST

/*
 * The truncated file grew past our old offset before we looked: reading on
 * at the old offset would count its tail twice and the copy's never.
 */
START_TEST(copytruncate_then_more_than_was_read)
{
	char old[4300];
	struct run r;

	sib(old, sizeof(old), ".1");
	tu_write(logpath, "w", LINE(1) LINE(2) LINE(3));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 3);
	tu_write(logpath, "a", LINE(4) LINE(5));
	copy_file(logpath, old, 0);
	tu_write(logpath, "w", LINE(6) LINE(7) LINE(8) LINE(9));
	ck_assert_int_eq(run_drain(&r), 6);
	run_stop(&r);
	ck_assert_int_eq(rejected(), 9);
}
END_TEST

/* mail.log -> mail.log.1 -> mail.log.1.gz while stopped. */
START_TEST(rotated_and_compressed_while_stopped)
{
	char old[4300];
	struct run r;

	sib(old, sizeof(old), ".1");
	tu_write(logpath, "w", LINE(1) LINE(2));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 2);
	run_stop(&r);
	tu_write(logpath, "a", LINE(3));
	ck_assert_int_eq(rename(logpath, old), 0);
	tu_write(logpath, "w", LINE(4) LINE(5));
	gzip_file(old);
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 3);
	run_stop(&r);
	ck_assert_int_eq(rejected(), 5);
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 0);
	run_stop(&r);
}
END_TEST

static int64_t
unparsed(void)
{
	struct store s;
	int64_t v;

	ck_assert_int_eq(store_open(&s, dbpath), 0);
	v = store_total(&s, "unparsed");
	store_close(&s);
	return v;
}

/*
 * gzip at work: NAME.gz holds the first half of its stream, whose last four
 * bytes are then no size at all (half: 0, or just created).
 */
static void
gzip_started(const char *path, int half)
{
	char gz[4400];
	struct stat st;

	snprintf(gz, sizeof(gz), "%s.gz", path);
	copy_file(path, gz, 1);
	ck_assert_int_eq(stat(gz, &st), 0);
	ck_assert_int_eq(truncate(gz, half ? st.st_size / 2 : 0), 0);
}

/* Lines from..to as rejects that differ, so that their gzip stream is long. */
static void
append_varied(const char *path, int from, int to)
{
	char line[128];
	int i;

	for (i = from; i <= to; i++) {
		snprintf(line, sizeof(line), "Nov  2 10:00:00 mx postfix/smtpd[%d]: NOQUEUE: reject:"
		    " RCPT from x%08x[192.0.2.1]: 554 %d\n", i, (unsigned)i * 2654435761u, i);
		tu_write(path, "a", line);
	}
}

/*
 * Started while gzip compresses the rotated file: its .gz exists, empty or
 * half written, beside the complete plain file.  The .gz is neither read as
 * text nor trusted for a size its trailer does not have yet.
 */
static void
rotated_while_gzip_writes(int half)
{
	char old[4300];
	struct run r;

	sib(old, sizeof(old), ".1");
	tu_write(logpath, "w", LINE(1) LINE(2));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 2);
	run_stop(&r);
	append_varied(logpath, 3, 40);
	ck_assert_int_eq(rename(logpath, old), 0);
	tu_write(logpath, "w", LINE(41) LINE(42));
	gzip_started(old, half);
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 40);
	gzip_file(old); /* gzip ends: the whole .gz, the plain file gone */
	ck_assert_int_eq(run_drain(&r), 0);
	run_stop(&r);
	ck_assert_int_eq(rejected(), 42);
	ck_assert_int_eq(unparsed(), 0);
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 0);
	run_stop(&r);
}

START_TEST(rotated_while_gzip_creates_the_gz)
{
	rotated_while_gzip_writes(0);
}
END_TEST

START_TEST(rotated_while_gzip_half_wrote_the_gz)
{
	rotated_while_gzip_writes(1);
}
END_TEST

/* copytruncate then compress (no delaycompress): the copy is being gzipped when we look. */
START_TEST(copytruncate_while_gzip_writes_the_copy)
{
	char old[4300];
	struct run r;

	sib(old, sizeof(old), ".1");
	tu_write(logpath, "w", LINE(1) LINE(2) LINE(3));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 3);
	append_varied(logpath, 4, 40); /* not read yet */
	copy_file(logpath, old, 0);
	tu_write(logpath, "w", LINE(41));
	gzip_started(old, 1);
	ck_assert_int_eq(run_drain(&r), 38);
	gzip_file(old);
	ck_assert_int_eq(run_drain(&r), 0);
	run_stop(&r);
	ck_assert_int_eq(rejected(), 41);
	ck_assert_int_eq(unparsed(), 0);
}
END_TEST

/* Two rotations while stopped: the middle file, never seen, is read too, in order. */
START_TEST(two_rotations_while_stopped)
{
	char one[4300], two[4300];
	struct run r;

	sib(one, sizeof(one), ".1");
	sib(two, sizeof(two), ".2");
	tu_write(logpath, "w", LINE(1));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 1);
	run_stop(&r);
	tu_write(logpath, "a", LINE(2));
	ck_assert_int_eq(rename(logpath, one), 0);
	tu_write(logpath, "w", LINE(3) LINE(4));
	ck_assert_int_eq(rename(one, two), 0);
	ck_assert_int_eq(rename(logpath, one), 0);
	tu_write(logpath, "w", LINE(5));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 4);
	run_stop(&r);
	ck_assert_int_eq(rejected(), 5);
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 0);
	run_stop(&r);
}
END_TEST

START_TEST(copytruncate_while_stopped)
{
	char old[4300];
	struct run r;

	sib(old, sizeof(old), ".1");
	tu_write(logpath, "w", LINE(1) LINE(2));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 2);
	run_stop(&r);
	tu_write(logpath, "a", LINE(3));
	copy_file(logpath, old, 0);
	tu_write(logpath, "w", LINE(4));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 2);
	run_stop(&r);
	ck_assert_int_eq(rejected(), 4);
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 0);
	run_stop(&r);
}
END_TEST

/* A file and its .gz are one file: the rest of it is read once. */
START_TEST(file_and_its_gz_count_once)
{
	char old[4300], gz[4300];
	struct run r;

	sib(old, sizeof(old), ".1");
	sib(gz, sizeof(gz), ".1.gz");
	tu_write(logpath, "w", LINE(1) LINE(2));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 2);
	run_stop(&r);
	tu_write(logpath, "a", LINE(3));
	ck_assert_int_eq(rename(logpath, old), 0);
	copy_file(old, gz, 1);                  /* gzip -k */
	tu_write(logpath, "w", LINE(4));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 2);
	run_stop(&r);
	ck_assert_int_eq(rejected(), 4);
}
END_TEST

/*
 * While the renamed file is in its grace period both files' positions are
 * committed, once each; after it, the old file's final position is stored
 * and its slot is free.
 */
START_TEST(grace_period_then_final_position)
{
	char old[4300], len[32];
	struct file_pos *pos[FOLLOW_POS_MAX];
	struct run r;
	size_t n;

	sib(old, sizeof(old), ".1");
	tu_write(logpath, "w", LINE(1) LINE(2));
	run_start(&r);
	ck_assert_uint_eq(r.f.grace_ms, FOLLOW_GRACE_MS);
	ck_assert_int_eq(run_drain(&r), 2);
	ck_assert_int_eq(rename(logpath, old), 0);
	tu_write(logpath, "w", LINE(3));
	ck_assert_int_eq(run_drain(&r), 1);
	ck_assert_uint_eq(r.f.nsrc, 2);
	ck_assert_int_eq(r.f.state, FOLLOW_OPEN);
	n = follow_positions(&r.f, pos);
	ck_assert_uint_eq(n, 2);
	ck_assert_ptr_ne(pos[0], pos[1]);
	ck_assert(pos[0]->id != 0 && pos[1]->id != 0 && pos[0]->id != pos[1]->id);
	ck_assert_uint_eq(pos[0]->offset, strlen(LINE(1) LINE(2)));
	ck_assert_uint_eq(pos[1]->offset, strlen(LINE(3)));
	tu_write(old, "a", LINE(4));
	r.f.grace_ms = 0;                       /* the old file has been quiet long enough */
	ck_assert_int_eq(run_step(&r, 10), 1);
	ck_assert_uint_eq(r.f.nsrc, 1);
	ck_assert_int_eq(r.f.has_done, 0);
	/* the old file's final position: all of it, its size as last seen */
	snprintf(len, sizeof(len), "%zu", strlen(LINE(1) LINE(2) LINE(4)));
	ck_assert_int_eq(tu_query(&r.s, "SELECT count(*) FROM files WHERE size = offset AND offset = ?",
	    len), 1);
	ck_assert_int_eq(tu_query(&r.s, "SELECT count(*) FROM files", NULL), 2);
	run_stop(&r);
	ck_assert_int_eq(rejected(), 4);
}
END_TEST

/* copytruncate while behind and no copy anywhere: what we saw and did not read is counted. */
START_TEST(copytruncate_without_copy_counts_the_gap)
{
	struct run r;

	tu_write(logpath, "w", LINE(1) LINE(2) LINE(3));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 3);
	tu_write(logpath, "a", LINE(4) LINE(5));
	ck_assert_int_eq(run_step(&r, 1), 1);  /* behind: line 5 seen, not read */
	tu_write(logpath, "w", LINE(6));         /* truncated, the copy went elsewhere */
	ck_assert_int_eq(run_drain(&r), 1);
	ck_assert_uint_eq(r.f.truncations, 1);
	ck_assert_uint_eq(r.f.gaps, 1);
	ck_assert_uint_eq(r.f.lost_bytes, strlen(LINE(5)));
	run_stop(&r);
	ck_assert_int_eq(rejected(), 5);
}
END_TEST

/* The copy was made before our last read: what was written after it and not read is counted. */
START_TEST(copy_shorter_than_what_was_read)
{
	char old[4300];
	struct run r;

	sib(old, sizeof(old), ".1");
	tu_write(logpath, "w", LINE(1) LINE(2) LINE(3));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 3);
	copy_file(logpath, old, 0);
	tu_write(logpath, "a", LINE(4) LINE(5));
	ck_assert_int_eq(run_step(&r, 1), 1);
	tu_write(logpath, "w", LINE(6));
	ck_assert_int_eq(run_drain(&r), 1);
	ck_assert_uint_eq(r.f.gaps, 1);
	ck_assert_uint_eq(r.f.lost_bytes, strlen(LINE(5)));
	run_stop(&r);
	ck_assert_int_eq(rejected(), 5);
}
END_TEST

/* The file that held the position is gone: the bytes known unread are reported, the rest read. */
START_TEST(history_not_found_is_counted)
{
	struct run r;

	tu_write(logpath, "w", LINE(1) LINE(2) LINE(3));
	run_start(&r);
	ck_assert_int_eq(run_step(&r, 1), 1);
	run_stop(&r);
	ck_assert_int_eq(unlink(logpath), 0);   /* rotated and deleted while we were stopped */
	tu_write(logpath, "w", LINE(4));
	run_start(&r);
	ck_assert_uint_eq(r.f.gaps, 1);
	ck_assert_uint_eq(r.f.lost_bytes, strlen(LINE(2) LINE(3)));
	ck_assert_int_eq(run_drain(&r), 1);
	run_stop(&r);
	ck_assert_int_eq(rejected(), 2);
}
END_TEST

/* Rotated names are configurable (rotatedname): mail.log.old is found only when named. */
START_TEST(rotated_name_patterns)
{
	char old[4300], err[256];
	struct run r;

	ck_assert_int_eq(config_apply(&cfg, "rotatedname", "a/b", err, sizeof(err)), -1);
	ck_assert_int_eq(config_apply(&cfg, "rotatedname", ".old", err, sizeof(err)), 0);
	ck_assert_str_eq(cfg.rotatednames[0], ".old");
	ck_assert_ptr_null(cfg.rotatednames[1]);
	sib(old, sizeof(old), ".old");
	tu_write(logpath, "w", LINE(1));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 1);
	run_stop(&r);
	tu_write(logpath, "a", LINE(2));
	ck_assert_int_eq(rename(logpath, old), 0);
	tu_write(logpath, "w", LINE(3));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 2);
	ck_assert_uint_eq(r.f.gaps, 0);
	run_stop(&r);
	ck_assert_int_eq(rejected(), 3);
}
END_TEST

/* ... and the default does not take them: the loss is reported, not silent. */
START_TEST(unknown_rotated_name_is_reported)
{
	char old[4300];
	struct run r;

	sib(old, sizeof(old), ".old");
	tu_write(logpath, "w", LINE(1));
	run_start(&r);
	ck_assert_int_eq(run_drain(&r), 1);
	run_stop(&r);
	tu_write(logpath, "a", LINE(2));
	ck_assert_int_eq(rename(logpath, old), 0);
	tu_write(logpath, "w", LINE(3));
	run_start(&r);
	ck_assert_uint_eq(r.f.gaps, 1);
	ck_assert_int_eq(run_drain(&r), 1);
	run_stop(&r);
	ck_assert_int_eq(rejected(), 2);
}
END_TEST


/* ---- a directory of dated IceWarp files ---------------------------------- */

#define IW_OPEN(ip, th, t) ip " [" th "] " t " Connected\n" ip " [" th "] " t " >>> 220 hi\n"
/* a session that authenticated as alice and is in the middle of its data */
#define IW_AUTH_DATA(ip, th, t) IW_OPEN(ip, th, t) \
	ip " [" th "] " t " <<< AUTH PLAIN AGFsaWNlQGNvcnAuZXhhbXBsZQBTM2NyM3QtcHch\n" \
	ip " [" th "] " t " >>> 235 ok\n" \
	ip " [" th "] " t " <<< MAIL FROM:<forged@else.example>\n" \
	ip " [" th "] " t " <<< RCPT TO:<far@remote.example>\n" \
	ip " [" th "] " t " <<< DATA\n" \
	ip " [" th "] " t " >>> 354 go\n"
/* its summary: received, relayed (external) under the account in flight */
#define IW_SUM(ip, th, t) ip " [" th "] " t " *** <forged@else.example> <far@remote.example> 1 100 00:00:01 OK\n" \
	ip " [" th "] " t " >>> 250 ok\n" ip " [" th "] " t " Disconnected\n"
/* a whole unauthenticated session: received, relayed under its sender */
#define IW_MSG(ip, th, t) IW_OPEN(ip, th, t) \
	ip " [" th "] " t " <<< MAIL FROM:<app@corp.example>\n" \
	ip " [" th "] " t " *** <app@corp.example> <far@remote.example> 1 10 00:00:01 OK\n" \
	ip " [" th "] " t " Disconnected\n"

static char iwdir[4200];

static void
iw_setup(void)
{
	char err[256], v[4300];

	snprintf(iwdir, sizeof(iwdir), "%s/smtp", dir);
	ck_assert_int_eq(mkdir(iwdir, 0755), 0);
	snprintf(v, sizeof(v), "%s icewarp", iwdir);
	ck_assert_int_eq(config_apply(&cfg, "logfile", v, err, sizeof(err)), 0);
	ck_assert_int_eq(config_apply(&cfg, "localdomain", "corp.example", err, sizeof(err)), 0);
}

static void
iw_write(const char *name, const char *mode, const char *text)
{
	char path[4400];

	snprintf(path, sizeof(path), "%s/%s", iwdir, name);
	tu_write(path, mode, text);
}

static void
iw_start(struct run *r, const char *pattern)
{
	ck_assert_int_eq(store_open(&r->s, dbpath), 0);
	ck_assert_int_eq(ingest_init(&r->ig, &cfg, &r->s), 0);
	ck_assert_int_eq(follow_open_dated(&r->f, pattern, &r->s, &parser_icewarp), 0);
	r->f.grace_ms = 0;
	r->f.dated_scan_ms = 0;
}

/* Relayed recipients of an account on a day ("YYYY-MM-DD"), from the store. */
static int64_t
iw_relayed(const char *account, const char *ymd)
{
	struct store s;
	sqlite3_stmt *st;
	int32_t day;
	int64_t v = -1;

	ck_assert_int_eq(civil_parse(ymd, &day), 0);
	ck_assert_int_eq(store_open(&s, dbpath), 0);
	ck_assert_int_eq(sqlite3_prepare_v2(s.db, "SELECT coalesce(sum(d.relayed), 0) FROM"
	    " account_daily d JOIN accounts a ON a.id = d.account_id WHERE a.name = ? AND d.day = ?",
	    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, day);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	store_close(&s);
	return v;
}

static int64_t
received(void)
{
	struct store s;
	int64_t v;

	ck_assert_int_eq(store_open(&s, dbpath), 0);
	v = tu_total(&s, C_RECEIVED);
	store_close(&s);
	return v;
}

/*
 * While running: a size split in the middle of a session, the end of the
 * previous file written after the split appeared, midnight; while stopped:
 * more lines in the current file, a split and the next day.  Every message
 * once, a session's account across every cut, and the restart once more
 * counts nothing.
 */
START_TEST(dated_directory_split_midnight_running_and_stopped)
{
	struct run r;

	iw_setup();
	/* an older day the store never saw: not read (backfill is mtastat import) */
	iw_write("s20261229.log", "w", IW_MSG("10.0.0.9", "0001", "10:00:00"));
	iw_write("s20261230.log", "w", IW_MSG("10.0.0.1", "0001", "10:00:00")
	    IW_AUTH_DATA("10.0.0.2", "0002", "23:50:00"));
	iw_start(&r, iwdir);
	run_drain(&r);
	ck_assert_int_eq(received(), 1);
	/* the split: alice's session goes on in -01; the old file gets one more message first */
	iw_write("s20261230.log", "a", IW_MSG("10.0.0.3", "0003", "23:51:00"));
	iw_write("s20261230-01.log", "w", IW_SUM("10.0.0.2", "0002", "23:52:00"));
	run_drain(&r);
	ck_assert_int_eq(received(), 3);
	ck_assert_int_eq(iw_relayed("alice@corp.example", "2026-12-30"), 1);
	ck_assert_int_eq(iw_relayed("forged@else.example", "2026-12-30"), 0);
	ck_assert_int_eq(iw_relayed("app@corp.example", "2026-12-30"), 2);
	/* midnight while running, a session open across it */
	iw_write("s20261230-01.log", "a", IW_AUTH_DATA("10.0.0.4", "0002", "23:59:59"));
	iw_write("s20261231.log", "w", IW_SUM("10.0.0.4", "0002", "00:00:01")
	    IW_AUTH_DATA("10.0.0.5", "0005", "08:00:00"));
	run_drain(&r);
	ck_assert_int_eq(received(), 4);
	ck_assert_int_eq(iw_relayed("alice@corp.example", "2026-12-31"), 1);
	run_stop(&r);
	/* stopped: the current file grows, splits, and the next day starts */
	iw_write("s20261231.log", "a", IW_MSG("10.0.0.6", "0006", "09:00:00"));
	iw_write("s20261231-01.log", "w", IW_SUM("10.0.0.5", "0005", "12:00:00"));
	iw_write("s20270101.log", "w", IW_MSG("10.0.0.7", "0007", "00:00:05"));
	iw_start(&r, iwdir);
	run_drain(&r);
	run_stop(&r);
	ck_assert_int_eq(received(), 7);
	ck_assert_int_eq(iw_relayed("alice@corp.example", "2026-12-31"), 2);
	ck_assert_int_eq(iw_relayed("app@corp.example", "2026-12-31"), 1);
	ck_assert_int_eq(iw_relayed("app@corp.example", "2027-01-01"), 1);
	/* once more: nothing new, nothing counted twice */
	iw_start(&r, iwdir);
	ck_assert_int_eq(run_drain(&r), 0);
	run_stop(&r);
	ck_assert_int_eq(received(), 7);
}
END_TEST

/* A glob picks one server's series; a restart cut between a session's lines counts it once. */
START_TEST(dated_glob_and_restart_mid_session)
{
	struct run r;
	char pattern[4300];

	iw_setup();
	snprintf(pattern, sizeof(pattern), "%s/s1*.log", iwdir);
	cfg.logs[cfg.nlogs - 1].path[0] = '\0'; /* the directory entry is not this log */
	{
		char err[256], v[4400];
		snprintf(v, sizeof(v), "%s icewarp", pattern);
		ck_assert_int_eq(config_apply(&cfg, "logfile", v, err, sizeof(err)), 0);
	}
	iw_write("s220261230.log", "w", IW_MSG("10.0.0.1", "0001", "10:00:00"));
	iw_write("s120261230.log", "w", IW_AUTH_DATA("10.0.0.2", "0002", "11:00:00"));
	iw_start(&r, pattern);
	run_drain(&r);
	run_stop(&r);
	ck_assert_int_eq(received(), 0);
	iw_write("s120261230.log", "a", IW_SUM("10.0.0.2", "0002", "11:00:05"));
	iw_start(&r, pattern);
	run_drain(&r);
	run_stop(&r);
	ck_assert_int_eq(received(), 1);
	ck_assert_int_eq(iw_relayed("alice@corp.example", "2026-12-30"), 1);
	ck_assert_int_eq(iw_relayed("app@corp.example", "2026-12-30"), 0);
}
END_TEST

/* The directory is looked at for a new file at most every dated_scan_ms. */
START_TEST(dated_scan_is_rate_limited)
{
	struct run r;

	iw_setup();
	iw_write("s20261230.log", "w", IW_MSG("10.0.0.1", "0001", "10:00:00"));
	iw_start(&r, iwdir);
	r.f.dated_scan_ms = 3600 * 1000;
	run_drain(&r);
	iw_write("s20261231.log", "w", IW_MSG("10.0.0.2", "0002", "10:00:00"));
	run_drain(&r);
	ck_assert_int_eq(received(), 1); /* not looked for yet */
	r.f.dated_scan_ms = 0;
	run_drain(&r);
	run_stop(&r);
	ck_assert_int_eq(received(), 2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("follow");
	TCase *tc = tcase_create("rotation");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, partial_line_waits_for_its_newline);
	tcase_add_test(tc, rename_and_create_loses_nothing);
	tcase_add_test(tc, copytruncate_loses_nothing_written_after);
	tcase_add_test(tc, restart_resumes_where_it_stopped);
	tcase_add_test(tc, rotated_while_stopped_is_finished_first);
	tcase_add_test(tc, missing_file_is_picked_up_when_created);
	tcase_add_test(tc, writer_keeps_appending_after_rename);
	tcase_add_test(tc, stopped_while_finishing_the_old_file);
	tcase_add_test(tc, copytruncate_while_lagging_reads_the_copy);
	tcase_add_test(tc, copytruncate_then_more_than_was_read);
	tcase_add_test(tc, rotated_and_compressed_while_stopped);
	tcase_add_test(tc, two_rotations_while_stopped);
	tcase_add_test(tc, copytruncate_while_stopped);
	tcase_add_test(tc, file_and_its_gz_count_once);
	tcase_add_test(tc, grace_period_then_final_position);
	tcase_add_test(tc, copytruncate_without_copy_counts_the_gap);
	tcase_add_test(tc, copy_shorter_than_what_was_read);
	tcase_add_test(tc, history_not_found_is_counted);
	tcase_add_test(tc, rotated_name_patterns);
	tcase_add_test(tc, unknown_rotated_name_is_reported);
	tcase_add_test(tc, rotated_while_gzip_creates_the_gz);
	tcase_add_test(tc, rotated_while_gzip_half_wrote_the_gz);
	tcase_add_test(tc, copytruncate_while_gzip_writes_the_copy);
	tcase_add_test(tc, dated_directory_split_midnight_running_and_stopped);
	tcase_add_test(tc, dated_glob_and_restart_mid_session);
	tcase_add_test(tc, dated_scan_is_rate_limited);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
