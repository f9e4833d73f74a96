"""Attacks on co-issued credentials (issue 14 part 1, /work/notes/coissue.md), each on the
real board (Election, in a temporary folder) or on a record the real verifier checks.

a. A registrar that keeps every code it printed cannot cast a ballot any check accepts.
b. A rogue registrar cannot choose its parts to cancel the other's (Q - A): the board
   wants every commitment before any part and refuses a close whose parts are not the
   committed ones, so the region never closes and voting never opens.
b'. A batch names the commitments it was revealed against (protocol.md 10.4): revealed on
   a fork, it is refused on the board; with another commitment, in a record, refused too.
c. A roll without one co-issuer's contribution never lets voting open, on the board or
   in a record (entries dropped or replaced, re-signed with the registrars' keys).
d. The manifest: every region served by codes_per_voter registrars; 1 is a rehearsal.

Each attack has its honest twin, accepted, so that the refusal is the attack's doing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import re
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from credentials_fixtures import L, base_times, ed25519_sign, point_sum, point_times, scalar_of
from referendum import demo
from referendum.ballot import encrypt_ballot, verify_ballot
from referendum.board import WITNESS_KEY, SigningKey
from referendum.canonical import canonical_json
from referendum.ceremony import TrusteeKeys
from referendum.cli import main
from referendum.credentials import (
    KIND_BATCH,
    KIND_CLOSE,
    KIND_COMMIT,
    Issued,
    credential_key,
    credential_part,
    issue_credentials,
    normalize_code,
    roll_digest,
)
from referendum.election import Election
from referendum.errors import VerificationError
from referendum.group import SeededRandom, transcript
from referendum.manifest import Manifest, ManifestError
from referendum.replay import BoardRuleError, WrongPhaseError
from referendum.signing import Ed25519Key, sign_message
from referendum.verifier import verify_record

CEC, MISSION = (rid for rid, _ in demo.REGISTRARS)


# --- a board after its key ceremony, before any credential ---------------------------------


@dataclass(frozen=True)
class Prepared:
    folder: Path
    registrars: dict[str, Ed25519Key]
    trustees: list[TrusteeKeys]
    witness: SigningKey


def _prepare(folder: Path, seed: str, registrar_ids: Sequence[str]) -> Prepared:
    run = demo._Run(io.StringIO(), seed)
    keys = [TrusteeKeys.generate(run.sub_rng(f"t{i}")) for i in range(len(demo.TRUSTEES))]
    registrars = {rid: Ed25519Key.generate(run.sub_rng(f"r/{rid}")) for rid in registrar_ids}
    witness = SigningKey.generate("observer-1", WITNESS_KEY, run.sub_rng("w"))
    text = demo._manifest_text(run, keys, list(registrars.values()), [witness])
    with Election.create(folder, text, rng=run.sub_rng("board")) as election:
        demo.ceremony_on_a_clock(run, election, keys, [witness])
    return Prepared(folder, registrars, keys, witness)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    """The demo's manifest (cec and mission co-issue every region), ceremony done."""
    return _prepare(tmp_path_factory.mktemp("coissue") / "board", "coissue", (CEC, MISSION))


def _in_period(election: Election) -> None:
    opens = dt.datetime.strptime(election.manifest.opens, "%Y-%m-%dT%H:%M:%SZ")
    moment = opens.replace(tzinfo=dt.UTC) + dt.timedelta(hours=1)
    election.clock = lambda: moment


@pytest.fixture
def board(prepared: Prepared, tmp_path: Path) -> Iterator[Election]:
    """A copy of the prepared board, open, its clock in the voting period."""
    shutil.copytree(prepared.folder, tmp_path / "board")
    with Election.open(tmp_path / "board") as election:
        _in_period(election)
        yield election


def _issue(prepared: Prepared, election: Election, rid: str, region: str, n: int) -> Issued:
    rng = SeededRandom(f"attack/{rid}/{region}/{n}")
    return issue_credentials(election.manifest, rid, prepared.registrars[rid], region, n, rng)


def _batches(prepared: Prepared, election: Election, issued: Issued) -> list[dict[str, Any]]:
    """issued's batches as its registrar signs them at publish time: naming the
    commitments the board holds now (credentials publish)."""
    commitments = election.state.roll.commitments(issued.region)
    return issued.batches(prepared.registrars[issued.registrar], commitments)


def _regions(election: Election) -> list[str]:
    return [r.id for r in election.manifest.regions]


def _co_issue_others(prepared: Prepared, election: Election, skip: str) -> None:
    """Every region but skip co-issued honestly (2 voters each) and closed."""
    keys = list(prepared.registrars.values())
    for region in _regions(election):
        if region != skip:
            demo.co_issue(election, keys, region, 2, lambda label: SeededRandom(label))


