#!/usr/bin/env python3
# tests/integration/receiver.py: a webhook receiver for the watcher's
# integration tests, on 127.0.0.1 only. It verifies Standard Webhooks
# signatures and records every request.
#
# Usage: receiver.py DIR [SECRET_FILE]
#
# Files in DIR:
#   port            written (atomically) once it listens: the port number
#   requests.jsonl  one JSON object per request, in order: id, timestamp,
#                   signature, sig_ok, status (what it answered), path,
#                   body (the parsed JSON), received (time.time())
#   started.log     the webhook-id of each request, as soon as it arrives
#   mode            read on every request, optional; lines of
#                   "status N"        answer N (default 200)
#                   "retry-after V"   send a Retry-After: V header
#                   "delay SECS"      wait before answering
#                   "count N"         apply this mode to N more requests
#                                     only, then answer 200 (the count is
#                                     kept in DIR/mode.used)
#
# The signature is good when one of the space-separated "v1,<base64>"
# values of webhook-signature is the HMAC-SHA256 of "id.timestamp.body"
# with the key (a "whsec_" secret is the base64 of the key), and the
# timestamp is within five minutes of now.

import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1]
KEY = None
if len(sys.argv) > 2:
    with open(sys.argv[2], "rb") as fh:
        secret = fh.read().strip()
    if secret.startswith(b"whsec_"):
        KEY = base64.b64decode(secret[6:])
    else:
        KEY = secret

LOCK = threading.Lock()


def read_mode():
    mode = {"status": 200, "retry-after": None, "delay": 0.0, "count": None}
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
                elif k == "delay":
                    mode["delay"] = float(v)
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
                    mode = {"status": 200, "retry-after": None,
                            "delay": 0.0}
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
        rec = {
            "id": msg_id, "timestamp": ts, "signature": sig,
            "sig_ok": sig_ok(msg_id, ts, sig, body),
            "status": mode["status"], "path": self.path,
            "content_type": self.headers.get("Content-Type"),
            "body": parsed, "raw": body.decode("utf-8", "replace"),
            "received": time.time(),
        }
        with LOCK:
            with open(os.path.join(DIR, "requests.jsonl"), "a") as fh:
                fh.write(json.dumps(rec) + "\n")
                fh.flush()
        self.send_response(mode["status"])
        if mode["retry-after"] is not None:
            self.send_header("Retry-After", mode["retry-after"])
        self.send_header("Content-Length", "0")
        self.end_headers()


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    tmp = os.path.join(DIR, "port.tmp")
    with open(tmp, "w") as fh:
        fh.write("%d\n" % srv.server_address[1])
    os.rename(tmp, os.path.join(DIR, "port"))
    srv.serve_forever()


if __name__ == "__main__":
    main()
