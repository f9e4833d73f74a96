"""What each `referendum` command does (the parser is in cli.py).

Each role keeps its secrets in its own folder: a trustee's keys and ceremony state, a
registrar's key, a witness's key and the last checkpoint it co-signed. Files holding
secrets are created with mode 0600 and are never overwritten by accident.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from referendum.ballot import PreparedBallot, encrypt_ballot
from referendum.board import WITNESS_KEY, BoardVerificationError, EquivocationDetected, SigningKey
from referendum.board import Witness as BoardWitness
from referendum.board.checkpoint import SignedCheckpoint, parse_signed_checkpoint
from referendum.canonical import JsonFormatError, parse_json
from referendum.ceremony import KIND_CLOSE, TrusteeKeys, TrusteeState
from referendum.credentials import (
    BATCH_SIZE,
    KIND_BATCH,
    KIND_COMMIT,
    CredentialKey,
    Issued,
    credential_key,
    issue_credentials,
    roll_digest,
    sign_batches,
)
from referendum.credentials import KIND_CLOSE as CREDENTIALS_CLOSE
from referendum.demo_manifest import TEMPLATE, key_block
from referendum.election import Election
from referendum.errors import VerificationError
from referendum.group import RISTRETTO255 as G
from referendum.group import Element, GroupError, element_from_hex
from referendum.manifest import CEREMONY_STEPS, Manifest, ManifestError, Registrar
from referendum.party import Local, PartyBoard, Remote, party_board
from referendum.receipt import Receipt, check_receipt
from referendum.replica import (
    BoardClient,
    BoardUnreachable,
    Replica,
    ReplicaError,
    ReplicaSetupError,
)
from referendum.signing import Ed25519Key
from referendum.tally import RegionTally, decryption_message
from referendum.witnessing import Caught, Step, Witnessing, refresh_due

__all__ = ["CommandError", "run", "verify"]

TRUSTEE_KEYS = "trustee-keys.json"
TRUSTEE_STATE = "trustee-state.json"
REGISTRAR_FILE = "registrar.json"
WITNESS_FILE = "witness.json"
#: The board state (size, root) a trustee decrypted: one per referendum (section 14.2).
DECRYPTED_FILE = "decrypted.json"
#: The largest roll one `credentials issue` makes (a region of the real case has ~2 million).
MAX_ISSUE = 10_000_000


class CommandError(Exception):
    """A command cannot go on; the message is one line, status the exit code."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


@contextmanager
def _party(args: argparse.Namespace, *, check: bool = False) -> Iterator[PartyBoard]:
    """Gives back the board as this party sees it (party.party_board), errors mapped to
    exit codes: 1 when the board fails a check, 2 when it cannot be used."""
    folder = Path(args.dir) if getattr(args, "dir", None) else None
    board, fingerprint = getattr(args, "board", None), getattr(args, "fingerprint", None)
    election = getattr(args, "election", None)
    if election is None and board is None and folder is None:
        raise CommandError("give --board URL --fingerprint FP (or --election FOLDER)")
    try:
        with party_board(
            folder, board=board, fingerprint=fingerprint, election=election, check=check
        ) as party:
            yield party
    except ReplicaError as exc:
        raise CommandError(str(exc), 1) from None
    except (ReplicaSetupError, BoardUnreachable) as exc:
        raise CommandError(str(exc)) from None


def _say(text: str) -> None:
    print(text, flush=True)


def _read_json(path: Path, what: str, hint: str = "") -> Any:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CommandError(f"{path}: no {what} here{hint}") from None
    try:
        return parse_json(data, str(path))
    except JsonFormatError as exc:
        raise CommandError(str(exc)) from None


def _write_secret(path: Path, value: Any, *, replace: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(value, indent=1) + "\n").encode()
    if not replace:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise CommandError(f"{path} already exists; not overwriting a secret") from None
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())  # on disk before whatever it protects leaves
        return
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _field(value: Any, name: str, path: Path) -> Any:
    if not isinstance(value, dict) or name not in value:
        raise CommandError(f"{path}: missing {name}")
    return value[name]


def _seed(value: Any, path: Path) -> bytes:
    text = _field(value, "seed", path)
    try:
        seed = bytes.fromhex(text) if isinstance(text, str) else b""
    except ValueError:
        seed = b""
    if len(seed) != 32:
        raise CommandError(f"{path}: seed must be 64 hex digits")
    return seed


# --- organiser and operator ----------------------------------------------------------------


def _init(args: argparse.Namespace) -> None:
    if args.template:
        sys.stdout.write(TEMPLATE)
        return
    if not args.manifest or not args.election:
        raise CommandError("give the manifest file and --election FOLDER (or --template)")
    try:
        text = Path(args.manifest).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CommandError(f"{args.manifest}: no such file") from None
    except UnicodeDecodeError:
        raise CommandError(f"{args.manifest}: not UTF-8 text") from None
    try:
        election = Election.create(Path(args.election), text, store=args.store)
    except ManifestError as exc:
        raise CommandError(f"{args.manifest}: {exc}") from None
    with election:
        m = election.manifest
        _say(f"referendum {m.id}: board created in {args.election}")
        _say(f"fingerprint {m.fingerprint.hex()}")
        if m.booth is not None:
            _say(f"booth {m.booth}: the server serves only this build of the web pages")
        if m.rehearsal:
            _say(
                "rehearsal: one registrar per region (codes_per_voter = 1): a registrar that"
                " kept its codes could vote for abstainers; not for a real vote"
            )
        else:
            _say(
                f"credentials: every voter gets {m.codes_per_voter} codes, one from each"
                " registrar serving its region"
            )
        _say("publish the fingerprint: every party checks it before taking part")


def _open(args: argparse.Namespace) -> None:
    with Election.locked(Path(args.election)) as election:
        entry = election.open_voting()
        _say(f"voting is open (board entry {entry.index})")


def _tally(args: argparse.Namespace) -> None:
    with Election.locked(Path(args.election)) as election:
        if args.step == "close":
            entries = election.close_voting(early=args.early)
            counts = election.state.counts
            _say(
                f"voting closed at board entry {entries[0].index}: {counts.ballots} ballots,"
                f" {counts.spoiled} challenged; encrypted totals posted for"
                f" {len(entries) - 1} regions"
            )
            _say("trustees may now run `referendum trustee decrypt`")
            return
        if election.state.phase != "decrypting":
            raise CommandError(_no_tally(election.state.phase, "publish"))
        entry = election.publish_results()
        results = election.state.results
        assert results is not None
        _say(f"results posted at board entry {entry.index}")
        if results.rejected:
            for trustee, reason in results.rejected:
                _say(f"rejected decryption of trustee {trustee}: {reason}")
        _print_results(election.manifest, results)


def _export(args: argparse.Namespace) -> None:
    with Election.locked(Path(args.election)) as election:
        folder = election.export(Path(args.record))
        size = election.log.size()
        _say(f"election record written to {folder} ({size} board entries)")
        manifest = election.manifest
        latest = election.latest_cosigned()
        names = _cosigners(manifest, latest) if latest and latest.checkpoint.size == size else []
        if len(names) < manifest.witness_quorum:
            _say(
                f"note: the board's last {size} entries are co-signed by {len(names)} of the"
                f" {manifest.witness_quorum} witnesses the manifest requires"
                f" ({', '.join(names) or 'none'}); the verifier will refuse this record:"
                " have the witnesses co-sign (`referendum witness cosign`), then export again"
            )


# --- trustees ----------------------------------------------------------------------------------


