/* mtastat - shared definitions of the core library. */
#ifndef MTASTAT_H
#define MTASTAT_H

#include <stddef.h>
#include <stdint.h>

#define MTASTAT_VERSION PACKAGE_VERSION

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
