#include "config.h"

#include <stdio.h>
#include <string.h>

#include "correlate.h"
#include "log.h"

/* The word of a per-day diagnostic counter (antispam action, ...): longer is "other". */
#define DAY_COUNTER_WORD_MAX 24
/* "sessions_incomplete_" and the word */
#define DAY_COUNTER_NAME_MAX 64

int
correlate_init(struct correlator *c, const struct mtastat_config *cfg, struct aggregate *agg)
{
	c->agg = agg;
	c->cfg = cfg;
	memset(c->recent, 0, sizeof(c->recent));
	c->recent_next = 0;
	topk_init(&c->names);
	return msgtable_init(&c->q, cfg->queuetable);
}

void
correlate_free(struct correlator *c)
{
	msgtable_free(&c->q);
	topk_free(&c->names);
}

static int
count(struct correlator *c, const struct log_time *t, enum counter k, int64_t n)
{
	return aggregate_add(c->agg, t->day, t->hour, k, n);
}

static struct strview
domain_of(struct strview addr)
{
	const char *at = addr.n > 0 ? memrchr(addr.p, '@', addr.n) : NULL;

	return at == NULL ? SV_NULL : sv_make(at + 1, addr.n - (size_t)(at + 1 - addr.p));
}

/* The message came from outside; a SASL name is its account. */
static int
on_origin(struct msg *m, struct strview sasl)
{
	m->flags |= MSG_ORIGIN | MSG_DIRTY;
	if (sasl.n == 0)
		return 0;
	m->flags |= MSG_SASL;
	return msgtable_set_account(m, sasl.n > AGG_NAME_MAX ? sv_make(sasl.p, AGG_NAME_MAX) : sasl);
}

/* A message accepted from outside enters the active queue: received, once. */
static int
on_queued(struct correlator *c, const struct log_time *t, const struct mta_event *ev)
{
	struct msg *m = msgtable_get(&c->q, ev->qid);

	if (m == NULL)
		return 0;
	m->flags |= MSG_DIRTY | MSG_QUEUED;
	m->size = ev->size;
	if (ev->origin && on_origin(m, ev->sasl) != 0)
		return -1;
	if (!(m->flags & MSG_SASL) && ev->has_sender && msgtable_set_account(m, ev->sender) != 0)
		return -1;
	if (!(m->flags & MSG_ORIGIN) || (m->flags & (MSG_RECEIVED | MSG_FILTERED)))
		return 0;
	m->flags |= MSG_RECEIVED;
	log_debug("correlate", "%s: received", m->qid);
	m->recv_day = t->day;
	m->recv_hour = (int8_t)t->hour;
	m->recv_t = t->t;
	if (count(c, t, C_RECEIVED, 1) || count(c, t, C_BYTES_RECEIVED, (int64_t)ev->size))
		return -1;
	return topk_add(&c->names, c->agg, AGG_SENDER, t->day,
	    ev->sender.n > 0 ? ev->sender : sv_make("<>", 2), 1, (int64_t)ev->size);
}

/*
 * "status=sent (250 ... queued as NEWQID)" to a content filter: the message
 * continues as NEWQID.  It was received once already, so NEWQID inherits the
 * account and, if it was counted as received meanwhile, the count is undone.
 */
static int
on_handoff(struct correlator *c, struct msg *parent, struct strview newqid)
{
	struct msg *child;
	char account[AGG_NAME_MAX];
	size_t account_len = 0;
	int has_account = 0, sasl = 0;

	if (parent != NULL && parent->account != NULL) {
		account_len = parent->account_len < sizeof(account) ? parent->account_len
		    : sizeof(account);
		memcpy(account, parent->account, account_len);
		has_account = 1;
		sasl = (parent->flags & MSG_SASL) != 0;
	}
	child = msgtable_get(&c->q, newqid); /* may evict parent: copied above */
	if (child == NULL)
		return 0;
	child->flags |= MSG_FILTERED | MSG_DIRTY;
	log_debug("correlate", "%s: re-injected by a content filter", child->qid);
	if (child->flags & MSG_RECEIVED) {
		/* without SASL the child's account is still its own envelope sender */
		struct strview sender = child->account != NULL && !(child->flags & MSG_SASL)
		    ? sv_make(child->account, child->account_len) : sv_make("<>", 2);
		child->flags &= (uint16_t)~MSG_RECEIVED;
		if (aggregate_add(c->agg, child->recv_day, child->recv_hour, C_RECEIVED, -1) ||
		    aggregate_add(c->agg, child->recv_day, child->recv_hour, C_BYTES_RECEIVED,
			-(int64_t)child->size) ||
		    topk_add(&c->names, c->agg, AGG_SENDER, child->recv_day, sender, -1,
			-(int64_t)child->size))
			return -1;
	}
	if (has_account) {
		if (msgtable_set_account(child, sv_make(account, account_len)) != 0)
			return -1;
		if (sasl)
			child->flags |= MSG_SASL;
	}
	return 0;
}

