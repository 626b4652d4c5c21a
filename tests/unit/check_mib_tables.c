/*
 * The MIB tables in-process: rows kept in index order whatever the insertion
 * order (GETNEXT), lookups by index (GET), column values and notification
 * varbinds from the same pure functions.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mib_oid.h"
#include "mib_tables.h"
#include "mtastatd.h"
#include "notify_trap.h"

static void
setup(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	setenv("MIBS", "", 1);
	init_agent("mtastat-check");
	ck_assert_int_eq(mib_table_register(&mib_account_table), 0);
	ck_assert_int_eq(mib_table_register(&mib_indicator_table), 0);
	ck_assert_int_eq(mib_table_register(&mib_alarm_table), 0);
}

static struct account_row *
account(uint32_t id, const char *name, int64_t relayed, uint32_t limit)
{
	struct account_row *r = calloc(1, sizeof(*r));

	r->id = id;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->relayed_today = relayed;
	r->msgs_today = 1;
	r->limit = limit;
	ck_assert_msg(mib_table_add(&mib_account_table, id, r) == 0, "row %u refused", (unsigned)id);
	return r;
}

static uint32_t
row_index(netsnmp_tdata_row *row)
{
	return (uint32_t)*row->indexes->val.integer;
}

START_TEST(rows_in_index_order)
{
	static const uint32_t ids[] = { 7, 3, 100000, 42, 4294967295U, 1 };
	static const uint32_t sorted[] = { 1, 3, 7, 42, 100000, 4294967295U };
	netsnmp_tdata_row *row;
	oid seven = 7;
	size_t i;

	mib_table_clear(&mib_account_table);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		account(ids[i], "a@example.org", 1, 100);
	for (i = 0, row = netsnmp_tdata_row_first(mib_account_table.tdata); row != NULL;
	    row = netsnmp_tdata_row_next(mib_account_table.tdata, row), i++)
		ck_assert_uint_eq(row_index(row), sorted[i]);
	ck_assert_uint_eq(i, 6);
	/* GETNEXT from .7 is .42, GET of .42 finds it, of .8 nothing */
	row = netsnmp_tdata_row_next_byoid(mib_account_table.tdata, &seven, 1);
	ck_assert_ptr_nonnull(row);
	ck_assert_uint_eq(row_index(row), 42);
	ck_assert_ptr_nonnull(mib_table_row(&mib_account_table, 42));
	ck_assert_ptr_null(mib_table_row(&mib_account_table, 8));
	mib_table_remove(&mib_account_table, mib_table_row(&mib_account_table, 42));
	row = netsnmp_tdata_row_next_byoid(mib_account_table.tdata, &seven, 1);
	ck_assert_uint_eq(row_index(row), 100000);
	mib_table_clear(&mib_account_table);
	ck_assert_int_eq(netsnmp_tdata_row_count(mib_account_table.tdata), 0);
}
END_TEST

START_TEST(a_hundred_thousand_accounts)
{
	netsnmp_tdata_row *row;
	uint32_t i, prev = 0, n = 0;

	mib_table_clear(&mib_account_table);
	/* inserted in a scrambled order (a multiplicative permutation of 1..100000) */
	for (i = 0; i < 100000; i++)
		account((uint32_t)((i * 7919ULL) % 100000) + 1, "x", i, 100);
	for (row = netsnmp_tdata_row_first(mib_account_table.tdata); row != NULL;
	    row = netsnmp_tdata_row_next(mib_account_table.tdata, row), n++) {
		ck_assert_uint_gt(row_index(row), prev);
		prev = row_index(row);
	}
	ck_assert_uint_eq(n, 100000);
	mib_table_clear(&mib_account_table);
}
END_TEST

