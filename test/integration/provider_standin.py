#!/usr/bin/env python3
"""Loopback stand-ins of the provider APIs outreachd calls, for its integration tests.

One process serves all five providers on 127.0.0.1:<port>:

  Twilio         POST /2010-04-01/Accounts/{AccountSid}/Messages.json   (form body, HTTP Basic auth)
  SignalHouse    POST /message/sms                                      (JSON body, Bearer auth)
  RealEstateAPI  POST /v2/SkipTrace  (alias /v2/PeopleSearch)           (JSON body, x-api-key header)
  Apollo         POST /api/v1/people/match                              (query-string parameters, x-api-key)
                 GET  /api/v1/organizations/enrich?domain=D             (Organization Enrichment, x-api-key)
  Anthropic      POST /v1/messages                                      (JSON body, x-api-key + anthropic-version)
                 GET  /v1/models, GET /v1/models/{model_id}             (the models of ANTHROPIC_MODELS)

Every Twilio request is checked against the OpenAPI spec given by --twilio-spec (path template,
path-parameter pattern, declared content type, field names, each field's type/pattern/enum/format,
required fields), plus the two "one of" rules Twilio enforces in practice. SignalHouse requests are
checked against the wire facts of SignalHouse's own SDKs (there is no spec); RealEstateAPI SkipTrace v2
and Apollo People and Organization Enrichment against their published API references.

The two enrichment stand-ins answer deterministically from the input so tests can predict the reply:
the phone numbers end in D = standin_digits(first, last), four digits in 0100-0199 computed as
100 + int(sha256("<first>|<last>" stripped and lower-cased).hexdigest(), 16) % 100. A last name of
"nomatch" (any case) gives each provider's "no match" reply (SkipTrace: HTTP 404 with persons [];
Apollo: 200 {"person": null}). See RealEstateApiProvider / ApolloProvider for the exact shapes.
Apollo Organization Enrichment answers from the domain alone: a domain whose first label starts with
"nomatch" (nomatch.com, nomatch-roofing.com) is one Apollo does not know (200 {}); any other gets
200 {"organization": {...}} in the documented shape, with the phone +1 212-559-E where E =
standin_domain_digits(domain) = 100 + int(sha256("org|<domain>" lower-cased).hexdigest(), 16) % 100,
and fixed firmographics (APOLLO_ORGANIZATION_FIXED: 25 employees, $2.5M revenue, construction, an
address at 350 5th Ave, New York, NY 10118). A domain that is not bare (www., @, a scheme, a path,
upper case is fine) or is missing gets 422.

The Anthropic stand-in checks a Messages request as the API does (its SDK and error docs): x-api-key must
equal --anthropic-key (else 401 authentication_error); the anthropic-version header must be there and
be 2023-06-01 or 2023-01-01, the body JSON (Content-Type application/json) of known top-level fields
only, with model (non-empty string; any name is accepted), max_tokens (positive integer) and messages
(non-empty list of {role: user|assistant, content}, the first a user turn, content a non-empty string
or a list of text blocks), optional system (string or text blocks) and temperature (0..1); no
stream. Else 400 invalid_request_error. Paths under /v1/messages and /v1/models other than these
(and other methods) get 404 not_found_error. Errors are {"type": "error", "error": {"type", "message"
[, "details"]}, "request_id": "req_..."}; every reply carries a request-id header (the same id) and
anthropic-organization-id. A valid request gets 200 {"id": "msg_...", "type": "message", "role":
"assistant", "model": <the requested model>, "content": [{"type": "text", "text": T}], "stop_reason":
"end_turn", "stop_sequence": null, "usage": {"input_tokens": ceil(len(system + messages text) / 4),
"output_tokens": ceil(len(T) / 4), ...}} (an answer longer than max_tokens tokens is cut there, with
stop_reason "max_tokens"). T is the JSON {"label", "confidence", "reason"} that labels the reply
found between "<reply>\n" and "\n</reply>" in the last user turn (the whole turn if there is no such
tag) by the stand-in's own keywords, the first that matches (case-insensitive, whole words):
  STOP 0.9              stop, remove, unsubscribe, opt out/opt-out/optout, "leave me alone",
                        "wrong number", "dont text"/"don't text"
  EMAIL_CAPTURE 0.95    an @
  CALLBACK_REQUEST 0.85 call
  PRICE_INQUIRY 0.85    price(s), pricing, rate(s), cost(s)
  QUESTION 0.8          a ?
  NEGATIVE 0.85         no, not, nope, nah (before POSITIVE, so "not interested" is NEGATIVE)
  POSITIVE 0.85         yes, yeah, sure, interested
  UNCLEAR 0.5           anything else
with the reason "stand-in rule <name>". A test may script the label instead (see /_control "answer").

Test control (not part of any provider):
  POST /_control  {"provider": "twilio"|"signalhouse"|"realestateapi"|"apollo"|"anthropic", "mode": M, "count": N}
                  M in ok, rate_limit, error_500, unsubscribed, hang, close (anthropic: ok, rate_limit,
                  error_500, overloaded, spend_limit, bad_answer, refusal, hang, close); the next N
                  requests to that provider's send/lookup endpoint (anthropic: POST /v1/messages) get
                  mode M (count omitted/null = until changed), then the provider reverts to ok. A new
                  setting replaces the previous one.
                  Anthropic only: "answer": {"label": L, "confidence": C[, "reason": R]} scripts the
                  text of every labelled answer (ok and hang) from now on, whatever the reply says, until
                  a later command sets another "answer" (null: back to the keyword scheme) or /_reset.
                  L and C are not checked against the eight labels or 0..1, so a test can script an
                  answer the product must refuse; R defaults to "scripted by the test". With "answer",
                  "mode" may be left out (the mode and its count stay as they are).
  GET  /_control  current mode of each provider (anthropic's with its scripted "answer" or null).
  GET  /_log      the request log, one JSON object per line (optional ?provider=<name>).
  POST /_reset    clears the in-memory log, sets every provider back to ok and drops the scripted
                  answer (the --log file is kept).

How a mode combines with request validity:
  rate_limit, error_500, close  replace the response whatever the request (real outages don't validate);
  overloaded, spend_limit       likewise (anthropic);
  unsubscribed                  replaces the success response of a valid request (an invalid one
                                still gets its 400/401); for realestateapi and apollo it is the same as ok;
  bad_answer, refusal           likewise (anthropic);
  hang                          sleeps --hang-seconds, then sends the normal response (201 if valid).
The anthropic replies of the modes:
  rate_limit   429 rate_limit_error with retry-after: 1 (and anthropic-ratelimit-requests-remaining: 0)
  error_500    500 api_error
  overloaded   529 overloaded_error "Overloaded", no retry-after
  spend_limit  429 rate_limit_error with error.details.error_code "enforced_spend_limit_reached" and
               no retry-after (not to be retried)
  bad_answer   200 end_turn whose text is prose without any JSON (no label)
  refusal      200 with stop_reason "refusal" and one empty text block
Requests to other paths (unknown operations) are answered 404/405, logged, and consume no mode.
The x-api-key and Authorization headers are logged as "<redacted>". An Apollo entry's "body" is its
parsed query string (dict of lists); "message_id" is the SkipTrace requestId / the Apollo person or
organization id / the Anthropic message id (msg_..., 200 answers only). Both Apollo endpoints take the
apollo modes (one count for the two). "request_id" is the request-id header sent (anthropic; null
for the other providers and for close).

Each request is read in full and logged (memory + --log file, one JSON line, flushed) BEFORE any
response is sent, so a test can count what reached the provider even if the process is killed
during a hang. The logged "status" is the response the stand-in sends (after the hang, for hang;
null for close).

On start it prints exactly one line "LISTENING <port>" to stdout. SIGTERM/SIGINT stop it cleanly.
Python 3.11 standard library only.
"""

import argparse
import base64
import binascii
import copy
import email.utils
import hashlib
import hmac
import json
import math
import os
import re
import secrets
import signal
import sys
import threading
import time
import urllib.parse
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PROVIDERS = ("twilio", "signalhouse", "realestateapi", "apollo", "anthropic")
# The modes each provider takes through /_control; MODES is every mode of any provider.
SEND_MODES = ("ok", "rate_limit", "error_500", "unsubscribed", "hang", "close")
ANTHROPIC_MODES = ("ok", "rate_limit", "error_500", "overloaded", "spend_limit", "bad_answer", "refusal", "hang",
                   "close")
PROVIDER_MODES = {p: SEND_MODES for p in PROVIDERS if p != "anthropic"} | {"anthropic": ANTHROPIC_MODES}
MODES = tuple(dict.fromkeys(SEND_MODES + ANTHROPIC_MODES))
# Modes whose reply replaces the response whatever the request (an outage does not validate).
OUTAGE_MODES = ("rate_limit", "error_500", "overloaded", "spend_limit")
# Modes whose reply replaces the success reply of a valid request (an invalid one still gets its error).
ANSWER_MODES = ("bad_answer", "refusal")


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------

# Current UTC time as ISO 8601 with milliseconds, for log entries.
def now_iso():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# Current UTC time as an RFC 2822 date, the format of Twilio's date_* fields.
def now_rfc2822():
    return email.utils.format_datetime(datetime.now(timezone.utc).replace(microsecond=0))


