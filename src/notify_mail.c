#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "civil.h"
#include "detect.h"
#include "log.h"
#include "mail_msg.h"
#include "notify_mail.h"
#include "report.h"
#include "sanitize.h"
#include "stats.h"

/* First retry after this long, doubling up to the cap. */
#define MAIL_RETRY_FIRST 2
#define MAIL_RETRY_MAX 600
/* The worker looks at the queue at least this often. */
#define MAIL_POLL_SECONDS 1
#define MAIL_PASSWORD_MAX 512

static int
copy_str(char **dst, const char *src)
{
	*dst = NULL;
	return src == NULL || (*dst = strdup(src)) != NULL ? 0 : -1;
}

/* The password file must not be readable by others: it is a secret. */
static char *
read_password(const char *path)
{
	char buf[MAIL_PASSWORD_MAX];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) != 0) {
		log_err("mail", "mailpasswordfile %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		log_err("mail", "mailpasswordfile %s: readable by others (mode %03o): refused; chmod 600 it",
		    path, (unsigned)(st.st_mode & 0777));
		close(fd);
		return NULL;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return strdup(buf);
}

int
notify_mail_enabled(const struct notify_mail *m)
{
	return m->cfg.mailserver != NULL;
}

static size_t
read_cb(char *out, size_t size, size_t nitems, void *arg)
{
	const char **p = arg;
	size_t n = strlen(*p), max = size * nitems;

	if (n > max)
		n = max;
	memcpy(out, *p, n);
	*p += n;
	return n;
}

int
notify_mail_send(struct notify_mail *m, const char *subject, const char *body, char *err,
    size_t errlen)
{
	char curlerr[CURL_ERROR_SIZE] = "", from[300], *msg;
	const char *cursor;
	struct curl_slist *rcpt = NULL;
	CURL *c;
	CURLcode rc;
	long code = 0;
	size_t i;
	int result;

	msg = mail_message(m->cfg.mailfrom, m->cfg.mailto, m->cfg.nmailto, subject, body, time(NULL),
	    m->host);
	c = curl_easy_init();
	if (msg == NULL || c == NULL) {
		snprintf(err, errlen, "out of memory");
		free(msg);
		if (c != NULL)
			curl_easy_cleanup(c);
		return -1;
	}
	snprintf(from, sizeof(from), "<%s>", m->cfg.mailfrom);
	for (i = 0; i < m->cfg.nmailto; i++) {
		char to[300];
		snprintf(to, sizeof(to), "<%s>", m->cfg.mailto[i]);
		rcpt = curl_slist_append(rcpt, to);
	}
	cursor = msg;
	curl_easy_setopt(c, CURLOPT_URL, m->cfg.mailserver);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &cursor);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)m->cfg.mailtimeout);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* a thread: no SIGALRM for timeouts */
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curlerr);
	if (m->cfg.mailstarttls)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, (long)m->cfg.mailverify);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, m->cfg.mailverify ? 2L : 0L);
	if (m->cfg.mailuser != NULL) {
		curl_easy_setopt(c, CURLOPT_USERNAME, m->cfg.mailuser);
		curl_easy_setopt(c, CURLOPT_PASSWORD, m->password != NULL ? m->password : "");
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_OK) {
		result = 0;
	} else {
		snprintf(err, errlen, "%s%s%s (SMTP %ld)", curl_easy_strerror(rc), curlerr[0] ? ": " : "",
		    curlerr, code);
		/* a 5xx will not get better by retrying; anything else may */
		result = code >= 500 && code < 600 ? -2 : -1;
	}
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	free(msg);
	return result;
}

