/* The MTASTAT-MIB root: moving the module is changing this one line. */
#ifndef MIB_OID_H
#define MIB_OID_H

/* netSnmpPlaypen(1.3.6.1.4.1.8072.9999.9999).25 */
#define MTASTAT_OID_ROOT 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 25

#define MTASTAT_OID_NOTIFICATIONS MTASTAT_OID_ROOT, 0
#define MTASTAT_OID_SCALARS MTASTAT_OID_ROOT, 1, 1
#define MTASTAT_OID_QUEUE MTASTAT_OID_ROOT, 1, 10

#endif