def _open_refused(election: Election, pattern: str) -> None:
    size = election.log.size()
    with pytest.raises(BoardRuleError, match=pattern):
        election.open_voting()
    assert election.log.size() == size and election.state.phase == "prepare"


@dataclass(frozen=True)
class Forger:
    """A signer that claims the key `public` but knows only the scalar x (attack a)."""

    public: bytes
    x: int

    def sign(self, message: bytes) -> bytes:
        nonce = scalar_of(hashlib.sha512(b"forger" + message).digest())
        return ed25519_sign(self.x, self.public, message, nonce)


def _ballot(election: Election, region: str, signer: Any, seed: int) -> dict[str, Any]:
    key = election.state.public_key
    assert key is not None
    prepared_ballot = encrypt_ballot(
        election.manifest, key, region, {"status": [1, 0]}, signer, SeededRandom(seed)
    )
    payload: dict[str, Any] = prepared_ballot.payload
    return payload


def _scalar(election: Election, code: str) -> int:
    fp = election.manifest.fingerprint
    return scalar_of(
        hashlib.sha512(transcript("credential-part", fp, normalize_code(code))).digest()
    )


# --- a. a registrar that keeps its codes ------------------------------------------------------


def test_a_registrar_with_all_its_codes_cannot_vote(prepared: Prepared, board: Election) -> None:
    region = _regions(board)[0]
    keys = list(prepared.registrars.values())
    letters = demo.co_issue(board, keys, region, 3, lambda label: SeededRandom(label))
    _co_issue_others(prepared, board, region)
    board.open_voting()
    fp = board.manifest.fingerprint
    size = board.log.size()
    for n, (cec_code, mission_code) in enumerate(letters):
        roll_key = credential_key(fp, (cec_code, mission_code)).public
        assert board.state.roll.region_of(roll_key) == region
        for own in (cec_code, mission_code):
            # Its part as the credential: a key of its own, not on the roll.
            alone = credential_key(fp, own)
            assert alone.public == credential_part(fp, own)
            forged = _ballot(board, region, alone, 10 * n + 1)
            verify_ballot(board.manifest, board.state.public_key, forged, "forged")  # well made
            with pytest.raises(BoardRuleError, match=r"credential [0-9a-f]{16}… is not registered"):
                board.post("ballot", forged)
            # The roll's key as the credential, signed with the part's scalar it knows.
            claim = _ballot(board, region, Forger(roll_key, _scalar(board, own)), 10 * n + 2)
            assert claim["credential"] == roll_key.hex()
            with pytest.raises(VerificationError, match="ballot: signature does not verify"):
                board.post("ballot", claim)
            with pytest.raises(VerificationError, match="signature does not verify"):
                verify_ballot(board.manifest, board.state.public_key, claim, "the verifier")
    assert board.log.size() == size and board.state.counts.ballots == 0
    # With both registrars' codes (in either order) the same voter's ballot goes in.
    cec_code, mission_code = letters[0]
    honest = Forger(
        credential_key(fp, (cec_code, mission_code)).public,
        (_scalar(board, cec_code) + _scalar(board, mission_code)) % L,
    )
    board.post("ballot", _ballot(board, region, honest, 101))
    board.post("ballot", _ballot(board, region, credential_key(fp, (mission_code, cec_code)), 102))
    assert board.state.counts.ballots == 2 and board.log.size() == size + 2


def test_codes_of_two_voters_make_no_registered_key(prepared: Prepared, board: Election) -> None:
    """One registrar's code of voter 0 with the other's of voter 1 (letters mixed up, or a
    registrar that stole one letter) is not a credential."""
    region = _regions(board)[0]
    keys = list(prepared.registrars.values())
    letters = demo.co_issue(board, keys, region, 2, lambda label: SeededRandom(label))
    fp = board.manifest.fingerprint
    mixed = credential_key(fp, (letters[0][0], letters[1][1])).public
    assert board.state.roll.region_of(mixed) is None
    assert board.state.roll.region_of(credential_key(fp, letters[1]).public) == region


# --- b. rogue parts: Q - A ---------------------------------------------------------------------


def _rogue_parts(cec: Issued, q: Sequence[int]) -> list[str]:
    """mission's parts Q_n - A_n for cec's parts A_n: mission alone would know q_n."""
    return [
        point_sum(base_times(q_n), point_times(L - 1, a)).hex()
        for q_n, a in zip(q, cec.parts, strict=True)
    ]


