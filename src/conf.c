#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "civil.h"
#include "conf.h"
#include "sanitize.h"
#include "stats.h"

/* Default batching: a second of wall time or this many lines, whichever first. */
#define CONFIG_DEFAULT_COMMIT_LINES 100000
#define CONFIG_DEFAULT_COMMIT_MS 1000

const char *const config_tokens[] = {
	"database", "databasegroup", "logfile", "localdomain", "contentfilter", "postfixname",
	"queuetable", "commitlines", "commitms", "days", "mindays", "sigma", "sigmaclear",
	"minabsdiff", "minreldiff", "intraday", "relaylimit", "relaycount", "direction", "daytypes",
	"holiday", "holddown", "poissonfloor", "prediction", "sigmastrong", "persist",
	"accountbaseline", "logstalled", "trapqueue", "mailserver",
	"mailstarttls", "mailverify", "mailuser", "mailpasswordfile", "mailfrom", "mailto",
	"mailsubject", "mailtimeout", "maildigest", "mailmaxage", "mailreport", "rotatedname",
	"queue", "queuecommand", "queueinterval", "queuetimeout", "queuelimit", "queueage", NULL,
};

void
config_init(struct mtastat_config *c)
{
	memset(c, 0, sizeof(*c));
	c->queuetable = CONFIG_DEFAULT_QUEUETABLE;
	c->commit_lines = CONFIG_DEFAULT_COMMIT_LINES;
	c->commit_ms = CONFIG_DEFAULT_COMMIT_MS;
	c->days = CONFIG_DEFAULT_DAYS;
	c->mindays = CONFIG_DEFAULT_MINDAYS;
	c->sigma = CONFIG_DEFAULT_SIGMA;
	c->sigmaclear = -1;
	c->minabsdiff = CONFIG_DEFAULT_MINABSDIFF;
	c->minreldiff = CONFIG_DEFAULT_MINRELDIFF;
	c->intraday = 1;
	c->relaylimit = CONFIG_DEFAULT_RELAYLIMIT;
	c->holddown = CONFIG_DEFAULT_HOLDDOWN;
	c->poissonfloor = 1;
	c->prediction = 1;
	c->sigmastrong = CONFIG_DEFAULT_SIGMASTRONG;
	c->persist = CONFIG_DEFAULT_PERSIST;
	c->accountbaseline = 1;
	c->logstalled = CONFIG_DEFAULT_LOGSTALLED;
	c->trapqueue = CONFIG_DEFAULT_TRAPQUEUE;
	c->mailverify = 1;
	c->mailtimeout = CONFIG_DEFAULT_MAILTIMEOUT;
	c->maildigest = CONFIG_DEFAULT_MAILDIGEST;
	c->mailmaxage = CONFIG_DEFAULT_MAILMAXAGE;
	c->mailreport_min = -1;
	queue_config_init(&c->queue);
}

static void
free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
config_free(struct mtastat_config *c)
{
	size_t i;

	free(c->database);
	free(c->databasegroup);
	for (i = 0; i < c->nlogs; i++)
		free(c->logs[i].path);
	free(c->logs);
	free_list(c->localdomains, c->nlocaldomains);
	free_list(c->contentfilters, c->ncontentfilters);
	free_list(c->postfixnames, c->npostfixnames + (c->postfixnames != NULL));
	free_list(c->rotatednames, c->nrotatednames + (c->rotatednames != NULL));
	for (i = 0; i < c->nrelay_overrides; i++)
		free(c->relay_overrides[i].who);
	free(c->relay_overrides);
	free(c->holidays);
	free(c->mailserver);
	free(c->mailuser);
	free(c->mailpasswordfile);
	free(c->mailfrom);
	free(c->mailsubject);
	free_list(c->mailto, c->nmailto);
	queue_config_free(&c->queue);
	memset(c, 0, sizeof(*c));
}

static int
push(char ***v, size_t *n, const char *s, int nul_terminated)
{
	char **nv = realloc(*v, (*n + 1 + (size_t)nul_terminated) * sizeof(char *));

	if (nv == NULL)
		return -1;
	*v = nv;
	if ((nv[*n] = strdup(s)) == NULL)
		return -1;
	(*n)++;
	if (nul_terminated)
		nv[*n] = NULL;
	return 0;
}

static int
parse_uint(const char *s, unsigned long min, unsigned long max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' || v < min || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int
parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= min && v <= max))
		return -1;
	*out = v;
	return 0;
}