/* Where an account relays to: "account\001domain", the domain in lower case. */
static int
account_domain(struct correlator *c, const struct log_time *t, struct strview account,
    struct strview dom)
{
	char key[AGG_NAME_MAX];
	size_t an = account.n, i;

	/* only e-mail alerts show it: without a mailserver it is not worth its cost */
	if (c->cfg->mailserver == NULL || dom.n == 0 || an + 1 + dom.n > sizeof(key))
		return 0;
	memcpy(key, account.p, an);
	key[an] = '\001';
	for (i = 0; i < dom.n; i++)
		key[an + 1 + i] = (dom.p[i] >= 'A' && dom.p[i] <= 'Z') ? (char)(dom.p[i] + 32) : dom.p[i];
	return aggregate_keyed(c->agg, AGG_ACCOUNT_DOMAIN, t->day, sv_make(key, an + 1 + dom.n), 1, 0);
}

/*
 * A delivered recipient's delay: the line's own (Postfix delay=, Exim QT=),
 * else the time since the receipt this correlator saw (MTA-neutral: Exim
 * logs QT= only when asked to).  Unknown receipt: no delay is counted.
 */
static int
on_delay(struct correlator *c, const struct log_time *t, const struct mta_event *ev,
    const struct msg *m)
{
	int64_t ms;

	if (ev->has_delay)
		return aggregate_delay(c->agg, t->day, t->hour, ev->delay_ms);
	if (m == NULL || m->recv_t <= 0 || t->t < m->recv_t)
		return 0;
	ms = (t->t - m->recv_t) * 1000;
	return aggregate_delay(c->agg, t->day, t->hour, ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms);
}

static int
on_delivery(struct correlator *c, const struct log_time *t, const struct mta_event *ev)
{
	struct msg *m = msgtable_find(&c->q, ev->qid);
	struct strview dom, account;
	int relayed, delivered;

	switch (ev->status) {
	case DS_SENT:
		break;
	case DS_DEFERRED:
		if (count(c, t, C_DEFERRALS, 1))
			return -1;
		if (m == NULL)
			m = msgtable_get(&c->q, ev->qid);
		if (m != NULL && !(m->flags & MSG_DEFERRED)) {
			m->flags |= MSG_DEFERRED | MSG_DIRTY;
			return count(c, t, C_DEFERRED, 1);
		}
		return 0;
	case DS_BOUNCED:
		return count(c, t, C_BOUNCED, 1);
	default:
		return 0;
	}
	/* a hand-off to the content filter is never a delivery, even when the
	 * filter discards the message instead of re-injecting it */
	if (config_is_content_filter(c->cfg, ev->relay))
		return ev->newqid.n > 0 ? on_handoff(c, m, ev->newqid) : 0;
	relayed = !ev->local_delivery && !config_is_local_domain(c->cfg, ev->rcpt);
	/* resolved at reception: an external recipient is relayed now, delivered later */
	delivered = !(ev->resolved && relayed);
	if (ev->forwarded)
		relayed = 0; /* its relay was counted when it was resolved */
	if (delivered && (count(c, t, C_DELIVERED, 1) ||
	    count(c, t, C_BYTES_DELIVERED, m != NULL ? (int64_t)m->size : 0) ||
	    on_delay(c, t, ev, m) != 0))
		return -1;
	dom = domain_of(ev->rcpt);
	/* a recipient whose name was not kept counts without one */
	if (ev->rcpt.n > 0 && (topk_add(&c->names, c->agg, AGG_RCPT, t->day, ev->rcpt, delivered, relayed) ||
	    (dom.n > 0 && topk_add(&c->names, c->agg, AGG_DOMAIN, t->day, dom, delivered, relayed))))
		return -1;
	if (!relayed)
		return 0;
	if (count(c, t, C_RELAYED, 1))
		return -1;
	if (m == NULL || m->account == NULL)
		return 0;
	account = sv_make(m->account, m->account_len); /* with its length: NUL may be inside */
	if (aggregate_keyed(c->agg, AGG_ACCOUNT, t->day, account, 1, m->relay_day != t->day) ||
	    account_domain(c, t, account, dom) != 0)
		return -1;
	if (m->relay_day != t->day) {
		m->relay_day = t->day;
		m->flags |= MSG_DIRTY;
	}
	return 0;
}

/*
 * Once per message: some MTAs say it once per recipient.  Only a message in
 * flight is marked (an unknown one is counted, not created: Postfix says it
 * once, and a row would outlive a log that ends before "removed").
 */
