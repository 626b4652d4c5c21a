#!/usr/bin/python3
"""Write the Zabbix 6.0 template for MTASTAT-MIB (mtastat_zabbix_template.yaml).

The YAML is generated so that every item, OID and value map comes from one
table below and every uuid is stable (uuid5 of the object's key): edit this
file, run it, commit both.  Standard library only.

  contrib/zabbix/gen_template.py > contrib/zabbix/mtastat_zabbix_template.yaml
"""
import sys
import uuid

TEMPLATE = "mtastat by SNMP"
GROUP = "Templates/Applications"
ROOT = "1.3.6.1.4.1.8072.9999.9999.25"
SCALAR = ROOT + ".1.1"
IND = ROOT + ".1.2.1"
ACC = ROOT + ".1.3.1"
LOG = ROOT + ".1.5.1"
NOTIF = ROOT + ".0"


def uid(what):
    """A stable uuid for what, shaped as the UUIDv4 Zabbix's importer demands."""
    u = uuid.uuid5(uuid.NAMESPACE_URL, "mtastat-zabbix-template/" + what)
    return uuid.UUID(bytes=u.bytes, version=4).hex


VALUEMAPS = {
    "MTASTAT-MIB::MtastatIndicatorState": [(1, "normal"), (2, "high"), (3, "low"), (4, "insufficientData")],
    "MTASTAT-MIB::MtastatDirection": [(1, "high"), (2, "low"), (3, "both")],
    "SNMPv2-TC::TruthValue": [(1, "true"), (2, "false")],
    "MTASTAT-MIB::mtastatHistoryState": [(1, "ok"), (2, "failing")],
    "MTASTAT-MIB::mtastatAccountStatus": [(1, "ok"), (2, "exceeded"), (3, "unusual")],
    "MTASTAT-MIB::mtastatLogStatus": [(1, "ok"), (2, "stalled"), (3, "missing")],
    "MTASTAT-MIB::mtastatAlarmKind": [(1, "indicatorAnomaly"), (2, "indicatorNormal"),
                                      (3, "relayLimitExceeded"), (4, "relayLimitCleared"),
                                      (5, "logStalled"), (6, "historyWriteFailed"),
                                      (7, "historyWriteResumed"), (8, "accountUnusual"),
                                      (9, "accountUsual"), (10, "queueAlarm"),
                                      (11, "queueAlarmCleared")],
    "MTASTAT-MIB::mtastatQueueSamplerStatus": [(1, "disabled"), (2, "waiting"), (3, "ok"),
                                               (4, "failed"), (5, "timedOut")],
    "MTASTAT-MIB::mtastatQueueAlarmState": [(1, "normal"), (2, "raised")],
}

HUNDREDTHS = [{"type": "MULTIPLIER", "parameters": ["0.01"]}]
PER_SECOND = [{"type": "CHANGE_PER_SECOND", "parameters": [""]}]
STATE_HOLD = [{"type": "DISCARD_UNCHANGED_HEARTBEAT", "parameters": ["1h"]}]

