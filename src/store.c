#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "acctmap.h"
#include "log.h"
#include "sanitize.h"
#include "store.h"

/* A new history: owner and group only, it names accounts and holds queued mail. */
#define STORE_FILE_MODE 0640
/* WAL readers (mtastat report, the agent) wait this long for a writer. */
#define STORE_BUSY_MS 5000
/* Longest database path (PATH_MAX): struct file_pos holds paths as long. */
#define STORE_PATH_MAX 4096

enum {
	ST_HOURLY, ST_DAILY, ST_ACCOUNT_ID, ST_ACCOUNT_DAY, ST_DOMAIN, ST_SENDER, ST_RCPT,
	ST_UNPARSED, ST_TOTAL_ADD, ST_QUEUE_PUT, ST_QUEUE_DEL, ST_FILE_INSERT, ST_FILE_UPDATE,
	ST_FILE_LOOKUP, ST_TOTAL_GET, ST_FILE_BY_PATH, ST_TOTAL_MAX, ST_ACCOUNT_DOMAIN,
	ST_DAY_COUNTER, ST_STATE_PUT, ST_STATE_GET, ST_ACCOUNT_FIRST, ST_ACCOUNT_LOOKUP, ST_REPLY,
	ST_HEALTH, ST_DELAY, ST_DOMAIN_CLEAR, ST_SENDER_CLEAR, ST_RCPT_CLEAR, ST_COUNT
};

static const char *const schema_v1[] = {
	"CREATE TABLE hourly(day INTEGER NOT NULL, hour INTEGER NOT NULL,"
	" received INTEGER DEFAULT 0, delivered INTEGER DEFAULT 0, relayed INTEGER DEFAULT 0,"
	" deferred INTEGER DEFAULT 0, deferrals INTEGER DEFAULT 0, bounced INTEGER DEFAULT 0,"
	" expired INTEGER DEFAULT 0, rejected INTEGER DEFAULT 0, auth_failed INTEGER DEFAULT 0,"
	" notifications INTEGER DEFAULT 0, bytes_received INTEGER DEFAULT 0,"
	" bytes_delivered INTEGER DEFAULT 0, PRIMARY KEY(day, hour)) WITHOUT ROWID",
	"CREATE TABLE daily(day INTEGER PRIMARY KEY,"
	" received INTEGER DEFAULT 0, delivered INTEGER DEFAULT 0, relayed INTEGER DEFAULT 0,"
	" deferred INTEGER DEFAULT 0, deferrals INTEGER DEFAULT 0, bounced INTEGER DEFAULT 0,"
	" expired INTEGER DEFAULT 0, rejected INTEGER DEFAULT 0, auth_failed INTEGER DEFAULT 0,"
	" notifications INTEGER DEFAULT 0, bytes_received INTEGER DEFAULT 0,"
	" bytes_delivered INTEGER DEFAULT 0)",
	"CREATE TABLE accounts(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	" first_day INTEGER NOT NULL)",
	"CREATE TABLE account_daily(account_id INTEGER NOT NULL REFERENCES accounts(id),"
	" day INTEGER NOT NULL, relayed INTEGER NOT NULL, relayed_messages INTEGER NOT NULL,"
	" PRIMARY KEY(account_id, day)) WITHOUT ROWID",
	"CREATE INDEX account_daily_day ON account_daily(day)",
	"CREATE TABLE domain_daily(domain TEXT NOT NULL, day INTEGER NOT NULL,"
	" delivered INTEGER NOT NULL, relayed INTEGER NOT NULL, PRIMARY KEY(day, domain))"
	" WITHOUT ROWID",
	"CREATE TABLE sender_daily(sender TEXT NOT NULL, day INTEGER NOT NULL,"
	" messages INTEGER NOT NULL, bytes INTEGER NOT NULL, PRIMARY KEY(day, sender))"
	" WITHOUT ROWID",
	"CREATE TABLE rcpt_daily(rcpt TEXT NOT NULL, day INTEGER NOT NULL,"
	" delivered INTEGER NOT NULL, relayed INTEGER NOT NULL, PRIMARY KEY(day, rcpt))"
	" WITHOUT ROWID",
	"CREATE TABLE unparsed(program TEXT PRIMARY KEY, lines INTEGER NOT NULL)",
	"CREATE TABLE totals(key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
	"CREATE TABLE files(id INTEGER PRIMARY KEY, fingerprint BLOB NOT NULL,"
	" fp_len INTEGER NOT NULL, path TEXT NOT NULL, dev INTEGER, ino INTEGER,"
	" offset INTEGER NOT NULL, size INTEGER, year INTEGER, last_month INTEGER,"
	" lines INTEGER NOT NULL DEFAULT 0, updated INTEGER)",
	"CREATE TABLE queue(qid TEXT PRIMARY KEY, flags INTEGER NOT NULL, recv_day INTEGER,"
	" recv_hour INTEGER, relay_day INTEGER, size INTEGER, account TEXT) WITHOUT ROWID",
	NULL,
};

/* v2: alarms (detect.c) */
static const char *const schema_v2[] = {
	"CREATE TABLE alarm_state(subject TEXT PRIMARY KEY, raised INTEGER NOT NULL,"
	" day INTEGER NOT NULL, since INTEGER NOT NULL)",
	"CREATE TABLE alarm_log(id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
	" kind INTEGER NOT NULL, subject TEXT NOT NULL, value INTEGER NOT NULL,"
	" mean REAL NOT NULL, sd REAL NOT NULL, z REAL NOT NULL, lim INTEGER NOT NULL,"
	" text TEXT NOT NULL)",
	"CREATE INDEX alarm_log_time ON alarm_log(time)",
	NULL,
};

/* v3: e-mail (notify_mail.c): alarm lines waiting for their digest, outgoing messages */
static const char *const schema_v3[] = {
	"CREATE TABLE mail_lines(id INTEGER PRIMARY KEY, created INTEGER NOT NULL,"
	" line TEXT NOT NULL)",
	"CREATE TABLE mail_queue(id INTEGER PRIMARY KEY, created INTEGER NOT NULL,"
	" next_try INTEGER NOT NULL, tries INTEGER NOT NULL DEFAULT 0, subject TEXT NOT NULL,"
	" body TEXT NOT NULL, last_error TEXT)",
	NULL,
};

/* v4: where each account relays to, for the e-mail context */
static const char *const schema_v4[] = {
	"CREATE TABLE account_domain_daily(account_id INTEGER NOT NULL REFERENCES accounts(id),"
	" domain TEXT NOT NULL, day INTEGER NOT NULL, relayed INTEGER NOT NULL,"
	" PRIMARY KEY(day, account_id, domain)) WITHOUT ROWID",
	NULL,
};

/*
 * v5: per-day diagnostics by name (MTA-neutral: sessions_incomplete_<how>,
 * ipblock_<code>, antispam_<action>; docs/counting.md), and the parsers'
 * memory between lines (IceWarp's sessions) saved with the read positions.
 */
static const char *const schema_v5[] = {
	"CREATE TABLE day_counter(day INTEGER NOT NULL, name TEXT NOT NULL,"
	" value INTEGER NOT NULL, PRIMARY KEY(day, name)) WITHOUT ROWID",
	"CREATE TABLE parser_state(source TEXT PRIMARY KEY, state BLOB NOT NULL)",
	NULL,
};