START_TEST(bulk_adds_in_order_and_unique)
{
	netsnmp_tdata_row *row;
	uint32_t i, prev = 0, n = 0;
	struct account_row *r = calloc(1, sizeof(*r));

	mib_table_clear(&mib_account_table);
	for (i = 0; i < 1000; i++)
		account(i * 2 + 2, "old", 1, 100); /* 2, 4 .. 2000 */
	mib_table_bulk_begin(&mib_account_table);
	/* 1500 odd ones and a few past the end, scrambled: more than 1/8, the merge */
	for (i = 0; i < 1500; i++)
		account((uint32_t)((i * 7919ULL) % 1500) * 2 + 1, "new", 1, 100);
	/* an index taken refused, in the table or waiting */
	ck_assert_int_eq(mib_table_add(&mib_account_table, 2000, r), -1);
	ck_assert_int_eq(mib_table_add(&mib_account_table, 2999, r), -1);
	ck_assert_int_eq(mib_table_bulk_end(&mib_account_table), 0);
	for (row = netsnmp_tdata_row_first(mib_account_table.tdata); row != NULL;
	    row = netsnmp_tdata_row_next(mib_account_table.tdata, row), n++) {
		ck_assert_uint_gt(row_index(row), prev);
		prev = row_index(row);
	}
	ck_assert_uint_eq(n, 2500);
	ck_assert_uint_eq(prev, 2999);
	/* a few go in one by one; a lookup meanwhile finds the waiting row */
	mib_table_bulk_begin(&mib_account_table);
	account(100000, "late", 1, 100);
	ck_assert_ptr_nonnull(mib_table_row(&mib_account_table, 100000));
	account(5000, "late", 1, 100);
	ck_assert_int_eq(mib_table_add(&mib_account_table, 100000, r), -1);
	ck_assert_int_eq(mib_table_bulk_end(&mib_account_table), 0);
	ck_assert_int_eq(netsnmp_tdata_row_count(mib_account_table.tdata), 2502);
	ck_assert_uint_eq(row_index(netsnmp_tdata_row_next(mib_account_table.tdata,
	    mib_table_row(&mib_account_table, 2999))), 5000);
	/* cleared while rows wait: none left, none leaked (ASan) */
	mib_table_bulk_begin(&mib_account_table);
	account(7777777, "gone", 1, 100);
	mib_table_clear(&mib_account_table);
	ck_assert_int_eq(mib_table_bulk_end(&mib_account_table), 0);
	ck_assert_int_eq(netsnmp_tdata_row_count(mib_account_table.tdata), 0);
	free(r);
}
END_TEST

/*
 * A batch's rows in bounded steps (mib_table_bulk_step, the daemon's loop):
 * a slice a step into a big table, the rest waiting, refused twice and
 * counted by the summary meanwhile; all in index order once done.
 */
START_TEST(bulk_steps_bounded)
{
	netsnmp_tdata_row *row;
	struct mib_summary sum;
	struct account_row *r = calloc(1, sizeof(*r));
	uint32_t i, prev = 0, n = 0;
	size_t in = 0, left, steps = 0;

	mib_table_clear(&mib_account_table);
	for (i = 0; i < 20000; i++)
		account(i * 2 + 2, "old", 1, 100); /* 2, 4 .. 40000 */
	mib_table_bulk_begin(&mib_account_table);
	for (i = 0; i < 3000; i++) /* odd ones, scrambled; 100 of them over their limit */
		account((uint32_t)((i * 7919ULL) % 3000) * 2 + 1, "new", i < 100 ? 101 : 1, 100);
	/* no time at all: one look at the clock's worth of rows goes in */
	left = mib_table_bulk_step(&mib_account_table, 0, &in);
	ck_assert_uint_eq(in, 32);
	ck_assert_uint_eq(left, 3000 - 32);
	ck_assert_uint_eq(mib_table_bulk_waiting(&mib_account_table), left);
	ck_assert_int_eq(netsnmp_tdata_row_count(mib_account_table.tdata), 20032);
	/* the rows waiting are counted, their indexes taken */
	mib_tables_summary(&sum);
	ck_assert_uint_eq(sum.accounts_over, 100);
	ck_assert_int_eq(mib_table_add(&mib_account_table, 5999, r), -1);
	/* adds between steps queue behind the rest */
	account(100001, "later", 500, 100);
	while ((left = mib_table_bulk_step(&mib_account_table, 1000, &in)) > 0) {
		ck_assert_uint_gt(in, 0);
		ck_assert_uint_lt(++steps, 3000);
	}
	ck_assert_uint_eq(mib_table_bulk_waiting(&mib_account_table), 0);
	ck_assert_int_eq(mib_table_add(&mib_account_table, 5999, r), -1);
	for (row = netsnmp_tdata_row_first(mib_account_table.tdata); row != NULL;
	    row = netsnmp_tdata_row_next(mib_account_table.tdata, row), n++) {
		ck_assert_uint_gt(row_index(row), prev);
		prev = row_index(row);
	}
	ck_assert_uint_eq(n, 23001);
	ck_assert_uint_eq(prev, 100001);
	mib_table_touch(&mib_account_table);
	mib_tables_summary(&sum);
	ck_assert_uint_eq(sum.accounts_over, 101);
	/* the bulk is over: an add goes straight in */
	account(100003, "direct", 1, 100);
	ck_assert_int_eq(netsnmp_tdata_row_count(mib_account_table.tdata), 23002);
	/* a small table takes its rows by one merge in one step */
	mib_table_clear(&mib_account_table);
	mib_table_bulk_begin(&mib_account_table);
	for (i = 0; i < 500; i++)
		account(1000 - i, "small", 1, 100);
	ck_assert_uint_eq(mib_table_bulk_step(&mib_account_table, 0, &in), 0);
	ck_assert_uint_eq(in, 500);
	ck_assert_int_eq(netsnmp_tdata_row_count(mib_account_table.tdata), 500);
	/* cleared with rows in and rows waiting: each freed once (ASan) */
	for (i = 0; i < 10000; i++)
		account(i * 2 + 2000, "old", 1, 100);
	mib_table_bulk_begin(&mib_account_table);
	for (i = 0; i < 2000; i++)
		account(i * 2 + 2001, "new", 1, 100);
	ck_assert_uint_gt(mib_table_bulk_step(&mib_account_table, 0, &in), 0);
	mib_table_clear(&mib_account_table);
	ck_assert_uint_eq(mib_table_bulk_waiting(&mib_account_table), 0);
	ck_assert_int_eq(netsnmp_tdata_row_count(mib_account_table.tdata), 0);
	free(r);
}
END_TEST

