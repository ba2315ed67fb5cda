#!/usr/bin/env python3
"""Editor latency of `acrlint lsp` as an editor sees it.

Drives the release server over stdio on a workspace (default: ../shared/corpus and the
repository's samples/, as two workspace folders), opens a Terraform, a Bicep, an ARM and
a Kubernetes file in turn and edits each N times. For every edit it measures:

  * didChange -> the publishDiagnostics of that document version;
  * a hover sent right after the didChange -> its response.

Prints p50/p95 of both (per file and overall) and the server's peak RSS (VmHWM).

    cargo build --release
    python3 bench/lsp.py [--edits 10] [--server target/release/acrlint] [FOLDER ...]
"""

import argparse
import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent


def uri(path):
    return "file://" + quote(str(path))


class Server:
    def __init__(self, exe, folders):
        self.proc = subprocess.Popen(
            [exe, "lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=folders[0],
        )
        self.inbox = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": uri(folders[0]),
                "workspaceFolders": [{"uri": uri(f), "name": f.name} for f in folders],
                "capabilities": {},
            },
        )
        self.notify("initialized", {})

    def _read(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                k, _, v = line.partition(b":")
                if k.lower() == b"content-length":
                    length = int(v)
            body = out.read(length)
            self.inbox.put((time.perf_counter(), json.loads(body)))

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def send_request(self, method, params):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.next_id

    def wait(self, pred, timeout=600):
        """The first message matching pred (others are dropped), with its arrival time."""
        deadline = time.perf_counter() + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError("no matching message")
            t, m = self.inbox.get(timeout=left)
            if pred(m):
                return t, m

    def request(self, method, params):
        i = self.send_request(method, params)
        return self.wait(lambda m: m.get("id") == i and "method" not in m)[1]

    def peak_rss_mb(self):
        try:
            for line in open(f"/proc/{self.proc.pid}/status"):
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return float("nan")

    def close(self):
        self.request("shutdown", None)
        self.notify("exit", None)
        self.proc.wait(timeout=60)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def pick(folders, suffixes, contains=None):
    """A file with one of the suffixes (and, for JSON/YAML, the text `contains`)."""
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix in suffixes and path.is_file() and ".terraform" not in path.parts:
                if contains is None or contains in path.read_text(errors="replace")[:20000]:
                    return path
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="*", type=Path)
    ap.add_argument("--edits", type=int, default=10, help="edits per file")
    ap.add_argument("--server", default=str(REPO / "target/release/acrlint"))
    ap.add_argument("--files", nargs="*", type=Path, help="the files to edit")
    args = ap.parse_args()
    folders = [f.resolve() for f in args.folders] or [
        (REPO / "../shared/corpus").resolve(),
        (REPO / "samples").resolve(),
    ]
    folders = [f for f in folders if f.is_dir()]
    files = [f.resolve() for f in args.files] if args.files else [
        pick(folders, {".tf"}),
        pick(folders, {".bicep"}),
        pick(folders, {".json"}, "deploymentTemplate.json"),
        pick(folders, {".yaml", ".yml"}, "kind: Deployment"),
    ]
    files = [f for f in files if f]
    print(f"server {args.server}; folders: {', '.join(map(str, folders))}")
    t0 = time.perf_counter()
    s = Server(args.server, folders)
    # The first analysis: wait until something is published, then for quiet.
    s.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics")
    print(f"first diagnostics after {time.perf_counter() - t0:.2f} s")
    all_diag, all_hover = [], []
    for path in files:
        text = path.read_text(errors="replace")
        u = uri(path)
        s.notify("textDocument/didOpen",
                 {"textDocument": {"uri": u, "languageId": "", "version": 1, "text": text}})
        s.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
               and m["params"]["uri"] == u and m["params"].get("version") == 1)
        diag, hover = [], []
        for v in range(2, args.edits + 2):
            # A whitespace edit at the end: valid in every format.
            new = text + "\n" * (v % 3 + 1)
            sent = time.perf_counter()
            s.notify("textDocument/didChange",
                     {"textDocument": {"uri": u, "version": v}, "contentChanges": [{"text": new}]})
            hid = s.send_request("textDocument/hover",
                                 {"textDocument": {"uri": u}, "position": {"line": 0, "character": 0}})
            got_hover = got_diag = None
            while got_hover is None or got_diag is None:
                t, m = s.wait(lambda m: (m.get("id") == hid and "method" not in m) or (
                    m.get("method") == "textDocument/publishDiagnostics"
                    and m["params"]["uri"] == u and m["params"].get("version") == v))
                if m.get("id") == hid:
                    got_hover = t - sent
                else:
                    got_diag = t - sent
            diag.append(got_diag)
            hover.append(got_hover)
        s.notify("textDocument/didClose", {"textDocument": {"uri": u}})
        all_diag += diag
        all_hover += hover
        print(f"{path}: didChange->diagnostics p50 {pct(diag, 50) * 1e3:.0f} ms, "
              f"p95 {pct(diag, 95) * 1e3:.0f} ms; hover p50 {pct(hover, 50) * 1e3:.1f} ms, "
              f"p95 {pct(hover, 95) * 1e3:.1f} ms")
    rss = s.peak_rss_mb()
    s.close()
    print(f"all {len(all_diag)} edits: didChange->diagnostics p50 {pct(all_diag, 50) * 1e3:.0f} ms, "
          f"p95 {pct(all_diag, 95) * 1e3:.0f} ms; hover p50 {pct(all_hover, 50) * 1e3:.1f} ms, "
          f"p95 {pct(all_hover, 95) * 1e3:.1f} ms; server peak RSS {rss:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
