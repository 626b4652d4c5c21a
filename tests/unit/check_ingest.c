/*
 * The counting contract on a hand-made log whose counts were worked out by
 * hand (tests/fixtures/definitions.log), and durability: re-import, gzip,
 * resume in the middle with the in-flight queue, year rollover, eviction.
 */
#include "config.h"

#include <check.h>
#include <zlib.h>

#include "acctmap.h"
#include "civil.h"
#include "conf.h"
#include "import.h"
#include "ingest.h"
#include "testutil.h"
#include "writer.h"

static char *dir;
static char fixture[4096];

static void
setup(void)
{
	const char *top = getenv("top_srcdir");

	dir = tu_tmpdir();
	ck_assert_ptr_nonnull(dir);
	snprintf(fixture, sizeof(fixture), "%s/tests/fixtures/definitions.log", top ? top : "..");
}

static void
teardown(void)
{
	tu_rmdir(dir);
}

static void
test_config(struct mtastat_config *cfg)
{
	char err[256];

	config_init(cfg);
	ck_assert_int_eq(config_apply(cfg, "localdomain", "example.test", err, sizeof(err)), 0);
	ck_assert_int_eq(config_apply(cfg, "contentfilter", "[127.0.0.1]:10024", err, sizeof(err)), 0);
}

/* Import files into db with a fresh pipeline, as one `mtastat import` run. */
static void
import(const char *db, const struct mtastat_config *cfg, const char *const *files, size_t n)
{
	struct import_opts io = { 2026, 0 };
	struct store s;
	struct ingest ig;
	struct import_run *run;
	size_t i;
	int fresh;

	ck_assert_int_eq(store_open(&s, db), 0);
	ck_assert_int_eq(ingest_init(&ig, cfg, &s), 0);
	ck_assert_ptr_nonnull(run = import_begin(&ig));
	for (i = 0; i < n; i++)
		ck_assert_int_eq(import_file(run, files[i], &io, &fresh), 0);
	ck_assert_int_eq(import_end(run), 0);
	ingest_free(&ig);
	store_close(&s);
}

static int64_t
day_value(struct store *s, const char *date, enum counter c)
{
	char q[128];
	int32_t d;

	ck_assert_int_eq(civil_parse(date, &d), 0);
	snprintf(q, sizeof(q), "SELECT %s FROM daily WHERE day = %d", counter_names[c], d);
	return tu_query(s, q, NULL);
}

static int64_t
account_value(struct store *s, const char *date, const char *account, const char *col)
{
	char q[256];
	int32_t d;

	ck_assert_int_eq(civil_parse(date, &d), 0);
	snprintf(q, sizeof(q), "SELECT d.%s FROM account_daily d JOIN accounts a ON a.id ="
	    " d.account_id WHERE a.name = ?1 AND d.day = %d", col, d);
	return tu_query(s, q, account);
}

/* Every number below was counted by hand from the fixture; see its lines. */
static void
assert_definitions(const char *db)
{
	struct store s;

	ck_assert_int_eq(store_open(&s, db), 0);
	ck_assert_int_eq(day_value(&s, "2026-11-02", C_RECEIVED), 4);
	ck_assert_int_eq(day_value(&s, "2026-11-02", C_BYTES_RECEIVED), 5200);
	ck_assert_int_eq(day_value(&s, "2026-11-02", C_DELIVERED), 7);
	ck_assert_int_eq(day_value(&s, "2026-11-02", C_BYTES_DELIVERED), 9000);
	ck_assert_int_eq(day_value(&s, "2026-11-02", C_RELAYED), 4);
	ck_assert_int_eq(day_value(&s, "2026-11-02", C_DEFERRED), 1);
	ck_assert_int_eq(day_value(&s, "2026-11-02", C_DEFERRALS), 2);
	ck_assert_int_eq(day_value(&s, "2026-11-02", C_BOUNCED), 1);
	ck_assert_int_eq(day_value(&s, "2026-11-02", C_EXPIRED), 1);
	ck_assert_int_eq(day_value(&s, "2026-11-02", C_REJECTED), 2);
	ck_assert_int_eq(day_value(&s, "2026-11-02", C_AUTH_FAILED), 2);
	ck_assert_int_eq(day_value(&s, "2026-11-02", C_NOTIFICATIONS), 1);
	ck_assert_int_eq(day_value(&s, "2026-11-03", C_RECEIVED), 0);
	ck_assert_int_eq(day_value(&s, "2026-11-03", C_DELIVERED), 1);
	ck_assert_int_eq(day_value(&s, "2026-11-03", C_RELAYED), 1);
	ck_assert_int_eq(day_value(&s, "2026-11-03", C_BYTES_DELIVERED), 500);
	ck_assert_int_eq(account_value(&s, "2026-11-02", "friend@ext.example", "relayed"), 1);
	ck_assert_int_eq(account_value(&s, "2026-11-02", "carol", "relayed"), 1);
	ck_assert_int_eq(account_value(&s, "2026-11-02", "carol", "relayed_messages"), 1);
	ck_assert_int_eq(account_value(&s, "2026-11-03", "carol", "relayed"), 1);
	ck_assert_int_eq(account_value(&s, "2026-11-03", "carol", "relayed_messages"), 1);
	ck_assert_int_eq(account_value(&s, "2026-11-02", "eve@example.test", "relayed"), 2);
	ck_assert_int_eq(account_value(&s, "2026-11-02", "eve@example.test", "relayed_messages"), 1);
	ck_assert_int_eq(tu_query(&s, "SELECT count(*) FROM account_daily", NULL), 4);
	/* the re-injected copy of news@ext2.example's message is not a second one */
	ck_assert_int_eq(tu_query(&s, "SELECT messages FROM sender_daily WHERE sender = ?1",
	    "news@ext2.example"), 1);
	ck_assert_int_eq(tu_query(&s, "SELECT bytes FROM sender_daily WHERE sender = ?1",
	    "news@ext2.example"), 3000);
	ck_assert_int_eq(store_total(&s, "lines"), 42);
	ck_assert_int_eq(store_total(&s, "unparsed"), 1);
	ck_assert_int_eq(tu_query(&s, "SELECT lines FROM unparsed WHERE program = 'dovecot'", NULL), 1);
	/* every message was removed except the aborted transaction, which Postfix never closes */
	ck_assert_int_eq(tu_query(&s, "SELECT count(*) FROM queue", NULL), 1);
	ck_assert_int_eq(tu_query(&s, "SELECT count(*) FROM queue WHERE qid = 'CCCC333333'", NULL), 1);
	store_close(&s);
}