START_TEST(account_values_and_status)
{
	struct account_row *r;
	struct mib_value mv;

	mib_table_clear(&mib_account_table);
	r = account(9, "evil\r\nBcc: x@y", 150, 100);
	ck_assert_int_eq(mib_account_value(r, COL_ACC_NAME, &mv), 0);
	ck_assert_uint_eq(mv.len, 14);
	ck_assert_mem_eq(mv.v.s, "evil??Bcc: x@y", 14);
	ck_assert_int_eq(mib_account_value(r, COL_ACC_RELAYED_TODAY, &mv), 0);
	ck_assert_uint_eq(mv.type, ASN_GAUGE);
	ck_assert_int_eq(mv.v.i, 150);
	ck_assert_int_eq(mib_account_value(r, COL_ACC_STATUS, &mv), 0);
	ck_assert_int_eq(mv.v.i, 2);
	r->relayed_today = 100;
	ck_assert_int_eq(mib_account_value(r, COL_ACC_STATUS, &mv), 0);
	ck_assert_int_eq(mv.v.i, 1); /* exceeding means more than the limit */
	r->relayed_today = 1LL << 40;
	ck_assert_int_eq(mib_account_value(r, COL_ACC_RELAYED_TODAY, &mv), 0);
	ck_assert_int_eq(mv.v.i, 4294967295L); /* Gauge32 saturates */
	ck_assert_int_eq(mib_account_value(r, 1, &mv), -1); /* the index is not-accessible */
	ck_assert_int_eq(mib_account_value(r, COL_ACC_USUAL_STDDEV + 1, &mv), -1);
	mib_table_clear(&mib_account_table);
}
END_TEST

