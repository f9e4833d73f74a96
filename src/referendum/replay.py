"""The referendum as its board tells it: entries replayed in order under section 13's rules.

docs/protocol.md section 13. The board server runs every new entry through Replay.apply
before appending it (acceptance on cast); the independent verifier runs every entry of
the record through the same rules. apply validates first and changes the state only when
the entry is accepted, so a rejected entry leaves nothing behind.

Phases, in order; each entry kind is accepted in the phases listed:

    setup      manifest (entry 0 only)
    prepare    ceremony.*, credentials.commit, credentials, credentials.close
    voting     ballot, spoiled            (after voting.open)
    counting   tally                      (after voting.close)
    decrypting decryption                 (after a tally for every region)
    done       nothing                    (after results)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from referendum.ballot import (
    CheckedBallot,
    read_ballot,
    read_spoiled,
    verify_ballot,
    verify_spoiled,
)
from referendum.board.entry import Entry
from referendum.board.errors import EncodingError
from referendum.board.merkle import CompactRange
from referendum.canonical import canonical_json, is_json_int
from referendum.ceremony import KIND_CLOSE, CeremonyBoard
from referendum.credentials import CredentialRoll
from referendum.derived import LATEST, SEEN, Index, MemoryIndex, pack_index, unpack_index
from referendum.errors import VerificationError
from referendum.group import RISTRETTO255 as G
from referendum.group import Element, GroupError, element_from_hex
from referendum.manifest import Manifest
from referendum.signing import verify_message
from referendum.tally import (
    BallotBox,
    DecryptionShares,
    RegionTally,
    Results,
    TallyError,
    check_decryption,
    check_results_payload,
    check_tally_payload,
    combine,
)

__all__ = ["PARTY_KINDS", "BoardRuleError", "Replay", "Spoiled", "WrongPhaseError"]

#: The entry kinds a party other than the operator and the voters posts, each signed by
#: its sender (docs/protocol.md 16.4): trustees' ceremony and decryption messages and
#: registrars' credential batches; and ceremony.close, which anyone may post, since it
#: carries its own proof: the witnesses' co-signatures after the step's deadline (11.7).
PARTY_KINDS = (
    "ceremony.close",
    "ceremony.commitment",
    "ceremony.shares",
    "ceremony.check",
    "ceremony.reveal",
    "ceremony.confirm",
    "credentials.commit",
    "credentials",
    "credentials.close",
    "decryption",
)

#: The snapshot's format (docs/protocol.md section 7.5.5); a store holding another is refused.
SNAPSHOT_FORMAT = "referendum-state/2"
#: Kinds whose entries the small state is rebuilt from on restore (the ceremony, the
#: decryptions): a few per trustee, however many voters there are.
_CONTROL_KINDS = ("ceremony.", "decryption")

SETUP, PREPARE, VOTING, COUNTING, DECRYPTING, DONE = (
    "setup",
    "prepare",
    "voting",
    "counting",
    "decrypting",
    "done",
)

#: A ballot check run elsewhere (a worker process): gives back the checked ballot.
PreChecked = CheckedBallot | tuple[CheckedBallot, dict[str, tuple[int, ...]]]


class BoardRuleError(VerificationError):
    """An entry is out of place or contradicts the board so far (section 13)."""


class WrongPhaseError(BoardRuleError):
    """An entry of a kind the board does not take in its phase (section 13)."""


@dataclass(frozen=True, slots=True)
class Spoiled:
    """A challenged ballot: where it is, its tracking hash and what it revealed."""

    index: int
    region: str
    tracking_hash: bytes
    choices: dict[str, tuple[int, ...]]


@dataclass
class _Counts:
    ballots: int = 0
    spoiled: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


class _Latest:
    """credential -> index of its last ballot, read from the index (LATEST space)."""

    def __init__(self, index: Index) -> None:
        self._index = index

    def get(self, credential: bytes) -> int | None:
        value = self._index.get(LATEST, credential)
        return None if value is None else unpack_index(value)


class Replay:
    """The state of one referendum's board after the entries applied so far."""

    def __init__(
        self,
        manifest: Manifest,
        *,
        trusted: bool = False,
        index: Index | None = None,
        keep_spoiled: bool = True,
    ) -> None:
        """trusted: the entries come from the operator's own store, where each was checked
        before it was appended; ballots are then read without re-checking their signatures
        and proofs (read_ballot). A verifier never sets it.

        index: where the maps that grow with the voters live (default: in memory).
        keep_spoiled: keep what each challenged ballot revealed in self.spoiled (the
        verifier's report); a state kept in a store leaves it on the board instead.
        """
        self.manifest = manifest
        self.trusted = trusted
        self.index: Index = index if index is not None else MemoryIndex()
        self.keep_spoiled = keep_spoiled
        self.phase = SETUP
        self.size = 0
        self.ceremony = CeremonyBoard(manifest)
        self.roll = CredentialRoll(manifest, self.index)
        self.box = BallotBox(manifest)
        self.public_key: Element | None = None
        self.spoiled: list[Spoiled] = []
        self.tallies: list[RegionTally] = []
        self.posted_tallies: int = 0
        self.decryptions: dict[int, DecryptionShares] = {}
        self.rejected_shares: dict[int, str] = {}
        self.results: Results | None = None
        self.results_posted: Any = None  # the results entry's payload as it is on the board
        self.tree = CompactRange()  # the board's Merkle tree so far (section 7.3)
        self.tally_state: tuple[int, bytes] | None = None  # (size, root) after the last tally
        self.counts = _Counts()
        #: The tracking hash of the last ballot or spoiled entry applied (its index is
        #: size - 1 right after), for callers that index ballots by more than the hash.
        self.last_tracking_hash: bytes | None = None
        self.latest = _Latest(self.index)  # credential -> index of its last ballot
        self.results_index: int | None = None
        #: Indexes of the entries the small state is rebuilt from (see restore).
        self.control: list[int] = []
        self._handlers: dict[str, Callable[[str, Any, PreChecked | None], None]] = {
            "manifest": self._manifest,
            "voting.open": self._open,
            "ballot": self._ballot,
            "spoiled": self._spoiled,
            "voting.close": self._close,
            "tally": self._tally,
            "decryption": self._decryption,
            "results": self._results,
        }

    # -- public ----------------------------------------------------------------------------

    def apply(
        self,
        index: int,
        kind: str,
        payload: Any,
        *,
        prechecked: PreChecked | None = None,
        leaf: bytes | None = None,
    ) -> None:
        """Accepts entry index of kind, or raises a VerificationError naming it (13).

        prechecked is the result of verify_ballot or verify_spoiled for this very payload,
        run by the caller (in a worker process); the cheap board-level checks still run.
        leaf is the entry's Merkle leaf hash when the caller has it (else computed here).
        """
        if index != self.size:
            raise BoardRuleError(f"board entry {index}: expected entry {self.size} next")
        where = f"board entry {index} ({kind})"
        if leaf is None:
            try:
                leaf = Entry(self.manifest.id, index, kind, canonical_json(payload)).leaf_hash()
            except (ValueError, EncodingError) as exc:
                raise BoardRuleError(f"{where}: {exc}") from None
        if kind == KIND_CLOSE:
            self._in_phase(where, PREPARE)
            self.ceremony.close(payload, where, size=self.size, root=self.tree.root())
            self.control.append(index)
        elif kind.startswith("ceremony."):
            self._in_phase(where, PREPARE)
            self.ceremony.add(kind, payload, where)
            self.control.append(index)
        elif kind in ("credentials.commit", "credentials", "credentials.close"):
            self._in_phase(where, PREPARE)
            self.roll.add(kind, payload, where)
        else:
            handler = self._handlers.get(kind)
            if handler is None:
                raise BoardRuleError(f"{where}: unknown entry kind")
            handler(where, payload, prechecked)
            if kind == "decryption":
                self.control.append(index)
        self.size += 1
        self.tree.append(leaf)
        self.counts.by_kind[kind] = self.counts.by_kind.get(kind, 0) + 1
        if kind == "tally" and self.phase == DECRYPTING:
            self.tally_state = (self.size, self.tree.root())

    def tracking_index(self, tracking_hash: bytes) -> int | None:
        """Gives back the index of the ballot or spoiled ballot with this tracking hash."""
        value = self.index.get(SEEN, tracking_hash)
        return None if value is None else unpack_index(value)

    def tracking_prefix(self, low: bytes, high: bytes) -> int | None:
        """Gives back the index of the ballot or spoiled ballot whose tracking hash is the
        smallest in [low, high) (a typed tracking code names such a range, 12.4)."""
        value = self.index.first(SEEN, low, high)
        return None if value is None else unpack_index(value)

    # -- the snapshot (docs/protocol.md section 7.5.5) -------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Gives back the small state as a JSON value; the maps stay in the index."""
        return {
            "format": SNAPSHOT_FORMAT,
            "size": self.size,
            "phase": self.phase,
            "public_key": None if self.public_key is None else self.public_key.to_bytes().hex(),
            "counts": {
                "ballots": self.counts.ballots,
                "spoiled": self.counts.spoiled,
                "by_kind": dict(sorted(self.counts.by_kind.items())),
            },
            "roll": self.roll.snapshot(),
            "box": self.box.snapshot(),
            "tree": [h.hex() for h in self.tree.hashes],
            "posted_tallies": self.posted_tallies,
            "tally_state": (
                None
                if self.tally_state is None
                else [self.tally_state[0], self.tally_state[1].hex()]
            ),
            "control": list(self.control),
            "results": self.results_index,
        }

    @classmethod
    def restore(
        cls,
        manifest: Manifest,
        snapshot: dict[str, Any],
        read: Callable[[Sequence[int]], list[tuple[int, str, Any]]],
        *,
        index: Index,
        previous: Replay | None = None,
    ) -> Replay:
        """Gives back the state a snapshot describes, its maps in index.

        read(indexes) gives back (index, kind, payload) of those board entries: the
        ceremony and decryption entries (a few per trustee) are applied again to rebuild
        the ceremony and the decryption shares. previous: a state of the same board
        restored earlier; what it already rebuilt from those entries is reused.
        """
        if snapshot.get("format") != SNAPSHOT_FORMAT:
            raise ValueError(f"state snapshot: format is not {SNAPSHOT_FORMAT}")
        state = cls(manifest, index=index, keep_spoiled=False)
        control = [int(i) for i in snapshot["control"]]
        reuse = previous is not None and previous.control == control[: len(previous.control)]
        if reuse and previous is not None:
            state.ceremony = previous.ceremony
            state.decryptions = previous.decryptions
            state.rejected_shares = previous.rejected_shares
            state.control = list(previous.control)
        state.phase = snapshot["phase"]
        key = snapshot["public_key"]
        state.public_key = None if key is None else element_from_hex(G, key, "public_key")
        counts = snapshot["counts"]
        state.counts = _Counts(counts["ballots"], counts["spoiled"], dict(counts["by_kind"]))
        state.roll.restore(snapshot["roll"])
        state.box.restore(snapshot["box"])
        size = int(snapshot["size"])
        state.tree = CompactRange(size, [bytes.fromhex(h) for h in snapshot["tree"]])
        state.posted_tallies = int(snapshot["posted_tallies"])
        tally_state = snapshot["tally_state"]
        if tally_state is not None:
            state.tally_state = (int(tally_state[0]), bytes.fromhex(tally_state[1]))
        if state.phase in (COUNTING, DECRYPTING, DONE):
            state.tallies = state.box.tallies()
        todo = control[len(state.control) :]
        for i, kind, payload in read(todo) if todo else []:
            where = f"board entry {i} ({kind})"
            if kind == "decryption":
                state._decryption(where, payload, None, check_phase=False)
            elif kind == KIND_CLOSE:
                state.ceremony.close(payload, where, size=i, root=None)
            else:
                state.ceremony.add(kind, payload, where)
            state.control.append(i)
        state.size = size
        state.results_index = snapshot["results"]
        if state.results_index is not None:
            ((_, _, payload),) = read([state.results_index])
            state.results = state.expected_results()
            state.results_posted = payload
        return state

    def eligible(self) -> dict[str, int]:
        """Gives back the number of registered credentials per region."""
        return {r.id: self.roll.count(r.id) for r in self.manifest.regions}

    def expected_results(self) -> Results:
        """Gives back the results the decryptions so far give (14.3); TallyError while the
        valid decryptions do not meet the policy, naming the clauses they miss."""
        rejected = sorted(self.rejected_shares.items())
        return combine(self.manifest, self.tallies, self.decryptions, rejected, self.eligible())

    # -- rules -------------------------------------------------------------------------------

    def _in_phase(self, where: str, *phases: str) -> None:
        if self.phase not in phases:
            raise WrongPhaseError(
                f"{where}: not accepted in phase {self.phase!r} (only in {', '.join(phases)})"
            )

    def _object(self, where: str, payload: Any, fields: set[str]) -> dict[str, Any]:
        if not isinstance(payload, dict) or set(payload) != fields:
            raise BoardRuleError(f"{where}: want an object with exactly {sorted(fields)}")
        return payload

    def _count(self, where: str, value: Any, name: str) -> int:
        if not is_json_int(value) or value < 0:
            raise BoardRuleError(f"{where}: {name} must be a non-negative integer")
        return value

    def _manifest(self, where: str, payload: Any, _: PreChecked | None) -> None:
        self._in_phase(where, SETUP)
        try:
            same = canonical_json(payload) == self.manifest.canonical
        except ValueError:
            same = False
        if not same:
            raise BoardRuleError(f"{where}: differs from the manifest (fingerprint mismatch)")
        self.phase = PREPARE

    def _open(self, where: str, payload: Any, _: PreChecked | None) -> None:
        self._in_phase(where, PREPARE)
        body = self._object(where, payload, {"public_key"})
        if not self.ceremony.complete:
            raise BoardRuleError(f"{where}: the key ceremony is not complete")
        if not self.roll.all_closed():
            open_regions = [
                f"{r.id} (not closed by {', '.join(self.roll.not_closed_by(r.id))})"
                for r in self.manifest.regions
                if not self.roll.is_closed(r.id)
            ]
            raise BoardRuleError(f"{where}: credentials still open in {'; '.join(open_regions)}")
        try:
            key = element_from_hex(G, body["public_key"], f"{where}: public_key")
        except GroupError as exc:
            raise BoardRuleError(str(exc)) from None
        if key != self.ceremony.public_key:
            raise BoardRuleError(f"{where}: public_key is not the ceremony's joint key")
        self.public_key = key
        self.phase = VOTING

    def _voting_key(self, where: str) -> Element:
        self._in_phase(where, VOTING)
        if self.public_key is None:  # pragma: no cover - set together with phase VOTING
            raise BoardRuleError(f"{where}: no election key")
        return self.public_key

    def _registered(self, where: str, ballot: CheckedBallot) -> None:
        region = self.roll.region_of(ballot.credential)
        if region is None:
            raise BoardRuleError(
                f"{where}: credential {ballot.credential.hex()[:16]}… is not registered"
            )
        if region != ballot.region:
            raise BoardRuleError(
                f"{where}: credential is registered in {region}, ballot is for {ballot.region}"
            )
        earlier = self.tracking_index(ballot.tracking_hash)
        if earlier is not None:
            raise BoardRuleError(f"{where}: repeats the ballot of board entry {earlier}")

    def _ballot(self, where: str, payload: Any, prechecked: PreChecked | None) -> None:
        key = self._voting_key(where)
        if isinstance(prechecked, CheckedBallot):
            ballot = prechecked
        elif self.trusted:
            ballot = read_ballot(self.manifest, payload, where)
        else:
            ballot = verify_ballot(self.manifest, key, payload, where)
        self._registered(where, ballot)
        earlier = self.index.get(LATEST, ballot.credential)
        self.box.add(ballot, None if earlier is None else earlier[8:])
        here = pack_index(self.size)
        self.index.put(SEEN, ballot.tracking_hash, here)
        self.index.put(LATEST, ballot.credential, here + self.box.pack(ballot))
        self.last_tracking_hash = ballot.tracking_hash
        self.counts.ballots += 1

    def _spoiled(self, where: str, payload: Any, prechecked: PreChecked | None) -> None:
        key = self._voting_key(where)
        if isinstance(prechecked, tuple):
            ballot, choices = prechecked
        elif self.trusted:
            ballot, choices = read_spoiled(self.manifest, payload, where)
        else:
            ballot, choices = verify_spoiled(self.manifest, key, payload, where)
        self._registered(where, ballot)
        self.index.put(SEEN, ballot.tracking_hash, pack_index(self.size))
        self.last_tracking_hash = ballot.tracking_hash
        if self.keep_spoiled:
            self.spoiled.append(Spoiled(self.size, ballot.region, ballot.tracking_hash, choices))
        self.counts.spoiled += 1

    def _close(self, where: str, payload: Any, _: PreChecked | None) -> None:
        self._in_phase(where, VOTING)
        body = self._object(where, payload, {"ballots", "spoiled"})
        for name, have in (("ballots", self.counts.ballots), ("spoiled", self.counts.spoiled)):
            if self._count(where, body[name], name) != have:
                raise BoardRuleError(f"{where}: says {body[name]} {name}, the board has {have}")
        self.tallies = self.box.tallies()
        self.phase = COUNTING

    def _tally(self, where: str, payload: Any, _: PreChecked | None) -> None:
        self._in_phase(where, COUNTING)
        expected = self.tallies[self.posted_tallies]
        check_tally_payload(self.manifest, payload, expected, where)
        self.posted_tallies += 1
        if self.posted_tallies == len(self.tallies):
            self.phase = DECRYPTING

    def _decryption(
        self, where: str, payload: Any, _: PreChecked | None, *, check_phase: bool = True
    ) -> None:
        if check_phase:
            self._in_phase(where, DECRYPTING)
        trustee = payload.get("trustee") if isinstance(payload, dict) else None
        if not is_json_int(trustee):
            raise BoardRuleError(f"{where}: trustee must be a trustee number")
        try:
            info = self.manifest.trustee(trustee)
        except KeyError as exc:
            raise BoardRuleError(f"{where}: {exc.args[0]}") from None
        if trustee in self.decryptions or trustee in self.rejected_shares:
            raise BoardRuleError(f"{where}: trustee {trustee} already posted a decryption")
        # A bad signature means the trustee did not send it: refused. A signed share whose
        # proof fails is the trustee's own mistake: kept on the board, named, not used.
        verify_message(
            info.signing_key,
            self.manifest.fingerprint,
            "decryption",
            payload,
            f"{where}: trustee {trustee} ({info.name})",
        )
        # Shares for another board state (a fork shown to this trustee) do not belong here.
        if self.tally_state is not None:
            size, root = self.tally_state
            if payload.get("board") != {"size": size, "root": root.hex()}:
                raise BoardRuleError(
                    f"{where}: trustee {trustee} decrypted another board state than this"
                    f" board's first {size} entries (root {root.hex()[:16]}…)"
                )
        try:
            # (clause, trustee) -> K_jc of every member of every clause, absent ones included.
            shares = check_decryption(
                self.manifest, self.ceremony.public_shares, self.tallies, payload, where
            )
        except TallyError as exc:
            self.rejected_shares[trustee] = str(exc)
            return
        self.decryptions[trustee] = shares

    def _results(self, where: str, payload: Any, _: PreChecked | None) -> None:
        self._in_phase(where, DECRYPTING)
        try:
            expected = self.expected_results()
        except TallyError as exc:
            raise BoardRuleError(f"{where}: {exc}") from None
        check_results_payload(self.manifest, payload, expected, where)
        self.results = expected
        self.results_posted = payload
        self.results_index = self.size
        self.phase = DONE
