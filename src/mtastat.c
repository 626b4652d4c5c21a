/* mtastat: the command-line side (import, report) of the core library. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "civil.h"
#include "conf.h"
#include "detect.h"
#include "import.h"
#include "ingest.h"
#include "log.h"
#include "notify_mail.h"
#include "mtastat.h"
#include "report.h"
#include "store.h"

#define MTASTAT_CONFIG_DEFAULT SYSCONFDIR "/mtastat.conf"
/* SQLite page cache of the import's reading connection, KiB (a string for the PRAGMA). */
#define IMPORT_READER_CACHE_KIB "256"
/* Rows in each top list of the text report. */
#define REPORT_TOP_DEFAULT 20
/* More rows than any list holds; keeps --top an int for SQL's LIMIT. */
#define REPORT_TOP_MAX 1000000
/* Years a BSD syslog clock may start in: the epoch to what civil dates print. */
#define IMPORT_YEAR_MIN 1970
#define IMPORT_YEAR_MAX 9999

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: mtastat import [--db PATH] [--config PATH] [--year Y] [--quiet]\n"
	    "                      [--mta postfix|exim] LOG...\n"
	    "       mtastat report [--db PATH] [--config PATH] [--day YYYY-MM-DD |\n"
	    "                      --from YYYY-MM-DD --to YYYY-MM-DD] [--json] [--top N]\n"
	    "       mtastat report --mail [--db PATH] [--config PATH] [--day YYYY-MM-DD]\n"
	    "       mtastat check [--db PATH] [--config PATH] [--all] [--json]\n"
	    "       mtastat version | --version\n"
	    "       mtastat help | --help | -h   (also after a command: mtastat import --help)\n");
}

struct common {
	const char *db;
	const char *config;
	struct mtastat_config cfg;
};

/* Config: an explicit --config must exist; the default may be absent. */
static int
load_config(struct common *c)
{
	const char *path = c->config != NULL ? c->config : MTASTAT_CONFIG_DEFAULT;
	int errors;

	config_init(&c->cfg);
	if (c->config == NULL && access(path, F_OK) != 0)
		return 0;
	errors = config_read_file(&c->cfg, path, 1);
	if (errors != 0) {
		if (errors > 0)
			fprintf(stderr, "mtastat: %s: %d error(s)\n", path, errors);
		return -1;
	}
	return 0;
}

/*
 * A whole decimal number in [min, max] for option opt of command cmd;
 * "12abc", "", " 7" and overflow are errors, said on stderr.
 */
static int
parse_number(const char *cmd, const char *opt, const char *s, long min, long max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v < min || v > max) {
		fprintf(stderr, "mtastat %s: %s %s: expected a number from %ld to %ld\n", cmd, opt,
		    s, min, max);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* Arguments after the options that a command does not take: name the first. */
static int
no_operands(const char *cmd, int argc, char **argv)
{
	if (optind == argc)
		return 0;
	fprintf(stderr, "mtastat %s: unexpected argument '%s'\n", cmd, argv[optind]);
	usage(stderr);
	return -1;
}

static const char *
db_path(const struct common *c)
{
	if (c->db != NULL)
		return c->db;
	return c->cfg.database != NULL ? c->cfg.database : CONFIG_DEFAULT_DATABASE;
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
print_unparsed(const struct ingest *ig)
{
	unsigned i;

	for (i = 0; i <= INGEST_PROGRAMS_MAX; i++)
		if (ig->programs[i].lines > 0)
			printf("  unparsed %-40s %llu\n", ig->programs[i].name,
			    (unsigned long long)ig->programs[i].lines);
}

/*
 * The format of a log to import: forced (--mta), else detected from its
 * first lines and said.  0, or -1 (said why) when no parser knows its lines.
 */
static int
import_format(const char *path, const struct mta_parser *forced, const struct mta_parser **out)
{
	unsigned lines, recognised;

	*out = forced;
	if (forced != NULL)
		return 0;
	if (import_detect(path, out, &lines, &recognised) != 0) {
		log_err("import", "%s: %s", path, strerror(errno));
		return -1;
	}
	if (lines == 0) {
		*out = &parser_postfix; /* empty: nothing to tell, nothing to count */
		return 0;
	}
	if (*out == NULL) {
		log_err("import", "%s: none of its first %u line(s) is a log line of a known format"
		    " (%s): not a mail log?", path, lines, parser_names());
		return -1;
	}
	printf("%s: %s log (detected from %u of its first %u lines)\n", path, (*out)->name,
	    recognised, lines);
	return 0;
}

/*
 * Keep in argv[optind..) the logs that can be read, in their order, with
 * their format in fmt[], and return where they end; say why each other one
 * cannot.  Checked before the database is opened: an import of nothing
 * creates no database.
 */
static int
import_usable(int argc, char **argv, const struct mta_parser *forced,
    const struct mta_parser **fmt)
{
	struct stat st;
	int i, n = optind, fd;

	for (i = optind; i < argc; i++) {
		fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) != 0) {
			log_err("import", "%s: %s", argv[i], strerror(errno));
		} else if (!S_ISREG(st.st_mode)) {
			log_err("import", "%s: not a regular file", argv[i]);
		} else if (import_format(argv[i], forced, &fmt[n]) == 0) {
			argv[n++] = argv[i];
		}
		if (fd >= 0)
			close(fd);
	}
	return n;
}