def _trustee_keys(folder: Path) -> TrusteeKeys:
    path = folder / TRUSTEE_KEYS
    value = _read_json(path, "trustee keys", "; run `referendum trustee keygen` first")
    try:
        return TrusteeKeys.from_json(value)
    except (ValueError, KeyError, TypeError) as exc:
        raise CommandError(f"{path}: {exc}") from None


def _trustee_state(folder: Path, manifest: Manifest, keys: TrusteeKeys) -> TrusteeState:
    path = folder / TRUSTEE_STATE
    if not path.exists():
        raise CommandError(f"{path}: no ceremony state; run `referendum trustee commit` first")
    try:
        state = TrusteeState.from_json(_read_json(path, "ceremony state"))
    except (ValueError, KeyError, TypeError) as exc:
        raise CommandError(f"{path}: {exc}") from None
    if state.fingerprint != manifest.fingerprint:
        raise CommandError(f"{path}: this trustee state belongs to another referendum")
    if state.keys.public_json() != keys.public_json():
        raise CommandError(f"{path}: this state holds other keys than {folder / TRUSTEE_KEYS}")
    return state


def _ceremony_status(election: PartyBoard) -> None:
    board = election.state.ceremony
    manifest = election.manifest
    waiting = ", ".join(map(str, board.waiting_for())) or "nobody"
    _say(f"ceremony phase: {board.phase()}; waiting for trustees: {waiting}")
    _say(f"  policy: {manifest.policy.describe()}")
    closes = board.closed_by()
    for step in CEREMONY_STEPS:
        deadline = manifest.deadlines.get(step)
        if step in closes:
            how = f"closed at its deadline by board entry {closes[step]}"
        elif board.closed(step):
            how = "closed: everyone due posted"
        else:
            how = "open"
        _say(f"  step {step}: {how}" + (f" (deadline {deadline})" if deadline else ""))
    for t in manifest.trustees:
        for (c, dealer), reason in sorted(board.complaints_by(t.index).items()):
            answered = board.revealed(c, dealer, t.index) is not None
            state = "answered by a reveal" if answered else "not answered"
            _say(
                f"  trustee {t.index} complained about trustee {dealer} (clause {c}): {reason}"
                f" ({state})"
            )
    for complainer, pairs in sorted(board.refuted().items()):
        for c, dealer in pairs:
            _say(
                f"  trustee {dealer} answered trustee {complainer}'s clause {c} complaint with"
                " a share that verifies"
            )
    if board.closed("reveal"):
        for c, qual in sorted(board.qualified.items()):
            _say(f"  clause {c}: qualified dealers {', '.join(map(str, qual)) or 'none'}")
        for (c, dealer), reason in sorted(board.disqualified.items()):
            _say(f"  trustee {dealer} out of clause {c}: {reason}")
    if board.failed:  # from the commitment step's close on (section 11.7.4)
        _say(f"  {board.failed}")
    if board.complete:
        _say(f"  joint key: {board.public_key.to_bytes().hex()}")


def _require_witnessed(election: PartyBoard, size: int) -> None:
    """Refuses unless the manifest's quorum of witnesses co-signed this board at size or
    later, each on a tree this party's board holds (section 14.2).

    A trustee decrypts only a tally the witnesses have seen: an operator who showed the
    trustee a board of its own making (a fork with one voter's ballot alone in a region)
    would need the quorum of witnesses to co-sign that fork too, and a witness that
    follows the real board refuses a tree that contradicts it (section 7.6).
    """
    manifest = election.manifest
    if not manifest.witnesses:
        _say("note: the manifest names no witness, so nobody else vouches for this tally")
        return
    signed_by: set[str] = set()
    for signed in election.cosigned_from(size):
        c = signed.checkpoint
        if c.size < size or c.size > election.state.size:
            continue
        try:
            signed.verify(manifest.board_key)
        except BoardVerificationError as exc:
            raise CommandError(f"co-signed checkpoint: {exc}") from None
        names = _cosigners(manifest, signed)
        if not names:
            continue
        if election.root(c.size) != c.root:
            raise CommandError(
                f"the board this trustee verified differs from the one {', '.join(names)}"
                f" co-signed at size {c.size}: do not decrypt; tell the observers",
                1,
            )
        signed_by.update(names)
    need = manifest.witness_quorum
    if len(signed_by) >= need:
        return
    if not signed_by:
        raise CommandError(
            "no witness has co-signed the board since the tally was posted; ask the"
            " witnesses to co-sign (`referendum witness cosign`), then decrypt"
        )
    raise CommandError(
        f"the tally is co-signed by {len(signed_by)} of the {need} witnesses the manifest"
        f" requires ({', '.join(sorted(signed_by))}); wait for the others, then decrypt"
    )


def _cosigners(manifest: Manifest, signed: SignedCheckpoint) -> list[str]:
    """Gives back the manifest witnesses whose co-signature on signed verifies."""
    names = []
    for w in manifest.witnesses:
        try:
            signed.verify(w.key)
        except VerificationError:
            continue
        names.append(w.key.name)
    return names


def _require_enough_ballots(manifest: Manifest, tallies: Sequence[RegionTally]) -> None:
    """Refuses when a region counts fewer ballots than the manifest's min_counted (but
    some): decrypting its totals would reveal how those few voted (section 14.2)."""
    few = [t for t in tallies if 0 < t.counted < manifest.min_counted]
    if few:
        named = ", ".join(f"{t.region} ({t.counted})" for t in few)
        raise CommandError(
            f"not decrypting: {named} counted fewer than the {manifest.min_counted} ballots"
            " the manifest requires per region, so its totals would show how those voters"
            " voted"
        )
    for t in tallies:
        if t.counted == 1:
            _say(
                f"warning: {t.region} counted one ballot: its totals show how that voter voted"
                " (the manifest sets no min_counted)"
            )


def _remember_decryption(folder: Path, fingerprint: bytes, tally: tuple[int, bytes]) -> None:
    """Keeps the board state this trustee decrypts, before its shares leave; refuses when
    it decrypted another state of this referendum before (section 14.2)."""
    path = folder / DECRYPTED_FILE
    size, root = tally
    mine = {
        "format": "referendum-decrypted/1",
        "fingerprint": fingerprint.hex(),
        "size": size,
        "root": root.hex(),
    }
    if path.exists():
        kept = _read_json(path, "decryption record")
        if kept == mine:
            return  # the same state again (a post that did not arrive is tried again)
        if isinstance(kept, dict) and kept.get("fingerprint") == fingerprint.hex():
            raise CommandError(
                f"this trustee already decrypted another state of this board ({kept.get('size')}"
                f" entries, root {str(kept.get('root'))[:16]}…; now {size} entries, root"
                f" {root.hex()[:16]}…): a board with two tallies is a fork; not decrypting"
                f" again; tell the observers ({path} holds the first)",
                1,
            )
        raise CommandError(f"{path}: a decryption record of another referendum")
    _write_secret(path, mine)


def _no_tally(phase: str, what: str) -> str:
    if phase == "done":
        return f"nothing to {what}: the results are already posted"
    return f"nothing to {what} yet: the board is in phase {phase!r} (run `tally close` first)"


def _refused(exc: Exception) -> bool:
    """Gives back whether exc says the board refused a message for certain, so it is not
    on the board: the board's rules said no (here, or in a 4xx answer). A lost answer, a
    503 or a replica that fails its check after posting leave it unknown."""
    if isinstance(exc, BoardUnreachable):
        return exc.status is not None and 400 <= exc.status < 500
    return isinstance(exc, VerificationError) and not isinstance(exc, ReplicaError)