def _rogue_batch(
    prepared: Prepared, election: Election, region: str, keys: list[str], fp: bytes
) -> dict[str, Any]:
    """mission's batch 0 of keys, naming the commitments the board holds."""
    commitments = election.state.roll.commitments(region)
    body = {"registrar": MISSION, "region": region, "batch": 0, "commitments": commitments}
    return sign_message(prepared.registrars[MISSION], fp, KIND_BATCH, {**body, "keys": keys})


Q = [12345678901234567890 + n for n in range(2)]


def test_rogue_parts_before_committing_are_refused(prepared: Prepared, board: Election) -> None:
    region = _regions(board)[1]
    _co_issue_others(prepared, board, region)
    fp = board.manifest.fingerprint
    cec = _issue(prepared, board, CEC, region, 2)
    board.post(KIND_COMMIT, cec.commit)
    size = board.log.size()
    # The honest registrar's parts stay off the board until mission committed too...
    early = _batches(prepared, board, cec)[0]  # naming the board's commitments: cec's only
    assert early["commitments"] == [cec.commit["digest"], ""]
    with pytest.raises(VerificationError, match=rf"waiting for '{MISSION}' to commit"):
        board.post(KIND_BATCH, early)
    # ...and mission, having seen them elsewhere, cannot post parts without committing.
    rogue = _rogue_batch(prepared, board, region, _rogue_parts(cec, Q), fp)
    with pytest.raises(
        VerificationError,
        match=rf"registrar '{MISSION}', region '{region}': waiting for '{MISSION}' to commit",
    ):
        board.post(KIND_BATCH, rogue)
    assert board.log.size() == size
    _open_refused(board, rf"credentials still open in {region} \(not closed by {CEC}, {MISSION}\)")
    # The honest twin: once mission commits to its own parts, both batches go in.
    mission = _issue(prepared, board, MISSION, region, 2)
    board.post(KIND_COMMIT, mission.commit)
    # The batch cec signed before (naming no commitment of mission) stays refused.
    with pytest.raises(VerificationError, match="the batch names commitments"):
        board.post(KIND_BATCH, early)
    board.post(KIND_BATCH, _batches(prepared, board, cec)[0])
    board.post(KIND_BATCH, _batches(prepared, board, mission)[0])
    board.post_many([(KIND_CLOSE, cec.close, None), (KIND_CLOSE, mission.close, None)])
    board.open_voting()
    assert board.state.phase == "voting"


def test_rogue_parts_after_committing_to_others_never_close(
    prepared: Prepared, board: Election
) -> None:
    region = _regions(board)[2]
    _co_issue_others(prepared, board, region)
    fp = board.manifest.fingerprint
    cec = _issue(prepared, board, CEC, region, 2)
    mission = _issue(prepared, board, MISSION, region, 2)  # what mission commits to
    board.post(KIND_COMMIT, mission.commit)
    board.post(KIND_COMMIT, cec.commit)
    board.post(KIND_BATCH, _batches(prepared, board, cec)[0])  # mission sees cec's parts A_n
    rogue_keys = _rogue_parts(cec, Q)
    # The batch rules cannot tell (valid points, slots in order): the sums Q_n go in...
    board.post(KIND_BATCH, _rogue_batch(prepared, board, region, rogue_keys, fp))
    for q_n in Q:
        assert board.state.roll.region_of(base_times(q_n)) == region
    board.post(KIND_CLOSE, cec.close)
    size = board.log.size()
    rogue_raw = b"".join(bytes.fromhex(k) for k in rogue_keys)
    rogue_digest = roll_digest(fp, region, MISSION, [rogue_raw])
    # ...but mission's close is refused: its parts are not those it committed to.
    with pytest.raises(
        VerificationError,
        match=rf"registrar '{MISSION}', region '{region}': the parts posted are not those "
        rf"committed to \(digest {rogue_digest}, committed {mission.commit['digest']}\)",
    ):
        board.post(KIND_CLOSE, mission.close)
    # It cannot commit again to the rogue parts, nor post its committed ones now.
    recommit = {"registrar": MISSION, "region": region, "count": 2, "digest": rogue_digest}
    with pytest.raises(
        VerificationError, match="already committed, and parts of the region are on the board"
    ):
        board.post(
            KIND_COMMIT, sign_message(prepared.registrars[MISSION], fp, KIND_COMMIT, recommit)
        )
    with pytest.raises(VerificationError, match="batch 0: want batch 1 next"):
        board.post(KIND_BATCH, _batches(prepared, board, mission)[0])
    assert board.log.size() == size
    # So the region never closes and voting never opens, naming the region and mission.
    assert not board.state.roll.is_closed(region)
    _open_refused(board, rf"credentials still open in {region} \(not closed by {MISSION}\)$")
    # A ballot under Q (mission knows q) has no phase to go in.
    with pytest.raises(WrongPhaseError, match="not accepted in phase 'prepare'"):
        board.post("ballot", {"credential": base_times(Q[0]).hex()})