START_TEST(counts_follow_the_definitions)
{
	struct mtastat_config cfg;
	const char *files[] = { fixture };
	char db[4200];

	test_config(&cfg);
	snprintf(db, sizeof(db), "%s/h.db", dir);
	import(db, &cfg, files, 1);
	assert_definitions(db);
	config_free(&cfg);
}
END_TEST

/* The fixture copied to path, gzip-compressed or plain (zlib's transparent mode). */
static void
copy_fixture(const char *path, int gz)
{
	char buf[65536];
	FILE *in = fopen(fixture, "rb");
	gzFile out = gzopen(path, gz ? "wb" : "wbT");
	size_t n;

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		ck_assert_int_eq(gzwrite(out, buf, (unsigned)n), (int)n);
	fclose(in);
	ck_assert_int_eq(gzclose(out), Z_OK);
}

START_TEST(reimport_and_gzip_count_nothing_twice)
{
	struct mtastat_config cfg;
	char db[4200], gzpath[4200];
	const char *files[2];

	test_config(&cfg);
	snprintf(db, sizeof(db), "%s/h.db", dir);
	snprintf(gzpath, sizeof(gzpath), "%s/maillog.1.gz", dir);
	copy_fixture(gzpath, 1);
	files[0] = fixture;
	files[1] = gzpath;
	import(db, &cfg, files, 2);   /* the .gz is the same file compressed */
	import(db, &cfg, files, 1);   /* and again */
	assert_definitions(db);
	config_free(&cfg);
}
END_TEST

/*
 * One run writes a file's last batch while it reads the next file: the
 * same file again (by its name or a copy) must see that batch written.
 */
START_TEST(same_file_twice_in_one_run_counts_once)
{
	struct mtastat_config cfg;
	char db[4200], copy[4200];
	const char *files[3];

	test_config(&cfg);
	snprintf(db, sizeof(db), "%s/h.db", dir);
	snprintf(copy, sizeof(copy), "%s/maillog.copy", dir);
	copy_fixture(copy, 0);
	files[0] = fixture;
	files[1] = fixture;
	files[2] = copy;
	import(db, &cfg, files, 3);
	assert_definitions(db);
	config_free(&cfg);
}
END_TEST

/*
 * A history with more accounts than half the id map holds: the newest are
 * loaded, the fixture's (the oldest) are looked up, not made again (the
 * name is UNIQUE: a second row would fail the commit), and an account seen
 * on an earlier day than its first_day moves it back.
 */
START_TEST(accounts_beyond_the_map_are_looked_up)
{
	struct mtastat_config cfg;
	const char *files[] = { fixture };
	char db[4200], q[512];
	struct store s;
	int32_t day;

	test_config(&cfg);
	snprintf(db, sizeof(db), "%s/h.db", dir);
	ck_assert_int_eq(civil_parse("2026-11-02", &day), 0);
	ck_assert_int_eq(store_open(&s, db), 0);
	snprintf(q, sizeof(q), "INSERT INTO accounts(name, first_day) VALUES('carol', %d),"
	    " ('friend@ext.example', %d), ('eve@example.test', %d);"
	    " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
	    " INSERT INTO accounts(name, first_day) SELECT 'filler' || i, %d FROM n;",
	    (int)day + 5, (int)day, (int)day, ACCTMAP_MAX / 2 + 10, (int)day);
	ck_assert_int_eq(sqlite3_exec(s.db, q, NULL, NULL, NULL), SQLITE_OK);
	store_close(&s);
	import(db, &cfg, files, 1);
	assert_definitions(db);
	ck_assert_int_eq(store_open(&s, db), 0);
	ck_assert_int_eq(tu_query(&s, "SELECT count(*) FROM accounts", NULL), ACCTMAP_MAX / 2 + 13);
	ck_assert_int_eq(tu_query(&s, "SELECT id FROM accounts WHERE name = 'carol'", NULL), 1);
	ck_assert_int_eq(tu_query(&s, "SELECT first_day FROM accounts WHERE name = 'carol'", NULL),
	    day);
	store_close(&s);
	config_free(&cfg);
}
END_TEST