/* --mta NAME: a parser; NULL and said why when there is none by that name. */
static const struct mta_parser *
import_mta(const char *name)
{
	const struct mta_parser *p = parser_by_name(name);

	if (p == NULL)
		fprintf(stderr, "mtastat import: --mta %s: unknown MTA (known: %s)\n", name,
		    parser_names());
	return p;
}

/*
 * Import one log.  A file read from its start of which no line was
 * recognised is not a mail log (a binary, the wrong file): an error, where
 * before it was counted as unparsed lines and exit status 0.
 */
static int
import_one(struct import_run *run, struct ingest *ig, const char *path,
    const struct mta_parser *fmt, const struct import_opts *io)
{
	uint64_t lines = ig->lines, unparsed = ig->unparsed;
	int fresh, rc;

	ingest_set_parser(ig, fmt);
	rc = import_file(run, path, io, &fresh);
	if (rc != 0 || !fresh)
		return rc;
	lines = ig->lines - lines;
	if (lines > 0 && ig->unparsed - unparsed == lines) {
		log_err("import", "%s: none of its %llu line(s) matches the %s format: not a mail log?",
		    path, (unsigned long long)lines, fmt->name);
		return -1;
	}
	return 0;
}

static int
cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' }, { "config", required_argument, NULL, 'c' },
		{ "year", required_argument, NULL, 'y' }, { "quiet", no_argument, NULL, 'q' },
		{ "mta", required_argument, NULL, 'm' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct mta_parser *forced = NULL, **fmt;
	struct common c = { 0 };
	struct import_opts io = { 0, isatty(STDERR_FILENO) };
	struct store store;
	struct ingest ig;
	struct import_run *run;
	struct timespec t0;
	double secs;
	int ch, i, nlogs, rc = 0;

	while ((ch = getopt_long(argc, argv, "d:c:y:qm:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': c.db = optarg; break;
		case 'c': c.config = optarg; break;
		case 'y':
			if (parse_number("import", "--year", optarg, IMPORT_YEAR_MIN, IMPORT_YEAR_MAX,
				&io.year) != 0)
				return 2;
			break;
		case 'q': io.progress = 0; break;
		case 'h': usage(stdout); return 0;
		case 'm':
			if ((forced = import_mta(optarg)) == NULL)
				return 2;
			break;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "mtastat import: no log file given\n");
		usage(stderr);
		return 2;
	}
	if (load_config(&c) != 0)
		return 2;
	if ((fmt = calloc((size_t)argc, sizeof(*fmt))) == NULL) {
		config_free(&c.cfg);
		return 1;
	}
	nlogs = import_usable(argc, argv, forced, fmt);
	if (nlogs < argc)
		rc = 1;
	if (import_order(argv + optind, fmt + optind, (size_t)(nlogs - optind)) != 0 ||
	    nlogs == optind) {
		rc = 1; /* nothing to read: no database is created for it */
		goto out_fmt;
	}
	ingest_malloc_tune();
	if (store_open(&store, db_path(&c)) != 0) {
		rc = 1;
		goto out_fmt;
	}
	/* this connection only looks files and lists up: the writer thread has its own */
	sqlite3_exec(store.db, "PRAGMA cache_size = -" IMPORT_READER_CACHE_KIB, NULL, NULL, NULL);
	if (ingest_init(&ig, &c.cfg, &store) != 0) {
		rc = 1;
		goto out_store;
	}
	if ((run = import_begin(&ig)) == NULL) {
		rc = 1;
		goto out_ingest;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = optind; i < nlogs; i++) {
		int frc = import_one(run, &ig, argv[i], fmt[i], &io);
		if (frc != 0)
			rc = 1;
		if (frc == IMPORT_DB_FAILED)
			break; /* logged once: the next files would wait and fail the same way */
	}
	if (import_end(run) != 0)
		rc = 1;
	secs = seconds_since(&t0);
	printf("lines %llu, events %llu, unparsed %llu, evicted %llu, %.3f s, %.0f lines/s\n",
	    (unsigned long long)ig.lines, (unsigned long long)ig.events,
	    (unsigned long long)ig.unparsed, (unsigned long long)ig.corr.q.evictions, secs,
	    secs > 0 ? (double)ig.lines / secs : 0.0);
	if (ig.unparsed > 0)
		print_unparsed(&ig);
out_ingest:
	ingest_free(&ig);
out_store:
	store_close(&store);
out_fmt:
	free(fmt);
	config_free(&c.cfg);
	return rc;
}

static int
parse_day(const char *opt, const char *s, int32_t *d)
{
	if (civil_parse(s, d) != 0) {
		fprintf(stderr, "mtastat report: %s %s: expected YYYY-MM-DD\n", opt, s);
		return -1;
	}
	return 0;
}

/* Options that contradict each other, said on stderr.  other: --json or --top given. */
static int
report_check_options(const struct report_opts *ro, int day_given, const char *from,
    const char *to, int mail, int other)
{
	if (day_given && (from != NULL || to != NULL)) {
		fprintf(stderr, "mtastat report: --day excludes --from and --to\n");
		return -1;
	}
	if (mail && (from != NULL || to != NULL || other)) {
		fprintf(stderr, "mtastat report: --mail takes no --from, --to, --json or --top\n");
		return -1;
	}
	if (from != NULL && to != NULL && ro->from > ro->to) {
		fprintf(stderr, "mtastat report: --from %s is after --to %s\n", from, to);
		return -1;
	}
	return 0;
}

/* `report --mail`: the daily report of day (-1: the day before the newest event), sent now. */
static int
mail_report(const struct mtastat_config *cfg, struct store *s, int32_t day)
{
	struct notify_mail m;
	char subject[512], date[16], err[512];
	char *body;
	int rc = 1;

	if (cfg->mailserver == NULL) {
		fprintf(stderr, "mtastat report --mail: no mailserver in the configuration\n");
		return 2;
	}
	if (day < 0 && store_total(s, "newest_t") <= 0) {
		fprintf(stderr, "mtastat report --mail: %s: the history is empty\n", s->path);
		return 1;
	}
	if (day < 0)
		day = (int32_t)(store_total(s, "newest_t") / 86400) - 1;
	if (notify_mail_start(&m, cfg, NULL) != 0) {
		notify_mail_stop(&m);
		return 2;
	}
	civil_format(day, date);
	snprintf(subject, sizeof(subject), "%s daily report %s on %s", m.cfg.mailsubject, date, m.host);
	body = notify_mail_report(s, cfg, day);
	if (body == NULL)
		fprintf(stderr, "mtastat report --mail: out of memory\n");
	else if (notify_mail_send(&m, subject, body, err, sizeof(err)) != 0)
		fprintf(stderr, "mtastat report --mail: %s\n", err);
	else {
		printf("sent \"%s\" to %zu recipient(s)\n", subject, m.cfg.nmailto);
		rc = 0;
	}
	free(body);
	notify_mail_stop(&m);
	return rc;
}

static int
cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' }, { "config", required_argument, NULL, 'c' },
		{ "day", required_argument, NULL, 'D' }, { "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' }, { "json", no_argument, NULL, 'j' },
		{ "top", required_argument, NULL, 'n' }, { "mail", no_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int mail = 0, day_given = 0, top_given = 0;
	struct common c = { 0 };
	struct report_opts ro = { REPORT_OPEN_FROM, REPORT_OPEN_TO, 0, REPORT_TOP_DEFAULT };
	const char *from = NULL, *to = NULL;
	struct store store;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "d:c:D:f:t:jn:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': c.db = optarg; break;
		case 'c': c.config = optarg; break;
		case 'D':
			if (parse_day("--day", optarg, &ro.from) != 0)
				return 2;
			ro.to = ro.from;
			day_given = 1;
			break;
		case 'm': mail = 1; break;
		case 'h': usage(stdout); return 0;
		case 'f':
			if (parse_day("--from", optarg, &ro.from) != 0)
				return 2;
			from = optarg;
			break;
		case 't':
			if (parse_day("--to", optarg, &ro.to) != 0)
				return 2;
			to = optarg;
			break;
		case 'j': ro.json = 1; break;
		case 'n':
			if (parse_number("report", "--top", optarg, 1, REPORT_TOP_MAX, &ro.top) != 0)
				return 2;
			top_given = 1;
			break;
		default: usage(stderr); return 2;
		}
	}
	if (no_operands("report", argc, argv) != 0)
		return 2;
	if (report_check_options(&ro, day_given, from, to, mail, ro.json || top_given) != 0)
		return 2;
	if (load_config(&c) != 0)
		return 2;
	/* reading needs no write access to the history or its directory */
	if (store_open_readonly(&store, db_path(&c)) != 0) {
		config_free(&c.cfg);
		return 1;
	}
	if (mail)
		rc = mail_report(&c.cfg, &store, day_given ? ro.from : -1);
	else
		rc = report_print(&store, &ro, stdout) == 0 ? 0 : 1;
	store_close(&store);
	config_free(&c.cfg);
	return rc;
}