# --- b'. parts revealed on a fork, or withheld (a batch names the commitments) ----------------


def _rogue_commit(prepared: Prepared, fp: bytes, region: str, keys: list[str]) -> dict[str, Any]:
    digest = roll_digest(fp, region, MISSION, [b"".join(bytes.fromhex(k) for k in keys)])
    body = {"registrar": MISSION, "region": region, "count": len(keys), "digest": digest}
    return sign_message(prepared.registrars[MISSION], fp, KIND_COMMIT, body)


def test_a_batch_revealed_on_a_fork_is_refused_on_the_board(
    prepared: Prepared, board: Election, tmp_path: Path
) -> None:
    """The operator shows cec a fork on which mission committed honestly; cec reveals its
    parts there; on the board mission commits to Q - A. cec's batch, replayed, names the
    fork's commitments: refused, and voting never opens (cec never closes)."""
    region = _regions(board)[1]
    fp = board.manifest.fingerprint
    cec = _issue(prepared, board, CEC, region, 2)
    mission = _issue(prepared, board, MISSION, region, 2)
    shutil.copytree(prepared.folder, tmp_path / "fork")
    with Election.open(tmp_path / "fork") as fork:
        fork.post_many([(KIND_COMMIT, cec.commit, None), (KIND_COMMIT, mission.commit, None)])
        revealed = _batches(prepared, fork, cec)[0]
        fork.post(KIND_BATCH, revealed)
    _co_issue_others(prepared, board, region)
    rogue = _rogue_parts(cec, Q)  # chosen after seeing cec's parts on the fork
    board.post_many(
        [
            (KIND_COMMIT, cec.commit, None),
            (KIND_COMMIT, _rogue_commit(prepared, fp, region, rogue), None),
        ]
    )
    size = board.log.size()
    with pytest.raises(
        VerificationError,
        match=rf"registrar '{CEC}', region '{region}': the batch names commitments "
        rf"{cec.commit['digest']}, {mission.commit['digest']}, the board holds "
        rf"{cec.commit['digest']}, [0-9a-f]{{64}} ",
    ):
        board.post(KIND_BATCH, revealed)
    assert board.log.size() == size
    # mission's rogue parts alone complete no slot: no key mission knows is registered.
    board.post(KIND_BATCH, _rogue_batch(prepared, board, region, rogue, fp))
    board.post(KIND_CLOSE, mission.close)  # its parts are those it committed to (rogue)
    assert board.state.roll.count(region) == 0
    assert all(board.state.roll.region_of(base_times(q)) is None for q in Q)
    _open_refused(board, rf"credentials still open in {region} \(not closed by {CEC}\)$")


def _registrar_dir(prepared: Prepared, root: Path, rid: str) -> Path:
    folder = root / rid
    folder.mkdir()
    seed = prepared.registrars[rid].seed.hex()
    (folder / "registrar.json").write_text(
        json.dumps({"format": "referendum-registrar/1", "seed": seed})
    )
    return folder