# The media type of a Content-Type header, lower-cased, without parameters such as charset.
def media_type(content_type):
    return (content_type or "").split(";", 1)[0].strip().lower()


# Match a JSON-Schema pattern against a whole string value. Schema patterns are anchored with ^...$;
# Python's "$" would also accept a trailing newline, so a final unescaped "$" is turned into "\Z".
def pattern_matches(pattern, value):
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.search(pattern, value) is not None


# Whether a string is an absolute http(s) URL with a hostname (Twilio: "must contain a valid
# hostname and underscores are not allowed" - we apply the underscore rule to the hostname).
def url_problem(value):
    try:
        parts = urllib.parse.urlsplit(value)
    except ValueError as exc:
        return "not a valid URL (%s)" % exc
    if parts.scheme not in ("http", "https"):
        return "URL scheme must be http or https"
    if not parts.hostname:
        return "URL has no hostname"
    if "_" in parts.hostname:
        return "URL hostname contains an underscore"
    return None


# Number of SMS segments Twilio would bill for a body: GSM-7 (160 / 153 per part, extension
# characters count twice) when every character is in the GSM-7 set, otherwise UCS-2 (70 / 67 per
# part, counted in UTF-16 code units).
GSM7_BASIC = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
                 "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = set("^{}\\[~]|€\f")


def sms_segments(body):
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in body):
        units = sum(2 if c in GSM7_EXTENSION else 1 for c in body)
        single, multi = 160, 153
    else:
        units = len(body.encode("utf-16-le")) // 2
        single, multi = 70, 67
    if units <= single:
        return 1
    return math.ceil(units / multi)


# A MongoDB-ObjectId-like id (4-byte timestamp + 8 random bytes = 24 hex), as SignalHouse returns.
def object_id():
    return "%08x" % (int(time.time()) & 0xFFFFFFFF) + secrets.token_hex(8)


# The outcome of handling one request: what to send back and what to log about it.
class Reply:
    def __init__(self, status, body=None, headers=None, valid=True, problems=None, message_ids=None):
        self.status = status            # HTTP status, or None to close without answering
        self.body = body                # dict/list serialised as JSON, bytes, or None
        self.headers = headers or {}
        self.valid = valid
        self.problems = problems or []
        self.message_ids = message_ids or []


# ---------------------------------------------------------------------------------------------
# Shared state: the behaviour modes and the request log
# ---------------------------------------------------------------------------------------------

class State:
    # Holds per-provider modes and the log; every method takes the lock because handler threads
    # run concurrently.
    def __init__(self, log_path):
        self.lock = threading.Lock()
        self.modes = {p: ["ok", None] for p in PROVIDERS}   # provider -> [mode, remaining|None]
        self.answer = None                                   # the scripted Anthropic answer, if any
        self.entries = []
        self.seq = 0
        self.log_file = open(log_path, "a", encoding="utf-8") if log_path else None

    # Set a provider's mode for the next `count` requests (None = until changed).
    def set_mode(self, provider, mode, count):
        with self.lock:
            self.modes[provider] = [mode, count]

    # Take the mode for one request to a provider's send endpoint, counting it down; when the
    # count runs out the provider goes back to ok.
    def take_mode(self, provider):
        with self.lock:
            mode, remaining = self.modes[provider]
            if remaining is not None:
                remaining -= 1
                self.modes[provider] = [mode, remaining] if remaining > 0 else ["ok", None]
            return mode

    # Script the label of the Anthropic answers ({"label", "confidence"[, "reason"]}; None = the
    # stand-in's keyword scheme again).
    def set_answer(self, answer):
        with self.lock:
            self.answer = copy.deepcopy(answer)

    # The scripted Anthropic answer, or None.
    def get_answer(self):
        with self.lock:
            return copy.deepcopy(self.answer)

    # Snapshot of the modes, for GET /_control (anthropic's with its scripted answer).
    def describe_modes(self):
        with self.lock:
            out = {p: {"mode": m, "count": c} for p, (m, c) in self.modes.items()}
            out["anthropic"]["answer"] = copy.deepcopy(self.answer)
            return out

    # Append one entry to the in-memory log and, flushed, to the --log file.
    def append(self, entry):
        with self.lock:
            self.seq += 1
            entry = {"seq": self.seq, **entry}
            self.entries.append(entry)
            if self.log_file:
                self.log_file.write(json.dumps(entry, ensure_ascii=False) + "\n")
                self.log_file.flush()

    # The log entries, optionally only one provider's.
    def snapshot(self, provider=None):
        with self.lock:
            return [e for e in self.entries if provider is None or e["provider"] == provider]

    # Clear the in-memory log, the modes and the scripted answer (the --log file is an append-only
    # record and is kept).
    def reset(self):
        with self.lock:
            self.entries = []
            self.modes = {p: ["ok", None] for p in PROVIDERS}
            self.answer = None

    # Close the --log file at shutdown.
    def close(self):
        with self.lock:
            if self.log_file:
                self.log_file.close()
                self.log_file = None


# ---------------------------------------------------------------------------------------------
# Twilio
# ---------------------------------------------------------------------------------------------

