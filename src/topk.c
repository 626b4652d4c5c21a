/* Per-day top-K lists of names: space-saving with a min-heap and a hash index. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "log.h"
#include "topk.h"

#define INDEX_MASK (2 * TOPK_SLOTS - 1)

static int
kind_slot(enum agg_kind kind)
{
	switch (kind) {
	case AGG_SENDER:
		return 0;
	case AGG_RCPT:
		return 1;
	case AGG_DOMAIN:
		return 2;
	default:
		return -1;
	}
}

void
topk_init(struct topk_set *s)
{
	memset(s, 0, sizeof(*s));
}

static void
list_free(struct topk *t)
{
	uint32_t i;

	if (t == NULL)
		return;
	for (i = 0; i < TOPK_SLOTS; i++)
		free(t->slot[i].name);
	free(t);
}

void
topk_free(struct topk_set *s)
{
	int k, d;

	for (k = 0; k < TOPK_KINDS; k++)
		for (d = 0; d < TOPK_DAYS; d++)
			list_free(s->lists[k][d]);
	memset(s, 0, sizeof(*s));
}

/*
 * A name is hashed at every count.  Names are attacker-chosen; a list holds
 * TOPK_SLOTS of them at most, so collisions only lengthen probes in a table
 * of 2 * TOPK_SLOTS.
 */
static uint64_t
hash_of(const char *p, size_t n)
{
	return hash_bytes(HASH_SEED ^ n, p, n);
}

/* An index entry: the hash's upper 48 bits and slot + 1. */
#define ENTRY_SLOT(e) ((uint32_t)((e) & 0xffff) - 1)
#define ENTRY_HOME(e) ((uint32_t)((e) >> 16) & INDEX_MASK)
#define ENTRY_OF(h, slot) (((h) & ~(uint64_t)0xffff) | (uint64_t)((slot) + 1))

/* The slot holding name, or -1; *at: its index position, or where it would go. */
static int
lookup(const struct topk *t, uint64_t h, const char *p, size_t n, uint32_t *at)
{
	uint32_t i;
	uint64_t e;

	for (i = ENTRY_HOME(h); (e = t->index[i]) != 0; i = (i + 1) & INDEX_MASK) {
		const struct topk_slot *x;
		if (((e ^ h) >> 16) != 0)
			continue;
		x = &t->slot[ENTRY_SLOT(e)];
		if (x->hash == h && x->len == n && memcmp(x->name, p, n) == 0) {
			*at = i;
			return (int)ENTRY_SLOT(e);
		}
	}
	*at = i;
	return -1;
}

/* The index position of slot s (whose hash is h), or -1. */
static long
index_of_slot(const struct topk *t, uint64_t h, uint32_t s)
{
	uint32_t i;

	for (i = ENTRY_HOME(h); t->index[i] != 0; i = (i + 1) & INDEX_MASK)
		if (ENTRY_SLOT(t->index[i]) == s)
			return i;
	return -1;
}

/* The first free index position from h's home (for a name known to be absent). */
static uint32_t
index_free(const struct topk *t, uint64_t h)
{
	uint32_t i;

	for (i = ENTRY_HOME(h); t->index[i] != 0; i = (i + 1) & INDEX_MASK)
		;
	return i;
}

/* Linear probing's deletion: later entries of the run move back into the hole. */
static void
index_remove(struct topk *t, uint32_t hole)
{
	uint32_t i = hole, home;

	for (;;) {
		i = (i + 1) & INDEX_MASK;
		if (t->index[i] == 0)
			break;
		home = ENTRY_HOME(t->index[i]);
		/* the entry at i may fill the hole when its home is not in (hole, i] */
		if (((i - home) & INDEX_MASK) >= ((i - hole) & INDEX_MASK)) {
			t->index[hole] = t->index[i];
			hole = i;
		}
	}
	t->index[hole] = 0;
}

static void
heap_swap(struct topk *t, uint32_t a, uint32_t b)
{
	uint16_t x = t->heap[a];
	int64_t c = t->count[a];

	t->heap[a] = t->heap[b];
	t->count[a] = t->count[b];
	t->heap[b] = x;
	t->count[b] = c;
	t->pos[t->heap[a]] = (uint16_t)a;
	t->pos[t->heap[b]] = (uint16_t)b;
}