/* The usual volume columns and the unusual status (under the limit only). */
START_TEST(account_usual_and_unusual)
{
	struct account_row *r;
	struct mib_value mv;

	mib_table_clear(&mib_account_table);
	r = account(5, "quiet@corp.example", 80, 100);
	r->usual_mean = 5.2;
	r->usual_sd = 1.37;
	ck_assert_int_eq(mib_account_value(r, COL_ACC_USUAL_MEAN, &mv), 0);
	ck_assert_uint_eq(mv.type, ASN_INTEGER);
	ck_assert_int_eq(mv.v.i, 520);
	ck_assert_int_eq(mib_account_value(r, COL_ACC_USUAL_STDDEV, &mv), 0);
	ck_assert_int_eq(mv.v.i, 137);
	ck_assert_int_eq(mib_account_value(r, COL_ACC_STATUS, &mv), 0);
	ck_assert_int_eq(mv.v.i, ACC_OK);
	r->unusual = 1;
	ck_assert_int_eq(mib_account_value(r, COL_ACC_STATUS, &mv), 0);
	ck_assert_int_eq(mv.v.i, 3);
	r->relayed_today = 101; /* over the limit: exceeded says more */
	ck_assert_int_eq(mib_account_value(r, COL_ACC_STATUS, &mv), 0);
	ck_assert_int_eq(mv.v.i, 2);
	/* relaycount messages: the limit counts messages, not recipients */
	r->unusual = 0;
	r->count_messages = 1;
	r->msgs_today = 100;
	ck_assert_int_eq(mib_account_value(r, COL_ACC_STATUS, &mv), 0);
	ck_assert_int_eq(mv.v.i, 1);
	r->msgs_today = 101;
	ck_assert_int_eq(mib_account_value(r, COL_ACC_STATUS, &mv), 0);
	ck_assert_int_eq(mv.v.i, 2);
	mib_table_clear(&mib_account_table);
}
END_TEST

START_TEST(notification_varbinds_match_get)
{
	static const oid expect[] = { MTASTAT_OID_ROOT, 1, 3, 1, COL_ACC_RELAYED_TODAY, 42 };
	netsnmp_variable_list *vars = NULL;
	struct account_row *r;

	mib_table_clear(&mib_account_table);
	r = account(42, "spammer@example.test", 445, 100);
	ck_assert_int_eq(mib_table_varbind(&mib_account_table, r, 42, COL_ACC_RELAYED_TODAY, &vars), 0);
	ck_assert_uint_eq(vars->name_length, OID_LENGTH(expect));
	ck_assert_int_eq(snmp_oid_compare(vars->name, vars->name_length, expect, OID_LENGTH(expect)), 0);
	ck_assert_uint_eq(vars->type, ASN_GAUGE);
	ck_assert_uint_eq(*vars->val.integer, 445);
	snmp_free_varbind(vars);
	mib_table_clear(&mib_account_table);
}
END_TEST

START_TEST(indicator_fixed_point)
{
	struct indicator_row ir;
	struct mib_value mv;

	memset(&ir, 0, sizeof(ir));
	ir.def = &indicator_defs[IND_RECVD_W];
	/* an evaluation that had no event yet carries no def: the row's own answers */
	ir.st.def = NULL;
	ir.st.last.v = 2387;
	ir.st.last.mean = 3335.43;
	ir.st.last.sd = 319.29;
	ir.st.last.z = (2387 - 3335.43) / 319.29;
	ir.st.last.n = 15;
	ir.status = J_LOW;
	ck_assert_int_eq(mib_indicator_value(&ir, COL_IND_NAME, &mv), 0);
	ck_assert_mem_eq(mv.v.s, "SMTP_RECVD_MSGS_W", mv.len);
	ck_assert_int_eq(mib_indicator_value(&ir, COL_IND_MEAN, &mv), 0);
	ck_assert_int_eq(mv.v.i, 333543);
	ck_assert_int_eq(mib_indicator_value(&ir, COL_IND_STDDEV, &mv), 0);
	ck_assert_int_eq(mv.v.i, 31929);
	ck_assert_int_eq(mib_indicator_value(&ir, COL_IND_ZSCORE, &mv), 0);
	ck_assert_int_eq(mv.v.i, -297);
	ck_assert_int_eq(mib_indicator_value(&ir, COL_IND_LAST_DAY, &mv), 0);
	ck_assert_int_eq(mv.v.i, 2387);
	ck_assert_int_eq(mib_indicator_value(&ir, COL_IND_STATUS, &mv), 0);
	ck_assert_int_eq(mv.v.i, 3);
	ck_assert_int_eq(mib_indicator_value(&ir, COL_IND_SAMPLE_DAYS, &mv), 0);
	ck_assert_int_eq(mv.v.i, 15);
}
END_TEST

