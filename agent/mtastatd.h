/* mtastatd: the AgentX subagent's context and entry points. */
#ifndef MTASTATD_H
#define MTASTATD_H

#include <time.h>

/* Default configuration file, read through net-snmp's config handlers. */
#define MTASTATD_CONFIG_DEFAULT SYSCONFDIR "/mtastat.conf"
/* net-snmp application name: selects the config handlers and the log ident. */
#define MTASTATD_APPNAME "mtastat"
/* Seconds between AgentX pings; a failed ping is also how we reconnect. */
#define MTASTATD_PING_INTERVAL 5

/* The daemon's one context.  Everything reachable from SNMP hangs off it. */
struct mtastat {
	time_t start_time;        /* mtastatStartTime */
	const char *config_path;  /* -c */
	const char *agentx_socket; /* -x, NULL: net-snmp's default */
	const char *pidfile;      /* -p */
	int foreground;           /* -f */
	int check_only;           /* -n */
	int config_errors;        /* errors seen while reading the config */
	volatile int stop;        /* set by SIGTERM/SIGINT */
	volatile int reload;      /* set by SIGHUP */
};

int mtastatd_main(int argc, char **argv);

/* MIB registration (mib_scalars.c). */
int mib_scalars_register(struct mtastat *);

#endif
