#!/usr/bin/env python3
"""Hostile loopback clients for outreachd's HTTP side (test/integration/http_hardening.sh).

  http_load.py flood --port P --path PATH --count N --size BYTES [--source IP] [--secret S] [--same]
      N SignalHouse-style POSTs of BYTES random JSON-ish bytes each, signed with S when given (else
      a wrong signature); --same sends one body N times. Prints {"status": {code: count}, "seconds": s}.

  http_load.py load --port P --team T [--slow N] [--slow-sources K] [--greedy N] [--burst N]
                    [--seconds S] [--request-timeout T] [--deadline-ms D]
      Holds N slow connections (one header byte a second) from K loopback addresses 127.0.1.x, has
      one address 127.0.2.1 try GREEDY connections at once, fires BURST random, oversized, malformed
      and unsigned requests from 127.0.3.x, and polls /healthz from 127.0.0.1 every 250 ms
      throughout. Prints one JSON object with what it saw (see the keys at the end of load()).
      Timings are generous (a loaded machine running sanitizer builds is slow); what it reports is
      meant to be judged by what happened in which order, not by tight windows.

Every client has a timeout: the whole run is bounded by --seconds plus a few seconds.
Python 3.11 standard library only.
"""

import argparse
import json
import os
import random
import selectors
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sign_webhook import signalhouse_signature  # noqa: E402


# One request on a fresh connection from `source`; returns (status or None, seconds).
def request(port, raw, source=None, timeout=5.0):
    start = time.monotonic()
    s = socket.socket()
    s.settimeout(timeout)
    try:
        if source:
            s.bind((source, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(raw)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        line = data.split(b"\r\n", 1)[0].split()
        status = int(line[1]) if len(line) >= 2 and line[1].isdigit() else None
        return status, time.monotonic() - start
    except OSError:
        return None, time.monotonic() - start
    finally:
        s.close()


def signalhouse_post(port, path, body, secret, headers=b""):
    ts = str(int(time.time() * 1000))
    sig = signalhouse_signature(secret, ts, body) if secret else "0" * 64
    head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
            "X-SignalHouse-Timestamp: %s\r\nX-SignalHouse-Signature: %s\r\nConnection: close\r\n" % (path, port, len(body), ts, sig))
    return head.encode() + headers + b"\r\n" + body


def flood(args):
    rng = random.Random(20261207)
    counts = {}
    start = time.monotonic()
    body = None
    for _ in range(args.count):
        if body is None or not args.same:
            filler = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(max(0, args.size - 40)))
            body = ('{"messageId": "x", "status": "DELIVERED", "pad": "%s"}' % filler).encode()
        status, _ = request(args.port, signalhouse_post(args.port, args.path, body, args.secret), args.source)
        counts[str(status)] = counts.get(str(status), 0) + 1
    print(json.dumps({"status": counts, "seconds": round(time.monotonic() - start, 2)}))


