"""A hostile board for the replica tests: an HTTP server in front of an honest board.

    python tests/e2e/hostile_board.py --upstream URL --board-key FILE --mode-file FILE
        --requests FILE

It holds the board's signing key (read from the operator's board-key.json, as a board
operator gone bad would) and serves the board's read API (GET /api/manifest,
/api/election, /api/board/checkpoint, /api/board/entries) from the honest board's data,
changed as the mode file says. The mode file is read again on every request, so a test
switches the board's behaviour without restarting it (the parties keep one URL):

    {"mode": "honest"}                   everything passed through, POSTs included
    {"mode": "tamper", "index": K}       entry K's payload altered (a hex digit of its
                                         "signature" changed); checkpoints re-signed over
                                         the altered history
    {"mode": "swap", "a": I, "b": J}     entries I and J swapped (another history, each
                                         entry still valid); checkpoints re-signed
    {"mode": "rollback", "size": N}      the board shows only its first N entries, with
                                         its own (honestly signed) checkpoint at N

Outside "honest", POSTs are not passed on (answered 200 {}). Every request is appended
to the requests file as one JSON line {"method", "path", "mode"}, so a test can tell
whether a party posted (a co-signature, say) to the hostile board.

On start it prints one line, "listening on http://127.0.0.1:PORT", then serves until
killed.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from referendum.board import BOARD_KEY, Checkpoint, Entry, SigningKey, sign_checkpoint
from referendum.board.merkle import CompactRange
from referendum.canonical import canonical_json

PAGE = 1000


class Hostile:
    def __init__(self, upstream: str, key: SigningKey, mode_file: Path, requests: Path) -> None:
        self.upstream = upstream.rstrip("/")
        self.key = key
        self.mode_file = mode_file
        self.requests = requests
        self.lock = threading.Lock()
        self.http = httpx.Client(base_url=self.upstream, timeout=60)

    def mode(self) -> dict[str, Any]:
        try:
            value = json.loads(self.mode_file.read_text())
        except FileNotFoundError:
            return {"mode": "honest"}
        return value if isinstance(value, dict) else {"mode": "honest"}

    def note(self, method: str, path: str, mode: str) -> None:
        with self.lock, open(self.requests, "a") as out:
            out.write(json.dumps({"method": method, "path": path, "mode": mode}) + "\n")

    # -- the honest board's data --------------------------------------------------------------

    def upstream_checkpoint(self, size: int | None = None) -> dict[str, Any]:
        params = {} if size is None else {"size": size}
        answer: dict[str, Any] = self.http.get("/api/board/checkpoint", params=params).json()
        return answer

    def upstream_entries(self, size: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while len(out) < size:
            answer = self.http.get(
                "/api/board/entries",
                params={"start": len(out), "limit": min(PAGE, size - len(out))},
            ).json()
            if not answer["entries"]:
                break
            out += answer["entries"]
        return out[:size]

    # -- the history this board shows ------------------------------------------------------------

    def history(self, mode: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        """Gives back (log id, entries) of the history shown in mode."""
        head = self.upstream_checkpoint()
        origin = head["checkpoint"].split("\n", 1)[0]
        size = int(head["size"])
        if mode["mode"] == "rollback":
            size = min(size, int(mode["size"]))
        entries = [dict(e) for e in self.upstream_entries(size)]
        if mode["mode"] == "tamper":
            k = int(mode["index"])
            payload = json.loads(json.dumps(entries[k]["payload"]))
            signature = payload["signature"]
            last = "0" if signature[-1] != "0" else "1"
            payload["signature"] = signature[:-1] + last
            entries[k]["payload"] = payload
        elif mode["mode"] == "swap":
            a, b = int(mode["a"]), int(mode["b"])
            entries[a], entries[b] = entries[b], entries[a]
            for i in (a, b):
                entries[i] = {**entries[i], "index": i}
        return origin, entries

    def signed(self, origin: str, entries: list[dict[str, Any]], size: int) -> dict[str, Any]:
        tree = CompactRange()
        for e in entries[:size]:
            leaf = Entry(origin, e["index"], e["kind"], canonical_json(e["payload"])).leaf_hash()
            tree.append(leaf)
        signed = sign_checkpoint(Checkpoint(origin, size, tree.root()), self.key)
        return {
            "checkpoint": signed.to_text(),
            "size": size,
            "root": signed.checkpoint.root.hex(),
            "cosigned": None,
        }


def handler(board: Hostile) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def send(self, status: int, body: bytes, media: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def answer(self, value: Any) -> None:
            self.send(200, json.dumps(value).encode())

        def problem(self, status: int, detail: str) -> None:
            body = {"type": "about:blank", "title": "error", "status": status, "detail": detail}
            self.send(status, json.dumps(body).encode(), "application/problem+json")

        def forward(self, method: str, body: bytes | None = None) -> None:
            headers = {}
            if body is not None:
                headers["Content-Type"] = self.headers.get("Content-Type", "application/json")
            r = board.http.request(method, self.path, content=body, headers=headers)
            self.send(r.status_code, r.content, r.headers.get("content-type", "text/plain"))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            mode = board.mode()
            board.note("POST", self.path, mode["mode"])
            if mode["mode"] == "honest":
                self.forward("POST", body)
            else:
                self.answer({})

        def do_GET(self) -> None:
            mode = board.mode()
            board.note("GET", self.path, mode["mode"])
            url = urlsplit(self.path)
            if mode["mode"] == "honest" or url.path not in (
                "/api/board/checkpoint",
                "/api/board/entries",
            ):
                self.forward("GET")
                return
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            origin, entries = board.history(mode)
            if url.path == "/api/board/checkpoint":
                size = int(query.get("size", len(entries)))
                if not 0 <= size <= len(entries):
                    self.problem(400, f"size {size}: the board has {len(entries)} entries")
                elif mode["mode"] == "rollback":
                    # The board's own signature on its real prefix: nothing forged.
                    self.answer({**board.upstream_checkpoint(size), "cosigned": None})
                else:
                    self.answer(board.signed(origin, entries, size))
                return
            start, limit = int(query.get("start", 0)), int(query.get("limit", 100))
            if not 1 <= limit <= PAGE:
                self.problem(400, f"limit={limit}: want 1 to {PAGE} entries")
                return
            self.answer({"size": len(entries), "entries": entries[start : start + limit]})

    return Handler


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--upstream", required=True, help="the honest board's URL")
    p.add_argument("--board-key", required=True, help="the operator's board-key.json")
    p.add_argument("--mode-file", required=True, help="JSON file: how to misbehave")
    p.add_argument("--requests", required=True, help="JSON lines file: requests seen")
    p.add_argument("--port", type=int, default=0)
    args = p.parse_args()
    value = json.loads(Path(args.board_key).read_text())
    key = SigningKey(value["name"], BOARD_KEY, bytes.fromhex(value["seed"]))
    board = Hostile(args.upstream, key, Path(args.mode_file), Path(args.requests))
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler(board))
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