/* mtastatIndicatorDirection: the indicator's default until configured. */
START_TEST(indicator_direction)
{
	static const oid expect[] = { MTASTAT_OID_ROOT, 1, 2, 1, 11, 9 };
	netsnmp_variable_list *vars = NULL;
	struct indicator_row ir;
	struct mib_value mv;

	memset(&ir, 0, sizeof(ir));
	ir.def = &indicator_defs[IND_RECVD];
	ck_assert_int_eq(mib_indicator_value(&ir, COL_IND_DIRECTION, &mv), 0);
	ck_assert_uint_eq(mv.type, ASN_INTEGER);
	ck_assert_int_eq(mv.v.i, 3); /* both */
	ir.def = &indicator_defs[IND_REJECTED];
	ck_assert_int_eq(mib_indicator_value(&ir, COL_IND_DIRECTION, &mv), 0);
	ck_assert_int_eq(mv.v.i, 1); /* high */
	ir.direction = DIR_LOW;
	ck_assert_int_eq(mib_indicator_value(&ir, COL_IND_DIRECTION, &mv), 0);
	ck_assert_int_eq(mv.v.i, 2);
	ck_assert_int_eq(mib_indicator_value(&ir, COL_IND_JUDGED + 1, &mv), -1);
	ck_assert_int_eq(mib_table_varbind(&mib_indicator_table, &ir, 9, COL_IND_DIRECTION, &vars), 0);
	ck_assert_int_eq(snmp_oid_compare(vars->name, vars->name_length, expect, OID_LENGTH(expect)), 0);
	ck_assert_int_eq(*vars->val.integer, 2);
	snmp_free_varbind(vars);
}
END_TEST

/* mtastatAccountIndex comes from the name: FNV-1a 32, top bit cleared. */
START_TEST(account_index_from_name)
{
	ck_assert_uint_eq(mib_account_index("a"), 1678518572U);
	ck_assert_uint_eq(mib_account_index(""), 18652613U);
	ck_assert_uint_eq(mib_account_index("spammer@example.test"), 1522247600U);
	ck_assert_uint_eq(mib_account_index("spammer@example.test"),
	    mib_account_index("spammer@example.test"));
	ck_assert_uint_ne(mib_account_index("alice@example.test"),
	    mib_account_index("spammer@example.test"));
	ck_assert_uint_le(mib_account_index("\xff\xfe any bytes"), MIB_ACCOUNT_INDEX_MAX);
	ck_assert_uint_eq(mib_account_probe(7), 8);
	ck_assert_uint_eq(mib_account_probe(MIB_ACCOUNT_INDEX_MAX), 1);
}
END_TEST

/* mtastatIndicatorJudged: false only while there is not enough history. */
START_TEST(indicator_judged)
{
	static const enum judgement all[] = { J_NORMAL, J_HIGH, J_LOW, J_INSUFFICIENT };
	static const long judged[] = { MIB_TRUE, MIB_TRUE, MIB_TRUE, MIB_FALSE };
	struct indicator_row ir;
	struct mib_value mv;
	size_t i;

	memset(&ir, 0, sizeof(ir));
	ir.def = &indicator_defs[IND_RELAY];
	for (i = 0; i < 4; i++) {
		ir.status = all[i];
		ck_assert_int_eq(mib_indicator_value(&ir, COL_IND_JUDGED, &mv), 0);
		ck_assert_uint_eq(mv.type, ASN_INTEGER);
		ck_assert_int_eq(mv.v.i, judged[i]);
	}
}
END_TEST

/* mtastatAlarmTimeUnix is mtastatAlarmTime in seconds. */
START_TEST(alarm_time_unix)
{
	struct alarm a;
	struct mib_value mv;

	setenv("TZ", "UTC", 1);
	tzset();
	memset(&a, 0, sizeof(a));
	a.time = 1795372267; /* 2026-11-22 18:31:07 as logged */
	ck_assert_int_eq(mib_alarm_value(&a, COL_ALARM_TIME_UNIX, &mv), 0);
	ck_assert_uint_eq(mv.type, ASN_UNSIGNED);
	ck_assert_int_eq(mv.v.i, 1795372267L);
	ck_assert_int_eq(mib_alarm_value(&a, COL_ALARM_TIME, &mv), 0);
	ck_assert_uint_eq(mv.v.s[0] * 256 + mv.v.s[1], 2026);
	ck_assert_uint_eq(mv.v.s[4], 18);
	a.time = 0;
	ck_assert_int_eq(mib_alarm_value(&a, COL_ALARM_TIME_UNIX, &mv), 0);
	ck_assert_int_eq(mv.v.i, 0);
}
END_TEST

