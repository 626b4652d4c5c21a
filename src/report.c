/* `mtastat report`: pflogsumm-style text, or JSON for machines. */
#include "config.h"

#include <string.h>

#include "aggregate.h"
#include "civil.h"
#include "event.h"
#include "health.h"
#include "log.h"
#include "report.h"
#include "sanitize.h"

#define COUNTER_COLUMNS "received, delivered, relayed, deferred, deferrals, bounced," \
	" expired, rejected, auth_failed, notifications, bytes_received, bytes_delivered"

static sqlite3_stmt *
prepare(struct store *s, const char *q, const struct report_opts *o)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) != SQLITE_OK) {
		log_err("report", "%s: %s", s->path, sqlite3_errmsg(s->db));
		return NULL;
	}
	sqlite3_bind_int(st, 1, o->from);
	sqlite3_bind_int(st, 2, o->to);
	return st;
}

/* A query's rows are read: a read error is logged once, with the database. */
static int
finish(struct store *s, sqlite3_stmt *st, int rc)
{
	int ok = rc == SQLITE_DONE || rc == SQLITE_ROW;

	if (!ok)
		log_err("report", "%s: %s", s->path, sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

/* The first and last day the history holds in [from, to]: 1, 0 when none, -1 on error. */
static int
span(struct store *s, const struct report_opts *o, int32_t *first, int32_t *last)
{
	sqlite3_stmt *st = prepare(s, "SELECT min(day), max(day) FROM daily"
	    " WHERE day BETWEEN ?1 AND ?2", o);
	int rc, found = 0;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*first = sqlite3_column_int(st, 0);
		*last = sqlite3_column_int(st, 1);
		found = 1;
	}
	return finish(s, st, rc) != 0 ? -1 : found;
}

void
report_json_string(FILE *f, const char *s, int len)
{
	size_t i = 0, n = len > 0 ? (size_t)len : 0, k;
	unsigned long cp = 0;

	fputc('"', f);
	while (i < n) {
		k = sanitize_utf8(s + i, n - i, &cp);
		if (k == 0) {
			/* not UTF-8, which JSON cannot carry: shown as in the text report */
			fprintf(f, "\\\\x%02x", (unsigned char)s[i]);
			k = 1;
		} else if (cp == '"' || cp == '\\') {
			fprintf(f, "\\%c", (int)cp);
		} else if (sanitize_is_control(cp) || cp == 0x2028 || cp == 0x2029) {
			/* line separators too: JavaScript strings cannot hold them raw */
			fprintf(f, "\\u%04lx", cp);
		} else {
			fwrite(s + i, 1, k, f);
		}
		i += k;
	}
	fputc('"', f);
}

/*
 * The day's diagnostics (sessions_incomplete_<how>, ipblock_<code>,
 * antispam_<action>: docs/counting.md) as more keys of its object; a day
 * without any has none of them (absent means 0).
 */
static int
json_day_counters(struct store *s, int day, FILE *f)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT name, value FROM day_counter WHERE day = ?"
		" ORDER BY name", -1, &st, NULL) != SQLITE_OK) {
		log_err("report", "%s: %s", s->path, sqlite3_errmsg(s->db));
		return -1;
	}
	sqlite3_bind_int(st, 1, day);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fputs(", ", f);
		report_json_string(f, (const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_bytes(st, 0));
		fprintf(f, ": %lld", (long long)sqlite3_column_int64(st, 1));
	}
	return finish(s, st, rc);
}

static int
json_days(struct store *s, const struct report_opts *o, FILE *f)
{
	sqlite3_stmt *st = prepare(s, "SELECT day, " COUNTER_COLUMNS " FROM daily"
	    " WHERE day BETWEEN ?1 AND ?2 ORDER BY day", o);
	char date[16];
	int k, first = 1, rc;

	if (st == NULL)
		return -1;
	fputs("\"days\": {", f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		civil_format(sqlite3_column_int(st, 0), date);
		fprintf(f, "%s\n  \"%s\": {", first ? "" : ",", date);
		for (k = 0; k < C_COUNT; k++)
			fprintf(f, "%s\"%s\": %lld", k ? ", " : "", counter_names[k],
			    (long long)sqlite3_column_int64(st, 1 + k));
		if (json_day_counters(s, sqlite3_column_int(st, 0), f) != 0) {
			sqlite3_finalize(st);
			return -1;
		}
		fputc('}', f);
		first = 0;
	}
	fputs(first ? "}" : "\n}", f);
	return finish(s, st, rc);
}

