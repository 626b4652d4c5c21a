/*
 * The configured logs inside net-snmp's single loop: inotify on their
 * directories through register_readfd(), a one-second alarm as a fallback and
 * for commits, and reading in bounded slices so SNMP requests are answered
 * while a backlog is caught up.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "log.h"
#include "mtastatd.h"
#include "mib_tables.h"
#include "notify_trap.h"

/* Lines per log per loop turn: a few milliseconds, so a GET never waits long. */
#define WATCH_SLICE_LINES 5000
/*
 * The daemon commits at most this many lines at once: a commit holds the
 * loop (and SNMP requests) for its duration, ~10 ms here.
 */
#define WATCH_COMMIT_LINES_MAX 20000
/*
 * The fallback poll and commit tick.  At the live edge lines are committed
 * and judged at most this long after they were read, which keeps a
 * relay-limit breach well within a second of its line: at most four
 * commits a second however the lines trickle in.
 */
#define WATCH_TICK_MS 250
/* First retry after a failed commit; the delay doubles with each failure. */
#define WATCH_RETRY_FIRST_MS 250
/*
 * The longest delay between two attempts: a freed disk or a released lock
 * is noticed within this long, and a day's outage costs ~3000 attempts.
 */
#define WATCH_RETRY_MAX_MS 30000
/*
 * How long a commit waits for another writer: enough for the mail worker's
 * short writes, far too short to keep SNMP requests waiting (the import
 * command keeps the store's 5 s).
 */
#define WATCH_BUSY_MS 50

static long
ms_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

/* Failing, and the delay since the last attempt is over. */
static int
history_retry_due(const struct mtastat *ctx)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ms_between(&ctx->history.next_try, &now) >= 0;
}

static void
history_alarm(struct mtastat *ctx, struct alarm *a, enum alarm_kind kind)
{
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->time = ctx->ig.newest_t;
	snprintf(a->subject, sizeof(a->subject), "%.*s", (int)sizeof(a->subject) - 1,
	    ctx->store.path);
	snprintf(a->key, sizeof(a->key), "%s", a->subject);
}

/*
 * A commit failed: its batch stays in memory and is retried later.  Logged
 * and notified when the state changes, not on every attempt.
 */
static void
history_failed(struct mtastat *ctx)
{
	struct history_state *h = &ctx->history;
	const char *cause = store_commit_cause(&ctx->store);
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	h->failures++;
	h->attempts++;
	snprintf(h->error, sizeof(h->error), "%s (%s)", cause, ctx->store.errmsg);
	h->delay_ms = !h->failing ? WATCH_RETRY_FIRST_MS
	    : h->delay_ms * 2 > WATCH_RETRY_MAX_MS ? WATCH_RETRY_MAX_MS : h->delay_ms * 2;
	h->next_try = now;
	h->next_try.tv_sec += h->delay_ms / 1000;
	h->next_try.tv_nsec += (h->delay_ms % 1000) * 1000000;
	if (h->next_try.tv_nsec >= 1000000000) {
		h->next_try.tv_sec++;
		h->next_try.tv_nsec -= 1000000000;
	}
	if (h->failing) {
		if (strcmp(h->cause, cause) != 0)
			log_err("watch", "%s: history still not written, now: %s", ctx->store.path,
			    h->error);
		h->cause = cause;
		return;
	}
	h->failing = 1;
	h->cause = cause;
	h->since = now;
	log_err("watch", "%s: history not written: %s; retrying, reading paused with %llu"
	    " line(s) waiting", ctx->store.path, h->error,
	    (unsigned long long)(ctx->ig.lines - ctx->ig.lines_at_commit));
	history_alarm(ctx, &h->alarm, AK_HISTORY_FAILED);
	snprintf(h->alarm.text, sizeof(h->alarm.text), "History not written: %.200s", h->error);
	notify_history(&ctx->traps, ctx, &h->alarm);
}