static struct indicator_row *
indicator(uint32_t index, int ind, enum judgement status)
{
	struct indicator_row *ir = calloc(1, sizeof(*ir));

	ir->def = &indicator_defs[ind];
	ir->status = status;
	ck_assert_int_eq(mib_table_add(&mib_indicator_table, index, ir), 0);
	return ir;
}

/* The summary scalars count the rows; the newest alarm row is the last one. */
START_TEST(summary_counts_rows)
{
	static const oid name_oid[] = { MTASTAT_OID_ROOT, 1, 2, 1, COL_IND_NAME, 3 };
	struct mib_summary sum;
	struct account_row *r;
	struct alarm *a1 = calloc(1, sizeof(*a1)), *a2 = calloc(1, sizeof(*a2));
	const struct indicator_row *found;
	uint32_t index = 0;

	mib_table_clear(&mib_account_table);
	mib_table_clear(&mib_indicator_table);
	mib_table_clear(&mib_alarm_table);
	mib_tables_summary(&sum);
	ck_assert_uint_eq(sum.accounts_over + sum.accounts_unusual + sum.indicators_out, 0);
	ck_assert_ptr_null(sum.last);

	account(1, "over@example.test", 445, 100);
	account(2, "ok@example.test", 5, 100);
	r = account(3, "odd@example.test", 60, 100);
	r->unusual = 1;
	account(4, "over2@example.test", 101, 100);
	indicator(1, IND_RECVD, J_NORMAL);
	indicator(2, IND_SENT, J_INSUFFICIENT);
	indicator(3, IND_RELAY, J_HIGH);
	indicator(4, IND_REJECTED, J_LOW);
	a1->time = 100;
	snprintf(a1->text, sizeof(a1->text), "older");
	a2->time = 200;
	snprintf(a2->text, sizeof(a2->text), "newest");
	ck_assert_int_eq(mib_table_add(&mib_alarm_table, 9, a2), 0);
	ck_assert_int_eq(mib_table_add(&mib_alarm_table, 5, a1), 0);
	mib_tables_summary(&sum);
	ck_assert_uint_eq(sum.accounts_over, 2);
	ck_assert_uint_eq(sum.accounts_unusual, 1);
	ck_assert_uint_eq(sum.indicators_out, 2);
	ck_assert_ptr_nonnull(sum.last);
	ck_assert_str_eq(sum.last->text, "newest");
	/* counts are kept between requests, made again once the model touches the rows */
	r->relayed_today = 500;
	mib_table_touch(&mib_account_table);
	mib_tables_summary(&sum);
	ck_assert_uint_eq(sum.accounts_over, 3);
	ck_assert_uint_eq(sum.accounts_unusual, 0);
	r->relayed_today = 60;
	mib_table_touch(&mib_account_table);
	mib_tables_summary(&sum);
	ck_assert_uint_eq(sum.accounts_over, 2);
	ck_assert_uint_eq(sum.accounts_unusual, 1);

	/* an indicator notification finds its row by the alarm's subject */
	found = mib_indicator_find(indicator_defs[IND_RELAY].name, &index);
	ck_assert_ptr_nonnull(found);
	ck_assert_uint_eq(index, 3);
	ck_assert_ptr_null(mib_indicator_find("NO_SUCH_INDICATOR", &index));
	{
		netsnmp_variable_list *vars = NULL;
		ck_assert_int_eq(mib_table_varbind(&mib_indicator_table, found, index, COL_IND_NAME,
		    &vars), 0);
		ck_assert_int_eq(snmp_oid_compare(vars->name, vars->name_length, name_oid,
		    OID_LENGTH(name_oid)), 0);
		snmp_free_varbind(vars);
	}
	mib_table_clear(&mib_account_table);
	mib_table_clear(&mib_indicator_table);
	mib_table_clear(&mib_alarm_table);
}
END_TEST

/* The value of the varbind named oid[0..len) in vars, or NULL. */
static const netsnmp_variable_list *
varbind_find(const netsnmp_variable_list *vars, const oid *name, size_t len)
{
	for (; vars != NULL; vars = vars->next_variable)
		if (snmp_oid_compare(vars->name, vars->name_length, name, len) == 0)
			return vars;
	return NULL;
}

/*
 * mtastatIndicatorAnomaly and mtastatIndicatorNormal carry the indicator's
 * own row (name, status at its index) after the alarm's objects, so a trap
 * receiver can pair them; built by notify_alarm() from the value functions.
 */
