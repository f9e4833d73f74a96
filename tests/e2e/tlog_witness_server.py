"""A transparency-log witness that speaks C2SP tlog-witness, for the tests.

Written from the C2SP specifications (tlog-witness, tlog-cosignature, signed-note), not
from the project's board code, standing in for witness software run by others: it knows
one log (origin and note key), keeps the latest checkpoint it co-signed in a JSON file,
and answers POST /add-checkpoint with a cosignature/v1 line. Only the RFC 6962
consistency check is taken from the project (its Merkle code is checked against the
Certificate Transparency vectors).

    python tlog_witness_server.py PORT STATE_FILE WITNESS_NAME WITNESS_SEED_HEX LOG_ORIGIN LOG_VKEY
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pysodium

from referendum.board.errors import BoardVerificationError
from referendum.board.merkle import verify_consistency

_LOCK = threading.Lock()


def _key_id(name: str, alg: int, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public).digest()[:4]


def main() -> None:
    port, state_file, name, seed_hex, log_origin, log_vkey = sys.argv[1:7]
    state = Path(state_file)
    public, secret = pysodium.crypto_sign_seed_keypair(bytes.fromhex(seed_hex))
    witness_id = _key_id(name, 0x04, public)
    log_name, log_id_hex, log_blob = log_vkey.split("+", 2)
    log_raw = base64.b64decode(log_blob)
    assert log_raw[0] == 0x01
    log_public = log_raw[1:]
    log_id = bytes.fromhex(log_id_hex)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _answer(self, status: int, text: str, kind: str = "text/plain") -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            if self.path != "/add-checkpoint":
                self._answer(404, "not found\n")
                return
            body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
            head, _, note = body.partition("\n\n")
            lines = head.split("\n")
            if not lines[0].startswith("old "):
                self._answer(400, "no old size line\n")
                return
            old = int(lines[0][4:])
            proof = [base64.b64decode(x) for x in lines[1:] if x]
            text, _, signatures = note.partition("\n\n")
            checkpoint = text + "\n"
            origin, size_text, root_b64 = text.split("\n")
            size, root = int(size_text), base64.b64decode(root_b64)
            if origin != log_origin:
                self._answer(404, "unknown log\n")
                return
            signed = False
            for line in signatures.splitlines():
                who, _, blob = line[2:].partition(" ")
                raw = base64.b64decode(blob)
                if who == log_name and raw[:4] == log_id and len(raw) == 68:
                    try:
                        pysodium.crypto_sign_verify_detached(
                            raw[4:], checkpoint.encode(), log_public
                        )
                        signed = True
                    except ValueError:
                        pass
            if not signed:
                self._answer(403, "no valid log signature\n")
                return
            if old > size:
                self._answer(400, "old size above the checkpoint's\n")
                return
            with _LOCK:
                known = json.loads(state.read_text()) if state.exists() else {"size": 0}
                if old != known["size"]:
                    self._answer(409, f"{known['size']}\n", "text/x.tlog.size")
                    return
                if old == size and old and base64.b64decode(known["root"]) != root:
                    self._answer(409, f"{known['size']}\n", "text/x.tlog.size")
                    return
                if 0 < old < size:
                    try:
                        verify_consistency(old, size, base64.b64decode(known["root"]), root, proof)
                    except BoardVerificationError:
                        self._answer(422, "consistency proof fails\n")
                        return
                state.write_text(json.dumps({"size": size, "root": root_b64}))
            now = int(time.time())
            message = f"cosignature/v1\ntime {now}\n".encode() + checkpoint.encode()
            signature = pysodium.crypto_sign_detached(message, secret)
            blob = base64.b64encode(witness_id + now.to_bytes(8, "big") + signature).decode()
            self._answer(200, f"\u2014 {name} {blob}\n")

    ThreadingHTTPServer(("127.0.0.1", int(port)), Handler).serve_forever()


if __name__ == "__main__":
    main()