/*
 * Postfix's cleanup refusing or dropping a message logs no "removed": the
 * message leaves the table at the reject, not when pushed out of it.
 */
START_TEST(cleanup_reject_leaves_no_message_in_flight)
{
	struct mtastat_config cfg;
	const char *files[1];
	char db[4200], log[4200];
	struct store s;
	FILE *f;

	test_config(&cfg);
	snprintf(db, sizeof(db), "%s/h.db", dir);
	snprintf(log, sizeof(log), "%s/gone.log", dir);
	f = fopen(log, "w");
	ck_assert_ptr_nonnull(f);
	fputs("Nov  2 10:00:00 mx postfix/smtpd[1]: AAAA000001: client=a[192.0.2.1]\n"
	    "Nov  2 10:00:01 mx postfix/cleanup[2]: AAAA000001: milter-reject: END-OF-MESSAGE from"
	    " a[192.0.2.1]: 5.7.1 Spam; from=<s@a.example> to=<r@example.test> proto=ESMTP helo=<a>\n"
	    "Nov  2 10:00:02 mx postfix/smtpd[1]: AAAA000002: client=a[192.0.2.1]\n"
	    "Nov  2 10:00:03 mx postfix/cleanup[2]: AAAA000002: reject: header Subject: x from"
	    " a[192.0.2.1]; from=<s@a.example> to=<r@example.test> proto=ESMTP helo=<a>: 5.7.1 no\n"
	    "Nov  2 10:00:04 mx postfix/smtpd[1]: AAAA000003: client=a[192.0.2.1]\n"
	    "Nov  2 10:00:05 mx postfix/cleanup[2]: AAAA000003: milter-discard: END-OF-MESSAGE from"
	    " a[192.0.2.1]: milter triggers DISCARD action\n"
	    "Nov  2 10:00:06 mx postfix/smtpd[1]: AAAA000004: client=a[192.0.2.1]\n", f);
	ck_assert_int_eq(fclose(f), 0);
	files[0] = log;
	import(db, &cfg, files, 1);
	ck_assert_int_eq(store_open(&s, db), 0);
	ck_assert_int_eq(day_value(&s, "2026-11-02", C_REJECTED), 2);
	/* only the message whose fate the log does not tell yet */
	ck_assert_int_eq(tu_query(&s, "SELECT count(*) FROM queue", NULL), 1);
	ck_assert_int_eq(tu_query(&s, "SELECT count(*) FROM queue WHERE qid = 'AAAA000004'", NULL), 1);
	store_close(&s);
	config_free(&cfg);
}
END_TEST

START_TEST(gzip_alone_counts_the_same)
{
	struct mtastat_config cfg;
	char db[4200], gzpath[4200], buf[65536];
	const char *files[1];
	FILE *in;
	gzFile out;
	size_t n;

	test_config(&cfg);
	snprintf(db, sizeof(db), "%s/g.db", dir);
	snprintf(gzpath, sizeof(gzpath), "%s/maillog.2.gz", dir);
	in = fopen(fixture, "rb");
	out = gzopen(gzpath, "wb");
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		gzwrite(out, buf, (unsigned)n);
	fclose(in);
	gzclose(out);
	files[0] = gzpath;
	import(db, &cfg, files, 1);
	assert_definitions(db);
	config_free(&cfg);
}
END_TEST

/* Stop after every line, restart: positions and the in-flight queue carry over. */
START_TEST(resume_after_every_line_counts_the_same)
{
	struct mtastat_config cfg;
	char db[4200], part[4200], line[2048];
	const char *files[1];
	FILE *in, *out;

	test_config(&cfg);
	snprintf(db, sizeof(db), "%s/r.db", dir);
	snprintf(part, sizeof(part), "%s/maillog", dir);
	in = fopen(fixture, "r");
	ck_assert_ptr_nonnull(in);
	files[0] = part;
	while (fgets(line, sizeof(line), in) != NULL) {
		out = fopen(part, "a");
		fputs(line, out);
		fclose(out);
		import(db, &cfg, files, 1);
	}
	fclose(in);
	assert_definitions(db);
	config_free(&cfg);
}
END_TEST

START_TEST(year_rolls_over_in_december)
{
	struct mtastat_config cfg;
	struct import_opts io = { 2025, 0 };
	struct store s;
	struct ingest ig;
	char db[4200], log[4200];

	config_init(&cfg);
	snprintf(db, sizeof(db), "%s/y.db", dir);
	snprintf(log, sizeof(log), "%s/maillog", dir);
	tu_write(log, "w",
	    "Dec 31 23:59:59 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 no\n"
	    "Jan  1 00:00:01 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 no\n"
	    "Jan  1 00:00:02 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 no\n");
	ck_assert_int_eq(store_open(&s, db), 0);
	ck_assert_int_eq(ingest_init(&ig, &cfg, &s), 0);
	ck_assert_int_eq(import_path(&ig, log, &io), 0);
	ck_assert_int_eq(day_value(&s, "2025-12-31", C_REJECTED), 1);
	ck_assert_int_eq(day_value(&s, "2026-01-01", C_REJECTED), 2);
	ingest_free(&ig);
	store_close(&s);
	config_free(&cfg);
}
END_TEST

