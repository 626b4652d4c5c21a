#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "mib_table.h"

static int
mib_table_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reginfo,
    netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	const struct mib_table *t = reginfo->my_reg_void;
	netsnmp_request_info *req;
	netsnmp_table_request_info *ti;
	struct mib_value mv;
	void *row;

	if (reqinfo->mode != MODE_GET)
		return SNMP_ERR_NOERROR; /* read-only: the table helper refuses SETs */
	for (req = requests; req != NULL; req = req->next) {
		if (req->processed)
			continue;
		row = netsnmp_tdata_extract_entry(req);
		ti = netsnmp_extract_table_info(req);
		if (row == NULL || ti == NULL || t->value(row, ti->colnum, &mv) != 0) {
			netsnmp_set_request_error(reqinfo, req, SNMP_NOSUCHINSTANCE);
			continue;
		}
		mib_value_to_varbind(&mv, req->requestvb);
	}
	return SNMP_ERR_NOERROR;
}

int
mib_table_register(struct mib_table *t)
{
	netsnmp_handler_registration *reg;
	netsnmp_table_registration_info *info;
	size_t table_len = t->entry_len - 1; /* the table is the entry's parent */

	t->tdata = netsnmp_tdata_create_table(t->name, 0);
	reg = netsnmp_create_handler_registration(t->name, mib_table_handler, t->entry_oid,
	    table_len, HANDLER_CAN_RONLY);
	info = SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
	if (t->tdata == NULL || reg == NULL || info == NULL) {
		log_err("snmp", "%s: out of memory", t->name);
		return -1;
	}
	reg->my_reg_void = t;
	if (t->priority > 0)
		reg->priority = t->priority;
	if (t->nindex <= 1) {
		netsnmp_table_helper_add_indexes(info, t->nindex == 1 ? ASN_INTEGER : ASN_UNSIGNED, 0);
	} else if (t->nindex == 2) {
		netsnmp_table_helper_add_indexes(info, ASN_INTEGER, ASN_INTEGER, 0);
	} else {
		netsnmp_table_helper_add_indexes(info, ASN_INTEGER, ASN_INTEGER, ASN_INTEGER, 0);
	}
	info->min_column = t->min_col;
	info->max_column = t->max_col;
	if (netsnmp_tdata_register(reg, t->tdata, info) != MIB_REGISTERED_OK) {
		log_err("snmp", "cannot register %s", t->name);
		return -1;
	}
	return 0;
}

/*
 * Pending rows fewer than 1/MIB_TABLE_MERGE_RATIO of the table go in one by
 * one; more, by one merge of the whole table.  Measured (make tablebench,
 * docs/performance.md): a merge re-inserts every row (a binary search each,
 * ~0.5 us), a single insert moves half the array (~3 us at 40,000 rows).
 */
#define MIB_TABLE_MERGE_RATIO 8
/*
 * A bounded step (mib_table_bulk_step) merges only a table this small
 * (~0.6 us a row: ~5 ms); a bigger one takes its rows one by one, a
 * slice a turn.
 */
#define MIB_TABLE_MERGE_MAX 8192
/* ... and looks at the clock every this many rows. */
#define MIB_TABLE_STEP_ROWS 32

static netsnmp_tdata_row *
row_new(uint32_t index, void *data)
{
	netsnmp_tdata_row *row = netsnmp_tdata_create_row();
	u_long idx = index;

	if (row == NULL)
		return NULL;
	row->data = data;
	if (netsnmp_tdata_row_add_index(row, ASN_UNSIGNED, &idx, sizeof(idx)) == NULL) {
		netsnmp_tdata_delete_row(row);
		return NULL;
	}
	return row;
}