static const char *
judgement_name(enum judgement j)
{
	static const char *const names[] = { "?", "normal", "high", "low", "insufficientData" };

	return j >= J_NORMAL && j <= J_INSUFFICIENT ? names[j] : "?";
}

static const char *
direction_name(enum alarm_direction d)
{
	static const char *const names[] = { "?", "high", "low", "both" };

	return d >= DIR_HIGH && d <= DIR_BOTH ? names[d] : "?";
}

/* The alarm line; an account's usual volume with "±" (the MIB's text is ASCII). */
static void
check_alarm_line(const struct mtastat_config *cfg, const struct alarm *a)
{
	char text[ALARM_TEXT_MAX * 2];

	if (a->kind == AK_ACCOUNT_UNUSUAL)
		detect_unusual_text(text, sizeof(text), a->subject, a, detect_relay_unit(cfg),
		    "\302\261");
	else
		snprintf(text, sizeof(text), "%s", a->text);
	printf("%s\n", text);
}

static void
check_text(const struct mtastat_config *cfg, const struct detect_result *r, int all)
{
	size_t i;
	int k;

	for (i = 0; i < r->nalarms; i++)
		check_alarm_line(cfg, &r->alarms[i]);
	if (!all)
		return;
	for (k = 0; k < IND_COUNT; k++) {
		const struct indicator_stat *is = &r->stats[k];
		printf("%-20s status:%s direction:%s today:%lld", is->def->name,
		    judgement_name(r->status[k]), direction_name(stats_direction(cfg, k)),
		    (long long)is->today);
		if (is->last.judged)
			printf(" last-day V:%lld M:%.2f S:%.2f z:%.2f days:%d", (long long)is->last.v,
			    is->last.mean, is->last.sd, is->last.z, is->last.n);
		if (is->sofar.judged)
			printf(" so-far V:%lld M:%.2f S:%.2f z:%.2f", (long long)is->sofar.v,
			    is->sofar.mean, is->sofar.sd, is->sofar.z);
		printf("\n");
	}
}

