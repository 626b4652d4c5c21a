/*
 * health_tally MTA FILE...: the issue 14 facts a parser reports for a log,
 * straight from its events (replies by direction, code and enhanced code;
 * sessions with and without TLS per direction), per day, printed as the
 * "health" object of genlog's expect file so that a test compares the two
 * before (and independently of) the aggregation downstream.  Files are read
 * in the order given; a stateful parser keeps its memory across them and
 * dates lines by the file names, as import does.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "event.h"
#include "syslog_header.h"

/* Days one tally covers: genlog writes at most a few hundred. */
#define TALLY_DAYS 400
/* Distinct reply keys ("in 550 5.7.1"): generated logs use a handful. */
#define TALLY_KEYS 128
#define TALLY_KEY_MAX 32
/* Longest line read whole; longer ones are cut (generated lines are short). */
#define TALLY_LINE_MAX 65536

enum { T_IN, T_IN_PLAIN, T_OUT, T_OUT_PLAIN, NT };
static const char *const t_names[NT] = { "in", "in_plain", "out", "out_plain" };

struct tally {
	int32_t first_day;
	int has_first;
	int32_t last;
	char key[TALLY_KEYS][TALLY_KEY_MAX];
	long long reply[TALLY_KEYS][TALLY_DAYS];
	int nkeys;
	long long tls[TALLY_DAYS][NT];
	int32_t day; /* of the line being read */
};

static int
tally_day(struct tally *t, int32_t day)
{
	if (!t->has_first) {
		t->first_day = t->last = day;
		t->has_first = 1;
	}
	if (day < t->first_day || day - t->first_day >= TALLY_DAYS) {
		fprintf(stderr, "health_tally: day %ld out of range\n", (long)day);
		exit(2);
	}
	if (day > t->last)
		t->last = day;
	return (int)(day - t->first_day);
}

static int
tally_event(void *ctx, const struct mta_event *ev)
{
	struct tally *t = ctx;
	char key[TALLY_KEY_MAX];
	int d = tally_day(t, t->day), i;

	if (ev->reply.code != 0) {
		snprintf(key, sizeof(key), "%s %u%s%.*s", ev->reply.dir == MTA_DIR_OUT ? "out" : "in",
		    ev->reply.code, ev->reply.enh.n > 0 ? " " : "",
		    (int)(ev->reply.enh.n > 12 ? 12 : ev->reply.enh.n), ev->reply.enh.p);
		for (i = 0; i < t->nkeys && strcmp(t->key[i], key) != 0; i++)
			;
		if (i == t->nkeys) {
			if (t->nkeys == TALLY_KEYS)
				return -1;
			memcpy(t->key[t->nkeys++], key, sizeof(key));
		}
		t->reply[i][d]++;
	}
	if ((ev->has_tls || ev->type == EV_TLS) && !ev->tls_unsaid && ev->dir == MTA_DIR_IN)
		t->tls[d][ev->tls ? T_IN : T_IN_PLAIN]++;
	else if ((ev->has_tls || ev->type == EV_TLS) && !ev->tls_unsaid && ev->dir == MTA_DIR_OUT)
		t->tls[d][ev->tls ? T_OUT : T_OUT_PLAIN]++;
	return 0;
}

static void
tally_print(const struct tally *t)
{
	char day[16];
	int d, i, first;

	printf("{\"health\": {");
	for (d = 0; t->has_first && d <= t->last - t->first_day; d++) {
		civil_format(t->first_day + d, day);
		printf("%s\n  \"%s\": {\"replies\": {", d ? "," : "", day);
		for (i = 0, first = 1; i < t->nkeys; i++)
			if (t->reply[i][d] != 0) {
				printf("%s\"%s\": %lld", first ? "" : ", ", t->key[i], t->reply[i][d]);
				first = 0;
			}
		printf("}, \"tls\": {");
		for (i = 0; i < NT; i++)
			printf("%s\"%s\": %lld", i ? ", " : "", t_names[i], t->tls[d][i]);
		printf("}}");
	}
	printf("}}\n");
}

static int
tally_file(const struct mta_parser *mp, void *state, const struct mta_sink *sink,
    struct tally *t, const char *path)
{
	static char line[TALLY_LINE_MAX];
	struct syslog_clock clk;
	struct mta_file_key key;
	struct log_header h;
	struct mta_event ev;
	const char *base = strrchr(path, '/');
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	syslog_clock_init(&clk, 2026);
	base = base ? base + 1 : path;
	if (mp->file_key != NULL && mp->file_key(base, &key) == 0) {
		clk.name_day = key.day;
		clk.has_name_day = 1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		n = strcspn(line, "\n");
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (mp->envelope(&clk, line, n, &h) != 0 || !mp->owns(mp->default_instances, &h))
			continue;
		t->day = h.when.day;
		if (mp->parse_state != NULL) {
			if (mp->parse_state(state, &h, sink) < 0)
				return fclose(f), -1;
			continue;
		}
		mp->parse(&h, &ev);
		if (ev.type != EV_UNPARSED && ev.type != EV_IGNORED && tally_event(t, &ev) != 0)
			return fclose(f), -1;
	}
	fclose(f);
	return 0;
}

/* Files of a dated log in (series, day, split) order, as import reads them; others by name. */
static const struct mta_parser *sort_parser;

static int
file_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	const char *bx = strrchr(x, '/'), *by = strrchr(y, '/');
	struct mta_file_key kx, ky;
	int c;

	bx = bx ? bx + 1 : x;
	by = by ? by + 1 : y;
	if (sort_parser->file_key == NULL || sort_parser->file_key(bx, &kx) != 0 ||
	    sort_parser->file_key(by, &ky) != 0)
		return strcmp(x, y);
	if ((c = strcmp(kx.series, ky.series)) != 0)
		return c;
	if (kx.day != ky.day)
		return kx.day < ky.day ? -1 : 1;
	return kx.split < ky.split ? -1 : kx.split > ky.split;
}

int
main(int argc, char **argv)
{
	const struct mta_parser *mp;
	struct tally *t;
	struct mta_sink sink;
	void *state = NULL;
	int i, rc = 0;

	if (argc < 3 || (mp = parser_by_name(argv[1])) == NULL) {
		fprintf(stderr, "usage: health_tally %s FILE...\n", parser_names());
		return 2;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return 1;
	sort_parser = mp;
	qsort(argv + 2, (size_t)(argc - 2), sizeof(*argv), file_cmp);
	sink.emit = tally_event;
	sink.ctx = t;
	if (mp->state_open != NULL && (state = mp->state_open()) == NULL)
		return 1;
	for (i = 2; i < argc && rc == 0; i++)
		rc = tally_file(mp, state, &sink, t, argv[i]);
	if (state != NULL)
		mp->state_close(state);
	if (rc == 0)
		tally_print(t);
	free(t);
	return rc == 0 ? 0 : 1;
}