/*
 * v6: mail-flow health (issue 14, docs/counting.md): SMTP replies by day,
 * direction, code and enhanced code with one example text; sessions, TLS
 * and delivery delays per hour, delays as a log-scaled histogram
 * (delayhist.h); the receipt time of messages in flight, for delays.
 */
static const char *const schema_v6[] = {
	"CREATE TABLE reply_daily(day INTEGER NOT NULL, dir TEXT NOT NULL, code INTEGER NOT NULL,"
	" enh TEXT NOT NULL, n INTEGER NOT NULL, example TEXT,"
	" PRIMARY KEY(day, dir, code, enh)) WITHOUT ROWID",
	"CREATE TABLE health_hourly(day INTEGER NOT NULL, hour INTEGER NOT NULL,"
	" broken INTEGER DEFAULT 0, tls_in INTEGER DEFAULT 0, plain_in INTEGER DEFAULT 0,"
	" tls_out INTEGER DEFAULT 0, plain_out INTEGER DEFAULT 0, sessions_out INTEGER DEFAULT 0,"
	" delays INTEGER DEFAULT 0, delay_sum_ms INTEGER DEFAULT 0, delay_max_ms INTEGER DEFAULT 0,"
	" PRIMARY KEY(day, hour)) WITHOUT ROWID",
	"CREATE TABLE delay_hist(day INTEGER NOT NULL, hour INTEGER NOT NULL,"
	" bucket INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY(day, hour, bucket)) WITHOUT ROWID",
	"ALTER TABLE queue ADD COLUMN recv_t INTEGER",
	NULL,
};

/*
 * v7: the MTA's queue sampled (queue_store.c): a row per sample (span: the
 * interval), compacted after a day into a row per hour (span 3600) holding
 * the hour's maxima.  Per-queue columns are NULL where the MTA's tool gives
 * only the whole (Exim, IceWarp), bytes and age where it does not tell them.
 */
static const char *const schema_v7[] = {
	"CREATE TABLE queue_sample(time INTEGER NOT NULL, day INTEGER NOT NULL,"
	" span INTEGER NOT NULL, samples INTEGER NOT NULL, messages INTEGER NOT NULL,"
	" bytes INTEGER, oldest_age INTEGER, active INTEGER, active_bytes INTEGER,"
	" deferred INTEGER, deferred_bytes INTEGER, hold INTEGER, hold_bytes INTEGER,"
	" incoming INTEGER, incoming_bytes INTEGER, maildrop INTEGER, maildrop_bytes INTEGER)",
	"CREATE INDEX queue_sample_time ON queue_sample(time)",
	"CREATE INDEX queue_sample_day ON queue_sample(day)",
	NULL,
};

static const char *const *const migrations[] = { schema_v1, schema_v2, schema_v3, schema_v4,
	schema_v5, schema_v6, schema_v7 };

static const char *const sql[ST_COUNT] = {
	[ST_HOURLY] = "INSERT INTO hourly(day, hour, received, delivered, relayed, deferred,"
	    " deferrals, bounced, expired, rejected, auth_failed, notifications,"
	    " bytes_received, bytes_delivered) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
	    " ON CONFLICT(day, hour) DO UPDATE SET received = received + excluded.received,"
	    " delivered = delivered + excluded.delivered, relayed = relayed + excluded.relayed,"
	    " deferred = deferred + excluded.deferred, deferrals = deferrals + excluded.deferrals,"
	    " bounced = bounced + excluded.bounced, expired = expired + excluded.expired,"
	    " rejected = rejected + excluded.rejected,"
	    " auth_failed = auth_failed + excluded.auth_failed,"
	    " notifications = notifications + excluded.notifications,"
	    " bytes_received = bytes_received + excluded.bytes_received,"
	    " bytes_delivered = bytes_delivered + excluded.bytes_delivered",
	[ST_DAILY] = "INSERT INTO daily(day, received, delivered, relayed, deferred,"
	    " deferrals, bounced, expired, rejected, auth_failed, notifications,"
	    " bytes_received, bytes_delivered) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)"
	    " ON CONFLICT(day) DO UPDATE SET received = received + excluded.received,"
	    " delivered = delivered + excluded.delivered, relayed = relayed + excluded.relayed,"
	    " deferred = deferred + excluded.deferred, deferrals = deferrals + excluded.deferrals,"
	    " bounced = bounced + excluded.bounced, expired = expired + excluded.expired,"
	    " rejected = rejected + excluded.rejected,"
	    " auth_failed = auth_failed + excluded.auth_failed,"
	    " notifications = notifications + excluded.notifications,"
	    " bytes_received = bytes_received + excluded.bytes_received,"
	    " bytes_delivered = bytes_delivered + excluded.bytes_delivered",
	[ST_ACCOUNT_ID] = "INSERT INTO accounts(name, first_day) VALUES(?, ?)",
	[ST_ACCOUNT_FIRST] = "UPDATE accounts SET first_day = ? WHERE id = ?",
	[ST_ACCOUNT_LOOKUP] = "SELECT id, first_day FROM accounts WHERE name = ?",
	[ST_ACCOUNT_DAY] = "INSERT INTO account_daily(account_id, day, relayed, relayed_messages)"
	    " VALUES(?,?,?,?) ON CONFLICT(account_id, day) DO UPDATE SET"
	    " relayed = relayed + excluded.relayed,"
	    " relayed_messages = relayed_messages + excluded.relayed_messages",
	[ST_ACCOUNT_DOMAIN] = "INSERT INTO account_domain_daily(account_id, domain, day, relayed)"
	    " VALUES(?,?,?,?) ON CONFLICT(day, account_id, domain) DO UPDATE SET"
	    " relayed = relayed + excluded.relayed",
	[ST_DOMAIN] = "INSERT INTO domain_daily(domain, day, delivered, relayed) VALUES(?,?,?,?)"
	    " ON CONFLICT(day, domain) DO UPDATE SET delivered = delivered + excluded.delivered,"
	    " relayed = relayed + excluded.relayed",
	[ST_SENDER] = "INSERT INTO sender_daily(sender, day, messages, bytes) VALUES(?,?,?,?)"
	    " ON CONFLICT(day, sender) DO UPDATE SET messages = messages + excluded.messages,"
	    " bytes = bytes + excluded.bytes",
	[ST_RCPT] = "INSERT INTO rcpt_daily(rcpt, day, delivered, relayed) VALUES(?,?,?,?)"
	    " ON CONFLICT(day, rcpt) DO UPDATE SET delivered = delivered + excluded.delivered,"
	    " relayed = relayed + excluded.relayed",
	/* a top-K list (topk.h) replaces the day's rows */
	[ST_DOMAIN_CLEAR] = "DELETE FROM domain_daily WHERE day = ?",
	[ST_SENDER_CLEAR] = "DELETE FROM sender_daily WHERE day = ?",
	[ST_RCPT_CLEAR] = "DELETE FROM rcpt_daily WHERE day = ?",
	[ST_UNPARSED] = "INSERT INTO unparsed(program, lines) VALUES(?, ?)"
	    " ON CONFLICT(program) DO UPDATE SET lines = lines + excluded.lines",
	[ST_TOTAL_ADD] = "INSERT INTO totals(key, value) VALUES(?, ?)"
	    " ON CONFLICT(key) DO UPDATE SET value = value + excluded.value",
	[ST_QUEUE_PUT] = "INSERT OR REPLACE INTO queue(qid, flags, recv_day, recv_hour,"
	    " relay_day, size, account, recv_t) VALUES(?,?,?,?,?,?,?,?)",
	[ST_QUEUE_DEL] = "DELETE FROM queue WHERE qid = ?",
	[ST_FILE_INSERT] = "INSERT INTO files(fingerprint, fp_len, path, dev, ino, offset, size,"
	    " year, last_month, lines, updated) VALUES(?,?,?,?,?,?,?,?,?,?, strftime('%s','now'))",
	[ST_FILE_UPDATE] = "UPDATE files SET fingerprint = ?, fp_len = ?, path = ?, dev = ?,"
	    " ino = ?, offset = ?, size = ?, year = ?, last_month = ?, lines = ?,"
	    " updated = strftime('%s','now') WHERE id = ?",
	[ST_FILE_LOOKUP] = "SELECT id, offset, year, last_month, lines, fp_len FROM files"
	    " WHERE fp_len <= ?2 AND fingerprint = substr(?1, 1, fp_len)"
	    " ORDER BY fp_len DESC, id DESC LIMIT 1",
	[ST_TOTAL_GET] = "SELECT value FROM totals WHERE key = ?",
	[ST_TOTAL_MAX] = "INSERT INTO totals(key, value) VALUES(?, ?)"
	    " ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)",
	[ST_DAY_COUNTER] = "INSERT INTO day_counter(name, day, value) VALUES(?,?,?)"
	    " ON CONFLICT(day, name) DO UPDATE SET value = value + excluded.value",
	[ST_STATE_PUT] = "INSERT OR REPLACE INTO parser_state(source, state) VALUES(?, ?)",
	[ST_STATE_GET] = "SELECT state FROM parser_state WHERE source = ?",
	/* the first example of a day stays: a report is stable while the day goes on */
	[ST_REPLY] = "INSERT INTO reply_daily(day, dir, code, enh, n, example) VALUES(?,?,?,?,?,?)"
	    " ON CONFLICT(day, dir, code, enh) DO UPDATE SET n = n + excluded.n,"
	    " example = coalesce(example, excluded.example)",
	[ST_HEALTH] = "INSERT INTO health_hourly(day, hour, broken, tls_in, plain_in, tls_out,"
	    " plain_out, sessions_out, delays, delay_sum_ms, delay_max_ms)"
	    " VALUES(?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(day, hour) DO UPDATE SET"
	    " broken = broken + excluded.broken, tls_in = tls_in + excluded.tls_in,"
	    " plain_in = plain_in + excluded.plain_in, tls_out = tls_out + excluded.tls_out,"
	    " plain_out = plain_out + excluded.plain_out,"
	    " sessions_out = sessions_out + excluded.sessions_out,"
	    " delays = delays + excluded.delays, delay_sum_ms = delay_sum_ms + excluded.delay_sum_ms,"
	    " delay_max_ms = max(delay_max_ms, excluded.delay_max_ms)",
	[ST_DELAY] = "INSERT INTO delay_hist(day, hour, bucket, n) VALUES(?,?,?,?)"
	    " ON CONFLICT(day, hour, bucket) DO UPDATE SET n = n + excluded.n",
	[ST_FILE_BY_PATH] = "SELECT id, offset, year, last_month, lines, fingerprint, dev, ino,"
	    " size FROM files WHERE path = ? ORDER BY updated DESC, id DESC LIMIT 1",
};

