/*
 * The sampler's output, parsed as the pipe delivers it: one byte at a time
 * through a small state machine, so memory stays bounded whatever the
 * output holds (a recipient list of megabytes, nesting, escapes, NULs).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "queue.h"

void
queue_parser_init(struct queue_parser *p, int mta, struct queue_sample *s)
{
	int64_t t = s->time;

	memset(p, 0, sizeof(*p));
	memset(s, 0, sizeof(*s));
	s->time = t;
	s->split = mta == QUEUE_POSTFIX;
	s->has_bytes = mta != QUEUE_EXIM;
	p->mta = mta;
	p->s = s;
	p->key = -1;
	p->qn = -1;
}

/* The first reason the output is not understood wins. */
static int
failed(struct queue_parser *p, const char *why)
{
	if (p->err[0] == '\0')
		snprintf(p->err, sizeof(p->err), "%s", why);
	return -1;
}

static void
add(struct queue_sample *s, int qn, uint64_t size, int64_t arrival)
{
	if (qn >= 0) {
		s->msgs[qn]++;
		s->bytes[qn] += size;
	}
	s->total++;
	s->total_bytes += size;
	if (arrival > 0 && (s->oldest == 0 || arrival < s->oldest))
		s->oldest = arrival;
}

/* --- postqueue -j: one JSON object per line ---------------------------------- */

/* What may come next inside the current container. */
enum { J_VALUE, J_KEY, J_COLON, J_AFTER, J_END };
/* The top-level keys we read; every other is skipped, whatever it holds. */
enum { K_QUEUE_NAME, K_ARRIVAL, K_SIZE, K_COUNT };
static const char *const json_keys[K_COUNT] = { "queue_name", "arrival_time", "message_size" };

static void
json_record_reset(struct queue_parser *p)
{
	p->bad = p->started = p->depth = p->in_str = p->esc = p->hex = p->in_lit = 0;
	p->capture = p->capover = p->done = 0;
	p->caplen = 0;
	p->expect = J_VALUE;
	p->key = p->qn = -1;
	p->arrival = p->size = 0;
	p->have_arrival = p->have_size = 0;
}

