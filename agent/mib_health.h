/*
 * Mail-flow health in MTASTAT-MIB (issue 14): mtastatReplyTable,
 * mtastatBrokenTable, the delay and TLS scalars; and the reply totals
 * behind the MTA-MIB's mtaGroupErrorTable.  All from the history's
 * snapshot (health.h), loaded by the writer thread after each commit (at
 * start, SIGHUP and an idle midnight by the loop),
 * so SNMP answers from memory.
 */
#ifndef MIB_HEALTH_H
#define MIB_HEALTH_H

#include <stdint.h>

#include "health.h"
#include "mib_table.h"

struct mtastat;

/* Columns of mtastatReplyEntry, mtastatBrokenEntry (MTASTAT-MIB). */
enum { COL_REPLY_TEXT = 4, COL_REPLY_TODAY, COL_REPLY_YESTERDAY, COL_REPLY_EXAMPLE };
enum { COL_BROKEN_CAUSE = 2, COL_BROKEN_TODAY, COL_BROKEN_YESTERDAY };
/* mtastatDelay and mtastatTls scalars. */
enum { MIB_DELAY_COUNT = 1, MIB_DELAY_P50, MIB_DELAY_P95, MIB_DELAY_P99, MIB_DELAY_MAX };
enum { MIB_TLS_IN = 1, MIB_PLAIN_IN, MIB_TLS_OUT, MIB_PLAIN_OUT, MIB_PLAIN_SHARE };
/* The two scalar subtrees under mtastatObjects. */
enum { MIB_HEALTH_DELAY = 8, MIB_HEALTH_TLS = 9 };

/*
 * The snapshot a batch's writer loads after its commit (issue 15: no
 * query on the loop per batch, nor the sum of every earlier day when the
 * day changes).  The loop fills the request when it cuts the batch and
 * touches nothing else here until the batch comes back.
 */
struct mib_health_job {
	int pending;                  /* handed over with a batch, not collected */
	int32_t day;                  /* the today to load */
	int whole;                    /* also every day before yesterday (base) */
	int rc;                       /* -1 until the writer loaded it */
	long us;                      /* how long the load took */
	struct health_snapshot snap;
	struct health_reply *base;
	size_t nbase;
	struct health_sum base_sum;
	void (*next)(struct store *, void *); /* the batch's other after-work */
	void *next_arg;
};

struct mib_health_state {
	struct health_snapshot snap;  /* today and yesterday */
	int loaded;
	int32_t day;                  /* snap's today */
	/*
	 * Replies of every day before yesterday, summed (in .today): with the
	 * snapshot's two days, the totals behind mtaGroupErrorTable, without a
	 * query over the whole history at each commit.  Loaded when the day changes.
	 */
	struct health_reply *base;
	size_t nbase;
	struct health_sum base_sum;   /* sessions of the same days: the accumulated associations */
	int32_t base_day;             /* the today base was loaded for, 0: never */
	unsigned alarm_id;
	struct mib_health_job job;
};

int mib_health_register(struct mtastat *);
int mib_health_start(struct mtastat *);
/* Load the snapshot and rebuild the rows: at start, after a commit, at midnight. */
int mib_health_refresh(struct mtastat *);
void mib_health_stop(struct mtastat *);
/* A batch is about to be handed over: its writer loads the snapshot after it. */
void mib_health_batch_job(struct mtastat *, struct store_batch *);
/* The batch is back: the writer's snapshot into the rows; 0, or -1 (rows unchanged). */
int mib_health_batch_done(struct mtastat *, const struct store_batch *);

int mib_reply_value(const void *row, unsigned col, struct mib_value *);
int mib_broken_value(const void *row, unsigned col, struct mib_value *);
/* A delay or TLS scalar of a snapshot; -1 when there is no such scalar. */
/*
 * SMTP sessions since the history began whose TLS outcome the log shows,
 * inbound (dir MTA_DIR_IN) or outbound: applAccumulated*Associations.
 * -1 before the first load.
 */
int64_t mib_health_sessions(const struct mib_health_state *, int dir);
int mib_health_scalar_value(const struct health_snapshot *, unsigned subtree, unsigned col,
    struct mib_value *);

extern struct mib_table mib_reply_table, mib_broken_table;

#endif