def _new_state(manifest: Manifest, keys: TrusteeKeys) -> TrusteeState:
    try:
        return TrusteeState.new(manifest, keys)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def _close_step(election: PartyBoard) -> None:
    """Posts a ceremony.close for the open step, carrying the witnesses' co-signatures of
    the board as it is now (section 11.7); the board refuses it before the deadline."""
    manifest = election.manifest
    board = election.state.ceremony
    step = next((s for s in CEREMONY_STEPS if not board.closed(s)), None)
    if step is None:
        raise CommandError("every ceremony step has closed: nothing to close")
    deadline = manifest.deadlines.get(step)
    if deadline is None:
        raise CommandError(
            "the manifest sets no ceremony deadlines: a step closes only when everyone due"
            " has posted"
        )
    size = election.state.size
    cosigned = election.freshest_cosigned(size)
    if cosigned is None:
        raise CommandError(
            f"no witness has co-signed the board's current {size} entries: after the {step}"
            f" step's deadline {deadline}, have the witnesses co-sign (`referendum witness"
            " cosign`), then close"
        )
    index = election.post(KIND_CLOSE, {"step": step, "checkpoint": cosigned.to_text()})
    waiting = ", ".join(map(str, board.waiting_for())) or "nobody"
    _say(f"ceremony: the {step} step closed at its deadline (board entry {index}); now {waiting}")


def _commit(election: PartyBoard, folder: Path, keys: TrusteeKeys) -> None:
    """Posts the trustee's commitments. The secret is kept before they leave, so a crash
    in between leaves a state to post again (the next `commit` does), never commitments
    nobody holds the secret of; a refused post leaves no state behind."""
    manifest = election.manifest
    path = folder / TRUSTEE_STATE
    fresh = not path.exists()
    if fresh:
        state = TrusteeState.new(manifest, keys)
        _write_secret(path, state.to_json())
    else:
        state = _trustee_state(folder, manifest, keys)
        if state.index in election.state.ceremony.committed():
            raise CommandError(f"{path} exists: this trustee has committed")
        _say(f"trustee {state.index}: posting the commitments kept in {path}")
    try:
        index = election.post("ceremony.commitment", state.commitment_message(manifest))
    except (VerificationError, BoardUnreachable) as exc:
        if fresh and _refused(exc):
            path.unlink()  # the board said no: this state's commitments are nowhere
        raise
    _say(f"trustee {state.index}: commitments posted (board entry {index})")


def _trustee(args: argparse.Namespace) -> None:
    if args.step == "status":  # public information: no trustee folder needed
        with _party(args) as election:
            _ceremony_status(election)
        return
    if args.step == "close":  # anyone may close a step past its deadline: no keys needed
        with _party(args) as election:
            _close_step(election)
        return
    folder = Path(args.dir)
    if args.step == "keygen":
        keys = TrusteeKeys.generate()
        _write_secret(folder / TRUSTEE_KEYS, keys.to_json())
        public = keys.public_json()
        _say(f"# trustee keys written to {folder / TRUSTEE_KEYS}; add this block to the manifest:")
        sys.stdout.write(
            key_block(
                "trustees",
                [
                    ("name", args.name),
                    ("group", args.group),
                    ("signing_key", public["signing_key"]),
                    ("encryption_key", public["encryption_key"]),
                ],
            )
        )
        return
    keys = _trustee_keys(folder)
    # Before decrypting, a trustee re-checks every entry itself (the operator is not
    # trusted): its replica checked each as it synced; in a rehearsal the folder is
    # re-checked in full.
    with _party(args, check=args.step == "decrypt") as election:
        manifest = election.manifest
        board = election.state.ceremony
        if args.step == "commit":
            _commit(election, folder, keys)
            return
        if args.step in ("check", "confirm", "decrypt") and not (folder / TRUSTEE_STATE).exists():
            # Absent from the commitment step: the shares dealt to it are sealed to it on
            # the board (section 11.9), so it can still check them, confirm the key and
            # decrypt; a fresh state holds nothing it posted.
            state = _new_state(manifest, keys)
            if state.index in board.committed():
                raise CommandError(
                    f"{folder / TRUSTEE_STATE} is missing, but trustee {state.index} posted"
                    " commitments: its secret polynomials are in that file; restore it from"
                    " the trustee's backup"
                )
        else:
            state = _trustee_state(folder, manifest, keys)
        if args.step == "shares":
            index = election.post("ceremony.shares", state.shares_message(manifest))
            _say(f"trustee {state.index}: encrypted shares posted (board entry {index})")
        elif args.step == "check":
            message = state.check_message(manifest, board)
            _write_secret(folder / TRUSTEE_STATE, state.to_json(), replace=True)
            index = election.post("ceremony.check", message)
            complaints = message["complaints"]
            if complaints:
                named = ", ".join(f"trustee {c['against']}: {c['reason']}" for c in complaints)
                _say(f"trustee {state.index}: complaints posted: {named}")
            else:
                _say(f"trustee {state.index}: all shares verified (board entry {index})")
        elif args.step == "reveal":
            messages = state.reveal_messages(manifest, board)
            for message in messages:
                election.post("ceremony.reveal", message)
            _say(f"trustee {state.index}: {len(messages)} complaint(s) answered")
        elif args.step == "confirm":
            if not board.closed("reveal"):
                later = (
                    " (or for the step's deadline: the board closes it once the witnesses"
                    " co-sign after it)"
                    if manifest.deadlines
                    else ""
                )
                raise CommandError(
                    f"not time to confirm yet: phase {board.phase()}, waiting for trustees"
                    f" {', '.join(map(str, board.waiting_for())) or 'nobody'}{later}"
                )
            message = state.confirm_message(manifest, board)
            _write_secret(folder / TRUSTEE_STATE, state.to_json(), replace=True)
            index = election.post("ceremony.confirm", message)
            _say(
                f"trustee {state.index}: confirmed the joint key {message['public_key']}"
                f" (board entry {index})"
            )
        elif args.step == "decrypt":
            if not election.state.tallies or election.state.phase != "decrypting":
                raise CommandError(_no_tally(election.state.phase, "decrypt"))
            posted = set(election.state.decryptions) | set(election.state.rejected_shares)
            if state.index in posted:
                raise CommandError(
                    f"trustee {state.index} has already posted its decryption shares on this"
                    " board: nothing to do"
                )
            try:
                finals = state.final_shares_from(manifest, board)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            _write_secret(folder / TRUSTEE_STATE, state.to_json(), replace=True)
            tally_state = election.state.tally_state
            if tally_state is None:  # pragma: no cover - set with phase decrypting
                raise CommandError("no tally on the board")
            _require_enough_ballots(manifest, election.state.tallies)
            _require_witnessed(election, tally_state[0])
            _remember_decryption(folder, manifest.fingerprint, tally_state)
            message = decryption_message(
                manifest,
                state.index,
                finals,
                keys.signing,
                election.state.tallies,
                board=tally_state,
            )
            index = election.post("decryption", message)
            _say(f"trustee {state.index}: decryption shares posted (board entry {index})")


# --- registrars --------------------------------------------------------------------------------


