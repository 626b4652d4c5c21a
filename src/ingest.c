#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef HAVE_MALLOC_H
#include <malloc.h>
#endif

#include "ingest.h"
#include "log.h"
#include "sanitize.h"

static void
list_row(void *ctx, struct strview name, int64_t v0, int64_t v1)
{
	topk_load_row(ctx, name, v0, v1);
}

/* A day's top-K list that is not in memory starts from its stored rows. */
static int
list_load(void *ctx, enum agg_kind kind, int32_t day, struct topk *t)
{
	return store_list_rows(ctx, kind, day, TOPK_SLOTS, list_row, t);
}

/* The correlator's recent sessions as the last commit left them. */
static int
load_recent(struct ingest *ig)
{
	unsigned char *blob;
	size_t len;
	int found = store_state_get(ig->store, CORR_RECENT_KEY, &blob, &len);

	if (found < 0)
		return -1;
	if (found > 0)
		correlate_recent_load(&ig->corr, blob, len);
	free(blob);
	return 0;
}

/* The recent sessions as one more position without a file, when they changed. */
static int
recent_position(struct ingest *ig, struct file_pos **out, size_t *n)
{
	if (!ig->corr.recent_dirty)
		return 0;
	if (ig->recent_pos == NULL && (ig->recent_pos = calloc(1, sizeof(*ig->recent_pos))) == NULL)
		return -1;
	correlate_recent_save(&ig->corr, ig->recent_blob);
	ig->recent_pos->state_key = CORR_RECENT_KEY;
	ig->recent_pos->state = ig->recent_blob;
	ig->recent_pos->state_len = sizeof(ig->recent_blob);
	out[(*n)++] = ig->recent_pos;
	return 0;
}