static void accounts_drop(struct store *);

static int
fail(struct store *s, const char *what)
{
	log_err("store", "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
	return -1;
}

static int
exec(struct store *s, const char *q)
{
	char *err = NULL;

	if (sqlite3_exec(s->db, q, NULL, NULL, &err) != SQLITE_OK) {
		log_err("store", "%s: %s: %s", s->path, q, err ? err : "?");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static int
user_version(struct store *s)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Migrations run in order, each in its own transaction with the version bump. */
static int
migrate(struct store *s)
{
	char q[64];
	int v = user_version(s), i;

	if (v < 0)
		return fail(s, "reading the schema version");
	if (v > STORE_SCHEMA_VERSION) {
		log_err("store", "%s: schema version %d is newer than this mtastat (%d)",
		    s->path, v, STORE_SCHEMA_VERSION);
		return -1;
	}
	for (; v < STORE_SCHEMA_VERSION; v++) {
		const char *const *m = migrations[v];
		if (exec(s, "BEGIN IMMEDIATE") != 0)
			return -1;
		for (i = 0; m[i] != NULL; i++)
			if (exec(s, m[i]) != 0) {
				exec(s, "ROLLBACK");
				return -1;
			}
		snprintf(q, sizeof(q), "PRAGMA user_version = %d", v + 1);
		if (exec(s, q) != 0 || exec(s, "COMMIT") != 0)
			return -1;
	}
	return 0;
}

/* Create the database's directory (and parents) like mkdir -p, mode 0750. */
static int
make_parent(const char *path)
{
	char dir[4096];
	char *p;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -1;
	p = strrchr(dir, '/');
	if (p == NULL || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0750) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

/*
 * A new database is made here, not by SQLite, so that it is private whatever
 * the umask: STORE_FILE_MODE, in group (when given), and never through a
 * symlink planted in its place.  SQLite gives the -wal and -shm files the
 * mode of the database file.  An existing file is left as it is, with a
 * warning when everyone may read it.
 */
static int
create_private(const char *path, const char *group)
{
	struct group *gr;
	struct stat st;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, STORE_FILE_MODE);

	if (fd < 0 && errno == EEXIST) {
		if (lstat(path, &st) == 0 && (st.st_mode & S_IROTH))
			log_warn("store", "%s: readable by every user (mode %03o): it holds account"
			    " names and queued alert mail; chmod o-rwx it", path,
			    (unsigned)(st.st_mode & 0777));
		return 0;
	}
	if (fd < 0) {
		log_err("store", "%s: cannot create: %s", path, strerror(errno));
		return -1;
	}
	if (fchmod(fd, STORE_FILE_MODE) != 0)
		log_warn("store", "%s: chmod: %s", path, strerror(errno));
	if (group != NULL && ((gr = getgrnam(group)) == NULL || fchown(fd, (uid_t)-1, gr->gr_gid) != 0))
		log_warn("store", "%s: cannot give it to group %s: %s", path, group,
		    gr == NULL ? "no such group" : strerror(errno));
	close(fd);
	return 0;
}

int
store_open(struct store *s, const char *path)
{
	return store_open_group(s, path, NULL);
}

int
store_open_group(struct store *s, const char *path, const char *group)
{
	int i;

	memset(s, 0, sizeof(*s));
	s->path = strdup(path);
	if (s->path == NULL)
		return -1;
	if (make_parent(path) != 0)
		log_err("store", "%s: cannot create its directory: %s", path, strerror(errno));
	if (strcmp(path, ":memory:") != 0 && strncmp(path, "file:", 5) != 0 &&
	    create_private(path, group) != 0) {
		store_close(s);
		return -1;
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
		SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		fail(s, "open");
		store_close(s);
		return -1;
	}
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	/* WAL + NORMAL: a crashed process loses nothing committed; power loss at
	 * worst rolls back the last commit, positions included, so nothing doubles. */
	if (exec(s, "PRAGMA journal_mode = WAL") != 0 || exec(s, "PRAGMA synchronous = NORMAL") != 0 ||
	    exec(s, "PRAGMA foreign_keys = ON") != 0 || migrate(s) != 0) {
		store_close(s);
		return -1;
	}
	for (i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(s->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
			NULL) != SQLITE_OK) {
			fail(s, sql[i]);
			store_close(s);
			return -1;
		}
	}
	return 0;
}

/*
 * path as a file: URI with query, percent-encoded so that '?', '#' and '%'
 * in a file name stay part of the name.  0, or -1 when it does not fit.
 */
static int
ro_uri(const char *path, const char *query, char *uri, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)path;
	size_t o;
	int n = snprintf(uri, len, "file:%s", path[0] == '/' ? "//" : "");

	if (n < 0 || (size_t)n >= len)
		return -1;
	for (o = (size_t)n; *p != '\0'; p++) {
		if (o + 4 >= len)
			return -1;
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/._-~", *p) != NULL) {
			uri[o++] = (char)*p;
		} else {
			uri[o++] = '%';
			uri[o++] = hex[*p >> 4];
			uri[o++] = hex[*p & 0xf];
		}
	}
	n = snprintf(uri + o, len - o, "?%s", query);
	return n < 0 || (size_t)n >= len - o ? -1 : 0;
}

