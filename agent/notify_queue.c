/* The notifications waiting for the master agent. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/agent/agent_callbacks.h>

#include "log.h"
#include "notify_queue.h"

/*
 * The flush runs from the loop shortly after the session opens, once the
 * reconnection has registered our subtree again: a NOC that polls on a trap
 * finds the objects there.
 */
#define NOTIFY_FLUSH_DELAY_MS 100

static void
pending_free(struct notify_pending *p)
{
	snmp_free_varbind(p->vars);
	free(p->text);
	memset(p, 0, sizeof(*p));
}

static void
send_now(netsnmp_variable_list *vars, const char *text, const char *how)
{
	send_v2trap(vars);
	log_info("trap", "sent%s: %s", how, text);
}

static void
flush(unsigned int reg, void *arg)
{
	struct notify_queue *q = arg;
	size_t sent = 0;

	q->flush_alarm = 0;
	while (q->connected && q->n > 0) {
		struct notify_pending *p = &q->ring[q->head];
		send_now(p->vars, p->text, " (queued)");
		pending_free(p);
		q->head = (q->head + 1) % q->cap;
		q->n--;
		sent++;
	}
	if (sent > 0 || q->dropped > 0)
		log_info("trap", "master agent back: %zu queued notification(s) sent, %llu dropped"
		    " (trapqueue %zu)", sent, (unsigned long long)q->dropped, q->max);
	q->dropped = 0;
}

static int
on_open(int major, int minor, void *serverarg, void *clientarg)
{
	struct notify_queue *q = clientarg;
	struct timeval later = { 0, NOTIFY_FLUSH_DELAY_MS * 1000 };

	q->connected = 1;
	if (q->n > 0 && q->flush_alarm == 0)
		q->flush_alarm = snmp_alarm_register_hr(later, 0, flush, q);
	return 0;
}

static int
on_close(int major, int minor, void *serverarg, void *clientarg)
{
	struct notify_queue *q = clientarg;

	if (q->connected)
		log_warn("trap", "master agent unreachable: notifications are queued (at most %zu)",
		    q->max);
	q->connected = 0;
	return 0;
}

int
notify_queue_init(struct notify_queue *q, size_t max)
{
	memset(q, 0, sizeof(*q));
	q->max = max;
	if (snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_START, on_open,
		q) != SNMPERR_SUCCESS ||
	    snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_STOP, on_close,
		q) != SNMPERR_SUCCESS)
		return -1;
	return 0;
}

void
notify_queue_free(struct notify_queue *q)
{
	snmp_unregister_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_START, on_open, q, 1);
	snmp_unregister_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_STOP, on_close, q, 1);
	if (q->flush_alarm != 0)
		snmp_alarm_unregister(q->flush_alarm);
	if (q->n > 0)
		log_warn("trap", "%zu notification(s) never sent: the master agent was unreachable",
		    q->n);
	while (q->n > 0) {
		pending_free(&q->ring[q->head]);
		q->head = (q->head + 1) % q->cap;
		q->n--;
	}
	free(q->ring);
	memset(q, 0, sizeof(*q));
}

/* Room for one more, dropping the oldest when full; -1 when nothing may wait. */
static int
make_room(struct notify_queue *q)
{
	if (q->max == 0)
		return -1;
	if (q->cap != q->max && q->n == 0) {
		struct notify_pending *ring = calloc(q->max, sizeof(*ring));
		if (ring == NULL)
			return -1;
		free(q->ring);
		q->ring = ring;
		q->cap = q->max;
		q->head = 0;
	}
	if (q->n == q->cap) {
		pending_free(&q->ring[q->head]);
		q->head = (q->head + 1) % q->cap;
		q->n--;
		if (q->dropped++ == 0)
			log_warn("trap", "notification queue full (trapqueue %zu): dropping the oldest",
			    q->max);
	}
	return 0;
}

void
notify_queue_send(struct notify_queue *q, netsnmp_variable_list *vars, const char *text)
{
	struct notify_pending *p;

	/* in order: nothing overtakes what is already waiting */
	if (q->connected && q->n == 0) {
		send_now(vars, text, "");
		snmp_free_varbind(vars);
		return;
	}
	if (make_room(q) != 0) {
		log_warn("trap", "not sent (master agent unreachable): %s", text);
		snmp_free_varbind(vars);
		return;
	}
	p = &q->ring[(q->head + q->n) % q->cap];
	p->vars = vars;
	p->text = strdup(text);
	if (p->text == NULL) {
		snmp_free_varbind(vars);
		p->vars = NULL;
		return;
	}
	q->n++;
	log_info("trap", "queued until the master agent is back: %s", text);
}
