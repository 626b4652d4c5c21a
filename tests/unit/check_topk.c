/*
 * Top-K lists (topk.c) against exact counts: exact while a day has at
 * most TOPK_SLOTS names; beyond, lower bounds short by at most N/K, every
 * name above N/K listed; a list written to the store and read back.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>

#include "store.h"
#include "testutil.h"
#include "topk.h"

/* Names in the skewed stream: many more than the list holds. */
#define NAMES 20000

static int64_t truth[NAMES];

static struct strview
name_of(int i, char *buf, size_t n)
{
	return sv_make(buf, (size_t)snprintf(buf, n, "user%d@Example.test", i));
}

/* The value the aggregate holds for (kind, day, name), -1: absent. */
static int64_t
listed(const struct aggregate *a, enum agg_kind kind, int32_t day, struct strview name,
    int64_t *v1)
{
	size_t i;

	for (i = 0; i < a->keyed_cap; i++) {
		const struct agg_entry *e = &a->keyed[i];
		if (e->used && e->kind == kind && e->day == day && e->len == name.n &&
		    memcmp(e->name, name.p, name.n) == 0) {
			if (v1 != NULL)
				*v1 = e->v[1];
			return e->v[0];
		}
	}
	return -1;
}

START_TEST(exact_below_the_bound)
{
	struct topk_set s;
	struct aggregate a;
	char buf[64];
	int i, k;
	int64_t v1;

	topk_init(&s);
	aggregate_init(&a);
	for (i = 0; i < TOPK_SLOTS; i++)
		for (k = 0; k <= i % 7; k++)
			ck_assert_int_eq(topk_add(&s, &a, AGG_SENDER, 100, name_of(i, buf, sizeof(buf)),
			    1, 10), 0);
	/* a retraction and a second-value-only update count too while there is room */
	ck_assert_int_eq(topk_add(&s, &a, AGG_SENDER, 100, name_of(3, buf, sizeof(buf)), -1, -10), 0);
	ck_assert_int_eq(topk_flush(&s, &a), 0);
	for (i = 0; i < TOPK_SLOTS; i++) {
		int64_t want = i % 7 + 1 - (i == 3);
		ck_assert_int_eq(listed(&a, AGG_SENDER, 100, name_of(i, buf, sizeof(buf)), &v1), want);
		ck_assert_int_eq(v1, want * 10);
	}
	/* nothing changed: nothing to write */
	aggregate_reset(&a);
	ck_assert_int_eq(topk_flush(&s, &a), 0);
	ck_assert_uint_eq(a.nkeyed, 0);
	aggregate_free(&a);
	topk_free(&s);
}
END_TEST

START_TEST(bounded_beyond)
{
	struct topk_set s;
	struct aggregate a;
	char buf[64];
	uint64_t x = 88172645463325252ULL;
	int64_t total = 0, bound, got;
	int i, step, listed_n = 0;

	topk_init(&s);
	aggregate_init(&a);
	memset(truth, 0, sizeof(truth));
	for (step = 0; step < 200000; step++) {
		/* xorshift; a few heavy names, a long tail */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		i = (x % 4 == 0) ? (int)(x % 8) : (int)(x % NAMES);
		truth[i]++;
		total++;
		ck_assert_int_eq(topk_add(&s, &a, AGG_DOMAIN, 7, name_of(i, buf, sizeof(buf)), 1, 0), 0);
	}
	ck_assert_int_eq(topk_flush(&s, &a), 0);
	bound = total / TOPK_SLOTS;
	for (i = 0; i < NAMES; i++) {
		/* domains are kept in lower case */
		struct strview n = name_of(i, buf, sizeof(buf));
		buf[n.n - 12] = 'e';
		got = listed(&a, AGG_DOMAIN, 7, n, NULL);
		if (got < 0) {
			ck_assert_msg(truth[i] <= bound, "name %d (%lld > N/K %lld) not listed", i,
			    (long long)truth[i], (long long)bound);
			continue;
		}
		listed_n++;
		ck_assert_int_le(got, truth[i]);
		ck_assert_int_ge(got, truth[i] - bound);
	}
	ck_assert_int_eq(listed_n, TOPK_SLOTS);
	aggregate_free(&a);
	topk_free(&s);
}
END_TEST

static void
load_row(void *t, struct strview name, int64_t v0, int64_t v1)
{
	topk_load_row(t, name, v0, v1);
}

static int
loader(void *st, enum agg_kind kind, int32_t day, struct topk *t)
{
	return store_list_rows(st, kind, day, TOPK_SLOTS, load_row, t);
}

