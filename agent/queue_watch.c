/* The queue sampler in net-snmp's loop: start, read, reap or kill, judge, keep. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "detect.h"
#include "log.h"
#include "mib_model.h"
#include "mtastatd.h"
#include "notify_trap.h"
#include "queue_watch.h"

/*
 * Both pipes closed, the child not reaped yet: look again this often.  A
 * child that closes its output and lingers is killed at the timeout.
 */
#define QUEUE_REAP_MS 20
/* At the timeout, what the pipes hold is read first: at most this many slices (4 MiB). */
#define QUEUE_DRAIN_SLICES 64
/* A child whose output is complete but that is not reaped yet at the timeout: once, this long. */
#define QUEUE_GRACE_MS 200
/* The first sample, once the loop runs. */
#define QUEUE_FIRST_MS 10

static const char *const rule_subject[QR_COUNT] = { "queue limit", "queue age" };

static void on_timeout(unsigned int reg, void *data);

/* "postqueue -c /etc/postfix-out -j": the command as logged. */
static void
command_line(const struct queue_config *c, char *out, size_t len)
{
	const char *argv[16];
	size_t i, n = 0;

	out[0] = '\0';
	if (queue_argv(c, argv, sizeof(argv) / sizeof(argv[0])) != 0)
		return;
	for (i = 0; argv[i] != NULL && n < len; i++) {
		int w = snprintf(out + n, len - n, "%s%s", i ? " " : "", argv[i]);
		if (w < 0)
			break;
		n += (size_t)w;
	}
}

/* The civil day of t in local time: the day the report files it under. */
static int32_t
local_day(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL)
		return (int32_t)(t / 86400);
	return (int32_t)((t + tm.tm_gmtoff) / 86400);
}

static void
stop_alarm(unsigned *id)
{
	if (*id != 0)
		snmp_alarm_unregister(*id);
	*id = 0;
}

/* The child is done with (or given up): its descriptors leave the loop. */
static void
run_release(struct mtastat *ctx)
{
	struct queue_state *q = &ctx->queue;

	if (q->run.out_fd >= 0)
		unregister_readfd(q->run.out_fd);
	if (q->run.err_fd >= 0)
		unregister_readfd(q->run.err_fd);
	stop_alarm(&q->timeout_alarm);
	stop_alarm(&q->reap_alarm);
	q->running = 0;
}

/*
 * A failed sample: logged when the cause changes (not every interval), with
 * what the operator can do about it.  The values shown stay those of the
 * last good sample; the alarms wait for a good one.
 */
static void
sample_failed(struct mtastat *ctx, int status, const char *why)
{
	struct queue_state *q = &ctx->queue;
	char cmd[512], error[sizeof(q->error)];
	const char *hint = "";

	q->failures++;
	command_line(&ctx->cfg.queue, cmd, sizeof(cmd));
	snprintf(error, sizeof(error), "%s", why);
	if (ctx->cfg.queue.mta == QUEUE_EXIM && status == QS_FAILED)
		hint = " (exim -bpc needs an Exim admin user: root, the Exim user or a member of"
		    " admin_groups, on Debian group Debian-exim)";
	else if (ctx->cfg.queue.mta == QUEUE_POSTFIX && strstr(error, "showq") != NULL &&
	    strstr(error, "Permission denied") != NULL)
		hint = " (postqueue is set-group-id postdrop, which NoNewPrivileges turns off:"
		    " put the daemon's user in group postdrop, under systemd"
		    " SupplementaryGroups=adm postdrop)";
	if (q->status != status || strcmp(q->error, error) != 0)
		log_warn("queue", "%s: sample %s: %s%s; sampling every %u s goes on", cmd,
		    status == QS_TIMEOUT ? "timed out" : "failed", error, hint,
		    ctx->cfg.queue.interval);
	q->status = status;
	snprintf(q->error, sizeof(q->error), "%s", error);
}

/* A queue alarm's transition: recorded, in the alarm table, trapped, mailed, logged. */
static void
queue_alarm(struct mtastat *ctx, enum queue_rule r, int raised)
{
	const struct queue_sample *s = &ctx->queue.last;
	unsigned limit = queue_rule_limit(&ctx->cfg.queue, r);
	uint64_t v = queue_rule_value(r, s);
	struct alarm a;

	memset(&a, 0, sizeof(a));
	a.kind = raised ? AK_QUEUE_ALARM : AK_QUEUE_CLEARED;
	a.time = detect_wall_clock();
	snprintf(a.subject, sizeof(a.subject), "%s", rule_subject[r]);
	snprintf(a.key, sizeof(a.key), "%s", rule_subject[r]);
	a.value = (int64_t)v;
	a.limit = limit;
	if (r == QR_LIMIT)
		snprintf(a.text, sizeof(a.text), raised ? "Queue holds %llu messages (limit %u)"
		    : "Queue back within its limit: %llu messages (limit %u)", (unsigned long long)v,
		    limit);
	else
		snprintf(a.text, sizeof(a.text), raised ? "Oldest queued message is %llu s old"
		    " (limit %u s)" : "Oldest queued message back within its limit: %llu s"
		    " (limit %u s)", (unsigned long long)v, limit);
	if (raised)
		log_warn("queue", "%s", a.text);
	else
		log_info("queue", "%s", a.text);
	model_alarm(ctx, &a);
	notify_queue_alarm(&ctx->traps, ctx, &a);
}

