#!/usr/bin/python3
"""Zabbix 6.0 JSON-RPC helper for tests/nms (standard library only).

Env: ZBX_API_URL (default http://127.0.0.1:28180/api_jsonrpc.php),
     ZBX_USER / ZBX_PASSWORD (default Admin / zabbix).

  api.py version
  api.py login                                   print a session token
  api.py import FILE.yaml                        configuration.import (create+update)
  api.py host-create HOST IP PORT TEMPLATE [COMMUNITY] [--macro {$M}=v ...]
  api.py check-now HOST                          task.create "check now" for all items + LLD rules
  api.py items HOST [--json]                     item.get with lastvalue/lastclock/state/error
  api.py lld HOST [--json]                       discovery rules (state/error) + discovered items
  api.py traps HOST [N]                          last N values of the host's SNMP trap items
  api.py wait HOST [TIMEOUT] [MIN_DISCOVERED]    until every polled item has a value
                                                 (and >= MIN_DISCOVERED discovered items)
  api.py call METHOD 'JSON-PARAMS'               anything else
"""
import json
import os
import sys
import time
import urllib.request

URL = os.environ.get("ZBX_API_URL", "http://127.0.0.1:28180/api_jsonrpc.php")
USER = os.environ.get("ZBX_USER", "Admin")
PASSWORD = os.environ.get("ZBX_PASSWORD", "zabbix")

ITEM_TYPE_SNMP_TRAP = 17   # 'type' of SNMP trap items (SNMP agent items are 20)
FLAG_DISCOVERED = 4        # item.flags of items created by LLD
_id = 0
_auth = None


class ApiError(Exception):
    pass


def call(method, params=None, auth=True):
    """One JSON-RPC call; 6.0 carries the session token in the 'auth' member."""
    global _id
    _id += 1
    req = {"jsonrpc": "2.0", "method": method, "params": params if params is not None else {}, "id": _id}
    if auth and method not in ("apiinfo.version", "user.login"):
        req["auth"] = login()
    data = json.dumps(req).encode()
    r = urllib.request.Request(URL, data, {"Content-Type": "application/json-rpc"})
    with urllib.request.urlopen(r, timeout=60) as resp:
        body = json.load(resp)
    if "error" in body:
        e = body["error"]
        raise ApiError("%s: %s %s" % (method, e.get("message"), e.get("data")))
    return body["result"]


def login():
    global _auth
    if _auth is None:
        # 6.0 accepts 'username' (the older 'user' is deprecated since 5.4)
        _auth = call("user.login", {"username": USER, "password": PASSWORD}, auth=False)
    return _auth


def import_file(path):
    with open(path, encoding="utf-8") as f:
        source = f.read()
    fmt = "xml" if path.endswith(".xml") else "json" if path.endswith(".json") else "yaml"
    cu = {"createMissing": True, "updateExisting": True}
    cud = dict(cu, deleteMissing=True)
    rules = {
        "groups": {"createMissing": True},          # 6.0: template groups are plain host groups
        "templates": cu,
        "templateLinkage": {"createMissing": True},
        "items": cud, "discoveryRules": cud, "triggers": cud, "graphs": cud,
        "httptests": cud, "valueMaps": cud, "templateDashboards": cud,
    }
    return call("configuration.import", {"format": fmt, "source": source, "rules": rules})


def host_id(host):
    h = call("host.get", {"filter": {"host": [host]}, "output": ["hostid"]})
    if not h:
        raise ApiError("no host %r" % host)
    return h[0]["hostid"]


def host_create(host, ip, port, template, community="public", macros=None):
    t = call("template.get", {"filter": {"host": [template]}, "output": ["templateid"]})
    if not t:
        raise ApiError("no template %r (import it first)" % template)
    g = call("hostgroup.get", {"filter": {"name": ["mtastat test"]}, "output": ["groupid"]})
    gid = g[0]["groupid"] if g else call("hostgroup.create", {"name": "mtastat test"})["groupids"][0]
    iface = {"type": 2, "main": 1, "useip": 1, "ip": ip, "dns": "", "port": str(port),
             "details": {"version": 2, "bulk": 1, "community": community}}
    hmacros = [{"macro": k, "value": v} for k, v in (macros or {}).items()]
    old = call("host.get", {"filter": {"host": [host]}, "output": ["hostid"],
                            "selectInterfaces": ["interfaceid", "type"]})
    if old:   # idempotent: update interface, link template, set macros
        hid = old[0]["hostid"]
        snmp = [i for i in old[0]["interfaces"] if i["type"] == "2"]
        if snmp:
            call("hostinterface.update", dict(iface, interfaceid=snmp[0]["interfaceid"]))
        else:
            call("hostinterface.create", dict(iface, hostid=hid))
        call("host.update", {"hostid": hid, "status": 0, "macros": hmacros,
                             "templates": [{"templateid": t[0]["templateid"]}]})
        return hid
    return call("host.create", {"host": host, "groups": [{"groupid": gid}], "interfaces": [iface],
                                "templates": [{"templateid": t[0]["templateid"]}],
                                "macros": hmacros})["hostids"][0]