/* Split "word rest": returns the first word in buf and the rest. */
static const char *
first_word(const char *value, char *buf, size_t buflen)
{
	size_t n = strcspn(value, " \t");

	if (n >= buflen)
		n = buflen - 1;
	memcpy(buf, value, n);
	buf[n] = '\0';
	value += strcspn(value, " \t");
	while (*value == ' ' || *value == '\t')
		value++;
	return value;
}

static int
apply_logfile(struct mtastat_config *c, const char *value, char *err, size_t errlen)
{
	char path[CONFIG_LINE_MAX];
	const char *rest = first_word(value, path, sizeof(path));
	const struct mta_parser *p = &parser_postfix;
	struct logsource *nl;

	if (*rest != '\0' && (p = parser_by_name(rest)) == NULL) {
		snprintf(err, errlen, "logfile %s: unknown log format '%s' (known: %s)", path, rest,
		    parser_names());
		return -1;
	}
	if (path[0] != '/') {
		snprintf(err, errlen, "logfile %s: an absolute path is required", path);
		return -1;
	}
	nl = realloc(c->logs, (c->nlogs + 1) * sizeof(*nl));
	if (nl == NULL)
		return -1;
	c->logs = nl;
	if ((nl[c->nlogs].path = strdup(path)) == NULL)
		return -1;
	nl[c->nlogs].parser = p;
	c->nlogs++;
	return 0;
}

/* "relaylimit N", "relaylimit ACCOUNT N", "relaylimit @domain N" */
static int
apply_relaylimit(struct mtastat_config *c, const char *value, char *err, size_t errlen)
{
	char who[CONFIG_LINE_MAX];
	const char *rest = first_word(value, who, sizeof(who));
	struct relay_override *o;
	unsigned limit;
	size_t i;

	if (*rest == '\0') {
		if (parse_uint(who, 0, 4294967295UL, &c->relaylimit) != 0) {
			snprintf(err, errlen, "relaylimit %s: expected a number of recipients", who);
			return -1;
		}
		return 0;
	}
	if (parse_uint(rest, 0, 4294967295UL, &limit) != 0 || strpbrk(rest, " \t") != NULL) {
		snprintf(err, errlen, "relaylimit %s %s: expected ACCOUNT N or @domain N", who, rest);
		return -1;
	}
	for (i = 0; who[i] != '\0'; i++)
		who[i] = (char)tolower((unsigned char)who[i]);
	o = realloc(c->relay_overrides, (c->nrelay_overrides + 1) * sizeof(*o));
	if (o == NULL)
		return -1;
	c->relay_overrides = o;
	if ((o[c->nrelay_overrides].who = strdup(who)) == NULL)
		return -1;
	o[c->nrelay_overrides++].limit = limit;
	return 0;
}

unsigned
config_relay_limit(const struct mtastat_config *c, const char *account)
{
	const char *at = strrchr(account, '@');
	size_t i;
	int domain = -1;

	for (i = 0; i < c->nrelay_overrides; i++) {
		const char *who = c->relay_overrides[i].who;
		if (strcasecmp(who, account) == 0)
			return c->relay_overrides[i].limit; /* the most specific */
		if (who[0] == '@' && at != NULL && strcasecmp(who + 1, at + 1) == 0)
			domain = (int)i;
	}
	return domain >= 0 ? c->relay_overrides[domain].limit : c->relaylimit;
}