static void
sample_ok(struct mtastat *ctx)
{
	struct queue_state *q = &ctx->queue;
	int r, change;

	if (q->status == QS_FAILED || q->status == QS_TIMEOUT)
		log_info("queue", "sampling works again after %s", q->error);
	q->status = QS_OK;
	q->error[0] = '\0';
	q->last = q->run.sample;
	q->have_last = 1;
	q->samples++;
	log_debug("queue", "%llu messages, %llu bytes, oldest %lld s, %llu records skipped,"
	    " in %ld ms", (unsigned long long)q->last.total, (unsigned long long)q->last.total_bytes,
	    (long long)queue_oldest_age(&q->last), (unsigned long long)q->last.skipped,
	    queue_run_elapsed_ms(&q->run));
	queue_store_put(&q->store, &q->last, local_day(q->last.time),
	    (int32_t)ctx->cfg.queue.interval);
	for (r = 0; r < QR_COUNT; r++) {
		change = queue_judge(&ctx->cfg.queue, ctx->cfg.holddown, (enum queue_rule)r, &q->last,
		    q->last.time, &q->alarms[r]);
		if (change != 0)
			queue_alarm(ctx, (enum queue_rule)r, change > 0);
		else if (q->reannounce[r] && q->alarms[r].raised)
			notify_queue_alarm(&ctx->traps, ctx, &q->standing[r]);
		q->reannounce[r] = 0;
	}
}

static void
finish(struct mtastat *ctx)
{
	struct queue_state *q = &ctx->queue;
	char why[sizeof(q->error)];
	enum queue_outcome o = queue_run_outcome(&q->run, why, sizeof(why));

	run_release(ctx);
	queue_run_close(&q->run);
	if (o == QO_OK)
		sample_ok(ctx);
	else
		sample_failed(ctx, QS_FAILED, why);
}

static void
on_reap(unsigned int reg, void *data)
{
	struct mtastat *ctx = data;

	if (queue_run_reap(&ctx->queue.run))
		finish(ctx);
}

/* fd was closed by queue_run_read: once both are, the child is reaped. */
static void
closed(struct mtastat *ctx, int fd)
{
	struct queue_state *q = &ctx->queue;
	struct timeval later = { 0, QUEUE_REAP_MS * 1000 };

	unregister_readfd(fd); /* its number leaves the loop too */
	if (q->run.out_fd >= 0 || q->run.err_fd >= 0)
		return;
	if (queue_run_reap(&q->run))
		finish(ctx);
	else if (q->reap_alarm == 0)
		q->reap_alarm = snmp_alarm_register_hr(later, SA_REPEAT, on_reap, ctx);
}

static void
on_readable(int fd, void *data)
{
	struct mtastat *ctx = data;

	if (queue_run_read(&ctx->queue.run, fd) == 1)
		closed(ctx, fd);
}

/*
 * Read what the pipes hold now, as the loop would have: a loop held up past
 * the timeout (a slow start, a long commit) finds a child that had long
 * finished.  Bounded: a child that keeps writing is not waited for.  1 when
 * the run finished (and was handled).
 */
static int
drain(struct mtastat *ctx)
{
	struct queue_state *q = &ctx->queue;
	int slices = 0, more = 1, i, fd, rc;

	while (q->running && more && slices < QUEUE_DRAIN_SLICES) {
		more = 0;
		for (i = 0; i < 2 && q->running; i++) {
			fd = i == 0 ? q->run.out_fd : q->run.err_fd;
			if (fd < 0)
				continue;
			rc = queue_run_read(&q->run, fd);
			if (rc == 1)
				closed(ctx, fd);
			if (rc != -1) {
				more = 1;
				slices++;
			}
		}
	}
	return !q->running;
}

/* The timeout: what is there is read; else the child is killed (grace: once, if it is exiting). */
static void
give_up(struct mtastat *ctx, int grace)
{
	struct queue_state *q = &ctx->queue;
	struct timeval moment = { 0, QUEUE_GRACE_MS * 1000 };
	char why[128];

	if (!q->running || drain(ctx))
		return;
	if (grace && q->run.out_fd < 0 && q->run.err_fd < 0) {
		/* its output is complete: it is exiting, give it a moment */
		q->timeout_alarm = snmp_alarm_register_hr(moment, 0, on_timeout, ctx);
		return;
	}
	run_release(ctx);
	queue_run_kill(&q->run);
	snprintf(why, sizeof(why), "no answer within %u s (queuetimeout): killed",
	    ctx->cfg.queue.timeout);
	sample_failed(ctx, QS_TIMEOUT, why);
}

