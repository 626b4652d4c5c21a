/* mtastatd: the AgentX subagent's context and entry points. */
#ifndef MTASTATD_H
#define MTASTATD_H

#include <time.h>

#include "aggregate.h"
#include "conf.h"
#include "detect.h"
#include "follow.h"
#include "ingest.h"
#include "mib_health.h"
#include "mib_model.h"
#include "mib_std.h"
#include "notify_mail.h"
#include "notify_queue.h"
#include "queue_watch.h"
#include "store.h"
#include "writer.h"

/* Default configuration file, read through net-snmp's config handlers. */
#define MTASTATD_CONFIG_DEFAULT SYSCONFDIR "/mtastat.conf"
/* net-snmp application name: selects the config handlers and the log ident. */
#define MTASTATD_APPNAME "mtastat"
/* Seconds between AgentX pings; a failed ping is also how we reconnect. */
#define MTASTATD_PING_INTERVAL 5

/*
 * Whether the history is being written.  A failed commit keeps its batch in
 * memory, pauses reading and retries with a growing delay; the MIB shows
 * only what is committed.
 */
struct history_state {
	int failing;              /* the last commit failed */
	uint64_t failures;        /* failed commits since start (mtastatHistoryWriteFailures) */
	unsigned attempts;        /* failed commits of this outage */
	long delay_ms;            /* from one attempt to the next */
	struct timespec since;    /* first failure of this outage (monotonic) */
	struct timespec next_try; /* monotonic */
	const char *cause;        /* store_commit_cause() of the last failure */
	char error[STORE_ERR_MAX + 64]; /* "database locked (database is locked)", kept after */
	struct alarm alarm;       /* the failure's alarm, recorded once the history is back */
};

/*
 * Commits off the loop: the writer thread writes one batch while the loop
 * reads the next; its result comes back through writer_fd (register_readfd).
 */
enum commit_phase {
	COMMIT_IDLE,     /* nothing handed over */
	COMMIT_OUT,      /* the batch is in the writer's hands */
	COMMIT_FAILED,   /* it came back failed: written again later, nothing after it */
};

struct commit_state {
	struct writer writer;
	int writer_on;
	struct store_batch batch;  /* the one cut: the loop reads into ig.agg meanwhile */
	enum commit_phase phase;
	struct totals totals;      /* the published totals once the batch is written */
	int64_t newest_t;          /* newest event's log time written (the model's "now") */
	size_t *npos;              /* per log: its positions in the batch */
	/* the loop's longest turns (work between two waits), for the catch-up bench */
	long max_turn_us, max_turn_cpu_us;
	uint64_t turns, turns_over_20ms;
};

/* The daemon's one context.  Everything reachable from SNMP hangs off it. */
struct mtastat {
	time_t start_time;        /* mtastatStartTime */
	const char *config_path;  /* -c */
	const char *agentx_socket; /* -x, NULL: net-snmp's default */
	const char *pidfile;      /* -p */
	const char *user;         /* -u */
	int foreground;           /* -f */
	int check_only;           /* -n */
	int config_errors;        /* errors seen while reading the config */
	volatile int stop;        /* set by SIGTERM/SIGINT */
	volatile int reload;      /* set by SIGHUP */
	int reloading;            /* inside reload(): keep running on soft errors */

	struct mtastat_config cfg; /* filled by the config handlers */
	struct store store;
	int store_open;
	struct ingest ig;
	int ingest_ready;
	struct follow *logs;       /* one per cfg.logs[] */
	size_t nlogs;
	int inotify_fd;            /* -1 when unavailable: the periodic alarm reads */
	int work_pending;          /* a log may have new lines */
	int catching_up;           /* the last slice hit its limit: more is waiting */
	unsigned alarm_id;
	struct totals totals;      /* committed only, for the Counter64 scalars */
	struct account_map accounts; /* account rows by name */
	int32_t accounts_day;      /* the "today" of the account rows */
	struct usual_job usual;    /* the accounts' usual day, read by the writer */
	int live;                  /* caught up on a recent log: now runs with the wall clock */
	int64_t evaluated_at;      /* the "now" of the last evaluation */
	struct model_eval eval;    /* the evaluation in the writer's hands */
	struct log_row **log_rows; /* one per log, owned by the log table */
	unsigned char *stalled;    /* per log: stall already notified */
	struct notify_mail mail;   /* e-mail alerts, when configured */
	struct notify_queue traps; /* notifications waiting for the master agent */
	struct history_state history;
	struct commit_state commit;
	struct queue_state queue;  /* the MTA's queue, sampled (queue_watch.c) */
	struct alarm *reannounce;  /* raises still standing at start, sent a few a second */
	size_t nreannounce, reannounced;
	time_t reannounce_at;      /* the second of the last batch */
	struct mib_std_state std;  /* MTA-MIB and applTable (mib_std.c) */
	struct mib_health_state health; /* replies, broken sessions, delay, TLS (mib_health.c) */
};

int mtastatd_main(int argc, char **argv);

/* MIB registration (mib_scalars.c). */
int mib_scalars_register(struct mtastat *);

/* Config tokens through net-snmp's handlers (config_snmp.c). */
void config_snmp_register(struct mtastat *);
/* Back to the defaults before the file is read again (SIGHUP). */
void config_snmp_reset(struct mtastat *);

/* Following the configured logs inside net-snmp's loop (watch.c). */
int watch_start(struct mtastat *);
/* Read one bounded slice of every log; 1 when a backlog remains. */
int watch_work(struct mtastat *);
/* Hand what was read to the writer (when it is free); at exit and when due. */
int watch_commit(struct mtastat *);
/* Time a turn of the loop (wall and thread CPU clocks, from watch_turn_begin). */
void watch_turn_begin(struct timespec t0[2]);
void watch_turn(struct mtastat *, const struct timespec t0[2], const char *what);
void watch_stop(struct mtastat *);

#endif
