/*
 * mtastat.conf: net-snmp's format (a token, then its arguments; '#' starts a
 * comment).  config_apply() gives every token its meaning; mtastatd feeds it
 * from net-snmp's config handlers, mtastat(1) from config_read_file().
 */
#ifndef MTASTAT_CONF_H
#define MTASTAT_CONF_H

#include <stddef.h>

#include "event.h"
#include "queue.h"

#define CONFIG_DEFAULT_DATABASE LOCALSTATEDIR "/lib/mtastat/mtastat.db"
/* In-flight queue ids remembered; ~100 bytes each.  Evictions are counted. */
#define CONFIG_DEFAULT_QUEUETABLE 100000
/* A longer config line is an error, not a silent cut. */
#define CONFIG_LINE_MAX 4096
#define CONFIG_DEFAULT_DAYS 15
#define CONFIG_DEFAULT_MINDAYS 7
/*
 * sigma 3.5 as a Student-t prediction interval (docs/alarms.md): ten
 * indicators judged every hour are ~7,000 judgements a month; the replay
 * (bench/replay.c) over ten seeds raised at most 1 false alarm in 30 normal
 * days per seed at 3.5, up to 4 at 3.0; the 20 % guard stays.
 */
#define CONFIG_DEFAULT_SIGMA 3.5
#define CONFIG_DEFAULT_MINABSDIFF 10.0
#define CONFIG_DEFAULT_MINRELDIFF 0.20
#define CONFIG_DEFAULT_RELAYLIMIT 100
/* Beyond this many sigma an indicator raises at once; between sigma and it only when it persists. */
#define CONFIG_DEFAULT_SIGMASTRONG 4.5
/* Two hourly judgements in a row: one noisy hour is not an alarm. */
#define CONFIG_DEFAULT_PERSIST 3600
/* A clear followed by a re-raise within the hour is one alarm, not two pages. */
#define CONFIG_DEFAULT_HOLDDOWN 3600
/* Room for the indicators of stats.h (IND_COUNT), with space for new ones. */
#define CONFIG_INDICATORS_MAX 16
/* Public holidays: a few a year over the longest window. */
#define CONFIG_HOLIDAYS_MAX 1000
/* A mail server that logs nothing for an hour has a problem worth a trap. */
#define CONFIG_DEFAULT_LOGSTALLED 3600
/* Longest window: a year of days is plenty and bounds the memory of a query. */
#define CONFIG_DAYS_MAX 366
#define CONFIG_DEFAULT_MAILTIMEOUT 30
#define CONFIG_DEFAULT_MAILDIGEST 60
/* A day of retries; after that an alert is stale news. */
#define CONFIG_DEFAULT_MAILMAXAGE 86400
/* Notifications kept while the master agent is unreachable: an afternoon of alarms. */
#define CONFIG_DEFAULT_TRAPQUEUE 1000
/* Each waiting notification is a few hundred bytes: this bounds them to ~100 MB. */
#define CONFIG_TRAPQUEUE_MAX 200000

/* Which way an indicator may alarm; the values of mtastatIndicatorDirection. */
enum alarm_direction { DIR_DEFAULT = 0, DIR_HIGH = 1, DIR_LOW = 2, DIR_BOTH = 3 };

/* daytypes: whom a day is compared with. */
enum day_types { DAYTYPES_WEEKEND = 0, DAYTYPES_ALL = 1 };

struct logsource {
	char *path;
	const struct mta_parser *parser;
};

struct mtastat_config {
	char *database;
	char *databasegroup;   /* group of a new database file; NULL: the process's */
	struct logsource *logs;
	size_t nlogs;
	char **localdomains;   /* lower case; ".example.com" also matches subdomains */
	size_t nlocaldomains;
	char **contentfilters; /* "addr:port" as in relay=name[addr]:port */
	size_t ncontentfilters;
	char **postfixnames;   /* NULL-terminated; NULL: the parser's default */
	size_t npostfixnames;
	char **rotatednames;   /* globs after a log's name, NULL-terminated; NULL: follow's default */
	size_t nrotatednames;
	unsigned queuetable;
	unsigned commit_lines;   /* commit at least every N lines */
	unsigned commit_ms;      /* ... or every N milliseconds */

