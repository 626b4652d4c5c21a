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

	ctx->work_pending = 1;
	if (ctx->ig.lines != ctx->ig.lines_at_commit)
		watch_commit(ctx);
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

	if (store_open(&ctx->store, db) != 0)
		return -1;
	ctx->store_open = 1;
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
		if (follow_open(&ctx->logs[i], ctx->cfg.logs[i].path, &ctx->store) != 0)
			return -1;
		ctx->nlogs++;
		watch_dir_of(ctx, ctx->cfg.logs[i].path);
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
	int backlog = 0, finished = 0;

	if (!ctx->work_pending)
		return 0;
	ctx->work_pending = 0;
	for (i = 0; i < ctx->nlogs; i++) {
		n = follow_read_slice(&ctx->logs[i], &ctx->ig, WATCH_SLICE_LINES);
		if (n >= WATCH_SLICE_LINES)
			backlog = 1;
		if (ctx->logs[i].has_done)
			finished = backlog = 1; /* a rotated file waits for its commit */
	}
	/* alarms are judged at the live edge, not in the middle of a backlog */
	ctx->catching_up = backlog;
	if ((ingest_commit_due(&ctx->ig) || finished) && ctx->ig.lines != ctx->ig.lines_at_commit)
		watch_commit(ctx);
	ctx->work_pending = backlog;
	return backlog;
}

int
watch_commit(struct mtastat *ctx)
{
	struct account_delta *deltas = NULL;
	struct file_pos **pos;
	size_t i, n = 0, ndeltas = 0;
	int rc;

	if (!ctx->ingest_ready)
		return 0;
	if (model_collect(ctx, &deltas, &ndeltas) != 0)
		return -1;
	pos = calloc(ctx->nlogs * 2 + 1, sizeof(*pos));
	if (pos == NULL)
		return -1;
	for (i = 0; i < ctx->nlogs; i++)
		n += follow_positions(&ctx->logs[i], pos + n);
	aggregate_sum_into(&ctx->ig.agg, &ctx->totals);
	rc = ingest_commit(&ctx->ig, pos, n);
	free(pos);
	if (rc != 0) {
		log_err("watch", "commit failed: the lines will be read again after a restart");
		for (i = 0; i < ndeltas; i++)
			free(deltas[i].name);
		free(deltas);
		return rc;
	}
	for (i = 0; i < ctx->nlogs; i++)
		follow_committed(&ctx->logs[i]);
	model_after_commit(ctx, deltas, ndeltas);
	return 0;
}

void
watch_stop(struct mtastat *ctx)
{
	size_t i;

	if (ctx->ingest_ready)
		watch_commit(ctx);
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