/* "range": the first and last day reported, null and null when there is none. */
static int
json_range(struct store *s, const struct report_opts *o, FILE *f)
{
	char a[16], b[16];
	int32_t first, last;
	int found = span(s, o, &first, &last);

	if (found < 0)
		return -1;
	if (found == 0) {
		fputs("{\"range\": {\"from\": null, \"to\": null},\n", f);
		return 0;
	}
	civil_format(first, a);
	civil_format(last, b);
	fprintf(f, "{\"range\": {\"from\": \"%s\", \"to\": \"%s\"},\n", a, b);
	return 0;
}

static int
json_accounts(struct store *s, const struct report_opts *o, FILE *f)
{
	sqlite3_stmt *st = prepare(s, "SELECT d.day, a.name, d.relayed, d.relayed_messages"
	    " FROM account_daily d JOIN accounts a ON a.id = d.account_id"
	    " WHERE d.day BETWEEN ?1 AND ?2 AND d.relayed > 0 ORDER BY d.day, a.name", o);
	char date[16];
	int day = -1, first = 1, rc;

	if (st == NULL)
		return -1;
	fputs(",\n\"accounts\": {", f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int(st, 0) != day) {
			day = sqlite3_column_int(st, 0);
			civil_format(day, date);
			fprintf(f, "%s\n  \"%s\": {", first ? "" : "},", date);
			first = 1;
		}
		fprintf(f, "%s\n    ", first ? "" : ",");
		report_json_string(f, (const char *)sqlite3_column_text(st, 1),
		    sqlite3_column_bytes(st, 1));
		fprintf(f, ": {\"relayed\": %lld, \"relayed_messages\": %lld}",
		    (long long)sqlite3_column_int64(st, 2), (long long)sqlite3_column_int64(st, 3));
		first = 0;
	}
	fputs(day < 0 ? "}" : "}\n}", f);
	return finish(s, st, rc);
}

/* The range's replies, most frequent first: (code, enh, n, example) of direction dir. */
static sqlite3_stmt *
replies_query(struct store *s, const struct report_opts *o, const char *dir)
{
	/* the example of the range's first day that has one: stable as days are added */
	sqlite3_stmt *st = prepare(s, "SELECT code, enh, sum(n) c, (SELECT example FROM reply_daily r2"
	    " WHERE r2.dir = r.dir AND r2.code = r.code AND r2.enh = r.enh AND r2.day BETWEEN ?1 AND ?2"
	    " AND example IS NOT NULL ORDER BY day LIMIT 1) FROM reply_daily r"
	    " WHERE day BETWEEN ?1 AND ?2 AND dir = ?4 GROUP BY code, enh ORDER BY c DESC, code, enh"
	    " LIMIT ?3", o);

	if (st != NULL) {
		sqlite3_bind_int(st, 3, o->top);
		sqlite3_bind_text(st, 4, dir, -1, SQLITE_STATIC);
	}
	return st;
}

static sqlite3_stmt *
causes_query(struct store *s, const struct report_opts *o)
{
	return prepare(s, "SELECT substr(name, 21), sum(value) c FROM day_counter"
	    " WHERE day BETWEEN ?1 AND ?2 AND substr(name, 1, 20) = 'sessions_incomplete_'"
	    " GROUP BY name ORDER BY c DESC, name", o);
}

