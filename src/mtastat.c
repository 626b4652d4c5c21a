/* mtastat: the command-line side (import, report, check) of the core library. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "mtastat.h"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: mtastat COMMAND [OPTIONS]\n"
	    "commands:\n"
	    "  version     print the version\n"
	    "  help        this text\n");
}

int
main(int argc, char **argv)
{
	log_init("mtastat", 0, 0);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("mtastat %s\n", MTASTAT_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "mtastat: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