/*
 * Does a reader need SQLite's shared memory (the -shm file)?  Not when
 * there is neither a -shm nor a non-empty -wal: then no process has the
 * history open (the last one to close removes both) and the database file
 * holds everything, so it can be read as immutable, creating nothing.
 */
static int
ro_needs_shm(const char *path)
{
	char side[STORE_PATH_MAX + 8];
	struct stat st;

	snprintf(side, sizeof(side), "%s-shm", path);
	if (stat(side, &st) == 0)
		return 1;
	snprintf(side, sizeof(side), "%s-wal", path);
	return stat(side, &st) == 0 && st.st_size > 0;
}

int
store_open_readonly(struct store *s, const char *path)
{
	char uri[3 * STORE_PATH_MAX + 32];
	struct stat st;
	int i, v, shm;

	memset(s, 0, sizeof(*s));
	s->path = strdup(path);
	if (s->path == NULL)
		return -1;
	/* sqlite would say only "unable to open database file": say why */
	if (stat(path, &st) != 0 || access(path, R_OK) != 0) {
		log_err("store", "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		log_err("store", "%s: not a regular file", path);
		goto fail;
	}
	/*
	 * A reader never creates the -shm or -wal: made by a reader that can
	 * write the directory they would belong to it and lock the writer out.
	 */
	shm = strlen(path) < STORE_PATH_MAX && ro_needs_shm(path);
	if (ro_uri(path, shm ? "mode=ro" : "immutable=1", uri, sizeof(uri)) != 0) {
		log_err("store", "%.200s...: path too long", path);
		goto fail;
	}
	log_debug("store", "%s: read-only, %s", path, shm ? "through the -shm of its writer"
	    : "immutable (no -shm: nobody has it open)");
	if (sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
		SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		fail(s, "open read-only");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	v = user_version(s);
	if (v < 0) {
		fail(s, shm ? "reading (readers need read access to its -wal and -shm too)"
		    : "reading");
		goto fail;
	}
	if (v != STORE_SCHEMA_VERSION) {
		if (v == 0)
			log_err("store", "%s: not an mtastat history (no schema)", path);
		else
			log_err("store", "%s: schema version %d, this mtastat reads %d%s", path, v,
			    STORE_SCHEMA_VERSION, v < STORE_SCHEMA_VERSION
			    ? ": upgrade it with mtastat import or mtastatd, which write it" : "");
		goto fail;
	}
	for (i = 0; i < ST_COUNT; i++)
		if (sqlite3_prepare_v3(s->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
			NULL) != SQLITE_OK) {
			fail(s, sql[i]);
			goto fail;
		}
	return 0;
fail:
	store_close(s);
	return -1;
}

void
store_close(struct store *s)
{
	size_t i;

	accounts_drop(s);
	for (i = 0; i < sizeof(s->st) / sizeof(s->st[0]); i++)
		sqlite3_finalize(s->st[i]);
	if (s->db != NULL)
		sqlite3_close(s->db);
	free(s->path);
	memset(s, 0, sizeof(*s));
}

/*
 * A statement of a commit failed: keep sqlite's code and message (the first
 * one, not the ROLLBACK's) for the caller, who alone knows whether this is
 * the first failure or the hundredth retry, and logs it once.
 */
static int
commit_error(struct store *s, const char *what)
{
	if (s->err == 0) {
		s->err = sqlite3_errcode(s->db);
		if (s->err == SQLITE_OK)
			s->err = SQLITE_ERROR;
		s->sys_errno = sqlite3_system_errno(s->db);
		snprintf(s->errmsg, sizeof(s->errmsg), "%s", sqlite3_errmsg(s->db));
	}
	log_debug("store", "%s: %.80s: %s", s->path, what, sqlite3_errmsg(s->db));
	return -1;
}

static int
commit_exec(struct store *s, const char *q)
{
	if (sqlite3_exec(s->db, q, NULL, NULL, NULL) != SQLITE_OK)
		return commit_error(s, q);
	return 0;
}

/*
 * Only with a transaction open: sqlite has already rolled back by itself
 * after some errors (a full disk), and a ROLLBACK then only fails again.
 */
static void
rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Statements of the commit path: a failure is recorded, not logged. */
static int
step(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		commit_error(s, sqlite3_sql(st));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc != SQLITE_DONE && rc != SQLITE_ROW ? -1 : 0;
}

static int
put_hours(struct store *s, const struct aggregate *a)
{
	sqlite3_stmt *h = s->st[ST_HOURLY], *d = s->st[ST_DAILY];
	size_t i;
	int k;

	for (i = 0; i < a->nhours; i++) {
		const struct agg_hour *x = &a->hours[i];
		sqlite3_bind_int(h, 1, x->day);
		sqlite3_bind_int(h, 2, x->hour);
		sqlite3_bind_int(d, 1, x->day);
		for (k = 0; k < C_COUNT; k++) {
			sqlite3_bind_int64(h, 3 + k, x->c[k]);
			sqlite3_bind_int64(d, 2 + k, x->c[k]);
		}
		if (step(s, h) != 0 || step(s, d) != 0)
			return -1;
	}
	return 0;
}

/*
 * Account ids by name (acctmap.h), loaded from the accounts table on the
 * first commit, newest first, as many as half the map holds; new accounts
 * are a plain INSERT while the map holds them all.  A transaction that
 * changed the map and rolled back invalidates it: it is loaded again by
 * the next commit.
 */
struct store_accounts {
	struct acctmap map;
	int loaded;
	int changed;           /* by the open transaction */
};

static void
accounts_drop(struct store *s)
{
	if (s->accounts == NULL)
		return;
	acctmap_free(&s->accounts->map);
	free(s->accounts);
	s->accounts = NULL;
}

static int
accounts_load(struct store *s)
{
	struct acctmap *m;
	sqlite3_stmt *st;
	int rc;

	if (s->accounts != NULL && s->accounts->loaded)
		return 0;
	accounts_drop(s);
	if ((s->accounts = calloc(1, sizeof(*s->accounts))) == NULL)
		return -1;
	m = &s->accounts->map;
	acctmap_init(m, ACCTMAP_MAX);
	if (sqlite3_prepare_v2(s->db, "SELECT id, name, first_day FROM accounts ORDER BY id DESC",
		-1, &st, NULL) != SQLITE_OK)
		return commit_error(s, "load accounts");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (m->n >= m->max / 2) {
			m->complete = 0; /* room left for the batches' new ones */
			rc = SQLITE_DONE;
			break;
		}
		if (acctmap_put(m, (const char *)sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1), sqlite3_column_int64(st, 0),
		    sqlite3_column_int(st, 2)) != 0)
			break;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		commit_error(s, "load accounts");
		accounts_drop(s);
		return -1;
	}
	s->accounts->loaded = 1;
	return 0;
}

