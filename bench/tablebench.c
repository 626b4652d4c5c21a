/*
 * The account table's inserts on the daemon's loop (issue 15): a batch's new
 * rows into a big table, one by one (net-snmp's array moves its tail per row)
 * and in bulk (mib_table_bulk_begin/_end: one merge when many), and the
 * table emptied (accounts_reload) row by row and at once.  make tablebench
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mib_tables.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Indexes spread like mib_account_index's (a hash of the name): anywhere. */
static uint32_t
index_of(uint32_t i)
{
	uint64_t h = (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ULL;

	return (uint32_t)(h >> 33) + 1;
}

static void
add(uint32_t from, uint32_t n)
{
	uint32_t i;

	for (i = from; i < from + n; i++)
		if (mib_table_add(&mib_account_table, index_of(i), calloc(1, 8)) != 0) {
			fprintf(stderr, "tablebench: row %u refused\n", (unsigned)i);
			exit(1);
		}
}

/* The rows walked in strictly increasing index order: their count. */
static size_t
walk(void)
{
	netsnmp_tdata_row *row;
	size_t n = 0;
	oid prev = 0;

	for (row = netsnmp_tdata_row_first(mib_account_table.tdata); row != NULL;
	    row = netsnmp_tdata_row_next(mib_account_table.tdata, row), n++) {
		if (n > 0 && row->oid_index.oids[0] <= prev) {
			fprintf(stderr, "tablebench: walk out of order at row %zu\n", n);
			exit(1);
		}
		prev = row->oid_index.oids[0];
	}
	return n;
}

/* ms to add n rows to a table of base rows, bulk or not. */
static double
run(uint32_t base, uint32_t n, int bulk)
{
	double t0, t;

	mib_table_clear(&mib_account_table);
	mib_table_bulk_begin(&mib_account_table);
	add(0, base);
	mib_table_bulk_end(&mib_account_table);
	t0 = now_ms();
	if (bulk)
		mib_table_bulk_begin(&mib_account_table);
	add(base, n);
	if (bulk)
		mib_table_bulk_end(&mib_account_table);
	t = now_ms() - t0;
	if (walk() != (size_t)base + n) {
		fprintf(stderr, "tablebench: rows lost\n");
		exit(1);
	}
	return t;
}

int
main(void)
{
	static const uint32_t cases[][2] = { { 40000, 2000 }, { 40000, 100 }, { 40000, 10 },
		{ 40000, 1 }, { 0, 100000 } };
	size_t i;

	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	setenv("MIBS", "", 1);
	init_agent("tablebench");
	if (mib_table_register(&mib_account_table) != 0)
		return 1;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double one = getenv("BULKONLY") ? 0 : run(cases[i][0], cases[i][1], 0);
		double bulk = run(cases[i][0], cases[i][1], 1);
		printf("%6u rows into %6u: one by one %8.2f ms, bulk %8.2f ms\n",
		    (unsigned)cases[i][1], (unsigned)cases[i][0], one, bulk);
	}
	for (i = 0; i < 2; i++) {
		double t0, by_row, at_once;
		netsnmp_tdata_row *row;
		run(i ? 100000 : 40000, 0, 1);
		t0 = now_ms();
		while ((row = netsnmp_tdata_row_first(mib_account_table.tdata)) != NULL)
			mib_table_remove(&mib_account_table, row);
		by_row = now_ms() - t0;
		run(i ? 100000 : 40000, 0, 1);
		t0 = now_ms();
		mib_table_clear(&mib_account_table);
		at_once = now_ms() - t0;
		printf("clear %6u rows: first row by first row %8.2f ms, at once %8.2f ms\n",
		    i ? 100000U : 40000U, by_row, at_once);
	}
	return 0;
}
