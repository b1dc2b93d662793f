#!/usr/bin/python3
"""tests/http/server.py -- the HTTP(S) server the net.http tests talk to.

Python 3 standard library only. Binds 127.0.0.1 on a port the kernel
picks (port 0), so two runs never clash, and says which:

    server.py [--port-file FILE] [--tls CERT KEY] [--bind ADDR] [--verbose]

The port is printed as the first line of stdout, and, with --port-file,
written to FILE (to FILE.tmp, then renamed: a reader that sees FILE sees
the whole number, and the socket is already listening).

HTTP/1.1 with keep-alive; every answer has a Content-Length. Any method
(GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS) reaches every endpoint.

    /bytes/N                N bytes of 'x' (text/plain)
    /echo[...]              JSON {method, path, headers, header_list,
                            body, body_len}: headers lower-cased, a
                            repeated one joined with ", "; any path that
                            starts /echo (/echo/a/b?q=1 too)
    /status/N               status N, body "status N\n" (none for 1xx,
                            204, 304)
    /redirect[/...]?to=URL&code=302
                            Location: URL with that 3xx code (default 302);
                            any path that starts /redirect/ too
    /slow?s=SECONDS         sleeps, then answers "slept S\n"
    /hdr                    a few response headers: X-Test, Set-Cookie
                            twice, X-Multi twice, Content-Type
    /binary                 bytes that are not UTF-8
                            (ff fe 00 80 c3 28 a0 a1), application/octet-stream
    /seen                   JSON {"authorization": [...], "x-api-key": [...],
                            "paths": [...]}: every Authorization and X-Api-Key
                            value received so far (in order, repeats kept),
                            and every request line's path (but /seen's own)
    anything else           404

Quiet: no request log on stderr unless --verbose.
"""

import argparse
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SEEN_LOCK = threading.Lock()
SEEN = {"authorization": [], "x-api-key": [], "paths": []}
VERBOSE = False
BINARY = b"\xff\xfe\x00\x80\xc3\x28\xa0\xa1"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def version_string(self):
        return "aksup-test/1"

    def log_message(self, fmt, *args):  # noqa: N802 (the base's name)
        if VERBOSE:
            sys.stderr.write("server: %s %s\n" % (self.address_string(), fmt % args))

    # --- reading ---------------------------------------------------------

    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    break
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # trailers, up to the empty line
                    while True:
                        t = self.rfile.readline(65537)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)  # CRLF after the chunk
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    # --- writing ---------------------------------------------------------

    def send(self, code, body=b"", ctype="text/plain; charset=utf-8", extra=()):
        if isinstance(body, str):
            body = body.encode()
        no_body = code < 200 or code in (204, 304)
        if no_body:
            body = b""
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        for k, v in extra:
            self.send_header(k, v)
        if code >= 200 and code != 204:
            # (RFC 9110: never on a 1xx or a 204; for HEAD, GET's length)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    def send_json(self, code, obj):
        self.send(code, json.dumps(obj, sort_keys=True) + "\n", "application/json")

    # --- routing ---------------------------------------------------------

    def handle_any(self):
        try:
            body = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self.send(400, "bad body\n")
            return
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, urllib.parse.parse_qs(url.query)
        with SEEN_LOCK:
            for name in ("authorization", "x-api-key"):
                for v in self.headers.get_all(name) or []:
                    SEEN[name].append(v)
            if path != "/seen":
                SEEN["paths"].append(self.path)

        def q(name, default=None):
            v = query.get(name)
            return v[0] if v else default

        try:
            if path.startswith("/bytes/"):
                n = int(path[len("/bytes/"):])
                if n < 0 or n > 64 << 20:
                    raise ValueError
                self.send(200, b"x" * n)
            elif path == "/echo" or path.startswith("/echo/"):
                hdrs = {}
                for k, v in self.headers.items():
                    k = k.lower()
                    hdrs[k] = hdrs[k] + ", " + v if k in hdrs else v
                self.send_json(200, {
                    "method": self.command,
                    "path": self.path,
                    "headers": hdrs,
                    "header_list": [[k, v] for k, v in self.headers.items()],
                    "body": body.decode("utf-8", "replace"),
                    "body_len": len(body),
                })
            elif path.startswith("/status/"):
                code = int(path[len("/status/"):])
                # 600-999: what no HTTP server should answer (a hostile
                # one does): the worker must turn it into an error
                if code < 100 or code > 999:
                    raise ValueError
                self.send(code, "status %d\n" % code)
            elif path == "/redirect" or path.startswith("/redirect/"):
                to = q("to")
                code = int(q("code", "302"))
                if to is None or code < 300 or code > 399:
                    raise ValueError
                self.send(code, "redirect to %s\n" % to, extra=[("Location", to)])
            elif path == "/slow":
                s = float(q("s", "1"))
                if s < 0 or s > 600:
                    raise ValueError
                time.sleep(s)
                self.send(200, "slept %s\n" % q("s", "1"))
            elif path == "/hdr":
                self.send(200, "headers\n", extra=[
                    ("X-Test", "one"),
                    ("Set-Cookie", "a=1; Path=/"),
                    ("Set-Cookie", "b=2; Path=/"),
                    ("X-Multi", "first"),
                    ("X-Multi", "second"),
                ])
            elif path == "/binary":
                self.send(200, BINARY, "application/octet-stream")
            elif path == "/seen":
                with SEEN_LOCK:
                    snap = json.loads(json.dumps(SEEN))
                self.send_json(200, snap)
            else:
                self.send(404, "not found: %s\n" % path)
        except ValueError:
            self.send(400, "bad request: %s\n" % self.path)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # a client that went away (a timeout, a cut body), a TLS handshake
        # refused by a client that does not trust us: expected in tests
        if VERBOSE:
            super().handle_error(request, client_address)


class TLSServer(Server):
    """Handshakes in the request's thread, never in the accept loop: a
    client that connects and says nothing holds up no one else."""

    def __init__(self, addr, handler, ctx):
        self.ctx = ctx
        super().__init__(addr, handler)

    def process_request_thread(self, request, client_address):
        try:
            request.settimeout(30)
            tls = self.ctx.wrap_socket(request, server_side=True)
            tls.settimeout(None)
        except (ssl.SSLError, OSError) as e:
            if VERBOSE:
                sys.stderr.write("server: TLS handshake from %s: %s\n" % (client_address, e))
            self.shutdown_request(request)
            return
        super().process_request_thread(tls, client_address)


def main():
    global VERBOSE
    ap = argparse.ArgumentParser(description="aksup net.http test server")
    ap.add_argument("--port-file")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    VERBOSE = a.verbose
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        srv = TLSServer((a.bind, 0), Handler, ctx)
    else:
        srv = Server((a.bind, 0), Handler)
    port = srv.server_address[1]
    print(port, flush=True)
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
