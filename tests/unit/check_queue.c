/* The queue sampler: output parsers, configuration, alarm rule, the child process. */
#include "config.h"

#include <check.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "queue.h"
#include "queue_run.h"
#include "queue_store.h"
#include "store.h"
#include "testutil.h"

/* Three records as postqueue -j (Postfix 3.7) writes them, one of them hostile. */
static const char postqueue_out[] =
    "{\"queue_name\": \"deferred\", \"queue_id\": \"4HgR1t0T8Yz2Q3t\", \"arrival_time\": 1700000000,"
    " \"message_size\": 2010, \"forced_expire\": false, \"sender\": \"a@example.com\","
    " \"recipients\": [{\"address\": \"b@example.net\", \"delay_reason\":"
    " \"host x said: 451 4.7.1 \\\"queue_name\\\": \\\"hold\\\", {[ try later\"}]}\n"
    "{\"queue_name\": \"active\", \"queue_id\": \"4HgR1t0T8Yz2Q3u\", \"arrival_time\": 1700000100,"
    " \"message_size\": 500, \"forced_expire\": false, \"sender\": \"\","
    " \"recipients\": [{\"address\": \"c@example.net\"}]}\n"
    "{\"sender\": \"x\\u0000\\n\", \"recipients\": [[{\"queue_name\": \"active\"}]],"
    " \"queue_name\": \"hold\", \"message_size\": 7, \"arrival_time\": 1699999000}\n";

static void
parse_all(int mta, const char *out, size_t len, size_t chunk, struct queue_sample *s, int *rc)
{
	struct queue_parser p;
	size_t i;

	s->time = 1700000400;
	queue_parser_init(&p, mta, s);
	*rc = 0;
	for (i = 0; i < len && *rc == 0; i += chunk)
		*rc = queue_parser_feed(&p, out + i, len - i < chunk ? len - i : chunk);
	if (*rc == 0)
		*rc = queue_parser_end(&p);
}

