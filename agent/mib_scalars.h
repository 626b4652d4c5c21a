#ifndef MIB_SCALARS_H
#define MIB_SCALARS_H

#include "mib_value.h"
#include "mtastatd.h"

/* Columns under mtastatScalars (MTASTAT-MIB). */
enum mib_scalar {
	MIB_SCALAR_VERSION = 1,
	MIB_SCALAR_START_TIME = 2,
	MIB_SCALAR_LAST = MIB_SCALAR_START_TIME, /* highest one served so far */
};

/* Value of scalar col, or -1 when there is no such scalar. */
int mib_scalar_value(const struct mtastat *, unsigned int col, struct mib_value *);

#endif