START_TEST(indicator_notifications_carry_the_row)
{
	static const oid trap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };
	static const oid anomaly[] = { MTASTAT_OID_NOTIFICATIONS, AK_ANOMALY };
	static const oid normal[] = { MTASTAT_OID_NOTIFICATIONS, AK_NORMAL };
	static const oid name3[] = { MTASTAT_OID_ROOT, 1, 2, 1, COL_IND_NAME, 3 };
	static const oid status3[] = { MTASTAT_OID_ROOT, 1, 2, 1, COL_IND_STATUS, 3 };
	static const oid subject7[] = { MTASTAT_OID_ROOT, 1, 4, 1, COL_ALARM_SUBJECT, 7 };
	struct notify_queue q;
	struct indicator_row *ir;
	const netsnmp_variable_list *vb, *vars;
	struct alarm a;

	mib_table_clear(&mib_indicator_table);
	indicator(1, IND_RECVD, J_NORMAL);
	ir = indicator(3, IND_RELAY, J_HIGH);
	ck_assert_int_eq(notify_queue_init(&q, 10), 0); /* no master: notifications wait */
	memset(&a, 0, sizeof(a));
	a.id = 7;
	a.kind = AK_ANOMALY;
	snprintf(a.subject, sizeof(a.subject), "%s", indicator_defs[IND_RELAY].name);
	snprintf(a.text, sizeof(a.text), "SMTP_RELAY_MSGS deviation beyond limit");
	ck_assert_int_eq(notify_alarm(&q, &a, NULL, NULL, 0), 0);
	ir->status = J_NORMAL;
	a.id = 8;
	a.kind = AK_NORMAL;
	ck_assert_int_eq(notify_alarm(&q, &a, NULL, NULL, 0), 0);
	ck_assert_uint_eq(q.n, 2);

	vars = q.ring[q.head].vars;
	vb = varbind_find(vars, trap_oid, OID_LENGTH(trap_oid));
	ck_assert_ptr_nonnull(vb);
	ck_assert_int_eq(snmp_oid_compare(vb->val.objid, vb->val_len / sizeof(oid), anomaly,
	    OID_LENGTH(anomaly)), 0);
	ck_assert_ptr_nonnull(varbind_find(vars, subject7, OID_LENGTH(subject7)));
	vb = varbind_find(vars, name3, OID_LENGTH(name3));
	ck_assert_ptr_nonnull(vb);
	ck_assert_mem_eq(vb->val.string, "SMTP_RELAY_MSGS", vb->val_len);
	vb = varbind_find(vars, status3, OID_LENGTH(status3));
	ck_assert_ptr_nonnull(vb);
	ck_assert_int_eq(*vb->val.integer, J_HIGH);

	vars = q.ring[(q.head + 1) % q.cap].vars;
	vb = varbind_find(vars, trap_oid, OID_LENGTH(trap_oid));
	ck_assert_int_eq(snmp_oid_compare(vb->val.objid, vb->val_len / sizeof(oid), normal,
	    OID_LENGTH(normal)), 0);
	vb = varbind_find(vars, status3, OID_LENGTH(status3));
	ck_assert_ptr_nonnull(vb); /* the same index closes what the anomaly opened */
	ck_assert_int_eq(*vb->val.integer, J_NORMAL);
	notify_queue_free(&q);
	mib_table_clear(&mib_indicator_table);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("mib_tables");
	TCase *tc = tcase_create("tables");
	SRunner *sr;
	int failed;

	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, rows_in_index_order);
	tcase_add_test(tc, a_hundred_thousand_accounts);
	tcase_add_test(tc, bulk_adds_in_order_and_unique);
	tcase_add_test(tc, bulk_steps_bounded);
	tcase_add_test(tc, account_values_and_status);
	tcase_add_test(tc, notification_varbinds_match_get);
	tcase_add_test(tc, indicator_fixed_point);
	tcase_add_test(tc, account_usual_and_unusual);
	tcase_add_test(tc, indicator_direction);
	tcase_add_test(tc, account_index_from_name);
	tcase_add_test(tc, indicator_judged);
	tcase_add_test(tc, alarm_time_unix);
	tcase_add_test(tc, summary_counts_rows);
	tcase_add_test(tc, indicator_notifications_carry_the_row);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK); /* one agent context for all tests */
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
