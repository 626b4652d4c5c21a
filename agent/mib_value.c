#include "config.h"

#include <math.h>
#include <string.h>

#include "mib_value.h"
#include "dateandtime.h"
#include "sanitize.h"

void
mib_value_int(struct mib_value *mv, u_char type, long v)
{
	mv->type = type;
	mv->len = sizeof(long);
	mv->v.i = v;
}

void
mib_value_u64(struct mib_value *mv, uint64_t v)
{
	mv->type = ASN_COUNTER64;
	mv->len = sizeof(struct counter64);
	mv->v.u64 = v;
}

void
mib_value_str(struct mib_value *mv, const char *s, size_t len)
{
	mv->type = ASN_OCTET_STR;
	mv->len = sanitize_copy((char *)mv->v.s, sizeof(mv->v.s), s, len);
}

void
mib_value_time(struct mib_value *mv, time_t t)
{
	mv->type = ASN_OCTET_STR;
	mv->len = (size_t)dateandtime_encode(t, mv->v.s);
}

void
mib_value_fixed2(struct mib_value *mv, double v)
{
	double h = round(v * 100.0);

	if (isnan(h))
		h = 0;
	if (h > 2147483647.0)
		h = 2147483647.0;
	if (h < -2147483648.0)
		h = -2147483648.0;
	mib_value_int(mv, ASN_INTEGER, (long)h);
}

int
mib_value_to_varbind(const struct mib_value *mv, netsnmp_variable_list *vb)
{
	struct counter64 c64;
	u_long ul;

	switch (mv->type) {
	case ASN_OCTET_STR:
		return snmp_set_var_typed_value(vb, mv->type, mv->v.s, mv->len);
	case ASN_COUNTER64:
		c64.high = (u_long)(mv->v.u64 >> 32);
		c64.low = (u_long)(mv->v.u64 & 0xffffffffu);
		return snmp_set_var_typed_value(vb, mv->type, &c64, sizeof(c64));
	case ASN_OBJECT_ID:
		return snmp_set_var_typed_value(vb, mv->type, mv->v.s, mv->len);
	case ASN_GAUGE:
	case ASN_COUNTER:
		ul = (u_long)mv->v.i;
		return snmp_set_var_typed_value(vb, mv->type, &ul, sizeof(ul));
	default:
		return snmp_set_var_typed_value(vb, mv->type, &mv->v.i, sizeof(mv->v.i));
	}
}