class TwilioSpec:
    # The parts of the OpenAPI document the stand-in needs, looked up by operationId so nothing
    # about the Messages resource is hard-coded: the create path template (as a regex), its path
    # parameters, declared request content types, the CreateMessageRequest schema and the 201
    # example response.
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.doc = json.load(f)
        self.operations = []          # (regex, template, {method: operationId})
        self.create = None
        for template, item in self.doc["paths"].items():
            methods = {m.upper(): op.get("operationId") for m, op in item.items()
                       if isinstance(op, dict) and "operationId" in op}
            regex = re.compile("^" + re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$")
            self.operations.append((regex, template, methods))
            for m, op in item.items():
                if isinstance(op, dict) and op.get("operationId") == "CreateMessage":
                    self.create = (regex, template, m.upper(), op)
        if self.create is None:
            raise ValueError("%s has no CreateMessage operation" % path)
        _, self.create_template, self.create_method, op = self.create
        self.path_params = {p["name"]: self.resolve(p.get("schema", {}))
                            for p in op.get("parameters", []) if p.get("in") == "path"}
        content = op["requestBody"]["content"]
        self.content_types = [ct.lower() for ct in content]
        schema = self.resolve(content[next(iter(content))]["schema"])
        self.properties = {name: self.resolve(s) for name, s in schema.get("properties", {}).items()}
        self.required = list(schema.get("required", []))
        examples = op["responses"]["201"]["content"]["application/json"].get("examples", {})
        first = examples.get("create") or next(iter(examples.values()), {"value": {}})
        self.example = first["value"]

    # Follow a local "$ref" (e.g. to message_enum_content_retention), merging sibling keys.
    def resolve(self, schema):
        while isinstance(schema, dict) and "$ref" in schema:
            target = self.doc
            for part in schema["$ref"].lstrip("#/").split("/"):
                target = target[part]
            schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        return schema

    # Find which spec operation a method+path is: (template, operationId or None, path params).
    def route(self, method, path):
        for regex, template, methods in self.operations:
            m = regex.match(path)
            if m:
                return template, methods.get(method), m.groupdict()
        return None, None, None


# Problems with one form value against its (resolved) schema; empty list = fine.
def check_value(spec, name, schema, value):
    problems = []
    kind = schema.get("type")
    if kind == "array":
        # Arrays are sent as a repeated key; each occurrence is one item.
        return check_value(spec, name, spec.resolve(schema.get("items", {})), value)
    if kind == "integer":
        if not re.fullmatch(r"[+-]?\d+", value):
            problems.append("%s: %r is not an integer" % (name, value))
        else:
            n = int(value)
            if "minimum" in schema and n < schema["minimum"]:
                problems.append("%s: %d is below the minimum %s" % (name, n, schema["minimum"]))
            if "maximum" in schema and n > schema["maximum"]:
                problems.append("%s: %d is above the maximum %s" % (name, n, schema["maximum"]))
    elif kind == "number":
        try:
            if not math.isfinite(float(value)):
                raise ValueError
        except ValueError:
            problems.append("%s: %r is not a number" % (name, value))
    elif kind == "boolean":
        if value.lower() not in ("true", "false"):
            problems.append("%s: %r is not a boolean (true/false)" % (name, value))
    if "enum" in schema and value not in schema["enum"]:
        problems.append("%s: %r is not one of %s" % (name, value, schema["enum"]))
    if "pattern" in schema and not pattern_matches(schema["pattern"], value):
        problems.append("%s: %r does not match %s" % (name, value, schema["pattern"]))
    if "minLength" in schema and len(value) < schema["minLength"]:
        problems.append("%s: shorter than %d characters" % (name, schema["minLength"]))
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        problems.append("%s: longer than %d characters" % (name, schema["maxLength"]))
    fmt = schema.get("format")
    if fmt and value and not schema.get("x-twilio", {}).get("ignoreFormat"):
        problem = check_format(name, fmt, value)
        if problem:
            problems.append(problem)
    return problems


# Checks for the string formats the Messages spec uses; unknown formats are accepted.
def check_format(name, fmt, value):
    if fmt == "phone-number":
        # E.164, a channel address (whatsapp:+1...), and - for senders - a short code or an
        # alphanumeric sender id.
        if re.fullmatch(r"\+[1-9]\d{1,14}", value) or re.fullmatch(r"[a-z][a-z0-9-]*:\S+", value):
            return None
        if name != "To" and (re.fullmatch(r"\d{3,8}", value)
                             or re.fullmatch(r"(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}", value)):
            return None
        return "%s: %r is not a valid phone number (E.164 or channel address)" % (name, value)
    if fmt == "uri":
        problem = url_problem(value)
        return "%s: %s" % (name, problem) if problem else None
    if fmt == "date-time":
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return "%s: %r is not an ISO 8601 date-time" % (name, value)
    return None


# Twilio error codes for a problem, by field (https://www.twilio.com/docs/errors/<code>).
TWILIO_FIELD_CODES = {"To": 21211, "From": 21212, "FallbackFrom": 21212,
                      "StatusCallback": 21609, "MediaUrl": 21620}


class TwilioProvider:
    # POST .../Messages.json with Basic auth and a form body, validated against the spec.
    name = "twilio"

    def __init__(self, spec, sid, token):
        self.spec = spec
        self.sid = sid
        self.token = token

    # Twilio's legacy (2010 API) error body.
    @staticmethod
    def error(status, code, message, headers=None, **kw):
        body = {"code": code, "message": message,
                "more_info": "https://www.twilio.com/docs/errors/%d" % code, "status": status}
        return Reply(status, body, headers, **kw)

    # Whether this request is the send-message operation (the one modes apply to).
    def is_send(self, method, path):
        template, op_id, _ = self.spec.route(method, path)
        return template == self.spec.create_template and method == self.spec.create_method

    # Check auth, path, content type and fields; return (problems, error Reply or None).
    # Every problem is collected for the log; the reply reflects the most fundamental one
    # (auth 401, then unknown path/operation 404/405, then the body 400).
    def evaluate(self, req):
        problems = []           # (http status, twilio code, message)
        # Authentication: Basic base64(AccountSid:AuthToken).
        auth = req.headers.get("Authorization", "")
        if not auth.startswith("Basic "):
            problems.append((401, 20003, "Authentication Error - No credentials provided"))
        else:
            try:
                user, _, password = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                user, password = None, None
            if not (user is not None and hmac.compare_digest(user.encode(), self.sid.encode())
                    and hmac.compare_digest(password.encode(), self.token.encode())):
                problems.append((401, 20003, "Authenticate: the AccountSid or AuthToken is incorrect"))
        # Path and operation, from the spec.
        template, op_id, params = self.spec.route(req.method, req.path)
        if template is None:
            problems.append((404, 20404, "The requested resource %s was not found" % req.path))
        elif template != self.spec.create_template or req.method != self.spec.create_method:
            what = op_id or "%s %s" % (req.method, template)
            status = 404 if op_id else 405
            problems.append((status, 20404 if op_id else 20004,
                             "%s is not implemented by the stand-in" % what))
        else:
            for pname, schema in self.spec.path_params.items():
                for p in check_value(self.spec, pname, schema, params.get(pname, "")):
                    problems.append((404, 20404, "path parameter " + p))
            if params.get("AccountSid") != self.sid and not any(s == 404 for s, _, _ in problems):
                problems.append((401, 20003, "AccountSid %s in the path is not the authenticated account"
                                 % params.get("AccountSid")))
            problems.extend(self.check_body(req))
        if not problems:
            return [], None
        status, code, message = sorted(problems, key=lambda p: {401: 0, 404: 1, 405: 1}.get(p[0], 2))[0]
        headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'} if status == 401 else {}
        reply = self.error(status, code, message, headers, valid=False)
        reply.body["details"] = {"problems": [p[2] for p in problems]}
        return [p[2] for p in problems], reply

    # Body checks: declared content type, known field names, per-field schema, required fields,
    # and the practical one-of rules.
    def check_body(self, req):
        problems = []
        if media_type(req.headers.get("Content-Type")) not in self.spec.content_types:
            problems.append((400, 20001, "Content-Type %r is not one of %s"
                             % (req.headers.get("Content-Type"), self.spec.content_types)))
            return problems
        if req.form is None:
            problems.append((400, 20001, "body is not valid UTF-8 form data"))
            return problems
        form = req.form
        for name, values in form.items():
            schema = self.spec.properties.get(name)
            if schema is None:
                problems.append((400, 20001, "Unknown parameter %r (not in CreateMessageRequest)" % name))
                continue
            if schema.get("type") != "array" and len(values) > 1:
                problems.append((400, 20001, "%s given %d times but is not an array" % (name, len(values))))
            for value in values:
                if value == "":
                    continue      # an empty value counts as absent (e.g. From with a service)
                for p in check_value(self.spec, name, schema, value):
                    problems.append((400, TWILIO_FIELD_CODES.get(name, 20001), p))

        # Present = given with a non-empty value.
        def present(field):
            return any(v != "" for v in form.get(field, []))

        for field in self.spec.required:
            if not present(field):
                code = 21604 if field == "To" else 20001
                problems.append((400, code, "A '%s' parameter is required" % field))
        if not (present("From") or present("MessagingServiceSid")):
            problems.append((400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message"))
        if not (present("Body") or present("MediaUrl") or present("ContentSid")):
            problems.append((400, 21619, "A text message Body, MediaUrl or ContentSid must be specified"))
        body = form.get("Body", [""])[0]
        if len(body) > 1600:
            problems.append((400, 21617, "The concatenated message body exceeds the 1600 character limit"))
        return problems

    # The 201 Message resource, built on the spec's example so its shape follows the spec.
    def success(self, req):
        form = req.form

        def first(field):
            values = [v for v in form.get(field, []) if v != ""]
            return values[0] if values else None

        sid = "SM" + secrets.token_hex(16)
        now = now_rfc2822()
        base = "/2010-04-01/Accounts/%s/Messages/%s" % (self.sid, sid)
        msg = copy.deepcopy(self.spec.example)
        body = first("Body") or ""
        msg.update({
            "account_sid": self.sid, "api_version": "2010-04-01", "body": body,
            "date_created": now, "date_sent": None, "date_updated": now,
            "direction": "outbound-api", "error_code": None, "error_message": None,
            "from": first("From"), "messaging_service_sid": first("MessagingServiceSid"),
            "num_media": str(len([v for v in form.get("MediaUrl", []) if v])),
            "num_segments": str(sms_segments(body)), "price": None, "price_unit": None,
            "sid": sid, "status": "scheduled" if first("ScheduleType") else "queued",
            "subresource_uris": {"media": base + "/Media.json"},
            "to": first("To"), "uri": base + ".json",
        })
        return Reply(201, msg, message_ids=[sid])

    # Opted-out recipient: 400 + 21610.
    def unsubscribed(self, req):
        return self.error(400, 21610, "Attempt to send to unsubscribed recipient")

    # Outage replies for the rate_limit and error_500 modes.
    def failure(self, mode):
        if mode == "rate_limit":
            return self.error(429, 20429, "Too Many Requests", {"Retry-After": "1"})
        return self.error(500, 20500, "An internal server error has occurred")

    # Headers every Twilio reply carries.
    def extra_headers(self):
        return {"Twilio-Request-Id": "RQ" + secrets.token_hex(16), "Twilio-Concurrent-Requests": "1"}


# ---------------------------------------------------------------------------------------------
# SignalHouse
# ---------------------------------------------------------------------------------------------

SH_SEND_PATH = "/message/sms"
SH_FIELDS = {  # field -> description of what it must be (SignalHouse SDK: digits only, no "+")
    "senderPhoneNumber": "digits-only string",
    "recipientPhoneNumber": "array of digits-only strings",
    "messageBody": "non-empty string",
    "enableShortlink": "boolean",
    "statusCallbackUrl": "http(s) URL",
    "filterLandlinesAndInactiveNumbers": "boolean",
}
DIGITS_10 = re.compile(r"\d{10,15}")
SHORT_CODE = re.compile(r"\d{5,6}")


class SignalHouseProvider:
    # POST /message/sms with Bearer auth and a JSON body; acceptance is enqueuedCount in a 201.
    name = "signalhouse"

    def __init__(self, key):
        self.key = key

    # SignalHouse's error body is not documented; this is a plain JSON envelope with the reasons.
    @staticmethod
    def error(status, reason, message, headers=None, problems=None, **kw):
        body = {"statusCode": status, "error": reason, "message": message}
        if problems:
            body["problems"] = problems
        return Reply(status, body, headers, **kw)

    # Whether this request is POST /message/sms (the one modes apply to).
    def is_send(self, method, path):
        return method == "POST" and path == SH_SEND_PATH

    # Check auth, path, content type and the JSON body; return (problems, error Reply or None).
    def evaluate(self, req):
        auth_problems, problems = [], []
        auth = req.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            auth_problems.append("missing 'Authorization: Bearer <key>'")
        elif not hmac.compare_digest(auth[7:].strip().encode(), self.key.encode()):
            auth_problems.append("invalid API key")
        if not self.is_send(req.method, req.path):
            all_problems = auth_problems + ["%s %s is not implemented by the stand-in" % (req.method, req.path)]
            return all_problems, self.error(404, "Not Found", all_problems[-1], valid=False)
        problems = self.check_body(req)
        all_problems = auth_problems + problems
        if auth_problems:
            return all_problems, self.error(401, "Unauthorized", auth_problems[0], valid=False)
        if problems:
            return all_problems, self.error(400, "Bad Request", problems[0], problems=problems, valid=False)
        return [], None

    # Body checks: JSON object, digits-only numbers, the singular array recipientPhoneNumber,
    # a non-empty messageBody, and the types of the optional fields.
    def check_body(self, req):
        if media_type(req.headers.get("Content-Type")) != "application/json":
            return ["Content-Type must be application/json, got %r" % req.headers.get("Content-Type")]
        body = req.json
        if not isinstance(body, dict):
            return ["body is not a JSON object"]
        problems = []
        for name in body:
            if name == "recipientPhoneNumbers":
                problems.append("unknown field 'recipientPhoneNumbers': the raw API field is the singular "
                                "'recipientPhoneNumber' (still an array)")
            elif name not in SH_FIELDS:
                problems.append("unknown field %r" % name)
        sender = body.get("senderPhoneNumber")
        if not isinstance(sender, str) or not (DIGITS_10.fullmatch(sender) or SHORT_CODE.fullmatch(sender)):
            problems.append("senderPhoneNumber must be a digits-only string of 10+ digits (no '+'), got %r" % (sender,))
        recipients = body.get("recipientPhoneNumber")
        if not isinstance(recipients, list) or not recipients:
            problems.append("recipientPhoneNumber must be a non-empty array, got %r" % (recipients,))
        else:
            for r in recipients:
                if not isinstance(r, str) or not DIGITS_10.fullmatch(r):
                    problems.append("recipientPhoneNumber entry must be a digits-only string of 10+ digits "
                                    "(no '+'), got %r" % (r,))
        text = body.get("messageBody")
        if not isinstance(text, str) or not text.strip():
            problems.append("messageBody must be a non-empty string, got %r" % (text,))
        for flag in ("enableShortlink", "filterLandlinesAndInactiveNumbers"):
            if flag in body and not isinstance(body[flag], bool):
                problems.append("%s must be a boolean, got %r" % (flag, body[flag]))
        if "statusCallbackUrl" in body:
            url = body["statusCallbackUrl"]
            problem = url_problem(url) if isinstance(url, str) else "not a string"
            if problem:
                problems.append("statusCallbackUrl: %s" % problem)
        return problems

    # The 201 reply: one inserted message per recipient, all ENQUEUED (or all FAILED with
    # errorCode "OUT" for the unsubscribed mode - still HTTP 201, as SignalHouse does).
    def success(self, req, opted_out=False):
        inserted = [{"_id": object_id(), "status": "FAILED" if opted_out else "ENQUEUED",
                     "errorCode": "OUT" if opted_out else None, "recipientPhoneNumber": r}
                    for r in req.json["recipientPhoneNumber"]]
        n = len(inserted)
        body = {"insertedMessages": inserted, "requestedRecipientCount": n,
                "enqueuedCount": 0 if opted_out else n, "failedCount": n if opted_out else 0,
                "dncBlockedNumbers": []}
        return Reply(201, body, message_ids=[m["_id"] for m in inserted])

    # Opted-out recipient: still 201, every recipient FAILED with errorCode "OUT".
    def unsubscribed(self, req):
        return self.success(req, opted_out=True)

    # Outage replies for the rate_limit and error_500 modes (error shape undocumented; JSON envelope).
    def failure(self, mode):
        if mode == "rate_limit":
            return self.error(429, "Too Many Requests", "Rate limit exceeded, back off and retry",
                              {"Retry-After": "1"})
        return self.error(500, "Internal Server Error", "Internal server error")

    # No provider-specific headers are known for SignalHouse.
    def extra_headers(self):
        return {}


# ---------------------------------------------------------------------------------------------
# Deterministic enrichment data (RealEstateAPI and Apollo)
# ---------------------------------------------------------------------------------------------

# Names used when a lookup carries none (SkipTrace by phone/email or an LLC mailing address;
# Apollo by email/domain only).
PLACEHOLDER_FIRST, PLACEHOLDER_LAST = "Pat", "Owner"
NOMATCH_LAST_NAME = "nomatch"


# The stable hash of a person's names: sha256 of "first|last", each stripped and lower-cased.
def name_hash(first, last):
    key = "%s|%s" % ((first or "").strip().lower(), (last or "").strip().lower())
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


# The four digits every stand-in phone number ends in: 0100-0199, so 212-555-D is in the
# fictional 555-01xx range. Tests can import this or recompute it.
def standin_digits(first, last):
    return "%04d" % (100 + int(name_hash(first, last), 16) % 100)


# The stable hash of an organization's domain: sha256 of "org|domain", lower-cased.
def domain_hash(domain):
    return hashlib.sha256(("org|%s" % domain.strip().lower()).encode("utf-8")).hexdigest()


# The four digits (0100-0199) an organization's stand-in phone number ends in, from its domain.
def standin_domain_digits(domain):
    return "%04d" % (100 + int(domain_hash(domain), 16) % 100)


# A name reduced to lower-case letters and digits, for e-mail local parts and URLs.
def slug(text):
    return re.sub(r"[^a-z0-9]", "", (text or "").lower())


# A non-empty string value (after stripping), else None.
def text_value(value):
    return value.strip() if isinstance(value, str) and value.strip() else None


# ---------------------------------------------------------------------------------------------
# RealEstateAPI SkipTrace v2
# ---------------------------------------------------------------------------------------------

REAPI_SEND_PATHS = ("/v2/SkipTrace", "/v2/PeopleSearch")      # PeopleSearch is a documented alias
# The request forms SkipTrace documents, in the order they are tried: (name, required fields).
REAPI_FORMS = (
    ("property address", ("first_name", "last_name", "address", "city", "state", "zip")),
    ("mailing address", ("mail_address", "mail_city", "mail_state", "mail_zip")),
    ("phone", ("phone",)),
    ("email", ("email",)),
)
PLACEHOLDER_ADDRESS = {"address": "1 Example Plaza", "city": "New York", "state": "NY", "zip": "10001"}


class RealEstateApiProvider:
    # POST /v2/SkipTrace with an x-api-key header and a JSON body; no match is HTTP 404.
    name = "realestateapi"

    def __init__(self, key):
        self.key = key

    # The documented error envelope {"statusCode", "statusMessage", "error"} (401 verbatim from the
    # docs); for a 400 the stand-in adds "problems".
    @staticmethod
    def error(status, status_message, message, headers=None, problems=None, **kw):
        body = {"statusCode": status, "statusMessage": status_message, "error": message}
        if problems:
            body["problems"] = problems
        return Reply(status, body, headers, **kw)

    # Whether this request is the SkipTrace v2 call (the one modes apply to).
    def is_send(self, method, path):
        return method == "POST" and path in REAPI_SEND_PATHS

    # Check the key, path, content type and that the body is one of the request forms; return
    # (problems, error Reply or None). Order of the reply: 401, then 404, then 400.
    def evaluate(self, req):
        auth_problems = []
        key = req.headers.get("x-api-key")
        if key is None:
            auth_problems.append("missing x-api-key header")
        elif not hmac.compare_digest(key.strip().encode(), self.key.encode()):
            auth_problems.append("invalid API key")
        if auth_problems:
            unauthorized = self.error(401, "Unauthorized", "Invalid API key", valid=False)
        if not self.is_send(req.method, req.path):
            problems = auth_problems + ["%s %s is not implemented by the stand-in" % (req.method, req.path)]
            if auth_problems:
                return problems, unauthorized
            return problems, self.error(404, "Not Found", problems[-1], valid=False)
        problems = self.check_body(req)
        if auth_problems:
            return auth_problems + problems, unauthorized
        if problems:
            return problems, self.error(400, "Bad Request", problems[0], problems=problems, valid=False)
        return [], None

    # The body must be a JSON object that completes one request form, with string values; the
    # optional fields documented alongside are type-checked, others are ignored.
    def check_body(self, req):
        if media_type(req.headers.get("Content-Type")) != "application/json":
            return ["Content-Type must be application/json, got %r" % req.headers.get("Content-Type")]
        body = req.json
        if not isinstance(body, dict):
            return ["body is not a JSON object" if req.raw else "empty body"]
        problems = []
        for name, value in body.items():
            if name == "match_requirements":
                if not isinstance(value, dict) or not all(isinstance(v, bool) for v in value.values()):
                    problems.append("match_requirements must be an object of booleans, e.g. {\"phones\": true}")
            elif any(name in fields for _, fields in REAPI_FORMS) and value is not None \
                    and not isinstance(value, str):
                problems.append("%s must be a string, got %r" % (name, value))
        if self.form_of(body) is None:
            missing = ["%s (missing %s)" % (form, ", ".join(f for f in fields if not text_value(body.get(f))))
                       for form, fields in REAPI_FORMS]
            problems.append("body matches none of the SkipTrace request forms: " + "; ".join(missing))
        state = text_value(body.get("mail_state"))
        if state is not None and not re.fullmatch(r"[A-Za-z]{2}", state):
            problems.append("mail_state must be a 2-letter state code, got %r" % state)
        phone = text_value(body.get("phone"))
        if phone is not None and not re.fullmatch(r"\d{10}", phone):
            problems.append("phone must be 10 digits, got %r" % phone)
        email_addr = text_value(body.get("email"))
        if email_addr is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email_addr):
            problems.append("email is not an e-mail address: %r" % email_addr)
        return problems

    # The first request form whose required fields are all non-empty strings, or None.
    @staticmethod
    def form_of(body):
        for form, fields in REAPI_FORMS:
            if all(text_value(body.get(f)) for f in fields):
                return form
        return None

    # HTTP 200 with one person (or HTTP 404 with persons [] for last name "nomatch"); the person's
    # names, address, phones and e-mail are derived from the input.
    def success(self, req):
        body = req.json
        request_id = str(uuid.uuid4())
        last_in = text_value(body.get("last_name"))
        if last_in is not None and last_in.lower() == NOMATCH_LAST_NAME:
            return Reply(404, {"requestId": request_id, "input": body, "persons": [], "statusCode": 404,
                               "statusMessage": "Not Found",
                               "responseMessage": "No phones found for provided person.",
                               "match": False, "resultCount": 0}, message_ids=[request_id])
        first = text_value(body.get("first_name")) or PLACEHOLDER_FIRST
        last = last_in or PLACEHOLDER_LAST
        form = self.form_of(body)
        if form == "property address":
            street, city, state, zipcode = (body["address"], body["city"], body["state"], body["zip"])
        elif form == "mailing address":
            street, city, state, zipcode = (body["mail_address"], body["mail_city"], body["mail_state"],
                                            body["mail_zip"])
        else:
            street, city, state, zipcode = (PLACEHOLDER_ADDRESS[k] for k in ("address", "city", "state", "zip"))
        street, city, state, zipcode = (v.strip() for v in (street, city, state, zipcode))
        d = standin_digits(first, last)
        person = {
            "personId": name_hash(first, last)[:24],
            "firstName": first, "lastName": last, "fullName": "%s %s" % (first, last),
            "address": {"address": "%s, %s, %s %s" % (street, city, state, zipcode), "streetAddress": street,
                        "city": city, "state": state, "zip": zipcode},
            "phones": [
                {"phone": "212555" + d, "phoneType": "W", "phoneFtcDnc": "N", "phoneLastSeen": "2026-01-01"},
                {"phone": "212556" + d, "phoneType": "L", "phoneFtcDnc": "N"},
                {"phone": "212557" + d, "phoneType": "W", "phoneFtcDnc": "Y"},
            ],
            "emails": [{"email": "%s.%s@skiptrace.example" % (slug(first) or "pat", slug(last) or "owner")}],
        }
        return Reply(200, {"requestId": request_id, "requestDate": now_iso(), "input": body,
                           "persons": [person], "statusCode": 200, "statusMessage": "Success",
                           "match": True, "resultCount": 1, "resultIndex": 0, "live": True,
                           "requestExecutionTimeMS": "12ms"}, message_ids=[request_id])

    # No opt-out concept for a lookup: the unsubscribed mode answers as ok.
    def unsubscribed(self, req):
        return self.success(req)

    # Outage replies for the rate_limit and error_500 modes, in the documented error envelope.
    def failure(self, mode):
        if mode == "rate_limit":
            return self.error(429, "Too Many Requests", "Rate limit exceeded", {"Retry-After": "1"})
        return self.error(500, "Internal Server Error", "Internal server error")

    def extra_headers(self):
        return {}


# ---------------------------------------------------------------------------------------------
# Apollo People Enrichment
# ---------------------------------------------------------------------------------------------

APOLLO_SEND_PATH = "/api/v1/people/match"
APOLLO_ORG_PATH = "/api/v1/organizations/enrich"
# A bare host name, as Apollo wants the domain ("do not include www., the @ symbol, or similar").
APOLLO_DOMAIN = re.compile(r"([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?")
NOMATCH_DOMAIN_PREFIX = "nomatch"
# What every known stand-in organization has besides its id, name, domain and phone.
APOLLO_ORGANIZATION_FIXED = {
    "industry": "construction", "estimated_num_employees": 25, "annual_revenue": 2500000,
    "annual_revenue_printed": "2.5M", "founded_year": 2009,
    "raw_address": "350 5th Ave, New York, New York 10118, United States", "street_address": "350 5th Ave",
    "city": "New York", "state": "New York", "postal_code": "10118", "country": "United States",
}
# Parameters that identify whom to enrich (Apollo People Enrichment); at least one is required.
APOLLO_IDENTIFYING = ("first_name", "last_name", "name", "email", "hashed_email", "organization_name",
                      "domain", "id", "linkedin_url")
APOLLO_BOOLEANS = ("reveal_personal_emails", "reveal_phone_number", "run_waterfall_email", "run_waterfall_phone")
APOLLO_NEED_WEBHOOK = ("reveal_phone_number", "run_waterfall_email", "run_waterfall_phone")


class ApolloProvider:
    # POST /api/v1/people/match with an x-api-key header and the parameters in the query string
    # (Apollo declares them "in: query"; a request body is ignored), and
    # GET /api/v1/organizations/enrich?domain=... (Organization Enrichment).
    name = "apollo"

    def __init__(self, key):
        self.key = key

    # Apollo does not document its error bodies; {"error", "error_code"} is the stand-in's own shape.
    @staticmethod
    def error(status, message, code=None, headers=None, **kw):
        body = {"error": message}
        if code:
            body["error_code"] = code
        return Reply(status, body, headers, **kw)

    # The parsed query string (dict of lists, blank values kept).
    @staticmethod
    def params(req):
        out = {}
        for k, v in urllib.parse.parse_qsl(req.query, keep_blank_values=True):
            out.setdefault(k, []).append(v)
        return out

    # What the log records as this request's body: the parsed query.
    def logged_body(self, req):
        return self.params(req)

    # Whether this request is People or Organization Enrichment (the ones modes apply to).
    def is_send(self, method, path):
        return (method, path) in (("POST", APOLLO_SEND_PATH), ("GET", APOLLO_ORG_PATH))

    # Check the key, path and parameters; return (problems, error Reply or None). 401, then 404, then 422.
    def evaluate(self, req):
        auth_problems = []
        key = req.headers.get("x-api-key")
        if key is None:
            auth_problems.append("missing x-api-key header")
        elif not hmac.compare_digest(key.strip().encode(), self.key.encode()):
            auth_problems.append("invalid API key")
        if auth_problems:
            unauthorized = self.error(401, "Invalid access credentials.", "INVALID_API_KEY_ERROR", valid=False)
        if not self.is_send(req.method, req.path):
            problems = auth_problems + ["%s %s is not implemented by the stand-in" % (req.method, req.path)]
            if auth_problems:
                return problems, unauthorized
            return problems, self.error(404, problems[-1], valid=False)
        problems = self.check_org_params(req) if req.path == APOLLO_ORG_PATH else self.check_params(req)
        if auth_problems:
            return auth_problems + problems, unauthorized
        if problems:
            return problems, self.error(422, problems[0], valid=False)
        return [], None

    # Organization Enrichment takes exactly one domain, bare: no www., @, scheme or path.
    def check_org_params(self, req):
        domains = [v.strip() for v in self.params(req).get("domain", []) if v.strip()]
        if not domains:
            return ["no domain parameter in the query string"]
        if len(domains) > 1:
            return ["domain given %d times" % len(domains)]
        domain = domains[0].lower()
        if domain.startswith("www."):
            return ["domain must not include www.: %r" % domains[0]]
        if not APOLLO_DOMAIN.fullmatch(domain):
            return ["domain is not a bare domain name (no scheme, @, path or port): %r" % domains[0]]
        return []

    # At least one identifying parameter with a value; booleans are true/false; the phone/waterfall
    # options need a webhook_url (Apollo delivers those results asynchronously).
    def check_params(self, req):
        params = self.params(req)

        def first(name):
            values = [v for v in params.get(name, []) if v.strip()]
            return values[0].strip() if values else None

        problems = []
        if not any(first(p) for p in APOLLO_IDENTIFYING):
            problem = "no identifying parameter (one of %s) in the query string" % ", ".join(APOLLO_IDENTIFYING)
            if req.raw:
                problem += " - the request body is ignored: People Enrichment takes its parameters in the query"
            problems.append(problem)
        for name in APOLLO_BOOLEANS:
            value = first(name)
            if value is not None and value.lower() not in ("true", "false"):
                problems.append("%s must be true or false, got %r" % (name, value))
        for name in APOLLO_NEED_WEBHOOK:
            if (first(name) or "").lower() == "true" and not first("webhook_url"):
                problems.append("%s=true requires webhook_url" % name)
        if first("webhook_url"):
            problem = url_problem(first("webhook_url"))
            if problem:
                problems.append("webhook_url: %s" % problem)
        return problems

    # 200 {"organization": {...}} derived from the domain, or {} for a domain starting "nomatch".
    def organization(self, req):
        domain = next(v.strip() for v in self.params(req)["domain"] if v.strip()).lower()   # as check_org_params
        if domain.split(".", 1)[0].startswith(NOMATCH_DOMAIN_PREFIX):
            return Reply(200, {})
        e = standin_domain_digits(domain)
        org_id = domain_hash(domain)[:24]
        label = domain.split(".", 1)[0]
        org = {
            "id": org_id, "name": " ".join(w.capitalize() for w in label.split("-")),
            "website_url": "http://www.%s" % domain, "linkedin_url": "http://www.linkedin.com/company/%s" % label,
            "primary_domain": domain,
            "phone": "+1 212-559-" + e, "sanitized_phone": "+1212559" + e,
            "primary_phone": {"number": "+1 212-559-" + e, "source": "Account", "sanitized_number": "+1212559" + e},
            **copy.deepcopy(APOLLO_ORGANIZATION_FIXED),
        }
        return Reply(200, {"organization": org}, message_ids=[org_id])

    # 200 {"person": {...}} derived from the parameters, or {"person": null} for last name "nomatch";
    # Organization Enrichment is answered by organization().
    def success(self, req):
        if req.path == APOLLO_ORG_PATH:
            return self.organization(req)
        params = self.params(req)

        def first(name):
            values = [v for v in params.get(name, []) if v.strip()]
            return values[0].strip() if values else None

        name_parts = (first("name") or "").split()
        given = first("first_name") or (name_parts[0] if name_parts else None) or PLACEHOLDER_FIRST
        family = first("last_name") or (" ".join(name_parts[1:]) if len(name_parts) > 1 else None) \
            or PLACEHOLDER_LAST
        if family.lower() == NOMATCH_LAST_NAME:
            return Reply(200, {"person": None})
        domain = first("domain")
        if domain:
            domain = re.sub(r"^www\.", "", domain.lower().lstrip("@"))
        org_name = first("organization_name") or "Unknown"
        primary_domain = domain or "example.com"
        d = standin_digits(given, family)
        person_id = name_hash(given, family)[:24]
        org_id = hashlib.sha256(("org|%s|%s" % (org_name.lower(), primary_domain)).encode()).hexdigest()[:24]
        person = {
            "id": person_id, "first_name": given, "last_name": family, "name": "%s %s" % (given, family),
            "title": "Owner",
            "email": first("email") or "%s@%s" % (slug(given) or "pat", primary_domain),
            "email_status": "verified",
            "linkedin_url": first("linkedin_url")
            or "http://www.linkedin.com/in/%s-%s-%s" % (slug(given), slug(family), d),
            "city": "New York", "state": "New York", "country": "United States",
            "organization_id": org_id,
            "organization": {"id": org_id, "name": org_name, "primary_domain": primary_domain,
                             "industry": "construction", "estimated_num_employees": 12,
                             "annual_revenue": 1200000},
            "contact": {"phone_numbers": [{"raw_number": "+1 212-558-" + d, "sanitized_number": "+1212558" + d,
                                           "type": "mobile", "position": 0, "status": "valid_number",
                                           "dnc_status": None}]},
        }
        return Reply(200, {"person": person}, message_ids=[person_id])

    # No opt-out concept for a lookup: the unsubscribed mode answers as ok.
    def unsubscribed(self, req):
        return self.success(req)

    # Outage replies (the stand-in's own error shape; Apollo documents 429 + retry-after).
    def failure(self, mode):
        if mode == "rate_limit":
            return self.error(429, "Rate limit exceeded, retry later.", "RATE_LIMIT_EXCEEDED", {"Retry-After": "1"})
        return self.error(500, "Internal server error.", "INTERNAL_SERVER_ERROR")

    def extra_headers(self):
        return {}


# ---------------------------------------------------------------------------------------------
# Anthropic Messages API
# ---------------------------------------------------------------------------------------------

ANTHROPIC_SEND_PATH = "/v1/messages"
ANTHROPIC_MODELS_PATH = "/v1/models"
# The anthropic-version values the API accepts (2023-06-01 is the current one).
ANTHROPIC_VERSIONS = ("2023-06-01", "2023-01-01")
# The models GET /v1/models lists (newest first, as the API does). Any model name is accepted by
# POST /v1/messages (see AnthropicProvider.check_body).
ANTHROPIC_MODELS = (
    ("claude-sonnet-4-5", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z"),
    ("claude-haiku-4-5", "Claude Haiku 4.5", "2025-10-01T00:00:00Z"),
    ("claude-opus-4-5", "Claude Opus 4.5", "2025-11-01T00:00:00Z"),
)
# The top-level request fields of POST /v1/messages (SDK message_create_params.py); any other is
# refused as the API does ("Extra inputs are not permitted").
ANTHROPIC_FIELDS = ("model", "max_tokens", "messages", "system", "temperature", "top_p", "top_k", "stop_sequences",
                    "stream", "metadata", "tools", "tool_choice", "thinking", "service_tier", "output_config",
                    "cache_control", "container", "inference_geo")
ANTHROPIC_ORGANIZATION = "9f0c1a52-5c1e-4b8e-9d6a-7b1e2f3a4c5d"
# The stand-in's own labelling of the reply, the first rule that matches wins (the order of the
# labels in outreach.classification_instructions): (label, confidence, rule name, regex).
ANTHROPIC_KEYWORDS = (
    ("STOP", 0.9, "stop_words",
     re.compile(r"\b(stop|remove|unsubscribe|opt[ -]?out)\b|leave me alone|wrong number|don'?t text", re.I)),
    ("EMAIL_CAPTURE", 0.95, "at_sign", re.compile(r"@")),
    ("CALLBACK_REQUEST", 0.85, "call", re.compile(r"\bcall\b", re.I)),
    ("PRICE_INQUIRY", 0.85, "price_words", re.compile(r"\b(price|prices|pricing|rate|rates|cost|costs)\b", re.I)),
    ("QUESTION", 0.8, "question_mark", re.compile(r"\?")),
    ("NEGATIVE", 0.85, "negation", re.compile(r"\b(no|not|nope|nah)\b", re.I)),
    ("POSITIVE", 0.85, "yes_words", re.compile(r"\b(yes|yeah|sure|interested)\b", re.I)),
)
ANTHROPIC_REPLY = re.compile(r"<reply>\n(.*?)\n</reply>", re.S)
ANTHROPIC_BAD_ANSWER = "I think this person is probably not interested, but it is hard to say without more context."


# An Anthropic-style id: a prefix and 24 base62 characters (msg_..., req_...).
def anthropic_id(prefix):
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    return prefix + "".join(secrets.choice(alphabet) for _ in range(24))


# The stand-in's token count of a text: one token per 4 characters, at least 1 (deterministic).
def standin_tokens(text):
    return max(1, math.ceil(len(text) / 4))


# The text of a message content or system prompt: a string, or the text of its text blocks.
def content_text(content):
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get("text", "") for b in content if isinstance(b, dict) and isinstance(b.get("text"), str))
    return ""


# The stand-in's label of a reply, by ANTHROPIC_KEYWORDS: (label, confidence, reason).
def standin_label(reply):
    for label, confidence, rule, regex in ANTHROPIC_KEYWORDS:
        if regex.search(reply):
            return label, confidence, "stand-in rule %s" % rule
    return "UNCLEAR", 0.5, "stand-in: no keyword matched"


class AnthropicProvider:
    # POST /v1/messages with x-api-key and anthropic-version headers and a JSON body; answers with
    # one text block holding a JSON label {"label", "confidence", "reason"} of the reply it finds
    # between <reply> and </reply> (or a scripted one, see State.set_answer). GET /v1/models lists
    # ANTHROPIC_MODELS, GET /v1/models/{id} gives one.
    name = "anthropic"

    def __init__(self, key, state):
        self.key = key
        self.state = state

    # The documented error shape; the same request id goes in the body and the request-id header.
    @staticmethod
    def error(status, kind, message, headers=None, details=None, **kw):
        request_id = anthropic_id("req_")
        err = {"type": kind, "message": message}
        if details:
            err["details"] = details
        return Reply(status, {"type": "error", "error": err, "request_id": request_id},
                     {"request-id": request_id, **(headers or {})}, **kw)

    # Whether this request is POST /v1/messages (the one modes apply to).
    def is_send(self, method, path):
        return method == "POST" and path == ANTHROPIC_SEND_PATH

    # The paths this provider answers (the dispatcher sends /v1/messages... and /v1/models... here).
    @staticmethod
    def serves(path):
        return any(path == p or path.startswith(p + "/") for p in (ANTHROPIC_SEND_PATH, ANTHROPIC_MODELS_PATH))

    # Check the key, the version header, the path and the body; return (problems, error Reply or
    # None). The reply reflects the most fundamental problem: 401, then 404, then 400.
    def evaluate(self, req):
        auth_problems, problems = [], []
        key = req.headers.get("x-api-key")
        if key is None:
            auth_problems.append("x-api-key header is required")
        elif not hmac.compare_digest(key.strip().encode(), self.key.encode()):
            auth_problems.append("invalid x-api-key")
        version = req.headers.get("anthropic-version")
        if version is None:
            problems.append("anthropic-version: header is required")
        elif version.strip() not in ANTHROPIC_VERSIONS:
            problems.append("anthropic-version: %r is not a valid version" % version)
        known = self.is_send(req.method, req.path) or (req.method == "GET" and (
            req.path == ANTHROPIC_MODELS_PATH or re.fullmatch(re.escape(ANTHROPIC_MODELS_PATH) + r"/[^/]+", req.path)))
        if not known:
            all_problems = auth_problems + ["%s %s is not implemented by the stand-in" % (req.method, req.path)]
            if auth_problems:
                return all_problems, self.error(401, "authentication_error", auth_problems[0], valid=False)
            return all_problems, self.error(404, "not_found_error", "Not found", valid=False)
        if self.is_send(req.method, req.path):
            problems.extend(self.check_body(req))
        if auth_problems:
            return auth_problems + problems, self.error(401, "authentication_error", auth_problems[0], valid=False)
        if problems:
            return problems, self.error(400, "invalid_request_error", problems[0], valid=False)
        return [], None

    # Problems with a text content (a string, or a list of text blocks) named `where`.
    @staticmethod
    def check_content(where, content, allow_empty=False):
        if isinstance(content, str):
            return [] if content or allow_empty else ["%s: text content must be non-empty" % where]
        if not isinstance(content, list) or (not content and not allow_empty):
            return ["%s: must be a string or a non-empty list of content blocks" % where]
        problems = []
        for n, block in enumerate(content):
            if not isinstance(block, dict) or "type" not in block:
                problems.append("%s.%d: a content block must be an object with a type" % (where, n))
            elif block["type"] != "text":
                problems.append("%s.%d: the stand-in accepts only text blocks, not %r" % (where, n, block["type"]))
            elif not isinstance(block.get("text"), str) or not block["text"]:
                problems.append("%s.%d.text: text content blocks must be non-empty strings" % (where, n))
        return problems

    # Body checks: JSON object of known fields; model, max_tokens and messages required; system and
    # temperature optional and typed; no streaming (the stand-in answers whole messages only).
    def check_body(self, req):
        if media_type(req.headers.get("Content-Type")) != "application/json":
            return ["Content-Type must be application/json, got %r" % req.headers.get("Content-Type")]
        body = req.json
        if not isinstance(body, dict):
            return ["body is not a JSON object" if req.raw else "empty body"]
        problems = ["%s: Extra inputs are not permitted" % name for name in body if name not in ANTHROPIC_FIELDS]
        model = body.get("model")
        if not isinstance(model, str) or not model.strip():
            problems.append("model: Field required (a non-empty string), got %r" % (model,))
        max_tokens = body.get("max_tokens")
        if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
            problems.append("max_tokens: must be a positive integer, got %r" % (max_tokens,))
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            problems.append("messages: must be a non-empty list, got %r" % (messages,))
        else:
            for n, m in enumerate(messages):
                if not isinstance(m, dict):
                    problems.append("messages.%d: must be an object" % n)
                    continue
                extra = [k for k in m if k not in ("role", "content")]
                if extra:
                    problems.append("messages.%d.%s: Extra inputs are not permitted" % (n, extra[0]))
                if m.get("role") not in ("user", "assistant"):
                    problems.append("messages.%d.role: must be user or assistant, got %r" % (n, m.get("role")))
                problems.extend(self.check_content("messages.%d.content" % n, m.get("content")))
            if isinstance(messages[0], dict) and messages[0].get("role") != "user":
                problems.append("messages: the first message must use the user role")
        if "system" in body:
            problems.extend(self.check_content("system", body["system"], allow_empty=True))
        if "temperature" in body:
            t = body["temperature"]
            if not isinstance(t, (int, float)) or isinstance(t, bool) or not 0 <= t <= 1:
                problems.append("temperature: must be a number between 0 and 1, got %r" % (t,))
        if body.get("stream") is True:
            problems.append("stream: the stand-in does not stream (server-sent events); send stream false or omit it")
        return problems

    # The answer text for a request: the scripted answer if one is set, else the stand-in's label of
    # the reply between <reply> and </reply> in the last user message (its whole text if there is no
    # such tag).
    def answer_text(self, body):
        user = [m for m in body["messages"] if m.get("role") == "user"]
        text = content_text(user[-1]["content"]) if user else ""
        found = ANTHROPIC_REPLY.search(text)
        reply = found.group(1) if found else text
        scripted = self.state.get_answer()
        if scripted is not None:
            answer = {"label": scripted["label"], "confidence": scripted["confidence"],
                      "reason": scripted.get("reason", "scripted by the test")}
        else:
            label, confidence, reason = standin_label(reply)
            answer = {"label": label, "confidence": confidence, "reason": reason}
        return json.dumps(answer)

    # HTTP 200 with one message. text None = the label answer; the refusal has stop_reason refusal
    # and no text. An answer longer than max_tokens is cut there (stop_reason max_tokens).
    def message(self, req, text=None, stop_reason="end_turn"):
        body = req.json
        if text is None:
            text = self.answer_text(body)
        prompt = content_text(body.get("system", "")) + "".join(content_text(m["content"]) for m in body["messages"])
        output_tokens = standin_tokens(text) if text else 0
        if output_tokens > body["max_tokens"]:
            text, output_tokens, stop_reason = text[:4 * body["max_tokens"]], body["max_tokens"], "max_tokens"
        msg_id = anthropic_id("msg_")
        request_id = anthropic_id("req_")
        msg = {"id": msg_id, "type": "message", "role": "assistant", "model": body["model"],
               "content": [{"type": "text", "text": text}], "stop_reason": stop_reason, "stop_sequence": None,
               "usage": {"input_tokens": standin_tokens(prompt), "output_tokens": output_tokens,
                         "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "service_tier": "standard"}}
        return Reply(200, msg, {"request-id": request_id}, message_ids=[msg_id])

    # The model list and a single model (GET /v1/models[/{id}]).
    def models(self, req):
        request_id = anthropic_id("req_")
        data = [{"type": "model", "id": i, "display_name": n, "created_at": c} for i, n, c in ANTHROPIC_MODELS]
        if req.path == ANTHROPIC_MODELS_PATH:
            return Reply(200, {"data": data, "has_more": False, "first_id": data[0]["id"], "last_id": data[-1]["id"]},
                         {"request-id": request_id})
        wanted = urllib.parse.unquote(req.path[len(ANTHROPIC_MODELS_PATH) + 1:])
        for m in data:
            if m["id"] == wanted:
                return Reply(200, m, {"request-id": request_id})
        return self.error(404, "not_found_error", "model: %s" % wanted)

    def success(self, req):
        if req.method == "GET":
            return self.models(req)
        return self.message(req)

    # The answer modes that replace the success reply of a valid request.
    def odd_answer(self, req, mode):
        if mode == "refusal":
            return self.message(req, text="", stop_reason="refusal")
        return self.message(req, text=ANTHROPIC_BAD_ANSWER)         # bad_answer: prose, no JSON

    # No opt-out concept: unsubscribed (not an anthropic mode) would answer as ok.
    def unsubscribed(self, req):
        return self.success(req)

    # Outage replies, in the documented error shape and status/type pairs.
    def failure(self, mode):
        if mode == "rate_limit":
            return self.error(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate "
                              "limit", {"retry-after": "1", "anthropic-ratelimit-requests-remaining": "0"})
        if mode == "spend_limit":
            return self.error(429, "rate_limit_error", "You have reached your specified API usage limits.",
                              details={"error_code": "enforced_spend_limit_reached"})
        if mode == "overloaded":
            return self.error(529, "overloaded_error", "Overloaded")
        return self.error(500, "api_error", "Internal server error")

    # Headers every Anthropic reply carries besides its request-id.
    def extra_headers(self):
        return {"anthropic-organization-id": ANTHROPIC_ORGANIZATION}


# ---------------------------------------------------------------------------------------------
# HTTP server
# ---------------------------------------------------------------------------------------------

class Request:
    # A fully read request with its body parsed as the content type says (form -> dict of lists,
    # JSON -> value); parse failures leave form/json None and the raw text for the log.
    def __init__(self, method, target, headers, raw):
        split = urllib.parse.urlsplit(target)
        self.method = method
        self.path = split.path
        self.query = split.query
        self.headers = headers
        self.raw = raw
        self.form = None
        self.json = None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        ctype = media_type(headers.get("Content-Type"))
        if text is not None and ctype == "application/x-www-form-urlencoded":
            try:
                self.form = {}
                for k, v in urllib.parse.parse_qsl(text, keep_blank_values=True, errors="strict"):
                    self.form.setdefault(k, []).append(v)
            except (ValueError, UnicodeDecodeError):
                self.form = None
        elif text is not None and ctype == "application/json":
            try:
                self.json = json.loads(text)
            except ValueError:
                self.json = None
        self.text = text

    # The body as recorded in the log.
    def logged_body(self):
        if self.form is not None:
            return self.form
        if self.json is not None:
            return self.json
        if not self.raw:
            return None
        return self.text if self.text is not None else self.raw.decode("utf-8", "replace")


# Reads each request in full, then routes it to a control endpoint or a provider.
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"     # keep-alive like the real APIs; every reply has Content-Length
    server_version = "provider-standin/1.0"

    # Every method goes through dispatch(); unsupported operations are answered (and logged) there.
    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_PATCH(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    # Quiet by default; --verbose sends the access log to stderr.
    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("standin: " + (fmt % args) + "\n")

    # Read the request body (Content-Length or chunked); None if the framing is broken.
    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                try:
                    size = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    return None
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass          # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        try:
            n = int(length)
        except ValueError:
            return None
        return self.rfile.read(n) if n > 0 else b""

    # Send a reply with a JSON (or raw) body; a client that went away is not an error.
    def send(self, status, body, headers=None, content_type="application/json; charset=utf-8"):
        if isinstance(body, bytes):
            data = body
        else:
            data = (json.dumps(body, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # Route one request: control endpoints, then the providers; anything else is a logged 404.
    def dispatch(self):
        raw = self.read_body()
        if raw is None:
            self.close_connection = True
            self.send(400, {"error": "malformed request body framing"})
            return
        req = Request(self.command, self.path, self.headers, raw)
        if req.path.startswith("/_"):
            self.control(req)
            return
        provider = None
        if AnthropicProvider.serves(req.path):          # before /v1/: the rest of /v1/ is RealEstateAPI's
            provider = self.server.anthropic
        elif req.path.startswith("/2010-04-01/"):
            provider = self.server.twilio
        elif req.path.startswith("/message/"):
            provider = self.server.signalhouse
        elif req.path.startswith(("/v1/", "/v2/")):
            provider = self.server.realestateapi
        elif req.path.startswith("/api/"):
            provider = self.server.apollo
        self.serve_provider(provider, req)

    # Handle a provider request: validate, pick the mode, log, then (maybe hang and) answer.
    def serve_provider(self, provider, req):
        state = self.server.state
        mode = "ok"
        if provider is None:
            problems = ["no provider serves %s %s" % (req.method, req.path)]
            reply = Reply(404, {"error": "Not Found", "message": problems[0]}, valid=False, problems=problems)
        else:
            problems, error = provider.evaluate(req)
            if provider.is_send(req.method, req.path):
                mode = state.take_mode(provider.name)
            if mode in OUTAGE_MODES:
                reply = provider.failure(mode)
            elif mode == "close":
                reply = Reply(None)
            elif error is not None:
                reply = error
            elif mode == "unsubscribed":
                reply = provider.unsubscribed(req)
            elif mode in ANSWER_MODES:
                reply = provider.odd_answer(req, mode)
            else:
                reply = provider.success(req)          # ok, and hang (after the sleep)
            reply.valid = not problems
            reply.problems = problems
        headers = {}
        for k, v in req.headers.items():
            if k.lower() in ("authorization", "proxy-authorization", "x-api-key"):
                v = "<redacted>"
            headers[k] = headers[k] + ", " + v if k in headers else v
        state.append({
            "time": now_iso(),
            "provider": provider.name if provider else None,
            "method": req.method,
            "path": req.path,
            "query": req.query,
            "headers": headers,
            "body": provider.logged_body(req) if hasattr(provider, "logged_body") else req.logged_body(),
            "valid": reply.valid,
            "problems": reply.problems,
            "mode": mode,
            "status": reply.status,
            "message_id": reply.message_ids[0] if reply.message_ids else None,
            "message_ids": reply.message_ids,
            "request_id": reply.headers.get("request-id"),
        })
        if mode == "hang":
            time.sleep(self.server.hang_seconds)
        if reply.status is None:
            # close: the request was read and logged; drop the connection without a byte of reply.
            self.close_connection = True
            return
        extra = dict(provider.extra_headers()) if provider else {}
        extra.update(reply.headers)
        self.send(reply.status, reply.body, extra)

    # The test-control endpoints: /_control, /_log, /_reset.
    def control(self, req):
        state = self.server.state
        if req.path == "/_log" and req.method == "GET":
            want = urllib.parse.parse_qs(req.query).get("provider", [None])[0]
            lines = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in state.snapshot(want))
            self.send(200, lines.encode("utf-8"), content_type="application/x-ndjson; charset=utf-8")
        elif req.path == "/_reset" and req.method == "POST":
            state.reset()
            self.send(200, {"reset": True})
        elif req.path == "/_control" and req.method == "GET":
            self.send(200, state.describe_modes())
        elif req.path == "/_control" and req.method == "POST":
            try:
                cmd = json.loads(req.raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                cmd = None
            problem = None
            # the mode may be left out only when the command scripts an answer (the mode then stays)
            set_mode = isinstance(cmd, dict) and ("mode" in cmd or "answer" not in cmd)
            if not isinstance(cmd, dict):
                problem = "body must be a JSON object"
            elif cmd.get("provider") not in PROVIDERS:
                problem = "provider must be one of %s" % (PROVIDERS,)
            elif set_mode and cmd.get("mode") not in PROVIDER_MODES[cmd["provider"]]:
                problem = "mode must be one of %s for %s" % (PROVIDER_MODES[cmd["provider"]], cmd["provider"])
            elif cmd.get("count") is not None and (not isinstance(cmd["count"], int)
                                                   or isinstance(cmd["count"], bool) or cmd["count"] < 1):
                problem = "count must be a positive integer or omitted"
            elif "answer" in cmd:
                problem = answer_problem(cmd["provider"], cmd["answer"])
            if problem:
                self.send(400, {"error": problem})
                return
            if set_mode:
                state.set_mode(cmd["provider"], cmd["mode"], cmd.get("count"))
            if "answer" in cmd:
                state.set_answer(cmd["answer"])
            self.send(200, state.describe_modes())
        else:
            self.send(404, {"error": "unknown control endpoint %s %s" % (req.method, req.path)})


# What is wrong with the "answer" of a /_control command, or None: only anthropic takes one, an
# object {"label": string, "confidence": number[, "reason": string]} or null. The label is not
# checked against the eight, so a test can script one the product must refuse.
def answer_problem(provider, answer):
    if provider != "anthropic":
        return "answer is for provider anthropic only"
    if answer is None:
        return None
    if not isinstance(answer, dict) or set(answer) - {"label", "confidence", "reason"}:
        return "answer must be null or an object with label, confidence and optionally reason"
    if not isinstance(answer.get("label"), str):
        return "answer.label must be a string"
    c = answer.get("confidence")
    if not isinstance(c, (int, float)) or isinstance(c, bool):
        return "answer.confidence must be a number"
    if "reason" in answer and not isinstance(answer["reason"], str):
        return "answer.reason must be a string"
    return None


# One thread per connection, so a hanging request does not block the others.
class StandinServer(ThreadingHTTPServer):
    daemon_threads = True      # a hanging handler must not keep the process alive on SIGTERM
    request_queue_size = 256   # outreachd opens a window of connections at once; the default backlog of 5 drops SYNs
    block_on_close = False
    allow_reuse_address = True


# Parse the command line.
def parse_args(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    default_spec = os.path.normpath(os.path.join(here, "specs", "twilio_api_v2010_messages_only.json"))
    ap = argparse.ArgumentParser(description="Loopback stand-ins of the Twilio, SignalHouse, RealEstateAPI "
                                             "SkipTrace, Apollo People and Organization Enrichment and Anthropic "
                                             "Messages APIs.")
    ap.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default 0)")
    ap.add_argument("--twilio-spec", default=default_spec,
                    help="Twilio OpenAPI JSON with the Messages paths (default: %(default)s)")
    ap.add_argument("--twilio-sid", default="AC" + "0123456789abcdef" * 2,
                    help="the AccountSid accepted in the path and Basic auth")
    ap.add_argument("--twilio-token", default="standin-twilio-token", help="the AuthToken accepted")
    ap.add_argument("--signalhouse-key", default="standin-signalhouse-key", help="the Bearer API key accepted")
    ap.add_argument("--realestateapi-key", default="standin-realestateapi-key",
                    help="the RealEstateAPI x-api-key accepted (default %(default)s)")
    ap.add_argument("--apollo-key", default="standin-apollo-key",
                    help="the Apollo x-api-key accepted (default %(default)s)")
    ap.add_argument("--anthropic-key", default="standin-anthropic-key",
                    help="the Anthropic x-api-key accepted (default %(default)s)")
    ap.add_argument("--hang-seconds", type=float, default=30.0, help="delay of the hang mode (default 30)")
    ap.add_argument("--log", help="append each log entry as a JSON line to this file")
    ap.add_argument("--verbose", action="store_true", help="access log on stderr")
    return ap.parse_args(argv)


# Start the server, announce the port, serve until SIGTERM/SIGINT, then shut down cleanly.
def main(argv=None):
    args = parse_args(argv)
    spec = TwilioSpec(args.twilio_spec)
    if not re.fullmatch(r"AC[0-9a-fA-F]{32}", args.twilio_sid):
        print("warning: --twilio-sid does not match ^AC[0-9a-fA-F]{32}$", file=sys.stderr)
    server = StandinServer((args.host, args.port), Handler)
    server.twilio = TwilioProvider(spec, args.twilio_sid, args.twilio_token)
    server.signalhouse = SignalHouseProvider(args.signalhouse_key)
    server.realestateapi = RealEstateApiProvider(args.realestateapi_key)
    server.apollo = ApolloProvider(args.apollo_key)
    server.state = State(args.log)
    server.anthropic = AnthropicProvider(args.anthropic_key, server.state)
    server.hang_seconds = args.hang_seconds
    server.verbose = args.verbose

    # shutdown() waits for serve_forever() to return, so it must run outside the signal handler.
    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("LISTENING %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        server.state.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