START_TEST(queue_table_is_bounded)
{
	struct mtastat_config cfg;
	struct import_opts io = { 2026, 0 };
	struct store s;
	struct ingest ig;
	char db[4200], log[4200], line[256];
	FILE *f;
	int i;

	config_init(&cfg);
	cfg.queuetable = 16;
	snprintf(db, sizeof(db), "%s/q.db", dir);
	snprintf(log, sizeof(log), "%s/maillog", dir);
	f = fopen(log, "w");
	for (i = 0; i < 40; i++) {
		snprintf(line, sizeof(line), "Nov  2 10:00:%02d mx postfix/smtpd[1]: %010X: client=x[192.0.2.1]\n",
		    i, 0xA00000 + i);
		fputs(line, f);
	}
	for (i = 0; i < 20; i++) {
		snprintf(line, sizeof(line), "Nov  2 10:01:%02d mx postfix/qmgr[1]: %010X: from=<a@b>,"
		    " size=1, nrcpt=1 (queue active)\n", i, 0xB00000 + i);
		fputs(line, f);
	}
	fclose(f);
	ck_assert_int_eq(store_open(&s, db), 0);
	ck_assert_int_eq(ingest_init(&ig, &cfg, &s), 0);
	ck_assert_int_eq(import_path(&ig, log, &io), 0);
	/* client= lines that never reached the queue are abandoned, not lost; then
	 * 20 queued messages push out the remaining 16 aborted ones and 4 queued */
	ck_assert_uint_eq(ig.corr.q.abandoned, 40);
	ck_assert_uint_eq(ig.corr.q.evictions, 4);
	ck_assert_uint_eq(ig.corr.q.used, 16);
	ck_assert_int_eq(store_total(&s, "evictions"), 4);
	ck_assert_int_eq(tu_query(&s, "SELECT count(*) FROM queue", NULL), 16);
	ingest_free(&ig);
	store_close(&s);
	config_free(&cfg);
}
END_TEST

/* Lines written by strangers: none may crash, corrupt or hide the good ones. */
START_TEST(hostile_lines)
{
	struct mtastat_config cfg;
	struct import_opts io = { 2026, 0 };
	struct store s;
	struct ingest ig;
	char db[4200], log[4200];
	FILE *f;
	int i;

	test_config(&cfg);
	snprintf(db, sizeof(db), "%s/x.db", dir);
	snprintf(log, sizeof(log), "%s/maillog", dir);
	f = fopen(log, "w");
	/* a 1 MiB line */
	fputs("Nov  2 10:00:00 mx postfix/smtpd[1]: NOQUEUE: reject: ", f);
	for (i = 0; i < 1024 * 1024; i++)
		fputc('A' + i % 26, f);
	fputc('\n', f);
	/* NUL bytes, CR and invalid UTF-8 inside lines that are otherwise valid */
	{
		static const char nul[] =
		    "Nov  2 10:00:01 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x\0y[192.0.2.1]: 554\n";
		fwrite(nul, 1, sizeof(nul) - 1, f);
	}
	fputs("Nov  2 10:00:02 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT\rfrom \xff\xfe\xc3(x[192.0.2.1]: 554\n", f);
	/* truncated lines and a delivery without relay= (found by the fuzzer) */
	fputs("Nov  2 10:00:03 mx postfix/smtp[1]: 1A2B3C4D5E: to=<dave@far.example\n", f);
	fputs("Nov  2 10:00:03 mx postfix/smtp[1]: 1A2B3C4D5E: to=<dave@far.example>, status=sent"
	    " (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as BBBB222222)\n", f);
	fputs("Nov  2 10:00\n", f);
	fputs("Nov  2 10:00:04 mx postfix/qmgr[1]: 1A2B3C4D5E: from=<a@b>, size=\n", f);
	/* the content filter discarding spam: a hand-off, not a delivery */
	fputs("Nov  2 10:00:04 mx postfix/smtp[1]: 3C4D5E6F7A: to=<bob@far.example>, relay=127.0.0.1[127.0.0.1]:10024,"
	    " delay=2, delays=0/0/0/2, dsn=2.7.0, status=sent (250 2.7.0 Ok, discarded, id=12345-01 - spam)\n", f);
	/* an smtp connection failure is known noise */
	fputs("Nov  2 10:00:04 mx postfix/smtp[1]: connect to mx.x.example[192.0.2.9]:25: Connection refused\n", f);
	/* IPv6 relay, a real delivery */
	fputs("Nov  2 10:00:05 mx postfix/lmtp[1]: 2B3C4D5E6F: to=<u@example.test>, relay=::1[::1]:24,"
	    " delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)\n", f);
	fclose(f);
	ck_assert_int_eq(store_open(&s, db), 0);
	ck_assert_int_eq(ingest_init(&ig, &cfg, &s), 0);
	ck_assert_int_eq(import_path(&ig, log, &io), 0);
	ck_assert_int_eq(store_total(&s, "lines"), 10);
	ck_assert_int_eq(day_value(&s, "2026-11-02", C_REJECTED), 3);
	ck_assert_int_eq(day_value(&s, "2026-11-02", C_DELIVERED), 2);
	ck_assert_int_eq(day_value(&s, "2026-11-02", C_RELAYED), 1); /* far.example, no relay= */
	ck_assert_int_eq(store_total(&s, "unparsed"), 1);            /* "Nov  2 10:00" */
	ingest_free(&ig);
	store_close(&s);
	config_free(&cfg);
}
END_TEST