static void
json_baseline(const char *key, const struct baseline *b)
{
	char date[16] = "";

	if (!b->judged) {
		printf(", \"%s\": null", key);
		return;
	}
	civil_format(b->day, date);
	printf(", \"%s\": {\"day\": \"%s\", \"value\": %lld, \"mean\": %.2f, \"sd\": %.2f,"
	    " \"z\": %.2f, \"days\": %d}", key, date, (long long)b->v, b->mean, b->sd, b->z, b->n);
}

static void
check_json(const struct mtastat_config *cfg, const struct detect_result *r)
{
	static const char *const kinds[] = { "", "anomaly", "normal", "relayLimitExceeded",
		"relayLimitCleared", "logStalled", "historyWriteFailed", "historyWriteResumed",
		"accountUnusual", "accountUsual" };
	size_t i;
	int k;

	printf("{\"alarms\": [");
	for (i = 0; i < r->nalarms; i++) {
		const struct alarm *a = &r->alarms[i];
		printf("%s\n  {\"kind\": \"%s\", \"subject\": ", i ? "," : "", kinds[a->kind]);
		report_json_string(stdout, a->subject, (int)strlen(a->subject));
		printf(", \"value\": %lld, \"mean\": %.2f, \"sd\": %.2f, \"z\": %.2f, \"limit\": %u,"
		    " \"text\": ", (long long)a->value, a->mean, a->sd, a->z, a->limit);
		report_json_string(stdout, a->text, (int)strlen(a->text));
		printf("}");
	}
	printf("],\n\"indicators\": [");
	for (k = 0; k < IND_COUNT; k++) {
		const struct indicator_stat *is = &r->stats[k];
		printf("%s\n  {\"name\": \"%s\", \"status\": \"%s\", \"direction\": \"%s\","
		    " \"today\": %lld", k ? "," : "", is->def->name, judgement_name(r->status[k]),
		    direction_name(stats_direction(cfg, k)), (long long)is->today);
		json_baseline("last_day", &is->last);
		json_baseline("so_far", &is->sofar);
		printf("}");
	}
	printf("]}\n");
}

