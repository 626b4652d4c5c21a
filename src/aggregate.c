#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "hash.h"

/* Arena chunks hold many names; one malloc per chunk, freed at reset. */
#define ARENA_CHUNK (256 * 1024)
#define KEYED_INITIAL 1024

const char *const counter_names[C_COUNT] = {
	"received", "delivered", "relayed", "deferred", "deferrals", "bounced",
	"expired", "rejected", "auth_failed", "notifications", "bytes_received",
	"bytes_delivered",
};

const char *const health_names[H_COUNT] = {
	"broken", "tls_in", "plain_in", "tls_out", "plain_out", "sessions_out", "delays",
	"delay_sum_ms",
};

struct arena_chunk {
	struct arena_chunk *next;
	size_t used;
	char data[ARENA_CHUNK];
};

static char *
arena_alloc(struct aggregate *a, size_t n)
{
	struct arena_chunk *c = a->arena;

	if (c == NULL || ARENA_CHUNK - c->used < n) {
		c = malloc(sizeof(*c));
		if (c == NULL)
			return NULL;
		c->next = a->arena;
		c->used = 0;
		a->arena = c;
	}
	c->used += n;
	return c->data + c->used - n;
}

void
aggregate_init(struct aggregate *a)
{
	memset(a, 0, sizeof(*a));
}

