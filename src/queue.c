/* The queue sampler's configuration and alarm rule; the output parsers are queue_parse.c. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "queue.h"

const char *const queue_names[QN_COUNT] = { "active", "deferred", "hold", "incoming",
	"maildrop" };
const char *const queue_rule_names[QR_COUNT] = { "limit", "age" };

/* The longest interval: a day; a queue sampled less often is not watched. */
#define QUEUE_INTERVAL_MAX 86400
/* Arguments of the child; find needs the most (10 with the NULL). */
#define QUEUE_ARGV_MIN 12

void
queue_config_init(struct queue_config *c)
{
	memset(c, 0, sizeof(*c));
	c->interval = QUEUE_DEFAULT_INTERVAL;
	c->timeout = QUEUE_DEFAULT_TIMEOUT;
}

void
queue_config_free(struct queue_config *c)
{
	free(c->dir);
	free(c->command);
	queue_config_init(c);
}

static int
parse_u(const char *s, unsigned long max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' || *s == '+' || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int
set_str(char **dst, const char *s, size_t n)
{
	char *v = strndup(s, n);

	if (v == NULL)
		return -1;
	free(*dst);
	*dst = v;
	return 0;
}

/* "queue postfix [CONFIG_DIR]", "queue exim", "queue icewarp DIR", "queue none" */
static int
apply_queue(struct queue_config *c, const char *value, char *err, size_t errlen)
{
	static const char *const mtas[] = { "none", "postfix", "exim", "icewarp" };
	size_t n = strcspn(value, " \t"), i;
	const char *arg = value + n;

	arg += strspn(arg, " \t");
	for (i = 0; i < sizeof(mtas) / sizeof(mtas[0]); i++)
		if (strlen(mtas[i]) == n && strncasecmp(value, mtas[i], n) == 0)
			break;
	if (i == sizeof(mtas) / sizeof(mtas[0])) {
		snprintf(err, errlen, "queue %s: expected postfix [CONFIG_DIRECTORY], exim,"
		    " icewarp QUEUE_DIRECTORY or none", value);
		return -1;
	}
	if ((i == QUEUE_NONE || i == QUEUE_EXIM) && *arg != '\0') {
		snprintf(err, errlen, "queue %s: %s takes no directory", value, mtas[i]);
		return -1;
	}
	if (i == QUEUE_ICEWARP && *arg == '\0') {
		snprintf(err, errlen, "queue %s: icewarp needs its queue directory", value);
		return -1;
	}
	if (*arg != '\0' && (arg[0] != '/' || arg[strcspn(arg, " \t")] != '\0')) {
		snprintf(err, errlen, "queue %s: the directory must be one absolute path", value);
		return -1;
	}
	c->mta = (int)i;
	free(c->dir);
	c->dir = NULL;
	return *arg != '\0' ? set_str(&c->dir, arg, strlen(arg)) : 0;
}

int
queue_config_apply(struct queue_config *c, const char *token, const char *value,
    char *err, size_t errlen)
{
	unsigned *u = NULL;
	unsigned long min = 0, max = 4294967295UL;
	const char *what = NULL;

	if (strcasecmp(token, "queue") == 0)
		return apply_queue(c, value, err, errlen);
	if (strcasecmp(token, "queuecommand") == 0) {
		if (value[0] != '/' || value[strcspn(value, " \t")] != '\0') {
			snprintf(err, errlen, "queuecommand %s: expected the program's absolute path"
			    " (no arguments)", value);
			return -1;
		}
		return set_str(&c->command, value, strlen(value));
	}
	if (strcasecmp(token, "queueinterval") == 0)
		u = &c->interval, min = 1, max = QUEUE_INTERVAL_MAX, what = "seconds";
	else if (strcasecmp(token, "queuetimeout") == 0)
		u = &c->timeout, min = 1, max = QUEUE_INTERVAL_MAX, what = "seconds";
	else if (strcasecmp(token, "queuelimit") == 0)
		u = &c->limit, what = "messages (0: no alarm)";
	else if (strcasecmp(token, "queueage") == 0)
		u = &c->age, what = "seconds (0: no alarm)";
	else
		return 1;
	if (parse_u(value, max, u) != 0 || *u < min) {
		snprintf(err, errlen, "%s %s: expected %s from %lu to %lu", token, value, what, min, max);
		return -1;
	}
	return 0;
}

void
queue_config_finish(struct queue_config *c)
{
	if (c->timeout > c->interval)
		c->timeout = c->interval; /* one sample at a time */
}

const char *
queue_command(const struct queue_config *c)
{
	if (c->command != NULL)
		return c->command;
	switch (c->mta) {
	case QUEUE_POSTFIX: return QUEUE_DEFAULT_POSTQUEUE;
	case QUEUE_EXIM: return QUEUE_DEFAULT_EXIM;
	case QUEUE_ICEWARP: return QUEUE_DEFAULT_FIND;
	default: return NULL;
	}
}

int
queue_argv(const struct queue_config *c, const char **v, size_t nv)
{
	const char *cmd = queue_command(c);
	size_t n = 0;

	if (cmd == NULL || nv < QUEUE_ARGV_MIN)
		return -1;
	v[n++] = cmd;
	switch (c->mta) {
	case QUEUE_POSTFIX:
		if (c->dir != NULL) {
			v[n++] = "-c";
			v[n++] = c->dir;
		}
		v[n++] = "-j";
		break;
	case QUEUE_EXIM:
		v[n++] = "-bpc";
		break;
	case QUEUE_ICEWARP:
		/*
		 * the queue folder and one level of folders under it: size and mtime
		 * per file; a message delivered between the listing and its stat is
		 * no error (a busy queue would fail every sample)
		 */
		v[n++] = c->dir;
		v[n++] = "-ignore_readdir_race";
		v[n++] = "-maxdepth";
		v[n++] = "2";
		v[n++] = "-type";
		v[n++] = "f";
		v[n++] = "-printf";
		v[n++] = "%s %T@\\n";
		break;
	}
	v[n] = NULL;
	return 0;
}

int64_t
queue_oldest_age(const struct queue_sample *s)
{
	if (s->oldest <= 0 || s->total == 0 || s->time <= s->oldest)
		return 0;
	return s->time - s->oldest;
}

uint64_t
queue_rule_value(enum queue_rule r, const struct queue_sample *s)
{
	return r == QR_LIMIT ? s->total : (uint64_t)queue_oldest_age(s);
}

unsigned
queue_rule_limit(const struct queue_config *c, enum queue_rule r)
{
	return r == QR_LIMIT ? c->limit : c->age;
}

int
queue_judge(const struct queue_config *c, unsigned holddown, enum queue_rule r,
    const struct queue_sample *s, int64_t now, struct queue_alarm *a)
{
	unsigned limit = queue_rule_limit(c, r);
	int over = limit > 0 && queue_rule_value(r, s) > limit;

	if (!a->raised) {
		if (!over)
			return 0;
		a->raised = 1;
		a->normal_since = 0;
		return 1;
	}
	if (over) {
		a->normal_since = 0; /* a flap within the hold-down is the same alarm */
		return 0;
	}
	if (a->normal_since == 0)
		a->normal_since = now;
	if (now - a->normal_since < (int64_t)holddown)
		return 0;
	a->raised = 0;
	a->normal_since = 0;
	return -1;
}
