/*
 * The standard MIBs for an MTA: the MTA-MIB (RFC 2789, mib-2.28) and the
 * application row of the NETWORK-SERVICES-MIB (RFC 2788, mib-2.27), so an
 * NMS that knows them needs nothing of ours.  Counters are Counter32 taken
 * from the history's totals (they survive restarts and only grow); what the
 * logs cannot tell is left out (noSuchInstance), never made up.  Which
 * object means what is in docs/standard-mibs.md.
 */
#ifndef MIB_STD_H
#define MIB_STD_H

#include <stdint.h>
#include <time.h>

#include "mib_table.h"
#include "mta_version.h"

struct mtastat;

/* applIndex of the one application row, shared by mtaTable and its groups. */
#define MIB_STD_APPL_INDEX 1
/* mtaGroupIndex: mail coming in (we are the SMTP server), mail going out (deliveries). */
enum { MIB_STD_GROUP_IN = 1, MIB_STD_GROUP_OUT = 2 };
/* applOperStatus (RFC 2788) */
enum { APPL_UP = 1, APPL_DOWN = 2, APPL_HALTED = 3, APPL_CONGESTED = 4 };

/* Columns of applEntry (RFC 2788). */
enum { COL_APPL_NAME = 2, COL_APPL_DIRECTORY_NAME, COL_APPL_VERSION, COL_APPL_UPTIME,
	COL_APPL_OPER_STATUS, COL_APPL_LAST_CHANGE, COL_APPL_INBOUND_ASSOC,
	COL_APPL_OUTBOUND_ASSOC, COL_APPL_ACC_INBOUND_ASSOC, COL_APPL_ACC_OUTBOUND_ASSOC,
	COL_APPL_LAST_INBOUND, COL_APPL_LAST_OUTBOUND, COL_APPL_REJECTED_INBOUND,
	COL_APPL_FAILED_OUTBOUND, COL_APPL_DESCRIPTION, COL_APPL_URL };
/* Columns of mtaEntry (RFC 2789). */
enum { COL_MTA_RECEIVED_MESSAGES = 1, COL_MTA_STORED_MESSAGES, COL_MTA_TRANSMITTED_MESSAGES,
	COL_MTA_RECEIVED_VOLUME, COL_MTA_STORED_VOLUME, COL_MTA_TRANSMITTED_VOLUME,
	COL_MTA_RECEIVED_RECIPIENTS, COL_MTA_STORED_RECIPIENTS, COL_MTA_TRANSMITTED_RECIPIENTS,
	COL_MTA_CONVERTED_OK, COL_MTA_CONVERTED_FAILED, COL_MTA_LOOPS };
/* Columns of mtaGroupEntry (RFC 2789) that mtastat can fill. */
enum { COL_GRP_RECEIVED_MESSAGES = 2, COL_GRP_REJECTED_MESSAGES = 3,
	COL_GRP_STORED_MESSAGES = 4, COL_GRP_TRANSMITTED_MESSAGES = 5,
	COL_GRP_RECEIVED_VOLUME = 6, COL_GRP_STORED_VOLUME = 7, COL_GRP_TRANSMITTED_VOLUME = 8,
	COL_GRP_RECEIVED_RECIPIENTS = 9, COL_GRP_STORED_RECIPIENTS = 10,
	COL_GRP_TRANSMITTED_RECIPIENTS = 11, COL_GRP_OLDEST_STORED = 12,
	COL_GRP_ACC_INBOUND_ASSOC = 15, COL_GRP_ACC_OUTBOUND_ASSOC = 16,
	COL_GRP_REJECTED_INBOUND_ASSOC = 19, COL_GRP_FAILED_OUTBOUND_ASSOC = 20,
	COL_GRP_MAIL_PROTOCOL = 24, COL_GRP_NAME = 25, COL_GRP_DESCRIPTION = 28,
	COL_GRP_CREATION_TIME = 30, COL_GRP_HIERARCHY = 31, COL_GRP_LAST_COL = 34 };
/* Columns of mtaGroupErrorEntry (RFC 2789). */
enum { COL_ERR_INBOUND = 1, COL_ERR_INTERNAL, COL_ERR_OUTBOUND };

/* What the standard rows need beyond the context's totals. */
struct mib_std_state {
	int fresh;               /* the history began with this run: so did its counters */
	unsigned long started;   /* sysUpTime (hundredths) when this run began serving */
	int oper;                /* applOperStatus as last seen, 0: not yet */
	unsigned long oper_since; /* sysUpTime when it became so, 0: before this run */
	unsigned alarm_id;
	char version[MTA_VERSION_MAX]; /* applVersion: asked of the MTA's tool at start */
};

/* One row of any of the standard tables: the context and the row's own indexes. */
struct mib_std_row {
	struct mtastat *ctx;
	uint32_t group;          /* mtaGroupIndex, 0 for applEntry and mtaEntry */
	uint32_t code;           /* mtaStatusCode, for mtaGroupErrorEntry */
	uint64_t count;          /* its error count since the history began */
};

/* Register the tables (before init_snmp); their rows come with mib_std_start. */
int mib_std_register(void);
int mib_std_start(struct mtastat *);
void mib_std_stop(struct mtastat *);

int mib_appl_value(const void *row, unsigned col, struct mib_value *);
int mib_mta_value(const void *row, unsigned col, struct mib_value *);
int mib_mta_group_value(const void *row, unsigned col, struct mib_value *);
int mib_mta_error_value(const void *row, unsigned col, struct mib_value *);

/* applOperStatus now, from the logs' freshness (mtastatLogStatus). */
int mib_std_oper_status(const struct mtastat *);
/*
 * mtaStatusCode of an enhanced status "class.subject.detail" (RFC 3463):
 * (class * 1000 + subject) * 1000 + detail; a reply without one counts as
 * class.0.0 from its basic code.  0 when it is no 4xx/5xx code.
 */
uint32_t mib_std_status_code(unsigned basic, const char *enh, size_t len);
/* The same encoding for any class (2, 4, 5) of enhanced code; 0 for none or unreadable. */
uint32_t mib_std_enh_code(const char *enh, size_t len);
/* Rebuild mtaGroupErrorTable from the reply totals (mib_health.h); 0 or -1. */
int mib_std_errors_refresh(struct mtastat *);

extern struct mib_table mib_appl_table, mib_mta_table, mib_mta_group_table,
    mib_mta_assoc_table, mib_mta_error_table;

#endif
