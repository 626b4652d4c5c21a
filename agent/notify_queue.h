/*
 * Notifications wait here while the master agent is unreachable: net-snmp
 * drops a trap sent without an AgentX session, silently.  They are sent,
 * oldest first, once the subagent is registered again; when more wait than
 * the queue holds, the oldest are dropped and counted.
 */
#ifndef NOTIFY_QUEUE_H
#define NOTIFY_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

/* Default of the trapqueue token: an afternoon of a busy server's alarms. */
#define NOTIFY_QUEUE_DEFAULT 1000

struct notify_pending {
	netsnmp_variable_list *vars;
	char *text;               /* for the log line when it is sent */
};

struct notify_queue {
	struct notify_pending *ring; /* oldest at head */
	size_t cap, head, n;
	size_t max;               /* trapqueue: 0 sends (and loses) as net-snmp would */
	uint64_t dropped;         /* since the last flush */
	int connected;            /* an AgentX session with the master is open */
	unsigned flush_alarm;     /* pending flush after a (re)connection */
};

/* Before init_snmp(): follow the AgentX session's openings and closings. */
int notify_queue_init(struct notify_queue *, size_t max);
/* Before snmp_shutdown(): net-snmp would free our callbacks' argument. */
void notify_queue_free(struct notify_queue *);
/* Send vars now, or keep them until the master is back; takes vars. */
void notify_queue_send(struct notify_queue *, netsnmp_variable_list *vars, const char *text);

#endif