# key suffix, column, name, value type, units, preprocessing, value map, description
SCALARS = [
    ("version", 1, "Agent version", "CHAR", "", None, None,
     "mtastatVersion; also the agent-not-answering probe (nodata)."),
    ("start.time", 17, "Agent start time", "UNSIGNED", "unixtime", None, None,
     "mtastatStartTimeUnix"),
    ("lastevent.time", 18, "Newest event read (log time)", "UNSIGNED", "unixtime", None, None,
     "mtastatLastEventTimeUnix: 'today' of every indicator is this day; 0 before the first event."),
    ("lines.rate", 4, "Log lines read per second", "FLOAT", "lines/s", PER_SECOND, None,
     "mtastatLinesRead as a rate."),
    ("unparsed.rate", 5, "Unparsed log lines per second", "FLOAT", "lines/s", PER_SECOND, None,
     "mtastatLinesUnparsed as a rate."),
    ("received.rate", 6, "Messages received per second", "FLOAT", "msg/s", PER_SECOND, None,
     "mtastatReceivedTotal as a rate."),
    ("delivered.rate", 7, "Deliveries per second", "FLOAT", "rcpt/s", PER_SECOND, None,
     "mtastatDeliveredTotal as a rate."),
    ("relayed.rate", 8, "Relayed (external) deliveries per second", "FLOAT", "rcpt/s", PER_SECOND, None,
     "mtastatRelayedTotal as a rate."),
    ("deferred.rate", 9, "Deferred messages per second", "FLOAT", "msg/s", PER_SECOND, None,
     "mtastatDeferredTotal as a rate."),
    ("bounced.rate", 10, "Bounced recipients per second", "FLOAT", "rcpt/s", PER_SECOND, None,
     "mtastatBouncedTotal as a rate."),
    ("rejected.rate", 11, "Rejects per second", "FLOAT", "1/s", PER_SECOND, None,
     "mtastatRejectedTotal as a rate."),
    ("bytes.received.rate", 12, "Bytes received per second", "FLOAT", "Bps", PER_SECOND, None,
     "mtastatBytesReceivedTotal as a rate."),
    ("bytes.delivered.rate", 13, "Bytes delivered per second", "FLOAT", "Bps", PER_SECOND, None,
     "mtastatBytesDeliveredTotal as a rate."),
    ("history.state", 14, "History database state", "UNSIGNED", "", None,
     "MTASTAT-MIB::mtastatHistoryState", "mtastatHistoryState: failing while commits fail."),
    ("history.failures", 15, "History write failures since start", "UNSIGNED", "", None, None,
     "mtastatHistoryWriteFailures"),
    ("history.error", 16, "History last write error", "CHAR", "", None, None,
     "mtastatHistoryError"),
    ("accounts.overlimit", 19, "Accounts over their relay limit today", "UNSIGNED", "", None, None,
     "mtastatAccountsOverLimit"),
    ("accounts.unusual", 20, "Accounts far beyond their usual volume today", "UNSIGNED", "", None, None,
     "mtastatAccountsUnusual"),
    ("indicators.outofband", 21, "Indicators out of their band", "UNSIGNED", "", None, None,
     "mtastatIndicatorsOutOfBand: high or low, judged ones only."),
    ("logs.notok", 22, "Followed logs stalled or missing", "UNSIGNED", "", None, None,
     "mtastatLogsNotOk"),
    ("alarms.active", 23, "Active alarms", "UNSIGNED", "", None, None,
     "mtastatActiveAlarms: all of the above, plus one while the history is failing."),
    ("lastalarm.time", 25, "Last alarm time", "UNSIGNED", "unixtime", None, None,
     "mtastatLastAlarmTimeUnix: the newest alarm record (raise or clear)."),
    ("lastalarm.text", 26, "Last alarm", "CHAR", "", None, None,
     "mtastatLastAlarmText"),
]

# Mail-flow health scalars (issue 14): key suffix, OID under ROOT, name, type, units, description
HEALTH_SCALARS = [
    ("delay.count", "1.8.1", "Deliveries with a known delay today", "UNSIGNED", "",
     "mtastatDelayCountToday: the population of the quantiles."),
    ("delay.p50", "1.8.2", "Delivery delay today, median", "FLOAT", "s",
     "mtastatDelayP50Today (milliseconds on the wire, within 3.125 %)."),
    ("delay.p95", "1.8.3", "Delivery delay today, 95th percentile", "FLOAT", "s",
     "mtastatDelayP95Today (milliseconds on the wire, within 3.125 %)."),
    ("delay.max", "1.8.5", "Delivery delay today, longest", "FLOAT", "s",
     "mtastatDelayMaxToday (milliseconds on the wire)."),
    ("tls.plain.share", "1.9.5", "Plaintext SMTP sessions today", "FLOAT", "%",
     "mtastatPlainSharePercentToday, both directions; -1 without a session today."),
]
# The sampled queue (mtastatQueue, issue 14): key suffix, column under ROOT.1.10, name, type,
# units, value map, description.  Only objects every MTA has: the per-queue ones are
# Postfix's alone (no such instance for Exim and IceWarp would make items unsupported).
QUEUE = ROOT + ".1.10"
QUEUE_SCALARS = [
    ("queue.status", 1, "Queue sampler status", "UNSIGNED", "", "MTASTAT-MIB::mtastatQueueSamplerStatus",
     "mtastatQueueSamplerStatus: disabled without 'queue' in mtastat.conf."),
    ("queue.error", 2, "Queue sampler error", "CHAR", "", None,
     "mtastatQueueSamplerError: why the last sample failed."),
    ("queue.messages", 5, "Queued messages", "UNSIGNED", "", None,
     "mtastatQueueMessages: all queues together, as the last good sample saw them."),
    ("queue.oldest", 7, "Oldest queued message", "UNSIGNED", "s", None,
     "mtastatQueueOldestAge (0 when empty, or with Exim)."),
    ("queue.alarm", 20, "Queue alarm", "UNSIGNED", "", "MTASTAT-MIB::mtastatQueueAlarmState",
     "mtastatQueueAlarmState: raised while queuelimit or queueage is exceeded (mtastatd's hold-down)."),
]
MS_TO_S = [{"type": "MULTIPLIER", "parameters": ["0.001"]}]

