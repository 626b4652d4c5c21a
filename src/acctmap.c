#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "acctmap.h"
#include "hash.h"

/* Name bytes per account the arena may hold on average before a reset. */
#define ACCTMAP_NAME_BYTES 64

static uint64_t
name_hash(const char *p, size_t n)
{
	return hash_bytes(HASH_SEED ^ n, p, n);
}

void
acctmap_init(struct acctmap *m, uint32_t max)
{
	memset(m, 0, sizeof(*m));
	m->max = max < 16 ? 16 : max;
	m->complete = 1; /* an empty history: every account is a new one */
}

void
acctmap_free(struct acctmap *m)
{
	free(m->e);
	free(m->index);
	free(m->arena);
	memset(m, 0, sizeof(*m));
}

void
acctmap_reset(struct acctmap *m)
{
	if (m->index != NULL)
		memset(m->index, 0, ((size_t)m->index_mask + 1) * sizeof(*m->index));
	m->n = 0;
	m->arena_len = 0;
	m->complete = 0;
}

/* The index slot of name: its entry's, or the empty one where it would go. */
static uint32_t
slot_of(const struct acctmap *m, const char *name, size_t len)
{
	uint32_t i = (uint32_t)name_hash(name, len) & m->index_mask, k;

	for (;; i = (i + 1) & m->index_mask) {
		k = m->index[i];
		if (k == 0 || (m->e[k - 1].len == len &&
		    memcmp(m->arena + m->e[k - 1].off, name, len) == 0))
			return i;
	}
}

struct acctmap_entry *
acctmap_find(const struct acctmap *m, const char *name, size_t len)
{
	uint32_t k;

	if (m->index == NULL)
		return NULL;
	k = m->index[slot_of(m, name, len)];
	return k == 0 ? NULL : &m->e[k - 1];
}

static int
grow_index(struct acctmap *m)
{
	uint32_t cap = m->index ? (m->index_mask + 1) * 2 : 1024, i, *old = m->index;

	if ((m->index = calloc(cap, sizeof(*m->index))) == NULL) {
		m->index = old;
		return -1;
	}
	free(old);
	m->index_mask = cap - 1;
	for (i = 0; i < m->n; i++)
		m->index[slot_of(m, m->arena + m->e[i].off, m->e[i].len)] = i + 1;
	return 0;
}

/* Room for one more entry of len name bytes: grown, or emptied when at the bound. */
static int
make_room(struct acctmap *m, size_t len)
{
	if (m->n >= m->max || m->arena_len + len > (size_t)m->max * ACCTMAP_NAME_BYTES)
		acctmap_reset(m);
	if (m->n == m->e_cap) {
		uint32_t cap = m->e_cap ? m->e_cap * 2 : 1024;
		struct acctmap_entry *e = realloc(m->e, (cap > m->max ? m->max : cap) * sizeof(*e));
		if (e == NULL)
			return -1;
		m->e = e;
		m->e_cap = cap > m->max ? m->max : cap;
	}
	if (m->arena_len + len > m->arena_cap) {
		size_t cap = m->arena_cap ? m->arena_cap : 16384;
		char *a;
		while (cap < m->arena_len + len)
			cap *= 2;
		if ((a = realloc(m->arena, cap)) == NULL)
			return -1;
		m->arena = a;
		m->arena_cap = cap;
	}
	if (m->index == NULL || ((size_t)m->n + 1) * 2 > (size_t)m->index_mask + 1)
		return grow_index(m);
	return 0;
}

int
acctmap_put(struct acctmap *m, const char *name, size_t len, int64_t id, int32_t first_day)
{
	struct acctmap_entry *x;

	if (len > UINT32_MAX || make_room(m, len) != 0)
		return -1;
	x = &m->e[m->n];
	x->id = id;
	x->off = (uint32_t)m->arena_len;
	x->len = (uint32_t)len;
	x->first_day = first_day;
	memcpy(m->arena + m->arena_len, name, len);
	m->arena_len += len;
	m->index[slot_of(m, name, len)] = ++m->n;
	return 0;
}
