/*
 * In-flight messages by queue id: a fixed slab, an open-addressing index and
 * an LRU list.  The table never grows past its configured size: when full the
 * least recently seen message is evicted and counted, so a log full of queue
 * ids that are never removed cannot exhaust memory.
 */
#ifndef MTASTAT_MSGTABLE_H
#define MTASTAT_MSGTABLE_H

#include <stdint.h>

#include "strview.h"

/*
 * Postfix long queue ids are 15 characters, Exim's 4.97+ message ids 23
 * (6-11-4); leave room for odd builds.
 */
#define MSG_QID_MAX 31
#define MSG_NIL UINT32_MAX

enum msg_flag {
	MSG_ORIGIN = 1,     /* seen entering from outside: smtpd/qmqpd client=, pickup */
	MSG_RECEIVED = 2,   /* counted as received */
	MSG_DEFERRED = 4,   /* counted as deferred */
	MSG_FILTERED = 8,   /* re-injected by a content filter: its parent was counted */
	MSG_SASL = 16,      /* account is a SASL user name */
	MSG_DIRTY = 32,     /* changed since the last commit */
	MSG_PERSISTED = 64, /* a row exists in the store's queue table */
	MSG_QUEUED = 128,   /* qmgr saw it enter the active queue */
	MSG_EXPIRED = 256,  /* counted as expired (Exim logs it once per recipient) */
};

struct msg {
	char qid[MSG_QID_MAX + 1];
	uint16_t flags;
	int8_t recv_hour;
	int32_t recv_day;
	int32_t relay_day;  /* day whose relayed_messages counted this message, or -1 */
	uint32_t hash;      /* of qid (its index home): removal and moves need no rehash */
	uint64_t size;
	int64_t recv_t;     /* log time of its receipt (s), 0: unknown; for delivery delays */
	uint32_t out_conn;  /* hash of the relay whose session its deliveries last opened */
	char *account;      /* malloc'd; NULL: none (null sender, or unknown) */
	size_t account_len; /* its bytes: a hostile name may hold a NUL */
	uint32_t prev, next;
};

struct msgtable {
	struct msg *slab;
	uint32_t cap, used;
	uint32_t *free_idx;
	uint32_t nfree;
	uint32_t *index;      /* slab index + 1; 0 is empty */
	uint32_t index_mask;
	uint32_t index_max;   /* entries allocated (at least twice cap); index_mask + 1 in use */
	uint32_t lru_head, lru_tail;
	uint64_t evictions;   /* queued messages pushed out while in flight */
	uint64_t abandoned;   /* transactions that never reached the queue (RSET, disconnect) */
	/* queue ids removed since the last commit that have a row in the store */
	char (*gone)[MSG_QID_MAX + 1];
	uint32_t ngone, gone_cap;
};

int msgtable_init(struct msgtable *, uint32_t cap);
void msgtable_free(struct msgtable *);
struct msg *msgtable_find(struct msgtable *, struct strview qid);
/* Find or create; NULL only when qid is not a plausible queue id or on ENOMEM. */
struct msg *msgtable_get(struct msgtable *, struct strview qid);
void msgtable_remove(struct msgtable *, struct msg *);
int msgtable_set_account(struct msg *, struct strview account);

#endif