INDICATOR_COLS = [
    ("today", 3, "today", "UNSIGNED", "", None, None, "mtastatIndicatorToday: the count so far today."),
    ("lastday", 4, "last complete day", "UNSIGNED", "", None, None, "mtastatIndicatorLastDay"),
    ("mean", 5, "mean", "FLOAT", "", HUNDREDTHS, None, "mtastatIndicatorMean (hundredths on the wire)."),
    ("stddev", 6, "standard deviation", "FLOAT", "", HUNDREDTHS, None, "mtastatIndicatorStdDev"),
    ("zscore", 7, "z-score", "FLOAT", "", HUNDREDTHS, None, "mtastatIndicatorZScore"),
    ("expected", 8, "expected so far", "FLOAT", "", HUNDREDTHS, None, "mtastatIndicatorExpectedSoFar"),
    ("sampledays", 9, "sample days", "UNSIGNED", "days", None, None, "mtastatIndicatorSampleDays"),
    ("status", 10, "status", "UNSIGNED", "", None, "MTASTAT-MIB::MtastatIndicatorState",
     "mtastatIndicatorStatus"),
    ("direction", 11, "direction", "UNSIGNED", "", None, "MTASTAT-MIB::MtastatDirection",
     "mtastatIndicatorDirection"),
    ("judged", 12, "judged", "UNSIGNED", "", None, "SNMPv2-TC::TruthValue",
     "mtastatIndicatorJudged: false while there is not enough history."),
]

ACCOUNT_COLS = [
    ("relayed", 3, "relayed recipients today", "UNSIGNED", "", None, None, "mtastatAccountRelayedToday"),
    ("messages", 4, "relayed messages today", "UNSIGNED", "", None, None,
     "mtastatAccountRelayedMessagesToday"),
    ("yesterday", 5, "relayed recipients yesterday", "UNSIGNED", "", None, None,
     "mtastatAccountRelayedYesterday"),
    ("limit", 6, "relay limit", "UNSIGNED", "", None, None, "mtastatAccountLimit"),
    ("status", 7, "status", "UNSIGNED", "", None, "MTASTAT-MIB::mtastatAccountStatus",
     "mtastatAccountStatus"),
    ("usualmean", 8, "usual mean", "FLOAT", "", HUNDREDTHS, None, "mtastatAccountUsualMean"),
    ("usualstddev", 9, "usual standard deviation", "FLOAT", "", HUNDREDTHS, None,
     "mtastatAccountUsualStdDev"),
]

LOG_COLS = [
    ("lines.rate", 3, "lines read per second", "FLOAT", "lines/s", PER_SECOND, None, "mtastatLogLinesRead"),
    ("idle", 4, "idle", "UNSIGNED", "s", None, None, "mtastatLogIdleSeconds"),
    ("status", 5, "status", "UNSIGNED", "", None, "MTASTAT-MIB::mtastatLogStatus", "mtastatLogStatus"),
    ("gaps", 6, "gaps", "UNSIGNED", "", None, None, "mtastatLogGaps"),
]

NOTIFICATIONS = [
    (1, "mtastatIndicatorAnomaly", "an indicator left its band"),
    (2, "mtastatIndicatorNormal", "an indicator is back in its band"),
    (3, "mtastatRelayLimitExceeded", "an account exceeded its relay limit"),
    (4, "mtastatRelayLimitCleared", "an account is back under its relay limit"),
    (5, "mtastatLogStalled", "a followed log stalled or is missing"),
    (6, "mtastatHistoryWriteFailed", "the history database cannot be written"),
    (7, "mtastatHistoryWriteResumed", "the history database is written again"),
    (8, "mtastatAccountUnusual", "an account relays far beyond its usual volume"),
    (9, "mtastatAccountUsual", "the day of an unusual account is over"),
    (10, "mtastatQueueAlarm", "the mail queue exceeds queuelimit or queueage"),
    (11, "mtastatQueueAlarmCleared", "the mail queue is back within its limits"),
]

T = "/" + TEMPLATE + "/"