static void
heap_fix(struct topk *t, uint32_t i)
{
	uint32_t c;

	while (i > 0 && t->count[i] < t->count[(i - 1) / 2]) {
		heap_swap(t, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		c = 2 * i + 1;
		if (c >= t->n)
			break;
		/* the smaller child, the left on a tie: added, not branched on (a coin flip at
		 * every level of an evicting name's way down) */
		if (c + 1 < t->n)
			c += t->count[c + 1] < t->count[c];
		if (t->count[c] >= t->count[i])
			break;
		heap_swap(t, i, c);
		i = c;
	}
}

/*
 * Room for a name of n bytes in the slot, its current name kept (the index
 * still compares it): the buffer stays when it fits, so the tail's names
 * churning through a slot rarely allocate.  -1: no memory, nothing changed.
 */
static int
slot_reserve(struct topk_slot *x, size_t n)
{
	size_t cap = (n | 31) + 1; /* names that churn through a slot have similar lengths */
	char *m;

	if (x->name != NULL && n <= x->name_cap)
		return 0;
	if ((m = malloc(cap)) == NULL)
		return -1;
	if (x->name != NULL)
		memcpy(m, x->name, x->len);
	free(x->name);
	x->name = m;
	x->name_cap = (uint16_t)cap;
	return 0;
}

static void
slot_set(struct topk_slot *x, uint64_t h, const char *p, size_t n)
{
	size_t i;

	x->hash = h;
	x->len = (uint16_t)n;
	/*
	 * Eight bytes at a time, the last word overlapping: names are short, and
	 * GCC's inline memcpy for them (rep movsq) cost more than the copy.
	 */
	if (n < 8) {
		for (i = 0; i < n; i++)
			x->name[i] = p[i];
		return;
	}
	for (i = 0; i + 8 < n; i += 8)
		memcpy(x->name + i, p + i, 8);
	memcpy(x->name + n - 8, p + n - 8, 8);
}

/* Space-saving: a known name counts; a new one takes a free slot or the smallest. */
static int
count(struct topk *t, const char *p, size_t n, int64_t v0, int64_t v1)
{
	uint64_t h = hash_of(p, n);
	struct topk_slot *x;
	uint32_t at, hp;
	long old;
	int i = lookup(t, h, p, n, &at);

	if (i >= 0) {
		x = &t->slot[i];
		hp = t->pos[i];
		t->count[hp] += v0;
		x->v1 += v1;
		heap_fix(t, hp);
		t->dirty = 1;
		return 0;
	}
	if (t->n < TOPK_SLOTS) {
		i = (int)t->n;
		x = &t->slot[i];
		if (slot_reserve(x, n) != 0)
			return -1;
		slot_set(x, h, p, n);
		x->err = 0;
		x->v1 = v1;
		t->heap[t->n] = (uint16_t)i;
		t->count[t->n] = v0;
		t->pos[i] = (uint16_t)t->n;
		t->n++;
		t->index[at] = ENTRY_OF(h, (uint32_t)i);
		heap_fix(t, t->pos[i]);
		t->dirty = 1;
		return 0;
	}
	/* full: only what raises a count takes the smallest slot (a retraction of an
	 * unlisted name, a relayed-only recipient, cannot make it a top name) */
	if (v0 <= 0)
		return 0;
	i = t->heap[0];
	x = &t->slot[i];
	if (slot_reserve(x, n) != 0)
		return -1;
	if ((old = index_of_slot(t, x->hash, (uint32_t)i)) >= 0)
		index_remove(t, (uint32_t)old);
	at = index_free(t, h); /* the hole may have moved the free position */
	slot_set(x, h, p, n);
	x->err = t->count[0];
	t->count[0] += v0;
	x->v1 = v1;
	t->index[at] = ENTRY_OF(h, (uint32_t)i);
	heap_fix(t, 0);
	t->dirty = 1;
	return 0;
}

void
topk_load_row(struct topk *t, struct strview name, int64_t v0, int64_t v1)
{
	size_t n = name.n > AGG_NAME_MAX ? AGG_NAME_MAX : name.n;
	int dirty = t->dirty;

	/* out of memory: the row is left out, as if the list had not kept it */
	(void)count(t, name.p, n, v0, v1);
	t->dirty = dirty; /* what is stored is not a change */
}

/* Write the list into the aggregate as the day's rows: the exact part of each count. */
static int
flush_list(struct topk *t, struct aggregate *a)
{
	uint32_t i;

	for (i = 0; i < t->n; i++) {
		const struct topk_slot *x = &t->slot[i];
		/*
		 * A retraction (a content filter's re-injection) of a name counted
		 * before it took the slot leaves less than nothing: no name has a
		 * negative count, so 0 is the lower bound, and a row of zeros is none.
		 */
		int64_t c = t->count[t->pos[i]];
		int64_t v0 = c - x->err > 0 ? c - x->err : 0, v1 = x->v1 > 0 ? x->v1 : 0;
		if ((v0 > 0 || v1 > 0) &&
		    aggregate_set(a, t->kind, t->day, sv_make(x->name, x->len), v0, v1) != 0)
			return -1;
	}
	t->dirty = 0;
	return 0;
}

/* The list of kind and day: in memory, else the least recently used one's place. */
static struct topk *
list_of(struct topk_set *s, struct aggregate *a, enum agg_kind kind, int32_t day)
{
	int k = kind_slot(kind), d, victim = 0;
	struct topk *t;

	for (d = 0; d < TOPK_DAYS; d++) {
		t = s->lists[k][d];
		if (t != NULL && t->used && t->day == day) {
			t->stamp = ++s->clock;
			return t;
		}
	}
	for (d = 0; d < TOPK_DAYS; d++) {
		t = s->lists[k][d];
		if (t == NULL || !t->used) {
			victim = d;
			break;
		}
		if (t->stamp < s->lists[k][victim]->stamp)
			victim = d;
	}
	t = s->lists[k][victim];
	if (t == NULL && (t = s->lists[k][victim] = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if (t->used && t->dirty && flush_list(t, a) != 0)
		return NULL;
	memset(t->index, 0, sizeof(t->index));
	t->kind = kind;
	t->day = day;
	t->n = 0;
	t->used = 1;
	t->dirty = 0;
	t->stamp = ++s->clock;
	/*
	 * A list that cannot be read back starts empty and replaces the stored
	 * one: what it shows then is still a lower bound, counted from now.
	 */
	if (s->load != NULL && s->load(s->load_ctx, kind, day, t) != 0) {
		log_warn("store", "the stored top list of day %ld could not be read: it restarts",
		    (long)day);
		memset(t->index, 0, sizeof(t->index));
		t->n = 0;
		t->dirty = 1;
	}
	return t;
}

int
topk_add(struct topk_set *s, struct aggregate *a, enum agg_kind kind, int32_t day,
    struct strview name, int64_t v0, int64_t v1)
{
	char low[AGG_NAME_MAX];
	size_t n = name.n > AGG_NAME_MAX ? AGG_NAME_MAX : name.n, i;
	struct topk *t;

	if (kind_slot(kind) < 0)
		return aggregate_keyed(a, kind, day, name, v0, v1);
	if ((t = list_of(s, a, kind, day)) == NULL)
		return -1;
	if (kind == AGG_DOMAIN) {
		for (i = 0; i < n; i++)
			low[i] = (name.p[i] >= 'A' && name.p[i] <= 'Z') ? (char)(name.p[i] + 32) : name.p[i];
		name.p = low;
	}
	return count(t, name.p, n, v0, v1);
}

int
topk_flush(struct topk_set *s, struct aggregate *a)
{
	int k, d;

	for (k = 0; k < TOPK_KINDS; k++)
		for (d = 0; d < TOPK_DAYS; d++)
			if (s->lists[k][d] != NULL && s->lists[k][d]->used && s->lists[k][d]->dirty &&
			    flush_list(s->lists[k][d], a) != 0)
				return -1;
	return 0;
}