/* Where index is in the pending set, or the free slot it would take. */
static uint64_t *
pending_slot(const struct mib_table *t, uint32_t index)
{
	uint64_t h = (uint64_t)index * 0x9E3779B97F4A7C15ULL;
	size_t i = (size_t)(h ^ (h >> 32)) & (t->pending.setcap - 1);

	while (t->pending.set[i] != 0 && t->pending.set[i] != (uint64_t)index + 1)
		i = (i + 1) & (t->pending.setcap - 1);
	return &t->pending.set[i];
}

/* The set again from the rows still waiting (those put in since leave it). */
static int
pending_set_rebuild(struct mib_table *t, size_t cap)
{
	uint64_t *set = calloc(cap, sizeof(*set));
	size_t i;

	if (set == NULL)
		return -1;
	free(t->pending.set);
	t->pending.set = set;
	t->pending.setcap = cap;
	t->pending.setn = 0;
	for (i = t->pending.head; i < t->pending.n; i++) {
		uint32_t index = (uint32_t)t->pending.v[i]->oid_index.oids[0];
		*pending_slot(t, index) = (uint64_t)index + 1;
		t->pending.setn++;
	}
	return 0;
}

/* Room for one more pending row (the set at most half full). */
static int
pending_room(struct mib_table *t)
{
	if (t->pending.head > 0 && t->pending.n == t->pending.cap) {
		/* the rows put in by earlier steps leave the front */
		memmove(t->pending.v, t->pending.v + t->pending.head,
		    (t->pending.n - t->pending.head) * sizeof(*t->pending.v));
		t->pending.n -= t->pending.head;
		t->pending.head = 0;
	}
	if (t->pending.n == t->pending.cap) {
		size_t cap = t->pending.cap ? t->pending.cap * 2 : 256;
		netsnmp_tdata_row **v = realloc(t->pending.v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		t->pending.v = v;
		t->pending.cap = cap;
	}
	if ((t->pending.setn + 1) * 2 > t->pending.setcap) {
		size_t cap = t->pending.setcap ? t->pending.setcap : 512;
		while ((t->pending.n - t->pending.head + 1) * 4 > cap)
			cap *= 2;
		if (pending_set_rebuild(t, cap) != 0)
			return -1;
	}
	return 0;
}

static int
pending_add(struct mib_table *t, uint32_t index, void *data)
{
	netsnmp_tdata_row *row;
	oid idx = index;

	/* an index taken, in the table or waiting, is refused now as an insert would be */
	if (netsnmp_tdata_row_get_byoid(t->tdata, &idx, 1) != NULL ||
	    (t->pending.setcap > 0 && *pending_slot(t, index) != 0))
		return -1;
	if (pending_room(t) != 0 || (row = row_new(index, data)) == NULL)
		return -1;
	/* what netsnmp_tdata_add_row would do before its insert (the key the array sorts by) */
	if (build_oid(&row->oid_index.oids, &row->oid_index.len, NULL, 0, row->indexes) !=
	    SNMPERR_SUCCESS) {
		netsnmp_tdata_delete_row(row);
		return -1;
	}
	*pending_slot(t, index) = (uint64_t)index + 1;
	t->pending.setn++;
	t->pending.v[t->pending.n++] = row;
	return 0;
}

static int
row_cmp(const void *a, const void *b)
{
	return netsnmp_compare_netsnmp_index(*(void *const *)a, *(void *const *)b);
}

struct rows_copy {
	netsnmp_tdata_row **v;
	size_t n;
};

static void
rows_copy(void *row, void *arg)
{
	struct rows_copy *rc = arg;

	rc->v[rc->n++] = row;
}

/* A row the array would not take (out of memory): its data stays with the caller. */
static int
row_insert(struct mib_table *t, netsnmp_tdata_row *row)
{
	if (CONTAINER_INSERT(t->tdata->container, row) == 0)
		return 0;
	log_err("snmp", "%s: cannot insert row %lu: out of memory", t->name,
	    row->oid_index.len > 0 ? (unsigned long)row->oid_index.oids[0] : 0UL);
	netsnmp_tdata_delete_row(row);
	return -1;
}

/* None wait any more: the queue and its set start again. */
static void
pending_reset(struct mib_table *t)
{
	t->pending.head = t->pending.n = 0;
	t->pending.setn = 0;
	if (t->pending.setcap > 0)
		memset(t->pending.set, 0, t->pending.setcap * sizeof(*t->pending.set));
}

/*
 * The pending rows in.  A few go in one by one; more, by emptying the array
 * and putting old and new back in index order: every insert is then an append
 * after a binary search, no move.  Never CONTAINER_KEY_UNSORTED and its lazy
 * sort: net-snmp 5.9.3's qsort hands the comparator the slots, not the rows,
 * and crashes (fixed upstream in 80564cf79e, 2026).
 */
static int
pending_flush(struct mib_table *t)
{
	netsnmp_container *c;
	struct rows_copy old = { NULL, 0 };
	netsnmp_tdata_row **v = t->pending.v + t->pending.head;
	size_t n, m = t->pending.n - t->pending.head, i = 0, j = 0;
	int rc = 0;

	if (m == 0)
		return 0;
	c = t->tdata->container;
	n = CONTAINER_SIZE(c);
	if (m * MIB_TABLE_MERGE_RATIO >= n && (old.v = malloc(n * sizeof(*old.v) + 1)) != NULL) {
		CONTAINER_FOR_EACH(c, rows_copy, &old);
		qsort(v, m, sizeof(*v), row_cmp);
		CONTAINER_CLEAR(c, NULL, NULL);
		while (i < old.n || j < m) {
			netsnmp_tdata_row *next = j == m || (i < old.n &&
			    row_cmp(&old.v[i], &v[j]) < 0) ? old.v[i++] : v[j++];
			if (row_insert(t, next) != 0)
				rc = -1;
		}
		free(old.v);
	} else {
		for (j = 0; j < m; j++)
			if (row_insert(t, v[j]) != 0)
				rc = -1;
	}
	pending_reset(t);
	return rc;
}

static long
us_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000000 + (now.tv_nsec - t0->tv_nsec) / 1000;
}