	/* baselines and alarms (stats.c, detect.c) */
	unsigned days;           /* window of complete days */
	unsigned mindays;        /* below: insufficientData */
	double sigma;            /* k in |V - M| > k S */
	double sigmaclear;       /* clear below this many S; < 0: sigma - 0.5 */
	double minabsdiff;       /* |V - M| must also exceed this */
	double minreldiff;       /* ... and this times M */
	int intraday;            /* judge today-so-far too */
	unsigned relaylimit;     /* default daily relayed recipients per account */
	int relaycount_messages; /* relaycount messages: limits count messages, not recipients */
	unsigned char direction[CONFIG_INDICATORS_MAX]; /* enum alarm_direction by indicator */
	int daytypes;            /* enum day_types */
	int32_t *holidays;       /* civil days counted as weekend days, sorted */
	size_t nholidays;
	unsigned holddown;       /* seconds normal before a raised alarm clears */
	int poissonfloor;        /* S at least sqrt(M) and a Poisson tail: counts are Poisson-like */
	int prediction;          /* the band is a Student-t prediction interval, not k S */
	double sigmastrong;      /* beyond: raised at once; 0: every raise must persist */
	unsigned persist;        /* seconds beyond sigma before a raise; 0: at once */
	int accountbaseline;     /* judge accounts against their own usual volume too */
	unsigned trapqueue;      /* notifications kept while the master agent is away */
	unsigned logstalled;     /* seconds without a new line before a log is stalled; 0: never */

	/* e-mail alerts (notify_mail.c); no mailserver: no e-mail */
	char *mailserver;        /* smtp://host:port or smtps://host:port */
	int mailstarttls;        /* require STARTTLS on smtp:// */
	int mailverify;          /* verify the server's certificate */
	char *mailuser;
	char *mailpasswordfile;  /* refused when others can read it */
	char *mailfrom;
	char **mailto;
	size_t nmailto;
	char *mailsubject;       /* subject prefix */
	unsigned mailtimeout;    /* seconds for one delivery attempt */
	unsigned maildigest;     /* seconds alarm lines are gathered into one message */
	unsigned mailmaxage;     /* seconds before an undeliverable message is dropped */
	int mailreport_min;      /* minute of the day for the daily report, -1 none */
	struct queue_config queue; /* the queue sampler (queue.c) */
	struct relay_override {
		char *who;       /* "account" or "@domain", lower case */
		unsigned limit;
	} *relay_overrides;
	size_t nrelay_overrides;
};

/* The relay limit of an account: exact account, then @domain, then default. */
unsigned config_relay_limit(const struct mtastat_config *, const char *account);
/* Is day (civil) a configured holiday? */
int config_is_holiday(const struct mtastat_config *, int32_t day);
/* sigmaclear as configured, or sigma - 0.5 */
double config_sigma_clear(const struct mtastat_config *);

void config_init(struct mtastat_config *);
void config_free(struct mtastat_config *);

/* Names of the tokens config_apply() knows, NULL-terminated. */
extern const char *const config_tokens[];

/*
 * Apply one "token value" pair.  Returns 0, or -1 with a cause in err
 * (without file and line: the caller knows those).
 */
int config_apply(struct mtastat_config *, const char *token, const char *value,
    char *err, size_t errlen);

/*
 * Read a whole file.  Every error is printed as "file: line N: cause" on
 * stderr; tokens we do not know are errors unless they are net-snmp's
 * (skip_foreign).  Returns the number of errors, -1 when unreadable.
 */
int config_read_file(struct mtastat_config *, const char *path, int skip_foreign);

/* Is the domain of addr (after the last '@') local?  No '@': local. */
int config_is_local_domain(const struct mtastat_config *, struct strview addr);
/* Does relay "name[addr]:port" point at a configured content filter? */
int config_is_content_filter(const struct mtastat_config *, struct strview relay);

#endif