void
ingest_malloc_tune(void)
{
#ifdef M_MMAP_THRESHOLD
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
}

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
	if (store != NULL) {
		ig->corr.names.load = list_load;
		ig->corr.names.load_ctx = store;
	}
	if (store != NULL && store_load_queue(store, &ig->corr.q) != 0) {
		correlate_free(&ig->corr);
		return -1;
	}
	if (store != NULL && load_recent(ig) != 0) {
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
ingest_set_state(struct ingest *ig, void *state)
{
	ig->pstate = state;
	ig->cur_series = NULL;
}

static void
series_free(struct ingest_series *x)
{
	if (x->state != NULL && x->parser->state_close != NULL)
		x->parser->state_close(x->state);
	free(x->pos);
	free(x->blob);
	free(x);
}

/* A new series' state, from the store when it saved one. */
static struct ingest_series *
series_open(struct ingest *ig, const char *key)
{
	struct ingest_series *x = calloc(1, sizeof(*x));
	unsigned char *blob = NULL;
	size_t len = 0;
	int found = 0;

	if (x == NULL)
		return NULL;
	snprintf(x->key, sizeof(x->key), "%s", key);
	x->parser = ig->parser;
	x->state = ig->parser->state_open();
	if (x->state == NULL || (ig->store != NULL &&
	    (found = store_state_get(ig->store, key, &blob, &len)) < 0)) {
		series_free(x);
		return NULL;
	}
	if (found && ig->parser->state_load(x->state, blob, len) != 0)
		log_warn("ingest", "%s: the saved %s state is unreadable: sessions in flight start"
		    " afresh", key, ig->parser->name);
	free(blob);
	return x;
}

int
ingest_use_series(struct ingest *ig, const char *key)
{
	struct ingest_series *x = NULL;
	size_t i;

	if (ig->parser->parse_state == NULL)
		return 0;
	for (i = 0; i < ig->nseries; i++)
		if (ig->series[i]->parser == ig->parser && strcmp(ig->series[i]->key, key) == 0) {
			x = ig->series[i];
			break;
		}
	if (x == NULL) {
		if (ig->nseries >= INGEST_SERIES_MAX) {
			log_err("ingest", "%s: more than %d series of %s logs at once", key,
			    INGEST_SERIES_MAX, ig->parser->name);
			return -1;
		}
		if ((x = series_open(ig, key)) == NULL)
			return -1;
		ig->series[ig->nseries++] = x;
	}
	ig->pstate = x->state;
	ig->cur_series = x;
	return 0;
}

/*
 * The saved state of every series read since the last commit, as extra
 * positions (no file: fp_len 0) that store_commit writes with the others.
 */
static int
series_positions(struct ingest *ig, struct file_pos **out, size_t *n)
{
	size_t i;

	for (i = 0; i < ig->nseries; i++) {
		struct ingest_series *x = ig->series[i];
		if (!x->dirty)
			continue;
		if (x->pos == NULL && (x->pos = calloc(1, sizeof(*x->pos))) == NULL)
			return -1;
		free(x->blob);
		x->blob = NULL;
		if (x->parser->state_save(x->state, &x->blob, &x->pos->state_len) != 0)
			return -1;
		x->pos->state_key = x->key;
		x->pos->state = x->blob;
		out[(*n)++] = x->pos;
	}
	return 0;
}

void
ingest_free(struct ingest *ig)
{
	size_t i;

	for (i = 0; i < ig->nseries; i++)
		series_free(ig->series[i]);
	ig->nseries = 0;
	if (ig->own_parser != NULL && ig->own_parser->state_close != NULL)
		ig->own_parser->state_close(ig->own_pstate);
	ig->own_pstate = NULL;
	correlate_free(&ig->corr);
	aggregate_free(&ig->agg);
	free(ig->recent_pos);
	ig->recent_pos = NULL;
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

struct ingest_sink {
	struct ingest *ig;
	const struct log_header *h;
};

static int
ingest_emit(void *ctx, const struct mta_event *ev)
{
	struct ingest_sink *k = ctx;
	struct ingest *ig = k->ig;

	ig->events++;
	if (k->h->when.t > ig->newest_t)
		ig->newest_t = k->h->when.t;
	if (k->h->when.t > ig->agg.newest_t)
		ig->agg.newest_t = k->h->when.t;
	return correlate(&ig->corr, &k->h->when, ev);
}

/* The state this line is read with: the reader's, else ingest's own for this parser. */
static void *
ingest_state(struct ingest *ig)
{
	if (ig->pstate != NULL)
		return ig->pstate;
	if (ig->own_parser != ig->parser) {
		if (ig->own_parser != NULL && ig->own_parser->state_close != NULL)
			ig->own_parser->state_close(ig->own_pstate);
		ig->own_pstate = ig->parser->state_open();
		ig->own_parser = ig->own_pstate != NULL ? ig->parser : NULL;
	}
	return ig->own_pstate;
}

/* A parser with memory: any number of events per line, through a sink. */
static int
ingest_stateful(struct ingest *ig, const struct log_header *h, const char *line, size_t len)
{
	struct ingest_sink k = { ig, h };
	struct mta_sink sink = { ingest_emit, &k };
	void *state = ingest_state(ig);
	int rc;

	if (state == NULL)
		return -1;
	if (ig->cur_series != NULL)
		ig->cur_series->dirty = 1;
	rc = ig->parser->parse_state(state, h, &sink);
	if (rc < 0)
		return -1;
	if (rc == MTA_LINE_UNPARSED) {
		log_debug("parse", "unparsed: %.*s", (int)(len > 300 ? 300 : len), line);
		return count_unparsed(ig, h->program);
	}
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
	if (ig->parser->parse_state != NULL)
		return ingest_stateful(ig, &h, line, len);
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

	if (ig->lines - ig->lines_at_batch >= ig->cfg->commit_lines)
		return 1;
	if (((ig->lines - ig->lines_at_batch) & 0x3fff) != 0)
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
	struct file_pos **all;
	size_t n = npos, i;
	int rc;

	all = malloc((npos + ig->nseries + 2) * sizeof(*all));
	if (all == NULL)
		return -1;
	for (i = 0; i < npos; i++)
		all[i] = pos[i];
	rc = series_positions(ig, all, &n);
	if (rc == 0)
		rc = recent_position(ig, all, &n);
	if (rc == 0)
		rc = topk_flush(&ig->corr.names, &ig->agg);
	if (rc == 0)
		rc = store_commit(ig->store, &ig->agg, &ig->corr.q, all, n,
		    ev - ig->evictions_committed);
	free(all);
	if (rc != 0)
		return -1;
	for (i = 0; i < ig->nseries; i++)
		ig->series[i]->dirty = 0;
	ig->corr.recent_dirty = 0;
	if (ev > ig->evictions_committed)
		log_warn("ingest", "queue table full (queuetable %u): %llu message(s) evicted so far",
		    ig->cfg->queuetable, (unsigned long long)ev);
	ig->evictions_committed = ev;
	ig->lines_at_commit = ig->lines_at_batch = ig->lines;
	ig->nprograms = 0;
	clock_gettime(CLOCK_MONOTONIC, &ig->commit_time);
	return 0;
}

/* The queue's changes since the last cut, copied into b and marked clean. */
static int
batch_queue(struct msgtable *q, struct store_batch *b)
{
	char (*g)[MSG_QID_MAX + 1];
	uint32_t i, cap;

	for (i = 0; i < q->cap; i++) {
		struct msg *m = &q->slab[i], *c;
		if (m->qid[0] == '\0' || !(m->flags & MSG_DIRTY))
			continue;
		if (b->nput == b->put_cap) {
			uint32_t ncap = b->put_cap ? b->put_cap * 2 : 1024;
			struct msg *np = realloc(b->put, ncap * sizeof(*np));
			if (np == NULL)
				return -1;
			b->put = np;
			b->put_cap = ncap;
		}
		c = &b->put[b->nput];
		*c = *m;
		c->account = NULL;
		if (m->account != NULL) {
			if ((c->account = malloc(m->account_len ? m->account_len : 1)) == NULL)
				return -1;
			memcpy(c->account, m->account, m->account_len);
		}
		b->nput++;
		/* written by this batch or, if it fails, by its retry before any later one */
		m->flags = (uint16_t)((m->flags & ~MSG_DIRTY) | MSG_PERSISTED);
	}
	/* the removals move over whole: the batch's emptied array comes back */
	g = b->gone;
	cap = b->gone_cap;
	b->gone = q->gone;
	b->gone_cap = q->gone_cap;
	b->ngone = q->ngone;
	q->gone = g;
	q->gone_cap = cap;
	q->ngone = 0;
	return 0;
}

int
ingest_batch(struct ingest *ig, struct store_batch *b, struct file_pos *const *pos, size_t npos)
{
	struct file_pos **series;
	struct aggregate swap;
	uint64_t ev = ig->corr.q.evictions;
	size_t i, n = 0;

	/* the top-K lists that changed go with the batch (kept in the aggregate if this fails) */
	if (topk_flush(&ig->corr.names, &ig->agg) != 0)
		return -1;
	series = malloc((ig->nseries + 2) * sizeof(*series));
	if (series == NULL || series_positions(ig, series, &n) != 0 ||
	    recent_position(ig, series, &n) != 0) {
		free(series);
		return -1;
	}
	for (i = 0; i < npos; i++)
		if (store_batch_add_pos(b, pos[i]) != 0)
			goto fail;
	for (i = 0; i < n; i++)
		if (store_batch_add_pos(b, series[i]) != 0)
			goto fail;
	free(series);
	series = NULL;
	if (batch_queue(&ig->corr.q, b) != 0)
		return -1;
	/* the correlator keeps &ig->agg: swap the contents, not the pointer */
	swap = ig->agg;
	ig->agg = b->agg;
	b->agg = swap;
	b->evictions = ev - ig->evictions_committed;
	ig->evictions_committed = ev;
	b->lines_mark = ig->lines;
	ig->lines_at_batch = ig->lines;
	for (i = 0; i < ig->nseries; i++)
		ig->series[i]->dirty = 0;
	ig->corr.recent_dirty = 0;
	ig->nprograms = 0;
	clock_gettime(CLOCK_MONOTONIC, &ig->commit_time);
	return 0;
fail:
	free(series);
	return -1;
}

void
ingest_batch_done(struct ingest *ig, const struct store_batch *b)
{
	ig->lines_at_commit = b->lines_mark;
	if (b->evictions > 0)
		log_warn("ingest", "queue table full (queuetable %u): %llu message(s) evicted so far",
		    ig->cfg->queuetable, (unsigned long long)ig->evictions_committed);
}
