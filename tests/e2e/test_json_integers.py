"""Every integer field of every message refuses JSON true and false (issue 11, item 5).

Python reads true and false as 1 and 0. For each kind of board entry in a demo record,
each integer in its payload (the first occurrence of each field path) is replaced by
true, then by false; signed messages are signed again with the demo's own keys
(re-derived from its seed), so the signature holds and only the type can fail. The
verifier must refuse the record at exactly that entry, and not for its signature.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from referendum import demo
from referendum.canonical import canonical_json
from referendum.ceremony import TrusteeKeys
from referendum.errors import VerificationError
from referendum.group import SeededRandom
from referendum.manifest import Manifest
from referendum.signing import Ed25519Key, sign_message
from referendum.verifier import verify_record

SEED = "integers"
#: Kinds signed by a voter's credential (its code is not in the record): their one
#: integer, a challenge's revealed vote, is tested in tests/unit/test_ballot.py.
_VOTERS = ("ballot", "spoiled")


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("integers") / "record"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(demo, "CHALLENGE", 0.25)
        assert demo.run_demo(voters=12, seed=SEED, record=str(folder), jobs=1) == 0
    return folder


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Gives back the path of every integer (not bool) in a JSON value."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*path, i))
    elif isinstance(value, int) and not isinstance(value, bool):
        yield path


def _pattern(kind: str, path: tuple[Any, ...]) -> str:
    return kind + ":" + ".".join("*" if isinstance(p, int) else str(p) for p in path)


def _set(value: Any, path: tuple[Any, ...], new: Any) -> None:
    for p in path[:-1]:
        value = value[p]
    value[path[-1]] = new


def _signer(kind: str, payload: dict[str, Any]) -> Ed25519Key | None:
    if kind.startswith("credentials"):
        return Ed25519Key.generate(SeededRandom(f"demo/{SEED}/registrar"))
    if kind.startswith("ceremony.") or kind == "decryption":
        index = payload.get("trustee", payload.get("dealer", payload.get("from")))
        keys = TrusteeKeys.generate(SeededRandom(f"demo/{SEED}/trustee-keys/{index}"))
        return keys.signing
    return None  # the operator's own entries carry no signature


def _cases(record: Path) -> list[tuple[int, str, tuple[Any, ...]]]:
    lines = [json.loads(x) for x in (record / "board.jsonl").read_text().splitlines()]
    seen: set[str] = set()
    cases = []
    for line in lines:
        if line["kind"] in _VOTERS or line["kind"] == "manifest":
            continue
        for path in _paths(line["payload"]):
            name = _pattern(line["kind"], path)
            if name not in seen:
                seen.add(name)
                cases.append((line["index"], name, path))
    return cases


def test_the_demo_record_has_integers_in_every_kind_of_party_message(record: Path) -> None:
    names = {name.split(":")[0] for _, name, _ in _cases(record)}
    assert {"credentials", "credentials.close", "decryption", "voting.close", "tally"} <= names
    assert {"results", "ceremony.shares"} <= names


@pytest.mark.parametrize("value", [True, False])
def test_true_and_false_are_refused_in_every_integer_field(
    record: Path, tmp_path: Path, value: bool
) -> None:
    manifest = Manifest.from_json(json.loads((record / "manifest.json").read_text()))
    lines = [json.loads(x) for x in (record / "board.jsonl").read_text().splitlines()]
    failures = []
    for index, name, path in _cases(record):
        copy = tmp_path / f"{index}-{re.sub(r'[^a-z0-9]+', '-', name)}"
        shutil.copytree(record, copy)
        changed = json.loads(json.dumps(lines[index]))
        payload = changed["payload"]
        key = _signer(changed["kind"], payload)
        _set(payload, path, value)
        if key is not None:
            body = {k: v for k, v in payload.items() if k != "signature"}
            signed_kind = changed["kind"]
            payload = sign_message(key, manifest.fingerprint, signed_kind, body)
            changed["payload"] = payload
        rows = [*lines[:index], changed, *lines[index + 1 :]]
        (copy / "board.jsonl").write_bytes(b"".join(canonical_json(r) + b"\n" for r in rows))
        try:
            verify_record(copy, jobs=1, progress=False)
        except VerificationError as exc:
            message = str(exc)
            # A decryption that fails its checks is kept and rejected (section 14.2), so
            # the record fails at the results, which still count it among the valid.
            rejected = changed["kind"] == "decryption" and "(results): results" in message
            if rejected:
                assert "recomputed" in message, message
            elif f"board entry {index} " not in message or "signature" in message:
                failures.append(f"{name} = {value}: refused elsewhere: {message}")
        else:
            failures.append(f"{name} = {value}: accepted")
        shutil.rmtree(copy)
    assert not failures, "\n".join(failures)
