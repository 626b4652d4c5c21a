/*
 * Hashing short names (accounts, queue ids, addresses) written by
 * strangers, in the tables that live in memory: eight bytes at a time,
 * multiply and fold (FNV-1a's multiply per byte was a chain of 25 for an
 * account name).  The tail is the name's last eight bytes, overlapping,
 * when it has them (one load: a copy of the tail into a word went through
 * memory and stalled the load after it), else its bytes one by one in a
 * register.  seed mixes in what else keys the entry.
 */
#ifndef MTASTAT_HASH_H
#define MTASTAT_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define HASH_SEED 0x9e3779b97f4a7c15ULL

static inline uint64_t
hash_bytes(uint64_t seed, const char *p, size_t n)
{
	uint64_t h = seed, w;
	const char *end = p + n;
	size_t len = n, i;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	if (n > 0) {
		if (len >= 8) {
			memcpy(&w, end - 8, 8);
		} else {
			for (w = 0, i = 0; i < n; i++)
				w |= (uint64_t)(unsigned char)p[i] << (8 * i);
		}
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	}
	return h ^ (h >> 29);
}

#endif
