/* The one handler of every scalar group (see mib_scalar_group.h). */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "log.h"
#include "mib_scalar_group.h"

static int
group_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reginfo,
    netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	const struct mib_scalar_group *g = handler->myvoid;
	const struct mtastat *ctx = reginfo->my_reg_void;
	netsnmp_request_info *req;
	struct mib_value mv;
	int rc;

	if (reqinfo->mode != MODE_GET)
		return SNMP_ERR_NOERROR; /* read-only: the scalar_group helper answers SETs */
	for (req = requests; req != NULL; req = req->next) {
		if (req->processed || req->requestvb->name_length <= g->root_len)
			continue;
		/* the helper extends rootoid while it calls us: read the request's own OID */
		rc = g->value(ctx, (unsigned int)req->requestvb->name[g->root_len], &mv);
		if (rc != 0) {
			netsnmp_set_request_error(reqinfo, req, rc > 0 ? SNMP_NOSUCHINSTANCE :
			    SNMP_NOSUCHOBJECT);
			continue;
		}
		mib_value_to_varbind(&mv, req->requestvb);
	}
	return SNMP_ERR_NOERROR;
}

int
mib_scalar_group_register(const struct mib_scalar_group *g, struct mtastat *ctx)
{
	netsnmp_handler_registration *reg;

	reg = netsnmp_create_handler_registration(g->name, group_handler, g->root, g->root_len,
	    HANDLER_CAN_RONLY);
	if (reg == NULL)
		return -1;
	reg->my_reg_void = ctx;
	/* the group is static and const: net-snmp never frees myvoid without a free hook */
	reg->handler->myvoid = (void *)(uintptr_t)g;
	if (netsnmp_register_scalar_group(reg, g->first, g->last) != MIB_REGISTERED_OK) {
		log_err("snmp", "cannot register %s", g->name);
		return -1;
	}
	return 0;
}

int
mib_scalar_group_varbind(const struct mib_scalar_group *g, const struct mtastat *ctx,
    unsigned int col, netsnmp_variable_list **vars)
{
	oid name[MAX_OID_LEN];
	struct mib_value mv;
	netsnmp_variable_list *vb;

	if (g->root_len + 2 > MAX_OID_LEN || g->value(ctx, col, &mv) != 0)
		return -1;
	memcpy(name, g->root, g->root_len * sizeof(oid));
	name[g->root_len] = col;
	name[g->root_len + 1] = 0;
	vb = snmp_varlist_add_variable(vars, name, g->root_len + 2, ASN_NULL, NULL, 0);
	if (vb == NULL)
		return -1;
	return mib_value_to_varbind(&mv, vb);
}