/* The first commit after failures: the outage goes into the alarm records. */
static void
history_resumed(struct mtastat *ctx)
{
	struct history_state *h = &ctx->history;
	struct alarm back;
	struct timespec now;
	long secs;

	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = ms_between(&h->since, &now) / 1000;
	h->failing = 0;
	log_info("watch", "%s: history written again after %ld s, %u failed attempt(s)",
	    ctx->store.path, secs, h->attempts);
	history_alarm(ctx, &back, AK_HISTORY_RESUMED);
	back.value = secs;
	snprintf(back.text, sizeof(back.text), "History written again after %ld s, %u failed"
	    " attempt(s)", secs, h->attempts);
	h->attempts = 0;
	model_alarm(ctx, &h->alarm);
	model_alarm(ctx, &back);
	notify_history(&ctx->traps, ctx, &back);
}

static void
on_inotify(int fd, void *data)
{
	struct mtastat *ctx = data;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	ctx->work_pending = 1;
}

static void
on_tick(unsigned int reg, void *data)
{
	struct mtastat *ctx = data;

	int was_failing = ctx->history.failing;

	ctx->work_pending = 1;
	if (was_failing ? history_retry_due(ctx) : ctx->ig.lines != ctx->ig.lines_at_commit)
		watch_commit(ctx);
	/* no alarm or mail writes while failing; and reading resumes only after this tick */
	if (was_failing || ctx->history.failing)
		return;
	model_tick(ctx);
	notify_mail_tick(&ctx->mail, &ctx->store, ctx->ig.newest_t);
}

static void
watch_dir_of(struct mtastat *ctx, const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (ctx->inotify_fd < 0 || slash == NULL)
		return;
	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	if (inotify_add_watch(ctx->inotify_fd, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO |
		IN_MOVED_FROM | IN_CLOSE_WRITE) < 0)
		log_warn("watch", "%s: inotify: %s (polling every %d ms)", dir, strerror(errno),
		    WATCH_TICK_MS);
}

int
watch_start(struct mtastat *ctx)
{
	const char *db = ctx->cfg.database != NULL ? ctx->cfg.database : CONFIG_DEFAULT_DATABASE;
	size_t i;

	if (store_open_group(&ctx->store, db, ctx->cfg.databasegroup) != 0)
		return -1;
	ctx->store_open = 1;
	store_busy_timeout(&ctx->store, WATCH_BUSY_MS);
	if (ctx->cfg.commit_lines > WATCH_COMMIT_LINES_MAX)
		ctx->cfg.commit_lines = WATCH_COMMIT_LINES_MAX;
	if (notify_mail_start(&ctx->mail, &ctx->cfg, db) != 0) {
		notify_mail_stop(&ctx->mail);
		if (!ctx->reloading)
			return -1; /* at start-up a broken mail setting is an error to fix first */
		log_err("mail", "e-mail alerts are off until the configuration is fixed");
	}
	if (store_load_totals(&ctx->store, &ctx->totals) != 0 ||
	    ingest_init(&ctx->ig, &ctx->cfg, &ctx->store) != 0)
		return -1;
	ctx->ingest_ready = 1;
	ctx->logs = calloc(ctx->cfg.nlogs ? ctx->cfg.nlogs : 1, sizeof(*ctx->logs));
	if (ctx->logs == NULL)
		return -1;
	ctx->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ctx->inotify_fd < 0)
		log_warn("watch", "inotify: %s (polling every %d ms)", strerror(errno), WATCH_TICK_MS);
	else
		register_readfd(ctx->inotify_fd, on_inotify, ctx);
	for (i = 0; i < ctx->cfg.nlogs; i++) {
		const struct mta_parser *p = ctx->cfg.logs[i].parser;
		char probe[4200];
		/* a parser that dates files by name (IceWarp): a directory or glob of them */
		if ((p->file_key != NULL ? follow_open_dated(&ctx->logs[i], ctx->cfg.logs[i].path,
			&ctx->store, p) : follow_open(&ctx->logs[i], ctx->cfg.logs[i].path, &ctx->store,
			(const char *const *)ctx->cfg.rotatednames)) != 0)
			return -1;
		ctx->nlogs++;
		snprintf(probe, sizeof(probe), "%s/.", ctx->logs[i].dated_dir);
		watch_dir_of(ctx, p->file_key != NULL ? probe : ctx->cfg.logs[i].path);
		log_info("watch", "following %s", ctx->cfg.logs[i].path);
	}
	if (model_start(ctx) != 0)
		return -1;
	{
		struct timeval tick = { 0, WATCH_TICK_MS * 1000 };
		ctx->alarm_id = snmp_alarm_register_hr(tick, SA_REPEAT, on_tick, ctx);
	}
	ctx->work_pending = 1;
	return 0;
}