/* An account the map does not hold, from the history: 1 found, 0 not, -1 error. */
static int
account_lookup(struct store *s, const char *name, int len, sqlite3_int64 *id, int32_t *first)
{
	sqlite3_stmt *st = s->st[ST_ACCOUNT_LOOKUP];
	int rc;

	sqlite3_bind_text(st, 1, name, len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*first = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return commit_error(s, "look an account up");
	return rc == SQLITE_ROW;
}

/* The account's stable id, created on first sight; first_day only moves back. */
static int
account_id(struct store *s, const char *name, int len, int32_t day, sqlite3_int64 *id)
{
	struct acctmap *m = &s->accounts->map;
	struct acctmap_entry *x = acctmap_find(m, name, (size_t)len);
	sqlite3_stmt *st;
	int32_t first = day;
	int found;

	if (x != NULL && x->first_day <= day) {
		*id = x->id;
		return 0;
	}
	if (x != NULL) {
		*id = x->id;
		first = x->first_day;
		found = 1;
	} else if (m->complete) {
		found = 0;
	} else if ((found = account_lookup(s, name, len, id, &first)) < 0) {
		return -1;
	}
	s->accounts->changed = 1;
	if (found && first > day) { /* a backfill of older logs */
		st = s->st[ST_ACCOUNT_FIRST];
		sqlite3_bind_int(st, 1, day);
		sqlite3_bind_int64(st, 2, *id);
		if (step(s, st) != 0)
			return -1;
		first = day;
	}
	if (x != NULL) {
		x->first_day = first;
		return 0;
	}
	if (!found) {
		st = s->st[ST_ACCOUNT_ID];
		sqlite3_bind_text(st, 1, name, len, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, day);
		if (step(s, st) != 0)
			return -1;
		*id = sqlite3_last_insert_rowid(s->db);
	}
	return acctmap_put(m, name, (size_t)len, *id, first);
}

static int
put_account_domain(struct store *s, const struct agg_entry *e)
{
	const char *sep = memchr(e->name, '\001', e->len);
	sqlite3_stmt *st = s->st[ST_ACCOUNT_DOMAIN];
	size_t an;

	if (sep == NULL)
		return 0;
	/* entries come sorted by name: an account's domains follow each other */
	an = (size_t)(sep - e->name);
	if (an != s->last_account_len || memcmp(s->last_account, e->name, an) != 0) {
		if (an >= sizeof(s->last_account) ||
		    account_id(s, e->name, (int)an, e->day, &s->last_account_id) != 0)
			return an >= sizeof(s->last_account) ? 0 : -1;
		memcpy(s->last_account, e->name, an);
		s->last_account_len = an;
	}
	sqlite3_bind_int64(st, 1, s->last_account_id);
	sqlite3_bind_text(st, 2, sep + 1, (int)(e->len - (size_t)(sep + 1 - e->name)), SQLITE_STATIC);
	sqlite3_bind_int(st, 3, e->day);
	sqlite3_bind_int64(st, 4, e->v[0]);
	return step(s, st);
}

/* An account's row of a batch with its id. */
struct account_put {
	sqlite3_int64 id;
	const struct agg_entry *e;
};

static int
account_put_order(const void *x, const void *y)
{
	const struct account_put *a = x, *b = y;

	if (a->e->day != b->e->day)
		return a->e->day < b->e->day ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/*
 * The batch's accounts (n entries, sorted by day and name): their ids
 * first, in name order (new accounts are created in it, as the name index
 * likes), then their days' rows by day and id.  account_daily is keyed by
 * (account_id, day) and indexed by day: written in name order each upsert
 * went to a random page of both, and the account rows were most of the
 * writer thread's time (1.17 of 1.49 s of the 10M Exim import's upserts).
 */
static int
put_accounts(struct store *s, const struct aggregate *a, const struct agg_entry *const *e,
    size_t n)
{
	struct account_put *x = malloc((n ? n : 1) * sizeof(*x));
	sqlite3_stmt *st = s->st[ST_ACCOUNT_DAY];
	size_t i;
	int rc = -1;

	if (x == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		x[i].e = e[i];
		if (account_id(s, e[i]->name, e[i]->len, e[i]->day, &x[i].id) != 0)
			goto out;
		if (s->ids_out != NULL)
			s->ids_out[e[i] - a->keyed] = x[i].id;
	}
	qsort(x, n, sizeof(*x), account_put_order);
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, x[i].id);
		sqlite3_bind_int(st, 2, x[i].e->day);
		sqlite3_bind_int64(st, 3, x[i].e->v[0]);
		sqlite3_bind_int64(st, 4, x[i].e->v[1]);
		if (step(s, st) != 0)
			goto out;
	}
	rc = 0;
out:
	free(x);
	return rc;
}

/* A reply count: its key is agg_reply_key()'s, the example sanitised here. */
static int
put_reply(struct store *s, const struct agg_entry *e)
{
	sqlite3_stmt *st = s->st[ST_REPLY];
	char text[AGG_NOTE_MAX + 1];
	size_t n;

	if (e->len < 4)
		return 0;
	sqlite3_bind_int(st, 1, e->day);
	sqlite3_bind_text(st, 2, e->name[0] == 'i' ? "in" : "out", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, (e->name[1] - '0') * 100 + (e->name[2] - '0') * 10 + (e->name[3] - '0'));
	sqlite3_bind_text(st, 4, e->name + 4, (int)e->len - 4, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, e->v[0]);
	if (e->note_len > 0) {
		n = sanitize_copy(text, sizeof(text), e->note, e->note_len);
		sqlite3_bind_text(st, 6, text, (int)n, SQLITE_TRANSIENT);
	}
	return step(s, st);
}

