"""Every kind of tampering with an election record makes the verifier fail, naming it.

One small demo referendum (with re-votes, challenges and an absent trustee) makes the
record; each test changes one thing in a copy and checks the first failed check.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from referendum import demo
from referendum.ballot import encrypt_ballot
from referendum.canonical import canonical_json
from referendum.cli import main
from referendum.errors import VerificationError
from referendum.group import RISTRETTO255 as G
from referendum.group import SeededRandom
from referendum.manifest import Manifest
from referendum.record import RecordFormatError
from referendum.signing import Ed25519Key
from referendum.verifier import verify_record

Lines = list[dict[str, Any]]


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tamper") / "record"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(demo, "CHALLENGE", 0.25)
        mp.setattr(demo, "REVOTE", 0.25)
        status = demo.run_demo(voters=24, seed="tamper", record=str(folder), jobs=1)
    assert status == 0
    return folder


@pytest.fixture
def copy(record: Path, tmp_path: Path) -> Path:
    target = tmp_path / "record"
    shutil.copytree(record, target)
    return target


def read(folder: Path) -> Lines:
    return [json.loads(x) for x in (folder / "board.jsonl").read_text().splitlines()]


def write(folder: Path, lines: Lines, *, renumber: bool = False) -> None:
    if renumber:
        for i, line in enumerate(lines):
            line["index"] = i
    text = "".join(canonical_json(x).decode() + "\n" for x in lines)
    (folder / "board.jsonl").write_text(text)


def first(lines: Lines, kind: str, skip: int = 0) -> int:
    return [i for i, x in enumerate(lines) if x["kind"] == kind][skip]


def fails(folder: Path, pattern: str) -> str:
    with pytest.raises(VerificationError) as info:
        verify_record(folder, jobs=1, progress=False)
    message = str(info.value)
    print(f"\n{message}")
    assert re.search(pattern, message), message
    return message


def test_the_untouched_record_verifies(record: Path) -> None:
    report = verify_record(record, jobs=1, progress=False)
    assert report.results is not None
    assert report.counts["spoiled"] >= 1  # the demo made challenges...
    lines = read(record)
    creds = [x["payload"]["credential"] for x in lines if x["kind"] == "ballot"]
    assert len(creds) > len(set(creds))  # ...and re-votes
    assert 1 not in report.results.trustees  # trustee 1 stayed away from the count


def test_a_dropped_ballot(copy: Path) -> None:
    lines = read(copy)
    del lines[first(lines, "ballot", 2)]
    write(copy, lines)
    fails(copy, r"board\.jsonl line \d+: board entry \d+ \(\w+\): index \d+, expected \d+")


def test_a_dropped_ballot_with_the_rest_renumbered(copy: Path) -> None:
    lines = read(copy)
    del lines[first(lines, "ballot", 2)]
    write(copy, lines, renumber=True)
    fails(copy, r"voting\.close.*says \d+ ballots, the board has \d+")


def test_an_added_ballot_from_an_unregistered_credential(copy: Path) -> None:
    lines = read(copy)
    manifest = Manifest.from_json(json.loads((copy / "manifest.json").read_text()))
    key = G.element(bytes.fromhex(lines[first(lines, "voting.open")]["payload"]["public_key"]))
    forged = encrypt_ballot(
        manifest, key, "kherson", {"status": [0, 1]}, Ed25519Key(b"\x07" * 32), SeededRandom(1)
    )
    at = first(lines, "voting.close")
    lines.insert(at, {"index": at, "kind": "ballot", "payload": forged.payload})
    write(copy, lines, renumber=True)
    fails(copy, rf"line {at + 1}: board entry {at} \(ballot\): credential \w+… is not registered")


def test_an_altered_ballot(copy: Path) -> None:
    lines = read(copy)
    at = first(lines, "ballot", 1)
    selection = lines[at]["payload"]["questions"][0]["selections"][0]
    selection["alpha"], selection["beta"] = selection["beta"], selection["alpha"]
    write(copy, lines)
    fails(copy, rf"line {at + 1}: board entry {at} \(ballot\)")


def test_two_ballots_swapped(copy: Path) -> None:
    lines = read(copy)
    a, b = first(lines, "ballot", 1), first(lines, "ballot", 2)
    lines[a], lines[b] = lines[b], lines[a]
    write(copy, lines, renumber=True)
    fails(
        copy, r"do not hash to the signed root: an entry was altered, added, dropped or reordered"
    )


def test_a_ballot_replaced_by_a_copy_of_another(copy: Path) -> None:
    lines = read(copy)
    a, b = first(lines, "ballot", 1), first(lines, "ballot", 3)
    lines[b]["payload"] = lines[a]["payload"]
    write(copy, lines)
    fails(copy, rf"board entry {b} \(ballot\): repeats the ballot of board entry {a}")


def test_a_ballot_moved_to_another_region(copy: Path) -> None:
    lines = read(copy)
    at = first(lines, "ballot")
    payload = lines[at]["payload"]
    payload["region"] = next(r for r in ("donetsk", "luhansk") if r != payload["region"])
    write(copy, lines)
    fails(copy, rf"board entry {at} \(ballot\)")


def test_a_challenged_ballot_that_lies_about_its_content(copy: Path) -> None:
    lines = read(copy)
    at = first(lines, "spoiled")
    selections = lines[at]["payload"]["reveal"][0]["selections"]
    for s in selections:
        s["vote"] = 1 - s["vote"]
    write(copy, lines)
    fails(copy, rf"board entry {at} \(spoiled\)")


def test_a_forged_credential_in_the_roll(copy: Path) -> None:
    lines = read(copy)
    at = first(lines, "credentials")
    lines[at]["payload"]["keys"][0] = "ab" * 32
    write(copy, lines)
    fails(copy, rf"board entry {at} \(credentials\).*(signature|registrar)")


def test_a_wrong_decryption_share(copy: Path) -> None:
    lines = read(copy)
    at = first(lines, "decryption")
    payload = lines[at]["payload"]
    share = payload["clauses"][0]["regions"][0]["questions"][0]["shares"][0]
    share["share"] = G.generator.to_bytes().hex()
    write(copy, lines)
    fails(copy, rf"board entry {at} \(decryption\).*trustee {payload['trustee']}")


def test_a_changed_manifest_text(copy: Path) -> None:
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["questions"][0]["options"][0]["text"]["uk"] = "Росія"
    (copy / "manifest.json").write_bytes(canonical_json(manifest) + b"\n")
    fails(
        copy,
        r"record\.json: fingerprint \w+ is not the manifest's \w+ \(manifest\.json was changed\)",
    )


def test_a_changed_manifest_with_its_fingerprint_updated(copy: Path) -> None:
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["questions"][0]["text"]["en"] = "Do you agree?"
    (copy / "manifest.json").write_bytes(canonical_json(manifest) + b"\n")
    head = json.loads((copy / "record.json").read_text())
    head["fingerprint"] = Manifest.from_json(manifest).fingerprint.hex()
    (copy / "record.json").write_bytes(canonical_json(head) + b"\n")
    fails(copy, r"board entry 0 \(manifest\): differs from the manifest")


def test_another_referendum_pinned_by_fingerprint(record: Path) -> None:
    with pytest.raises(VerificationError, match="is not the one you gave"):
        verify_record(record, fingerprint=b"\x01" * 32, jobs=1, progress=False)


def test_a_changed_result_on_the_board(copy: Path) -> None:
    lines = read(copy)
    at = first(lines, "results")
    counts = lines[at]["payload"]["regions"][0]["questions"][0]["counts"]
    counts[0] += 1
    write(copy, lines)
    fails(copy, rf"board entry {at} \(results\)")


def test_a_changed_result_in_results_json(copy: Path) -> None:
    results = json.loads((copy / "results.json").read_text())
    results["regions"][1]["questions"][0]["counts"][1] += 5
    (copy / "results.json").write_bytes(canonical_json(results) + b"\n")
    fails(copy, r"results\.json: differs from the results entry on the board")


def test_a_changed_encrypted_total(copy: Path) -> None:
    lines = read(copy)
    at = first(lines, "tally")
    totals = lines[at]["payload"]["questions"][0]["totals"]
    # The yes/no question has one total (protocol.md 12.2): turn it around.
    totals[0] = {"alpha": totals[0]["beta"], "beta": totals[0]["alpha"]}
    write(copy, lines)
    fails(copy, rf"board entry {at} \(tally\)")


def test_a_forged_checkpoint_signature(copy: Path) -> None:
    path = copy / "checkpoints.jsonl"
    rows = [json.loads(x) for x in path.read_text().splitlines()]
    text = rows[-1]["checkpoint"]
    body = text.partition("\n\n")[0]
    size = int(body.split("\n")[1])
    rows[-1]["checkpoint"] = text.replace(f"\n{size}\n", f"\n{size - 1}\n", 1)
    path.write_bytes(b"".join(canonical_json(r) + b"\n" for r in rows))
    fails(copy, rf"checkpoints\.jsonl line {len(rows)}: .*signature")


def test_a_missing_witness_cosignature(copy: Path) -> None:
    path = copy / "checkpoints.jsonl"
    rows = [json.loads(x) for x in path.read_text().splitlines()]
    text = rows[-1]["checkpoint"]
    kept = [line for line in text.split("\n") if "observer" not in line]
    rows[-1]["checkpoint"] = "\n".join(kept)
    path.write_bytes(b"".join(canonical_json(r) + b"\n" for r in rows))
    fails(copy, r"final checkpoint is co-signed by 0 of the 2 witnesses the manifest requires")


def test_one_witness_is_not_the_manifests_quorum(copy: Path) -> None:
    """The demo's manifest names two witnesses and sets no witness_quorum: a majority,
    both, must co-sign the last checkpoint (section 15.2)."""
    path = copy / "checkpoints.jsonl"
    rows = [json.loads(x) for x in path.read_text().splitlines()]
    text = rows[-1]["checkpoint"]
    lines = text.split("\n")
    witness = next(line for line in lines if "observer" in line).split()[1]
    rows[-1]["checkpoint"] = "\n".join(line for line in lines if witness not in line)
    path.write_bytes(b"".join(canonical_json(r) + b"\n" for r in rows))
    fails(copy, r"co-signed by 1 of the 2 witnesses the manifest requires \(observer-\w+\)")


def test_entries_added_after_the_last_checkpoint(copy: Path) -> None:
    lines = read(copy)
    lines.append({"index": len(lines), "kind": "results", "payload": lines[-1]["payload"]})
    write(copy, lines)
    fails(copy, r"not accepted in phase 'done'|the last checkpoint covers")


def test_an_unreadable_record_is_not_a_failed_check(copy: Path) -> None:
    (copy / "board.jsonl").write_text('{"index": 0, "kind": "manifest", "payload": {\n')
    with pytest.raises(RecordFormatError, match=r"board\.jsonl line 1: not valid JSON"):
        verify_record(copy, jobs=1, progress=False)


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(args)
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_exit_codes(
    record: Path, copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = _cli(["verify", str(record), "--jobs", "1"], capsys)
    assert status == 0 and "results (confirmed by this verifier)" in out
    lines = read(copy)
    del lines[first(lines, "ballot")]
    write(copy, lines)
    status, out, _ = _cli(["verify", str(copy), "--jobs", "1"], capsys)
    assert status == 1 and out.startswith("FAILED: board.jsonl line")
    status, out, _ = _cli(["verify", str(copy), "--jobs", "1", "--json"], capsys)
    assert status == 1 and json.loads(out)["ok"] is False
    status, _, err = _cli(["verify", str(tmp_path / "nothing")], capsys)
    assert status == 2 and err.count("\n") == 1 and "no such record folder" in err


@pytest.mark.parametrize("mutate", ["drop", "swap"])
def test_parallel_verification_finds_the_same_failure(copy: Path, mutate: str) -> None:
    lines = read(copy)
    a, b = first(lines, "ballot", 1), first(lines, "ballot", 2)
    if mutate == "drop":
        lines[a]["payload"]["questions"][0]["selections"][0]["proof"][0]["c"] = "00" * 32
    else:
        lines[a], lines[b] = lines[b], lines[a]
    write(copy, lines, renumber=mutate == "swap")
    with pytest.raises(VerificationError) as one:
        verify_record(copy, jobs=1, progress=False)
    with pytest.raises(VerificationError) as two:
        verify_record(copy, jobs=2, progress=False)
    assert str(one.value) == str(two.value)


def test_a_trustee_who_posts_a_wrong_share_is_named_and_the_count_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = demo.decryption_message

    def cheating(manifest, trustee, final_share, signing_key, tallies, rng, *, board):  # type: ignore[no-untyped-def]
        if trustee == 2:  # signs shares made with a wrong key share
            final_share = {c: x + G.scalar_from_int(1) for c, x in final_share.items()}
        return real(manifest, trustee, final_share, signing_key, tallies, rng, board=board)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(demo, "decryption_message", cheating)
        status = demo.run_demo(voters=8, seed="cheat", record=str(tmp_path / "r"), jobs=1)
    assert status == 0
    report = verify_record(tmp_path / "r", jobs=1, progress=False)
    assert report.results is not None
    # Trustee 1 stays away; of 3 to 7, the policy takes 3, 4, 5, 6 and 5, 6 (neutral).
    assert report.results.trustees == (3, 4, 5, 6)
    assert list(report.rejected_shares) == [2]
    assert "trustee 2" in report.rejected_shares[2]
    capsys.readouterr()
    assert main(["verify", str(tmp_path / "r"), "--jobs", "1"]) == 0
    assert "decryption by trustee 2 rejected" in capsys.readouterr().out


def test_a_cosignature_by_an_unknown_key_is_ignored(copy: Path) -> None:
    from referendum.board import WITNESS_KEY, SigningKey, parse_signed_checkpoint

    path = copy / "checkpoints.jsonl"
    rows = [json.loads(x) for x in path.read_text().splitlines()]
    signed = parse_signed_checkpoint(rows[-1]["checkpoint"])
    stranger = SigningKey("passer-by", WITNESS_KEY, b"\x09" * 32)
    rows[-1]["checkpoint"] = signed.with_signature(stranger).to_text()
    path.write_bytes(b"".join(canonical_json(r) + b"\n" for r in rows))
    report = verify_record(copy, jobs=1, progress=False)
    assert report.witnesses == ("observer-osce", "observer-un")


def test_an_extra_field_in_record_json(copy: Path) -> None:
    head = json.loads((copy / "record.json").read_text())
    head["note"] = "trust me"
    (copy / "record.json").write_bytes(canonical_json(head) + b"\n")
    with pytest.raises(RecordFormatError, match="want exactly the fields"):
        verify_record(copy, jobs=1, progress=False)


def test_the_record_is_readable_by_everyone(record: Path) -> None:
    assert record.stat().st_mode & 0o005 == 0o005
    assert (record / "board.jsonl").stat().st_mode & 0o004


def _checkpoint_rows(folder: Path) -> list[dict[str, str]]:
    return [json.loads(x) for x in (folder / "checkpoints.jsonl").read_text().splitlines()]


def _write_checkpoints(folder: Path, rows: list[dict[str, str]]) -> None:
    text = b"".join(canonical_json(r) + b"\n" for r in rows)
    (folder / "checkpoints.jsonl").write_bytes(text)


def test_a_forged_witness_cosignature(copy: Path) -> None:
    from referendum.board import WITNESS_KEY, NoteSignature, SigningKey, parse_signed_checkpoint

    rows = _checkpoint_rows(copy)
    signed = parse_signed_checkpoint(rows[-1]["checkpoint"])
    manifest = json.loads((copy / "manifest.json").read_text())
    name = manifest["witnesses"][0]["name"]
    impostor = SigningKey(name, WITNESS_KEY, b"\x0b" * 32)  # the witness's name, another key
    real = next(s for s in signed.signatures if s.name == name)
    forged = impostor.sign(signed.checkpoint.signed_message(WITNESS_KEY, real.timestamp))
    line = NoteSignature(name, real.key_id, forged, real.timestamp).line()
    lines = rows[-1]["checkpoint"].split("\n")
    rows[-1]["checkpoint"] = "\n".join(
        line[:-1] if x.startswith(f"\u2014 {name} ") else x for x in lines
    )
    _write_checkpoints(copy, rows)
    fails(copy, rf"checkpoints\.jsonl line {len(rows)}: co-signature of witness {name}")


# -- the voting period against witnessed times (protocol.md 15.2, step 4) ---------------------


def _seconds(text: str) -> int:
    import datetime as dt

    moment = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


def _demo_witness(folder: Path, name: str) -> Any:
    """The demo's witness key of that name, re-derived from the demo's seed ("tamper")."""
    from referendum.board import WITNESS_KEY, SigningKey

    key = SigningKey.generate(name, WITNESS_KEY, SeededRandom(f"demo/tamper/{name}"))
    manifest = json.loads((folder / "manifest.json").read_text())
    assert key.verifier().to_text() in [w["key"] for w in manifest["witnesses"]]
    return key


def _recosign(folder: Path, row: int, name: str, at: int, *, key: Any = None) -> None:
    """Replaces witness name's co-signature on checkpoints.jsonl row with one made at at."""
    from referendum.board import SignedCheckpoint, parse_signed_checkpoint

    key = key or _demo_witness(folder, name)
    rows = _checkpoint_rows(folder)
    signed = parse_signed_checkpoint(rows[row]["checkpoint"])
    kept = tuple(s for s in signed.signatures if s.name != name)
    rows[row]["checkpoint"] = (
        SignedCheckpoint(signed.checkpoint, kept).with_signature(key, now=at).to_text()
    )
    _write_checkpoints(folder, rows)