int
watch_work(struct mtastat *ctx)
{
	size_t i;
	long n;
	int backlog = 0, finished = 0, was_catching_up;

	if (!ctx->work_pending)
		return 0;
	ctx->work_pending = 0;
	if (ctx->history.failing)
		return 0; /* memory stays bounded: reading waits until the batch is written */
	for (i = 0; i < ctx->nlogs; i++) {
		n = follow_read_slice(&ctx->logs[i], &ctx->ig, WATCH_SLICE_LINES);
		if (n >= WATCH_SLICE_LINES)
			backlog = 1;
		if (ctx->logs[i].has_done)
			finished = backlog = 1; /* a rotated file waits for its commit */
	}
	/* alarms are judged at the live edge, not in the middle of a backlog */
	was_catching_up = ctx->catching_up;
	ctx->catching_up = backlog;
	if ((ingest_commit_due(&ctx->ig) || finished) && ctx->ig.lines != ctx->ig.lines_at_commit)
		watch_commit(ctx);
	else if (was_catching_up && !backlog && ctx->ig.lines == ctx->ig.lines_at_commit)
		model_caught_up(ctx); /* the backlog ended on a commit: judge it now */
	ctx->work_pending = backlog;
	return backlog;
}

int
watch_commit(struct mtastat *ctx)
{
	struct account_delta *deltas = NULL;
	struct file_pos **pos;
	struct totals totals;
	size_t i, n = 0, ndeltas = 0;
	int rc;

	if (!ctx->ingest_ready)
		return 0;
	if (model_collect(ctx, &deltas, &ndeltas) != 0)
		return -1;
	pos = calloc(ctx->nlogs * FOLLOW_POS_MAX + 1, sizeof(*pos));
	if (pos == NULL)
		return -1;
	for (i = 0; i < ctx->nlogs; i++)
		n += follow_positions(&ctx->logs[i], pos + n);
	/* the published totals move with what is committed, never before */
	totals = ctx->totals;
	aggregate_sum_into(&ctx->ig.agg, &totals);
	rc = ingest_commit(&ctx->ig, pos, n);
	free(pos);
	if (rc != 0) {
		history_failed(ctx);
		for (i = 0; i < ndeltas; i++)
			free(deltas[i].name);
		free(deltas);
		return rc;
	}
	ctx->totals = totals;
	for (i = 0; i < ctx->nlogs; i++)
		follow_committed(&ctx->logs[i]);
	if (ctx->history.failing)
		history_resumed(ctx);
	model_after_commit(ctx, deltas, ndeltas);
	return 0;
}

void
watch_stop(struct mtastat *ctx)
{
	size_t i;

	if (ctx->ingest_ready && watch_commit(ctx) != 0)
		log_warn("watch", "%llu line(s) not written to the history: they are read again"
		    " from the last committed position", (unsigned long long)(ctx->ig.lines -
		    ctx->ig.lines_at_commit));
	model_stop(ctx);
	notify_mail_stop(&ctx->mail);
	if (ctx->alarm_id)
		snmp_alarm_unregister(ctx->alarm_id);
	if (ctx->inotify_fd >= 0) {
		unregister_readfd(ctx->inotify_fd);
		close(ctx->inotify_fd);
	}
	for (i = 0; i < ctx->nlogs; i++)
		follow_close(&ctx->logs[i]);
	free(ctx->logs);
	if (ctx->ingest_ready)
		ingest_free(&ctx->ig);
	if (ctx->store_open)
		store_close(&ctx->store);
	ctx->logs = NULL;
	ctx->nlogs = 0;
	ctx->ingest_ready = ctx->store_open = 0;
	ctx->inotify_fd = -1;
	ctx->alarm_id = 0;
}