def item(key, oid, name, vtype, units, pre, vmap, desc, delay="{$MTASTAT.INTERVAL}", tags=()):
    it = {"uuid": uid(key), "name": name, "type": "SNMP_AGENT", "snmp_oid": oid, "key": key,
          "delay": delay, "history": "{$MTASTAT.HISTORY}", "value_type": vtype}
    if vtype in ("CHAR", "TEXT", "LOG"):
        it["trends"] = "0"
    if units:
        it["units"] = units
    it["description"] = desc
    if vmap:
        it["valuemap"] = {"name": vmap}
    if pre:
        it["preprocessing"] = pre
    it["tags"] = [{"tag": "component", "value": "mtastat"}] + [{"tag": k, "value": v} for k, v in tags]
    return it


def trigger(key, expr, name, prio, desc, recovery=None, manual=False):
    t = {"uuid": uid("trigger/" + key), "expression": expr, "name": name, "priority": prio,
         "description": desc}
    if recovery:
        t["recovery_mode"] = "RECOVERY_EXPRESSION"
        t["recovery_expression"] = recovery
    if manual:
        t["manual_close"] = "YES"
    t["tags"] = [{"tag": "scope", "value": "availability" if "nodata" in expr else "notice"}]
    return t


def scalars():
    items = []
    for suffix, col, name, vtype, units, pre, vmap, desc in SCALARS:
        key = "mtastat." + suffix
        it = item(key, "%s.%d.0" % (SCALAR, col), "mtastat: " + name, vtype, units, pre, vmap, desc)
        if suffix == "version":
            it["triggers"] = [trigger(
                "agent", "nodata(%smtastat.version,{$MTASTAT.NODATA})=1" % T,
                "mtastat: mtastatd is not answering (no data for {$MTASTAT.NODATA})", "AVERAGE",
                "Neither mtastatd nor its MIB answered through snmpd: mtastatd stopped, or snmpd "
                "is not its AgentX master, or the host's SNMP is down.  Every other mtastat "
                "trigger depends on this one.")]
        if suffix == "history.state":
            it["triggers"] = [trigger(
                "history", "last(%smtastat.history.state)=2" % T,
                "mtastat: history database not written ({ITEM.LASTVALUE})", "HIGH",
                "Commits to the SQLite history fail (locked by another writer, disk full): "
                "mtastatd keeps the lines in memory, stops reading and retries; counts and "
                "alarms stand still.  See mtastat: History last write error.",
                )]
        items.append(it)
    for suffix, sub, name, vtype, units, desc in HEALTH_SCALARS:
        items.append(item("mtastat." + suffix, "%s.%s.0" % (ROOT, sub), "mtastat: " + name, vtype,
                          units, MS_TO_S if units == "s" else None, None, desc))
    for suffix, col, name, vtype, units, vmap, desc in QUEUE_SCALARS:
        it = item("mtastat." + suffix, "%s.%d.0" % (QUEUE, col), "mtastat: " + name, vtype, units,
                  None, vmap, desc)
        if suffix == "queue.alarm":
            it["triggers"] = [trigger(
                "queue", "last(%smtastat.queue.alarm)=2" % T,
                "mtastat: mail queue over its limit", "WARNING",
                "More messages wait than queuelimit, or the oldest waits longer than queueage "
                "(mtastat.conf): mail is not leaving.  mtastatd clears it after its hold-down.")]
        if suffix == "queue.status":
            it["triggers"] = [trigger(
                "queue.sampler", "last(%smtastat.queue.status)>=4" % T,
                "mtastat: the mail queue cannot be sampled", "WARNING",
                "postqueue -j / exim -bpc failed or timed out: see mtastat: Queue sampler error "
                "(often the rights of mtastatd's user: mtastatd(8) QUEUE).")]
        items.append(it)
    for n, obj, what in NOTIFICATIONS:
        items.append({
            "uuid": uid("trap/%d" % n), "name": "mtastat trap: %s (%s)" % (obj, what),
            "type": "SNMP_TRAP", "key": 'snmptrap["\\.%s\\.%d([^0-9]|$)"]' % (NOTIF.replace(".", "\\."), n),
            "delay": "0", "history": "{$MTASTAT.HISTORY}", "trends": "0", "value_type": "LOG",
            "logtimefmt": "yyyyMMdd.hhmmss",
            "description": "%s (%s.%d): the whole trap as received, numeric OIDs." % (obj, NOTIF, n),
            "tags": [{"tag": "component", "value": "mtastat"}, {"tag": "component", "value": "trap"}]})
    items.append({
        "uuid": uid("trap/fallback"), "name": "SNMP trap: not matched by any trap item",
        "type": "SNMP_TRAP", "key": "snmptrap.fallback", "delay": "0", "history": "{$MTASTAT.HISTORY}",
        "trends": "0", "value_type": "LOG", "logtimefmt": "yyyyMMdd.hhmmss",
        "description": "Traps from this host that no other trap item took.",
        "tags": [{"tag": "component", "value": "trap"}]})
    return items