static int
on_expired(struct correlator *c, const struct log_time *t, const struct mta_event *ev)
{
	struct msg *m = msgtable_find(&c->q, ev->qid);

	if (m != NULL) {
		if (m->flags & MSG_EXPIRED)
			return 0;
		m->flags |= MSG_EXPIRED | MSG_DIRTY;
	}
	return count(c, t, C_EXPIRED, 1);
}

/* A notice queued on its own line with its size: its deliveries need the size. */
static int
on_notification(struct correlator *c, const struct log_time *t, const struct mta_event *ev)
{
	struct msg *m;

	if (ev->has_size && (m = msgtable_get(&c->q, ev->newqid)) != NULL) {
		m->flags |= MSG_QUEUED | MSG_DIRTY;
		m->size = ev->size;
		m->recv_t = t->t; /* Exim's "<= <>": its deliveries' delay counts from here */
	}
	return count(c, t, C_NOTIFICATIONS, 1);
}

/*
 * A per-day diagnostic named prefix + what: what is a short word of
 * [a-z0-9_-] (upper case folded), anything else is "other", so a log
 * cannot make up counter names of any shape or number.
 */
static int
day_counter(struct correlator *c, const struct log_time *t, const char *prefix,
    struct strview what)
{
	char name[DAY_COUNTER_NAME_MAX + 1];
	size_t n = strlen(prefix), i;
	int ok = what.n > 0 && what.n <= DAY_COUNTER_WORD_MAX;

	for (i = 0; ok && i < what.n; i++) {
		char ch = what.p[i];
		ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '_' || ch == '-';
	}
	if (!ok)
		what = sv_make("other", 5);
	memcpy(name, prefix, n);
	for (i = 0; i < what.n; i++)
		name[n + i] = (what.p[i] >= 'A' && what.p[i] <= 'Z') ? (char)(what.p[i] + 32)
		    : what.p[i];
	/* a zero in the hour makes the day exist in the daily table the reports walk */
	if (count(c, t, C_RECEIVED, 0) != 0)
		return -1;
	return aggregate_keyed(c->agg, AGG_DAY_COUNTER, t->day, sv_make(name, n + what.n), 1, 0);
}

/*
 * A valid enhanced status code of the reply's class: "5.1.1" for a 5xx
 * (class.subject.detail, 1-3 digits each, RFC 3463); anything else counts
 * as none, so a log cannot make up keys of any shape.
 */
static struct strview
enhanced_of(const struct mta_reply *r)
{
	struct strview e = r->enh;
	size_t i, part = 0, digits = 0;

	if (e.n < 5 || e.n > 9 || e.p[0] != (char)('0' + r->code / 100) || e.p[1] != '.')
		return SV_NULL;
	for (i = 2; i < e.n; i++) {
		if (e.p[i] == '.' && digits > 0 && part == 0) {
			part = 1;
			digits = 0;
		} else if (e.p[i] >= '0' && e.p[i] <= '9' && digits < 3) {
			digits++;
		} else {
			return SV_NULL;
		}
	}
	return part == 1 && digits > 0 ? e : SV_NULL;
}

/* An SMTP reply: counted by (day, direction, code, enhanced code), one example text kept. */
static int
on_reply(struct correlator *c, const struct log_time *t, const struct mta_reply *r)
{
	char key[AGG_REPLY_KEY_MAX];
	size_t n;

	if (r->code < 200 || r->code > 599 || (r->dir != MTA_DIR_IN && r->dir != MTA_DIR_OUT))
		return 0;
	n = agg_reply_key(key, r->dir == MTA_DIR_IN, r->code, enhanced_of(r));
	return aggregate_keyed_note(c->agg, AGG_REPLY, t->day, sv_make(key, n), 1, 0, r->text);
}

static uint32_t
relay_hash(struct strview relay)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < relay.n; i++)
		h = (h ^ (unsigned char)relay.p[i]) * 16777619u;
	return h | 1;
}

/*
 * A session's TLS outcome.  A session whose outcome is said elsewhere
 * (tls_unsaid) is one session per message and relay: the lines of the
 * recipients of one transaction all name the connection that opened it.
 */
static int
on_tls(struct correlator *c, const struct log_time *t, const struct mta_event *ev)
{
	struct msg *m;
	uint32_t h;

	if (ev->dir != MTA_DIR_IN && ev->dir != MTA_DIR_OUT)
		return 0;
	if (ev->tls_unsaid) {
		if (ev->dir != MTA_DIR_OUT)
			return 0;
		h = relay_hash(ev->relay);
		if ((m = msgtable_find(&c->q, ev->qid)) != NULL) {
			if (m->out_conn == h)
				return 0;
			m->out_conn = h;
		}
		return aggregate_health(c->agg, t->day, t->hour, H_SESSIONS_OUT, 1);
	}
	return aggregate_health(c->agg, t->day, t->hour, ev->dir == MTA_DIR_IN
	    ? (ev->tls ? H_TLS_IN : H_PLAIN_IN) : (ev->tls ? H_TLS_OUT : H_PLAIN_OUT), 1);
}

