/*
 * A column's value, computed by a pure function per table and turned into a
 * varbind in one place.  GET handlers and notifications both use it, so a trap
 * can never disagree with snmpget.
 */
#ifndef MIB_VALUE_H
#define MIB_VALUE_H

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <stdint.h>

/* The longest string column (DisplayString SIZE 0..255). */
#define MIB_VALUE_MAX 255

struct mib_value {
	u_char type;   /* ASN_INTEGER, ASN_GAUGE (= ASN_UNSIGNED), ASN_COUNTER64, ASN_OCTET_STR,
	                * ASN_OBJECT_ID (the oids in v.s, len in octets) */
	size_t len;    /* octets used in v.s */
	union {
		long i;
		uint64_t u64;
		u_char s[MIB_VALUE_MAX];
	} v;
};

void mib_value_int(struct mib_value *, u_char type, long);
void mib_value_u64(struct mib_value *, uint64_t);
/* Copies at most MIB_VALUE_MAX bytes, non-printable bytes shown as '?'. */
void mib_value_str(struct mib_value *, const char *, size_t);
void mib_value_time(struct mib_value *, time_t);
/* Hundredths for MtastatHundredths columns, clamped to Integer32. */
void mib_value_fixed2(struct mib_value *, double);

int mib_value_to_varbind(const struct mib_value *, netsnmp_variable_list *);

#endif