def _sizes(folder: Path) -> list[int]:
    from referendum.board import parse_signed_checkpoint

    rows = _checkpoint_rows(folder)
    return [parse_signed_checkpoint(r["checkpoint"]).checkpoint.size for r in rows]


def _voting(folder: Path) -> tuple[dict[str, str], int, int]:
    """(the manifest's voting period, voting.open's index, the last ballot's index)."""
    lines = read(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    votes = [i for i, x in enumerate(lines) if x["kind"] in ("ballot", "spoiled")]
    return manifest["voting"], first(lines, "voting.open"), votes[-1]


def test_voting_opened_before_the_witnessed_opening(copy: Path) -> None:
    voting, opened, _ = _voting(copy)
    row = next(i for i, size in enumerate(_sizes(copy)) if size > opened)
    opens = _seconds(voting["opens"])
    _recosign(copy, row, "observer-un", opens)  # at the opening second: fine
    verify_record(copy, jobs=1, progress=False)
    _recosign(copy, row, "observer-un", opens - 1)
    fails(
        copy,
        rf"board\.jsonl line {opened + 1}: voting opened before the voting period: board entry"
        rf" {opened} \(voting\.open\) is in the tree of {_sizes(copy)[row]} entries that"
        rf" witness observer-un co-signed at \S+, before opens {voting['opens']}"
        rf" \(checkpoints\.jsonl line {row + 1}\)",
    )


def test_an_early_cosignature_by_an_unknown_key_counts_for_nothing(copy: Path) -> None:
    from referendum.board import WITNESS_KEY, SigningKey

    voting, opened, _ = _voting(copy)
    row = next(i for i, size in enumerate(_sizes(copy)) if size > opened)
    stranger = SigningKey("passer-by", WITNESS_KEY, b"\x09" * 32)
    _recosign(copy, row, "passer-by", _seconds(voting["opens"]) - 3600, key=stranger)
    verify_record(copy, jobs=1, progress=False)


def test_ballots_appended_after_the_witnessed_closing(copy: Path) -> None:
    voting, _, last_vote = _voting(copy)
    row = max(i for i, size in enumerate(_sizes(copy)) if size <= last_vote)
    size = _sizes(copy)[row]
    closes = _seconds(voting["closes"])
    _recosign(copy, row, "observer-osce", closes)  # at the closing second: fine
    verify_record(copy, jobs=1, progress=False)
    _recosign(copy, row, "observer-osce", closes + 1)
    lines = read(copy)
    late = next(i for i in range(size, len(lines)) if lines[i]["kind"] in ("ballot", "spoiled"))
    fails(
        copy,
        rf"board\.jsonl line {late + 1}: ballots were appended after the voting period: board"
        rf" entry {late} \({lines[late]['kind']}\) is not in the tree of {size} entries that"
        rf" witness observer-osce co-signed at \S+, after closes {voting['closes']}"
        rf" \(checkpoints\.jsonl line {row + 1}\)",
    )


def test_a_record_of_the_previous_version_is_unreadable(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = json.loads((copy / "record.json").read_text())
    head["format"] = "referendum-record/1"
    (copy / "record.json").write_bytes(canonical_json(head) + b"\n")
    with pytest.raises(RecordFormatError, match="older version of the record"):
        verify_record(copy, jobs=1, progress=False)
    status, _, err = _cli(["verify", str(copy), "--jobs", "1"], capsys)
    assert status == 2 and "referendum-record/1 is an older version" in err


def test_checkpoints_out_of_order(copy: Path) -> None:
    rows = _checkpoint_rows(copy)
    rows[0], rows[1] = rows[1], rows[0]
    _write_checkpoints(copy, rows)
    fails(copy, r"checkpoints\.jsonl line 2: checkpoints must grow in size")


def test_a_checkpoint_of_another_board(copy: Path, record: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    assert demo.run_demo(voters=4, seed="other board", record=str(other), jobs=1) == 0
    rows = _checkpoint_rows(copy)
    rows[-1] = _checkpoint_rows(other)[-1]
    _write_checkpoints(copy, rows)
    fails(copy, rf"checkpoints\.jsonl line {len(rows)}: .*signature")


def test_a_wrong_entry_count_in_record_json(copy: Path) -> None:
    head = json.loads((copy / "record.json").read_text())
    head["entries"] += 1
    (copy / "record.json").write_bytes(canonical_json(head) + b"\n")
    fails(copy, r"record\.json: says \d+ entries, board\.jsonl has \d+")


def test_results_json_missing(copy: Path) -> None:
    (copy / "results.json").unlink()
    fails(copy, r"results\.json: missing, but the board has results")


@pytest.mark.parametrize(
    "name", ["board.jsonl", "manifest.json", "checkpoints.jsonl", "record.json"]
)
def test_a_file_in_another_byte_form(copy: Path, name: str) -> None:
    lines = (copy / name).read_text().splitlines()
    spaced = [json.dumps(json.loads(line), ensure_ascii=False, indent=None) for line in lines]
    (copy / name).write_text("".join(line + "\n" for line in spaced))
    fails(copy, rf"{re.escape(name)}.*not in canonical form")


def test_shares_decrypted_on_another_board_state_are_refused(tmp_path: Path) -> None:
    from referendum.replay import BoardRuleError

    real = demo.decryption_message

    def forked(manifest, trustee, final_share, signing_key, tallies, rng, *, board):  # type: ignore[no-untyped-def]
        size, _ = board  # as if the operator had shown this trustee a fork of the board
        return real(
            manifest, trustee, final_share, signing_key, tallies, rng, board=(size, b"\x01" * 32)
        )

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(demo, "decryption_message", forked)
        with pytest.raises(BoardRuleError, match=r"trustee 2 decrypted another board state"):
            demo.run_demo(voters=4, seed="fork", record=str(tmp_path / "r"), jobs=1)


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("entries", True, "entries must be a non-negative integer"),
        ("entries", "61", "entries must be a non-negative integer"),
        ("fingerprint", 5, "referendum and fingerprint must be text"),
    ],
)
def test_record_json_with_wrong_types_is_unreadable(
    copy: Path, field: str, value: Any, match: str
) -> None:
    head = json.loads((copy / "record.json").read_text())
    head[field] = value
    (copy / "record.json").write_bytes(canonical_json(head) + b"\n")
    with pytest.raises(RecordFormatError, match=match):
        verify_record(copy, jobs=1, progress=False)


def test_a_failed_check_before_a_broken_line_is_reported_first(copy: Path) -> None:
    """The first failure in file order wins, however the verifier reads the file: an
    altered ballot, then a line that is not JSON (docs/protocol.md 15.2)."""
    lines = read(copy)
    i = first(lines, "ballot")
    lines[i]["payload"]["signature"] = "00" * 64
    write(copy, lines)
    text = (copy / "board.jsonl").read_text().splitlines(keepends=True)
    text[i + 1] = '{"index": \n'
    (copy / "board.jsonl").write_text("".join(text))
    fails(copy, rf"board entry {i} \(ballot\)")
    text[i] = '{"index": \n'
    (copy / "board.jsonl").write_text("".join(text))
    with pytest.raises(RecordFormatError, match=rf"line {i + 1}"):
        verify_record(copy, jobs=1, progress=False)


def _demo_witnesses() -> list[Any]:
    """The demo's witness keys for seed "tamper" (demo.run_demo draws them per name)."""
    from referendum.board.keys import WITNESS_KEY, SigningKey

    return [
        SigningKey.generate(name, WITNESS_KEY, SeededRandom(f"demo/tamper/{name}"))
        for name in ("observer-osce", "observer-un")
    ]


def test_a_ceremony_step_closed_before_its_deadline(copy: Path) -> None:
    """The operator re-signs a close with witness keys at a second before the deadline:
    the witnesses' keys are needed to fake it, and even then the verifier refuses it."""
    import datetime as dt

    from referendum.board.checkpoint import SignedCheckpoint, parse_signed_checkpoint

    lines = read(copy)
    n = first(lines, "ceremony.close")
    payload = lines[n]["payload"]
    manifest = Manifest.from_json(json.loads((copy / "manifest.json").read_text()))
    deadline = manifest.deadlines[payload["step"]]
    early = int(
        dt.datetime.strptime(deadline, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC).timestamp()
    )
    signed = parse_signed_checkpoint(payload["checkpoint"])
    board_line = signed.signature_by(manifest.board_key)
    forged = SignedCheckpoint(signed.checkpoint, (board_line,))
    for w in _demo_witnesses():
        forged = forged.with_signature(w, now=early - 1)
    payload["checkpoint"] = forged.to_text()
    write(copy, lines)
    fails(
        copy,
        rf"board entry {n} \(ceremony\.close\): ceremony\.close of the \w+ step:"
        r" before its deadline",
    )


def test_a_ceremony_close_dropped(copy: Path) -> None:
    """Without the close, the step still waits for the absent trustee: the next step's
    messages come too early."""
    lines = read(copy)
    n = first(lines, "ceremony.close")
    del lines[n]
    write(copy, lines, renumber=True)
    fails(copy, r"ceremony\.\w+ of trustee \d: .*(come after|closed)")