int
config_is_holiday(const struct mtastat_config *c, int32_t day)
{
	size_t lo = 0, hi = c->nholidays;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->holidays[mid] == day)
			return 1;
		if (c->holidays[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* "holiday YYYY-MM-DD": kept sorted for config_is_holiday(). */
static int
apply_holiday(struct mtastat_config *c, const char *value, char *err, size_t errlen)
{
	int32_t day, *v;
	size_t i;

	if (civil_parse(value, &day) != 0) {
		snprintf(err, errlen, "holiday %s: expected a date like 2026-12-25", value);
		return -1;
	}
	if (config_is_holiday(c, day))
		return 0;
	if (c->nholidays >= CONFIG_HOLIDAYS_MAX) {
		snprintf(err, errlen, "holiday %s: more than %d holidays", value, CONFIG_HOLIDAYS_MAX);
		return -1;
	}
	v = realloc(c->holidays, (c->nholidays + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	c->holidays = v;
	for (i = c->nholidays; i > 0 && v[i - 1] > day; i--)
		v[i] = v[i - 1];
	v[i] = day;
	c->nholidays++;
	return 0;
}

/* "direction INDICATOR high|low|both" */
static int
apply_direction(struct mtastat_config *c, const char *value, char *err, size_t errlen)
{
	static const char *const names[] = { "", "high", "low", "both" };
	char name[CONFIG_LINE_MAX];
	const char *rest = first_word(value, name, sizeof(name));
	int ind = stats_indicator_find(name), d;

	for (d = DIR_HIGH; d <= DIR_BOTH; d++)
		if (strcasecmp(rest, names[d]) == 0)
			break;
	if (ind < 0 || d > DIR_BOTH) {
		snprintf(err, errlen, "direction %s: expected an indicator such as SMTP_REJECTED,"
		    " then high, low or both", value);
		return -1;
	}
	c->direction[ind] = (unsigned char)d;
	return 0;
}

static int yes_no(const char *token, const char *value, int *out, char *err, size_t errlen);

/* The words of the new alarm rules (docs/alarms.md); 1 when the token is not one. */
static int
apply_rule_token(struct mtastat_config *c, const char *token, const char *value,
    char *err, size_t errlen)
{
	if (strcasecmp(token, "holiday") == 0)
		return apply_holiday(c, value, err, errlen);
	if (strcasecmp(token, "direction") == 0)
		return apply_direction(c, value, err, errlen);
	if (strcasecmp(token, "poissonfloor") == 0)
		return yes_no(token, value, &c->poissonfloor, err, errlen);
	if (strcasecmp(token, "prediction") == 0)
		return yes_no(token, value, &c->prediction, err, errlen);
	if (strcasecmp(token, "accountbaseline") == 0)
		return yes_no(token, value, &c->accountbaseline, err, errlen);
	if (strcasecmp(token, "relaycount") == 0 || strcasecmp(token, "daytypes") == 0) {
		int msgs = strcasecmp(token, "relaycount") == 0;
		const char *a = msgs ? "recipients" : "weekday-weekend", *b = msgs ? "messages" : "all";
		if (strcasecmp(value, a) != 0 && strcasecmp(value, b) != 0) {
			snprintf(err, errlen, "%s %s: expected %s or %s", token, value, a, b);
			return -1;
		}
		*(msgs ? &c->relaycount_messages : &c->daytypes) = strcasecmp(value, b) == 0;
		return 0;
	}
	if (strcasecmp(token, "holddown") == 0 || strcasecmp(token, "persist") == 0) {
		unsigned *u = strcasecmp(token, "persist") == 0 ? &c->persist : &c->holddown;
		if (parse_uint(value, 0, 86400, u) != 0) {
			snprintf(err, errlen, "%s %s: expected seconds from 0 to 86400", token, value);
			return -1;
		}
		return 0;
	}
	return 1;
}

double
config_sigma_clear(const struct mtastat_config *c)
{
	return c->sigmaclear >= 0 ? c->sigmaclear : c->sigma - 0.5;
}

static int
has_space(const char *s)
{
	return strpbrk(s, " \t") != NULL;
}

static int
set_string(char **dst, const char *value)
{
	free(*dst);
	*dst = strdup(value);
	return *dst == NULL ? -1 : 0;
}

static int
yes_no(const char *token, const char *value, int *out, char *err, size_t errlen)
{
	if (strcasecmp(value, "yes") == 0 || strcasecmp(value, "no") == 0) {
		*out = strcasecmp(value, "yes") == 0;
		return 0;
	}
	snprintf(err, errlen, "%s %s: expected yes or no", token, value);
	return -1;
}

/* An address for an envelope and a header: no spaces, no control bytes, one '@'. */
static int
plain_address(const char *a)
{
	const char *at = strchr(a, '@');

	if (at == NULL || at == a || at[1] == '\0' || strchr(at + 1, '@') != NULL)
		return 0;
	for (; *a != '\0'; a++)
		if ((unsigned char)*a <= ' ' || *a == '<' || *a == '>' || *a == ',' || *a == 0x7f)
			return 0;
	return 1;
}

/* Tokens of the e-mail alerts; 1 when the token is not one of them. */
static int
apply_mail_token(struct mtastat_config *c, const char *token, const char *value,
    char *err, size_t errlen)
{
	unsigned hh, mm;
	char extra;

	if (strcasecmp(token, "mailserver") == 0) {
		if (strncmp(value, "smtp://", 7) != 0 && strncmp(value, "smtps://", 8) != 0) {
			snprintf(err, errlen, "mailserver %s: expected smtp://host[:port] or smtps://host[:port]",
			    value);
			return -1;
		}
		return set_string(&c->mailserver, value);
	}
	if (strcasecmp(token, "mailstarttls") == 0)
		return yes_no(token, value, &c->mailstarttls, err, errlen);
	if (strcasecmp(token, "mailverify") == 0)
		return yes_no(token, value, &c->mailverify, err, errlen);
	if (strcasecmp(token, "mailuser") == 0)
		return set_string(&c->mailuser, value);
	if (strcasecmp(token, "mailpasswordfile") == 0)
		return set_string(&c->mailpasswordfile, value);
	if (strcasecmp(token, "mailsubject") == 0)
		return set_string(&c->mailsubject, value);
	if (strcasecmp(token, "mailfrom") == 0 || strcasecmp(token, "mailto") == 0) {
		if (!plain_address(value)) {
			snprintf(err, errlen, "%s %s: expected one address like user@example.com", token, value);
			return -1;
		}
		if (strcasecmp(token, "mailfrom") == 0)
			return set_string(&c->mailfrom, value);
		return push(&c->mailto, &c->nmailto, value, 0);
	}
	if (strcasecmp(token, "mailtimeout") == 0 || strcasecmp(token, "maildigest") == 0 ||
	    strcasecmp(token, "mailmaxage") == 0) {
		unsigned *u = strcasecmp(token, "mailtimeout") == 0 ? &c->mailtimeout
		    : strcasecmp(token, "maildigest") == 0 ? &c->maildigest : &c->mailmaxage;
		if (parse_uint(value, 1, 31 * 86400, u) != 0) {
			snprintf(err, errlen, "%s %s: expected seconds from 1 to 2678400", token, value);
			return -1;
		}
		return 0;
	}
	if (strcasecmp(token, "mailreport") == 0) {
		if (sscanf(value, "%2u:%2u%c", &hh, &mm, &extra) != 2 || hh > 23 || mm > 59) {
			snprintf(err, errlen, "mailreport %s: expected HH:MM", value);
			return -1;
		}
		c->mailreport_min = (int)(hh * 60 + mm);
		return 0;
	}
	return 1;
}

/* Tokens of the baselines and alarms. */
static int
apply_alarm_token(struct mtastat_config *c, const char *token, const char *value,
    char *err, size_t errlen)
{
	double *d = NULL, max = 1e12;
	int rc = apply_mail_token(c, token, value, err, errlen);

	if (rc <= 0)
		return rc;
	if ((rc = apply_rule_token(c, token, value, err, errlen)) <= 0)
		return rc;
	if (strcasecmp(token, "relaylimit") == 0)
		return apply_relaylimit(c, value, err, errlen);
	if (strcasecmp(token, "days") == 0 || strcasecmp(token, "mindays") == 0) {
		unsigned *u = strcasecmp(token, "days") == 0 ? &c->days : &c->mindays;
		if (parse_uint(value, 2, CONFIG_DAYS_MAX, u) != 0) {
			snprintf(err, errlen, "%s %s: expected a number of days from 2 to %d", token,
			    value, CONFIG_DAYS_MAX);
			return -1;
		}
		return 0;
	}
	if (strcasecmp(token, "logstalled") == 0) {
		if (parse_uint(value, 0, 31 * 86400, &c->logstalled) != 0) {
			snprintf(err, errlen, "logstalled %s: expected seconds from 0 (never) to 2678400",
			    value);
			return -1;
		}
		return 0;
	}
	if (strcasecmp(token, "trapqueue") == 0) {
		if (parse_uint(value, 0, CONFIG_TRAPQUEUE_MAX, &c->trapqueue) != 0) {
			snprintf(err, errlen, "trapqueue %s: expected a number of notifications from 0"
			    " (none kept) to %u", value, CONFIG_TRAPQUEUE_MAX);
			return -1;
		}
		return 0;
	}
	if (strcasecmp(token, "intraday") == 0) {
		if (strcasecmp(value, "yes") == 0 || strcasecmp(value, "no") == 0) {
			c->intraday = strcasecmp(value, "yes") == 0;
			return 0;
		}
		snprintf(err, errlen, "intraday %s: expected yes or no", value);
		return -1;
	}
	if (strcasecmp(token, "sigma") == 0)
		d = &c->sigma, max = 100;
	else if (strcasecmp(token, "sigmaclear") == 0)
		d = &c->sigmaclear, max = 100;
	else if (strcasecmp(token, "sigmastrong") == 0)
		d = &c->sigmastrong, max = 100;
	else if (strcasecmp(token, "minabsdiff") == 0)
		d = &c->minabsdiff;
	else if (strcasecmp(token, "minreldiff") == 0)
		d = &c->minreldiff, max = 100;
	if (d == NULL) {
		snprintf(err, errlen, "unknown token '%s'", token);
		return -1;
	}
	if (parse_double(value, 0, max, d) != 0) {
		snprintf(err, errlen, "%s %s: expected a number from 0 to %g", token, value, max);
		return -1;
	}
	return 0;
}

int
config_apply(struct mtastat_config *c, const char *token, const char *value,
    char *err, size_t errlen)
{
	char low[CONFIG_LINE_MAX];
	size_t i;
	int rc;

	if (value == NULL || *value == '\0') {
		snprintf(err, errlen, "%s: a value is required", token);
		return -1;
	}
	if (strcasecmp(token, "database") == 0) {
		free(c->database);
		c->database = strdup(value);
		return c->database == NULL ? -1 : 0;
	}
	if (strcasecmp(token, "databasegroup") == 0) {
		if (getgrnam(value) == NULL) {
			snprintf(err, errlen, "databasegroup %s: no such group", value);
			return -1;
		}
		free(c->databasegroup);
		c->databasegroup = strdup(value);
		return c->databasegroup == NULL ? -1 : 0;
	}
	if (strcasecmp(token, "logfile") == 0)
		return apply_logfile(c, value, err, errlen);
	if (strcasecmp(token, "rotatedname") == 0) {
		/* matched in the log's directory after its name: no '/', no spaces */
		if (has_space(value) || strchr(value, '/') != NULL) {
			snprintf(err, errlen, "rotatedname %s: expected one pattern for what follows the"
			    " log's file name, like .[0-9]* (no '/', no spaces)", value);
			return -1;
		}
		return push(&c->rotatednames, &c->nrotatednames, value, 1);
	}
	if (strcasecmp(token, "localdomain") == 0 || strcasecmp(token, "contentfilter") == 0 ||
	    strcasecmp(token, "postfixname") == 0) {
		if (has_space(value) || strlen(value) >= sizeof(low)) {
			snprintf(err, errlen, "%s: one value per line, without spaces", token);
			return -1;
		}
		for (i = 0; value[i] != '\0'; i++)
			low[i] = (char)tolower((unsigned char)value[i]);
		low[i] = '\0';
		if (strcasecmp(token, "localdomain") == 0)
			return push(&c->localdomains, &c->nlocaldomains, low, 0);
		if (strcasecmp(token, "postfixname") == 0)
			return push(&c->postfixnames, &c->npostfixnames, value, 1);
		/* "[127.0.0.1]:10024" and "127.0.0.1:10024" mean the same */
		if (low[0] == '[') {
			char *close = strchr(low, ']');
			if (close == NULL) {
				snprintf(err, errlen, "contentfilter %s: missing ']'", value);
				return -1;
			}
			memmove(close, close + 1, strlen(close));
			memmove(low, low + 1, strlen(low));
		}
		if (strrchr(low, ':') == NULL) {
			snprintf(err, errlen, "contentfilter %s: expected address:port", value);
			return -1;
		}
		return push(&c->contentfilters, &c->ncontentfilters, low, 0);
	}
	rc = queue_config_apply(&c->queue, token, value, err, errlen);
	if (rc != 1)
		return rc;
	if (strcasecmp(token, "queuetable") == 0) {
		if (parse_uint(value, 16, 100000000, &c->queuetable) != 0) {
			snprintf(err, errlen, "queuetable %s: expected a number from 16 to 100000000", value);
			return -1;
		}
		return 0;
	}
	if (strcasecmp(token, "commitlines") == 0) {
		if (parse_uint(value, 1, 100000000, &c->commit_lines) != 0) {
			snprintf(err, errlen, "commitlines %s: expected a number from 1 to 100000000", value);
			return -1;
		}
		return 0;
	}
	if (strcasecmp(token, "commitms") == 0) {
		if (parse_uint(value, 1, 3600000, &c->commit_ms) != 0) {
			snprintf(err, errlen, "commitms %s: expected milliseconds from 1 to 3600000", value);
			return -1;
		}
		return 0;
	}
	return apply_alarm_token(c, token, value, err, errlen);
}

static int
is_known(const char *token)
{
	const char *const *t;

	for (t = config_tokens; *t != NULL; t++)
		if (strcasecmp(*t, token) == 0)
			return 1;
	return 0;
}

/*
 * net-snmp's own tokens may share the file (agentXSocket, doDebugging...).
 * mtastat(1) leaves them to mtastatd, which knows them.
 */
static int
is_foreign(const char *token)
{
	static const char *const prefixes[] = { "agentx", "agentX", "snmp", "do", "mib",
		"persistent", "logTimestamp", "dontLog", "trap", "informsink", "defVersion",
		"defCommunity", "leave_pid", "master", NULL };
	const char *const *p;

	for (p = prefixes; *p != NULL; p++)
		if (strncasecmp(token, *p, strlen(*p)) == 0)
			return 1;
	return 0;
}

int
config_read_file(struct mtastat_config *c, const char *path, int skip_foreign)
{
	char line[CONFIG_LINE_MAX + 2], err[CONFIG_LINE_MAX + 128], token[64];
	const char *value;
	FILE *f = fopen(path, "r");
	int lineno = 0, errors = 0;
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		n = strlen(line);
		if (n > CONFIG_LINE_MAX) {
			fprintf(stderr, "%s: line %d: longer than %d bytes\n", path, lineno, CONFIG_LINE_MAX);
			errors++;
			while (n > 0 && line[n - 1] != '\n' && fgets(line, sizeof(line), f) != NULL)
				n = strlen(line);
			continue;
		}
		while (n > 0 && isspace((unsigned char)line[n - 1]))
			line[--n] = '\0';
		value = line + strspn(line, " \t");
		if (*value == '\0' || *value == '#')
			continue;
		value = first_word(value, token, sizeof(token));
		if (!is_known(token) && skip_foreign && is_foreign(token))
			continue;
		if (config_apply(c, token, value, err, sizeof(err)) != 0) {
			sanitize_printable(err, strlen(err));
			fprintf(stderr, "%s: line %d: %s\n", path, lineno, err);
			errors++;
		}
	}
	fclose(f);
	return errors;
}

int
config_is_local_domain(const struct mtastat_config *c, struct strview addr)
{
	const char *at = addr.n > 0 ? memrchr(addr.p, '@', addr.n) : NULL;
	size_t i, dn, ln;
	const char *d;

	if (at == NULL)
		return 1; /* a bare local part is delivered here */
	d = at + 1;
	dn = addr.n - (size_t)(d - addr.p);
	for (i = 0; i < c->nlocaldomains; i++) {
		const char *l = c->localdomains[i];
		ln = strlen(l);
		if (l[0] == '.') {
			/* ".example.com": example.com and every subdomain */
			if ((dn == ln - 1 && strncasecmp(d, l + 1, dn) == 0) ||
			    (dn > ln && strncasecmp(d + dn - ln, l, ln) == 0))
				return 1;
		} else if (dn == ln && strncasecmp(d, l, dn) == 0) {
			return 1;
		}
	}
	return 0;
}

int
config_is_content_filter(const struct mtastat_config *c, struct strview relay)
{
	const char *open, *close;
	char buf[300];
	size_t i, an, pn;

	if (c->ncontentfilters == 0 || relay.n == 0)
		return 0;
	open = memchr(relay.p, '[', relay.n);
	close = open ? memchr(open, ']', relay.n - (size_t)(open - relay.p)) : NULL;
	if (open == NULL || close == NULL)
		return 0;
	an = (size_t)(close - open - 1);
	pn = relay.n - (size_t)(close + 1 - relay.p); /* ":port" */
	if (an + pn >= sizeof(buf))
		return 0;
	memcpy(buf, open + 1, an);
	memcpy(buf + an, close + 1, pn);
	buf[an + pn] = '\0';
	for (i = 0; i < c->ncontentfilters; i++)
		if (strcasecmp(buf, c->contentfilters[i]) == 0)
			return 1;
	return 0;
}
