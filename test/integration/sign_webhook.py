#!/usr/bin/env python3
"""Compute provider webhook signatures, so tests can POST signed callbacks to outreachd.

  sign_webhook.py twilio --token T --url URL [--form 'k=v&k2=v2']
      prints the X-Twilio-Signature value (twilio-python's request_validator):
      base64(HMAC-SHA1(token, URL + name+value for each form param name in sorted order and each
      of its distinct values in sorted order)). --form is the URL-encoded body as sent; values are
      signed decoded. Omit --form for GET webhooks or JSON-body webhooks (URL carries bodySHA256).

  sign_webhook.py signalhouse --secret S --timestamp MS (--body BODY | --body-file F)
      prints X-SignalHouse-Signature: hex HMAC-SHA256(secret, "<timestamp>.<raw body>").

  sign_webhook.py selftest
      checks the published Twilio vectors and the SignalHouse cross-check vector; exit 1 on mismatch.

Python 3.11 standard library only.
"""

import argparse
import base64
import hashlib
import hmac
import sys
import urllib.parse


# X-Twilio-Signature for a URL and form parameters given as (name, value) pairs. Repeated names
# contribute each distinct value once, in sorted order (twilio-python's validator; the published
# duplicate-parameter vector only matches with de-duplication).
def twilio_signature(token, url, pairs):
    values = {}
    for name, value in pairs:
        values.setdefault(name, set()).add(value)
    message = url + "".join(name + value for name in sorted(values) for value in sorted(values[name]))
    digest = hmac.new(token.encode("utf-8"), message.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


# X-SignalHouse-Signature for a timestamp (Unix ms, as text) and the raw body bytes.
def signalhouse_signature(secret, timestamp, body):
    if isinstance(body, str):
        body = body.encode("utf-8")
    message = str(timestamp).encode("utf-8") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


# Decode a URL-encoded form body into (name, value) pairs, keeping empty values.
def parse_form(form):
    return urllib.parse.parse_qsl(form, keep_blank_values=True, errors="strict")


# Check every known vector; print one line each and return the number of mismatches.
def selftest():
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = [("CallSid", "CA1234567890ABCDE"), ("Digits", "1234"), ("From", "+14158675309"),
              ("To", "+18005551212"), ("Caller", "+14158675309")]
    body_hash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
    checks = [
        ("twilio main vector", twilio_signature("12345", url, params), "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        ("twilio duplicate-params vector",
         twilio_signature("12345", url, parse_form("Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234&Digits=1234")),
         "IK+Dwps556ElfBT0I3Rgjkr1wJU="),
        ("twilio http URL with port 1234",
         twilio_signature("12345", "http://mycompany.com:1234/myapp.php?foo=1&bar=2", params),
         "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="),
        ("twilio URL with :443",
         twilio_signature("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", params),
         "kvajT1Ptam85bY51eRf/AJRuM3w="),
        ("twilio http URL with :80",
         twilio_signature("12345", "http://mycompany.com:80/myapp.php?foo=1&bar=2", params),
         "0ZXoZLH/DfblKGATFgpif+LLRf4="),
        ("twilio JSON body hash", hashlib.sha256(b'{"property": "value", "boolean": true}').hexdigest(), body_hash),
        ("twilio JSON-body webhook (URL only)",
         twilio_signature("12345", url + "&bodySHA256=" + body_hash, []), "a9nBmqA0ju/hNViExpshrM61xv4="),
        ("signalhouse cross-check vector",
         signalhouse_signature("test_signing_secret", 1767225600000,
                               '{"event":"MESSAGE_RECEIVED","identifier":"abc123"}'),
         "b79b3d291e742b616b6476ce1d30a565b2e5d08f91fa5a8497376a69dc5303b0"),
    ]
    failures = 0
    for name, got, want in checks:
        if hmac.compare_digest(got, want):
            print("ok   %s" % name)
        else:
            failures += 1
            print("FAIL %s: want %s got %s" % (name, want, got))
    print("sign_webhook selftest: %d passed, %d failed" % (len(checks) - failures, failures))
    return failures


# Command-line entry point.
def main(argv=None):
    ap = argparse.ArgumentParser(description="Compute Twilio / SignalHouse webhook signatures.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    tw = sub.add_parser("twilio", help="X-Twilio-Signature of a form webhook")
    tw.add_argument("--token", required=True, help="the account AuthToken")
    tw.add_argument("--url", required=True, help="the full URL the provider requests, query included")
    tw.add_argument("--form", default="", help="the URL-encoded POST body, e.g. 'k=v&k2=v2'")
    sh = sub.add_parser("signalhouse", help="X-SignalHouse-Signature of a webhook")
    sh.add_argument("--secret", required=True, help="the endpoint's signingSecret")
    sh.add_argument("--timestamp", required=True, help="X-SignalHouse-Timestamp, Unix milliseconds")
    body = sh.add_mutually_exclusive_group(required=True)
    body.add_argument("--body", help="the raw JSON body")
    body.add_argument("--body-file", help="file holding the raw body bytes")
    sub.add_parser("selftest", help="check the published vectors")
    args = ap.parse_args(argv)

    if args.cmd == "twilio":
        print(twilio_signature(args.token, args.url, parse_form(args.form)))
    elif args.cmd == "signalhouse":
        if args.body_file is not None:
            with open(args.body_file, "rb") as f:
                raw = f.read()
        else:
            raw = args.body.encode("utf-8")
        print(signalhouse_signature(args.secret, args.timestamp, raw))
    else:
        return 1 if selftest() else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