def items(host, **extra):
    p = {"hostids": host_id(host), "sortfield": "key_",
         "output": ["itemid", "name", "key_", "type", "value_type", "lastvalue", "lastclock",
                    "state", "error", "status", "flags"]}
    p.update(extra)
    return call("item.get", p)


def lld(host):
    hid = host_id(host)
    rules = call("discoveryrule.get", {"hostids": hid, "output": ["itemid", "name", "key_", "state", "error"]})
    disc = call("item.get", {"hostids": hid, "filter": {"flags": FLAG_DISCOVERED}, "sortfield": "key_",
                             "output": ["itemid", "name", "key_", "lastvalue", "lastclock", "state", "error"],
                             "selectDiscoveryRule": ["key_"]})
    return rules, disc


def check_now(host):
    hid = host_id(host)
    ids = [i["itemid"] for i in call("item.get", {"hostids": hid, "output": ["itemid", "type"],
                                                  "filter": {"status": 0}}) if i["type"] != str(ITEM_TYPE_SNMP_TRAP)]
    ids += [r["itemid"] for r in call("discoveryrule.get", {"hostids": hid, "output": ["itemid"]})]
    if not ids:
        return []
    return call("task.create", [{"type": 6, "request": {"itemid": i}} for i in ids])


def traps(host, n=5):
    its = call("item.get", {"hostids": host_id(host), "filter": {"type": ITEM_TYPE_SNMP_TRAP},
                            "output": ["itemid", "key_", "value_type"]})
    out = []
    for it in its:
        h = call("history.get", {"itemids": it["itemid"], "history": int(it["value_type"]),
                                 "sortfield": "clock", "sortorder": "DESC", "limit": n, "output": "extend"})
        out.append((it["key_"], h))
    return out


def _fmt_item(i):
    when = time.strftime("%H:%M:%S", time.localtime(int(i["lastclock"]))) if i.get("lastclock", "0") != "0" else "-"
    val = (i.get("lastvalue") or "").replace("\n", " ")[:60]
    err = (" ERROR: " + i["error"]) if i.get("state") == "1" else ""
    return "%-42s %-9s %s%s" % (i["key_"][:42], when, val, err)


def wait(host, timeout=180, min_disc=0):
    t0 = time.time()
    while True:
        its = [i for i in items(host) if i["type"] != str(ITEM_TYPE_SNMP_TRAP) and i["status"] == "0"]
        ndisc = sum(1 for i in its if i["flags"] == str(FLAG_DISCOVERED))
        pending = [i["key_"] for i in its if i["lastclock"] == "0" and i["state"] == "0"]
        if its and not pending and ndisc >= min_disc:
            print("all %d polled items have values (%d discovered) after %.1fs" % (len(its), ndisc, time.time() - t0))
            return 0
        if time.time() - t0 > timeout:
            print("timeout: pending %s, discovered %d" % (pending, ndisc))
            return 1
        time.sleep(2)


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0
    cmd, args = argv[1], argv[2:]
    as_json = "--json" in args
    args = [a for a in args if a != "--json"]
    if cmd == "version":
        print(call("apiinfo.version", auth=False))
    elif cmd == "login":
        print(login())
    elif cmd == "import":
        print(import_file(args[0]))
    elif cmd == "host-create":
        macros = {}
        while "--macro" in args:
            k = args.index("--macro")
            m, v = args[k + 1].split("=", 1)
            macros[m] = v
            del args[k:k + 2]
        print(host_create(args[0], args[1], args[2], args[3], args[4] if len(args) > 4 else "public", macros))
    elif cmd == "check-now":
        print(check_now(args[0]))
    elif cmd == "items":
        res = items(args[0])
        print(json.dumps(res, indent=1) if as_json else "\n".join(_fmt_item(i) for i in res))
    elif cmd == "lld":
        rules, disc = lld(args[0])
        if as_json:
            print(json.dumps({"rules": rules, "discovered": disc}, indent=1))
        else:
            for r in rules:
                print("rule %-30s state=%s %s" % (r["key_"], r["state"], r["error"]))
            for i in disc:
                print("  " + _fmt_item(i))
    elif cmd == "traps":
        for key, hist in traps(args[0], int(args[1]) if len(args) > 1 else 5):
            print("== %s (%d values)" % (key, len(hist)))
            for h in hist:
                print("-- clock=%s\n%s" % (h["clock"], h["value"]))
    elif cmd == "wait":
        return wait(args[0], float(args[1]) if len(args) > 1 else 180, int(args[2]) if len(args) > 2 else 0)
    elif cmd == "call":
        print(json.dumps(call(args[0], json.loads(args[1]) if len(args) > 1 else {}), indent=1))
    else:
        print("unknown command %r" % cmd, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except ApiError as e:
        print("API error:", e, file=sys.stderr)
        sys.exit(1)
