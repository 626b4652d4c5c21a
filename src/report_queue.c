/* `mtastat report`: the queue's high-water mark over the days reported. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "queue.h"
#include "report.h"

struct queue_high {
	int64_t samples;
	int64_t messages, time;     /* the high-water mark and the first sample at it */
	int64_t bytes;              /* -1: unknown (exim -bpc) */
	int64_t oldest_age;         /* the largest seen, -1 unknown */
	int64_t max[QN_COUNT];      /* per queue; -1 unknown (not Postfix) */
};

static int64_t
col_or_unknown(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, col);
}

/* 1 and h filled when samples exist in [from, to], 0 when none, -1 on error. */
static int
queue_high(struct store *s, const struct report_opts *o, struct queue_high *h)
{
	sqlite3_stmt *st;
	int rc, q, found = 0;

	memset(h, 0, sizeof(*h));
	/* the mark's row: the most messages, the earliest of equals */
	if (sqlite3_prepare_v2(s->db, "SELECT (SELECT sum(samples) FROM queue_sample"
		" WHERE day BETWEEN ?1 AND ?2), messages, time, bytes,"
		" (SELECT max(oldest_age) FROM queue_sample WHERE day BETWEEN ?1 AND ?2),"
		" (SELECT max(active) FROM queue_sample WHERE day BETWEEN ?1 AND ?2),"
		" (SELECT max(deferred) FROM queue_sample WHERE day BETWEEN ?1 AND ?2),"
		" (SELECT max(hold) FROM queue_sample WHERE day BETWEEN ?1 AND ?2),"
		" (SELECT max(incoming) FROM queue_sample WHERE day BETWEEN ?1 AND ?2),"
		" (SELECT max(maildrop) FROM queue_sample WHERE day BETWEEN ?1 AND ?2)"
		" FROM queue_sample WHERE day BETWEEN ?1 AND ?2 ORDER BY messages DESC, time"
		" LIMIT 1", -1, &st, NULL) != SQLITE_OK) {
		log_err("report", "%s: %s", s->path, sqlite3_errmsg(s->db));
		return -1;
	}
	sqlite3_bind_int(st, 1, o->from);
	sqlite3_bind_int(st, 2, o->to);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		found = 1;
		h->samples = sqlite3_column_int64(st, 0);
		h->messages = sqlite3_column_int64(st, 1);
		h->time = sqlite3_column_int64(st, 2);
		h->bytes = col_or_unknown(st, 3);
		h->oldest_age = col_or_unknown(st, 4);
		for (q = 0; q < QN_COUNT; q++)
			h->max[q] = col_or_unknown(st, 5 + q);
	} else if (rc != SQLITE_DONE) {
		log_err("report", "%s: %s", s->path, sqlite3_errmsg(s->db));
		found = -1;
	}
	sqlite3_finalize(st);
	return found;
}

/* Local time of a sample, "YYYY-MM-DD HH:MM:SS" (sep ' ') or ISO 8601 (sep 'T'). */
static void
local_stamp(int64_t t, char sep, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL) {
		snprintf(buf, len, "?");
		return;
	}
	snprintf(buf, len, "%04d-%02d-%02d%c%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday, sep, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int
report_queue_text(struct store *s, const struct report_opts *o, FILE *f)
{
	struct queue_high h;
	char when[64];
	int found = queue_high(s, o, &h), q;

	if (found <= 0)
		return found;
	local_stamp(h.time, ' ', when, sizeof(when));
	fprintf(f, "\nQueue (%lld samples)\n", (long long)h.samples);
	fprintf(f, "  high-water mark   %lld messages at %s", (long long)h.messages, when);
	if (h.bytes >= 0)
		fprintf(f, " (%lld bytes)", (long long)h.bytes);
	fputc('\n', f);
	if (h.oldest_age >= 0)
		fprintf(f, "  oldest message    %lld s at most\n", (long long)h.oldest_age);
	if (h.max[0] >= 0) {
		fprintf(f, "  most per queue   ");
		for (q = 0; q < QN_COUNT; q++)
			fprintf(f, " %s %lld", queue_names[q], (long long)h.max[q]);
		fputc('\n', f);
	}
	return 0;
}

static void
json_int_or_null(FILE *f, int64_t v)
{
	if (v < 0)
		fputs("null", f);
	else
		fprintf(f, "%lld", (long long)v);
}

int
report_queue_json(struct store *s, const struct report_opts *o, FILE *f)
{
	struct queue_high h;
	char when[64];
	int found = queue_high(s, o, &h), q;

	if (found < 0)
		return -1;
	fputs(",\n\"queue\": ", f);
	if (found == 0) {
		fputs("null", f);
		return 0;
	}
	local_stamp(h.time, 'T', when, sizeof(when));
	fprintf(f, "{\"samples\": %lld, \"high_water\": {\"messages\": %lld, \"time\": \"%s\","
	    " \"bytes\": ", (long long)h.samples, (long long)h.messages, when);
	json_int_or_null(f, h.bytes);
	fputs("}, \"oldest_age_max\": ", f);
	json_int_or_null(f, h.oldest_age);
	fputs(", \"max\": ", f);
	if (h.max[0] < 0) {
		fputs("null}", f);
		return 0;
	}
	for (q = 0; q < QN_COUNT; q++) {
		fprintf(f, "%s\"%s\": ", q ? ", " : "{", queue_names[q]);
		json_int_or_null(f, h.max[q]);
	}
	fputs("}}", f);
	return 0;
}
