/*
 * The account-id map (acctmap.c): exact while it holds fewer than its
 * bound, then it forgets everything at once and says it is no longer
 * complete; names with a NUL inside; the name-byte bound.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acctmap.h"

static size_t
name_of(int i, char *buf, size_t n)
{
	return (size_t)snprintf(buf, n, "user%d@example.test", i);
}

START_TEST(exact_below_the_bound)
{
	struct acctmap m;
	struct acctmap_entry *x;
	char buf[64];
	int i;

	acctmap_init(&m, 5000);
	ck_assert_int_eq(m.complete, 1);
	for (i = 0; i < 4999; i++)
		ck_assert_int_eq(acctmap_put(&m, buf, name_of(i, buf, sizeof(buf)), 1000 + i, i % 7), 0);
	for (i = 0; i < 4999; i++) {
		x = acctmap_find(&m, buf, name_of(i, buf, sizeof(buf)));
		ck_assert_ptr_nonnull(x);
		ck_assert_int_eq(x->id, 1000 + i);
		ck_assert_int_eq(x->first_day, i % 7);
	}
	ck_assert_ptr_null(acctmap_find(&m, buf, name_of(4999, buf, sizeof(buf))));
	/* a prefix is another name */
	ck_assert_ptr_null(acctmap_find(&m, "user1", 5));
	ck_assert_int_eq(m.complete, 1);
	acctmap_free(&m);
}
END_TEST

START_TEST(forgets_all_at_the_bound)
{
	struct acctmap m;
	struct acctmap_entry *x;
	char buf[64];
	int i;

	acctmap_init(&m, 100);
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(acctmap_put(&m, buf, name_of(i, buf, sizeof(buf)), i + 1, 0), 0);
	ck_assert_int_eq(m.complete, 1);
	ck_assert_uint_eq(m.n, 100);
	ck_assert_int_eq(acctmap_put(&m, buf, name_of(100, buf, sizeof(buf)), 101, 0), 0);
	ck_assert_int_eq(m.complete, 0);
	ck_assert_uint_eq(m.n, 1);
	ck_assert_ptr_null(acctmap_find(&m, buf, name_of(5, buf, sizeof(buf))));
	x = acctmap_find(&m, buf, name_of(100, buf, sizeof(buf)));
	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(x->id, 101);
	/* refilled after the reset: the index finds the new entries */
	for (i = 200; i < 250; i++)
		ck_assert_int_eq(acctmap_put(&m, buf, name_of(i, buf, sizeof(buf)), i, 0), 0);
	for (i = 200; i < 250; i++)
		ck_assert_int_eq(acctmap_find(&m, buf, name_of(i, buf, sizeof(buf)))->id, i);
	acctmap_free(&m);
}
END_TEST

START_TEST(hostile_names)
{
	struct acctmap m;
	char *big;
	size_t n = 100 * 64 + 1; /* more name bytes than a bound of 100 allows */

	acctmap_init(&m, 100);
	ck_assert_int_eq(acctmap_put(&m, "a\0b", 3, 7, 0), 0);
	ck_assert_int_eq(acctmap_put(&m, "a\0c", 3, 8, 0), 0);
	ck_assert_int_eq(acctmap_put(&m, "", 0, 9, 0), 0);
	ck_assert_int_eq(acctmap_find(&m, "a\0b", 3)->id, 7);
	ck_assert_int_eq(acctmap_find(&m, "a\0c", 3)->id, 8);
	ck_assert_int_eq(acctmap_find(&m, "", 0)->id, 9);
	ck_assert_ptr_null(acctmap_find(&m, "a", 1));
	big = malloc(n);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', n);
	ck_assert_int_eq(acctmap_put(&m, big, n, 10, 0), 0);
	ck_assert_int_eq(m.complete, 0); /* the name bytes' bound forgot the others */
	ck_assert_ptr_null(acctmap_find(&m, "a\0b", 3));
	ck_assert_int_eq(acctmap_find(&m, big, n)->id, 10);
	free(big);
	acctmap_free(&m);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("acctmap");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, exact_below_the_bound);
	tcase_add_test(tc, forgets_all_at_the_bound);
	tcase_add_test(tc, hostile_names);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
