/*
 * A read-only group of scalars: columns first..last under root, their values
 * from one function.  GETs, GETNEXT (net-snmp's scalar_group helper) and the
 * varbinds of notifications all go through it, so every group answers alike.
 */
#ifndef MIB_SCALAR_GROUP_H
#define MIB_SCALAR_GROUP_H

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include "mib_value.h"

struct mtastat;

/* 0 with *mv set; >0 no such instance (the object exists, not now); <0 no such object. */
typedef int (*mib_scalar_fn)(const struct mtastat *, unsigned int col, struct mib_value *);

struct mib_scalar_group {
	const char *name;     /* for the registration and its error message */
	const oid *root;
	size_t root_len;
	unsigned int first, last;
	mib_scalar_fn value;
};

int mib_scalar_group_register(const struct mib_scalar_group *, struct mtastat *);
/* Append root.col.0 with its value to *vars (for notifications). */
int mib_scalar_group_varbind(const struct mib_scalar_group *, const struct mtastat *,
    unsigned int col, netsnmp_variable_list **vars);

#endif