static int
json_replies(struct store *s, const struct report_opts *o, const char *dir, FILE *f)
{
	sqlite3_stmt *st = replies_query(s, o, dir);
	int rc, first = 1;

	if (st == NULL)
		return -1;
	fprintf(f, "\"%s\": [", dir);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fprintf(f, "%s\n    {\"code\": %d, \"enhanced\": ", first ? "" : ",",
		    sqlite3_column_int(st, 0));
		report_json_string(f, (const char *)sqlite3_column_text(st, 1), sqlite3_column_bytes(st, 1));
		fprintf(f, ", \"count\": %lld, \"example\": ", (long long)sqlite3_column_int64(st, 2));
		if (sqlite3_column_type(st, 3) == SQLITE_NULL)
			fputs("null", f);
		else
			report_json_string(f, (const char *)sqlite3_column_text(st, 3),
			    sqlite3_column_bytes(st, 3));
		fputc('}', f);
		first = 0;
	}
	fputs("]", f);
	return finish(s, st, rc);
}

static int
json_causes(struct store *s, const struct report_opts *o, FILE *f)
{
	sqlite3_stmt *st = causes_query(s, o);
	int rc, first = 1;

	if (st == NULL)
		return -1;
	fputs("\"broken_sessions\": {", f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fputs(first ? "" : ", ", f);
		report_json_string(f, (const char *)sqlite3_column_text(st, 0), sqlite3_column_bytes(st, 0));
		fprintf(f, ": %lld", (long long)sqlite3_column_int64(st, 1));
		first = 0;
	}
	fputs("}", f);
	return finish(s, st, rc);
}

/*
 * "health": the range's replies by direction (top N), broken sessions by
 * cause, TLS and delivery delays (docs/counting.md).
 */
static int
json_health(struct store *s, const struct report_opts *o, FILE *f)
{
	struct health_sum h;
	int share;

	if (health_sum(s, o->from, o->to, &h) != 0)
		return -1;
	fputs(",\n\"health\": {\"replies\": {", f);
	if (json_replies(s, o, "in", f) != 0)
		return -1;
	fputs(",\n    ", f);
	if (json_replies(s, o, "out", f) != 0)
		return -1;
	fprintf(f, "},\n  \"broken_total\": %lld, ", (long long)h.broken);
	if (json_causes(s, o, f) != 0)
		return -1;
	share = health_plain_share(&h.tls);
	fprintf(f, ",\n  \"tls\": {\"in_tls\": %lld, \"in_plain\": %lld, \"out_tls\": %lld,"
	    " \"out_plain\": %lld, \"plain_share_pct\": ", (long long)h.tls.in_tls,
	    (long long)h.tls.in_plain, (long long)h.tls.out_tls, (long long)h.tls.out_plain);
	if (share < 0)
		fputs("null}", f);
	else
		fprintf(f, "%d}", share);
	fprintf(f, ",\n  \"delay_ms\": {\"count\": %lld, \"p50\": %u, \"p95\": %u, \"p99\": %u,"
	    " \"max\": %u, \"mean\": %u}", (long long)h.delay.n, h.delay.p50, h.delay.p95,
	    h.delay.p99, h.delay.max, h.delay.mean);
	fputs("}", f);
	return 0;
}

/* A delay in ms as a person reads it: "850ms", "12.3s", "4m05s", "3h12m", "2d04h". */
static void
human_delay(uint32_t ms, char *buf, size_t len)
{
	uint32_t s = ms / 1000;

	if (ms < 1000)
		snprintf(buf, len, "%ums", ms);
	else if (s < 60)
		snprintf(buf, len, "%u.%us", s, ms % 1000 / 100);
	else if (s < 3600)
		snprintf(buf, len, "%um%02us", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%uh%02um", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%ud%02uh", s / 86400, s % 86400 / 3600);
}