def _credentials(args: argparse.Namespace) -> None:
    folder = Path(args.dir)
    path = folder / REGISTRAR_FILE
    if args.step == "keygen":
        key = Ed25519Key.generate()
        _write_secret(path, {"format": "referendum-registrar/1", "seed": key.seed.hex()})
        _say(f"# registrar key written to {path}; add this block to the manifest:")
        sys.stdout.write(
            key_block(
                "registrars",
                [
                    ("id", args.id),
                    ("name", args.name),
                    ("signing_key", key.public.hex()),
                    *([("regions", args.region)] if args.region else []),
                ],
            )
        )
        return
    key = Ed25519Key(_seed(_read_json(path, "registrar key"), path))
    if args.step == "publish":
        with _party(args) as election:
            registrar = _registrar_of(election.manifest, key, path)
            _publish(election, folder, key, registrar.id, args.region)
        return
    if args.count > MAX_ISSUE:
        raise CommandError(f"--count {args.count:,}: at most {MAX_ISSUE:,} credentials per region")
    out = Path(args.out)
    if out.exists():
        raise CommandError(f"{out} already exists; not overwriting voters' codes")
    pending = _issue_file(folder, args.region)
    if pending.exists():
        raise CommandError(
            f"{pending} exists: this registrar already issued region {args.region}; post"
            f" the rest with `referendum credentials publish --region {args.region}`"
        )
    with _party(args) as election:
        manifest = election.manifest
        registrar = _registrar_of(manifest, key, path)
        issued = issue_credentials(manifest, registrar.id, key, args.region, args.count)
        # The codes are written (and synced) before anything goes on the board: a crash in
        # between leaves unused codes, never parts nobody holds the codes of.
        lines = [f"# referendum {manifest.id} region {args.region}: one code per voter\n"]
        lines.append(f"# registrar {registrar.id}; slot n is voter n of the region's register\n")
        lines += [f"{args.region},{n},{code}\n" for n, code in enumerate(issued.codes, start=1)]
        _write_secret_text(out, "".join(lines))
        record = {
            "format": "referendum-issue/2",
            "registrar": registrar.id,
            "region": args.region,
            "commit": issued.commit,
            "parts": [p.hex() for p in issued.parts],
            "close": issued.close,
        }
        _write_secret_text(pending, json.dumps(record, separators=(",", ":")) + "\n")
        try:
            index = election.post(KIND_COMMIT, issued.commit)
        except (VerificationError, BoardUnreachable) as exc:
            # Nothing of this issue is on the board, as far as the board now shows: nobody
            # can use the codes. A board that shows the commitment keeps them (publish).
            if _refused(exc) and not _committed_on_board(election, registrar.id, issued):
                out.unlink()
                pending.unlink()
            raise
        _say(
            f"{args.count} code{'s' if args.count != 1 else ''} for {args.region} in {out};"
            " commitment to their parts"
            f" posted (board entry {index})"
        )
        _publish(election, folder, key, registrar.id, args.region, after_issue=True)


def _committed_on_board(election: PartyBoard, registrar: str, issued: Issued) -> bool:
    """Gives back whether the board, read again, holds this issue's commitment."""
    if isinstance(election, Remote):
        try:
            election.replica.sync(progress=False)
        except (VerificationError, BoardUnreachable):
            return True  # cannot tell: keep the codes
    digest, _, _ = election.state.roll.posted(issued.region, registrar)
    return bool(digest == issued.commit["digest"])


def _voter_key(manifest: Manifest, codes: Sequence[str]) -> CredentialKey:
    """Gives back the credential key of a voter's codes (--code once per registrar)."""
    want = manifest.codes_per_voter
    if len(codes) != want:
        raise CommandError(
            f"give --code {want} time{'s' if want > 1 else ''}, once for the code on each"
            f" registrar's letter; got {len(codes)}"
        )
    return credential_key(manifest.fingerprint, codes)


def _registrar_of(manifest: Manifest, key: Ed25519Key, path: Path) -> Registrar:
    registrar = next((r for r in manifest.registrars if r.signing_key == key.public), None)
    if registrar is None:
        raise CommandError(f"{path}: this key is not a registrar of referendum {manifest.id}")
    return registrar


def _issue_file(folder: Path, region: str) -> Path:
    if not region.replace("-", "").replace("_", "").isalnum():
        raise CommandError(f"--region {region!r}: not a region id")
    return folder / f"issue-{region}.json"


def _publish(
    election: PartyBoard,
    folder: Path,
    key: Ed25519Key,
    registrar: str,
    region: str,
    *,
    after_issue: bool = False,
) -> None:
    """Posts this registrar's parts for region not yet on the board and its close, once
    every co-issuer committed (section 10.4); CommandError naming whom it waits for, or
    after_issue (the commitment was just posted: a success) a note saying what to run."""
    pending = _issue_file(folder, region)
    record = _read_json(
        pending,
        f"issue of region {region} by this registrar",
        f" (run `referendum credentials issue --region {region}` first)",
    )
    if (
        not isinstance(record, dict)
        or record.get("format") != "referendum-issue/2"
        or (record.get("registrar"), record.get("region")) != (registrar, region)
        or not isinstance(record.get("commit"), dict)
        or not isinstance(record.get("parts"), list)
        or not all(isinstance(p, str) and len(p) == 64 for p in record["parts"])
    ):
        raise CommandError(f"{pending}: not this registrar's referendum-issue/2 file for {region}")
    try:
        parts = [bytes.fromhex(p) for p in record["parts"]]
    except ValueError:
        raise CommandError(f"{pending}: a part is not hex") from None
    fp = election.manifest.fingerprint
    chunks = [b"".join(parts[i : i + BATCH_SIZE]) for i in range(0, len(parts), BATCH_SIZE)]
    if roll_digest(fp, region, registrar, chunks) != record["commit"].get("digest"):
        raise CommandError(
            f"{pending}: its parts are not those its commitment names (a damaged or mixed-up"
            " file); nothing was posted"
        )
    roll = election.state.roll
    try:
        digest, posted, closed = roll.posted(region, registrar)
    except KeyError as exc:
        raise CommandError(str(exc.args[0])) from None
    if digest is None:  # the commitment never reached the board (a lost answer): post it
        index = election.post(KIND_COMMIT, record["commit"])
        _say(f"region {region}: commitment posted (board entry {index})")
        digest = record["commit"].get("digest")
        roll = election.state.roll
    if digest != record["commit"].get("digest"):
        raise CommandError(
            f"region {region}: the board holds another commitment of registrar {registrar}"
            f" ({digest}) than {pending}; these codes cannot be used (nothing was posted)"
        )
    waiting = [g for g, count in roll.committed(region).items() if not count]
    if closed:
        _say(f"region {region}: registrar {registrar} has already posted every part and closed")
        return
    if waiting and after_issue:
        _say(
            f"region {region}: waiting for {', '.join(waiting)} to commit; then post the parts"
            f" with `referendum credentials publish --region {region}`"
        )
        return
    if waiting:
        raise CommandError(
            f"region {region}: waiting for {', '.join(waiting)} to commit before the parts are"
            f" posted; then run `referendum credentials publish --region {region}`"
            " (nothing more was posted)"
        )
    # The parts are revealed against one list of commitments only, pinned in the issue
    # file before the first signature: a board that withheld them, or showed a fork, cannot
    # have them signed again after an accomplice's commitment changed (protocol.md 10.6).
    on_board = roll.commitments(region)
    pinned = record.get("commitments")
    if pinned is None:
        record["commitments"] = on_board
        _write_secret(pending, record, replace=True)
    elif pinned != on_board:
        raise CommandError(
            f"region {region}: the commitments on the board ({', '.join(on_board)}) are not"
            f" those this registrar's parts were first revealed against ({', '.join(pinned)},"
            f" in {pending}): a commitment changed after the parts left this machine, or the"
            " board shows another history; nothing was posted: tell the observers"
        )
    signed = sign_batches(key, fp, registrar, region, parts, record["commitments"])
    batches = signed[posted:]
    items = [(KIND_BATCH, b) for b in batches] + [(CREDENTIALS_CLOSE, record["close"])]
    indexes: list[int] = []
    if isinstance(election, Local):  # one transaction on the operator's folder
        indexes = election.post_many(items)
    else:  # batch by batch over the API, each its own entry
        for item in items:
            indexes += election.post_many([item])
    _say(
        f"region {region}: {len(batches)} batch{'es' if len(batches) != 1 else ''} of parts"
        f" and the close posted (board entries"
        f" {indexes[0]}-{indexes[-1]}); {roll.count(region):,} voters' keys complete so far"
    )


