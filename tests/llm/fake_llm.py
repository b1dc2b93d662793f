#!/usr/bin/python3
"""tests/llm/fake_llm.py -- a scripted fake model server for the tests.

Python 3 standard library only. A shell test starts it in the background
(like tests/http/server.py), points the agent at http://127.0.0.1:PORT, and
kills it on exit. Both APIs are served on the one port:

    POST .../chat/completions   OpenAI-compatible (Authorization: Bearer KEY,
                                or Azure's api-key: KEY; a query is allowed)
    POST .../messages           Anthropic Messages (x-api-key: KEY, and an
                                anthropic-version header: 400 without one)
    GET  /health                200 "ok" (not logged, consumes no step)
    anything else               404 (logged, consumes no step)

    fake_llm.py --script SCRIPT.json --log LOG.jsonl [--port-file FILE]
                [--key KEY] [--verbose]

Binds 127.0.0.1 port 0. The port is printed as the first line of stdout
and, with --port-file, written to FILE.tmp then renamed to FILE once the
socket listens. SIGTERM: exits 0. Quiet unless --verbose.

--key KEY: a request to an API path without the right key gets 401 in that
API's error shape; it is logged and consumes no step.

--log: one JSON line per request, flushed at once, written on arrival (before
any delay): {"n": 0-based request index, "path", "method", "headers":
{lower-case name: value}, "body": parsed JSON or the raw text, "api":
"openai"|"anthropic"|null, "step": index of the step used or null,
"status": the status answered, "expect_failed": "..." (only on failure)}.

SCRIPT.json: {"steps": [STEP, ...], "after": "error" | "repeat-last"}
(a bare list is taken as the steps). Each API request takes the next step
in arrival order. Once they run out, "error" (the default) answers 500
"script exhausted"; "repeat-last" uses the last step again. A STEP:
    status    int, default 200 (500 when "error" is given)
    headers   object, sent as is (e.g. {"Retry-After": "0"})
    delay_ms  sleep this long before answering
    hold      a file name: answer only once it exists (at most 120 s), so
              a test decides when (no timing)
    expect    checked first; on failure 500 "expectation failed: ...":
              {"model": "m", "messages_count": N, "last_role": "tool",
               "contains": "substr" or ["s1", ...] (in the raw body)}
              (Anthropic: last_role "tool" also matches a user message
              holding a tool_result block)
    then the body, the first of:
    raw       string: exactly these bytes
    body      any JSON, sent as is
    error     message: {"error": {"message", "type"}} in the API's shape
              ("error_type" overrides the type picked from the status)
    text / tool_calls [{"id"?, "name", "arguments": object or string}] /
    finish (overrides finish_reason / stop_reason) /
    usage {"input": N, "output": M} (default 10 and 5)
              -> a chat.completion or a message in the API's shape, with
              the request's model; ids chatcmpl-N / msg_N, missing tool
              call ids call_N_I / toolu_N_I (N: the log's "n").

A test: fake_llm.py --script S --log L --port-file F >/dev/null 2>E &
then wait for F to be non-empty; PORT=$(cat F); kill the pid at exit.
"""

import argparse
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"n": 0, "next": 0}
STEPS, AFTER, KEY, LOG, VERBOSE = [], "error", None, None, False
ERR_TYPES = {400: "invalid_request_error", 401: "authentication_error",
             403: "permission_error", 404: "not_found_error",
             429: "rate_limit_error", 529: "overloaded_error"}


def err_body(api, status, msg, etype=None):
    etype = etype or ERR_TYPES.get(status, "api_error" if status >= 500
                                   else "invalid_request_error")
    if api == "anthropic":
        return {"type": "error", "error": {"type": etype, "message": msg}}
    return {"error": {"message": msg, "type": etype, "param": None, "code": None}}


