#include "config.h"

#include <math.h>

#include "delayhist.h"

static int
top_bit(uint32_t v)
{
	int b = 0;

	while (v >>= 1)
		b++;
	return b;
}

int
delayhist_bucket(uint32_t ms)
{
	int e, shift;

	if (ms < DELAY_SUB)
		return (int)ms;
	e = top_bit(ms);
	shift = e - DELAY_SUB_BITS;
	return DELAY_SUB + shift * DELAY_SUB + (int)((ms >> shift) - DELAY_SUB);
}

uint32_t
delayhist_low(int b)
{
	int shift;

	if (b < DELAY_SUB)
		return b < 0 ? 0 : (uint32_t)b;
	if (b >= DELAY_BUCKETS)
		b = DELAY_BUCKETS - 1;
	shift = (b - DELAY_SUB) / DELAY_SUB;
	return (uint32_t)(DELAY_SUB + (b - DELAY_SUB) % DELAY_SUB) << shift;
}

uint32_t
delayhist_high(int b)
{
	return b + 1 >= DELAY_BUCKETS ? UINT32_MAX : delayhist_low(b + 1) - 1;
}

uint32_t
delayhist_quantile(const uint64_t *n, double q, uint32_t max)
{
	uint64_t total = 0, rank, seen = 0;
	uint32_t lo, hi, mid;
	int b;

	for (b = 0; b < DELAY_BUCKETS; b++)
		total += n[b];
	if (total == 0)
		return 0;
	if (q > 1)
		q = 1;
	rank = (uint64_t)ceil(q * (double)total);
	if (rank == 0)
		rank = 1;
	for (b = 0; b < DELAY_BUCKETS; b++) {
		seen += n[b];
		if (seen >= rank)
			break;
	}
	if (b == DELAY_BUCKETS)
		b = DELAY_BUCKETS - 1;
	lo = delayhist_low(b);
	hi = delayhist_high(b);
	mid = lo + (hi - lo) / 2;
	if (max >= lo && mid > max)
		mid = max;
	return mid;
}
