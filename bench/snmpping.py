#!/usr/bin/python3
"""bench/snmpping.py HOST:PORT OID INTERVAL_MS STOPFILE OUT

SNMPv2c GETs of OID from one UDP socket every INTERVAL_MS until STOPFILE
exists; writes each round trip in microseconds (or 'timeout') to OUT.  No
process is started per request, so the figure is the agent's, not the
client's start-up (snmpget adds ~13 ms here)."""
import os
import socket
import sys
import time


def tlv(tag, data):
    n = len(data)
    if n < 128:
        head = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
        head = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + head + data


def integer(v):
    return tlv(0x02, v.to_bytes(max(1, (v.bit_length() + 8) // 8), 'big', signed=True))


def oid(text):
    arcs = [int(a) for a in text.strip('.').split('.')]
    out = bytearray([40 * arcs[0] + arcs[1]])
    for a in arcs[2:]:
        chunk = [a & 0x7f]
        a >>= 7
        while a:
            chunk.append(0x80 | (a & 0x7f))
            a >>= 7
        out += bytes(reversed(chunk))
    return tlv(0x06, bytes(out))


def get(reqid, name):
    vb = tlv(0x30, tlv(0x30, oid(name) + b'\x05\x00'))
    pdu = tlv(0xa0, integer(reqid) + integer(0) + integer(0) + vb)
    return tlv(0x30, integer(1) + tlv(0x04, b'public') + pdu)


def read_tlv(buf, i):
    tag = buf[i]
    n = buf[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7f
        n = int.from_bytes(buf[i:i + k], 'big')
        i += k
    return tag, i, n


def reqid_of(buf):
    _, i, _ = read_tlv(buf, 0)        # message
    _, i, n = read_tlv(buf, i)        # version
    i += n
    _, i, n = read_tlv(buf, i)        # community
    i += n
    _, i, _ = read_tlv(buf, i)        # response PDU
    _, i, n = read_tlv(buf, i)        # request-id
    return int.from_bytes(buf[i:i + n], 'big', signed=True)


def main():
    host, port = sys.argv[1].rsplit(':', 1)
    name, interval, stop, out = sys.argv[2], int(sys.argv[3]) / 1000.0, sys.argv[4], sys.argv[5]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, int(port)))
    reqid = 1
    with open(out, 'w') as f:
        while not os.path.exists(stop):
            reqid += 1
            t0 = time.monotonic()
            s.send(get(reqid, name))
            got = None
            deadline = t0 + 2.0
            while time.monotonic() < deadline:
                s.settimeout(max(0.001, deadline - time.monotonic()))
                try:
                    data = s.recv(65535)
                except socket.timeout:
                    break
                if reqid_of(data) == reqid:
                    got = time.monotonic()
                    break
            f.write('timeout\n' if got is None else '%d\n' % ((got - t0) * 1e6))
            f.flush()
            time.sleep(interval)


if __name__ == '__main__':
    main()
