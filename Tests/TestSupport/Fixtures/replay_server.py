#!/usr/bin/env python3
"""A local replay of the ClinicalTrials.gov API v2 for the fetch tests (127.0.0.1 only).

    replay_server.py STATE.json LOG.txt

Prints the port it listens on, then serves until killed. STATE.json is read again on every
request, so a test can change the registry between fetches:

    {"studies": [...], "pageSize": 5, "tokens": ["real nextPageToken of page 1", ...],
     "version": {"apiVersion": "...", "dataTimestamp": "..."},
     "faults": {"1": {"status": 429, "retryAfter": "1"}, "4": {"truncate": true},
                "6": {"drop": true}, "8": {"delay": 3}, "9": {"status": 400, "body": "..."}}}

Faults are keyed by the request's number (1-based, every request counted). /api/v2/studies pages
the studies in order, `pageSize` at most per page; page N+1 is reached with `tokens[N]`. It
honours filter.advanced's AREA[LastUpdatePostDate]RANGE[day,MAX] and countTotal. Each request
is appended to LOG.txt as "N GET path?query UA"; each study served is written, exactly as it
stands in its page, to served/NCT….json beside STATE.json.
"""

import json
import os
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE, LOG = sys.argv[1], sys.argv[2]
lock = threading.Lock()
count = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):
        pass

    def send(self, status, body, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        global count
        with lock:
            count += 1
            n = count
            with open(LOG, "a") as f:
                f.write(f"{n} GET {self.path} {self.headers.get('User-Agent', '')}\n")
        state = json.load(open(STATE))
        fault = state.get("faults", {}).get(str(n), {})
        if fault.get("delay"):
            time.sleep(fault["delay"])
        if fault.get("drop"):
            self.close_connection = True
            self.connection.close()
            return
        if fault.get("status"):
            headers = [("Retry-After", fault["retryAfter"])] if "retryAfter" in fault else []
            self.send(fault["status"], fault.get("body", "busy").encode(), headers)
            return
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/api/v2/version":
            body = json.dumps(state.get("version", {})).encode()
        elif url.path == "/api/v2/studies":
            studies = state["studies"]
            m = re.search(r"AREA\[LastUpdatePostDate\]RANGE\[([0-9-]+),MAX\]", q.get("filter.advanced", ""))
            if m:
                def updated(s):
                    status = s.get("protocolSection", {}).get("statusModule", {})
                    return status.get("lastUpdatePostDateStruct", {}).get("date", "")
                studies = [s for s in studies if updated(s) >= m.group(1)]
            size = min(int(q.get("pageSize", "10")), state.get("pageSize", 1000))
            tokens = state.get("tokens", [])
            page = tokens.index(q["pageToken"]) + 1 if "pageToken" in q else 0
            out = {"studies": studies[page * size:(page + 1) * size]}
            if q.get("countTotal") == "true":
                out["totalCount"] = len(studies)
            if (page + 1) * size < len(studies):
                out["nextPageToken"] = tokens[page] if page < len(tokens) else f"page-{page + 1}"
            body = json.dumps(out, ensure_ascii=False, separators=(",", ":")).encode()
            # Each study exactly as it stands in the page, for the tests to compare with.
            served = os.path.join(os.path.dirname(STATE), "served")
            os.makedirs(served, exist_ok=True)
            for s in out["studies"]:
                nct = s["protocolSection"]["identificationModule"]["nctId"]
                with open(os.path.join(served, nct + ".json"), "wb") as f:
                    f.write(json.dumps(s, ensure_ascii=False, separators=(",", ":")).encode())
        else:
            self.send(404, b"not found")
            return
        if fault.get("truncate"):
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.send(200, body)


def exit_with_parent():
    # The test keeps this process's stdin open; when the test process ends (even by a crash),
    # stdin reaches its end and the server goes too, never outliving it.
    sys.stdin.read()
    os._exit(0)


threading.Thread(target=exit_with_parent, daemon=True).start()
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
