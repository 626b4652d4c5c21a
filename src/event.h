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
	/*
	 * Per-day diagnostics, by a short word in `what` ([a-z0-9_-], anything
	 * else counts as "other"): counted as <prefix><what> (docs/counting.md).
	 */
	EV_SESSION_INCOMPLETE, /* a session ended without a message: what = how */
	EV_BLOCKED,       /* a session refused by intrusion prevention: what = reason code */
	EV_ANTISPAM,      /* an antispam verdict on a message: what = action */
	/*
	 * Mail-flow health (issue 14).  Any event may also carry a reply (below);
	 * these two exist for lines whose only news is the reply or the TLS.
	 */
	EV_REPLY,         /* an SMTP reply and nothing else to count: reply */
	EV_TLS,           /* one SMTP session's TLS outcome: dir, tls */
};

/* Who spoke: "in" is mail coming to us (we are the server), "out" is our delivery. */
enum mta_dir {
	MTA_DIR_NONE = 0,
	MTA_DIR_IN,       /* a reply we gave to a client; a session a client opened */
	MTA_DIR_OUT,      /* a reply a remote server gave us; a session we opened */
};

/*
 * An SMTP reply the line reports (code 0: none).  Counted per day by
 * direction, basic code and enhanced code, with one example text kept per
 * code and day (sanitised and bounded downstream: the parser only points).
 */
struct mta_reply {
	uint16_t code;           /* 200..599 */
	uint8_t dir;             /* enum mta_dir */
	struct strview enh;      /* enhanced status "5.1.1", empty when the reply had none */
	struct strview text;     /* the reply's text after the codes, may be empty */
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
	/*
	 * EV_DELIVERY status=DS_SENT of an MTA that resolves recipients when it
	 * accepts a message and logs no local delivery (IceWarp's summary line):
	 * a local recipient is delivered now; an external one is relayed now
	 * (with its account) and delivered when its forwarding is logged.
	 */
	unsigned resolved : 1;
	/* EV_DELIVERY of a recipient whose relay was counted when resolved: delivered only */
	unsigned forwarded : 1;
	/*
	 * EV_REJECT, EV_ANTISPAM: the whole message qid is refused or dropped
	 * before it is queued, and no EV_REMOVED will follow (Postfix's cleanup
	 * logs none for a reject or a discard): it leaves the correlator here.
	 */
	unsigned gone : 1;
	struct strview what;     /* EV_SESSION_INCOMPLETE, EV_BLOCKED, EV_ANTISPAM */
	/*
	 * Issue 14.  EV_SESSION_INCOMPLETE's what is the cause of a broken
	 * session ("lost_after_rcpt", "timeout_after_data", "too_many_errors",
	 * "rate_limit", "pregreet", "dnsbl", "hangup", "no_mail", IceWarp's kinds);
	 * EV_BLOCKED's what is an intrusion-prevention reason; EV_REJECT's what,
	 * when set, is a content filter's verdict that is also counted as
	 * antispam_<what> (Postfix's milter_reject).
	 */
	struct mta_reply reply;  /* any event type; reply.code 0 when the line has none */
	uint8_t dir;             /* EV_TLS, or has_tls: enum mta_dir */
	unsigned tls : 1;        /* EV_TLS, or has_tls: 1 the session used TLS, 0 it stayed plaintext */
	/*
	 * EV_DELIVERY: the line says how long the message took from receipt to
	 * this delivery (Postfix delay=, Exim QT=).  When it does not, the
	 * correlator may derive it from the receipt time it keeps per message.
	 */
	unsigned has_delay : 1;
	uint32_t delay_ms;
	/*
	 * Any event: the line also tells one session's TLS outcome (dir, tls),
	 * as EV_TLS does for a line with nothing else.  tls_unsaid: the line
	 * opened a session whose TLS outcome is logged elsewhere (Postfix's
	 * smtp client: "TLS connection established to"); it is counted as a
	 * session only, and its plaintext share derived (docs/counting.md).
	 */
	unsigned has_tls : 1;
	unsigned tls_unsaid : 1;
	/*
	 * EV_SESSION_INCOMPLETE: the client's "[addr]:port" when the line names
	 * it (postscreen): a session that fails several tests counts once.
	 */
	struct strview session;
};

/*
 * Parsers that need memory between lines (IceWarp's sessions) emit any
 * number of events per line through this; the sink returns -1 on
 * out-of-memory, which the parser passes on.
 */
struct mta_sink {
	int (*emit)(void *ctx, const struct mta_event *);
	void *ctx;
};

/* What parse_state() made of a line (events, if any, went to the sink). */
enum mta_line {
	MTA_LINE_UNPARSED = 0, /* a line of the MTA that no rule recognised */
	MTA_LINE_IGNORED,      /* recognised: nothing to count */
	MTA_LINE_COUNTED,      /* recognised: events were emitted */
};

/* The order of a log's files from their names (IceWarp's daily sYYYYMMDD[-nn].log). */
struct mta_file_key {
	int32_t day;           /* civil day of the date in the name */
	unsigned split;        /* -nn: 0 for the day's first file */
	char series[64];       /* the name before the date: "s", "s1": files of one log */
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
	/*
	 * Optional (NULL for parsers that read each line alone: Postfix, Exim).
	 * state_open() makes the memory of one log (a series of files), and
	 * parse_state() reads a line with it, emitting its events; parse() is
	 * then only a stateless look at the line's shape (format detection).
	 * state_save() writes the memory as bytes that state_load() reads back:
	 * the store keeps them with the read positions, in one transaction.
	 */
	void *(*state_open)(void);
	void (*state_close)(void *);
	int (*parse_state)(void *, const struct log_header *, const struct mta_sink *);
	/* 0 and *blob (malloc'd) of *len bytes, or -1 on out-of-memory */
	int (*state_save)(void *, unsigned char **blob, size_t *len);
	/* replaces the memory; a blob it cannot read leaves it empty (-1) */
	int (*state_load)(void *, const unsigned char *blob, size_t len);
	/*
	 * Optional: 0 when a file's base name is one of this MTA's dated log
	 * names, with its order; -1 otherwise.  Logs of such MTAs are followed
	 * as directories (or globs) of files.
	 */
	int (*file_key)(const char *basename, struct mta_file_key *);
};

extern const struct mta_parser parser_postfix;
extern const struct mta_parser parser_exim;
extern const struct mta_parser parser_icewarp;
/* Every parser, NULL-terminated, in the order format detection tries them. */
extern const struct mta_parser *const mta_parsers[];

/* The parser registered under name, or NULL. */
const struct mta_parser *parser_by_name(const char *name);
/* "postfix, exim, icewarp": the names parser_by_name knows, for messages. */
const char *parser_names(void);

#endif
