/*
 * The version of the MTA installed here, for applVersion (RFC 2788): the
 * logs do not say it, the MTA's own tool does (Postfix `postconf -h
 * mail_version`, Exim `exim -bV`).  Asked once when mtastatd starts, with a
 * short timeout; no shell, the child's output bounded.
 */
#ifndef MTASTAT_MTA_VERSION_H
#define MTASTAT_MTA_VERSION_H

#include <stddef.h>

/* A version string: "3.7.11", "4.96". */
#define MTA_VERSION_MAX 64
/* The tools answer at once; a hung one must not hold the start. */
#define MTA_VERSION_TIMEOUT_MS 2000

/*
 * Run argv (argv[0] an absolute path) and keep the first word of its output
 * that starts with a digit, cut at MTA_VERSION_MAX - 1 bytes, only
 * [0-9A-Za-z.+_-] kept.  0, or -1 (no such word, the program failed or
 * timed out: killed) with out "".
 */
int mta_version_run(const char *const *argv, char *out, size_t outlen);

/*
 * The version of mta ("postfix", "exim"; others: -1) through its default
 * tool; confdir, when not NULL, is Postfix's configuration directory (-c).
 */
int mta_version(const char *mta, const char *confdir, char *out, size_t outlen);

#endif