START_TEST(config_errors_and_matching)
{
	struct mtastat_config cfg;
	char err[256];

	config_init(&cfg);
	ck_assert_int_eq(config_apply(&cfg, "queuetable", "12", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "16"));
	ck_assert_int_eq(config_apply(&cfg, "logfile", "relative/path", err, sizeof(err)), -1);
	ck_assert_int_eq(config_apply(&cfg, "logfile", "/var/log/mail.log sendmail", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "unknown log format 'sendmail' (known: postfix, exim, icewarp)"));
	ck_assert_int_eq(config_apply(&cfg, "logfile", "/opt/icewarp/logs/smtp icewarp", err, sizeof(err)), 0);
	ck_assert_ptr_eq(cfg.logs[cfg.nlogs - 1].parser, &parser_icewarp);
	ck_assert_int_eq(config_apply(&cfg, "logfile", "/var/log/exim4/mainlog exim", err, sizeof(err)), 0);
	ck_assert_ptr_eq(cfg.logs[cfg.nlogs - 1].parser, &parser_exim);
	ck_assert_int_eq(config_apply(&cfg, "nosuch", "1", err, sizeof(err)), -1);
	ck_assert_int_eq(config_apply(&cfg, "localdomain", ".Corp.Example", err, sizeof(err)), 0);
	ck_assert_int_eq(config_apply(&cfg, "localdomain", "example.org", err, sizeof(err)), 0);
	ck_assert_int_eq(config_is_local_domain(&cfg, sv_make("a@corp.example", 14)), 1);
	ck_assert_int_eq(config_is_local_domain(&cfg, sv_make("a@mx.CORP.example", 17)), 1);
	ck_assert_int_eq(config_is_local_domain(&cfg, sv_make("a@notcorp.example", 17)), 0);
	ck_assert_int_eq(config_is_local_domain(&cfg, sv_make("a@EXAMPLE.org", 13)), 1);
	ck_assert_int_eq(config_is_local_domain(&cfg, sv_make("a@sub.example.org", 17)), 0);
	ck_assert_int_eq(config_is_local_domain(&cfg, sv_make("root", 4)), 1);
	ck_assert_int_eq(config_apply(&cfg, "contentfilter", "127.0.0.1:10024", err, sizeof(err)), 0);
	ck_assert_int_eq(config_is_content_filter(&cfg, sv_make("127.0.0.1[127.0.0.1]:10024", 26)), 1);
	ck_assert_int_eq(config_is_content_filter(&cfg, sv_make("127.0.0.1[127.0.0.1]:10025", 26)), 0);
	ck_assert_int_eq(config_is_content_filter(&cfg, sv_make("none", 4)), 0);
	config_free(&cfg);
}
END_TEST

START_TEST(config_file_reports_every_error_with_line)
{
	struct mtastat_config cfg;
	char path[4200];

	snprintf(path, sizeof(path), "%s/mtastat.conf", dir);
	tu_write(path, "w", "# comment\nlocaldomain example.test\nqueuetable many\n"
	    "agentXSocket /tmp/x\nbogus 1\nlogfile /var/log/mail.log\n");
	config_init(&cfg);
	ck_assert_int_eq(config_read_file(&cfg, path, 1), 2);
	ck_assert_uint_eq(cfg.nlocaldomains, 1);
	ck_assert_uint_eq(cfg.nlogs, 1);
	config_free(&cfg);
	config_init(&cfg);
	ck_assert_int_eq(config_read_file(&cfg, path, 0), 3); /* agentXSocket is not ours */
	config_free(&cfg);
}
END_TEST

/* Feed the fixture to ig as mtastatd reads a log, without a commit; p ends where it ends. */
static void
feed_fixture(struct ingest *ig, struct file_pos *p, const char *name)
{
	struct syslog_clock clk;
	char line[2048];
	FILE *in = fopen(fixture, "r");

	ck_assert_ptr_nonnull(in);
	memset(p, 0, sizeof(*p));
	snprintf(p->path, sizeof(p->path), "%s/%s", dir, name);
	p->fp_len = (size_t)snprintf((char *)p->fp, sizeof(p->fp), "head of %s", name);
	syslog_clock_init(&clk, 2026);
	while (fgets(line, sizeof(line), in) != NULL) {
		ck_assert_int_eq(ingest_line(ig, &clk, line, strcspn(line, "\n")), 0);
		p->offset += strlen(line);
		p->lines++;
	}
	fclose(in);
	p->year = clk.year;
	p->last_month = clk.last_month;
}

/* What another process does to the history: hold its write lock, change its schema. */
static void
other_exec(sqlite3 *db, const char *sql)
{
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
}