START_TEST(days_leave_memory_and_come_back)
{
	char *dir = tu_tmpdir(), db[4200], buf[64];
	struct store st;
	struct topk_set s;
	struct aggregate a;
	int d;

	snprintf(db, sizeof(db), "%s/t.db", dir);
	ck_assert_int_eq(store_open(&st, db), 0);
	topk_init(&s);
	aggregate_init(&a);
	/* more days than stay in memory: the first ones go to the aggregate */
	for (d = 0; d < TOPK_DAYS + 2; d++)
		ck_assert_int_eq(topk_add(&s, &a, AGG_RCPT, 500 + d, name_of(1, buf, sizeof(buf)),
		    d + 1, 1), 0);
	ck_assert_int_eq(listed(&a, AGG_RCPT, 500, name_of(1, buf, sizeof(buf)), NULL), 1);
	ck_assert_int_eq(topk_flush(&s, &a), 0);
	ck_assert_int_eq(store_commit(&st, &a, NULL, NULL, 0, 0), 0);
	ck_assert_int_eq(tu_query(&st, "SELECT sum(delivered) FROM rcpt_daily", NULL),
	    (TOPK_DAYS + 2) * (TOPK_DAYS + 3) / 2);
	topk_free(&s);

	/* a new process: the day's list starts from its rows, then replaces them */
	topk_init(&s);
	s.load = loader;
	s.load_ctx = &st;
	ck_assert_int_eq(topk_add(&s, &a, AGG_RCPT, 500, name_of(2, buf, sizeof(buf)), 5, 0), 0);
	ck_assert_int_eq(topk_add(&s, &a, AGG_RCPT, 500, name_of(1, buf, sizeof(buf)), 2, 0), 0);
	ck_assert_int_eq(topk_flush(&s, &a), 0);
	ck_assert_int_eq(store_commit(&st, &a, NULL, NULL, 0, 0), 0);
	ck_assert_int_eq(tu_query(&st, "SELECT count(*) FROM rcpt_daily WHERE day = 500", NULL), 2);
	ck_assert_int_eq(tu_query(&st, "SELECT delivered FROM rcpt_daily WHERE day = 500"
	    " AND rcpt = 'user1@Example.test'", NULL), 3);
	ck_assert_int_eq(tu_query(&st, "SELECT relayed FROM rcpt_daily WHERE day = 500"
	    " AND rcpt = 'user1@Example.test'", NULL), 1);
	topk_free(&s);

	/* without a loader (no store) the day's rows are replaced by the new list */
	topk_init(&s);
	ck_assert_int_eq(topk_add(&s, &a, AGG_RCPT, 500, name_of(2, buf, sizeof(buf)), 5, 0), 0);
	ck_assert_int_eq(topk_flush(&s, &a), 0);
	ck_assert_int_eq(store_commit(&st, &a, NULL, NULL, 0, 0), 0);
	ck_assert_int_eq(tu_query(&st, "SELECT count(*) FROM rcpt_daily WHERE day = 500", NULL), 1);
	topk_free(&s);
	aggregate_free(&a);
	store_close(&st);
	tu_rmdir(dir);
}
END_TEST

static int
failing_loader(void *ctx, enum agg_kind kind, int32_t day, struct topk *t)
{
	topk_load_row(t, sv_make("half@loaded.test", 16), 3, 0);
	return -1;
}

START_TEST(unreadable_list_restarts)
{
	struct topk_set s;
	struct aggregate a;
	char buf[64];

	topk_init(&s);
	aggregate_init(&a);
	s.load = failing_loader;
	/* the count goes on (not an error): the list starts from nothing */
	ck_assert_int_eq(topk_add(&s, &a, AGG_SENDER, 9, name_of(1, buf, sizeof(buf)), 1, 5), 0);
	/* a retraction of a name counted elsewhere: no row below zero */
	ck_assert_int_eq(topk_add(&s, &a, AGG_SENDER, 9, sv_make("gone@x.test", 11), -1, -5), 0);
	ck_assert_int_eq(topk_flush(&s, &a), 0);
	ck_assert_int_eq(listed(&a, AGG_SENDER, 9, sv_make("gone@x.test", 11), NULL), -1);
	ck_assert_int_eq(listed(&a, AGG_SENDER, 9, name_of(1, buf, sizeof(buf)), NULL), 1);
	ck_assert_int_eq(listed(&a, AGG_SENDER, 9, sv_make("half@loaded.test", 16), NULL), -1);
	aggregate_free(&a);
	topk_free(&s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("topk");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, exact_below_the_bound);
	tcase_add_test(tc, bounded_beyond);
	tcase_add_test(tc, days_leave_memory_and_come_back);
	tcase_add_test(tc, unreadable_list_restarts);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