/* The bulk is over: its memory goes. */
static void
bulk_done(struct mib_table *t)
{
	t->pending.bulk = 0;
	free(t->pending.v);
	free(t->pending.set);
	t->pending.v = NULL;
	t->pending.set = NULL;
	t->pending.head = t->pending.n = t->pending.cap = 0;
	t->pending.setcap = t->pending.setn = 0;
}

netsnmp_tdata_row *
mib_table_row(struct mib_table *t, uint32_t index)
{
	oid idx = index;

	pending_flush(t);
	return netsnmp_tdata_row_get_byoid(t->tdata, &idx, 1);
}

void
mib_table_bulk_begin(struct mib_table *t)
{
	t->pending.bulk = 1;
}

int
mib_table_bulk_end(struct mib_table *t)
{
	int rc = pending_flush(t);

	bulk_done(t);
	return rc;
}

size_t
mib_table_bulk_step(struct mib_table *t, long budget_us, size_t *in)
{
	size_t size, left = t->pending.n - t->pending.head, done = 0;
	struct timespec t0;

	if (left > 0 && t->tdata != NULL) {
		size = CONTAINER_SIZE(t->tdata->container);
		if (left * MIB_TABLE_MERGE_RATIO >= size && size + left <= MIB_TABLE_MERGE_MAX) {
			pending_flush(t); /* small: a merge is quick */
			done = left;
		} else {
			clock_gettime(CLOCK_MONOTONIC, &t0);
			while (t->pending.head < t->pending.n) {
				row_insert(t, t->pending.v[t->pending.head++]);
				if (++done % MIB_TABLE_STEP_ROWS == 0 && us_since(&t0) >= budget_us)
					break;
			}
		}
	}
	if (in != NULL)
		*in = done;
	left = t->pending.n - t->pending.head;
	if (left == 0)
		bulk_done(t);
	return left;
}

