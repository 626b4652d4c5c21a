#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ingest.h"
#include "log.h"
#include "sanitize.h"

int
ingest_init(struct ingest *ig, const struct mtastat_config *cfg, struct store *store)
{
	memset(ig, 0, sizeof(*ig));
	ig->cfg = cfg;
	ig->store = store;
	ingest_set_parser(ig, &parser_postfix);
	aggregate_init(&ig->agg);
	if (correlate_init(&ig->corr, cfg, &ig->agg) != 0)
		return -1;
	if (store != NULL && store_load_queue(store, &ig->corr.q) != 0) {
		correlate_free(&ig->corr);
		return -1;
	}
	if (store != NULL)
		ig->newest_t = store_total(store, "newest_t");
	clock_gettime(CLOCK_MONOTONIC, &ig->commit_time);
	return 0;
}

void
ingest_set_parser(struct ingest *ig, const struct mta_parser *p)
{
	ig->parser = p;
	/* postfixnames renames Postfix's instances; the others keep their defaults */
	ig->instances = p == &parser_postfix && ig->cfg->postfixnames != NULL
	    ? (const char *const *)ig->cfg->postfixnames : p->default_instances;
}

void
ingest_free(struct ingest *ig)
{
	correlate_free(&ig->corr);
	aggregate_free(&ig->agg);
}

/* This run's tally; the last slot pools programs beyond the limit. */
static void
tally_program(struct ingest *ig, const char *name, size_t n)
{
	struct program_count *p;
	unsigned i = ig->last_program;

	if (i < ig->nrun_programs && strncmp(ig->programs[i].name, name, n) == 0 &&
	    ig->programs[i].name[n] == '\0') {
		ig->programs[i].lines++;
		return;
	}
	for (i = 0; i < ig->nrun_programs; i++)
		if (strncmp(ig->programs[i].name, name, n) == 0 && ig->programs[i].name[n] == '\0')
			break;
	if (i == ig->nrun_programs) {
		if (i == INGEST_PROGRAMS_MAX) {
			i = INGEST_PROGRAMS_MAX;
			snprintf(ig->programs[i].name, sizeof(ig->programs[i].name), "(other)");
		} else {
			memcpy(ig->programs[i].name, name, n);
			ig->programs[i].name[n] = '\0';
			ig->nrun_programs++;
		}
	}
	p = &ig->programs[i];
	p->lines++;
	ig->last_program = i;
}

static int
count_unparsed(struct ingest *ig, struct strview program)
{
	char name[INGEST_PROGRAM_NAME_MAX + 1];
	size_t n;

	ig->unparsed++;
	ig->agg.unparsed++;
	if (program.n == 0)
		program = sv_make("(no syslog header)", 18);
	else if (ig->nprograms >= INGEST_PROGRAMS_MAX)
		program = sv_make("(other)", 7);
	n = sanitize_copy(name, sizeof(name), program.p, program.n);
	tally_program(ig, name, n);
	if (aggregate_keyed(&ig->agg, AGG_UNPARSED, 0, sv_make(name, n), 1, 0) != 0)
		return -1;
	ig->nprograms = (unsigned)ig->agg.nkeyed; /* an upper bound is enough */
	return 0;
}

int
ingest_line(struct ingest *ig, struct syslog_clock *clock, const char *line, size_t len)
{
	struct log_header h;
	struct mta_event ev;

	ig->lines++;
	ig->agg.lines++;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (ig->parser->envelope(clock, line, len, &h) != 0) {
		log_debug("parse", "no syslog header: %.*s", (int)(len > 300 ? 300 : len), line);
		return count_unparsed(ig, SV_NULL);
	}
	if (!ig->parser->owns(ig->instances, &h))
		return count_unparsed(ig, h.program);
	ig->parser->parse(&h, &ev);
	if (ev.type == EV_UNPARSED) {
		log_debug("parse", "unparsed: %.*s", (int)(len > 300 ? 300 : len), line);
		return count_unparsed(ig, h.program);
	}
	if (ev.type == EV_IGNORED)
		return 0;
	ig->events++;
	if (h.when.t > ig->newest_t)
		ig->newest_t = h.when.t;
	if (h.when.t > ig->agg.newest_t)
		ig->agg.newest_t = h.when.t;
	return correlate(&ig->corr, &h.when, &ev);
}

int
ingest_commit_due(struct ingest *ig)
{
	struct timespec now;
	long ms;

	if (ig->lines - ig->lines_at_commit >= ig->cfg->commit_lines)
		return 1;
	if (((ig->lines - ig->lines_at_commit) & 0x3fff) != 0)
		return 0; /* look at the clock every 16k lines only */
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - ig->commit_time.tv_sec) * 1000 +
	    (now.tv_nsec - ig->commit_time.tv_nsec) / 1000000;
	return ms >= (long)ig->cfg->commit_ms;
}

int
ingest_commit(struct ingest *ig, struct file_pos *const *pos, size_t npos)
{
	uint64_t ev = ig->corr.q.evictions;

	if (store_commit(ig->store, &ig->agg, &ig->corr.q, pos, npos,
		ev - ig->evictions_committed) != 0)
		return -1;
	if (ev > ig->evictions_committed)
		log_warn("ingest", "queue table full (queuetable %u): %llu message(s) evicted so far",
		    ig->cfg->queuetable, (unsigned long long)ev);
	ig->evictions_committed = ev;
	ig->lines_at_commit = ig->lines;
	ig->nprograms = 0;
	clock_gettime(CLOCK_MONOTONIC, &ig->commit_time);
	return 0;
}
