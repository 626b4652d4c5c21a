/*
 * libFuzzer harness for the line parsers: every registered MTA parser (its
 * envelope reader, Postfix's and Exim's) and the correlator behind them, fed
 * with whatever a stranger could write into a log line.  Input: one or more
 * lines separated by '\n'; each line goes through every parser.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "conf.h"
#include "correlate.h"
#include "event.h"
#include "syslog_header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	syslog_clock_init(&clk, 2026);
	aggregate_init(&agg);
	if (correlate_init(&corr, &cfg, &agg) != 0)
		return 0;
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
				correlate(&corr, &h.when, &ev);
			}
		}
		free(line);
		p = nl + 1;
	}
	correlate_free(&corr);
	aggregate_free(&agg);
	return 0;
}