void
aggregate_reset(struct aggregate *a)
{
	struct arena_chunk *c, *next;

	for (c = a->arena; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->arena = NULL;
	a->nhours = 0;
	a->last_hour = 0;
	if (a->keyed != NULL)
		memset(a->keyed, 0, a->keyed_cap * sizeof(*a->keyed));
	a->nkeyed = 0;
	a->nhealth = 0;
	a->lines = a->unparsed = 0;
	a->newest_t = 0;
}

void
aggregate_free(struct aggregate *a)
{
	aggregate_reset(a);
	free(a->hours);
	free(a->keyed);
	free(a->health);
	memset(a, 0, sizeof(*a));
}

int
aggregate_empty(const struct aggregate *a)
{
	return a->nhours == 0 && a->nkeyed == 0 && a->lines == 0 && a->nhealth == 0;
}

int
aggregate_add(struct aggregate *a, int32_t day, int hour, enum counter c, int64_t delta)
{
	struct agg_hour *h;
	size_t i;

	if (a->last_hour < a->nhours && a->hours[a->last_hour].day == day &&
	    a->hours[a->last_hour].hour == hour) {
		a->hours[a->last_hour].c[c] += delta;
		return 0;
	}
	for (i = 0; i < a->nhours; i++)
		if (a->hours[i].day == day && a->hours[i].hour == hour)
			break;
	if (i == a->nhours) {
		if (a->nhours == a->hours_cap) {
			size_t cap = a->hours_cap ? a->hours_cap * 2 : 64;
			h = realloc(a->hours, cap * sizeof(*h));
			if (h == NULL)
				return -1;
			a->hours = h;
			a->hours_cap = cap;
		}
		h = &a->hours[a->nhours++];
		memset(h, 0, sizeof(*h));
		h->day = day;
		h->hour = hour;
	}
	a->last_hour = i;
	a->hours[i].c[c] += delta;
	return 0;
}

/* The table only lives one batch: kind, day and length in the seed. */
static uint64_t
hash_name(enum agg_kind kind, int32_t day, const char *p, size_t n)
{
	return hash_bytes(HASH_SEED ^ ((uint64_t)kind << 40) ^ (uint32_t)day ^ ((uint64_t)n << 48),
	    p, n) | 1;
}

static int
keyed_grow(struct aggregate *a)
{
	size_t cap = a->keyed_cap ? a->keyed_cap * 2 : KEYED_INITIAL, i, j;
	struct agg_entry *t = calloc(cap, sizeof(*t));

	if (t == NULL)
		return -1;
	for (i = 0; i < a->keyed_cap; i++) {
		if (!a->keyed[i].used)
			continue;
		for (j = a->keyed[i].hash & (cap - 1); t[j].used; j = (j + 1) & (cap - 1))
			;
		t[j] = a->keyed[i];
	}
	free(a->keyed);
	a->keyed = t;
	a->keyed_cap = cap;
	return 0;
}

int
aggregate_keyed(struct aggregate *a, enum agg_kind kind, int32_t day, struct strview name,
    int64_t v0, int64_t v1)
{
	return aggregate_keyed_note(a, kind, day, name, v0, v1, SV_NULL);
}

int
aggregate_keyed_note(struct aggregate *a, enum agg_kind kind, int32_t day, struct strview name,
    int64_t v0, int64_t v1, struct strview note)
{
	char low[AGG_NAME_MAX];
	struct agg_entry *e;
	uint64_t h;
	size_t i, n = name.n > AGG_NAME_MAX ? AGG_NAME_MAX : name.n;
	const char *p = name.p;

	if (kind == AGG_DOMAIN) {
		for (i = 0; i < n; i++)
			low[i] = (p[i] >= 'A' && p[i] <= 'Z') ? (char)(p[i] + 32) : p[i];
		p = low;
	}
	if ((a->nkeyed + 1) * 2 > a->keyed_cap && keyed_grow(a) != 0)
		return -1;
	h = hash_name(kind, day, p, n);
	for (i = h & (a->keyed_cap - 1);; i = (i + 1) & (a->keyed_cap - 1)) {
		e = &a->keyed[i];
		if (!e->used)
			break;
		if (e->hash == h && e->kind == kind && e->day == day && e->len == n &&
		    memcmp(e->name, p, n) == 0) {
			e->v[0] += v0;
			e->v[1] += v1;
			return 0;
		}
	}
	e->name = arena_alloc(a, n + 1);
	if (e->name == NULL)
		return -1;
	memcpy(e->name, p, n);
	e->name[n] = '\0';
	e->hash = h;
	e->len = (uint16_t)n;
	e->kind = (uint8_t)kind;
	e->day = day;
	e->used = 1;
	e->v[0] = v0;
	e->v[1] = v1;
	e->note = NULL;
	e->note_len = 0;
	a->nkeyed++;
	if (note.n > 0) {
		size_t k = note.n > AGG_NOTE_MAX ? AGG_NOTE_MAX : note.n;
		if ((e->note = arena_alloc(a, k)) == NULL)
			return -1;
		memcpy(e->note, note.p, k);
		e->note_len = (uint16_t)k;
	}
	return 0;
}

static struct agg_health *
health_hour(struct aggregate *a, int32_t day, int hour)
{
	struct agg_health *h;
	size_t i;

	/* lines come in time order: the newest hour is looked at first */
	for (i = a->nhealth; i-- > 0;)
		if (a->health[i].day == day && a->health[i].hour == hour)
			return &a->health[i];
	if (a->nhealth == a->health_cap) {
		size_t cap = a->health_cap ? a->health_cap * 2 : 8;
		h = realloc(a->health, cap * sizeof(*h));
		if (h == NULL)
			return NULL;
		a->health = h;
		a->health_cap = cap;
	}
	h = &a->health[a->nhealth++];
	memset(h, 0, sizeof(*h));
	h->day = day;
	h->hour = hour;
	return h;
}

int
aggregate_health(struct aggregate *a, int32_t day, int hour, enum health_counter k, int64_t n)
{
	struct agg_health *h = health_hour(a, day, hour);

	if (h == NULL)
		return -1;
	h->c[k] += n;
	return 0;
}

int
aggregate_delay(struct aggregate *a, int32_t day, int hour, uint32_t ms)
{
	struct agg_health *h = health_hour(a, day, hour);

	if (h == NULL)
		return -1;
	h->n[delayhist_bucket(ms)]++;
	h->c[H_DELAYS]++;
	h->c[H_DELAY_SUM] += ms;
	if (ms > h->delay_max)
		h->delay_max = ms;
	return 0;
}

size_t
agg_reply_key(char *buf, int dir_in, unsigned code, struct strview enh)
{
	size_t n = 0, i;

	buf[n++] = dir_in ? 'i' : 'o';
	buf[n++] = (char)('0' + code / 100 % 10);
	buf[n++] = (char)('0' + code / 10 % 10);
	buf[n++] = (char)('0' + code % 10);
	for (i = 0; i < enh.n && n < AGG_REPLY_KEY_MAX; i++)
		buf[n++] = enh.p[i];
	return n;
}

void
aggregate_sum_into(const struct aggregate *a, struct totals *t)
{
	size_t i;
	int k;

	for (i = 0; i < a->nhours; i++)
		for (k = 0; k < C_COUNT; k++)
			t->c[k] += a->hours[i].c[k];
	t->lines += (int64_t)a->lines;
	t->unparsed += (int64_t)a->unparsed;
}

int
aggregate_set(struct aggregate *a, enum agg_kind kind, int32_t day, struct strview name,
    int64_t v0, int64_t v1)
{
	char low[AGG_NAME_MAX];
	struct agg_entry *e;
	size_t i, n = name.n > AGG_NAME_MAX ? AGG_NAME_MAX : name.n;
	const char *p = name.p;
	uint64_t h;

	/* made with zeros when new, the name kept as aggregate_keyed keeps it */
	if (aggregate_keyed(a, kind, day, name, 0, 0) != 0)
		return -1;
	if (kind == AGG_DOMAIN) {
		for (i = 0; i < n; i++)
			low[i] = (p[i] >= 'A' && p[i] <= 'Z') ? (char)(p[i] + 32) : p[i];
		p = low;
	}
	h = hash_name(kind, day, p, n);
	for (i = h & (a->keyed_cap - 1);; i = (i + 1) & (a->keyed_cap - 1)) {
		e = &a->keyed[i];
		if (e->used && e->hash == h && e->kind == kind && e->day == day && e->len == n &&
		    memcmp(e->name, p, n) == 0)
			break;
	}
	e->v[0] = v0;
	e->v[1] = v1;
	return 0;
}