/* Sessions, TLS and delays of the batch's hours; the histogram's non-empty buckets. */
static int
put_health(struct store *s, const struct aggregate *a)
{
	sqlite3_stmt *h = s->st[ST_HEALTH], *d = s->st[ST_DELAY];
	size_t i;
	int k, b;

	for (i = 0; i < a->nhealth; i++) {
		const struct agg_health *x = &a->health[i];
		sqlite3_bind_int(h, 1, x->day);
		sqlite3_bind_int(h, 2, x->hour);
		for (k = 0; k < H_COUNT; k++)
			sqlite3_bind_int64(h, 3 + k, x->c[k]);
		sqlite3_bind_int64(h, 3 + H_COUNT, x->delay_max);
		if (step(s, h) != 0)
			return -1;
		if (x->c[H_DELAYS] == 0)
			continue;
		for (b = 0; b < DELAY_BUCKETS; b++) {
			if (x->n[b] == 0)
				continue;
			sqlite3_bind_int(d, 1, x->day);
			sqlite3_bind_int(d, 2, x->hour);
			sqlite3_bind_int(d, 3, b);
			sqlite3_bind_int64(d, 4, x->n[b]);
			if (step(s, d) != 0)
				return -1;
		}
	}
	return 0;
}

static int
keyed_order(const void *x, const void *y)
{
	const struct agg_entry *a = *(const struct agg_entry *const *)x;
	const struct agg_entry *b = *(const struct agg_entry *const *)y;
	int c;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	/* by bytes and length, not strcmp: a NUL inside a name is part of it */
	c = memcmp(a->name, b->name, a->len < b->len ? a->len : b->len);
	if (c != 0 || a->len == b->len)
		return c;
	return a->len < b->len ? -1 : 1;
}

/* A row of a day's top-K list: the first of the list's rows removes the old ones. */
static int
put_list_row(struct store *s, const struct agg_entry *e, const struct agg_entry *prev)
{
	static const int stmt_of[AGG_KINDS] = {
		[AGG_DOMAIN] = ST_DOMAIN, [AGG_SENDER] = ST_SENDER, [AGG_RCPT] = ST_RCPT,
	};
	static const int clear_of[AGG_KINDS] = {
		[AGG_DOMAIN] = ST_DOMAIN_CLEAR, [AGG_SENDER] = ST_SENDER_CLEAR,
		[AGG_RCPT] = ST_RCPT_CLEAR,
	};
	sqlite3_stmt *st;

	if (prev == NULL || prev->kind != e->kind || prev->day != e->day) {
		st = s->st[clear_of[e->kind]];
		sqlite3_bind_int(st, 1, e->day);
		if (step(s, st) != 0)
			return -1;
	}
	st = s->st[stmt_of[e->kind]];
	sqlite3_bind_text(st, 1, e->name, e->len, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, e->day);
	sqlite3_bind_int64(st, 3, e->v[0]);
	sqlite3_bind_int64(st, 4, e->v[1]);
	return step(s, st);
}

/*
 * Upserts in key order: the WITHOUT ROWID tables are keyed (day, name), so
 * sorted writes walk each B-tree once instead of jumping around it.
 */
static int
put_keyed(struct store *s, const struct aggregate *a)
{
	const struct agg_entry **order;
	sqlite3_stmt *st;
	size_t i, n = 0;
	int rc = -1;

	order = malloc((a->nkeyed ? a->nkeyed : 1) * sizeof(*order));
	if (order == NULL)
		return -1;
	for (i = 0; i < a->keyed_cap; i++)
		if (a->keyed[i].used)
			order[n++] = &a->keyed[i];
	qsort(order, n, sizeof(*order), keyed_order);
	s->last_account_len = (size_t)-1; /* ids may change with a rolled-back batch */
	if (accounts_load(s) != 0)
		goto out;
	/* AGG_ACCOUNT sorts first: its run goes by id */
	for (i = 0; i < n && order[i]->kind == AGG_ACCOUNT; i++)
		;
	if (put_accounts(s, a, order, i) != 0)
		goto out;
	for (; i < n; i++) {
		const struct agg_entry *e = order[i];
		if (e->kind == AGG_ACCOUNT_DOMAIN) {
			if (put_account_domain(s, e) != 0)
				goto out;
			continue;
		}
		if (e->kind == AGG_UNPARSED) {
			st = s->st[ST_UNPARSED];
			sqlite3_bind_text(st, 1, e->name, e->len, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, e->v[0]);
		} else if (e->kind == AGG_REPLY) {
			if (put_reply(s, e) != 0)
				goto out;
			continue;
		} else if (e->kind == AGG_DAY_COUNTER) {
			st = s->st[ST_DAY_COUNTER];
			sqlite3_bind_text(st, 1, e->name, e->len, SQLITE_STATIC);
			sqlite3_bind_int(st, 2, e->day);
			sqlite3_bind_int64(st, 3, e->v[0]);
		} else {
			if (put_list_row(s, e, i > 0 ? order[i - 1] : NULL) != 0)
				goto out;
			continue;
		}
		if (step(s, st) != 0)
			goto out;
	}
	rc = 0;
out:
	free(order);
	return rc;
}

static int
add_total(struct store *s, const char *key, int64_t v)
{
	sqlite3_stmt *st = s->st[ST_TOTAL_ADD];

	if (v == 0)
		return 0;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, v);
	return step(s, st);
}

static int
max_total(struct store *s, const char *key, int64_t v)
{
	sqlite3_stmt *st = s->st[ST_TOTAL_MAX];

	if (v == 0)
		return 0;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, v);
	return step(s, st);
}

static int
put_msg(struct store *s, const struct msg *m)
{
	sqlite3_stmt *st = s->st[ST_QUEUE_PUT];

	sqlite3_bind_text(st, 1, m->qid, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, m->flags & ~(MSG_DIRTY | MSG_PERSISTED));
	sqlite3_bind_int(st, 3, m->recv_day);
	sqlite3_bind_int(st, 4, m->recv_hour);
	sqlite3_bind_int(st, 5, m->relay_day);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)m->size);
	if (m->account != NULL)
		sqlite3_bind_text(st, 7, m->account, (int)m->account_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, m->recv_t);
	return step(s, st);
}

static int
put_gone(struct store *s, char (*gone)[MSG_QID_MAX + 1], uint32_t n)
{
	sqlite3_stmt *st = s->st[ST_QUEUE_DEL];
	uint32_t i;

	for (i = 0; i < n; i++) {
		sqlite3_bind_text(st, 1, gone[i], -1, SQLITE_STATIC);
		if (step(s, st) != 0)
			return -1;
	}
	return 0;
}

static int
put_queue(struct store *s, struct msgtable *q)
{
	uint32_t i;

	if (put_gone(s, q->gone, q->ngone) != 0)
		return -1;
	for (i = 0; i < q->cap; i++) {
		struct msg *m = &q->slab[i];
		if (m->qid[0] == '\0' || !(m->flags & MSG_DIRTY))
			continue;
		if (put_msg(s, m) != 0)
			return -1;
	}
	return 0;
}

/* A batch's queue changes: removals first (a queue id may come back). */
static int
put_queue_batch(struct store *s, const struct store_batch *b)
{
	uint32_t i;

	if (put_gone(s, b->gone, b->ngone) != 0)
		return -1;
	for (i = 0; i < b->nput; i++)
		if (put_msg(s, &b->put[i]) != 0)
			return -1;
	return 0;
}

