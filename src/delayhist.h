/*
 * Delivery delays as a log-scaled histogram: exact below DELAY_SUB ms, then
 * DELAY_SUB buckets per doubling up to 2^32 ms (49 days).  A bucket is at
 * most 1/DELAY_SUB of its lower bound wide, so a quantile read as the
 * middle of its bucket is within 1/(2*DELAY_SUB) = 3.125 % of the true
 * (nearest-rank) quantile; the maximum is kept exactly beside it.
 * Memory per (day, hour) is fixed: DELAY_BUCKETS counters.
 */
#ifndef MTASTAT_DELAYHIST_H
#define MTASTAT_DELAYHIST_H

#include <stdint.h>

/* Buckets per doubling: 16 keeps the quantile error near 3 % in 464 buckets. */
#define DELAY_SUB 16
#define DELAY_SUB_BITS 4
/* 16 exact values, then 16 buckets for each doubling from 2^4 to 2^31 ms */
#define DELAY_BUCKETS (DELAY_SUB + (32 - DELAY_SUB_BITS) * DELAY_SUB)

/* The bucket of a delay in milliseconds. */
int delayhist_bucket(uint32_t ms);
/* The smallest and largest delay (ms) that fall in bucket b. */
uint32_t delayhist_low(int b);
uint32_t delayhist_high(int b);

/*
 * The q-quantile (0 < q <= 1, nearest rank: the smallest delay with at
 * least q of the deliveries at or below it) of a histogram n[DELAY_BUCKETS],
 * as its bucket's middle, never above max (the largest delay seen).
 * 0 when the histogram is empty.
 */
uint32_t delayhist_quantile(const uint64_t *n, double q, uint32_t max);

#endif