START_TEST(postqueue_json_counts)
{
	struct queue_sample s;
	int rc;

	parse_all(QUEUE_POSTFIX, postqueue_out, strlen(postqueue_out), 1 << 20, &s, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(s.total, 3);
	ck_assert_uint_eq(s.msgs[QN_DEFERRED], 1);
	ck_assert_uint_eq(s.msgs[QN_ACTIVE], 1);
	ck_assert_uint_eq(s.msgs[QN_HOLD], 1);
	ck_assert_uint_eq(s.bytes[QN_DEFERRED], 2010);
	ck_assert_uint_eq(s.bytes[QN_HOLD], 7);
	ck_assert_uint_eq(s.total_bytes, 2517);
	ck_assert_int_eq(s.oldest, 1699999000);
	ck_assert_int_eq(queue_oldest_age(&s), 1400);
	ck_assert_uint_eq(s.skipped, 0);
}
END_TEST

/* The pipe may cut anywhere: every chunk size gives the same sample. */
START_TEST(postqueue_json_any_cut)
{
	struct queue_sample whole, cut;
	int rc;
	size_t chunk;

	parse_all(QUEUE_POSTFIX, postqueue_out, strlen(postqueue_out), 1 << 20, &whole, &rc);
	for (chunk = 1; chunk < 64; chunk++) {
		parse_all(QUEUE_POSTFIX, postqueue_out, strlen(postqueue_out), chunk, &cut, &rc);
		ck_assert_int_eq(rc, 0);
		ck_assert_int_eq(memcmp(&whole, &cut, sizeof(whole)), 0);
	}
}
END_TEST

START_TEST(postqueue_json_hostile_records_skipped)
{
	static const char *const bad[] = {
		"{\"queue_name\": \"deferred\", \"message_size\": 1\n",          /* cut */
		"{\"queue_name\": \"deferred\", \"message_size\": -5}\n",        /* negative */
		"{\"queue_name\": \"deferred\", \"message_size\": 1e9}\n",       /* not an integer */
		"{\"queue_name\": \"deferred\", \"message_size\": 99999999999999999999}\n",
		"{\"queue_name\": \"nosuch\", \"message_size\": 1}\n",
		"{\"queue_n\\u0061me\": \"deferred\", \"message_size\": 1}\n",  /* escaped key */
		"{\"queue_name\": \"deferred\" \"message_size\": 1}\n",          /* no comma */
		"[\"queue_name\", \"deferred\"]\n",
		"{\"queue_name\": \"deferred\", \"message_size\": 1}}\n",
		"{\"queue_name\": \"deferred\", \"message_size\": 1} x\n",
		"{\"queue_name\": \"defe\x01rred\", \"message_size\": 1}\n",
		"{\"queue_name\": \"deferred\", \"message_size\": 1, \"x\": \"\\q\"}\n",
		",{\"queue_name\": \"deferred\", \"message_size\": 1}\n",   /* found by the fuzzer */
		"{\"queue_name\": \"deferred\", \"message_size\": 1},\n",
		":\n",
	};
	char deep[4096];
	struct queue_sample s;
	size_t i, n = 0;
	int rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse_all(QUEUE_POSTFIX, bad[i], strlen(bad[i]), 3, &s, &rc);
		ck_assert_msg(rc == -1 && s.total == 0 && s.skipped == 1, "record %zu: rc %d total %llu",
		    i, rc, (unsigned long long)s.total);
	}
	/* nesting beyond the bound, then a good record: only the good one counts */
	n += (size_t)snprintf(deep, sizeof(deep), "{\"x\": ");
	for (i = 0; i < 1000; i++)
		deep[n++] = '[';
	n += (size_t)snprintf(deep + n, sizeof(deep) - n,
	    "\n{\"queue_name\": \"hold\", \"message_size\": 3}\n");
	parse_all(QUEUE_POSTFIX, deep, n, 7, &s, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(s.total, 1);
	ck_assert_uint_eq(s.msgs[QN_HOLD], 1);
	ck_assert_uint_eq(s.skipped, 1);
}
END_TEST

/* A long string (a recipient list of a million bytes) costs no memory. */
START_TEST(postqueue_json_long_string)
{
	size_t n = 2 << 20, k;
	char *out = malloc(n + 200);
	struct queue_sample s;
	int rc;

	ck_assert_ptr_nonnull(out);
	k = (size_t)sprintf(out, "{\"queue_name\": \"incoming\", \"sender\": \"");
	memset(out + k, 'a', n);
	k += n;
	k += (size_t)sprintf(out + k, "\", \"message_size\": 42, \"arrival_time\": 5}");
	parse_all(QUEUE_POSTFIX, out, k, 4096, &s, &rc);
	free(out);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(s.msgs[QN_INCOMING], 1);
	ck_assert_uint_eq(s.bytes[QN_INCOMING], 42);
	ck_assert_int_eq(s.oldest, 5);
}
END_TEST

START_TEST(postqueue_empty_and_garbage)
{
	struct queue_sample s;
	int rc;

	parse_all(QUEUE_POSTFIX, "", 0, 1, &s, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(s.total, 0);
	ck_assert_int_eq(queue_oldest_age(&s), 0);
	parse_all(QUEUE_POSTFIX, "Mail queue is empty\n", 20, 5, &s, &rc);
	ck_assert_int_eq(rc, -1);
}
END_TEST

START_TEST(exim_bpc)
{
	struct queue_sample s;
	int rc;

	parse_all(QUEUE_EXIM, "1234\n", 5, 2, &s, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(s.total, 1234);
	ck_assert_int_eq(s.split, 0);
	ck_assert_int_eq(s.has_bytes, 0);
	parse_all(QUEUE_EXIM, "0", 1, 1, &s, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(s.total, 0);
	parse_all(QUEUE_EXIM, "exim: permission denied\n", 24, 4, &s, &rc);
	ck_assert_int_eq(rc, -1);
	parse_all(QUEUE_EXIM, "", 0, 1, &s, &rc);
	ck_assert_int_eq(rc, -1);
	parse_all(QUEUE_EXIM, "1\n2\n", 4, 1, &s, &rc);
	ck_assert_int_eq(rc, -1);
}
END_TEST

START_TEST(find_printf)
{
	static const char out[] = "100 1700000000.5000000000\n20 1699990000.0\n3 1700000300\n";
	struct queue_sample s;
	int rc;

	parse_all(QUEUE_ICEWARP, out, strlen(out), 3, &s, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(s.total, 3);
	ck_assert_uint_eq(s.total_bytes, 123);
	ck_assert_int_eq(s.oldest, 1699990000);
	ck_assert_int_eq(queue_oldest_age(&s), 10400);
	parse_all(QUEUE_ICEWARP, "12 x\n", 5, 1, &s, &rc);
	ck_assert_int_eq(rc, -1);
}
END_TEST

START_TEST(queue_tokens)
{
	struct mtastat_config c;
	char err[256];
	const char *v[12];

	config_init(&c);
	ck_assert_int_eq(c.queue.mta, QUEUE_NONE);
	ck_assert_uint_eq(c.queue.interval, 60);
	ck_assert_int_eq(queue_argv(&c.queue, v, 12), -1);
	ck_assert_int_eq(config_apply(&c, "queue", "postfix /etc/postfix-out", err, sizeof(err)), 0);
	ck_assert_int_eq(config_apply(&c, "queueinterval", "10", err, sizeof(err)), 0);
	ck_assert_int_eq(config_apply(&c, "queuelimit", "500", err, sizeof(err)), 0);
	ck_assert_int_eq(config_apply(&c, "queueage", "3600", err, sizeof(err)), 0);
	ck_assert_int_eq(queue_argv(&c.queue, v, 12), 0);
	ck_assert_str_eq(v[0], "/usr/sbin/postqueue");
	ck_assert_str_eq(v[1], "-c");
	ck_assert_str_eq(v[2], "/etc/postfix-out");
	ck_assert_str_eq(v[3], "-j");
	ck_assert_ptr_null(v[4]);
	queue_config_finish(&c.queue);
	ck_assert_uint_eq(c.queue.timeout, 10); /* at most the interval */
	ck_assert_uint_eq(c.queue.limit, 500);
	ck_assert_uint_eq(c.queue.age, 3600);
	ck_assert_int_eq(config_apply(&c, "queue", "sendmail", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "expected postfix"));
	ck_assert_int_eq(config_apply(&c, "queue", "icewarp", err, sizeof(err)), -1);
	ck_assert_int_eq(config_apply(&c, "queue", "postfix relative/dir", err, sizeof(err)), -1);
	ck_assert_int_eq(config_apply(&c, "queueinterval", "0", err, sizeof(err)), -1);
	ck_assert_int_eq(config_apply(&c, "queuelimit", "-1", err, sizeof(err)), -1);
	ck_assert_int_eq(config_apply(&c, "queuecommand", "postqueue -j", err, sizeof(err)), -1);
	ck_assert_int_eq(config_apply(&c, "queue", "exim", err, sizeof(err)), 0);
	ck_assert_int_eq(config_apply(&c, "queuecommand", "/usr/sbin/exim4", err, sizeof(err)), 0);
	ck_assert_int_eq(queue_argv(&c.queue, v, 12), 0);
	ck_assert_str_eq(v[0], "/usr/sbin/exim4");
	ck_assert_str_eq(v[1], "-bpc");
	config_free(&c);
}
END_TEST

/* One raise, one clear after the hold-down, a flap inside it changes nothing. */
START_TEST(judge_holddown)
{
	struct queue_config c;
	struct queue_alarm a = { 0, 0 };
	struct queue_sample s;

	queue_config_init(&c);
	c.limit = 10;
	memset(&s, 0, sizeof(s));
	s.total = 10;
	ck_assert_int_eq(queue_judge(&c, 100, QR_LIMIT, &s, 1000, &a), 0); /* at the limit: fine */
	s.total = 11;
	ck_assert_int_eq(queue_judge(&c, 100, QR_LIMIT, &s, 1060, &a), 1);
	ck_assert_int_eq(queue_judge(&c, 100, QR_LIMIT, &s, 1120, &a), 0);
	s.total = 2;
	ck_assert_int_eq(queue_judge(&c, 100, QR_LIMIT, &s, 1180, &a), 0);
	s.total = 12; /* a flap */
	ck_assert_int_eq(queue_judge(&c, 100, QR_LIMIT, &s, 1240, &a), 0);
	s.total = 0;
	ck_assert_int_eq(queue_judge(&c, 100, QR_LIMIT, &s, 1300, &a), 0);
	ck_assert_int_eq(queue_judge(&c, 100, QR_LIMIT, &s, 1399, &a), 0);
	ck_assert_int_eq(queue_judge(&c, 100, QR_LIMIT, &s, 1400, &a), -1);
	ck_assert_int_eq(queue_judge(&c, 100, QR_LIMIT, &s, 1460, &a), 0);
	/* the age rule */
	c.age = 600;
	s.total = 1;
	s.time = 5000;
	s.oldest = 4000;
	ck_assert_int_eq(queue_judge(&c, 0, QR_AGE, &s, 5000, &a), 1);
	s.oldest = 4500;
	ck_assert_int_eq(queue_judge(&c, 0, QR_AGE, &s, 5060, &a), -1);
}
END_TEST

/* Run a script as the sampler, as the daemon's loop would: poll, read, reap or kill. */
static enum queue_outcome
run_script(const char *dir, const char *body, int timeout_ms, struct queue_sample *s,
    char *why, size_t whylen)
{
	char path[512], err[256];
	struct queue_config c;
	struct queue_run r;
	enum queue_outcome o = QO_TIMEOUT;
	int waited = 0;

	snprintf(path, sizeof(path), "%s/postqueue", dir);
	tu_write(path, "w", body);
	chmod(path, 0755);
	queue_config_init(&c);
	ck_assert_int_eq(queue_config_apply(&c, "queue", "postfix", err, sizeof(err)), 0);
	ck_assert_int_eq(queue_config_apply(&c, "queuecommand", path, err, sizeof(err)), 0);
	ck_assert_int_eq(queue_run_start(&r, &c, 1700000400, why, whylen), 0);
	while (waited < timeout_ms) {
		struct pollfd pf[2] = { { r.out_fd, POLLIN, 0 }, { r.err_fd, POLLIN, 0 } };
		int i;
		if (r.out_fd < 0 && r.err_fd < 0) {
			if (queue_run_reap(&r)) {
				o = queue_run_outcome(&r, why, whylen);
				break;
			}
			usleep(10000);
			waited += 10;
			continue;
		}
		if (poll(pf, 2, 10) == 0)
			waited += 10;
		for (i = 0; i < 2; i++)
			if (pf[i].fd >= 0 && (pf[i].revents & (POLLIN | POLLHUP)))
				queue_run_read(&r, pf[i].fd);
	}
	if (o == QO_TIMEOUT) {
		queue_run_kill(&r);
		snprintf(why, whylen, "timeout");
	}
	queue_run_close(&r);
	*s = r.sample;
	queue_config_free(&c);
	return o;
}

START_TEST(run_child_paths)
{
	char *dir = tu_tmpdir(), why[256];
	struct queue_sample s;
	time_t t0;

	ck_assert_ptr_nonnull(dir);
	/* a good output, argv as the daemon passes it */
	ck_assert_int_eq(run_script(dir, "#!/bin/sh\n[ \"$1\" = -j ] || exit 3\n"
	    "echo '{\"queue_name\": \"deferred\", \"arrival_time\": 1700000000, \"message_size\": 9}'\n"
	    "echo '{\"queue_name\": \"deferred\", \"arrival_time\": 1700000001, \"message_size\": 1}'\n",
	    5000, &s, why, sizeof(why)), QO_OK);
	ck_assert_uint_eq(s.msgs[QN_DEFERRED], 2);
	ck_assert_int_eq(queue_oldest_age(&s), 400);
	/* a refusal: the exit status and stderr's first line, control bytes masked */
	ck_assert_int_eq(run_script(dir, "#!/bin/sh\nprintf 'postqueue: fatal: \\033[2J"
	    "Queue report unavailable\\nsecond line\\n' >&2\nexit 69\n", 5000, &s, why, sizeof(why)),
	    QO_FAILED);
	ck_assert_str_eq(why, "exit 69: postqueue: fatal: ?[2JQueue report unavailable");
	/* garbage on stdout with exit 0 */
	ck_assert_int_eq(run_script(dir, "#!/bin/sh\necho 'Mail queue is empty'\n", 5000, &s, why,
	    sizeof(why)), QO_FAILED);
	ck_assert_ptr_nonnull(strstr(why, "output not understood"));
	/* a hang: killed with its whole group, quickly */
	t0 = time(NULL);
	ck_assert_int_eq(run_script(dir, "#!/bin/sh\nsleep 30 &\nsleep 30\n", 300, &s, why,
	    sizeof(why)), QO_TIMEOUT);
	ck_assert_int_le(time(NULL) - t0, 5);
	tu_rmdir(dir);
}
END_TEST


/* IceWarp's queue folder through the real find(1): files one level deep count, deeper ones not. */
START_TEST(icewarp_find_real)
{
	char *dir = tu_tmpdir(), path[512], why[256], err[256];
	struct timeval tv[2] = { { 1700000000, 0 }, { 1700000000, 0 } };
	struct queue_config c;
	struct queue_run r;
	int waited = 0;

	ck_assert_ptr_nonnull(dir);
	snprintf(path, sizeof(path), "%s/retry", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/retry/deeper", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/a.tmp", dir);
	tu_write(path, "w", "12345");
	utimes(path, tv);
	snprintf(path, sizeof(path), "%s/retry/b.tmp", dir);
	tu_write(path, "w", "123");
	snprintf(path, sizeof(path), "%s/retry/deeper/c.tmp", dir);
	tu_write(path, "w", "1234567");
	queue_config_init(&c);
	snprintf(path, sizeof(path), "icewarp %s", dir);
	ck_assert_int_eq(queue_config_apply(&c, "queue", path, err, sizeof(err)), 0);
	ck_assert_int_eq(queue_run_start(&r, &c, 1700000600, why, sizeof(why)), 0);
	while ((r.out_fd >= 0 || r.err_fd >= 0 || !queue_run_reap(&r)) && waited < 5000) {
		struct pollfd pf[2] = { { r.out_fd, POLLIN, 0 }, { r.err_fd, POLLIN, 0 } };
		int i;
		if (poll(pf, 2, 10) == 0)
			waited += 10;
		for (i = 0; i < 2; i++)
			if (pf[i].fd >= 0 && (pf[i].revents & (POLLIN | POLLHUP)))
				queue_run_read(&r, pf[i].fd);
	}
	ck_assert_int_eq(queue_run_outcome(&r, why, sizeof(why)), QO_OK);
	ck_assert_uint_eq(r.sample.total, 2);
	ck_assert_uint_eq(r.sample.total_bytes, 8);
	ck_assert_int_eq(r.sample.oldest, 1700000000);
	ck_assert_int_eq(queue_oldest_age(&r.sample), 600);
	queue_run_close(&r);
	queue_config_free(&c);
	tu_rmdir(dir);
}
END_TEST

static struct queue_row
row_at(int64_t t, uint64_t msgs, uint64_t deferred)
{
	struct queue_row r;

	memset(&r, 0, sizeof(r));
	r.s.time = t;
	r.s.total = msgs;
	r.s.total_bytes = msgs * 100;
	r.s.msgs[QN_DEFERRED] = deferred;
	r.s.split = r.s.has_bytes = 1;
	r.day = (int32_t)(t / 86400);
	r.span = 60;
	return r;
}

static int64_t
q_int(sqlite3 *db, const char *q)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* A sample per minute over three hours two days ago and one now: the old ones become hourly maxima. */
START_TEST(store_compacts_to_hourly_maxima)
{
	char *dir = tu_tmpdir(), path[512];
	struct store st;
	struct queue_row rows[181];
	int64_t now = 1700006400 + 2 * 86400, t0 = 1700006400; /* t0: on an hour */
	int i;

	ck_assert_ptr_nonnull(dir);
	snprintf(path, sizeof(path), "%s/h.db", dir);
	ck_assert_int_eq(store_open(&st, path), 0);
	for (i = 0; i < 180; i++)
		rows[i] = row_at(t0 + i * 60, (uint64_t)(i % 60), i == 75 ? 99 : 1);
	rows[180] = row_at(now, 5, 5);
	ck_assert_int_eq(queue_store_write(st.db, rows, 181), 0);
	ck_assert_int_eq(q_int(st.db, "SELECT count(*) FROM queue_sample"), 181);
	ck_assert_int_eq(queue_store_compact(st.db, now), 0);
	ck_assert_int_eq(q_int(st.db, "SELECT count(*) FROM queue_sample"), 4);
	ck_assert_int_eq(q_int(st.db, "SELECT count(*) FROM queue_sample WHERE span = 3600"), 3);
	ck_assert_int_eq(q_int(st.db, "SELECT sum(samples) FROM queue_sample WHERE span = 3600"), 180);
	ck_assert_int_eq(q_int(st.db, "SELECT max(messages) FROM queue_sample WHERE span = 3600"), 59);
	ck_assert_int_eq(q_int(st.db, "SELECT deferred FROM queue_sample WHERE time = 1700010000"),
	    99);
	ck_assert_int_eq(q_int(st.db, "SELECT bytes FROM queue_sample WHERE time = 1700010000"), 5900);
	/* again: nothing more to do */
	ck_assert_int_eq(queue_store_compact(st.db, now), 0);
	ck_assert_int_eq(q_int(st.db, "SELECT count(*) FROM queue_sample"), 4);
	store_close(&st);
	tu_rmdir(dir);
}
END_TEST

static Suite *
queue_suite(void)
{
	Suite *s = suite_create("queue");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, postqueue_json_counts);
	tcase_add_test(tc, postqueue_json_any_cut);
	tcase_add_test(tc, postqueue_json_hostile_records_skipped);
	tcase_add_test(tc, postqueue_json_long_string);
	tcase_add_test(tc, postqueue_empty_and_garbage);
	tcase_add_test(tc, exim_bpc);
	tcase_add_test(tc, find_printf);
	tcase_add_test(tc, queue_tokens);
	tcase_add_test(tc, judge_holddown);
	tcase_add_test(tc, run_child_paths);
	tcase_add_test(tc, icewarp_find_real);
	tcase_add_test(tc, store_compacts_to_hourly_maxima);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(queue_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
