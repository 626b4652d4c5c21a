/*
 * The history: SQLite in WAL mode.  Counts, the in-flight queue and the read
 * position that produced them are written in one transaction, so a crash
 * neither loses nor repeats a line.  Every statement binds its parameters.
 */
#ifndef MTASTAT_STORE_H
#define MTASTAT_STORE_H

#include <sqlite3.h>
#include <stdint.h>
#include <sys/types.h>

#include "aggregate.h"
#include "msgtable.h"

/* Bytes of a file's head that identify it across renames and compression. */
#define STORE_FP_MAX 1024
#define STORE_SCHEMA_VERSION 7
/* sqlite's error messages are short; a longer one is cut, never overrun. */
#define STORE_ERR_MAX 256

struct file_pos {
	int64_t id;          /* row in files, 0 when new */
	char path[4096];
	uint64_t dev, ino;
	uint64_t offset;     /* uncompressed bytes consumed */
	uint64_t size;       /* uncompressed size when known, else 0 */
	unsigned char fp[STORE_FP_MAX];
	size_t fp_len;
	int year, last_month;  /* the BSD syslog clock */
	int64_t lines;       /* lines read from this file, all runs */
	int id_uncommitted;  /* id comes from an insert not yet committed */
	uint64_t tag;        /* the owner's name for it in a store_batch (follow: its file) */
	/*
	 * The parser's memory of the log this file belongs to (IceWarp's
	 * sessions), saved with the position under state_key; NULL: none.
	 * Borrowed: the caller keeps it alive until store_commit returns.
	 */
	const char *state_key;
	const unsigned char *state;
	size_t state_len;
};

struct store_accounts;

struct store {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *st[32];   /* ST_COUNT of store.c */
	/* the last account looked up while writing a batch */
	char last_account[AGG_NAME_MAX];
	size_t last_account_len;
	sqlite3_int64 last_account_id;
	struct store_accounts *accounts; /* ids by name, for commits (store.c) */
	int64_t *ids_out;            /* store_commit_batch: account ids by aggregate slot */
	/* why the last store_commit failed, for its caller to report once */
	int err;                     /* sqlite result code, 0: it did not */
	int sys_errno;               /* the OS error under it (ENOSPC) */
	char errmsg[STORE_ERR_MAX];  /* sqlite's message */
};

int store_open(struct store *, const char *path);
/* The same; a new database file is made mode 0640 in group (NULL: the process's). */
int store_open_group(struct store *, const char *path, const char *group);
/*
 * Open an existing history for reading only (mtastat report, check by a
 * user who cannot write it): creates nothing, changes nothing, needs no
 * write access to the file or its directory.  Logs why it fails.
 */
int store_open_readonly(struct store *, const char *path);
void store_close(struct store *);

/* Look a file up by its head; fills pos (id, offset, clock) when known. 1 found, 0 not, -1 error. */
int store_file_lookup(struct store *, struct file_pos *);

/*
 * Add the aggregate, the queue changes and pos (may be NULL) in one
 * transaction, then empty the aggregate and mark the queue clean.  On
 * failure (-1) nothing changes, neither in the database nor in memory: the
 * same call can be retried.  The failure is not logged; its cause is in
 * err/errmsg and store_commit_cause() for the caller to report once.
 */
int store_commit(struct store *, struct aggregate *, struct msgtable *,
    struct file_pos *const *pos, size_t npos, uint64_t evictions);
/*
 * One commit's worth, taken whole from the reader (ingest_batch) so that
 * another thread can write it while the reader goes on: the aggregate
 * (swapped, not copied), the in-flight messages changed and removed, the
 * read positions and parser states, all copied.  After store_commit_batch
 * the result fields say how it went; a failed batch is unchanged and can
 * be written again, a written one is emptied for reuse.
 */
struct store_batch {
	struct aggregate agg;
	struct msg *put;            /* changed in-flight messages; account malloc'd */
	uint32_t nput, put_cap;
	char (*gone)[MSG_QID_MAX + 1]; /* removed ones that have a row */
	uint32_t ngone, gone_cap;
	struct file_pos *pos;       /* copies; pos[i].tag says whose */
	struct file_pos **posp;     /* &pos[i], as store_commit takes them */
	unsigned char **blobs;      /* parser states the copies point to */
	size_t npos, pos_cap;
	uint64_t evictions;         /* new since the last batch */
	uint64_t lines_mark;        /* the reader's line count at the cut */
	/*
	 * Once written: the id of every AGG_ACCOUNT entry, by its slot in
	 * agg.keyed; the aggregate is kept for the reader (store_batch_clear).
	 */
	int64_t *acct_id;
	size_t acct_id_cap;
	/*
	 * Run by whoever writes the batch, with its store, once it is written
	 * (NULL: nothing): reads the reader wants done off its thread.
	 */
	void (*after)(struct store *, void *arg);
	void *after_arg;
	/* the result */
	int rc;                     /* 0 written, -1 failed */
	const char *cause;          /* store_commit_cause() when failed */
	char errmsg[STORE_ERR_MAX];
	long ms;                    /* how long the transaction took */
};

void store_batch_init(struct store_batch *);
void store_batch_clear(struct store_batch *);  /* empty, keep memory */
void store_batch_free(struct store_batch *);
/* A copy of p in the batch (its state blob too); -1 on ENOMEM. */
int store_batch_add_pos(struct store_batch *, const struct file_pos *p);
/*
 * Write it in one transaction (store_commit's contract, but the aggregate
 * is left as it was, with acct_id filled); fills the result fields.
 */
int store_commit_batch(struct store *, struct store_batch *);

/* "database locked", "database full", ... for the last failed commit. */
const char *store_commit_cause(const struct store *);
/* How long a commit waits for another writer before it fails (store_open: 5 s). */
void store_busy_timeout(struct store *, int ms);

/* The newest record for a path (a followed log), for rotation while stopped. */
int store_file_by_path(struct store *, const char *path, struct file_pos *);

/*
 * The parser state saved under key (a followed log, an imported series):
 * 1 and *blob (malloc'd, *len bytes), 0 when there is none, -1 on error.
 */
int store_state_get(struct store *, const char *key, unsigned char **blob, size_t *len);

/*
 * The stored rows of a day's top-K list (AGG_SENDER, AGG_RCPT, AGG_DOMAIN;
 * topk.h), largest first, at most limit: row() gets each name and values.
 */
int store_list_rows(struct store *, enum agg_kind, int32_t day, int limit,
    void (*row)(void *ctx, struct strview name, int64_t v0, int64_t v1), void *ctx);

/* Load the persisted in-flight queue into an empty table. */
int store_load_queue(struct store *, struct msgtable *);

/* Totals since the history began, from the daily table and the totals table. */
int store_load_totals(struct store *, struct totals *);

/* Totals kept in the totals table: lines, unparsed, evictions. */
int64_t store_total(struct store *, const char *key);

#endif
