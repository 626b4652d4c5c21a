/*
 * Account ids by name, in a bounded amount of memory: the store looks a
 * batch's accounts up here instead of in SQLite (an upsert with RETURNING
 * per account and batch cost 12-16 us a row).  Names live in one arena,
 * entries in one array, the hash index holds 4-byte entry numbers: about
 * 24 bytes an account plus its name, where a malloc'd name per slot cost
 * 90.  When it holds `max` accounts or `max` * 64 name bytes it forgets
 * them all and is no longer complete: a miss must then ask the database.
 */
#ifndef MTASTAT_ACCTMAP_H
#define MTASTAT_ACCTMAP_H

#include <stddef.h>
#include <stdint.h>

struct acctmap_entry {
	int64_t id;
	uint32_t off, len;     /* the name: arena[off .. off + len), a NUL may be inside */
	int32_t first_day;
};

struct acctmap {
	struct acctmap_entry *e;
	uint32_t n, e_cap, max;
	uint32_t *index;       /* entry number + 1; 0 is empty; at most half full */
	uint32_t index_mask;
	char *arena;
	size_t arena_len, arena_cap;
	int complete;          /* holds every account of the history: a miss is a new one */
};

/* Accounts kept by default: 1.5 MiB of entries, 0.5 MiB of index, 4 MiB of names at most. */
#define ACCTMAP_MAX 65536

void acctmap_init(struct acctmap *, uint32_t max);
void acctmap_free(struct acctmap *);
/* Forget every account (memory is kept); not complete any more. */
void acctmap_reset(struct acctmap *);
/* The entry of name, or NULL; valid until the next acctmap_put or reset. */
struct acctmap_entry *acctmap_find(const struct acctmap *, const char *name, size_t len);
/* Add name (not in the map), forgetting all first when full; -1 on ENOMEM. */
int acctmap_put(struct acctmap *, const char *name, size_t len, int64_t id, int32_t first_day);

#endif
