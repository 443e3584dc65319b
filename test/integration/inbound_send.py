#!/usr/bin/env python3
"""Send signed inbound-text webhooks to outreachd, one after another, as the providers would.

  inbound_send.py --base URL --team T --twilio-token TOKEN --signalhouse-secret SECRET \
      --messages FILE [--delay SECONDS] [--progress FILE]

FILE holds one JSON object per line: {"provider": "twilio"|"signalhouse", "id": ..., "from": ...,
"to": ..., "body": ...}. Twilio requests are form-encoded inbound webhooks (SmsStatus=received)
signed with X-Twilio-Signature over BASE/webhooks/twilio/T; SignalHouse requests are
MESSAGE_RECEIVED events signed with X-SignalHouse-Signature and a fresh X-SignalHouse-Timestamp.
After each answer one line "<index> <status>" is appended (and flushed) to the progress file, so a
test can act while the burst runs. Prints {"status": {code: count}, "codes": [...]} at the end; a
request that got no answer counts as status 0.

Python 3.11 standard library only.
"""

import argparse
import importlib.util
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

spec = importlib.util.spec_from_file_location("sign_webhook", os.path.join(os.path.dirname(__file__), "sign_webhook.py"))
sign = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sign)


# The request (url, body bytes, headers) a provider sends for one inbound message.
def build(base, team, token, secret, m):
    if m["provider"] == "twilio":
        url = "%s/webhooks/twilio/%s" % (base, team)
        pairs = [("MessageSid", m["id"]), ("SmsMessageSid", m["id"]), ("SmsSid", m["id"]),
                 ("AccountSid", "AC0123456789abcdef0123456789abcdef"), ("From", m["from"]), ("To", m["to"]),
                 ("Body", m["body"]), ("NumMedia", "0"), ("NumSegments", "1"), ("SmsStatus", "received"),
                 ("ApiVersion", "2010-04-01")]
        body = urllib.parse.urlencode(pairs).encode("utf-8")
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Twilio-Signature": sign.twilio_signature(token, url, pairs)}
        return url, body, headers
    url = "%s/webhooks/signalhouse/%s" % (base, team)
    event = {"event": "MESSAGE_RECEIVED", "identifier": "evt-" + m["id"], "timestamp": int(time.time() * 1000),
             "metaData": {"Message": {"_id": m["id"], "senderPhoneNumber": m["from"].lstrip("+"),
                                      "recipientPhoneNumber": [m["to"].lstrip("+")], "messageBody": m["body"]}}}
    body = json.dumps(event).encode("utf-8")
    ts = str(int(time.time() * 1000))
    headers = {"Content-Type": "application/json", "X-SignalHouse-Timestamp": ts,
               "X-SignalHouse-Delivery-Id": "dlv-" + m["id"],
               "X-SignalHouse-Signature": sign.signalhouse_signature(secret, ts, body)}
    return url, body, headers


# POSTs one request; the HTTP status, or 0 when there was no answer.
def post(url, body, headers):
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, OSError):
        return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--team", required=True)
    ap.add_argument("--twilio-token", required=True)
    ap.add_argument("--signalhouse-secret", required=True)
    ap.add_argument("--messages", required=True)
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--progress")
    args = ap.parse_args()
    with open(args.messages) as f:
        messages = [json.loads(line) for line in f if line.strip()]
    codes = []
    progress = open(args.progress, "a") if args.progress else None
    for i, m in enumerate(messages):
        codes.append(post(*build(args.base, args.team, args.twilio_token, args.signalhouse_secret, m)))
        if progress:
            progress.write("%d %d\n" % (i + 1, codes[-1]))
            progress.flush()
        if args.delay:
            time.sleep(args.delay)
    status = {}
    for c in codes:
        status[str(c)] = status.get(str(c), 0) + 1
    print(json.dumps({"status": status, "codes": codes}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
