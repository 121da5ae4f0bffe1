#!/usr/bin/env python3
# tests/integration/receiver.py: a webhook receiver for the watcher's
# integration tests, on 127.0.0.1 only. It verifies Standard Webhooks
# signatures and records every request.
#
# Usage: receiver.py [--port N] [--tls CERT KEY] DIR [SECRET_FILE]
#
#   --port N        listen on port N (default: any free port); a receiver
#                   restarted on the port of the one before takes over
#   --tls CERT KEY  speak HTTPS with this certificate and key (PEM)
#
# Files in DIR:
#   port            written (atomically) once it listens: the port number
#   requests.jsonl  one JSON object per request, in order: id, timestamp,
#                   signature, sig_ok, status (what it answered; 0 for a
#                   fault, which is never an answer), fault (or null),
#                   path, body (the parsed JSON), received (time.time())
#   started.log     the webhook-id of each request, as soon as it arrives
#   mode            read on every request, optional; lines of
#                   "status N"        answer N (default 200)
#                   "retry-after V"   send a Retry-After: V header
#                   "location URL"    send a Location: URL header
#                   "delay SECS"      wait before answering
#                   "fault F"         do not answer properly:
#                       hang          read the request, never answer;
#                                     close when the client does (or
#                                     after 120 s)
#                       garbage       write bytes that are not HTTP,
#                                     then close
#                       close-headers close in the middle of the status
#                                     line and headers
#                       close-body    send "200 OK" headers, then close
#                                     in the middle of the body
#                   "count N"         apply this mode to N more requests
#                                     only, then answer 200 (the count is
#                                     kept in DIR/mode.used)
#
# The signature is good when one of the space-separated "v1,<base64>"
# values of webhook-signature is the HMAC-SHA256 of "id.timestamp.body"
# with the key (a "whsec_" secret is the base64 of the key), and the
# timestamp is within five minutes of now.

import argparse
import base64
import hashlib
import hmac
import json
import os
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = argparse.ArgumentParser()
ARGS.add_argument("--port", type=int, default=0)
ARGS.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
ARGS.add_argument("dir")
ARGS.add_argument("secret_file", nargs="?")
ARGS = ARGS.parse_args()
DIR = ARGS.dir
KEY = None
if ARGS.secret_file is not None:
    with open(ARGS.secret_file, "rb") as fh:
        secret = fh.read().strip()
    if secret.startswith(b"whsec_"):
        KEY = base64.b64decode(secret[6:])
    else:
        KEY = secret

LOCK = threading.Lock()


def plain_mode():
    return {"status": 200, "retry-after": None, "location": None,
            "delay": 0.0, "fault": None, "count": None}


def read_mode():
    mode = plain_mode()
    try:
        with open(os.path.join(DIR, "mode")) as fh:
            for line in fh:
                parts = line.split(None, 1)
                if len(parts) != 2:
                    continue
                k, v = parts[0], parts[1].strip()
                if k == "status":
                    mode["status"] = int(v)
                elif k == "retry-after":
                    mode["retry-after"] = v
                elif k == "location":
                    mode["location"] = v
                elif k == "delay":
                    mode["delay"] = float(v)
                elif k == "fault":
                    mode["fault"] = v
                elif k == "count":
                    mode["count"] = int(v)
    except FileNotFoundError:
        pass
    return mode


def sig_ok(msg_id, ts, sig, body):
    if KEY is None or not msg_id or not ts or not sig:
        return False
    try:
        if abs(time.time() - int(ts)) > 300:
            return False
    except ValueError:
        return False
    want = base64.b64encode(hmac.new(
        KEY, msg_id.encode() + b"." + ts.encode() + b"." + body,
        hashlib.sha256).digest()).decode()
    for s in sig.split():
        if s.startswith("v1,") and hmac.compare_digest(s[3:], want):
            return True
    return False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        with LOCK:
            with open(os.path.join(DIR, "started.log"), "a") as fh:
                fh.write("%s\n" % self.headers.get("webhook-id"))
            mode = read_mode()
            if mode["count"] is not None:
                used_path = os.path.join(DIR, "mode.used")
                try:
                    with open(used_path) as fh:
                        used = int(fh.read() or "0")
                except FileNotFoundError:
                    used = 0
                if used >= mode["count"]:
                    mode = plain_mode()
                else:
                    with open(used_path, "w") as fh:
                        fh.write(str(used + 1))
        if mode["delay"]:
            time.sleep(mode["delay"])
        try:
            parsed = json.loads(body.decode("utf-8"))
        except ValueError:
            parsed = None
        msg_id = self.headers.get("webhook-id")
        ts = self.headers.get("webhook-timestamp")
        sig = self.headers.get("webhook-signature")
        fault = mode["fault"]
        rec = {
            "id": msg_id, "timestamp": ts, "signature": sig,
            "sig_ok": sig_ok(msg_id, ts, sig, body),
            "status": 0 if fault else mode["status"], "fault": fault,
            "path": self.path,
            "content_type": self.headers.get("Content-Type"),
            "body": parsed, "raw": body.decode("utf-8", "replace"),
            "received": time.time(),
        }
        with LOCK:
            with open(os.path.join(DIR, "requests.jsonl"), "a") as fh:
                fh.write(json.dumps(rec) + "\n")
                fh.flush()
        if fault:
            self.fault(fault)
            return
        self.send_response(mode["status"])
        if mode["retry-after"] is not None:
            self.send_header("Retry-After", mode["retry-after"])
        if mode["location"] is not None:
            self.send_header("Location", mode["location"])
        self.send_header("Content-Length", "0")
        self.end_headers()

    def fault(self, fault):
        """Misbehaves as the mode says, then drops the connection."""
        self.close_connection = True
        try:
            if fault == "hang":
                self.connection.settimeout(120)
                while self.connection.recv(4096):
                    pass
            elif fault == "garbage":
                self.wfile.write(b"\x00\xffSSH-2.0-not-http \x1b[0m\r\n"
                                 b"\xde\xad\xbe\xef" * 64 + b"\r\n\r\n")
            elif fault == "close-headers":
                self.wfile.write(b"HTTP/1.1 20")
            elif fault == "close-body":
                self.wfile.write(b"HTTP/1.1 200 OK\r\n"
                                 b"Content-Length: 100\r\n\r\npart")
            self.wfile.flush()
        except OSError:
            pass
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    srv.daemon_threads = True
    if ARGS.tls is not None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ARGS.tls[0], ARGS.tls[1])
        # A failed handshake (the client refusing the certificate) is
        # the client's business; the server goes on.
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = os.path.join(DIR, "port.tmp")
    with open(tmp, "w") as fh:
        fh.write("%d\n" % srv.server_address[1])
    os.rename(tmp, os.path.join(DIR, "port"))
    srv.serve_forever()


if __name__ == "__main__":
    main()