/*
 * A broken session, by cause.  A session named by its client's address and
 * port is counted once: postscreen may log several failed tests for one.
 */
static int
on_broken(struct correlator *c, const struct log_time *t, const struct mta_event *ev)
{
	uint32_t h;
	size_t i;

	if (ev->session.n > 0) {
		h = relay_hash(ev->session);
		for (i = 0; i < CORR_RECENT_SESSIONS; i++)
			if (c->recent[i] == h)
				return 0;
		c->recent[c->recent_next] = h;
		c->recent_next = (c->recent_next + 1) % CORR_RECENT_SESSIONS;
		c->recent_dirty = 1;
	}
	if (aggregate_health(c->agg, t->day, t->hour, H_BROKEN, 1) != 0)
		return -1;
	return day_counter(c, t, "sessions_incomplete_", ev->what);
}

/* What any event may carry besides its own news: a reply, a TLS outcome. */
static int
health_of(struct correlator *c, const struct log_time *t, const struct mta_event *ev)
{
	if (ev->reply.code != 0 && on_reply(c, t, &ev->reply) != 0)
		return -1;
	if ((ev->has_tls || ev->type == EV_TLS) && on_tls(c, t, ev) != 0)
		return -1;
	return 0;
}

/*
 * A message refused or dropped before it was queued: nothing more comes of
 * it, not even a removal, and kept it would hold a place in the table until
 * pushed out (a milter rejecting spam all day filled 100,000 places).
 */
static void
on_gone(struct correlator *c, const struct mta_event *ev)
{
	struct msg *m;

	if (ev->gone && (m = msgtable_find(&c->q, ev->qid)) != NULL)
		msgtable_remove(&c->q, m);
}

int
correlate(struct correlator *c, const struct log_time *t, const struct mta_event *ev)
{
	struct msg *m;

	if ((ev->reply.code != 0 || ev->has_tls || ev->type == EV_TLS) && health_of(c, t, ev) != 0)
		return -1;

	switch (ev->type) {
	case EV_CLIENT:
		if ((m = msgtable_get(&c->q, ev->qid)) == NULL)
			return 0;
		return on_origin(m, ev->sasl);
	case EV_PICKUP:
		if ((m = msgtable_get(&c->q, ev->qid)) == NULL)
			return 0;
		m->flags |= MSG_ORIGIN | MSG_DIRTY;
		return msgtable_set_account(m, ev->sender.n > AGG_NAME_MAX
		    ? sv_make(ev->sender.p, AGG_NAME_MAX) : ev->sender);
	case EV_QUEUED:
		return on_queued(c, t, ev);
	case EV_DELIVERY:
		return on_delivery(c, t, ev);
	case EV_EXPIRED:
		return on_expired(c, t, ev);
	case EV_REMOVED:
		if ((m = msgtable_find(&c->q, ev->qid)) != NULL)
			msgtable_remove(&c->q, m);
		return 0;
	case EV_NOTIFICATION:
		return on_notification(c, t, ev);
	case EV_REJECT:
		on_gone(c, ev);
		/* a content filter's verdict too (Postfix milter-reject): what = its name */
		if (ev->what.n > 0 && day_counter(c, t, "antispam_", ev->what) != 0)
			return -1;
		return count(c, t, C_REJECTED, 1);
	case EV_AUTH_FAILED:
		return count(c, t, C_AUTH_FAILED, 1);
	case EV_SESSION_INCOMPLETE:
		return on_broken(c, t, ev);
	case EV_BLOCKED:
		return day_counter(c, t, "ipblock_", ev->what);
	case EV_ANTISPAM:
		on_gone(c, ev);
		return day_counter(c, t, "antispam_", ev->what);
	case EV_REPLY:
	case EV_TLS:
		/* counted above, as any event's reply and TLS outcome */
	case EV_UNPARSED:
	case EV_IGNORED:
		break;
	}
	return 0;
}

static void
put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t
get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void
correlate_recent_save(const struct correlator *c, unsigned char *out)
{
	size_t i;

	put_u32(out, c->recent_next);
	for (i = 0; i < CORR_RECENT_SESSIONS; i++)
		put_u32(out + 4 + 4 * i, c->recent[i]);
}

void
correlate_recent_load(struct correlator *c, const unsigned char *blob, size_t len)
{
	size_t i;

	memset(c->recent, 0, sizeof(c->recent));
	c->recent_next = 0;
	if (len != CORR_RECENT_BYTES)
		return;
	c->recent_next = get_u32(blob) % CORR_RECENT_SESSIONS;
	for (i = 0; i < CORR_RECENT_SESSIONS; i++)
		c->recent[i] = get_u32(blob + 4 + 4 * i);
}