static int
text_replies(struct store *s, const struct report_opts *o, FILE *f, const char *dir,
    const char *title)
{
	sqlite3_stmt *st = replies_query(s, o, dir);
	char ex[SANITIZE_ESCAPED_MAX(AGG_NOTE_MAX)];
	int rc, rows = 0;

	if (st == NULL)
		return -1;
	fprintf(f, "\n%s\n%.*s\n      count  code  enhanced   example\n", title, (int)strlen(title),
	    "--------------------------------------------------------------------------------");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sanitize_escape(ex, sizeof(ex), (const char *)sqlite3_column_text(st, 3),
		    (size_t)sqlite3_column_bytes(st, 3));
		fprintf(f, "  %9lld   %3d  %-9.9s  %.60s\n", (long long)sqlite3_column_int64(st, 2),
		    sqlite3_column_int(st, 0), (const char *)sqlite3_column_text(st, 1), ex);
		rows++;
	}
	if (rows == 0)
		fprintf(f, "  none\n");
	return finish(s, st, rc);
}

static int
text_causes(struct store *s, const struct report_opts *o, FILE *f, int64_t total)
{
	sqlite3_stmt *st = causes_query(s, o);
	int rc;

	if (st == NULL)
		return -1;
	fprintf(f, "\nBroken sessions by cause\n------------------------\n  %9lld   all\n",
	    (long long)total);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fprintf(f, "  %9lld   %.40s\n", (long long)sqlite3_column_int64(st, 1),
		    (const char *)sqlite3_column_text(st, 0));
	return finish(s, st, rc);
}

static void
text_share(FILE *f, const char *what, int64_t tls, int64_t plain)
{
	int64_t all = tls + plain;

	if (all == 0)
		fprintf(f, "  %-8s  no session\n", what);
	else
		fprintf(f, "  %-8s %9lld sessions, %lld with TLS, %lld without (%lld%%)\n", what,
		    (long long)all, (long long)tls, (long long)plain, (long long)((plain * 100 + all / 2) / all));
}

/* Mail-flow health: replies, broken sessions, TLS, delays (docs/counting.md). */
static int
text_health(struct store *s, const struct report_opts *o, FILE *f)
{
	struct health_sum h;
	char a[32], b[32], c[32], d[32], e[32];

	if (health_sum(s, o->from, o->to, &h) != 0 ||
	    text_replies(s, o, f, "in", "SMTP replies we gave (in), by count") != 0 ||
	    text_replies(s, o, f, "out", "SMTP replies servers gave us (out), by count") != 0 ||
	    text_causes(s, o, f, h.broken) != 0)
		return -1;
	fprintf(f, "\nTLS\n---\n");
	text_share(f, "in", h.tls.in_tls, h.tls.in_plain);
	text_share(f, "out", h.tls.out_tls, h.tls.out_plain);
	fprintf(f, "\nDelivery delay\n--------------\n");
	if (h.delay.n == 0) {
		fprintf(f, "  no delivery with a known delay\n");
	} else {
		human_delay(h.delay.p50, a, sizeof(a));
		human_delay(h.delay.p95, b, sizeof(b));
		human_delay(h.delay.p99, c, sizeof(c));
		human_delay(h.delay.max, d, sizeof(d));
		human_delay(h.delay.mean, e, sizeof(e));
		fprintf(f, "  %9lld   deliveries\n  p50 %s  p95 %s  p99 %s  max %s  mean %s\n",
		    (long long)h.delay.n, a, b, c, d, e);
	}
	return 0;
}

static void
human_bytes(long long b, char *buf, size_t len)
{
	if (b >= 10LL * 1024 * 1024 * 1024)
		snprintf(buf, len, "%lldG", b / (1024LL * 1024 * 1024));
	else if (b >= 10LL * 1024 * 1024)
		snprintf(buf, len, "%lldm", b / (1024LL * 1024));
	else if (b >= 10LL * 1024)
		snprintf(buf, len, "%lldk", b / 1024);
	else
		snprintf(buf, len, "%lld", b);
}

