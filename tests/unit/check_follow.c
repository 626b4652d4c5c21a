/* Following a live log: partial lines, rename+create, copytruncate, restarts. */
#include "config.h"

#include <check.h>

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
	ck_assert_int_eq(follow_open(&r->f, logpath, &r->s), 0);
}

/* Read until nothing is new, committing as the daemon does. */
static long
run_drain(struct run *r)
{
	struct file_pos *pos[2];
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
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