AGENT_DEP = [{"name": "mtastat: mtastatd is not answering (no data for {$MTASTAT.NODATA})",
              "expression": "nodata(%smtastat.version,{$MTASTAT.NODATA})=1" % T}]


def table_rule(key, name, macro, name_col, cols, prefix, what, desc, filt=None):
    rule = {"uuid": uid(key), "name": name, "type": "SNMP_AGENT",
            "snmp_oid": "discovery[%s,%s.%d]" % (macro, name_col.rsplit(".", 1)[0], int(name_col.rsplit(".", 1)[1])),
            "key": key, "delay": "{$MTASTAT.LLD.INTERVAL}", "lifetime": "{$MTASTAT.LLD.LIFETIME}",
            "description": desc}
    if filt:
        rule["filter"] = filt
    protos = []
    base = name_col.rsplit(".", 1)[0]
    for suffix, col, cname, vtype, units, pre, vmap, cdesc in cols:
        k = '%s.%s["%s"]' % (prefix, suffix, macro)
        protos.append(item(k, "%s.%d.{#SNMPINDEX}" % (base, col), "%s %s: %s" % (what, macro, cname),
                           vtype, units, pre, vmap, cdesc, tags=((what.lower(), macro),)))
    rule["item_prototypes"] = protos
    return rule


def indicator_rule():
    r = table_rule("mtastat.indicator.discovery", "Indicator discovery", "{#INDICATOR}", IND + ".2",
                   INDICATOR_COLS, "mtastat.indicator", "Indicator",
                   "mtastatIndicatorTable, named by mtastatIndicatorName.")
    st = '%smtastat.indicator.status["{#INDICATOR}"]' % T
    jd = '%smtastat.indicator.judged["{#INDICATOR}"]' % T
    r["trigger_prototypes"] = [
        dict(trigger("ind.high", "last(%s)=2 and last(%s)=1" % (st, jd),
                     "mtastat: {#INDICATOR} above its usual band", "WARNING",
                     "Today (or the last complete day) is more than sigma standard deviations above "
                     "the mean of the window (mtastat.conf days, sigma).  Closes when mtastatd "
                     "judges it normal again (also announced by mtastatIndicatorNormal)."),
             dependencies=AGENT_DEP),
        dict(trigger("ind.low", "last(%s)=3 and last(%s)=1" % (st, jd),
                     "mtastat: {#INDICATOR} below its usual band", "WARNING",
                     "Less traffic than usual by more than sigma standard deviations: a stuck "
                     "queue, a broken relay, a log that stopped."),
             dependencies=AGENT_DEP),
        dict(trigger("ind.nohistory", "last(%s)=2" % jd,
                     "mtastat: {#INDICATOR} not judged yet (not enough history)", "INFO",
                     "Fewer complete days in the window than mindays (mtastat.conf): the first "
                     "weeks of a new installation.  Import old logs with mtastat import to judge "
                     "at once."),
             dependencies=AGENT_DEP),
    ]
    return r


def account_rule():
    filt = {"evaltype": "AND", "conditions": [
        {"macro": "{#ACCOUNT}", "value": "{$MTASTAT.ACCOUNT.MATCHES}", "formulaid": "A"},
        {"macro": "{#ACCOUNT}", "value": "{$MTASTAT.ACCOUNT.NOT_MATCHES}", "operator": "NOT_MATCHES_REGEX",
         "formulaid": "B"}]}
    r = table_rule("mtastat.account.discovery", "Account discovery", "{#ACCOUNT}", ACC + ".2",
                   ACCOUNT_COLS, "mtastat.account", "Account",
                   "mtastatAccountTable, named (and keyed) by mtastatAccountName, so history stays "
                   "with the account whatever its index.  Accounts leave the table when they have "
                   "relayed nothing for the window of days; their items go after "
                   "{$MTASTAT.LLD.LIFETIME}.", filt)
    st = '%smtastat.account.status["{#ACCOUNT}"]' % T
    r["trigger_prototypes"] = [
        dict(trigger("acc.over", "last(%s)=2" % st,
                     "mtastat: account {#ACCOUNT} over its relay limit", "HIGH",
                     "More relayed recipients (messages under relaycount messages) today than "
                     "its daily limit (mtastat.conf relaylimit): a stolen password or a "
                     "compromised web form sending spam.  Clears at the change of day or when "
                     "the limit is raised."),
             dependencies=AGENT_DEP),
        dict(trigger("acc.unusual", "last(%s)=3" % st,
                     "mtastat: account {#ACCOUNT} far beyond its usual volume", "AVERAGE",
                     "Under its limit, but far more than it usually relays on a day of this type: "
                     "an early sign of a stolen password.  Clears at the change of day."),
             dependencies=AGENT_DEP),
    ]
    return r