/* A non-negative decimal integer of at most 18 digits: -1 otherwise. */
static int64_t
json_uint(const char *s, size_t n)
{
	int64_t v = 0;
	size_t i;

	if (n == 0 || n > 18)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* A value at depth 1 ended: keep it when its key is one we read. */
static void
json_value_done(struct queue_parser *p, int is_string)
{
	size_t i;

	if (p->depth == 1 && p->key >= 0 && !p->capover) {
		if (p->key == K_QUEUE_NAME && is_string) {
			for (i = 0; i < QN_COUNT; i++)
				if (strlen(queue_names[i]) == p->caplen &&
				    memcmp(queue_names[i], p->cap, p->caplen) == 0)
					p->qn = (int)i;
		} else if (p->key == K_ARRIVAL && !is_string) {
			p->arrival = json_uint(p->cap, p->caplen);
			p->have_arrival = p->arrival >= 0;
		} else if (p->key == K_SIZE && !is_string) {
			p->size = json_uint(p->cap, p->caplen);
			p->have_size = p->size >= 0;
		}
	}
	p->key = -1;
	p->capture = 0;
	p->expect = p->depth == 0 ? J_END : J_AFTER;
}

static void
json_cap(struct queue_parser *p, char c)
{
	if (!p->capture)
		return;
	if (p->caplen < sizeof(p->cap))
		p->cap[p->caplen++] = c;
	else
		p->capover = 1;
}

static void
json_string_byte(struct queue_parser *p, unsigned char c)
{
	if (p->hex > 0) {
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			p->bad = 1;
		p->hex--;
		return;
	}
	if (p->esc) {
		p->esc = 0;
		if (c == 'u')
			p->hex = 4;
		else if (strchr("\"\\/bfnrt", c) == NULL || c == '\0')
			p->bad = 1;
		p->capover = 1; /* no key or queue name we read is escaped */
		return;
	}
	if (c == '\\') {
		p->esc = 1;
	} else if (c == '"') {
		p->in_str = 0;
		if (p->expect == J_KEY) {
			size_t i;
			p->key = -1;
			for (i = 0; p->depth == 1 && !p->capover && i < K_COUNT; i++)
				if (strlen(json_keys[i]) == p->caplen &&
				    memcmp(json_keys[i], p->cap, p->caplen) == 0)
					p->key = (int)i;
			p->capture = 0;
			p->expect = J_COLON;
		} else {
			json_value_done(p, 1);
		}
	} else if (c < 0x20) {
		p->bad = 1; /* JSON escapes control characters */
	} else {
		json_cap(p, (char)c);
	}
}

static int
json_lit_byte(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '+' ||
	    c == '.' || c == 'E';
}

static void
json_open(struct queue_parser *p, char c)
{
	if (p->expect != J_VALUE || p->depth >= QUEUE_JSON_DEPTH_MAX || (p->depth == 0 && c != '{')) {
		p->bad = 1;
		return;
	}
	p->stack[p->depth++] = c;
	p->expect = c == '{' ? J_KEY : J_VALUE;
	p->key = p->depth == 1 ? -1 : p->key;
}

static void
json_close(struct queue_parser *p, char c)
{
	char open = c == '}' ? '{' : '[';

	/* "{}" and "[]" close where a key or value may start; else after a value */
	if (p->depth == 0 || p->stack[p->depth - 1] != open ||
	    !(p->expect == J_AFTER || (c == '}' && p->expect == J_KEY) ||
		(c == ']' && p->expect == J_VALUE))) {
		p->bad = 1;
		return;
	}
	p->depth--;
	if (p->depth == 0) {
		p->done = 1;
		p->expect = J_END;
	} else {
		json_value_done(p, 0);
	}
}

static void
json_record_end(struct queue_parser *p)
{
	if (!p->started)
		return;
	if (!p->bad && p->done && !p->in_str && p->qn >= 0 && p->have_size)
		add(p->s, p->qn, (uint64_t)p->size, p->have_arrival ? p->arrival : 0);
	else
		p->s->skipped++;
	p->lines++;
	json_record_reset(p);
}

static void
json_byte(struct queue_parser *p, unsigned char c)
{
	if (c == '\n') {
		json_record_end(p);
		return;
	}
	if (p->bad)
		return;
	if (c != ' ' && c != '\t' && c != '\r')
		p->started = 1;
	if (p->in_str) {
		json_string_byte(p, c);
		return;
	}
	if (p->in_lit) {
		if (json_lit_byte(c)) {
			json_cap(p, (char)c);
			return;
		}
		p->in_lit = 0;
		json_value_done(p, 0);
	}
	switch (c) {
	case ' ': case '\t': case '\r':
		return;
	case '{': case '[':
		json_open(p, (char)c);
		return;
	case '}': case ']':
		json_close(p, (char)c);
		return;
	case ':':
		if (p->expect != J_COLON) {
			p->bad = 1;
			return;
		}
		p->expect = J_VALUE;
		return;
	case ',':
		/* J_AFTER only inside a container: depth >= 1 */
		if (p->expect != J_AFTER || p->depth == 0) {
			p->bad = 1;
			return;
		}
		p->expect = p->stack[p->depth - 1] == '{' ? J_KEY : J_VALUE;
		return;
	case '"':
		if (p->expect != J_KEY && p->expect != J_VALUE) {
			p->bad = 1;
			return;
		}
		p->in_str = 1;
		p->caplen = 0;
		p->capover = 0;
		p->capture = p->depth == 1 && (p->expect == J_KEY || p->key >= 0);
		return;
	default:
		if (p->expect != J_VALUE || p->depth == 0 || !(json_lit_byte(c))) {
			p->bad = 1;
			return;
		}
		p->in_lit = 1;
		p->caplen = 0;
		p->capover = 0;
		p->capture = p->depth == 1 && p->key >= 0;
		json_cap(p, (char)c);
		return;
	}
}

/* --- exim -bpc: one number; find -printf '%s %T@\n': "size mtime.frac" lines ---- */

static int
numbers_byte(struct queue_parser *p, unsigned char c)
{
	int fields = p->mta == QUEUE_EXIM ? 1 : 2;

	if (c == '\n') {
		if (p->digits == 0 && p->field == 0)
			return p->mta == QUEUE_EXIM ? 0 : failed(p, "an empty line");
		if (p->field != fields - 1 || p->digits == 0)
			return failed(p, "a line with a missing number");
		if (p->mta == QUEUE_EXIM) {
			if (p->lines > 0)
				return failed(p, "more than one count");
			p->s->total = p->num[0];
		} else {
			add(p->s, -1, p->num[0], (int64_t)p->num[1]);
		}
		p->lines++;
		p->num[0] = p->num[1] = 0;
		p->field = p->digits = p->frac = 0;
		return 0;
	}
	if (c == ' ' && fields == 2 && p->field == 0 && p->digits > 0) {
		p->field = 1;
		p->digits = 0;
		return 0;
	}
	if (c == '.' && p->field == 1 && p->digits > 0 && !p->frac) {
		p->frac = 1; /* the mtime's fraction: whole seconds are enough */
		return 0;
	}
	if (c < '0' || c > '9') {
		if (p->err[0] == '\0')
			snprintf(p->err, sizeof(p->err), "unexpected byte 0x%02x in the output", c);
		return -1;
	}
	if (p->frac)
		return 0;
	if (++p->digits > 18)
		return failed(p, "a number too long");
	p->num[p->field] = p->num[p->field] * 10 + (uint64_t)(c - '0');
	return 0;
}

int
queue_parser_feed(struct queue_parser *p, const char *buf, size_t len)
{
	size_t i;

	if (p->err[0] != '\0')
		return -1;
	for (i = 0; i < len; i++) {
		if (p->mta == QUEUE_POSTFIX)
			json_byte(p, (unsigned char)buf[i]);
		else if (numbers_byte(p, (unsigned char)buf[i]) != 0)
			return -1;
	}
	return 0;
}

int
queue_parser_end(struct queue_parser *p)
{
	if (p->err[0] != '\0')
		return -1;
	if (p->mta == QUEUE_POSTFIX) {
		json_record_end(p); /* a last line without its newline */
		/* postqueue prints nothing for an empty queue; all broken is not a queue */
		if (p->s->skipped > 0 && p->s->total == 0)
			return failed(p, "no record of the output is postqueue -j's");
		return 0;
	}
	if (p->digits > 0 || p->field > 0)
		queue_parser_feed(p, "\n", 1);
	if (p->err[0] != '\0')
		return -1;
	if (p->mta == QUEUE_EXIM && p->lines == 0)
		return failed(p, "no count in the output");
	return 0;
}