def test_parts_withheld_by_the_operator_are_never_revealed_against_other_commitments(
    prepared: Prepared, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, withheld = tmp_path / "board", tmp_path / "withheld"
    shutil.copytree(prepared.folder, folder)
    cec_dir = _registrar_dir(prepared, tmp_path, CEC)
    with Election.open(folder) as election:
        region = _regions(election)[2]
        fp = election.manifest.fingerprint
        mission = _issue(prepared, election, MISSION, region, 2)
    at = ("--dir", str(cec_dir), "--region", region)
    sheet = str(tmp_path / "codes.txt")
    assert main(["credentials", "issue", *at, "--election", str(folder), "--count", "2",
                 "--out", sheet]) == 0  # fmt: skip
    with Election.open(folder) as election:
        election.post(KIND_COMMIT, mission.commit)  # mission commits honestly, at first
    # cec publishes; the operator does not put its batch on the board but keeps it (here:
    # it went to a copy of the board), and hands its parts A to mission.
    shutil.copytree(folder, withheld)
    assert main(["credentials", "publish", *at, "--election", str(withheld)]) == 0
    with Election.open(withheld) as copy:
        (shown,) = [
            json.loads(e.payload)
            for e in copy.log.entries()
            if e.kind == KIND_BATCH and json.loads(e.payload)["registrar"] == CEC
        ]
    cec_parts = Issued(fp, CEC, region, [], [bytes.fromhex(k) for k in shown["keys"]], {}, {})
    rogue = _rogue_parts(cec_parts, Q)
    with Election.open(folder) as election:
        # No part is on the board: mission may replace its commitment, with Q - A.
        election.post(KIND_COMMIT, _rogue_commit(prepared, fp, region, rogue))
    capsys.readouterr()
    main(["credentials", "publish", *at, "--election", str(folder)])  # cec tries again
    with Election.open(folder) as election:
        rogue_close = {"registrar": MISSION, "region": region, "batches": 1, "count": 2}
        for kind, payload in (
            (KIND_BATCH, _rogue_batch(prepared, election, region, rogue, fp)),
            (KIND_CLOSE, sign_message(prepared.registrars[MISSION], fp, KIND_CLOSE, rogue_close)),
        ):
            with contextlib.suppress(VerificationError):  # the attack's outcome is asserted
                election.post(kind, payload)
        roll = election.state.roll
        known = [q for q in Q if roll.region_of(base_times(q)) == region]
        closed = roll.is_closed(region)
        assert not known, f"mission knows the scalars of {len(known)} keys (closed: {closed})"


# --- c. a roll without one co-issuer ---------------------------------------------------------


STEPS = [f"{r}.{what}" for what in ("commit", "batch", "close") for r in (CEC, MISSION)]
KINDS = {"commit": KIND_COMMIT, "batch": KIND_BATCH, "close": KIND_CLOSE}


def _post_step(prepared: Prepared, board: Election, issued: dict[str, Issued], step: str) -> None:
    rid, what = step.split(".")
    if what == "batch":
        board.post(KIND_BATCH, _batches(prepared, board, issued[rid])[0])
    else:
        board.post(KINDS[what], issued[rid].commit if what == "commit" else issued[rid].close)


@pytest.mark.parametrize(
    ("name", "steps", "closed_by", "count"),
    [
        ("only cec committed", ["cec.commit"], f"{CEC}, {MISSION}", 0),
        (
            "only cec posted and closed",
            ["cec.commit", "mission.commit", "cec.batch", "cec.close"],
            MISSION,
            0,
        ),
        (
            "both posted, only cec closed",
            ["cec.commit", "mission.commit", "cec.batch", "mission.batch", "cec.close"],
            MISSION,
            2,
        ),
        (
            "both posted, only mission closed",
            ["mission.commit", "cec.commit", "mission.batch", "cec.batch", "mission.close"],
            CEC,
            2,
        ),
    ],
)
def test_a_region_without_every_co_issuer_never_opens_voting(
    prepared: Prepared,
    board: Election,
    name: str,
    steps: list[str],
    closed_by: str,
    count: int,
) -> None:
    region = _regions(board)[3]
    _co_issue_others(prepared, board, region)
    issued = {rid: _issue(prepared, board, rid, region, 2) for rid in (CEC, MISSION)}
    for step in steps:
        _post_step(prepared, board, issued, step)
    assert board.state.roll.count(region) == count
    assert not board.state.roll.is_closed(region)
    _open_refused(
        board,
        rf"voting\.open\): credentials still open in {region} \(not closed by {closed_by}\)$",
    )
    # The honest twin: the missing steps, and voting opens.
    for step in STEPS:
        if step not in steps:
            _post_step(prepared, board, issued, step)
    board.open_voting()
    assert board.state.phase == "voting"


# The verifier on a record: the demo's (both registrars co-issue every oblast).

RECORD_SEED = "coissue-record"
Lines = list[dict[str, Any]]


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("coissue-record") / "record"
    status = demo.run_demo(
        voters=8, seed=RECORD_SEED, record=str(folder), jobs=1, out=io.StringIO()
    )
    assert status == 0
    return folder


@pytest.fixture
def copy(record: Path, tmp_path: Path) -> Path:
    shutil.copytree(record, tmp_path / "record")
    return tmp_path / "record"


def _registrar_key(rid: str) -> Ed25519Key:
    """The demo's registrar keys come from its seed (demo.run_demo)."""
    return Ed25519Key.generate(SeededRandom(f"demo/{RECORD_SEED}/registrar/{rid}"))


def _read(folder: Path) -> Lines:
    return [json.loads(x) for x in (folder / "board.jsonl").read_text().splitlines()]


def _write(folder: Path, lines: Lines, *, renumber: bool = False) -> None:
    if renumber:
        for i, line in enumerate(lines):
            line["index"] = i
    (folder / "board.jsonl").write_text("".join(canonical_json(x).decode() + "\n" for x in lines))


def _find(lines: Lines, kind: str, registrar: str, region: str) -> int:
    (at,) = [
        i
        for i, x in enumerate(lines)
        if x["kind"] == kind
        and x["payload"]["registrar"] == registrar
        and x["payload"]["region"] == region
    ]
    return at


def _fails(folder: Path, pattern: str) -> str:
    with pytest.raises(VerificationError) as info:
        verify_record(folder, jobs=1, progress=False)
    message = str(info.value)
    print(f"\n{message}")
    assert re.search(pattern, message), message
    return message


def _manifest(folder: Path) -> Manifest:
    return Manifest.from_json(json.loads((folder / "manifest.json").read_text()))


@pytest.mark.parametrize("state", ["memory", "disk"])
def test_the_untouched_record_verifies_with_its_registrars(
    record: Path, tmp_path: Path, state: Any
) -> None:
    """The running sums (PARTS) and the roll (ROLL) in memory or in the verifier's file."""
    report = verify_record(record, jobs=1, progress=False, state=state, state_dir=tmp_path)
    assert report.results is not None
    credentials = report.credentials()
    assert credentials is not None
    assert credentials["codes_per_voter"] == 2 and credentials["rehearsal"] is False
    manifest = _manifest(record)
    for rid in (CEC, MISSION):  # the keys the tampering tests re-sign with
        assert manifest.registrar(rid).signing_key == _registrar_key(rid).public


def test_a_record_without_one_close_is_refused(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _read(copy)
    region = _manifest(copy).regions[0].id
    del lines[_find(lines, KIND_CLOSE, MISSION, region)]
    _write(copy, lines, renumber=True)
    opened = next(i for i, x in enumerate(lines) if x["kind"] == "voting.open")
    pattern = (
        rf"^board\.jsonl line {opened + 1}: board entry {opened} \(voting\.open\): credentials "
        rf"still open in {region} \(not closed by {MISSION}\)$"
    )
    _fails(copy, pattern)
    capsys.readouterr()
    assert main(["verify", str(copy), "--jobs", "1"]) == 1
    out, _ = capsys.readouterr()
    assert out.startswith("FAILED: board.jsonl line") and f"not closed by {MISSION}" in out


def test_a_record_with_a_batch_other_than_committed_is_refused(copy: Path) -> None:
    """mission's batch replaced by other parts it signed: accepted as a batch, refused at
    its close, which the verifier names."""
    lines = _read(copy)
    region = _manifest(copy).regions[0].id
    fp = _manifest(copy).fingerprint
    at = _find(lines, KIND_BATCH, MISSION, region)
    body = {k: v for k, v in lines[at]["payload"].items() if k != "signature"}
    body["keys"] = [base_times(777 + n).hex() for n in range(len(body["keys"]))]
    lines[at]["payload"] = sign_message(_registrar_key(MISSION), fp, KIND_BATCH, body)
    _write(copy, lines)
    close = _find(lines, KIND_CLOSE, MISSION, region)
    with pytest.raises(VerificationError, match="the parts posted are not those committed to"):
        verify_record(copy, jobs=1, progress=False, state="disk", state_dir=copy.parent)
    _fails(
        copy,
        rf"^board\.jsonl line {close + 1}: board entry {close} \(credentials\.close\): "
        rf"registrar '{MISSION}', region '{region}': the parts posted are not those committed to",
    )


def test_a_record_with_parts_missing_the_other_co_issuer_is_refused(copy: Path) -> None:
    """mission's parts replaced by the identity (so each roll key would be cec's part
    alone): refused as points, even signed by mission."""
    lines = _read(copy)
    region = _manifest(copy).regions[0].id
    fp = _manifest(copy).fingerprint
    at = _find(lines, KIND_BATCH, MISSION, region)
    body = {k: v for k, v in lines[at]["payload"].items() if k != "signature"}
    body["keys"] = ["01" + "00" * 31] * len(body["keys"])
    lines[at]["payload"] = sign_message(_registrar_key(MISSION), fp, KIND_BATCH, body)
    _write(copy, lines)
    _fails(
        copy,
        rf"^board\.jsonl line {at + 1}: board entry {at} \(credentials\): registrar "
        rf"'{MISSION}', region '{region}' batch 0: keys\[0\] 0100+ is not a part: want a "
        "canonical point",
    )


def test_a_record_without_one_commitment_is_refused(copy: Path) -> None:
    lines = _read(copy)
    region = _manifest(copy).regions[0].id
    del lines[_find(lines, KIND_COMMIT, MISSION, region)]
    _write(copy, lines, renumber=True)
    at = _find(lines, KIND_BATCH, CEC, region)
    _fails(
        copy,
        rf"^board\.jsonl line {at + 1}: board entry {at} \(credentials\): registrar '{CEC}', "
        rf"region '{region}': waiting for '{MISSION}' to commit",
    )


def test_a_record_without_one_co_issuer_at_all_is_refused(copy: Path) -> None:
    """Every message of mission for a region dropped: cec's parts are refused (mission
    never committed); with them dropped too, the region is not closed when voting opens."""
    lines = _read(copy)
    region = _manifest(copy).regions[0].id
    for kind in (KIND_CLOSE, KIND_BATCH, KIND_COMMIT):
        del lines[_find(lines, kind, MISSION, region)]
    _write(copy, lines, renumber=True)
    at = _find(lines, KIND_BATCH, CEC, region)
    _fails(copy, rf"board entry {at} \(credentials\): .*waiting for '{MISSION}' to commit")
    for kind in (KIND_CLOSE, KIND_BATCH):
        del lines[_find(lines, kind, CEC, region)]
    _write(copy, lines, renumber=True)
    _fails(copy, rf"credentials still open in {region} \(not closed by {CEC}, {MISSION}\)$")


def _resigned(lines: Lines, at: int, rid: str, fp: bytes, **change: Any) -> None:
    body = {k: v for k, v in lines[at]["payload"].items() if k != "signature"}
    lines[at]["payload"] = sign_message(_registrar_key(rid), fp, lines[at]["kind"], body | change)


def test_a_record_with_mission_rewriting_its_own_part_consistently_is_refused(
    copy: Path,
) -> None:
    """mission re-signs a commitment, batch and close that agree with each other: cec's
    batch names mission's first commitment, so the rules refuse it; with cec's key too
    (both re-sign), the rules pass, but the board's signed checkpoints (and the voters'
    ballots) do not."""
    lines = _read(copy)
    region = _manifest(copy).regions[0].id
    fp = _manifest(copy).fingerprint
    at = _find(lines, KIND_BATCH, MISSION, region)
    keys = [base_times(999 + n).hex() for n in range(len(lines[at]["payload"]["keys"]))]
    digest = roll_digest(fp, region, MISSION, [b"".join(bytes.fromhex(k) for k in keys)])
    c = _find(lines, KIND_COMMIT, MISSION, region)
    _resigned(lines, c, MISSION, fp, digest=digest)
    named = [lines[_find(lines, KIND_COMMIT, CEC, region)]["payload"]["digest"], digest]
    _resigned(lines, at, MISSION, fp, keys=keys, commitments=named)
    _write(copy, lines)
    cec = _find(lines, KIND_BATCH, CEC, region)
    assert cec < at  # cec's batch comes first in the demo's record
    _fails(
        copy,
        rf"^board\.jsonl line {cec + 1}: board entry {cec} \(credentials\): registrar '{CEC}', "
        rf"region '{region}': the batch names commitments {named[0]}, [0-9a-f]{{64}}, the "
        rf"board holds {named[0]}, {digest} ",
    )
    _resigned(lines, cec, CEC, fp, commitments=named)
    _write(copy, lines)
    _fails(copy, r"^checkpoints\.jsonl line \d+: the board's first \d+ entries do not hash")


def test_a_record_with_a_batch_naming_other_commitments_is_refused(copy: Path) -> None:
    """A batch re-signed by its registrar naming commitments other than the record's (a
    fork's, or in another order) is refused where it stands, naming both lists."""
    lines = _read(copy)
    manifest = _manifest(copy)
    region = manifest.regions[-1].id
    at = _find(lines, KIND_BATCH, MISSION, region)
    held = lines[at]["payload"]["commitments"]
    assert held == [lines[_find(lines, KIND_COMMIT, r, region)]["payload"]["digest"]
                    for r in (CEC, MISSION)]  # fmt: skip
    for named in (held[::-1], [held[0], "ab" * 32], held[:1]):
        _resigned(lines, at, MISSION, manifest.fingerprint, commitments=named)
        _write(copy, lines)
        _fails(
            copy,
            rf"^board\.jsonl line {at + 1}: board entry {at} \(credentials\): registrar "
            rf"'{MISSION}', region '{region}': the batch names commitments {', '.join(named)}, "
            rf"the board holds {', '.join(held)} \(",
        )


def test_a_record_with_a_commitment_again_after_a_part_is_refused(copy: Path) -> None:
    """mission's commitment posted a second time (re-signed, to other parts) right after
    cec's first batch of the region: refused as a replacement that comes too late."""
    lines = _read(copy)
    manifest = _manifest(copy)
    region = manifest.regions[0].id
    at = _find(lines, KIND_BATCH, CEC, region)
    again = json.loads(json.dumps(lines[_find(lines, KIND_COMMIT, MISSION, region)]))
    lines.insert(at + 1, again)
    _resigned(lines, at + 1, MISSION, manifest.fingerprint, digest="ab" * 32)
    _write(copy, lines, renumber=True)
    _fails(
        copy,
        rf"^board\.jsonl line {at + 2}: board entry {at + 1} \(credentials\.commit\): "
        rf"registrar '{MISSION}', region '{region}': already committed, and parts of the "
        "region are on the board$",
    )


# --- d. the manifest ----------------------------------------------------------------------------


def test_a_region_served_by_one_registrar_is_refused(record: Path) -> None:
    value = json.loads((record / "manifest.json").read_text())
    regions = [r["id"] for r in value["regions"]]
    for entry in value["registrars"]:
        if entry["id"] == MISSION:
            entry["regions"] = regions[:1]
    with pytest.raises(
        ManifestError,
        match=rf"^manifest\.codes_per_voter: region '{regions[1]}' is served by 1 registrar "
        rf"\({CEC}\), want 2$",
    ):
        Manifest.from_json(value)
    value["codes_per_voter"] = 1
    with pytest.raises(
        ManifestError,
        match=rf"region '{regions[0]}' is served by 2 registrars \({CEC}, {MISSION}\), want 1$",
    ):
        Manifest.from_json(value)


def test_a_toml_manifest_with_one_registrar_for_two_codes_is_refused(tmp_path: Path) -> None:
    run = demo._Run(io.StringIO(), "one-registrar")
    keys = [TrusteeKeys.generate(run.sub_rng(f"t{i}")) for i in range(len(demo.TRUSTEES))]
    text = demo._manifest_text(run, keys, [Ed25519Key.generate(run.sub_rng("r"))], [])
    assert "codes_per_voter = 1" in text
    text = text.replace("codes_per_voter = 1", "codes_per_voter = 2")
    with pytest.raises(ManifestError, match=rf"region '\w+' is served by 1 registrar \({CEC}\)"):
        Election.create(tmp_path / "board", text)
    assert not (tmp_path / "board").exists()


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    return _prepare(tmp_path_factory.mktemp("rehearsal") / "board", "rehearsal", (CEC,))


def test_a_rehearsal_is_accepted_and_says_so(rehearsal: Prepared, tmp_path: Path) -> None:
    """codes_per_voter = 1: the board runs, and the one registrar's code alone votes
    (which is why it is a rehearsal): the manifest says so."""
    shutil.copytree(rehearsal.folder, tmp_path / "board")
    with Election.open(tmp_path / "board") as election:
        _in_period(election)
        manifest = election.manifest
        assert manifest.codes_per_voter == 1 and manifest.rehearsal
        assert all(len(manifest.co_issuers(r)) == 1 for r in _regions(election))
        keys = list(rehearsal.registrars.values())
        letters = {}
        for region in _regions(election):
            letters[region] = demo.co_issue(election, keys, region, 2, lambda s: SeededRandom(s))
        election.open_voting()
        region = _regions(election)[0]
        (code,) = letters[region][0]
        fp = manifest.fingerprint
        assert election.state.roll.region_of(credential_part(fp, code)) == region
        election.post("ballot", _ballot(election, region, credential_key(fp, code), 7))
        assert election.state.counts.ballots == 1


# --- the board's state between the co-issuers' batches ----------------------------------------


def test_a_board_reopened_between_the_co_issuers_batches_sums_the_same_keys(
    prepared: Prepared, board: Election
) -> None:
    """cec's parts wait in the store (PARTS) while mission has not posted; a refused entry
    in between and reopening the board change nothing: the keys are credential_key's."""
    region = _regions(board)[0]
    fp = board.manifest.fingerprint
    issued = {rid: _issue(prepared, board, rid, region, 3) for rid in (CEC, MISSION)}
    for step in STEPS[:3]:  # both commitments, cec's batch
        _post_step(prepared, board, issued, step)
    body = {k: v for k, v in _batches(prepared, board, issued[MISSION])[0].items()}
    del body["signature"]
    wrong = sign_message(prepared.registrars[MISSION], fp, KIND_BATCH, {**body, "batch": 1})
    with pytest.raises(VerificationError, match="batch 1: want batch 0 next"):
        board.post(KIND_BATCH, wrong)
    folder = board.folder
    board.close()
    with Election.open(folder) as again:
        for step in STEPS[3:]:
            _post_step(prepared, again, issued, step)
        roll = again.state.roll
        assert roll.is_closed(region) and roll.count(region) == 3
        for cec_code, mission_code in zip(issued[CEC].codes, issued[MISSION].codes, strict=True):
            assert roll.region_of(credential_key(fp, (cec_code, mission_code)).public) == region
    with Election.open(folder, check=True) as checked:  # every entry re-checked in full
        assert checked.state.roll.count(region) == 3
