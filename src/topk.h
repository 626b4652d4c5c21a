/*
 * The report's per-name lists (senders, recipients, recipient domains) as
 * bounded top-K lists per day: the space-saving algorithm (Metwally,
 * Agrawal, El Abbadi 2005) with TOPK_SLOTS names per list and day.
 *
 * Why: an exact row per name and day cost one SQLite upsert per name and
 * batch (1.9 M upserts, two thirds of the import's time on a 10 M-line
 * log); a list costs at most TOPK_SLOTS rows, replaced whole when it
 * changed (docs/performance.md).
 *
 * What a list guarantees (docs/counting.md): while a day has at most
 * TOPK_SLOTS distinct names in a list every count is exact.  Beyond that,
 * each listed value is a lower bound of the true count, short by at most
 * N/TOPK_SLOTS (N: the day's total of that list), and every name whose
 * count exceeds N/TOPK_SLOTS is listed.
 *
 * The lists of the days being read stay in memory (TOPK_DAYS per kind);
 * a list read again after it left memory starts from its stored rows.  At
 * each commit the lists that changed are copied into the aggregate as
 * whole lists (aggregate_set), which the store writes in place of the
 * day's rows, in the same transaction as the counts and read positions.
 */
#ifndef MTASTAT_TOPK_H
#define MTASTAT_TOPK_H

#include <stdint.h>

#include "aggregate.h"
#include "strview.h"

/* Names per list and day: a report shows the top 20; room for the tail's churn. */
#define TOPK_SLOTS 1024
/* Days per kind in memory: the day being read and the one before midnight. */
#define TOPK_DAYS 2
/* The kinds kept as lists: AGG_SENDER, AGG_RCPT, AGG_DOMAIN. */
#define TOPK_KINDS 3

struct topk_slot {
	uint64_t hash;
	int64_t err;     /* the smallest count when it took the slot: what it may have had */
	int64_t v1;      /* the second value (relayed, bytes) since it took the slot */
	char *name;      /* malloc'd, name_cap bytes: names are short, AGG_NAME_MAX is not */
	uint16_t len, name_cap;
};

/*
 * The counts live in the heap beside the slot numbers, and the index holds
 * each name's hash with its slot: sifting and probing read small arrays
 * instead of a slot (a cache miss each) per step.
 */
struct topk {
	enum agg_kind kind;
	int32_t day;
	int used, dirty;
	uint64_t stamp;                   /* last use, for eviction */
	uint32_t n;                       /* slots taken */
	int64_t count[TOPK_SLOTS];        /* heap order: the estimate, exact count since
	                                   * the name took the slot + err */
	uint16_t heap[TOPK_SLOTS];        /* slot numbers, smallest count first */
	uint16_t pos[TOPK_SLOTS];         /* each slot's place in the heap */
	/* hash table: the hash's bits above 16, and slot + 1 in the low 16; 0 empty */
	uint64_t index[2 * TOPK_SLOTS];
	struct topk_slot slot[TOPK_SLOTS];
};

/*
 * Reads a stored list back (name, v0, v1 per row) through topk_load_row;
 * NULL: start every list empty.
 */
typedef int (*topk_loader)(void *ctx, enum agg_kind, int32_t day, struct topk *);

struct topk_set {
	struct topk *lists[TOPK_KINDS][TOPK_DAYS]; /* NULL until used */
	uint64_t clock;
	topk_loader load;
	void *load_ctx;
};

void topk_init(struct topk_set *);
void topk_free(struct topk_set *);
/*
 * Count v0 (the value lists are ranked by) and v1 for name on day.  The
 * aggregate receives the list of a day pushed out of memory.  -1 on
 * out-of-memory or when the stored list cannot be read.
 */
int topk_add(struct topk_set *, struct aggregate *, enum agg_kind, int32_t day,
    struct strview name, int64_t v0, int64_t v1);
/* Copy every list changed since the last call into the aggregate (at a commit). */
int topk_flush(struct topk_set *, struct aggregate *);
/* For loaders: one stored row into an empty-or-filling list (exact from now on). */
void topk_load_row(struct topk *, struct strview name, int64_t v0, int64_t v1);

#endif
