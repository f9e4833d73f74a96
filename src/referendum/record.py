"""The election record: the folder anyone downloads to verify a referendum.

docs/record.md documents every file and field; docs/protocol.md section 15 says how it
is checked. The record is the board (every entry, in order), the manifest, and the
checkpoints signed by the board and co-signed by witnesses. Everything else a verifier
needs it recomputes from those.

    record.json        {"format": "referendum-record/5", "referendum": id,
                        "fingerprint": hex, "entries": n}
    manifest.json      the canonical manifest (the payload of board entry 0)
    board.jsonl        one line per board entry: {"index", "kind", "payload"}
    checkpoints.jsonl  one line per signed checkpoint: {"checkpoint": signed-note text},
                       witnesses' lines being timestamped cosignature/v1 co-signatures
    results.json       the payload of the results entry, when there is one (a copy)

Pure file handling, no store code, so the independent verifier can use it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from referendum.canonical import JsonFormatError, canonical_json, is_json_int, parse_json

__all__ = [
    "FORMAT",
    "RecordEntry",
    "RecordFormatError",
    "RecordReader",
    "write_record",
]

FORMAT = "referendum-record/5"
# What changed since each older version, which these rules therefore cannot check.
_OLD_FORMATS = {
    # co-signatures of key type 0x81 without a time (before protocol.md 7.4.4 adopted
    # C2SP cosignature/v1)
    "referendum-record/1": "witness co-signatures without times",
    # every option encrypted, also an exactly-k question's last one (before 12.2's
    # encrypted selections)
    "referendum-record/2": "ballots encrypting every option",
    # one quorum of all trustees, a ceremony without deadlines (before 9.2.2's policy
    # over trustee groups and 11's per-clause key generation and ceremony.close)
    "referendum-record/3": "a single quorum instead of a policy over trustee groups",
    # one code per voter from a single registrar, Ed25519 keys from a seed (before 10's
    # credentials co-issued by several registrars, committed before they are shown)
    "referendum-record/4": "credentials issued by a single registrar",
}
FILES = ("record.json", "manifest.json", "board.jsonl", "checkpoints.jsonl")


class RecordFormatError(ValueError):
    """A record file is missing or cannot be read as the format says; names file and line."""


@dataclass(frozen=True, slots=True)
class RecordEntry:
    """One line of board.jsonl: where it is, and what it says."""

    line: int
    index: int
    kind: str
    payload: Any
    raw: bytes  # the line as written, without its newline


def write_record(
    folder: Path,
    *,
    manifest: dict[str, Any],
    fingerprint: bytes,
    entries: Iterable[tuple[int, str, bytes]],
    checkpoints: Iterable[str],
    results: dict[str, Any] | None,
) -> Path:
    """Gives back folder after writing the record there (a new or empty folder).

    entries are (index, kind, canonical payload bytes) as the board stores them. Files are
    written into a temporary folder beside it and moved in place at the end, so a failed
    export never leaves half a record under the final name.
    """
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise FileExistsError(f"{folder} exists and is not an empty folder")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        # mkdtemp makes the folder private (0700); the record is for everyone to read.
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)
        count = 0
        with open(tmp / "board.jsonl", "wb") as out:
            for index, kind, payload in entries:
                line = b'{"index":%d,"kind":%s,"payload":%s}\n' % (
                    index,
                    canonical_json(kind),
                    payload,
                )
                out.write(line)
                count += 1
        with open(tmp / "checkpoints.jsonl", "wb") as out:
            for text in checkpoints:
                out.write(canonical_json({"checkpoint": text}) + b"\n")
        (tmp / "manifest.json").write_bytes(canonical_json(manifest) + b"\n")
        head = {
            "format": FORMAT,
            "referendum": manifest["id"],
            "fingerprint": fingerprint.hex(),
            "entries": count,
        }
        (tmp / "record.json").write_bytes(canonical_json(head) + b"\n")
        if results is not None:
            (tmp / "results.json").write_bytes(canonical_json(results) + b"\n")
        if folder.exists():
            folder.rmdir()
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


class RecordReader:
    """Reads a record folder lazily; RecordFormatError for anything it cannot read."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise RecordFormatError(f"{self.folder}: no such record folder")
        for name in FILES:
            if not (self.folder / name).is_file():
                raise RecordFormatError(f"{self.folder / name}: missing from the record")

    def _read_json(self, name: str) -> Any:
        path = self.folder / name
        try:
            return parse_json(path.read_bytes(), str(path))
        except JsonFormatError as exc:
            raise RecordFormatError(str(exc)) from None
        except OSError as exc:
            raise RecordFormatError(f"{path}: {exc.strerror}") from None

    def head(self) -> dict[str, Any]:
        """Gives back record.json, checked for its format."""
        head = self._read_json("record.json")
        path = self.folder / "record.json"
        found = head.get("format") if isinstance(head, dict) else None
        if isinstance(found, str) and found in _OLD_FORMATS:
            raise RecordFormatError(
                f"{path}: format {found} is an older version of the record"
                f" ({_OLD_FORMATS[found]}); this verifier reads {FORMAT} only"
            )
        if not isinstance(head, dict) or found != FORMAT:
            raise RecordFormatError(f"{path}: format is not {FORMAT}")
        fields = {"format", "referendum", "fingerprint", "entries"}
        if set(head) != fields:
            raise RecordFormatError(f"{path}: want exactly the fields {', '.join(sorted(fields))}")
        if not isinstance(head["referendum"], str) or not isinstance(head["fingerprint"], str):
            raise RecordFormatError(f"{path}: referendum and fingerprint must be text")
        if not is_json_int(head["entries"]) or head["entries"] < 0:
            raise RecordFormatError(f"{path}: entries must be a non-negative integer")
        return head

    def manifest(self) -> Any:
        """Gives back the parsed manifest.json (not yet validated as a manifest)."""
        return self._read_json("manifest.json")

    def results(self) -> Any | None:
        """Gives back results.json, or None when the record has none."""
        if not (self.folder / "results.json").is_file():
            return None
        return self._read_json("results.json")

    def raw(self, name: str) -> bytes:
        """Gives back a record file's bytes as they are (for the canonical-form check)."""
        path = self.folder / name
        try:
            return path.read_bytes()
        except OSError as exc:
            raise RecordFormatError(f"{path}: {exc.strerror}") from None

    def _lines(self, name: str) -> Iterator[tuple[int, Any, bytes]]:
        path = self.folder / name
        try:
            with open(path, "rb") as f:
                for number, raw in enumerate(f, start=1):
                    if not raw.strip():
                        raise RecordFormatError(f"{path} line {number}: empty line")
                    try:
                        value = parse_json(raw, f"{path} line {number}")
                    except JsonFormatError as exc:
                        raise RecordFormatError(str(exc)) from None
                    yield number, value, raw.rstrip(b"\n")
        except OSError as exc:
            raise RecordFormatError(f"{path}: {exc.strerror}") from None

    def entries(self) -> Iterator[RecordEntry]:
        """Gives back board.jsonl's entries in file order, streamed."""
        path = self.folder / "board.jsonl"
        for number, value, raw in self._lines("board.jsonl"):
            if not isinstance(value, dict) or set(value) != {"index", "kind", "payload"}:
                raise RecordFormatError(
                    f"{path} line {number}: want an object with index, kind and payload"
                )
            index, kind = value["index"], value["kind"]
            if not is_json_int(index) or not isinstance(kind, str):
                raise RecordFormatError(f"{path} line {number}: index or kind has the wrong type")
            yield RecordEntry(number, index, kind, value["payload"], raw)

    def checkpoints(self) -> list[tuple[int, str, bytes]]:
        """Gives back (line, signed-note text, raw line) for each line of checkpoints.jsonl."""
        path = self.folder / "checkpoints.jsonl"
        result = []
        for number, value, raw in self._lines("checkpoints.jsonl"):
            if not isinstance(value, dict) or set(value) != {"checkpoint"}:
                raise RecordFormatError(f'{path} line {number}: want {{"checkpoint": text}}')
            if not isinstance(value["checkpoint"], str):
                raise RecordFormatError(f"{path} line {number}: checkpoint must be text")
            result.append((number, value["checkpoint"], raw))
        return result