/* Another writer holds the lock: the commit fails, twice, then counts once. */
START_TEST(locked_commit_is_retried_and_counts_once)
{
	static struct file_pos pos; /* 5 KiB */
	struct file_pos *posp = &pos;
	struct mtastat_config cfg;
	struct store s;
	struct ingest ig;
	sqlite3 *other;
	char db[4200];

	test_config(&cfg);
	snprintf(db, sizeof(db), "%s/l.db", dir);
	ck_assert_int_eq(store_open(&s, db), 0);
	store_busy_timeout(&s, 10);
	ck_assert_int_eq(ingest_init(&ig, &cfg, &s), 0);
	feed_fixture(&ig, &pos, "maillog");
	ck_assert_int_eq(sqlite3_open(db, &other), SQLITE_OK);
	other_exec(other, "BEGIN IMMEDIATE");
	ck_assert_int_eq(ingest_commit(&ig, &posp, 1), -1);
	ck_assert_str_eq(store_commit_cause(&s), "database locked");
	ck_assert_str_eq(s.errmsg, "database is locked");
	ck_assert_int_eq(ingest_commit(&ig, &posp, 1), -1);
	ck_assert_int_eq(ig.lines_at_commit, 0);
	other_exec(other, "ROLLBACK");
	sqlite3_close(other);
	ck_assert_int_eq(ingest_commit(&ig, &posp, 1), 0);
	ck_assert_int_eq(s.err, 0);
	ck_assert_int_eq(ig.lines_at_commit, 42);
	ck_assert_int_eq(tu_query(&s, "SELECT count(*) FROM files", NULL), 1);
	ck_assert_int_eq(tu_query(&s, "SELECT offset FROM files WHERE path = ?1", pos.path),
	    (int64_t)pos.offset);
	ingest_free(&ig);
	store_close(&s);
	assert_definitions(db);
	config_free(&cfg);
}
END_TEST

/*
 * A transaction that fails after it inserted a file row (a rotated log and
 * its successor: the second row fails) rolls that row back; the retry must
 * insert it again, not UPDATE a row that does not exist and lose the position.
 */
START_TEST(rolled_back_file_row_is_written_again)
{
	static struct file_pos pos[2];
	struct file_pos *posp[2] = { &pos[0], &pos[1] };
	struct mtastat_config cfg;
	struct store s;
	struct ingest ig;
	sqlite3 *other;
	char db[4200];

	test_config(&cfg);
	snprintf(db, sizeof(db), "%s/p.db", dir);
	ck_assert_int_eq(store_open(&s, db), 0);
	ck_assert_int_eq(ingest_init(&ig, &cfg, &s), 0);
	feed_fixture(&ig, &pos[0], "maillog.1");
	pos[1] = pos[0];
	snprintf(pos[1].path, sizeof(pos[1].path), "%s/maillog", dir);
	pos[1].fp_len = (size_t)snprintf((char *)pos[1].fp, sizeof(pos[1].fp), "the new maillog");
	pos[1].offset = 0;
	pos[1].lines = 0;
	ck_assert_int_eq(sqlite3_open(db, &other), SQLITE_OK);
	other_exec(other, "CREATE TRIGGER refuse BEFORE INSERT ON files"
	    " WHEN NEW.path LIKE '%/maillog' BEGIN SELECT RAISE(ABORT, 'refused'); END");
	ck_assert_int_eq(ingest_commit(&ig, posp, 2), -1);
	ck_assert_str_eq(s.errmsg, "refused");
	ck_assert_int_eq(tu_query(&s, "SELECT count(*) FROM files", NULL), 0);
	other_exec(other, "DROP TRIGGER refuse");
	sqlite3_close(other);
	ck_assert_int_eq(ingest_commit(&ig, posp, 2), 0);
	ck_assert_int_eq(tu_query(&s, "SELECT count(*) FROM files", NULL), 2);
	ck_assert_int_eq(tu_query(&s, "SELECT offset FROM files WHERE path = ?1", pos[0].path),
	    (int64_t)pos[0].offset);
	ck_assert_int_eq(tu_query(&s, "SELECT id FROM files WHERE path = ?1", pos[0].path), pos[0].id);
	ck_assert_int_eq(tu_query(&s, "SELECT id FROM files WHERE path = ?1", pos[1].path), pos[1].id);
	/* the next commit updates the rows it now knows */
	pos[0].offset += 1;
	ck_assert_int_eq(ingest_commit(&ig, posp, 2), 0);
	ck_assert_int_eq(tu_query(&s, "SELECT offset FROM files WHERE path = ?1", pos[0].path),
	    (int64_t)pos[0].offset);
	ck_assert_int_eq(tu_query(&s, "SELECT count(*) FROM files", NULL), 2);
	ingest_free(&ig);
	store_close(&s);
	assert_definitions(db);
	config_free(&cfg);
}
END_TEST

/*
 * Account ids come from the store's map: a batch that made new accounts and
 * rolled back must not leave their ids in it (the retry inserts them again,
 * and account_daily refers to rows that exist); a later batch of an older
 * day moves the account's first day back.
 */
