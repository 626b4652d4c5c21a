/* mtastatd: options, start-up, the net-snmp event loop, shutdown. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "log.h"
#include "mib_queue.h"
#include "mib_scalars.h"
#include "mtastat.h"
#include "mtastatd.h"

/*
 * net-snmp's signal-free callbacks carry no user pointer we control in every
 * case (signal handlers, logging during init_snmp), so the daemon's one
 * context is reachable from here.  Nothing else is global.
 */
static struct mtastat *the_ctx;
/* Set while init_snmp() reads configuration, to count its complaints. */
static int reading_config;

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: mtastatd [-f] [-n] [-c CONFIG] [-x AGENTX_SOCKET] [-p PIDFILE] [-u USER] [-D TOKENS]\n"
	    "  -f          stay in the foreground, log to stderr\n"
	    "  -n          check the configuration, say so and exit\n"
	    "  -c CONFIG   configuration file (default " MTASTATD_CONFIG_DEFAULT ")\n"
	    "  -x SOCKET   AgentX socket of the master agent (default: net-snmp's)\n"
	    "  -p PIDFILE  write the process id to PIDFILE once connected\n"
	    "  -u USER     drop root privileges to USER (and its groups) after start-up\n"
	    "  -D TOKENS   debug output for subsystems: parse,store,snmp,... or all\n"
	    "  -v, --version  print the version and exit\n"
	    "  -h, --help     print this help and exit\n");
}

static int
netsnmp_log_bridge(int major, int minor, void *serverarg, void *clientarg)
{
	struct snmp_log_message *slm = serverarg;
	char msg[1024];
	size_t len;
	enum log_level level;

	snprintf(msg, sizeof(msg), "%s", slm->msg);
	len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		msg[--len] = '\0';
	if (slm->priority <= LOG_ERR)
		level = LOG_LEVEL_ERR;
	else if (slm->priority == LOG_WARNING)
		level = LOG_LEVEL_WARN;
	else if (slm->priority == LOG_DEBUG)
		level = LOG_LEVEL_DEBUG;
	else
		level = LOG_LEVEL_INFO;
	if (reading_config && the_ctx != NULL && level <= LOG_LEVEL_WARN &&
	    strstr(msg, ": line ") != NULL) {
		the_ctx->config_errors++;
		level = LOG_LEVEL_ERR;
	}
	if (level == LOG_LEVEL_DEBUG)
		log_debug("netsnmp", "%s", msg);
	else
		log_msg(level, "snmp", "%s", msg);
	return 0;
}

static int
config_read_done(int major, int minor, void *serverarg, void *clientarg)
{
	reading_config = 0;
	return 0;
}

static void
on_signal(int sig)
{
	if (the_ctx == NULL)
		return;
	if (sig == SIGHUP)
		the_ctx->reload = 1;
	else
		the_ctx->stop = 1;
}