/* Grand totals of [first, last], the days the history holds in the range. */
static int
text_totals(struct store *s, const struct report_opts *o, FILE *f, int32_t first, int32_t last)
{
	static const char *const labels[C_COUNT] = {
		"received", "delivered", "relayed", "deferred", "deferrals", "bounced",
		"expired", "rejected", "auth failed", "notifications", "bytes received",
		"bytes delivered",
	};
	sqlite3_stmt *st = prepare(s, "SELECT sum(received), sum(delivered), sum(relayed),"
	    " sum(deferred), sum(deferrals), sum(bounced), sum(expired), sum(rejected),"
	    " sum(auth_failed), sum(notifications), sum(bytes_received), sum(bytes_delivered)"
	    " FROM daily WHERE day BETWEEN ?1 AND ?2", o);
	char from[16], to[16], hb[32];
	int k, rc;

	if (st == NULL)
		return -1;
	civil_format(first, from);
	civil_format(last, to);
	fprintf(f, "mtastat report %s .. %s\n\nGrand Totals\n------------\nmessages\n\n", from, to);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		for (k = 0; k < C_COUNT; k++) {
			long long v = sqlite3_column_int64(st, k);
			if (k >= C_BYTES_RECEIVED) {
				human_bytes(v, hb, sizeof(hb));
				fprintf(f, "  %9s   %s\n", hb, labels[k]);
			} else {
				fprintf(f, "  %9lld   %s\n", v, labels[k]);
			}
		}
	return finish(s, st, rc);
}

/* No day to report: say whether the whole history is empty or only the range. */
static int
text_nothing(struct store *s, const struct report_opts *o, FILE *f)
{
	const struct report_opts all = { REPORT_OPEN_FROM, REPORT_OPEN_TO, 0, 0 };
	char from[16], to[16];
	int32_t first, last;
	int found = span(s, &all, &first, &last);

	if (found < 0)
		return -1;
	if (found == 0) {
		fprintf(f, "mtastat report: the history is empty\n");
		return 0;
	}
	civil_format(o->from, from);
	civil_format(o->to, to);
	if (o->from == REPORT_OPEN_FROM)
		fprintf(f, "mtastat report: no day until %s in the history\n", to);
	else if (o->to == REPORT_OPEN_TO)
		fprintf(f, "mtastat report: no day from %s on in the history\n", from);
	else if (o->from == o->to)
		fprintf(f, "mtastat report: %s is not in the history\n", from);
	else
		fprintf(f, "mtastat report: no day from %s to %s in the history\n", from, to);
	civil_format(first, from);
	civil_format(last, to);
	fprintf(f, "(it holds %s .. %s)\n", from, to);
	return 0;
}

static int
text_per_day(struct store *s, const struct report_opts *o, FILE *f)
{
	sqlite3_stmt *st = prepare(s, "SELECT day, received, delivered, relayed, deferred,"
	    " bounced, rejected, auth_failed FROM daily WHERE day BETWEEN ?1 AND ?2 ORDER BY day", o);
	char date[16];
	int rc;

	if (st == NULL)
		return -1;
	fprintf(f, "\nPer-Day Traffic Summary\n"
	    "    date        received  delivered    relayed   deferred    bounced   rejected  authfail\n"
	    "    -------------------------------------------------------------------------------------\n");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		civil_format(sqlite3_column_int(st, 0), date);
		fprintf(f, "    %s %9lld %10lld %10lld %10lld %10lld %10lld %9lld\n", date,
		    (long long)sqlite3_column_int64(st, 1), (long long)sqlite3_column_int64(st, 2),
		    (long long)sqlite3_column_int64(st, 3), (long long)sqlite3_column_int64(st, 4),
		    (long long)sqlite3_column_int64(st, 5), (long long)sqlite3_column_int64(st, 6),
		    (long long)sqlite3_column_int64(st, 7));
	}
	return finish(s, st, rc);
}