static void
queue_committed(struct msgtable *q)
{
	uint32_t i;

	for (i = 0; i < q->cap; i++) {
		struct msg *m = &q->slab[i];
		if (m->qid[0] != '\0' && (m->flags & MSG_DIRTY))
			m->flags = (uint16_t)((m->flags & ~MSG_DIRTY) | MSG_PERSISTED);
	}
	q->ngone = 0;
}

static int
put_position(struct store *s, struct file_pos *p)
{
	sqlite3_stmt *st = s->st[p->id ? ST_FILE_UPDATE : ST_FILE_INSERT];

	sqlite3_bind_blob(st, 1, p->fp, (int)p->fp_len, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)p->fp_len);
	sqlite3_bind_text(st, 3, p->path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)p->dev);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)p->ino);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)p->offset);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)p->size);
	sqlite3_bind_int(st, 8, p->year);
	sqlite3_bind_int(st, 9, p->last_month);
	sqlite3_bind_int64(st, 10, p->lines);
	if (p->id)
		sqlite3_bind_int64(st, 11, p->id);
	if (step(s, st) != 0)
		return -1;
	if (!p->id) {
		p->id = sqlite3_last_insert_rowid(s->db);
		p->id_uncommitted = 1; /* void if the transaction rolls back */
	}
	return 0;
}

/* The parser's memory of the log, with the position it belongs to. */
static int
put_state(struct store *s, const struct file_pos *p)
{
	sqlite3_stmt *st = s->st[ST_STATE_PUT];

	sqlite3_bind_text(st, 1, p->state_key, -1, SQLITE_STATIC);
	/* a zero-length blob is bound as one, not as NULL */
	sqlite3_bind_blob(st, 2, p->state_len ? (const void *)p->state : "", (int)p->state_len,
	    SQLITE_STATIC);
	return step(s, st);
}

static int
put_positions(struct store *s, struct file_pos *const *pos, size_t npos)
{
	size_t i;

	for (i = 0; i < npos; i++) {
		if (pos[i] != NULL && pos[i]->fp_len > 0 && put_position(s, pos[i]) != 0)
			return -1;
		if (pos[i] != NULL && pos[i]->state_key != NULL && put_state(s, pos[i]) != 0)
			return -1;
	}
	return 0;
}

/*
 * After a ROLLBACK nothing the transaction handed to memory is true: a file
 * row inserted by it does not exist (the next commit would UPDATE nothing
 * and lose the position), nor may an account id it created.
 */
static void
commit_rolled_back(struct store *s, struct file_pos *const *pos, size_t npos)
{
	size_t i;

	rollback(s);
	s->last_account_len = (size_t)-1;
	if (s->accounts != NULL && s->accounts->changed)
		accounts_drop(s); /* its new ids may not exist: read again next time */
	for (i = 0; i < npos; i++)
		if (pos[i] != NULL && pos[i]->id_uncommitted) {
			pos[i]->id = 0;
			pos[i]->id_uncommitted = 0;
		}
}

/*
 * The one transaction of a commit, the queue from a table (q) or a batch
 * (b, whose aggregate is kept).
 */
static int
commit_tx(struct store *s, struct aggregate *a, struct msgtable *q, const struct store_batch *b,
    struct file_pos *const *pos, size_t npos, uint64_t evictions)
{
	size_t i;

	s->err = 0;
	s->errmsg[0] = '\0';
	if (commit_exec(s, "BEGIN IMMEDIATE") != 0)
		return -1;
	if (put_hours(s, a) != 0 || put_keyed(s, a) != 0 || put_health(s, a) != 0 ||
	    add_total(s, "lines", (int64_t)a->lines) != 0 ||
	    add_total(s, "unparsed", (int64_t)a->unparsed) != 0 ||
	    add_total(s, "evictions", (int64_t)evictions) != 0 ||
	    max_total(s, "newest_t", a->newest_t) != 0 ||
	    (q != NULL && put_queue(s, q) != 0) || (b != NULL && put_queue_batch(s, b) != 0) ||
	    put_positions(s, pos, npos) != 0 || commit_exec(s, "COMMIT") != 0) {
		commit_rolled_back(s, pos, npos);
		return -1;
	}
	for (i = 0; i < npos; i++)
		if (pos[i] != NULL)
			pos[i]->id_uncommitted = 0;
	if (s->accounts != NULL)
		s->accounts->changed = 0;
	if (b == NULL)
		aggregate_reset(a);
	return 0;
}

int
store_commit(struct store *s, struct aggregate *a, struct msgtable *q,
    struct file_pos *const *pos, size_t npos, uint64_t evictions)
{
	if (commit_tx(s, a, q, NULL, pos, npos, evictions) != 0)
		return -1;
	if (q != NULL)
		queue_committed(q);
	return 0;
}

void
store_batch_init(struct store_batch *b)
{
	memset(b, 0, sizeof(*b));
	aggregate_init(&b->agg);
}

void
store_batch_clear(struct store_batch *b)
{
	uint32_t i;
	size_t k;

	aggregate_reset(&b->agg);
	for (i = 0; i < b->nput; i++)
		free(b->put[i].account);
	for (k = 0; k < b->npos; k++) {
		free(b->blobs[k]);
		b->blobs[k] = NULL;
	}
	b->nput = b->ngone = 0;
	b->npos = 0;
	b->evictions = 0;
	b->after = NULL;
	b->after_arg = NULL;
	b->rc = 0;
	b->cause = NULL;
	b->errmsg[0] = '\0';
}

void
store_batch_free(struct store_batch *b)
{
	store_batch_clear(b);
	aggregate_free(&b->agg);
	free(b->put);
	free(b->gone);
	free(b->pos);
	free(b->posp);
	free(b->blobs);
	free(b->acct_id);
	memset(b, 0, sizeof(*b));
}

int
store_batch_add_pos(struct store_batch *b, const struct file_pos *p)
{
	struct file_pos *c;
	size_t k;

	if (b->npos == b->pos_cap) {
		size_t cap = b->pos_cap ? b->pos_cap * 2 : 8;
		struct file_pos *np = realloc(b->pos, cap * sizeof(*np));
		struct file_pos **npp;
		unsigned char **nb;
		if (np == NULL)
			return -1;
		b->pos = np;
		if ((npp = realloc(b->posp, cap * sizeof(*npp))) == NULL)
			return -1;
		b->posp = npp;
		if ((nb = realloc(b->blobs, cap * sizeof(*nb))) == NULL)
			return -1;
		b->blobs = nb;
		for (k = b->pos_cap; k < cap; k++)
			b->blobs[k] = NULL;
		b->pos_cap = cap;
		for (k = 0; k < b->npos; k++) /* pos moved */
			b->posp[k] = &b->pos[k];
	}
	c = &b->pos[b->npos];
	*c = *p;
	if (p->state_key != NULL && p->state_len > 0) {
		if ((b->blobs[b->npos] = malloc(p->state_len)) == NULL)
			return -1;
		memcpy(b->blobs[b->npos], p->state, p->state_len);
		c->state = b->blobs[b->npos];
	}
	b->posp[b->npos] = c;
	b->npos++;
	return 0;
}