def _write_secret_text(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


# --- witnesses ---------------------------------------------------------------------------------


def _witness(args: argparse.Namespace) -> None:
    if args.step == "request":
        _witness_request(args)
        return
    folder = Path(args.dir)
    path = folder / WITNESS_FILE
    if args.step == "keygen":
        key = SigningKey.generate(args.name, WITNESS_KEY)
        _write_secret(
            path,
            {
                "format": "referendum-witness/1",
                "name": key.name,
                "seed": key.seed.hex(),
                "latest": None,
            },
        )
        _say(f"# witness key written to {path}; add this block to the manifest:")
        sys.stdout.write(
            key_block("witnesses", [("name", args.name), ("key", key.verifier().to_text())])
        )
        return
    value = _read_json(path, "witness key")
    name, latest_text = _field(value, "name", path), _field(value, "latest", path)
    if not isinstance(name, str):
        raise CommandError(f"{path}: name: want text")
    if latest_text is not None and not isinstance(latest_text, str):
        raise CommandError(f"{path}: latest: want a signed checkpoint (text) or null")
    try:
        key = SigningKey(name, WITNESS_KEY, _seed(value, path))
        latest = parse_signed_checkpoint(latest_text) if latest_text else None
    except (ValueError, VerificationError) as exc:
        raise CommandError(f"{path}: {exc}") from None
    if getattr(args, "election", None) is None:
        _witness_remote(args, folder, key, latest, value, path)
        return
    with _party(args) as election:
        manifest = election.manifest
        if not any(w.key == key.verifier() for w in manifest.witnesses):
            raise CommandError(f"{path}: this key is not a witness of referendum {manifest.id}")
        witness = BoardWitness(key, manifest.board_key, latest)
        current, _ = election.checkpoint()
        proof: list[bytes] = []
        if latest is not None and 0 < latest.checkpoint.size < current.checkpoint.size:
            proof = election.consistency(latest.checkpoint.size, current.checkpoint.size)
        now = int(time.time())
        refresh = (
            latest is not None
            and latest.checkpoint == current.checkpoint
            and refresh_due(manifest, witness, now)
        )
        try:
            cosigned = witness.cosign(current, proof, now, refresh=refresh)
        except EquivocationDetected as exc:
            evidence = folder / "equivocation.json"
            evidence.write_text(exc.evidence.to_json() + "\n")
            raise CommandError(
                f"{exc}; the proof is in {evidence}: publish it, do not co-sign this board",
                1,
            ) from None
        # What it signs is kept before it is handed over (a crash in between must not
        # let this witness sign another tree of the same size later).
        value["latest"] = cosigned.to_text()
        _write_secret(path, value, replace=True)
        election.add_cosigned(cosigned)
    _say(f"witness {key.name}: co-signed the board at size {cosigned.checkpoint.size}")


def _witness_remote(
    args: argparse.Namespace,
    folder: Path,
    key: SigningKey,
    latest: SignedCheckpoint | None,
    value: dict[str, Any],
    path: Path,
) -> None:
    """witness cosign (once) or follow (until stopped) from the witness's own replica."""

    def save(cosigned: SignedCheckpoint) -> None:
        value["latest"] = cosigned.to_text()
        _write_secret(path, value, replace=True)

    stop = _Stop() if args.step == "follow" else None
    try:
        with Replica.open(folder, args.board, args.fingerprint) as replica:
            manifest = replica.manifest
            if not any(w.key == key.verifier() for w in manifest.witnesses):
                raise CommandError(f"{path}: this key is not a witness of referendum {manifest.id}")
            duty = Witnessing(replica, key, latest, save)
            if stop is None:
                done = duty.step()
                _report_step(key.name, done, always=True)
                return
            _say(
                f"witness {key.name}: following {replica.client.url} every"
                f" {args.interval:g} s (stop with Ctrl-C or SIGTERM)"
            )
            while not stop.wait(0):
                try:
                    _report_step(key.name, duty.step())
                except BoardUnreachable as exc:
                    _say(f"witness {key.name}: the board cannot be reached now ({exc}); retrying")
                stop.wait(args.interval)
            _say(f"witness {key.name}: stopped")
    except Caught as exc:
        where = f"; the proof is in {exc.path}: publish it" if exc.path else ""
        raise CommandError(
            f"{exc}{where}; this witness signs nothing more of this board", 1
        ) from None
    except ReplicaError as exc:
        raise CommandError(f"{exc}; nothing was co-signed", 1) from None
    except (ReplicaSetupError, BoardUnreachable) as exc:
        raise CommandError(str(exc)) from None
    finally:
        if stop is not None:
            stop.restore()


def _witness_request(args: argparse.Namespace) -> None:
    """The operator asks a transparency-log witness (C2SP tlog-witness) to co-sign."""
    from referendum.tlog_witness import TlogWitnessError, request_cosignature

    if not args.url.startswith(("http://", "https://")):
        raise CommandError(f"--url {args.url!r}: want http:// or https://")
    with Election.locked(Path(args.election)) as election:
        try:
            got = request_cosignature(election, args.url)
        except TlogWitnessError as exc:
            raise CommandError(str(exc)) from None
    _say(
        f"witness {', '.join(got.names)} ({args.url}) co-signed the board at size"
        f" {got.cosigned.checkpoint.size:,}"
    )


def _report_step(name: str, done: Step, *, always: bool = False) -> None:
    if done.cosigned is not None:
        _say(
            f"witness {name}: checked {done.checked:,} new entries; co-signed the board at"
            f" size {done.cosigned.checkpoint.size:,}"
        )
    elif always:
        _say(f"witness {name}: the board has {done.size:,} entries, already co-signed")


class _Stop:
    """SIGTERM and SIGINT end a following loop between steps, with exit 0."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._old = {
            sig: signal.signal(sig, lambda *_: self._event.set())
            for sig in (signal.SIGTERM, signal.SIGINT)
        }

    def wait(self, seconds: float) -> bool:
        return self._event.wait(seconds)

    def restore(self) -> None:
        for sig, handler in self._old.items():
            signal.signal(sig, handler)


# --- voters ------------------------------------------------------------------------------------


def _choices(manifest: Manifest, region: str, given: list[str]) -> dict[str, list[int]]:
    style = manifest.ballot_style(region)
    picked: dict[str, set[str]] = {}
    for item in given:
        question, sep, options = item.partition("=")
        if not sep:
            raise CommandError(f"--choice {item!r}: write QUESTION=OPTION")
        if question in picked:
            raise CommandError(f"--choice: question {question!r} given twice")
        picked[question] = {o for o in options.split(",") if o}
    on_ballot = {q.id for q in style}
    for question in picked:
        if question not in on_ballot:
            raise CommandError(
                f"no question {question!r} on the ballot of {region}"
                f" (questions: {', '.join(sorted(on_ballot))})"
            )
    result = {}
    for q in style:
        ids = [o.id for o in q.options]
        if q.id not in picked:
            raise CommandError(f"no --choice for question {q.id!r} (options: {', '.join(ids)})")
        for option in sorted(picked[q.id] - set(ids)):
            raise CommandError(
                f"question {q.id!r} has no option {option!r} (options: {', '.join(ids)})"
            )
        result[q.id] = [1 if o in picked[q.id] else 0 for o in ids]
    return result


def _vote(args: argparse.Namespace) -> None:
    receipt_path = Path(args.receipt) if args.receipt else None
    # Checked before the ballot goes on the board: a vote must not half-succeed.
    if receipt_path is not None and receipt_path.exists():
        raise CommandError(f"{receipt_path} already exists; not overwriting it with a receipt")
    if receipt_path is not None and not receipt_path.parent.is_dir():
        raise CommandError(f"{receipt_path}: no folder {receipt_path.parent} for the receipt")
    if (args.board is None) == (args.election is None):
        raise CommandError("give --board URL --fingerprint FP (or --election FOLDER)")
    if args.board is not None:
        try:
            manifest, region, prepared, receipt = _vote_remote(args)
        except BoardUnreachable as exc:
            raise CommandError(str(exc)) from None
        _after_vote(args, manifest, region, prepared, receipt, receipt_path)
        return
    with Election.locked(Path(args.election)) as election:
        manifest = election.manifest
        state = election.state
        if state.phase != "voting" or state.public_key is None:
            raise CommandError(f"voting is not open (the board is in phase {state.phase!r})")
        election.check_voting_period()  # before a tracking code is shown for nothing
        key = _voter_key(manifest, args.code)
        registered = state.roll.region_of(key.public)
        if registered is None:
            raise CommandError(
                "this voter's credential is not registered in this referendum: check each code"
                " against its letter"
            )
        region = registered
        prepared = _prepare(args, manifest, state.public_key, region, key)
        kind = "spoiled" if args.challenge else "ballot"
        sent = prepared.spoiled_payload() if args.challenge else prepared.payload
        entry = election.post(kind, sent)
        receipt = election.receipt(entry, prepared.tracking_hash)
    _after_vote(args, manifest, region, prepared, receipt, receipt_path)


def _prepare(
    args: argparse.Namespace, manifest: Manifest, public_key: Element, region: str, key: Any
) -> PreparedBallot:
    """Gives back the encrypted ballot once the voter has seen its tracking code and
    chosen to cast or challenge it (args.challenge set)."""
    choices = _choices(manifest, region, args.choice)
    prepared = encrypt_ballot(manifest, public_key, region, choices, key)
    _say(f"tracking code: {prepared.tracking_code}")
    if not args.challenge and not args.cast and sys.stdin.isatty():
        # Benaloh: the device commits to the ballot (the code above) before it learns
        # whether the voter casts it or challenges it.
        answer = input("cast this ballot, or challenge it? [cast/challenge] ").strip().lower()
        if answer not in ("cast", "challenge"):
            raise CommandError(f"answer cast or challenge, not {answer!r}; nothing was sent")
        args.challenge = answer == "challenge"
    return prepared


def _board_client(board: str, fingerprint: str) -> BoardClient:
    """Gives back a client of the board at URL board, once fingerprint reads as 64 hex
    digits (the referendum's, as published)."""
    try:
        pinned = bytes.fromhex(fingerprint)
    except ValueError:
        pinned = b""
    if len(pinned) != 32:
        raise CommandError("--fingerprint: want 64 hex digits")
    try:
        return BoardClient(board)
    except ReplicaSetupError as exc:
        raise CommandError(str(exc)) from None


def _pinned_manifest(raw: bytes, board: str, fingerprint: str, advice: str = "") -> Manifest:
    """Gives back the manifest the board served as raw once its canonical bytes have the
    fingerprint (exit 1, with advice appended, when they do not)."""
    try:
        manifest = Manifest.from_json(parse_json(raw, "the board's manifest"))
    except (JsonFormatError, ManifestError) as exc:
        raise CommandError(f"the board's manifest: {exc}", 1) from None
    if manifest.fingerprint != bytes.fromhex(fingerprint) or raw != manifest.canonical:
        raise CommandError(
            f"the board at {board} serves another referendum than fingerprint"
            f" {fingerprint}{advice}",
            1,
        )
    return manifest


def _vote_remote(args: argparse.Namespace) -> tuple[Manifest, str, PreparedBallot, Receipt]:
    """Casts over the board's API: the manifest checked against the fingerprint the voter
    was given, the ballot sent to /api/ballots or /api/challenges, the receipt read."""
    if args.fingerprint is None:
        raise CommandError("--board needs --fingerprint: the referendum's, as published")
    client = _board_client(args.board, args.fingerprint)
    with closing(client):
        manifest = _pinned_manifest(
            client.manifest_bytes(),
            args.board,
            args.fingerprint,
            ": do not vote there; tell the observers",
        )
        info = client.election()
        phase = info.get("phase") if isinstance(info, dict) else None
        if phase != "voting":
            raise CommandError(f"voting is not open (the board is in phase {phase!r})")
        try:
            public_key = element_from_hex(G, info.get("public_key"), "the board's election key")
        except GroupError as exc:
            raise CommandError(str(exc), 1) from None
        key = _voter_key(manifest, args.code)
        try:
            found = client.get(f"/api/credentials/{key.public.hex()}")
        except BoardUnreachable as exc:
            if exc.status == 404:
                raise CommandError(
                    "this voter's credential is not registered in this referendum: check each code"
                    " against its letter"
                ) from None
            raise
        region = found.get("region") if isinstance(found, dict) else None
        if not isinstance(region, str) or region not in {r.id for r in manifest.regions}:
            raise CommandError("the board named no region of this referendum", 1)
        prepared = _prepare(args, manifest, public_key, region, key)
        path = "/api/challenges" if args.challenge else "/api/ballots"
        sent = prepared.spoiled_payload() if args.challenge else prepared.payload
        answer = client.post(path, sent)
    try:
        receipt = Receipt(
            answer["tracking_code"],
            bytes.fromhex(answer["tracking_hash"]),
            answer["index"],
            answer["checkpoint"],
            tuple(bytes.fromhex(h) for h in answer["inclusion_proof"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CommandError(f"the board's receipt is malformed: {exc!r}", 1) from None
    return manifest, region, prepared, receipt


def _after_vote(
    args: argparse.Namespace,
    manifest: Manifest,
    region: str,
    prepared: PreparedBallot,
    receipt: Receipt,
    receipt_path: Path | None,
) -> None:
    if receipt_path is not None:  # kept even if it fails the check below: it is evidence
        receipt_path.write_text(json.dumps(receipt.to_json(), indent=1) + "\n")
    sent = prepared.spoiled_payload() if args.challenge else prepared.payload
    # The device's own check: the board signed a tree that holds this very ballot.
    try:
        check_receipt(manifest, "spoiled" if args.challenge else "ballot", sent, receipt)
    except VerificationError as exc:
        kept = f" (kept in {receipt_path})" if receipt_path is not None else ""
        raise CommandError(f"the board's receipt does not check: {exc}{kept}") from None
    what = (
        "challenged: this ballot is posted with its nonces and will not be counted"
        if args.challenge
        else "cast: this ballot will be counted unless you vote again"
    )
    _say(f"{what} (board entry {receipt.index}); the board's receipt checks out")
    if args.challenge:
        shown = []
        for q in manifest.ballot_style(region):
            votes = prepared.choices[q.id]
            chosen = [o.id for o, v in zip(q.options, votes, strict=True) if v]
            shown.append(f"{q.id}={','.join(chosen) or '(none)'}")
        _say("it encrypts: " + "; ".join(shown))
        _say(
            "check it on another device: `referendum verify RECORD --find"
            f" {prepared.tracking_code}` shows what the challenged ballot encrypts"
        )
    if receipt_path is not None:
        _say(f"receipt written to {receipt_path}")


# --- everyone ----------------------------------------------------------------------------------


def _sync(args: argparse.Namespace) -> None:
    if args.jobs is not None and args.jobs < 1:
        raise CommandError(f"--jobs must be at least 1, got {args.jobs}")
    try:
        with Replica.open(
            Path(args.dir), args.board, args.fingerprint, store_url=args.store
        ) as replica:
            new = replica.sync(jobs=args.jobs)
            state, verified = replica.state, replica.verified
            _say(
                f"referendum {replica.manifest.id}: {new:,} new board entries checked;"
                f" this replica holds {state.size:,}, phase {state.phase!r}"
            )
            if verified is not None:
                c = verified.checkpoint
                _say(
                    f"  the board's signed checkpoint at {c.size:,} entries matches this"
                    f" replica's root {c.root.hex()[:16]}…"
                )
            counts = state.counts
            _say(f"  {counts.ballots:,} ballots and {counts.spoiled:,} challenged ballots checked")
    except ReplicaError as exc:
        raise CommandError(str(exc), 1) from None
    except (ReplicaSetupError, BoardUnreachable) as exc:
        raise CommandError(str(exc)) from None


def _print_results(manifest: Manifest, results: Any, stream: Any = None) -> None:
    out = stream or sys.stdout
    for region in manifest.regions:
        eligible = results.eligible[region.id]
        counted = results.counted[region.id]
        turnout = f"{100 * counted / eligible:.1f}%" if eligible else "-"
        print(
            f"{region.name.get('en', region.id)}: {counted:,} of {eligible:,} voters ({turnout})",
            file=out,
        )
        for q in manifest.ballot_style(region.id):
            counts = results.counts[region.id][q.id]
            total = sum(counts) or 1
            for option, n in zip(q.options, counts, strict=True):
                label = option.text.get("en", option.id)
                print(f"  {label:<24} {n:>10,}  {100 * n / total:5.1f}%", file=out)
    for line in results.decrypted_by(manifest):
        print(line, file=out)


def _receipt(path: Path) -> Any:
    """Gives back a receipt file's JSON once its fields have the JSON types of section 13.4."""
    value = _read_json(path, "receipt")
    if isinstance(value, dict):
        for name in ("tracking_code", "checkpoint"):
            if not isinstance(value.get(name, ""), str):
                raise CommandError(f"{path}: {name}: want text")
        proof = value.get("inclusion_proof", [])
        if not isinstance(proof, list) or not all(_is_hash(h) for h in proof):
            raise CommandError(f"{path}: inclusion_proof: want a list of 64 hex digit hashes")
        if not _is_hash(value.get("tracking_hash", "0" * 64)):
            raise CommandError(f"{path}: tracking_hash: want 64 hex digits")
    return value


def _is_hash(value: Any) -> bool:
    return (
        isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
    )


def verify(args: argparse.Namespace) -> int:
    """Runs `referendum verify`; gives back 0 (all checks pass), 1 (one fails) or 2."""
    from referendum.record import RecordFormatError
    from referendum.verifier import verify_record
    from referendum.verifier.workers import ClusterError

    if args.jobs is not None and args.jobs < 1:
        raise CommandError(f"--jobs must be at least 1, got {args.jobs}")
    cluster = args.scheduler is not None or args.local_cluster is not None
    if args.scheduler is not None and args.local_cluster is not None:
        raise CommandError("give --scheduler ADDRESS or --local-cluster, not both")
    if cluster and args.jobs is not None:
        raise CommandError("--jobs is the local pool's; with a cluster, give no --jobs")
    if args.local_cluster is not None and args.local_cluster < 0:
        raise CommandError(f"--local-cluster must be at least 1, got {args.local_cluster}")
    if args.board is not None or args.dir is not None:
        if args.record is not None:
            raise CommandError("give a record folder, or --board URL --dir FOLDER, not both")
        if args.find or args.receipt or args.json:
            raise CommandError("--find, --receipt and --json go with a record folder")
        if cluster or args.state != "auto" or args.state_dir is not None:
            raise CommandError(
                "--scheduler, --local-cluster, --state and --state-dir go with a record folder"
            )
        return _verify_board(args)
    if args.follow:
        raise CommandError("--follow goes with --board")
    if args.record is None:
        raise CommandError("give the record folder, or --board URL --dir FOLDER")
    pinned = None
    if args.fingerprint is not None:
        try:
            pinned = bytes.fromhex(args.fingerprint)
        except ValueError:
            pinned = b""
        if len(pinned) != 32:
            raise CommandError("--fingerprint: want 64 hex digits")
    progress = False if args.no_progress or args.json else None
    receipts = [(name, _receipt(Path(name))) for name in args.receipt]
    if args.state_dir is not None and not Path(args.state_dir).is_dir():
        raise CommandError(f"--state-dir {args.state_dir}: not a folder")
    try:
        report = verify_record(
            args.record,
            fingerprint=pinned,
            jobs=args.jobs,
            progress=progress,
            codes=args.find,
            receipts=receipts,
            scheduler=args.scheduler,
            local_cluster=args.local_cluster,
            state=args.state,
            state_dir=args.state_dir,
        )
    except RecordFormatError as exc:
        raise CommandError(f"cannot read the record: {exc}") from None
    except ImportError as exc:  # distributed, for --scheduler or --local-cluster
        raise CommandError(f"a Dask cluster needs the distributed package: {exc}") from None
    except ClusterError as exc:
        raise CommandError(str(exc)) from None
    except VerificationError as exc:
        if args.json:
            print(json.dumps({"ok": False, "error": str(exc)}))
        else:
            print(f"FAILED: {exc}")
        return 1
    # A looked-up code that is not on the board is a ballot the voter holds and the board
    # does not: the record verifies, the lookup does not (exit 1).
    missing = [f.code for f in report.findings if f.index is None]
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
        return 1 if missing else 0
    _say(f"referendum {report.referendum}, fingerprint {report.fingerprint}")
    _say(
        f"verified {report.entries:,} board entries and {report.checkpoints} checkpoint(s),"
        f" co-signed by {', '.join(report.witnesses) or 'no witness'}"
    )
    counts = report.counts
    _say(
        f"  {counts.get('ballot', 0):,} ballots and {counts.get('spoiled', 0):,} challenged"
        " ballots: signatures, proofs and credentials checked; last ballot per credential counted"
    )
    issued = report.credentials()
    if issued is not None and issued["rehearsal"]:
        _say(
            "  rehearsal: one registrar per region (codes_per_voter = 1): a registrar that kept"
            " its codes could vote for abstainers"
        )
    elif issued is not None:
        sets = sorted({", ".join(ids) for ids in issued["co_issuers"].values()})
        _say(
            f"  credentials: every voter's key is the sum of {issued['codes_per_voter']} parts,"
            f" one from each registrar of its region ({'; '.join(sets)}), each committed to"
            " before any was shown"
        )
    for step, index in report.ceremony_closes.items():
        _say(f"  ceremony step {step} closed at its deadline by board entry {index}")
    for (c, t), reason in sorted(report.disqualified.items()):
        _say(f"  trustee {t} out of clause {c} in the ceremony: {reason}")
    for t, reason in sorted(report.rejected_shares.items()):
        _say(f"  decryption by trustee {t} rejected: {reason}")
    for finding in report.findings:
        where = f"entry {finding.index}" if finding.index is not None else "-"
        receipt = f"; receipt {finding.receipt}" if finding.receipt else ""
        _say(f"  tracking code {finding.code}: {where}, {finding.status}{receipt}")
    if report.results is None:
        _say(f"no results yet: the board is in phase {report.phase!r}")
    else:
        assert report.manifest is not None
        _say("results (confirmed by this verifier):")
        _print_results(report.manifest, report.results)
    for code in missing:
        print(f"FAILED: tracking code {code} is not on the board")
    return 1 if missing else 0


def _verify_board(args: argparse.Namespace) -> int:
    """verify --board: check the live board's new entries into the replica in --dir, as
    the verifier checks a record's (docs/protocol.md 7.7); with --follow, until the results
    are on the board and a witness of the manifest co-signed the board with them."""
    if args.dir is None:
        raise CommandError("--board needs --dir: the folder that keeps your replica")
    stop = _Stop() if args.follow else None
    try:
        with Replica.open(Path(args.dir), args.board, args.fingerprint) as replica:
            progress = False if args.no_progress else None
            while True:
                new = replica.sync(progress=progress, jobs=args.jobs)
                state = replica.state
                witnessed, quorum = _witnessed_now(replica)
                _say(
                    f"referendum {replica.manifest.id}: {new:,} new entries checked,"
                    f" {state.size:,} in all; phase {state.phase!r}; {witnessed}"
                )
                done = state.results is not None and quorum
                if stop is None or done or stop.wait(args.interval):
                    break
            if state.results is not None:
                _say("results (confirmed by your replica of the board):")
                _print_results(replica.manifest, state.results)
            return 0
    except ReplicaError as exc:
        print(f"FAILED: {exc}")
        return 1
    except (ReplicaSetupError, BoardUnreachable) as exc:
        raise CommandError(str(exc)) from None
    finally:
        if stop is not None:
            stop.restore()


def _witnessed_now(replica: Replica) -> tuple[str, bool]:
    """Gives back which manifest witnesses co-signed the replica's tree, in words, and
    whether the manifest's witness quorum co-signed the whole of it.

    ReplicaError when the board's co-signed checkpoint is of another tree than the one the
    replica holds at that size."""
    need = replica.manifest.witness_quorum
    signed = replica.board_cosigned()
    if signed is None:
        return "no witness co-signature yet", need == 0
    c = signed.checkpoint
    names = _cosigners(replica.manifest, signed)
    whole = c.size == replica.state.size
    if not names:
        return "no witness co-signature yet", need == 0
    upto = "the whole board" if whole else f"its first {c.size:,} entries"
    words = f"{upto} co-signed by {', '.join(names)} ({len(names)} of the {need} required)"
    return words, whole and len(names) >= need


def _serve(args: argparse.Namespace) -> None:
    from referendum.server.rate import parse_rate
    from referendum.server.serve import bind, run_server

    if args.demo == bool(args.election):
        raise CommandError("give --election FOLDER, or --demo to serve a new demo referendum")
    if not args.demo:
        for option, value in (("--store", args.store), ("--folder", args.folder)):
            if value is not None:
                raise CommandError(f"{option} goes with --demo only (the folder names its store)")
        if args.voters is not None:
            raise CommandError("--voters goes with --demo only")
    if args.workers < 1:
        raise CommandError(f"--workers must be at least 1, got {args.workers}")
    if not 0 <= args.port <= 65535:
        raise CommandError(f"--port must be 0 to 65535, got {args.port}")
    rate = parse_rate(args.rate_limit)
    folder = Path(args.election) if args.election else None
    if folder is not None and not (folder / "election.json").is_file():
        raise CommandError(f"{folder} is not a referendum folder (no election.json)")
    # Listen first: a port already taken is refused before a demo is built for nothing.
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        raise CommandError(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}"
        ) from None
    try:
        if args.demo:
            folder = _serve_demo(args)
        assert folder is not None
        run_server(
            folder,
            host=args.host,
            port=args.port,
            workers=args.workers,
            rate=rate,
            static_dir=Path(args.static) if args.static else None,
            say=_say,
            sock=sock,
        )
    finally:
        sock.close()


def _serve_demo(args: argparse.Namespace) -> Path:
    import tempfile

    from referendum.board.errors import StoreUnavailableError
    from referendum.server.demo import prepare_demo

    voters = 40 if args.voters is None else args.voters
    base = (
        Path(args.folder)
        if args.folder
        else Path(tempfile.mkdtemp(prefix="referendum-serve-demo-"))
    )
    try:
        demo = prepare_demo(base, voters=voters, store=args.store, say=lambda t: _say(f"  {t}"))
    except StoreUnavailableError as exc:
        raise CommandError(f"cannot reach the store: {exc}") from None
    _say(f"demo referendum {demo.referendum} in {demo.folder}")
    _say(f"  fingerprint {demo.fingerprint}")
    _say(
        f"  {voters} voters; {demo.ballots} ballots already cast and {demo.challenged}"
        " challenged by simulated voters"
    )
    _say(
        f"  every voter's codes (one from each registrar) are in {demo.folder / 'codes.txt'};"
        " try one of these voters:"
    )
    for region, codes in demo.to_try(3):
        _say(f"    {region:<13} {'  '.join(codes)}")
    _say(f"  to close voting and count (while the server runs): bash {demo.folder / 'count.sh'}")
    return demo.election


def run(args: argparse.Namespace) -> int:
    """Runs every command but verify; gives back 0 or raises."""
    if args.command == "demo":
        from referendum.demo import run_demo

        return run_demo(
            voters=args.voters,
            seed=args.seed,
            record=args.record,
            store_url=args.store,
            jobs=args.jobs,
        )
    handlers = {
        "init": _init,
        "open": _open,
        "tally": _tally,
        "export": _export,
        "trustee": _trustee,
        "credentials": _credentials,
        "witness": _witness,
        "vote": _vote,
        "sync": _sync,
        "serve": _serve,
    }
    handlers[args.command](args)
    return 0


# --- the web booth (protocol.md 16.6) -------------------------------------------------------


def booth(args: argparse.Namespace) -> int:
    """`referendum booth hash|check`: gives back 0, or 1 when check finds another booth."""
    from referendum.booth import BoothError, BoothMismatch, check_server, folder_hash
    from referendum.server.pages import DEFAULT_STATIC

    if args.step == "hash":
        print(folder_hash(Path(args.folder) if args.folder else DEFAULT_STATIC))
        return 0
    client = _board_client(args.board, args.fingerprint)
    with closing(client):
        try:
            raw = client.manifest_bytes()
        except BoardUnreachable as exc:
            raise CommandError(str(exc)) from None
    manifest = _pinned_manifest(raw, args.board, args.fingerprint)
    if manifest.booth is None:
        raise CommandError("the manifest names no booth (no booth member): nothing to check", 1)
    where = args.booth or args.board
    try:
        served = check_server(where, manifest.booth, routes=args.booth is None)
    except BoothMismatch as exc:
        message = f"{where} does not serve the booth the manifest names: {exc}"
        raise CommandError(message, 1) from None
    except BoothError as exc:
        raise CommandError(str(exc)) from None
    _say(
        f"{where} serves the booth named in the manifest: {served.booth}"
        f" ({served.files} files, {served.requests} requests)"
    )
    return 0