static void
on_timeout(unsigned int reg, void *data)
{
	struct mtastat *ctx = data;
	struct queue_state *q = &ctx->queue;
	int grace = !q->grace_used;

	q->timeout_alarm = 0; /* a one-shot alarm that fired is gone */
	q->grace_used = 1;
	give_up(ctx, grace);
}

static void
on_tick(unsigned int reg, void *data)
{
	struct mtastat *ctx = data;
	struct queue_state *q = &ctx->queue;
	char why[256];

	if (q->running) {
		/* a tick late for a loop held up: the sample running is not over */
		if (queue_run_elapsed_ms(&q->run) < (long)ctx->cfg.queue.timeout * 1000)
			return;
		/* the timeout is at most the interval: it is over, no grace */
		stop_alarm(&q->timeout_alarm);
		give_up(ctx, 0);
	}
	q->grace_used = 0;
	if (queue_run_start(&q->run, &ctx->cfg.queue, (int64_t)time(NULL), why, sizeof(why)) != 0) {
		sample_failed(ctx, QS_FAILED, why);
		return;
	}
	q->running = 1;
	register_readfd(q->run.out_fd, on_readable, ctx);
	register_readfd(q->run.err_fd, on_readable, ctx);
	q->timeout_alarm = snmp_alarm_register(ctx->cfg.queue.timeout, 0, on_timeout, ctx);
}

static void
on_first(unsigned int reg, void *data)
{
	struct mtastat *ctx = data;

	ctx->queue.first_alarm = 0;
	on_tick(0, ctx);
}

/*
 * The alarms standing when the daemon stopped: their newest records say so.
 * At start (not on SIGHUP, which loses nothing) each is announced again once
 * the first sample shows it still stands, as the other alarms are.
 */
static void
alarms_load(struct mtastat *ctx)
{
	struct queue_state *q = &ctx->queue;
	sqlite3_stmt *st;
	int r;

	if (sqlite3_prepare_v2(ctx->store.db, "SELECT kind, id, time, value, lim, text FROM alarm_log"
		" WHERE subject = ?1 AND kind IN (?2, ?3) ORDER BY id DESC LIMIT 1", -1, &st,
		NULL) != SQLITE_OK)
		return;
	for (r = 0; r < QR_COUNT; r++) {
		struct alarm *a = &q->standing[r];
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, rule_subject[r], -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, AK_QUEUE_ALARM);
		sqlite3_bind_int(st, 3, AK_QUEUE_CLEARED);
		memset(a, 0, sizeof(*a));
		q->alarms[r].raised = sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_int(st, 0) == AK_QUEUE_ALARM;
		q->alarms[r].normal_since = 0;
		q->reannounce[r] = q->alarms[r].raised && !ctx->reloading;
		if (!q->alarms[r].raised)
			continue;
		a->kind = AK_QUEUE_ALARM;
		a->id = sqlite3_column_int64(st, 1);
		a->time = sqlite3_column_int64(st, 2);
		a->value = sqlite3_column_int64(st, 3);
		a->limit = (uint32_t)sqlite3_column_int64(st, 4);
		snprintf(a->subject, sizeof(a->subject), "%s", rule_subject[r]);
		snprintf(a->text, sizeof(a->text), "%s", (const char *)sqlite3_column_text(st, 5));
		log_info("queue", "the %s alarm still stands from before: %s", rule_subject[r], a->text);
	}
	sqlite3_finalize(st);
}

int
queue_watch_start(struct mtastat *ctx)
{
	struct queue_state *q = &ctx->queue;
	struct queue_config *c = &ctx->cfg.queue;
	struct timeval soon = { 0, QUEUE_FIRST_MS * 1000 };
	char cmd[512];

	q->running = 0;
	q->tick_alarm = q->timeout_alarm = q->reap_alarm = q->first_alarm = 0;
	if (c->mta == QUEUE_NONE) {
		q->status = QS_DISABLED;
		return 0;
	}
	queue_config_finish(c);
	if (q->status == QS_DISABLED || q->status == 0)
		q->status = QS_WAITING;
	alarms_load(ctx);
	if (queue_store_start(&q->store, ctx->store.path) != 0)
		return -1;
	command_line(c, cmd, sizeof(cmd));
	log_info("queue", "sampling the queue every %u s with %s (timeout %u s)", c->interval, cmd,
	    c->timeout);
	q->tick_alarm = snmp_alarm_register(c->interval, SA_REPEAT, on_tick, ctx);
	/* the first sample at once, from the loop: the timeout counts from there */
	q->first_alarm = snmp_alarm_register_hr(soon, 0, on_first, ctx);
	return 0;
}

void
queue_watch_stop(struct mtastat *ctx)
{
	struct queue_state *q = &ctx->queue;

	stop_alarm(&q->tick_alarm);
	stop_alarm(&q->first_alarm);
	if (q->running) {
		run_release(ctx);
		queue_run_kill(&q->run);
	}
	queue_store_stop(&q->store);
}

int
queue_watch_raised(const struct mtastat *ctx)
{
	int r, n = 0;

	for (r = 0; r < QR_COUNT; r++)
		n += ctx->queue.alarms[r].raised != 0;
	return n;
}
