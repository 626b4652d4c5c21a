/*
 * Correlation: events of one message arrive on many lines and processes; the
 * queue id ties them.  Counts go to the aggregate on the day and hour of the
 * line that records them.
 */
#ifndef MTASTAT_CORRELATE_H
#define MTASTAT_CORRELATE_H

#include "aggregate.h"
#include "conf.h"
#include "event.h"
#include "msgtable.h"
#include "topk.h"

/*
 * Sessions named by the client's address and port (postscreen) that were
 * counted as broken lately: a second cause for one of them is not counted.
 * Postscreen decides in seconds; 256 covers the sessions of those seconds.
 */
#define CORR_RECENT_SESSIONS 256
/* The ring as bytes, kept with the read positions: a restart forgets no session. */
#define CORR_RECENT_BYTES (4 * CORR_RECENT_SESSIONS + 4)
#define CORR_RECENT_KEY "correlate:recent_sessions"

struct correlator {
	struct msgtable q;
	uint32_t recent[CORR_RECENT_SESSIONS];
	unsigned recent_next;
	int recent_dirty;     /* changed since it was last saved */
	struct aggregate *agg;
	struct topk_set names;   /* senders, recipients, domains: per-day top-K lists */
	const struct mtastat_config *cfg;
};

int correlate_init(struct correlator *, const struct mtastat_config *, struct aggregate *);
void correlate_free(struct correlator *);
int correlate(struct correlator *, const struct log_time *, const struct mta_event *);
/* The recent-session ring as CORR_RECENT_BYTES bytes, and back (a short blob: empty). */
void correlate_recent_save(const struct correlator *, unsigned char *out);
void correlate_recent_load(struct correlator *, const unsigned char *blob, size_t len);

#endif