/* A "top N" list: query returns (name, n[, m]) ordered. */
static int
text_top(struct store *s, const struct report_opts *o, FILE *f, const char *title,
    const char *q, const char *cols)
{
	sqlite3_stmt *st = prepare(s, q, o);
	char name[SANITIZE_ESCAPED_MAX(AGG_NAME_MAX)];
	int rows = 0, rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 3, o->top);
	fprintf(f, "\n%s\n", title);
	fprintf(f, "%.*s\n", (int)strlen(title), "--------------------------------------------------------------------------------");
	fprintf(f, "%s\n", cols);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		/* names are stored with their length: a NUL inside is shown, not a cut */
		sanitize_escape(name, sizeof(name), (const char *)sqlite3_column_text(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0));
		if (sqlite3_column_count(st) > 2)
			fprintf(f, "  %9lld %9lld   %s\n", (long long)sqlite3_column_int64(st, 1),
			    (long long)sqlite3_column_int64(st, 2), name);
		else
			fprintf(f, "  %9lld   %s\n", (long long)sqlite3_column_int64(st, 1), name);
		rows++;
	}
	if (rows == 0)
		fprintf(f, "  none\n");
	return finish(s, st, rc);
}

/*
 * Verdicts and blocks (antispam_<action>, ipblock_<code>), only when the
 * history has some; broken sessions have their own section (text_health).
 */
static int
text_day_counters(struct store *s, const struct report_opts *o, FILE *f)
{
	sqlite3_stmt *st = prepare(s, "SELECT name, sum(value) FROM day_counter"
	    " WHERE day BETWEEN ?1 AND ?2 AND substr(name, 1, 20) <> 'sessions_incomplete_'"
	    " GROUP BY name ORDER BY name", o);
	int rows = 0, rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (rows++ == 0)
			fprintf(f, "\nVerdicts and blocks\n-------------------\n");
		fprintf(f, "  %9lld   %.*s\n", (long long)sqlite3_column_int64(st, 1),
		    sqlite3_column_bytes(st, 0) > 64 ? 64 : sqlite3_column_bytes(st, 0),
		    (const char *)sqlite3_column_text(st, 0));
	}
	return finish(s, st, rc);
}

static int
text_report(struct store *s, const struct report_opts *o, FILE *f)
{
	int32_t first, last;
	int found = span(s, o, &first, &last);

	if (found <= 0)
		return found < 0 ? -1 : text_nothing(s, o, f);
	if (text_totals(s, o, f, first, last) != 0 || text_per_day(s, o, f) != 0 ||
	    text_day_counters(s, o, f) != 0 || text_health(s, o, f) != 0)
		return -1;
	if (text_top(s, o, f, "Senders by message count",
		"SELECT sender, sum(messages) n, sum(bytes) FROM sender_daily WHERE day BETWEEN ?1 AND ?2"
		" GROUP BY sender ORDER BY n DESC, sender LIMIT ?3", "       msgs     bytes   sender") ||
	    text_top(s, o, f, "Recipients by delivery count",
		"SELECT rcpt, sum(delivered) n, sum(relayed) FROM rcpt_daily WHERE day BETWEEN ?1 AND ?2"
		" GROUP BY rcpt ORDER BY n DESC, rcpt LIMIT ?3", "  delivered   relayed   recipient") ||
	    text_top(s, o, f, "Recipient domains by delivery count",
		"SELECT domain, sum(delivered) n, sum(relayed) FROM domain_daily"
		" WHERE day BETWEEN ?1 AND ?2 GROUP BY domain ORDER BY n DESC, domain LIMIT ?3",
		"  delivered   relayed   domain") ||
	    text_top(s, o, f, "Per-account relays (SASL user, else envelope sender)",
		"SELECT a.name, sum(d.relayed) n, sum(d.relayed_messages) FROM account_daily d"
		" JOIN accounts a ON a.id = d.account_id WHERE d.day BETWEEN ?1 AND ?2"
		" GROUP BY a.id ORDER BY n DESC, a.name LIMIT ?3", "     relayed     msgs   account") ||
	    report_queue_text(s, o, f) != 0)
		return -1;
	return 0;
}

int
report_print(struct store *s, const struct report_opts *o, FILE *f)
{
	if (o->json) {
		if (json_range(s, o, f) != 0 || json_days(s, o, f) != 0 ||
		    json_health(s, o, f) != 0 || json_accounts(s, o, f) != 0 ||
		    report_queue_json(s, o, f) != 0)
			return -1;
		fputs("}\n", f);
		return 0;
	}
	return text_report(s, o, f);
}
