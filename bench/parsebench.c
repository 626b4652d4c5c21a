/*
 * parsebench: the parse stage alone, without the store (issue 15's
 * "≥ 6 M lines/s"), run by hand:
 *
 *   make parsebench            (in a build directory)
 *   ./parsebench [--mta NAME] [--stage split|header|parse|ingest] [--repeat N]
 *                [--config FILE] FILE
 *
 * The file is read into memory first, so the figure is CPU only, no I/O.
 * Stages, each including the ones before it:
 *   split   the line split (memchr per line)
 *   header  + the envelope (syslog header or the MTA's own) and owns()
 *   parse   + the MTA parser: one event per line (stateful parsers: their sink)
 *   ingest  + correlation and the per-day aggregate, emptied every
 *             commitlines lines instead of committed (no SQLite)
 * Prints the best of --repeat runs (default 5) in lines per second.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "event.h"
#include "ingest.h"
#include "syslog_header.h"

enum stage { S_SPLIT, S_HEADER, S_PARSE, S_INGEST };

struct bench {
	const struct mta_parser *parser;
	struct mtastat_config cfg;
	enum stage stage;
	char *buf;
	size_t len;
	uint64_t lines, events, sink;
};

static int
count_event(void *ctx, const struct mta_event *ev)
{
	struct bench *b = ctx;

	b->events += ev->type != EV_IGNORED;
	return 0;
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The stages before ingest, line by line over the buffer. */
static void
run_parse(struct bench *b)
{
	struct syslog_clock clk;
	struct log_header h;
	struct mta_event ev;
	struct mta_sink sink = { count_event, b };
	void *state = b->parser->state_open ? b->parser->state_open() : NULL;
	const char *p = b->buf, *end = b->buf + b->len, *nl;

	syslog_clock_init(&clk, 2026);
	clk.has_name_day = 1; /* IceWarp: any date will do */
	clk.name_day = 20759;
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		b->lines++;
		if (b->stage == S_SPLIT) {
			b->sink += (size_t)(nl - p);
			continue;
		}
		if (b->parser->envelope(&clk, p, (size_t)(nl - p), &h) != 0 ||
		    !b->parser->owns(b->parser->default_instances, &h) || b->stage == S_HEADER)
			continue;
		if (state != NULL) {
			b->parser->parse_state(state, &h, &sink);
		} else {
			b->parser->parse(&h, &ev);
			b->events += ev.type != EV_IGNORED && ev.type != EV_UNPARSED;
		}
	}
	if (state != NULL)
		b->parser->state_close(state);
}

/* Everything ingest_line does, with the aggregate emptied instead of stored. */
static int
run_ingest(struct bench *b)
{
	struct syslog_clock clk;
	struct ingest ig;
	const char *p = b->buf, *end = b->buf + b->len, *nl;

	if (ingest_init(&ig, &b->cfg, NULL) != 0)
		return -1;
	ingest_set_parser(&ig, b->parser);
	syslog_clock_init(&clk, 2026);
	clk.has_name_day = 1;
	clk.name_day = 20759;
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (ingest_line(&ig, &clk, p, (size_t)(nl - p)) != 0)
			break;
		if (ig.lines - ig.lines_at_commit >= b->cfg.commit_lines) {
			aggregate_reset(&ig.agg);
			ig.lines_at_commit = ig.lines;
		}
	}
	b->lines += ig.lines;
	b->events += ig.events;
	ingest_free(&ig);
	return 0;
}

static int
load(struct bench *b, const char *path)
{
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) != 0 || (b->buf = malloc((size_t)st.st_size + 1)) == NULL) {
		fprintf(stderr, "parsebench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (got < (size_t)st.st_size && (n = read(fd, b->buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	b->len = got;
	return 0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: parsebench [--mta NAME] [--stage split|header|parse|ingest]"
	    " [--repeat N] [--config FILE] FILE\n");
	return 2;
}

int
main(int argc, char **argv)
{
	static const char *const stages[] = { "split", "header", "parse", "ingest" };
	struct bench b;
	const char *config = NULL;
	double best = 0, t0, t;
	int i, k, repeat = 5;

	memset(&b, 0, sizeof(b));
	b.parser = &parser_postfix;
	b.stage = S_PARSE;
	for (i = 1; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "--mta") == 0 && (b.parser = parser_by_name(argv[i + 1])) != NULL)
			continue;
		if (strcmp(argv[i], "--repeat") == 0 && (repeat = atoi(argv[i + 1])) > 0)
			continue;
		if (strcmp(argv[i], "--config") == 0) {
			config = argv[i + 1];
			continue;
		}
		for (k = 0; k < 4 && strcmp(argv[i], "--stage") == 0; k++)
			if (strcmp(argv[i + 1], stages[k]) == 0)
				break;
		if (strcmp(argv[i], "--stage") != 0 || k == 4)
			return usage();
		b.stage = (enum stage)k;
	}
	if (i + 1 != argc)
		return usage();
	config_init(&b.cfg);
	if (config != NULL && config_read_file(&b.cfg, config, 0) != 0)
		return 1;
	if (load(&b, argv[i]) != 0)
		return 1;
	for (k = 0; k < repeat; k++) {
		b.lines = b.events = 0;
		t0 = now();
		if (b.stage == S_INGEST ? run_ingest(&b) != 0 : (run_parse(&b), 0))
			return 1;
		t = now() - t0;
		if (k == 0 || (double)b.lines / t > best)
			best = (double)b.lines / t;
	}
	printf("%s %s: %llu lines, %llu events, best of %d: %.0f lines/s\n", b.parser->name,
	    stages[b.stage], (unsigned long long)b.lines, (unsigned long long)b.events, repeat, best);
	free(b.buf);
	config_free(&b.cfg);
	return b.sink == 1; /* keep the split loop */
}