/* One pass over the due messages of the queue. */
static void
deliver_due(struct notify_mail *m, struct store *s)
{
	sqlite3_stmt *st;
	char err[CURL_ERROR_SIZE + 128];
	time_t now = time(NULL);

	if (sqlite3_prepare_v2(s->db, "SELECT id, created, tries, subject, body FROM mail_queue"
		" WHERE next_try <= ? ORDER BY id LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, now);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0), created = sqlite3_column_int64(st, 1);
		int tries = sqlite3_column_int(st, 2), rc;
		char *subject = strdup((const char *)sqlite3_column_text(st, 3));
		char *body = strdup((const char *)sqlite3_column_text(st, 4));
		char q[256];
		sqlite3_reset(st);
		rc = subject && body ? notify_mail_send(m, subject, body, err, sizeof(err)) : -1;
		if (rc == 0) {
			log_info("mail", "sent \"%s\"", subject);
			snprintf(q, sizeof(q), "DELETE FROM mail_queue WHERE id = %lld", (long long)id);
			m->sent++;
		} else if (rc == -2 || now - created > (time_t)m->cfg.mailmaxage) {
			log_err("mail", "dropped \"%s\" after %d attempt(s): %s", subject, tries + 1, err);
			snprintf(q, sizeof(q), "DELETE FROM mail_queue WHERE id = %lld", (long long)id);
			m->failed++;
		} else {
			long delay = MAIL_RETRY_FIRST << (tries < 10 ? tries : 10);
			if (delay > MAIL_RETRY_MAX)
				delay = MAIL_RETRY_MAX;
			log_warn("mail", "\"%s\": %s; retrying in %ld s", subject, err, delay);
			snprintf(q, sizeof(q), "UPDATE mail_queue SET tries = tries + 1, next_try = %lld"
			    " WHERE id = %lld", (long long)(now + delay), (long long)id);
		}
		free(subject);
		free(body);
		if (sqlite3_exec(s->db, q, NULL, NULL, NULL) != SQLITE_OK)
			break;
		sqlite3_bind_int64(st, 1, now);
		pthread_mutex_lock(&m->mu);
		rc = m->stop;
		pthread_mutex_unlock(&m->mu);
		if (rc)
			break;
	}
	sqlite3_finalize(st);
}

static void *
worker(void *arg)
{
	struct notify_mail *m = arg;
	struct store s;
	struct timespec until;

	if (store_open(&s, m->dbpath) != 0)
		return NULL;
	pthread_mutex_lock(&m->mu);
	while (!m->stop) {
		m->kick = 0;
		pthread_mutex_unlock(&m->mu);
		deliver_due(m, &s);
		pthread_mutex_lock(&m->mu);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += MAIL_POLL_SECONDS;
		while (!m->stop && !m->kick &&
		    pthread_cond_timedwait(&m->cv, &m->mu, &until) == 0)
			;
	}
	pthread_mutex_unlock(&m->mu);
	store_close(&s);
	return NULL;
}

int
notify_mail_start(struct notify_mail *m, const struct mtastat_config *cfg, const char *dbpath)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	config_init(&m->cfg);
	m->report_day = -1;
	if (cfg->mailserver == NULL)
		return 0;
	if (cfg->mailfrom == NULL || cfg->nmailto == 0) {
		log_err("mail", "mailserver needs mailfrom and at least one mailto");
		return -1;
	}
	if (copy_str(&m->cfg.mailserver, cfg->mailserver) || copy_str(&m->cfg.mailfrom, cfg->mailfrom) ||
	    copy_str(&m->cfg.mailuser, cfg->mailuser) || copy_str(&m->cfg.mailsubject,
		cfg->mailsubject != NULL ? cfg->mailsubject : "[mtastat]") ||
	    copy_str(&m->dbpath, dbpath))
		return -1;
	for (i = 0; i < cfg->nmailto; i++) {
		char **v = realloc(m->cfg.mailto, (i + 1) * sizeof(*v));
		if (v == NULL || (v[i] = strdup(cfg->mailto[i])) == NULL)
			return -1;
		m->cfg.mailto = v;
		m->cfg.nmailto = i + 1;
	}
	m->cfg.mailstarttls = cfg->mailstarttls;
	m->cfg.mailverify = cfg->mailverify;
	m->cfg.mailtimeout = cfg->mailtimeout;
	m->cfg.maildigest = cfg->maildigest;
	m->cfg.mailmaxage = cfg->mailmaxage;
	m->cfg.mailreport_min = cfg->mailreport_min;
	/* the daily report judges the day as mtastat check would */
	m->cfg.days = cfg->days;
	m->cfg.mindays = cfg->mindays;
	m->cfg.sigma = cfg->sigma;
	m->cfg.sigmaclear = cfg->sigmaclear;
	m->cfg.minabsdiff = cfg->minabsdiff;
	m->cfg.minreldiff = cfg->minreldiff;
	if (cfg->mailpasswordfile != NULL && (m->password = read_password(cfg->mailpasswordfile)) == NULL)
		return -1;
	if (gethostname(m->host, sizeof(m->host) - 1) != 0)
		snprintf(m->host, sizeof(m->host), "localhost");
	sanitize_printable(m->host, strlen(m->host));
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return -1;
	m->curl_ready = 1;
	if (dbpath == NULL)
		return 0; /* sending by hand: no worker */
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cv, NULL);
	if (pthread_create(&m->worker, NULL, worker, m) != 0) {
		log_err("mail", "cannot start the mail worker: %s", strerror(errno));
		return -1;
	}
	m->running = 1;
	log_info("mail", "e-mail alerts to %zu recipient(s) through %s", m->cfg.nmailto, m->cfg.mailserver);
	return 0;
}