# Random, oversized and malformed requests: each must be answered or closed, never hang the server.
def hostile_requests(port, team, rng):
    junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000)))
    pad = "".join("X-Pad-%d: %s\r\n" % (i, "p" * 900) for i in range(30))
    choices = [
        junk,
        b"GET /webhooks/twilio/" + b"a" * 30000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /webhooks/signalhouse/" + b"%2f" * 3000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        ("GET /healthz HTTP/1.1\r\nHost: x\r\n%s\r\n" % pad).encode(),
        b"POST /webhooks/signalhouse/" + team.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n" + b"{" * 5000,
        b"POST /webhooks/twilio/" + team.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 27\r\nConnection: close\r\n\r\nMessageSid=SMx&MessageStatus",
        b"POST /webhooks/signalhouse/no-such-team HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
        b"BREW /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc",
        b"GET /healthz HTTP/1.1\r\n" + b"H" * 20000 + b"\r\n\r\n",
        b"POST /webhooks/twilio/" + team.encode() + b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"GET /\xff\xfe\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
    ]
    return rng.choice(choices)


def load(args):
    rng = random.Random(20261207)
    sel = selectors.DefaultSelector()
    slow = []
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 4000
    for i in range(args.slow):
        s = socket.socket()
        s.setblocking(False)
        s.bind(("127.0.1.%d" % (1 + i % args.slow_sources), 0))
        try:
            s.connect(("127.0.0.1", args.port))
        except BlockingIOError:
            pass
        slow.append({"sock": s, "sent": 0, "closed_at": None, "opened": time.monotonic()})
    health = []
    burst = []
    stop = threading.Event()

    def poll_health():
        while not stop.is_set():
            status, seconds = request(args.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                      timeout=args.request_timeout)
            health.append((status, round(seconds, 3), time.monotonic()))
            time.sleep(0.25)

    # /healthz is polled from the moment the slow connections are open
    poller = threading.Thread(target=poll_health)
    poller.start()

    # the greedy address: far more connections than one address may hold
    greedy = []
    first_greedy = time.monotonic()
    for _ in range(args.greedy):
        s = socket.socket()
        s.settimeout(2)
        s.bind(("127.0.2.1", 0))
        try:
            s.connect(("127.0.0.1", args.port))
            s.setblocking(False)
            greedy.append(s)
        except OSError:
            s.close()
            greedy.append(None)
    # which of them the server dropped at once (closed without an answer): watched for 2.5 s from
    # the first, well before the request deadline could close the ones it kept
    refused = [s is None for s in greedy]
    while True:
        for i, s in enumerate(greedy):
            if refused[i]:
                continue
            try:
                if s.recv(1) == b"":
                    refused[i] = True
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                refused[i] = True
        if time.monotonic() - first_greedy >= 2.5:
            break
        time.sleep(0.05)
    greedy_refused = sum(refused)
    for s in greedy:
        if s is not None:
            s.close()

    burst = []

    def fire_burst(n, offset):
        r = random.Random(offset)
        for i in range(n):
            status, seconds = request(args.port, hostile_requests(args.port, args.team, r), "127.0.3.%d" % (1 + (offset + i) % 50),
                                      timeout=args.request_timeout)
            burst.append((status, round(seconds, 3)))

    firers = [threading.Thread(target=fire_burst, args=(args.burst // 4, k * 1000)) for k in range(4)]
    for t in firers:
        t.start()

    start = time.monotonic()
    next_byte = start
    while time.monotonic() - start < args.seconds:
        now = time.monotonic()
        if now >= next_byte:
            next_byte = now + 1.0
            for c in slow:
                if c["closed_at"] is not None:
                    continue
                try:
                    c["sock"].send(head[c["sent"] % len(head):c["sent"] % len(head) + 1])
                    c["sent"] += 1
                except BlockingIOError:
                    pass
                except OSError:
                    c["closed_at"] = now - c["opened"]
                    c["closed_mono"] = now
        # a connection the server closed reads as EOF (or a reset)
        for c in slow:
            if c["closed_at"] is not None:
                continue
            try:
                if c["sock"].recv(4096, socket.MSG_DONTWAIT) == b"":
                    c["closed_mono"] = time.monotonic()
                    c["closed_at"] = c["closed_mono"] - c["opened"]
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                c["closed_mono"] = time.monotonic()
                c["closed_at"] = c["closed_mono"] - c["opened"]
        time.sleep(0.05)
    stop.set()
    poller.join()
    for t in firers:
        t.join()

    cut = [c["closed_at"] for c in slow if c["closed_at"] is not None]
    # the server held every slow connection until the first was seen gone, and the deadline
    # (counted from when the first was opened) could cut none before
    first_cut = min((c["closed_mono"] for c in slow if c["closed_at"] is not None), default=time.monotonic())
    if slow:
        first_cut = min(first_cut, slow[0]["opened"] + args.deadline_ms / 1000.0)
    for c in slow:
        c["sock"].close()
    answered = [h for h in health if h[0] is not None]
    print(json.dumps({
        "slow": len(slow),
        "slow_cut": len(cut),
        "slow_cut_earliest": round(min(cut), 2) if cut else None,
        "slow_cut_latest": round(max(cut), 2) if cut else None,
        "greedy": len(greedy),
        "greedy_refused": greedy_refused,
        "greedy_held": len(greedy) - greedy_refused,
        "health_polls": len(health),
        "health_answered": len(answered),
        "health_ok": sum(1 for h in health if h[0] == 200),
        "health_slowest": max((h[1] for h in health), default=None),
        "health_ok_while_slow_held": sum(1 for h in health if h[0] == 200 and h[2] < first_cut),
        "burst": len(burst),
        "burst_answered_or_closed": sum(1 for b in burst if b[1] < args.request_timeout),
        "burst_statuses": sorted({str(b[0]) for b in burst}),
    }))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("flood")
    f.add_argument("--port", type=int, required=True)
    f.add_argument("--path", required=True)
    f.add_argument("--count", type=int, default=100)
    f.add_argument("--size", type=int, default=30000)
    f.add_argument("--source")
    f.add_argument("--secret")
    f.add_argument("--same", action="store_true")
    lo = sub.add_parser("load")
    lo.add_argument("--port", type=int, required=True)
    lo.add_argument("--team", required=True)
    lo.add_argument("--slow", type=int, default=1100)
    lo.add_argument("--slow-sources", type=int, default=22)
    lo.add_argument("--greedy", type=int, default=100)
    lo.add_argument("--burst", type=int, default=300)
    lo.add_argument("--seconds", type=float, default=8.0)
    lo.add_argument("--request-timeout", type=float, default=10.0)
    lo.add_argument("--deadline-ms", type=int, default=4000)
    args = ap.parse_args()
    flood(args) if args.cmd == "flood" else load(args)


if __name__ == "__main__":
    main()