static int
signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the select() in agent_check_and_process must return. */
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGHUP, &sa, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* A pid file holding a live process: another mtastatd may own it. */
static int
pidfile_live(const char *path)
{
	char buf[32];
	ssize_t n;
	long pid;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	return pid > 0 && pid != (long)getpid() && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/*
 * Written in place, never through a temporary name: O_EXCL|O_NOFOLLOW so a
 * symlink planted at the path (or a stale file) is removed, not followed.
 * unlink() of a symlink removes the link only.
 */
static int
pidfile_write(const char *path)
{
	char buf[32];
	int fd, n, tries;

	for (tries = 0; tries < 2; tries++) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EEXIST)
			break;
		if (pidfile_live(path)) {
			log_err("main", "%s: another mtastatd is running", path);
			return -1;
		}
		if (unlink(path) != 0)
			break;
	}
	if (fd < 0) {
		log_err("main", "%s: %s", path, strerror(errno));
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n || close(fd) != 0) {
		log_err("main", "%s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

static int
parse_options(struct mtastat *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "fnc:x:p:u:D:vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'f': ctx->foreground = 1; break;
		case 'n': ctx->check_only = 1; break;
		case 'c': ctx->config_path = optarg; break;
		case 'x': ctx->agentx_socket = optarg; break;
		case 'p': ctx->pidfile = optarg; break;
		case 'u': ctx->user = optarg; break;
		case 'D':
			if (log_debug_enable(optarg) != 0) {
				fprintf(stderr, "mtastatd: -D %s: expected subsystems among %s\n", optarg,
				    LOG_SUBSYSTEMS);
				return -1;
			}
			break;
		case 'v': printf("mtastatd %s\n", MTASTAT_VERSION); exit(0);
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* Everything net-snmp needs before init_snmp() reads the configuration. */
static void
snmp_setup(struct mtastat *ctx)
{
	/* Client args would be freed by snmp_shutdown(): we pass none. */
	snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING,
	    netsnmp_log_bridge, NULL);
	snmp_enable_calllog();
	/* Only our file: not /etc/snmp/mtastat.conf nor ~/.snmp behind the user's back. */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_OPTIONALCONFIG,
	    ctx->config_path);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	/* Timers run from the loop, never from SIGALRM in the middle of a write. */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_ALARM_DONT_USE_SIG, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	if (log_debug_enabled("netsnmp"))
		snmp_set_do_debugging(1);
	/* -n checks a file; a master agent being down is not its business. */
	if (ctx->check_only)
		netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID,
		    NETSNMP_DS_AGENT_NO_CONNECTION_WARNINGS, 1);
	if (ctx->agentx_socket != NULL)
		netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET,
		    ctx->agentx_socket);
	/* The ping is also how a lost master is noticed and reconnected. */
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL,
	    MTASTATD_PING_INTERVAL);
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_TIMEOUT,
	    1 * ONE_SEC);
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_RETRIES, 0);
	snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_POST_READ_CONFIG,
	    config_read_done, NULL);
	/*
	 * The agent answers by OID and never needs MIB names; loading the
	 * distribution's default MIB list only prints warnings where the IETF
	 * modules are missing (Debian's default).
	 */
	setenv("MIBS", "", 0);
}

/*
 * Become USER: the AgentX socket is open, everything else (the history, the
 * logs) is opened afterwards with the user's rights, as the mail group's
 * member it should be (Debian: adm reads /var/log/mail.log).
 */
