#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "msgtable.h"
#include "hash.h"

/* Every line of a message looks its id up: Exim's are 16 or 23 bytes, Postfix's 10 to 15. */
static uint32_t
qid_hash(const char *p, size_t n)
{
	uint64_t h = hash_bytes(HASH_SEED ^ n, p, n);

	return (uint32_t)(h ^ (h >> 32));
}

/*
 * The index is allocated at its full size (twice the table) but only a
 * prefix is used: it starts at this many entries and doubles as messages
 * come.  A log has far fewer in flight than the table's size, and every
 * line's lookup is a random probe into the index (a cache miss at the full
 * 1 MiB of the default queuetable); the prefix's pages are the only ones
 * touched, so the memory is no more than the whole index's.
 */
#define MSGTABLE_INDEX_MIN 1024

int
msgtable_init(struct msgtable *t, uint32_t cap)
{
	uint32_t icap = 16, i;

	memset(t, 0, sizeof(*t));
	if (cap < 16)
		cap = 16;
	while (icap < cap * 2)
		icap *= 2;
	t->index_max = icap;
	t->slab = calloc(cap, sizeof(*t->slab));
	t->free_idx = malloc(cap * sizeof(*t->free_idx));
	t->index = calloc(icap, sizeof(*t->index));
	if (icap > MSGTABLE_INDEX_MIN)
		icap = MSGTABLE_INDEX_MIN;
	if (t->slab == NULL || t->free_idx == NULL || t->index == NULL) {
		msgtable_free(t);
		return -1;
	}
	t->cap = cap;
	t->index_mask = icap - 1;
	for (i = 0; i < cap; i++)
		t->free_idx[i] = cap - 1 - i;
	t->nfree = cap;
	t->lru_head = t->lru_tail = MSG_NIL;
	return 0;
}

void
msgtable_free(struct msgtable *t)
{
	uint32_t i;

	if (t->slab != NULL)
		for (i = 0; i < t->cap; i++)
			free(t->slab[i].account);
	free(t->slab);
	free(t->free_idx);
	free(t->index);
	free(t->gone);
	memset(t, 0, sizeof(*t));
}

/* The index position of qid (hash h): its entry, or the empty one where it would go. */
static uint32_t
slot_of(const struct msgtable *t, uint32_t h, const char *qid, size_t n)
{
	uint32_t i = h & t->index_mask;
	uint32_t k;

	for (;; i = (i + 1) & t->index_mask) {
		k = t->index[i];
		if (k == 0)
			return i;
		if (t->slab[k - 1].hash == h && memcmp(t->slab[k - 1].qid, qid, n) == 0 &&
		    t->slab[k - 1].qid[n] == '\0')
			return i;
	}
}

static void
lru_unlink(struct msgtable *t, uint32_t k)
{
	struct msg *m = &t->slab[k];

	if (m->prev != MSG_NIL)
		t->slab[m->prev].next = m->next;
	else
		t->lru_head = m->next;
	if (m->next != MSG_NIL)
		t->slab[m->next].prev = m->prev;
	else
		t->lru_tail = m->prev;
}

static void
lru_append(struct msgtable *t, uint32_t k)
{
	struct msg *m = &t->slab[k];

	m->prev = t->lru_tail;
	m->next = MSG_NIL;
	if (t->lru_tail != MSG_NIL)
		t->slab[t->lru_tail].next = k;
	else
		t->lru_head = k;
	t->lru_tail = k;
}

/*
 * The index's prefix twice as large: emptied and every message in flight
 * (the LRU list holds them all) put back at its new home.  Nothing is
 * allocated: a second array while the first is still in use would raise
 * the peak, and glibc keeps freed large blocks' sizes on its heap after.
 */
static void
index_grow(struct msgtable *t)
{
	uint32_t ncap = (t->index_mask + 1) * 2, mask = ncap - 1, j, k;

	memset(t->index, 0, ncap * sizeof(*t->index));
	for (k = t->lru_head; k != MSG_NIL; k = t->slab[k].next) {
		for (j = t->slab[k].hash & mask; t->index[j] != 0; j = (j + 1) & mask)
			;
		t->index[j] = k + 1;
	}
	t->index_mask = mask;
}

