#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mib_table.h"

static int
mib_table_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reginfo,
    netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	const struct mib_table *t = reginfo->my_reg_void;
	netsnmp_request_info *req;
	netsnmp_table_request_info *ti;
	struct mib_value mv;
	void *row;

	if (reqinfo->mode != MODE_GET)
		return SNMP_ERR_NOERROR; /* read-only: the table helper refuses SETs */
	for (req = requests; req != NULL; req = req->next) {
		if (req->processed)
			continue;
		row = netsnmp_tdata_extract_entry(req);
		ti = netsnmp_extract_table_info(req);
		if (row == NULL || ti == NULL || t->value(row, ti->colnum, &mv) != 0) {
			netsnmp_set_request_error(reqinfo, req, SNMP_NOSUCHINSTANCE);
			continue;
		}
		mib_value_to_varbind(&mv, req->requestvb);
	}
	return SNMP_ERR_NOERROR;
}

int
mib_table_register(struct mib_table *t)
{
	netsnmp_handler_registration *reg;
	netsnmp_table_registration_info *info;
	size_t table_len = t->entry_len - 1; /* the table is the entry's parent */

	t->tdata = netsnmp_tdata_create_table(t->name, 0);
	reg = netsnmp_create_handler_registration(t->name, mib_table_handler, t->entry_oid,
	    table_len, HANDLER_CAN_RONLY);
	info = SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
	if (t->tdata == NULL || reg == NULL || info == NULL) {
		log_err("snmp", "%s: out of memory", t->name);
		return -1;
	}
	reg->my_reg_void = t;
	if (t->priority > 0)
		reg->priority = t->priority;
	if (t->nindex <= 1) {
		netsnmp_table_helper_add_indexes(info, t->nindex == 1 ? ASN_INTEGER : ASN_UNSIGNED, 0);
	} else if (t->nindex == 2) {
		netsnmp_table_helper_add_indexes(info, ASN_INTEGER, ASN_INTEGER, 0);
	} else {
		netsnmp_table_helper_add_indexes(info, ASN_INTEGER, ASN_INTEGER, ASN_INTEGER, 0);
	}
	info->min_column = t->min_col;
	info->max_column = t->max_col;
	if (netsnmp_tdata_register(reg, t->tdata, info) != MIB_REGISTERED_OK) {
		log_err("snmp", "cannot register %s", t->name);
		return -1;
	}
	return 0;
}

netsnmp_tdata_row *
mib_table_row(struct mib_table *t, uint32_t index)
{
	oid idx = index;

	return netsnmp_tdata_row_get_byoid(t->tdata, &idx, 1);
}

int
mib_table_add(struct mib_table *t, uint32_t index, void *data)
{
	t->gen++;
	netsnmp_tdata_row *row = netsnmp_tdata_create_row();
	u_long idx = index;

	if (row == NULL)
		return -1;
	row->data = data;
	netsnmp_tdata_row_add_index(row, ASN_UNSIGNED, &idx, sizeof(idx));
	if (netsnmp_tdata_add_row(t->tdata, row) != SNMPERR_SUCCESS) {
		netsnmp_tdata_delete_row(row);
		return -1;
	}
	return 0;
}

int
mib_table_add_n(struct mib_table *t, const uint32_t *idx, void *data)
{
	t->gen++;
	netsnmp_tdata_row *row;
	unsigned i;
	long v;

	if (t->nindex == 0 || t->nindex > MIB_TABLE_INDEX_MAX)
		return -1;
	row = netsnmp_tdata_create_row();
	if (row == NULL)
		return -1;
	row->data = data;
	for (i = 0; i < t->nindex; i++) {
		v = (long)idx[i];
		netsnmp_tdata_row_add_index(row, ASN_INTEGER, &v, sizeof(v));
	}
	if (netsnmp_tdata_add_row(t->tdata, row) != SNMPERR_SUCCESS) {
		netsnmp_tdata_delete_row(row);
		return -1;
	}
	return 0;
}

netsnmp_tdata_row *
mib_table_row_n(struct mib_table *t, const uint32_t *idx)
{
	oid o[MIB_TABLE_INDEX_MAX];
	unsigned i;

	if (t->nindex == 0 || t->nindex > MIB_TABLE_INDEX_MAX)
		return NULL;
	for (i = 0; i < t->nindex; i++)
		o[i] = idx[i];
	return netsnmp_tdata_row_get_byoid(t->tdata, o, t->nindex);
}

void
mib_table_remove(struct mib_table *t, netsnmp_tdata_row *row)
{
	t->gen++;
	free(netsnmp_tdata_remove_and_delete_row(t->tdata, row));
}

void
mib_table_clear(struct mib_table *t)
{
	t->gen++;
	netsnmp_tdata_row *row;

	if (t->tdata == NULL)
		return;
	while ((row = netsnmp_tdata_row_first(t->tdata)) != NULL)
		mib_table_remove(t, row);
}

int
mib_table_varbind(const struct mib_table *t, const void *row, uint32_t index, unsigned col,
    netsnmp_variable_list **vars)
{
	oid name[MAX_OID_LEN];
	struct mib_value mv;
	netsnmp_variable_list *vb;

	if (t->entry_len + 2 > MAX_OID_LEN || t->value(row, col, &mv) != 0)
		return -1;
	memcpy(name, t->entry_oid, t->entry_len * sizeof(oid));
	name[t->entry_len] = col;
	name[t->entry_len + 1] = index;
	vb = snmp_varlist_add_variable(vars, name, t->entry_len + 2, ASN_NULL, NULL, 0);
	if (vb == NULL)
		return -1;
	return mib_value_to_varbind(&mv, vb);
}

void
mib_table_touch(struct mib_table *t)
{
	t->gen++;
}
