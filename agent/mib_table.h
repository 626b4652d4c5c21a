/*
 * A read-only conceptual table: net-snmp's tdata keeps the rows in a sorted
 * container (GETNEXT is a binary search, a walk O(n log n)); one handler for
 * all tables asks the table's pure value function for each column.
 */
#ifndef MIB_TABLE_H
#define MIB_TABLE_H

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "mib_value.h"

struct mib_table {
	const char *name;
	const oid *entry_oid;   /* the ...Entry OID */
	size_t entry_len;
	unsigned min_col, max_col;
	/* 0 and mv filled, or -1: no such column for this row */
	int (*value)(const void *row, unsigned col, struct mib_value *mv);
	netsnmp_tdata *tdata;
	/*
	 * Standard MIBs' tables (MTA-MIB, NETWORK-SERVICES-MIB): nindex INTEGER
	 * indexes (0: the single Unsigned32 index of ours), registered at
	 * priority (0: net-snmp's default, 127); lower wins over snmpd's own
	 * modules at the same OIDs (Debian's snmpd serves a sendmail mtaTable).
	 */
	unsigned nindex;
	int priority;
	uint64_t gen;           /* bumped by every change of its rows (mib_table_touch) */
	/*
	 * Between mib_table_bulk_begin and _end, single-index adds wait here and
	 * go in at once (net-snmp's array moves its tail for every row inserted
	 * in the middle); any lookup or removal lets them in first.
	 */
	struct mib_table_pending {
		int bulk;
		netsnmp_tdata_row **v;
		size_t head, n, cap; /* v[head .. n) wait; those before went in */
		uint64_t *set; /* their indexes + 1 (0: free slot), open addressing */
		size_t setcap, setn;
	} pending;
};

/* The most indexes a table has (mtaGroupErrorEntry: applIndex, group, code). */
#define MIB_TABLE_INDEX_MAX 3

int mib_table_register(struct mib_table *);
void mib_table_unregister(struct mib_table *);
/* The row with this single Unsigned32 index, or NULL. */
netsnmp_tdata_row *mib_table_row(struct mib_table *, uint32_t index);
/* Add a row owning data (freed with free() when the row goes). */
int mib_table_add(struct mib_table *, uint32_t index, void *data);
/* The same for a table of nindex INTEGER indexes (idx[0 .. nindex - 1], each 1 .. 2^31 - 1). */
int mib_table_add_n(struct mib_table *, const uint32_t *idx, void *data);
/* Its row with these indexes, or NULL. */
netsnmp_tdata_row *mib_table_row_n(struct mib_table *, const uint32_t *idx);
void mib_table_remove(struct mib_table *, netsnmp_tdata_row *);
/* Remove every row. */
void mib_table_clear(struct mib_table *);
/*
 * Adds of many rows: from begin to end, mib_table_add queues the row (still
 * refusing an index taken); end puts them in, one by one when few, else by
 * one merge of the table (not a move of the array per row).  0, or -1 with
 * rows lost (out of memory, logged).
 */
void mib_table_bulk_begin(struct mib_table *);
int mib_table_bulk_end(struct mib_table *);
/*
 * Instead of _end, bounded: the rows waiting go in for about budget_us
 * (a small table by one merge, else one by one), *in (if not NULL) says
 * how many; the rest wait for the next step, the table still in bulk (adds
 * queue behind them).  Returns how many wait; 0: the bulk is over.  Rows
 * waiting are not yet seen by GET and GETNEXT, only by mib_table_for_each.
 */
size_t mib_table_bulk_step(struct mib_table *, long budget_us, size_t *in);
/* How many rows wait to go in. */
size_t mib_table_bulk_waiting(const struct mib_table *);
/* fn on every row's netsnmp_tdata_row, those waiting included, in no order. */
void mib_table_for_each(struct mib_table *, void (*fn)(void *row, void *arg), void *arg);
/* Rows were changed in place: what is computed over them is to be computed again. */
void mib_table_touch(struct mib_table *);

/* Append "entry.col.index" = value(row, col) to a notification's varbinds. */
int mib_table_varbind(const struct mib_table *, const void *row, uint32_t index, unsigned col,
    netsnmp_variable_list **vars);

#endif