/* The message of qid (hash h) made the most recent, or NULL; *at: its index position. */
static struct msg *
find_at(struct msgtable *t, uint32_t h, struct strview qid, uint32_t *at)
{
	uint32_t k;

	*at = slot_of(t, h, qid.p, qid.n);
	k = t->index[*at];
	if (k == 0)
		return NULL;
	if (t->lru_tail != k - 1) {
		lru_unlink(t, k - 1);
		lru_append(t, k - 1);
	}
	return &t->slab[k - 1];
}

struct msg *
msgtable_find(struct msgtable *t, struct strview qid)
{
	uint32_t at;

	if (qid.n == 0 || qid.n > MSG_QID_MAX)
		return NULL;
	return find_at(t, qid_hash(qid.p, qid.n), qid, &at);
}

/* Backward-shift deletion keeps linear probing free of tombstones. */
static void
index_delete(struct msgtable *t, uint32_t s)
{
	uint32_t i = s, j = s, home;

	for (;;) {
		t->index[i] = 0;
		for (;;) {
			j = (j + 1) & t->index_mask;
			if (t->index[j] == 0)
				return;
			home = t->slab[t->index[j] - 1].hash & t->index_mask;
			/* move j back to i unless its home lies cyclically in (i, j] */
			if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
				continue;
			break;
		}
		t->index[i] = t->index[j];
		i = j;
	}
}

static void
remember_gone(struct msgtable *t, const struct msg *m)
{
	if (!(m->flags & MSG_PERSISTED))
		return;
	if (t->ngone == t->gone_cap) {
		uint32_t cap = t->gone_cap ? t->gone_cap * 2 : 256;
		void *g = realloc(t->gone, cap * sizeof(*t->gone));
		if (g == NULL)
			return; /* the stale row is dropped when its id is reused or at expiry */
		t->gone = g;
		t->gone_cap = cap;
	}
	memcpy(t->gone[t->ngone++], m->qid, sizeof(m->qid));
}

void
msgtable_remove(struct msgtable *t, struct msg *m)
{
	uint32_t k = (uint32_t)(m - t->slab), s = m->hash & t->index_mask;

	remember_gone(t, m);
	/* its entry is the one holding its slab index: no name to compare */
	while (t->index[s] != k + 1)
		s = (s + 1) & t->index_mask;
	index_delete(t, s);
	lru_unlink(t, k);
	free(m->account);
	memset(m, 0, sizeof(*m));
	t->free_idx[t->nfree++] = k;
	t->used--;
}

struct msg *
msgtable_get(struct msgtable *t, struct strview qid)
{
	struct msg *m;
	uint32_t k, s, h;

	if (qid.n == 0 || qid.n > MSG_QID_MAX)
		return NULL;
	h = qid_hash(qid.p, qid.n);
	if ((m = find_at(t, h, qid, &s)) != NULL)
		return m;
	if (t->nfree == 0) {
		/* client= without a queued message is an aborted transaction, not a loss */
		if (t->slab[t->lru_head].flags & MSG_QUEUED)
			t->evictions++;
		else
			t->abandoned++;
		msgtable_remove(t, &t->slab[t->lru_head]);
		s = slot_of(t, h, qid.p, qid.n); /* the removal may have moved the free place */
	}
	/* at most half full: probes stay short */
	if ((t->used + 1) * 2 > t->index_mask + 1 && t->index_mask + 1 < t->index_max) {
		index_grow(t);
		s = slot_of(t, h, qid.p, qid.n);
	}
	k = t->free_idx[--t->nfree];
	m = &t->slab[k];
	memset(m, 0, sizeof(*m));
	memcpy(m->qid, qid.p, qid.n);
	m->relay_day = -1;
	m->recv_day = -1;
	m->hash = h;
	t->index[s] = k + 1;
	lru_append(t, k);
	t->used++;
	return m;
}

int
msgtable_set_account(struct msg *m, struct strview account)
{
	char *a;

	if (account.n == 0) {
		free(m->account);
		m->account = NULL;
		m->account_len = 0;
		return 0;
	}
	a = malloc(account.n + 1);
	if (a == NULL)
		return -1;
	memcpy(a, account.p, account.n);
	a[account.n] = '\0';
	free(m->account);
	m->account = a;
	m->account_len = account.n;
	return 0;
}