int
store_commit_batch(struct store *s, struct store_batch *b)
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (b->acct_id_cap < b->agg.keyed_cap) {
		int64_t *ids = realloc(b->acct_id, b->agg.keyed_cap * sizeof(*ids));
		if (ids == NULL) {
			b->rc = -1;
			b->cause = "out of memory";
			snprintf(b->errmsg, sizeof(b->errmsg), "out of memory");
			return -1;
		}
		b->acct_id = ids;
		b->acct_id_cap = b->agg.keyed_cap;
	}
	s->ids_out = b->acct_id;
	b->rc = commit_tx(s, &b->agg, NULL, b, b->posp, b->npos, b->evictions);
	s->ids_out = NULL;
	if (b->rc == 0 && b->after != NULL)
		b->after(s, b->after_arg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	b->ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	b->cause = b->rc != 0 ? store_commit_cause(s) : NULL;
	snprintf(b->errmsg, sizeof(b->errmsg), "%s", b->rc != 0 ? s->errmsg : "");
	return b->rc;
}

const char *
store_commit_cause(const struct store *s)
{
	switch (s->err & 0xff) {
	case SQLITE_OK:
		return "no error";
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return "database locked";
	case SQLITE_FULL:
		return "database full";
	case SQLITE_IOERR:
		return s->sys_errno == ENOSPC || s->sys_errno == EDQUOT ? "database full"
		    : "database error";
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_CANTOPEN:
		return "database not writable";
	default:
		return "database error";
	}
}

void
store_busy_timeout(struct store *s, int ms)
{
	sqlite3_busy_timeout(s->db, ms);
}

int
store_file_lookup(struct store *s, struct file_pos *p)
{
	sqlite3_stmt *st = s->st[ST_FILE_LOOKUP];
	int rc;

	if (p->fp_len == 0)
		return 0;
	sqlite3_bind_blob(st, 1, p->fp, (int)p->fp_len, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)p->fp_len);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		p->id = sqlite3_column_int64(st, 0);
		p->offset = (uint64_t)sqlite3_column_int64(st, 1);
		p->year = sqlite3_column_int(st, 2);
		p->last_month = sqlite3_column_int(st, 3);
		p->lines = sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(s, "file lookup");
	return rc == SQLITE_ROW;
}

int
store_file_by_path(struct store *s, const char *path, struct file_pos *p)
{
	sqlite3_stmt *st = s->st[ST_FILE_BY_PATH];
	int rc, n;

	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		p->id = sqlite3_column_int64(st, 0);
		p->offset = (uint64_t)sqlite3_column_int64(st, 1);
		p->year = sqlite3_column_int(st, 2);
		p->last_month = sqlite3_column_int(st, 3);
		p->lines = sqlite3_column_int64(st, 4);
		n = sqlite3_column_bytes(st, 5);
		p->fp_len = n > STORE_FP_MAX ? STORE_FP_MAX : (size_t)n;
		memcpy(p->fp, sqlite3_column_blob(st, 5), p->fp_len);
		p->dev = (uint64_t)sqlite3_column_int64(st, 6);
		p->ino = (uint64_t)sqlite3_column_int64(st, 7);
		p->size = (uint64_t)sqlite3_column_int64(st, 8);
		snprintf(p->path, sizeof(p->path), "%s", path);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(s, "file by path");
	return rc == SQLITE_ROW;
}

int
store_state_get(struct store *s, const char *key, unsigned char **blob, size_t *len)
{
	sqlite3_stmt *st = s->st[ST_STATE_GET];
	int rc, n;

	*blob = NULL;
	*len = 0;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		n = sqlite3_column_bytes(st, 0);
		*blob = malloc(n > 0 ? (size_t)n : 1);
		if (*blob == NULL) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return -1;
		}
		if (n > 0)
			memcpy(*blob, sqlite3_column_blob(st, 0), (size_t)n);
		*len = (size_t)n;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(s, "parser state");
	return rc == SQLITE_ROW;
}

int
store_load_queue(struct store *s, struct msgtable *q)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT qid, flags, recv_day, recv_hour, relay_day, size,"
		" account, recv_t FROM queue", -1, &st, NULL) != SQLITE_OK)
		return fail(s, "load queue");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *qid = (const char *)sqlite3_column_text(st, 0);
		const char *acct = (const char *)sqlite3_column_text(st, 6);
		size_t acct_len = (size_t)sqlite3_column_bytes(st, 6); /* a NUL may be inside */
		struct msg *m;
		if (qid == NULL || (m = msgtable_get(q, sv_make(qid, strlen(qid)))) == NULL)
			continue;
		m->flags = (uint16_t)(sqlite3_column_int(st, 1) | MSG_PERSISTED);
		m->recv_day = sqlite3_column_int(st, 2);
		m->recv_hour = (int8_t)sqlite3_column_int(st, 3);
		m->relay_day = sqlite3_column_int(st, 4);
		m->size = (uint64_t)sqlite3_column_int64(st, 5);
		m->recv_t = sqlite3_column_int64(st, 7);
		if (acct != NULL)
			msgtable_set_account(m, sv_make(acct, acct_len));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(s, "load queue");
	return 0;
}

int64_t
store_total(struct store *s, const char *key)
{
	sqlite3_stmt *st = s->st[ST_TOTAL_GET];
	int64_t v = 0;

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return v;
}

int
store_load_totals(struct store *s, struct totals *t)
{
	sqlite3_stmt *st;
	int k, rc;

	memset(t, 0, sizeof(*t));
	if (sqlite3_prepare_v2(s->db, "SELECT coalesce(sum(received), 0), coalesce(sum(delivered), 0),"
		" coalesce(sum(relayed), 0), coalesce(sum(deferred), 0), coalesce(sum(deferrals), 0),"
		" coalesce(sum(bounced), 0), coalesce(sum(expired), 0), coalesce(sum(rejected), 0),"
		" coalesce(sum(auth_failed), 0), coalesce(sum(notifications), 0),"
		" coalesce(sum(bytes_received), 0), coalesce(sum(bytes_delivered), 0) FROM daily",
		-1, &st, NULL) != SQLITE_OK)
		return fail(s, "load totals");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		for (k = 0; k < C_COUNT; k++)
			t->c[k] = sqlite3_column_int64(st, k);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return fail(s, "load totals");
	t->lines = store_total(s, "lines");
	t->unparsed = store_total(s, "unparsed");
	return 0;
}

int
store_list_rows(struct store *s, enum agg_kind kind, int32_t day, int limit,
    void (*row)(void *ctx, struct strview name, int64_t v0, int64_t v1), void *ctx)
{
	const char *q = kind == AGG_SENDER
	    ? "SELECT sender, messages, bytes FROM sender_daily WHERE day = ?1"
	      " ORDER BY messages DESC LIMIT ?2"
	    : kind == AGG_RCPT
	    ? "SELECT rcpt, delivered, relayed FROM rcpt_daily WHERE day = ?1"
	      " ORDER BY delivered DESC LIMIT ?2"
	    : "SELECT domain, delivered, relayed FROM domain_daily WHERE day = ?1"
	      " ORDER BY delivered DESC LIMIT ?2";
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) != SQLITE_OK)
		return fail(s, "top list");
	sqlite3_bind_int(st, 1, day);
	sqlite3_bind_int(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		row(ctx, sv_make((const char *)sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0)), sqlite3_column_int64(st, 1),
		    sqlite3_column_int64(st, 2));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(s, "top list");
	return 0;
}
