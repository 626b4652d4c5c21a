/*
 * The MTA-neutral event model.  A parser turns one log line into at most one
 * event; the correlator and the aggregator never look at log text again.
 * Strings point into the line being parsed and live as long as it does.
 */
#ifndef MTASTAT_EVENT_H
#define MTASTAT_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "strview.h"
#include "syslog_header.h"

enum mta_event_type {
	EV_UNPARSED = 0,  /* a line of the MTA that no rule recognised */
	EV_IGNORED,       /* recognised, nothing to count (connect, TLS, stats...) */
	EV_CLIENT,        /* a transaction got a queue id: qid, client, sasl */
	EV_PICKUP,        /* local submission: qid, sender */
	EV_QUEUED,        /* entered the queue: qid, sender, size (origin: see below) */
	EV_DELIVERY,      /* one recipient's result: qid, rcpt, relay, status */
	EV_EXPIRED,       /* returned to sender after the queue lifetime: qid (once per qid) */
	EV_REMOVED,       /* qid left the queue */
	EV_NOTIFICATION,  /* MTA-generated notice about qid, queued as newqid (has_size: its size) */
	EV_REJECT,        /* a reject at any SMTP stage or in cleanup */
	EV_AUTH_FAILED,   /* a failed SASL authentication */
};

enum delivery_status {
	DS_OTHER = 0,
	DS_SENT,
	DS_DEFERRED,
	DS_BOUNCED,
};

struct mta_event {
	enum mta_event_type type;
	struct strview qid;
	struct strview sender;   /* EV_PICKUP, EV_QUEUED: envelope sender, "" for <> */
	struct strview sasl;     /* EV_CLIENT, EV_QUEUED with origin: SASL user name, "" if none */
	struct strview rcpt;     /* EV_DELIVERY */
	struct strview relay;    /* EV_DELIVERY: "host[addr]:port", "local", "none" */
	struct strview newqid;   /* EV_DELIVERY "queued as", EV_NOTIFICATION */
	uint64_t size;           /* EV_QUEUED; EV_NOTIFICATION with has_size */
	enum delivery_status status;
	unsigned local_delivery : 1; /* delivered on this host: local/virtual/lmtp/pipe */
	unsigned has_sender : 1;     /* sender was present in the line */
	/*
	 * EV_QUEUED: the line that queues the message also says it came from
	 * outside (an MTA that logs reception on one line, like Exim's "<="):
	 * no separate EV_CLIENT/EV_PICKUP comes, and sasl is its account.
	 */
	unsigned origin : 1;
	/* EV_NOTIFICATION: newqid is the notice's own id and size its size */
	unsigned has_size : 1;
};

/*
 * A parser is an ops table; adding an MTA is adding a file in src/mta/ with
 * one of these and a line in src/mta/registry.c.  envelope() reads the
 * line's time and program (syslog_parse, or the MTA's own log format);
 * owns() says whether a program name belongs to this MTA (configurable
 * instance names); parse() fills ev from a line that it owns.
 */
struct mta_parser {
	const char *name;
	/* 0, or -1 when the line has no envelope this MTA writes */
	int (*envelope)(struct syslog_clock *, const char *line, size_t len, struct log_header *);
	/* instances: program names, NULL-terminated (config or default) */
	int (*owns)(const char *const *instances, const struct log_header *);
	void (*parse)(const struct log_header *, struct mta_event *);
	const char *const *default_instances;
};

extern const struct mta_parser parser_postfix;
extern const struct mta_parser parser_exim;
/* Every parser, NULL-terminated, in the order format detection tries them. */
extern const struct mta_parser *const mta_parsers[];

/* The parser registered under name, or NULL. */
const struct mta_parser *parser_by_name(const char *name);
/* 1 when name is an MTA that is planned but not readable yet (icewarp). */
int parser_is_planned(const char *name);
/* "postfix, exim": the names parser_by_name knows, for messages. */
const char *parser_names(void);

#endif