void
notify_mail_stop(struct notify_mail *m)
{
	if (m->running) {
		pthread_mutex_lock(&m->mu);
		m->stop = 1;
		pthread_cond_signal(&m->cv);
		pthread_mutex_unlock(&m->mu);
		pthread_join(m->worker, NULL);
		pthread_mutex_destroy(&m->mu);
		pthread_cond_destroy(&m->cv);
	}
	if (m->curl_ready)
		curl_global_cleanup();
	if (m->password != NULL)
		memset(m->password, 0, strlen(m->password));
	free(m->password);
	free(m->dbpath);
	config_free(&m->cfg);
	memset(m, 0, sizeof(*m));
}

static void
kick(struct notify_mail *m)
{
	pthread_mutex_lock(&m->mu);
	m->kick = 1;
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->mu);
}

int
notify_mail_queue(struct notify_mail *m, struct store *s, const char *subject, const char *body)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "INSERT INTO mail_queue(created, next_try, subject, body)"
		" VALUES(?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, time(NULL));
	sqlite3_bind_int64(st, 2, time(NULL));
	sqlite3_bind_text(st, 3, subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, body, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	if (rc == 0 && m->running)
		kick(m);
	return rc;
}

int
notify_mail_line(struct notify_mail *m, struct store *s, const char *text)
{
	sqlite3_stmt *st;
	int rc;

	if (!notify_mail_enabled(m))
		return 0;
	if (sqlite3_prepare_v2(s->db, "INSERT INTO mail_lines(created, line) VALUES(?, ?)", -1, &st,
		NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, time(NULL));
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

/* The window of the oldest waiting line is over: one message with all of them. */
static void
flush_digest(struct notify_mail *m, struct store *s)
{
	sqlite3_stmt *st;
	char *body = NULL, subject[512];
	size_t len = 0;
	int n = 0;
	FILE *f;
	int64_t oldest = 0, last = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT min(created) FROM mail_lines", -1, &st, NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		oldest = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (oldest == 0 || time(NULL) - oldest < (time_t)m->cfg.maildigest)
		return;
	if ((f = open_memstream(&body, &len)) == NULL)
		return;
	if (sqlite3_prepare_v2(s->db, "SELECT id, line FROM mail_lines ORDER BY id", -1, &st,
		NULL) != SQLITE_OK) {
		fclose(f);
		free(body);
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		last = sqlite3_column_int64(st, 0);
		fprintf(f, "%s\n", sqlite3_column_text(st, 1));
		n++;
	}
	sqlite3_finalize(st);
	fprintf(f, "\n-- \nmtastatd on %s\n", m->host);
	fclose(f);
	snprintf(subject, sizeof(subject), "%s %d alarm%s on %s", m->cfg.mailsubject, n,
	    n == 1 ? "" : "s", m->host);
	/* the digest and the removal of its lines in one transaction: never both, never none */
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK) {
		char q[128];
		snprintf(q, sizeof(q), "DELETE FROM mail_lines WHERE id <= %lld", (long long)last);
		if (notify_mail_queue(m, s, subject, body) == 0 &&
		    sqlite3_exec(s->db, q, NULL, NULL, NULL) == SQLITE_OK)
			sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
		else
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	}
	free(body);
}

char *
notify_mail_report(struct store *s, const struct mtastat_config *cfg, int32_t day)
{
	struct report_opts ro = { day, day, 0, 10 };
	struct indicator_stat stats[IND_COUNT];
	struct day_series ds;
	sqlite3_stmt *st;
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);
	int k;

	if (f == NULL)
		return NULL;
	report_print(s, &ro, f);
	if (stats_load(s, stats_first_day_needed(cfg, day + 1), day + 1, &ds) == 0) {
		stats_compute(&ds, cfg, (int64_t)(day + 1) * 86400, stats);
		stats_series_free(&ds);
		fprintf(f, "\nIndicators (the day against the %u days before it)\n", cfg->days);
		for (k = 0; k < IND_COUNT; k++)
			fprintf(f, "  %-20s V:%lld M:%.2f S:%.2f z:%.2f days:%d\n", stats[k].def->name,
			    (long long)stats[k].last.v, stats[k].last.mean, stats[k].last.sd,
			    stats[k].last.z, stats[k].last.n);
	}
	fprintf(f, "\nAlarms of the day\n");
	if (sqlite3_prepare_v2(s->db, "SELECT text FROM alarm_log WHERE time >= ?1 AND time < ?2"
		" ORDER BY id", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (int64_t)day * 86400);
		sqlite3_bind_int64(st, 2, (int64_t)(day + 1) * 86400);
		k = 0;
		while (sqlite3_step(st) == SQLITE_ROW) {
			fprintf(f, "  %s\n", sqlite3_column_text(st, 0));
			k++;
		}
		if (k == 0)
			fprintf(f, "  none\n");
		sqlite3_finalize(st);
	}
	fclose(f);
	return body;
}

