/* Helpers shared by the Check suites that run the ingestion pipeline. */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aggregate.h"
#include "store.h"

/* A fresh temporary directory; removed by tu_rmdir. */
static inline char *
tu_tmpdir(void)
{
	char tmpl[] = "/tmp/mtastat-unit.XXXXXX";
	char *d = mkdtemp(tmpl);

	return d != NULL ? strdup(d) : NULL;
}

static inline void
tu_rmdir(char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	free(dir);
}

static inline void
tu_write(const char *path, const char *mode, const char *text)
{
	FILE *f = fopen(path, mode);

	if (f == NULL) {
		perror(path);
		abort();
	}
	fputs(text, f);
	fclose(f);
}

/* Sum of one counter over all days (daily table). */
static inline int64_t
tu_total(struct store *s, enum counter c)
{
	char q[128];
	sqlite3_stmt *st;
	int64_t v = -1;

	snprintf(q, sizeof(q), "SELECT coalesce(sum(%s), 0) FROM daily", counter_names[c]);
	if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) != SQLITE_OK)
		return -2;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* An integer from any SQL query with one text parameter (or none). */
static inline int64_t
tu_query(struct store *s, const char *q, const char *param)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) != SQLITE_OK)
		return -2;
	if (param != NULL)
		sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

#endif