/*
 * check records the alarms it raises and clears, so that the next run does
 * not print them again, when it may write the history (file and directory:
 * SQLite writes beside it).  A user who may only read it gets the same
 * evaluation read-only, recorded by nobody (detect saves nothing then).
 */
static int
check_open(struct store *s, const char *path)
{
	char dir[4096];
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return store_open_readonly(s, path); /* which says the path is too long */
	slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		slash[slash == dir ? 1 : 0] = '\0';
	if (access(path, R_OK | W_OK) == 0 && access(dir, W_OK | X_OK) == 0)
		return store_open(s, path);
	return store_open_readonly(s, path);
}

static int
cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' }, { "config", required_argument, NULL, 'c' },
		{ "all", no_argument, NULL, 'a' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct common c = { 0 };
	struct detect_result r;
	struct store store;
	int ch, all = 0, json = 0, rc;

	while ((ch = getopt_long(argc, argv, "d:c:ajh", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': c.db = optarg; break;
		case 'c': c.config = optarg; break;
		case 'a': all = 1; break;
		case 'j': json = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (no_operands("check", argc, argv) != 0)
		return 2;
	if (load_config(&c) != 0)
		return 2;
	if (check_open(&store, db_path(&c)) != 0) {
		config_free(&c.cfg);
		return 2;
	}
	if (detect_run(&store, &c.cfg, 0, &r) != 0) {
		rc = 2;
	} else {
		if (json)
			check_json(&c.cfg, &r);
		else
			check_text(&c.cfg, &r, all);
		rc = r.raised > 0 ? 1 : 0;
	}
	detect_result_free(&r);
	store_close(&store);
	config_free(&c.cfg);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *debug = getenv("MTASTAT_DEBUG");

	log_init("mtastat", 0, 0);
	/* MTASTAT_DEBUG=parse,store; a misspelt token would silently show nothing */
	if (debug != NULL && debug[0] != '\0' && log_debug_enable(debug) != 0) {
		fprintf(stderr, "mtastat: MTASTAT_DEBUG=%s: expected subsystems among %s\n", debug,
		    LOG_SUBSYSTEMS);
		return 2;
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "import") == 0)
		return cmd_import(argc - 1, argv + 1);
	if (strcmp(argv[1], "report") == 0)
		return cmd_report(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("mtastat %s\n", MTASTAT_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "mtastat: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
