/*
 * libFuzzer harness for the line parsers: every registered MTA parser (its
 * envelope reader, Postfix's, Exim's and IceWarp's) and the correlator
 * behind them, fed with whatever a stranger could write into a log line.
 * Input: one or more lines separated by '\n'; each line goes through every
 * parser; a parser with memory (IceWarp's sessions) keeps it across the
 * lines of one input, and its saved state is read back at the end.  The
 * same bytes go to the queue sampler's parsers as a tool's output.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "conf.h"
#include "correlate.h"
#include "event.h"
#include "queue.h"
#include "syslog_header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fuzz_emit(void *ctx, const struct mta_event *ev)
{
	struct correlator *corr = ctx;
	static const struct log_time t = { 86400 * 20000, 20000, 0 };

	return correlate(corr, &t, ev);
}

/* The saved state of a parser with memory, loaded into a fresh one and saved again: the same bytes. */
static void
fuzz_state_round_trip(const struct mta_parser *mp, void *state)
{
	unsigned char *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	void *again;

	if (mp->state_save(state, &a, &na) != 0)
		return;
	again = mp->state_open();
	if (again != NULL && mp->state_load(again, a, na) == 0 &&
	    mp->state_save(again, &b, &nb) == 0 && (na != nb || memcmp(a, b, na) != 0))
		abort();
	mp->state_close(again);
	free(a);
	free(b);
}

/*
 * The queue sampler's parsers on the same bytes as a tool's output: fed
 * whole or cut at a point the input picks, the sample must be the same, and
 * Postfix's per-queue counts must add up to the whole.
 */
static void
fuzz_queue(const uint8_t *data, size_t size)
{
	static const int mtas[] = { QUEUE_POSTFIX, QUEUE_EXIM, QUEUE_ICEWARP };
	struct queue_sample a, b;
	struct queue_parser p;
	size_t k, cut = size > 0 ? data[0] % size : 0;
	uint64_t sum;
	int i, ra, rb;

	for (i = 0; i < 3; i++) {
		a.time = b.time = 1700000000;
		queue_parser_init(&p, mtas[i], &a);
		ra = queue_parser_feed(&p, (const char *)data, size);
		ra = ra != 0 ? ra : queue_parser_end(&p);
		queue_parser_init(&p, mtas[i], &b);
		rb = queue_parser_feed(&p, (const char *)data, cut);
		rb = rb != 0 ? rb : queue_parser_feed(&p, (const char *)data + cut, size - cut);
		rb = rb != 0 ? rb : queue_parser_end(&p);
		if (ra != rb || (ra == 0 && memcmp(&a, &b, sizeof(a)) != 0))
			abort();
		for (k = 0, sum = 0; mtas[i] == QUEUE_POSTFIX && k < QN_COUNT; k++)
			sum += a.msgs[k];
		if (mtas[i] == QUEUE_POSTFIX && sum != a.total)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mtastat_config cfg;
	static int ready;
	struct syslog_clock clk;
	struct aggregate agg;
	struct correlator corr;
	const char *p = (const char *)data, *end = p + size, *nl;
	size_t k;

	if (!ready) {
		char err[128];
		config_init(&cfg);
		cfg.queuetable = 64; /* small, so eviction paths run too */
		config_apply(&cfg, "localdomain", "example.test", err, sizeof(err));
		config_apply(&cfg, "contentfilter", "127.0.0.1:10024", err, sizeof(err));
		ready = 1;
	}
	void *states[8] = { NULL };
	struct mta_sink sink;

	syslog_clock_init(&clk, 2026);
	clk.has_name_day = 1;
	clk.name_day = 20000;
	aggregate_init(&agg);
	if (correlate_init(&corr, &cfg, &agg) != 0)
		return 0;
	sink.emit = fuzz_emit;
	sink.ctx = &corr;
	for (k = 0; mta_parsers[k] != NULL && k < 8; k++)
		if (mta_parsers[k]->state_open != NULL)
			states[k] = mta_parsers[k]->state_open();
	while (p < end) {
		struct log_header h;
		struct mta_event ev;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		/* a copy of exactly the line, so reading past it is caught by ASan */
		char *line = malloc((size_t)(nl - p) + 1);
		if (line == NULL)
			break;
		memcpy(line, p, (size_t)(nl - p));
		for (k = 0; mta_parsers[k] != NULL; k++) {
			const struct mta_parser *mp = mta_parsers[k];
			if (mp->envelope(&clk, line, (size_t)(nl - p), &h) == 0 &&
			    mp->owns(mp->default_instances, &h)) {
				mp->parse(&h, &ev);
				if (k < 8 && states[k] != NULL)
					mp->parse_state(states[k], &h, &sink);
				else
					correlate(&corr, &h.when, &ev);
			}
		}
		free(line);
		p = nl + 1;
	}
	for (k = 0; mta_parsers[k] != NULL && k < 8; k++)
		if (states[k] != NULL) {
			fuzz_state_round_trip(mta_parsers[k], states[k]);
			mta_parsers[k]->state_close(states[k]);
		}
	correlate_free(&corr);
	aggregate_free(&agg);
	fuzz_queue(data, size);
	return 0;
}