int
notify_mail_report_due(int report_min, int32_t *report_day, int32_t today, int minute_of_day)
{
	if (report_min < 0)
		return 0;
	if (*report_day < 0) {
		/* first look: started after today's time waits for tomorrow */
		*report_day = minute_of_day >= report_min ? today : today - 1;
		return 0;
	}
	if (*report_day == today || minute_of_day < report_min)
		return 0;
	*report_day = today;
	return 1;
}

void
notify_mail_tick(struct notify_mail *m, struct store *s, int64_t newest_t)
{
	time_t now = time(NULL);
	struct tm tm;
	int32_t today;

	if (!notify_mail_enabled(m))
		return;
	flush_digest(m, s);
	if (m->cfg.mailreport_min < 0 || newest_t <= 0)
		return;
	localtime_r(&now, &tm);
	today = civil_days(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	if (!notify_mail_report_due(m->cfg.mailreport_min, &m->report_day, today,
	    tm.tm_hour * 60 + tm.tm_min))
		return;
	{
		/* the previous day of the log's own clock */
		int32_t day = (int32_t)(newest_t / 86400) - 1;
		char subject[512], date[16];
		char *body = notify_mail_report(s, &m->cfg, day);
		civil_format(day, date);
		snprintf(subject, sizeof(subject), "%s daily report %s on %s", m->cfg.mailsubject, date,
		    m->host);
		if (body != NULL)
			notify_mail_queue(m, s, subject, body);
		free(body);
	}
}
