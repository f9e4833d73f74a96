"""Writes vectors/checkpoint/cosignature.json and vectors/merkle/board_example.json.

Run: .venv/bin/python scripts/make_checkpoint_vectors.py   (rewrites both files)

The files are committed and then fixed: tests/vectors/test_checkpoint_vectors.py and
tests/board/test_board_checkpoint.py check the Python code against them, and
web/test/checkpoint.test.js the JavaScript. Rerun this only when protocol.md section 7.4
changes, and say so in the commit.

The signatures are built here with hashlib and libsodium from the byte layout of
protocol.md 7.4 (not with referendum.board), so the vectors check the code rather than
repeat it. Every case has `desc` and `want_err`: null for a valid case, "decode" when the
checkpoint text or the key text must be refused as it is read, "invalid" when both read
fine and the signature by `key` must not verify. Keys come from fixed seeds written in
the files (never do this in a referendum).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pysodium

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "vectors" / "checkpoint" / "cosignature.json"
EXAMPLE = ROOT / "vectors" / "merkle" / "board_example.json"

BOARD_TYPE = 0x01
WITNESS_TYPE = 0x04
OLD_WITNESS_TYPE = 0x81  # referendum's co-signature key type before cosignature/v1
DASH = "\u2014 "

# c2sp.org/tlog-cosignature, the example of its "Format" section. The spec publishes no
# public key for it, so only the framing and the signed message can be checked.
SPEC_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SPEC_LOG_LINE = (
    "example.com/behind-the-sofa"
    " Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8="
)
SPEC_WITNESS_LINE = (
    "witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2"
    "oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA=="
)


class Key:
    """A named Ed25519 key of one key type, from a fixed seed (protocol.md 7.4.3)."""

    def __init__(self, name: str, key_type: int, seed: bytes) -> None:
        self.name, self.key_type, self.seed = name, key_type, seed
        self.public, self.secret = pysodium.crypto_sign_seed_keypair(seed)
        material = name.encode() + b"\n" + bytes([key_type]) + self.public
        self.key_id = hashlib.sha256(material).digest()[:4]

    def text(self) -> str:
        blob = base64.b64encode(bytes([self.key_type]) + self.public).decode()
        return f"{self.name}+{self.key_id.hex()}+{blob}"

    def sign(self, message: bytes) -> bytes:
        signature: bytes = pysodium.crypto_sign_detached(message, self.secret)
        return signature

    def json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "key_type": self.key_type,
            "seed_hex": self.seed.hex(),
            "verifier": self.text(),
        }


BOARD = Key("board.example", BOARD_TYPE, bytes(32))
WITNESS = Key("witness.example", WITNESS_TYPE, bytes([1]) * 32)
TIME = 1767225600  # 2026-01-01T00:00:00Z


def body(origin: str, size: int, root: bytes) -> bytes:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n".encode()


def cosignature_message(checkpoint_body: bytes, timestamp: int) -> bytes:
    return b"cosignature/v1\ntime " + str(timestamp).encode() + b"\n" + checkpoint_body


def line(name: str, blob: bytes) -> str:
    return f"{DASH}{name} {base64.b64encode(blob).decode()}\n"


def board_line(checkpoint_body: bytes) -> str:
    return line(BOARD.name, BOARD.key_id + BOARD.sign(checkpoint_body))


def cosignature_blob(key: Key, checkpoint_body: bytes, timestamp: int) -> bytes:
    signature = key.sign(cosignature_message(checkpoint_body, timestamp))
    return key.key_id + timestamp.to_bytes(8, "big") + signature


def signed(checkpoint_body: bytes, *lines: str) -> str:
    return checkpoint_body.decode() + "\n" + "".join(lines)


def described(name: str, blob: bytes) -> dict[str, Any]:
    if len(blob) == 68:
        return {
            "name": name,
            "key_id_hex": blob[:4].hex(),
            "timestamp": None,
            "signature_hex": blob[4:].hex(),
        }
    return {
        "name": name,
        "key_id_hex": blob[:4].hex(),
        "timestamp": str(int.from_bytes(blob[4:12], "big")),
        "signature_hex": blob[12:].hex(),
    }


def cases() -> list[dict[str, Any]]:
    root = hashlib.sha256(b"cosignature vectors").digest()
    b = body("referendum/vectors", 5, root)
    blob = cosignature_blob(WITNESS, b, TIME)
    good = signed(b, board_line(b), line(WITNESS.name, blob))
    board_blob = BOARD.key_id + BOARD.sign(b)
    sigs = [described(BOARD.name, board_blob), described(WITNESS.name, blob)]
    out: list[dict[str, Any]] = []

    def case(desc: str, text: str, key: str | None, want_err: str | None, **extra: Any) -> None:
        out.append({"desc": desc, "checkpoint": text, "key": key, "want_err": want_err, **extra})

    case(
        "a board signature (68 bytes) and a witness co-signature (76 bytes); the witness key"
        " verifies the co-signature over its exact message",
        good,
        WITNESS.text(),
        None,
        signatures=sigs,
        message_hex=cosignature_message(b, TIME).hex(),
    )
    case(
        "the same text; the board key verifies its signature over the body alone",
        good,
        BOARD.text(),
        None,
        signatures=sigs,
        message_hex=b.hex(),
    )
    for stamp, what in ((0, "time 0 is written '0'"), (2**63 - 1, "the largest time, 2^63-1")):
        edge = cosignature_blob(WITNESS, b, stamp)
        case(
            f"a co-signature at {what}",
            signed(b, board_line(b), line(WITNESS.name, edge)),
            WITNESS.text(),
            None,
            signatures=[described(BOARD.name, board_blob), described(WITNESS.name, edge)],
            message_hex=cosignature_message(b, stamp).hex(),
        )
    spec_blob = base64.b64decode(SPEC_WITNESS_LINE.split(" ")[1])
    spec_log_blob = base64.b64decode(SPEC_LOG_LINE.split(" ")[1])
    case(
        "c2sp.org/tlog-cosignature's example: a 68-byte log signature and a 76-byte"
        " co-signature (key id 8d66cf3f, time 1679315147). The spec gives no public key, so"
        " this checks the parsing and the message a verifier would check, not the signature",
        SPEC_BODY + "\n" + DASH + SPEC_LOG_LINE + "\n" + DASH + SPEC_WITNESS_LINE + "\n",
        None,
        None,
        signatures=[
            described("example.com/behind-the-sofa", spec_log_blob),
            described("witness.example.com/w1", spec_blob),
        ],
        message_hex=cosignature_message(SPEC_BODY.encode(), 1679315147).hex(),
    )
    for size in (67, 69, 75, 77, 84):
        raw = (blob + bytes(16))[:size]
        case(
            f"a signature blob of {size} bytes (only 68 and 76 exist)",
            signed(b, board_line(b), line(WITNESS.name, raw)),
            None,
            "decode",
        )
    for stamp in (2**63, 2**64 - 1):
        raw = blob[:4] + stamp.to_bytes(8, "big") + blob[12:]
        case(
            f"a co-signature time of {stamp}, above 2^63-1",
            signed(b, board_line(b), line(WITNESS.name, raw)),
            None,
            "decode",
        )
    old = Key(WITNESS.name, OLD_WITNESS_TYPE, WITNESS.seed)
    old_blob = old.key_id + old.sign(b"referendum/cosignature/v1\n" + b)
    case(
        "a witness key of the old type 0x81 (referendum/cosignature/v1 without a time) is"
        " not a key type of section 7.4.3",
        signed(b, board_line(b), line(old.name, old_blob)),
        old.text(),
        "decode",
    )
    tampered = blob[:4] + (TIME + 1).to_bytes(8, "big") + blob[12:]
    case(
        "the co-signature's time changed by one second: its signature fails",
        signed(b, board_line(b), line(WITNESS.name, tampered)),
        WITNESS.text(),
        "invalid",
        signatures=[described(BOARD.name, board_blob), described(WITNESS.name, tampered)],
        message_hex=cosignature_message(b, TIME + 1).hex(),
    )
    other = body("referendum/vectors", 6, root)
    moved = cosignature_blob(WITNESS, other, TIME)
    case(
        "a co-signature of another tree (size 6) pasted under this body",
        signed(b, board_line(b), line(WITNESS.name, moved)),
        WITNESS.text(),
        "invalid",
        signatures=[described(BOARD.name, board_blob), described(WITNESS.name, moved)],
        message_hex=cosignature_message(b, TIME).hex(),
    )
    padded = WITNESS.key_id + TIME.to_bytes(8, "big")
    padded += WITNESS.sign(b"cosignature/v1\ntime 0" + str(TIME).encode() + b"\n" + b)
    case(
        "the witness signed its time with a leading zero: not the message of 7.4.4",
        signed(b, board_line(b), line(WITNESS.name, padded)),
        WITNESS.text(),
        "invalid",
        signatures=[described(BOARD.name, board_blob), described(WITNESS.name, padded)],
        message_hex=cosignature_message(b, TIME).hex(),
    )
    untimed = WITNESS.key_id + WITNESS.sign(b)
    case(
        "a 68-byte line under the witness key (a plain signed-note signature of the body):"
        " a witness key needs the 76-byte co-signature",
        signed(b, board_line(b), line(WITNESS.name, untimed)),
        WITNESS.text(),
        "invalid",
        signatures=[described(BOARD.name, board_blob), described(WITNESS.name, untimed)],
    )
    as_board = Key(BOARD.name, WITNESS_TYPE, BOARD.seed)
    timed = BOARD.key_id + TIME.to_bytes(8, "big")
    timed += as_board.sign(cosignature_message(b, TIME))
    case(
        "a 76-byte line under the board key: the board key needs the 68-byte form",
        signed(b, line(BOARD.name, timed)),
        BOARD.text(),
        "invalid",
        signatures=[described(BOARD.name, timed)],
    )
    return out


def board_example() -> dict[str, Any]:
    """The worked example of protocol.md 7.2.2, 7.3.1 and 7.4 (one entry, one checkpoint)."""
    log_id, payload = "referendum/2026", b'{"v":1}'
    kind = b"ballot"
    encoding = (
        bytes([1, len(log_id)])
        + log_id.encode()
        + (0).to_bytes(8, "big")
        + bytes([len(kind)])
        + kind
        + len(payload).to_bytes(4, "big")
        + payload
    )
    leaf = hashlib.sha256(b"\x00" + encoding).digest()
    b = body(log_id, 1, leaf)
    text = signed(b, board_line(b), line(WITNESS.name, cosignature_blob(WITNESS, b, TIME)))
    return {
        "desc": "Worked example of docs/protocol.md sections 7.2.2, 7.3.1 and 7.4: one entry,"
        " its encoding and leaf hash, the checkpoint of the one-entry log signed by the board"
        " (68-byte line) and co-signed by a witness at cosignature_time (76-byte"
        " cosignature/v1 line), and both verifier keys. Built by"
        " scripts/make_checkpoint_vectors.py with hashlib and libsodium from the spec's byte"
        " layout (Ed25519 is deterministic); a regression and interoperability vector.",
        "entry": {"log_id": log_id, "index": 0, "kind": "ballot", "payload_hex": payload.hex()},
        "encoding_hex": encoding.hex(),
        "leaf_hash_hex": leaf.hex(),
        "board_key": BOARD.json(),
        "witness_key": WITNESS.json(),
        "cosignature_time": TIME,
        "signed_checkpoint": text,
    }


def main() -> None:
    document = {
        "desc": "Checkpoint signature lines (docs/protocol.md 7.4.2-7.4.4): the board's"
        " 68-byte signed-note Ed25519 line and a witness's 76-byte C2SP cosignature/v1"
        " line (key id || u64 big-endian time || Ed25519 signature of 'cosignature/v1\\n'"
        " 'time <decimal>\\n' || body). `key` is the verifier key text to check (null: parse"
        " only); `signatures` what the text parses into (a co-signature's time as decimal"
        " text, since it may exceed 2^53); `message_hex` the exact bytes the"
        " line by `key` (or, with no key, the last line) is a signature of.",
        "keys": {"board": BOARD.json(), "witness": WITNESS.json()},
        "cases": cases(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    for path, value in ((OUT, document), (EXAMPLE, board_example())):
        path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print("wrote", path.relative_to(ROOT))


if __name__ == "__main__":
    main()