static int
drop_privileges(const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (pw == NULL) {
		log_err("main", "-u %s: no such user", user);
		return -1;
	}
	if (getuid() != 0 && getuid() != pw->pw_uid) {
		log_err("main", "-u %s: only root can change user", user);
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		log_err("main", "-u %s: %s", user, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		log_err("main", "-u %s: could regain root; refusing to run", user);
		return -1;
	}
	log_info("main", "running as %s (uid %ld)", user, (long)pw->pw_uid);
	return 0;
}

static int
config_file_readable(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		log_err("config", "%s: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * SIGHUP: commit, re-read the configuration, follow the logs it names.  A
 * file that cannot be read, or a configuration the daemon cannot start
 * with, leaves the running one in effect: a monitor must not go blind (or
 * start a new empty history) because of a typo or a permission.
 */
static void
reload(struct mtastat *ctx)
{
	struct mtastat_config old;

	ctx->reload = 0;
	log_info("main", "SIGHUP: reloading %s", ctx->config_path);
	if (config_file_readable(ctx->config_path) != 0) {
		log_err("main", "SIGHUP: %s cannot be read: the running configuration stays",
		    ctx->config_path);
		return;
	}
	watch_stop(ctx);
	ctx->config_errors = 0;
	old = ctx->cfg;
	config_init(&ctx->cfg);
	/* only our file and our tokens: update_config() would also restart the
	 * AgentX session, which is fine as it is */
	reading_config = 1;
	read_config_with_type(ctx->config_path, MTASTATD_APPNAME);
	reading_config = 0;
	if (ctx->config_errors > 0)
		log_err("config", "%s: %d error(s); the valid lines are in effect", ctx->config_path,
		    ctx->config_errors);
	ctx->traps.max = ctx->cfg.trapqueue;
	ctx->reloading = 1;
	if (watch_start(ctx) != 0) {
		log_err("main", "SIGHUP: cannot start with %s: back to the previous configuration",
		    ctx->config_path);
		watch_stop(ctx);
		config_free(&ctx->cfg);
		ctx->cfg = old;
		ctx->traps.max = ctx->cfg.trapqueue;
		memset(&old, 0, sizeof(old));
		if (watch_start(ctx) != 0)
			log_err("main", "cannot restart with the previous configuration either; stopping");
	}
	config_free(&old);
	ctx->reloading = 0;
	if (!ctx->ingest_ready)
		ctx->stop = 1;
	/* the history may be another file now: the health rows start from it */
	ctx->health.base_day = 0;
	if (ctx->ingest_ready && mib_health_refresh(ctx) != 0)
		log_warn("snmp", "mail-flow health not reloaded; tried again after the next commit");
}

/*
 * Can the queue sampler's program be run?  A start does not refuse it (each
 * sample fails, logged), so it is a warning.  Whether the MTA lets this
 * user list its queue shows only when it runs: the first sample says so.
 */
static void
queue_check(const struct queue_config *q)
{
	const char *cmd = queue_command(q);
	struct stat st;

	if (q->mta == QUEUE_NONE)
		return;
	if (access(cmd, X_OK) != 0)
		log_warn("config", "queue: %s: %s: every queue sample will fail", cmd, strerror(errno));
	if (q->dir == NULL)
		return;
	if (stat(q->dir, &st) != 0)
		log_warn("config", "queue: %s: %s: every queue sample will fail", q->dir,
		    strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		log_warn("config", "queue: %s: not a directory: every queue sample will fail", q->dir);
}

/* Can the history be opened for writing (or created) by this process? */
static int
check_database(const char *path)
{
	char dir[4096];
	char *slash;

	if (access(path, F_OK) == 0) {
		if (access(path, R_OK | W_OK) != 0) {
			log_err("config", "database %s: %s", path, strerror(errno));
			return -1;
		}
	}
	/* the file, its -wal and -shm are made in its directory, or the nearest
	 * ancestor that exists when the directories are still to be made */
	snprintf(dir, sizeof(dir), "%s", path);
	while ((slash = strrchr(dir, '/')) != NULL) {
		*(slash == dir ? slash + 1 : slash) = '\0';
		if (access(dir, F_OK) == 0)
			break;
		if (slash == dir)
			break;
	}
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	if (access(dir, W_OK | X_OK) != 0) {
		log_err("config", "database %s: directory %s: %s", path, dir, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * mtastatd -n: what a start would refuse, found now: the history, every
 * log, the e-mail settings and password file.  A log that does not exist yet
 * is only a warning: the daemon waits for it.
 */
static int
check_start(struct mtastat *ctx)
{
	struct notify_mail m;
	const char *db = ctx->cfg.database != NULL ? ctx->cfg.database : CONFIG_DEFAULT_DATABASE;
	int errors = 0, fd;
	size_t i;

	errors += check_database(db) != 0;
	for (i = 0; i < ctx->cfg.nlogs; i++) {
		const char *path = ctx->cfg.logs[i].path, *slash;
		char dir[4096];
		struct stat st;
		/* a glob of dated files (icewarp): its directory is what must be readable */
		if (ctx->cfg.logs[i].parser->file_key != NULL && (stat(path, &st) != 0 ||
		    !S_ISDIR(st.st_mode)) && (slash = strrchr(path, '/')) != NULL) {
			snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
			path = dir;
		}
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
			close(fd);
		} else if (errno == ENOENT) {
			log_warn("config", "logfile %s: does not exist yet: followed once it appears", path);
		} else {
			log_err("config", "logfile %s: %s", path, strerror(errno));
			errors++;
		}
	}
	errors += notify_mail_start(&m, &ctx->cfg, NULL) != 0;
	notify_mail_stop(&m);
	queue_check(&ctx->cfg.queue);
	return errors;
}

int
mtastatd_main(int argc, char **argv)
{
	struct mtastat ctx;
	int rc = 1;

	memset(&ctx, 0, sizeof(ctx));
	ctx.config_path = MTASTATD_CONFIG_DEFAULT;
	ctx.start_time = time(NULL);
	if (parse_options(&ctx, argc, argv) != 0)
		return 2;
	log_init("mtastatd", !ctx.foreground && !ctx.check_only, !ctx.check_only);
	ingest_malloc_tune();
	the_ctx = &ctx;
	if (config_file_readable(ctx.config_path) != 0)
		return 1;
	if (signals_install() != 0) {
		log_err("main", "sigaction: %s", strerror(errno));
		return 1;
	}
	ctx.inotify_fd = -1;
	snmp_setup(&ctx);
	init_agent(MTASTATD_APPNAME);
	/* init_agent() installs net-snmp's default of 15 s; ours goes after it and
	 * before the configuration, where agentxPingInterval may still change it */
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL,
	    MTASTATD_PING_INTERVAL);
	config_snmp_register(&ctx);
	if (mib_scalars_register(&ctx) != 0 || mib_queue_register(&ctx) != 0 ||
	    model_register() != 0 || mib_std_register() != 0 ||
	    mib_health_register(&ctx) != 0 ||
	    notify_queue_init(&ctx.traps, CONFIG_DEFAULT_TRAPQUEUE) != 0)
		goto out;
	reading_config = 1;
	init_snmp(MTASTATD_APPNAME);
	reading_config = 0;
	ctx.traps.max = ctx.cfg.trapqueue;
	if (ctx.config_errors > 0) {
		log_err("config", "%s: %d error(s)", ctx.config_path, ctx.config_errors);
		goto out;
	}
	if (ctx.check_only) {
		/* with -u, check with the rights the daemon will have */
		if (ctx.user != NULL && geteuid() == 0 && drop_privileges(ctx.user) != 0)
			goto out;
		if (check_start(&ctx) != 0) {
			log_err("config", "%s: the daemon would not start", ctx.config_path);
			goto out;
		}
		printf("%s: configuration OK\n", ctx.config_path);
		rc = 0;
		goto out;
	}
	if (geteuid() == 0 && ctx.user == NULL)
		log_warn("main", "running as root: the history and the logs are handled with root's"
		    " rights; give -u USER (a member of the group that reads the logs)");
	if (!ctx.foreground && daemon(0, 0) != 0) {
		log_err("main", "daemon: %s", strerror(errno));
		goto out;
	}
	/* the pid file goes where root may write (/run), before dropping root */
	if (ctx.pidfile != NULL && pidfile_write(ctx.pidfile) != 0)
		goto out;
	if (ctx.user != NULL && drop_privileges(ctx.user) != 0)
		goto out;
	if (watch_start(&ctx) != 0 || mib_std_start(&ctx) != 0 || mib_health_start(&ctx) != 0)
		goto out;
	log_info("main", "mtastatd %s started", MTASTAT_VERSION);
	while (!ctx.stop) {
		/* with a backlog, only peek at SNMP between slices */
		agent_check_and_process(watch_work(&ctx) ? 0 : 1);
		if (ctx.reload)
			reload(&ctx);
	}
	log_info("main", "stopping");
	rc = 0;
out:
	mib_health_stop(&ctx);
	mib_std_stop(&ctx);
	watch_stop(&ctx);
	config_free(&ctx.cfg);
	notify_queue_free(&ctx.traps);
	/*
	 * With -D netsnmp, net-snmp traces its own callback locks: once the
	 * logging callbacks go, each trace logs through the callback it traces,
	 * without end (a stack overflow at exit).  Its debugging ends here.
	 */
	snmp_set_do_debugging(0);
	/* Our log callback must not run while net-snmp tears its callbacks down. */
	snmp_unregister_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING,
	    netsnmp_log_bridge, NULL, 1);
	snmp_disable_calllog();
	snmp_shutdown(MTASTATD_APPNAME);
	if (ctx.pidfile != NULL && !ctx.check_only)
		unlink(ctx.pidfile);
	the_ctx = NULL;
	return rc;
}