size_t
mib_table_bulk_waiting(const struct mib_table *t)
{
	return t->pending.n - t->pending.head;
}

void
mib_table_for_each(struct mib_table *t, void (*fn)(void *row, void *arg), void *arg)
{
	size_t i;

	if (t->tdata == NULL)
		return;
	CONTAINER_FOR_EACH(t->tdata->container, fn, arg);
	for (i = t->pending.head; i < t->pending.n; i++)
		fn(t->pending.v[i], arg);
}

int
mib_table_add(struct mib_table *t, uint32_t index, void *data)
{
	netsnmp_tdata_row *row;

	t->gen++;
	if (t->pending.bulk)
		return pending_add(t, index, data);
	if ((row = row_new(index, data)) == NULL)
		return -1;
	if (netsnmp_tdata_add_row(t->tdata, row) != SNMPERR_SUCCESS) {
		netsnmp_tdata_delete_row(row);
		return -1;
	}
	return 0;
}

int
mib_table_add_n(struct mib_table *t, const uint32_t *idx, void *data)
{
	t->gen++;
	netsnmp_tdata_row *row;
	unsigned i;
	long v;

	if (t->nindex == 0 || t->nindex > MIB_TABLE_INDEX_MAX)
		return -1;
	pending_flush(t);
	row = netsnmp_tdata_create_row();
	if (row == NULL)
		return -1;
	row->data = data;
	for (i = 0; i < t->nindex; i++) {
		v = (long)idx[i];
		netsnmp_tdata_row_add_index(row, ASN_INTEGER, &v, sizeof(v));
	}
	if (netsnmp_tdata_add_row(t->tdata, row) != SNMPERR_SUCCESS) {
		netsnmp_tdata_delete_row(row);
		return -1;
	}
	return 0;
}

netsnmp_tdata_row *
mib_table_row_n(struct mib_table *t, const uint32_t *idx)
{
	oid o[MIB_TABLE_INDEX_MAX];
	unsigned i;

	if (t->nindex == 0 || t->nindex > MIB_TABLE_INDEX_MAX)
		return NULL;
	for (i = 0; i < t->nindex; i++)
		o[i] = idx[i];
	pending_flush(t);
	return netsnmp_tdata_row_get_byoid(t->tdata, o, t->nindex);
}

void
mib_table_remove(struct mib_table *t, netsnmp_tdata_row *row)
{
	t->gen++;
	pending_flush(t);
	free(netsnmp_tdata_remove_and_delete_row(t->tdata, row));
}

static void
row_free(void *row, void *arg)
{
	(void)arg;
	free(netsnmp_tdata_delete_row(row));
}

void
mib_table_clear(struct mib_table *t)
{
	size_t i;

	t->gen++;
	if (t->tdata == NULL)
		return;
	/* those before head are in the container already */
	for (i = t->pending.head; i < t->pending.n; i++)
		row_free(t->pending.v[i], NULL);
	bulk_done(t); /* nothing waits: a bulk still open is over */
	/* all at once: removing row by row moves the array's tail each time, O(n^2) */
	CONTAINER_CLEAR(t->tdata->container, row_free, NULL);
}

int
mib_table_varbind(const struct mib_table *t, const void *row, uint32_t index, unsigned col,
    netsnmp_variable_list **vars)
{
	oid name[MAX_OID_LEN];
	struct mib_value mv;
	netsnmp_variable_list *vb;

	if (t->entry_len + 2 > MAX_OID_LEN || t->value(row, col, &mv) != 0)
		return -1;
	memcpy(name, t->entry_oid, t->entry_len * sizeof(oid));
	name[t->entry_len] = col;
	name[t->entry_len + 1] = index;
	vb = snmp_varlist_add_variable(vars, name, t->entry_len + 2, ASN_NULL, NULL, 0);
	if (vb == NULL)
		return -1;
	return mib_value_to_varbind(&mv, vb);
}

void
mib_table_touch(struct mib_table *t)
{
	t->gen++;
}