def log_rule():
    r = table_rule("mtastat.log.discovery", "Followed log discovery", "{#LOGPATH}", LOG + ".2",
                   LOG_COLS, "mtastat.log", "Log", "mtastatLogTable, named by mtastatLogPath.")
    st = '%smtastat.log.status["{#LOGPATH}"]' % T
    r["trigger_prototypes"] = [
        dict(trigger("log.stalled", "last(%s)>1" % st,
                     "mtastat: log {#LOGPATH} stalled or missing ({ITEM.LASTVALUE})", "AVERAGE",
                     "No new line for longer than logstalled seconds (mtastat.conf), or the file "
                     "cannot be opened: the MTA stopped logging, syslog broke, or the file moved. "
                     "Every count stands still meanwhile."),
             dependencies=AGENT_DEP),
    ]
    return r


def macros():
    return [
        ("{$MTASTAT.INTERVAL}", "1m", "Poll interval of every mtastat item."),
        ("{$MTASTAT.LLD.INTERVAL}", "1h", "Discovery interval of the indicator, account and log tables."),
        ("{$MTASTAT.LLD.LIFETIME}", "7d", "How long items of an account (or log) that left the table are kept."),
        ("{$MTASTAT.HISTORY}", "7d", "History storage period of every item."),
        ("{$MTASTAT.NODATA}", "5m", "mtastatd is 'not answering' after this long without a value."),
        ("{$MTASTAT.ACCOUNT.MATCHES}", ".*", "Discover only accounts matching this regular expression."),
        ("{$MTASTAT.ACCOUNT.NOT_MATCHES}", "CHANGE_IF_NEEDED", "Do not discover accounts matching this regular expression."),
    ]


def template():
    t = {"uuid": uid("template"), "template": TEMPLATE, "name": TEMPLATE,
         "description": "MTASTAT-MIB of mtastatd (mtastat): traffic totals, the indicator, account "
                        "and log tables by low-level discovery, triggers that follow mtastatd's own "
                        "judgement, and one SNMP trap item per notification.  Needs SNMPv2c/v3 to "
                        "snmpd with mtastatd attached as an AgentX subagent; traps need snmptrapd "
                        "feeding the Zabbix SNMP trapper (contrib/zabbix/README.md).",
         "groups": [{"name": GROUP}],
         "items": scalars(),
         "discovery_rules": [indicator_rule(), account_rule(), log_rule()],
         "tags": [{"tag": "class", "value": "application"}, {"tag": "target", "value": "mtastat"}],
         "macros": [{"macro": m, "value": v, "description": d} for m, v, d in macros()],
         "valuemaps": [{"uuid": uid("valuemap/" + n), "name": n,
                        "mappings": [{"value": str(v), "newvalue": s} for v, s in maps]}
                       for n, maps in VALUEMAPS.items()]}
    return {"zabbix_export": {"version": "6.0", "date": "2026-12-02T00:00:00Z",
                              "groups": [{"uuid": uid("group"), "name": GROUP}],
                              "templates": [t]}}


def scalar(v):
    s = str(v)
    return "'" + s.replace("'", "''") + "'"


def emit(obj, indent, out):
    pad = "  " * indent
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, (dict, list)) and v:
                out.append("%s%s:" % (pad, k))
                emit(v, indent + 1, out)
            else:
                out.append("%s%s: %s" % (pad, k, scalar(v)))
    else:
        for v in obj:
            if isinstance(v, dict):
                sub = []
                emit(v, indent + 1, sub)
                first = sub[0][len(pad) + 2:]
                out.append("%s- %s" % (pad, first))
                out.extend(sub[1:])
            else:
                out.append("%s- %s" % (pad, scalar(v)))


def main():
    out = []
    emit(template(), 0, out)
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