def check_expect(exp, body, raw):
    """The failures of the step's expect against the request, as a string."""
    bad = []
    d = body if isinstance(body, dict) else {}
    msgs = d.get("messages") if isinstance(d.get("messages"), list) else []
    for k, want in exp.items():
        if k == "model":
            if d.get("model") != want:
                bad.append("model: want %r, got %r" % (want, d.get("model")))
        elif k == "messages_count":
            if len(msgs) != want:
                bad.append("messages_count: want %r, got %d" % (want, len(msgs)))
        elif k == "last_role":
            last = msgs[-1] if msgs and isinstance(msgs[-1], dict) else {}
            role = last.get("role")
            c = last.get("content")
            if want == "tool" and role == "user" and isinstance(c, list) and any(
                    isinstance(b, dict) and b.get("type") == "tool_result" for b in c):
                role = "tool"
            if role != want:
                bad.append("last_role: want %r, got %r" % (want, role))
        elif k == "contains":
            for s in [want] if isinstance(want, str) else want:
                if s not in raw:
                    bad.append("contains: %r not in the request body" % s)
        else:
            bad.append("unknown expect key %r" % k)
    return "; ".join(bad)


def answer(api, step, n, model):
    """The body of a step's convenient form (text, tool_calls...)."""
    text, calls = step.get("text"), step.get("tool_calls") or []
    u = {"input": 10, "output": 5}
    u.update(step.get("usage") or {})
    if api == "openai":
        tcs = []
        for i, c in enumerate(calls):
            a = c.get("arguments", {})
            tcs.append({"id": c.get("id") or "call_%d_%d" % (n, i), "type": "function",
                        "function": {"name": c["name"],
                                     "arguments": a if isinstance(a, str) else json.dumps(a)}})
        msg = {"role": "assistant", "content": text}
        if tcs:
            msg["tool_calls"] = tcs
        return {"id": "chatcmpl-%d" % n, "object": "chat.completion",
                "created": int(time.time()), "model": model,
                "choices": [{"index": 0, "message": msg, "finish_reason":
                             step.get("finish") or ("tool_calls" if tcs else "stop")}],
                "usage": {"prompt_tokens": u["input"], "completion_tokens": u["output"],
                          "total_tokens": u["input"] + u["output"]}}
    content = [{"type": "text", "text": text}] if text is not None else []
    for i, c in enumerate(calls):
        a = c.get("arguments", {})
        if isinstance(a, str):
            try:
                a = json.loads(a)
            except ValueError:
                a = None
            a = a if isinstance(a, dict) else {"_raw": c["arguments"]}
        content.append({"type": "tool_use", "id": c.get("id") or "toolu_%d_%d" % (n, i),
                        "name": c["name"], "input": a})
    return {"id": "msg_%d" % n, "type": "message", "role": "assistant", "model": model,
            "content": content, "stop_sequence": None, "stop_reason":
            step.get("finish") or ("tool_use" if calls else "end_turn"),
            "usage": {"input_tokens": u["input"], "output_tokens": u["output"]}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def version_string(self):
        return "aksup-fake-llm/1"

    def log_message(self, fmt, *args):  # noqa: N802 (the base's name)
        if VERBOSE:
            sys.stderr.write("fake_llm: %s %s\n" % (self.address_string(), fmt % args))

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline(65537).split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def send(self, status, body, headers=None):
        if not isinstance(body, bytes):
            body = (body if isinstance(body, str) else json.dumps(body) + "\n").encode()
        try:
            self.send_response(status)
            hs = {"Content-Type": "application/json"}
            hs.update(headers or {})
            for k, v in hs.items():
                self.send_header(k, str(v))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            self.wfile.flush()
        except OSError:  # the client went away (during a delay, say)
            self.close_connection = True

    def handle_any(self):
        path = self.path.split("?", 1)[0]
        if self.command == "GET" and path == "/health":
            self.send(200, "ok", {"Content-Type": "text/plain"})
            return
        try:
            raw = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self.send(400, "bad body\n", {"Content-Type": "text/plain"})
            return
        text = raw.decode("utf-8", "replace")
        try:
            body = json.loads(text)
        except ValueError:
            body = text
        hdrs = {k.lower(): v for k, v in self.headers.items()}
        api = ("openai" if path.endswith("/chat/completions") else
               "anthropic" if path.endswith("/messages") else None)
        model = body.get("model") if isinstance(body, dict) else None
        model = model if isinstance(model, str) else "fake-model"
        step, si, failed, out, extra = None, None, None, None, {}
        if api is None or self.command != "POST":
            status, out = 404, err_body(api, 404, "no such endpoint: %s %s" % (self.command, path))
        elif KEY is not None and ((hdrs.get("authorization") != "Bearer " + KEY and
                                   hdrs.get("api-key") != KEY)
                                  if api == "openai" else hdrs.get("x-api-key") != KEY):
            status, out = 401, err_body(api, 401, "invalid api key")
        elif api == "anthropic" and "anthropic-version" not in hdrs:
            status, out = 400, err_body(api, 400, "anthropic-version: header is required")
        with LOCK:
            n = STATE["n"]
            STATE["n"] += 1
            if out is None:
                if STATE["next"] < len(STEPS):
                    si = STATE["next"]
                    STATE["next"] += 1
                elif AFTER == "repeat-last" and STEPS:
                    si = len(STEPS) - 1
                if si is None:
                    status, out = 500, err_body(api, 500, "script exhausted")
                else:
                    step = STEPS[si]
                    failed = check_expect(step.get("expect") or {}, body, text) or None
                    if failed:
                        status, out = 500, err_body(api, 500, "expectation failed: " + failed)
                    else:
                        status = step.get("status", 500 if "error" in step else 200)
                        extra = step.get("headers") or {}
            rec = {"n": n, "path": self.path, "method": self.command, "headers": hdrs,
                   "body": body, "api": api, "step": si, "status": status}
            if failed:
                rec["expect_failed"] = failed
            LOG.write(json.dumps(rec) + "\n")
            LOG.flush()
        if out is None:
            if step.get("delay_ms"):
                time.sleep(step["delay_ms"] / 1000.0)
            if step.get("hold"):
                end = time.time() + 120
                while not os.path.exists(step["hold"]) and time.time() < end:
                    time.sleep(0.02)
            if "raw" in step:
                out = step["raw"].encode()
            elif "body" in step:
                out = step["body"]
            elif "error" in step:
                out = err_body(api, status, step["error"], step.get("error_type"))
            else:
                out = answer(api, step, n, model)
        self.send(status, out, extra)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a step still sleeping does not hold up exit
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        if VERBOSE:  # a client that went away: expected in tests
            super().handle_error(request, client_address)


def main():
    global STEPS, AFTER, KEY, LOG, VERBOSE
    ap = argparse.ArgumentParser(description="aksup scripted fake LLM server")
    ap.add_argument("--script", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file")
    ap.add_argument("--key")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    with open(a.script) as f:
        script = json.load(f)
    if isinstance(script, list):
        script = {"steps": script}
    STEPS, AFTER = script.get("steps", []), script.get("after", "error")
    if AFTER not in ("error", "repeat-last") or not isinstance(STEPS, list) or \
            not all(isinstance(s, dict) for s in STEPS):
        sys.exit("fake_llm: %s: want {\"steps\": [{...}...], \"after\": "
                 "\"error\"|\"repeat-last\"}" % a.script)
    KEY, VERBOSE = a.key, a.verbose
    LOG = open(a.log, "a")
    srv = Server(("127.0.0.1", 0), Handler)
    port = srv.server_address[1]
    print(port, flush=True)
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(a.port_file + ".tmp", a.port_file)

    def on_term(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, on_term)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()
        LOG.close()


if __name__ == "__main__":
    main()