START_TEST(rolled_back_accounts_are_made_again)
{
	static struct file_pos pos;
	struct file_pos *posp = &pos;
	struct mtastat_config cfg;
	struct syslog_clock clk;
	struct store s;
	struct ingest ig;
	sqlite3 *other;
	char db[4200];
	static const char older[] =
	    "Oct 30 10:00:00 mx postfix/smtpd[9]: 0B0B0B0B01: client=c[192.0.2.9],"
	    " sasl_method=PLAIN, sasl_username=carol\n"
	    "Oct 30 10:00:00 mx postfix/qmgr[2]: 0B0B0B0B01: from=<carol@example.test>, size=100,"
	    " nrcpt=1 (queue active)\n"
	    "Oct 30 10:00:01 mx postfix/smtp[3]: 0B0B0B0B01: to=<a@far.example>,"
	    " relay=mx.far.example[203.0.113.5]:25, delay=1, delays=0/0/0/1, dsn=2.0.0,"
	    " status=sent (250 ok)\n"
	    "Oct 30 10:00:01 mx postfix/qmgr[2]: 0B0B0B0B01: removed\n";
	const char *p, *nl;

	test_config(&cfg);
	snprintf(db, sizeof(db), "%s/a.db", dir);
	ck_assert_int_eq(store_open(&s, db), 0);
	ck_assert_int_eq(ingest_init(&ig, &cfg, &s), 0);
	feed_fixture(&ig, &pos, "maillog");
	ck_assert_int_eq(sqlite3_open(db, &other), SQLITE_OK);
	other_exec(other, "CREATE TRIGGER refuse BEFORE INSERT ON account_daily"
	    " WHEN NEW.day > 0 BEGIN SELECT RAISE(ABORT, 'refused'); END");
	ck_assert_int_eq(ingest_commit(&ig, &posp, 1), -1);
	ck_assert_int_eq(tu_query(&s, "SELECT count(*) FROM accounts", NULL), 0);
	/* an account made by hand meanwhile takes the id the rolled-back batch had given */
	other_exec(other, "INSERT INTO accounts(name, first_day) VALUES('mallory', 0)");
	other_exec(other, "DROP TRIGGER refuse");
	sqlite3_close(other);
	ck_assert_int_eq(ingest_commit(&ig, &posp, 1), 0);
	ck_assert_int_eq(tu_query(&s, "SELECT count(*) FROM accounts", NULL), 4);
	ck_assert_int_eq(tu_query(&s, "SELECT count(*) FROM account_daily d"
	    " JOIN accounts a ON a.id = d.account_id WHERE a.name != 'mallory'", NULL), 4);
	ck_assert_int_eq(tu_query(&s, "SELECT first_day FROM accounts WHERE name = 'carol'", NULL),
	    20759); /* 2026-11-02 */
	syslog_clock_init(&clk, 2026);
	for (p = older; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		ck_assert_int_eq(ingest_line(&ig, &clk, p, (size_t)(nl - p)), 0);
	ck_assert_int_eq(ingest_commit(&ig, &posp, 1), 0);
	ck_assert_int_eq(tu_query(&s, "SELECT first_day FROM accounts WHERE name = 'carol'", NULL),
	    20756); /* 2026-10-30 */
	ck_assert_int_eq(tu_query(&s, "SELECT count(*) FROM accounts", NULL), 4);
	ingest_free(&ig);
	store_close(&s);
	config_free(&cfg);
}
END_TEST

/* Lines per batch in the writer test: small, so messages span batches. */
#define WRITER_BATCH_LINES 7

/* The writer thread writes a batch: wait for it; 0 written, -1 failed. */
static int
written(struct writer *w, struct ingest *ig, struct store_batch *b, struct file_pos *pos)
{
	ck_assert_ptr_eq(writer_wait(w), b);
	if (b->rc != 0)
		return -1;
	if (pos->id == 0)
		pos->id = b->pos[0].id; /* the row the batch inserted */
	ingest_batch_done(ig, b);
	store_batch_clear(b);
	return 0;
}

/*
 * Batches cut every few lines and written by the writer thread while the
 * next lines are read (messages span batches: the in-flight queue goes over
 * in pieces); one of them fails on a lock and is written again before the
 * next is cut.  The history is the hand-counted one, nothing lost or twice.
 */
START_TEST(batches_written_by_the_writer_count_once)
{
	static struct file_pos pos;
	struct file_pos *posp = &pos;
	struct mtastat_config cfg;
	struct syslog_clock clk;
	struct store s;
	struct store_batch b;
	struct writer w;
	struct ingest ig;
	sqlite3 *other = NULL;
	char db[4200], line[2048];
	FILE *in;
	int nbatch = 0, failed = 0, out = 0;

	test_config(&cfg);
	snprintf(db, sizeof(db), "%s/w.db", dir);
	ck_assert_int_eq(store_open(&s, db), 0);
	ck_assert_int_eq(ingest_init(&ig, &cfg, &s), 0);
	ck_assert_int_eq(writer_start(&w, db, NULL, 10), 0);
	store_batch_init(&b);
	memset(&pos, 0, sizeof(pos));
	snprintf(pos.path, sizeof(pos.path), "%s/maillog", dir);
	pos.fp_len = (size_t)snprintf((char *)pos.fp, sizeof(pos.fp), "head of maillog");
	pos.tag = 1;
	syslog_clock_init(&clk, 2026);
	ck_assert_ptr_nonnull(in = fopen(fixture, "r"));
	while (fgets(line, sizeof(line), in) != NULL) {
		ck_assert_int_eq(ingest_line(&ig, &clk, line, strcspn(line, "\n")), 0);
		pos.offset += strlen(line);
		pos.lines++;
		pos.year = clk.year;
		pos.last_month = clk.last_month;
		if (ig.lines - ig.lines_at_batch < WRITER_BATCH_LINES)
			continue;
		if (out && written(&w, &ig, &b, &pos) != 0) {
			/* the third batch failed on the lock: once released, it goes again, alone */
			ck_assert_str_eq(b.cause, "database locked");
			ck_assert_int_lt(ig.lines_at_commit, ig.lines_at_batch);
			other_exec(other, "ROLLBACK");
			sqlite3_close(other);
			other = NULL;
			failed++;
			ck_assert_int_eq(writer_submit(&w, &b), 0);
			ck_assert_int_eq(written(&w, &ig, &b, &pos), 0);
		}
		out = 0;
		ck_assert_int_eq(ig.lines_at_commit, ig.lines_at_batch);
		if (++nbatch == 3) {
			ck_assert_int_eq(sqlite3_open(db, &other), SQLITE_OK);
			other_exec(other, "BEGIN IMMEDIATE");
		}
		ck_assert_int_eq(ingest_batch(&ig, &b, &posp, 1), 0);
		ck_assert_int_eq(writer_submit(&w, &b), 0);
		ck_assert_int_eq(writer_submit(&w, &b), -1); /* one at a time */
		out = 1;
	}
	fclose(in);
	if (out)
		ck_assert_int_eq(written(&w, &ig, &b, &pos), 0);
	ck_assert_int_eq(ingest_batch(&ig, &b, &posp, 1), 0);
	ck_assert_int_eq(writer_submit(&w, &b), 0);
	ck_assert_int_eq(written(&w, &ig, &b, &pos), 0);
	ck_assert_int_eq(failed, 1);
	ck_assert_int_eq(ig.lines_at_commit, 42);
	writer_stop(&w);
	store_batch_free(&b);
	ck_assert_int_eq(tu_query(&s, "SELECT count(*) FROM files", NULL), 1);
	ck_assert_int_eq(tu_query(&s, "SELECT offset FROM files WHERE path = ?1", pos.path),
	    (int64_t)pos.offset);
	ingest_free(&ig);
	store_close(&s);
	assert_definitions(db);
	config_free(&cfg);
}
END_TEST

/* Distinct programs in the full-database test: their rows need pages the limit refuses. */
#define FULL_PROGRAMS 200

/* The database cannot grow (a full disk, as SQLite sees one): "database full", then exact counts. */
START_TEST(full_database_commit_is_retried_and_counts_once)
{
	static struct file_pos pos;
	struct file_pos *posp = &pos;
	struct mtastat_config cfg;
	struct syslog_clock clk;
	struct store s;
	struct ingest ig;
	char db[4200], q[64], line[128];
	int i, n;

	test_config(&cfg);
	snprintf(db, sizeof(db), "%s/f.db", dir);
	ck_assert_int_eq(store_open(&s, db), 0);
	ck_assert_int_eq(ingest_init(&ig, &cfg, &s), 0);
	feed_fixture(&ig, &pos, "maillog");
	syslog_clock_init(&clk, 2026);
	/* rows enough that the batch needs new pages: one per unparsed program, 60 bytes each */
	for (i = 0; i < FULL_PROGRAMS; i++) {
		n = snprintf(line, sizeof(line), "Nov  2 10:00:00 mx"
		    " a-program-with-a-name-long-enough-to-fill-pages-%d[1]: hi", i);
		ck_assert_int_eq(ingest_line(&ig, &clk, line, (size_t)n), 0);
	}
	snprintf(q, sizeof(q), "PRAGMA max_page_count = %lld",
	    (long long)tu_query(&s, "PRAGMA page_count", NULL));
	ck_assert_int_eq(sqlite3_exec(s.db, q, NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(ingest_commit(&ig, &posp, 1), -1);
	ck_assert_str_eq(store_commit_cause(&s), "database full");
	ck_assert_int_eq(sqlite3_get_autocommit(s.db), 1); /* no transaction left open */
	ck_assert_int_eq(tu_query(&s, "SELECT count(*) FROM files", NULL), 0);
	ck_assert_int_eq(sqlite3_exec(s.db, "PRAGMA max_page_count = 1073741823", NULL, NULL, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(ingest_commit(&ig, &posp, 1), 0);
	ck_assert_int_eq(tu_query(&s, "SELECT offset FROM files WHERE path = ?1", pos.path),
	    (int64_t)pos.offset);
	ck_assert_int_eq(store_total(&s, "lines"), 42 + FULL_PROGRAMS);
	ck_assert_int_eq(store_total(&s, "unparsed"), 1 + FULL_PROGRAMS);
	ck_assert_int_eq(tu_total(&s, C_RECEIVED), 4);
	ck_assert_int_eq(tu_total(&s, C_RELAYED), 5);
	ck_assert_int_eq(tu_query(&s, "SELECT count(*) FROM queue", NULL), 1);
	ingest_free(&ig);
	store_close(&s);
	config_free(&cfg);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ingest");
	TCase *tc = tcase_create("definitions");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, counts_follow_the_definitions);
	tcase_add_test(tc, reimport_and_gzip_count_nothing_twice);
	tcase_add_test(tc, same_file_twice_in_one_run_counts_once);
	tcase_add_test(tc, accounts_beyond_the_map_are_looked_up);
	tcase_add_test(tc, cleanup_reject_leaves_no_message_in_flight);
	tcase_add_test(tc, gzip_alone_counts_the_same);
	tcase_add_test(tc, resume_after_every_line_counts_the_same);
	tcase_add_test(tc, year_rolls_over_in_december);
	tcase_add_test(tc, queue_table_is_bounded);
	tcase_add_test(tc, hostile_lines);
	tcase_add_test(tc, config_errors_and_matching);
	tcase_add_test(tc, config_file_reports_every_error_with_line);
	tcase_add_test(tc, locked_commit_is_retried_and_counts_once);
	tcase_add_test(tc, rolled_back_file_row_is_written_again);
	tcase_add_test(tc, rolled_back_accounts_are_made_again);
	tcase_add_test(tc, batches_written_by_the_writer_count_once);
	tcase_add_test(tc, full_database_commit_is_retried_and_counts_once);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
