"""A real referendum run by separate parties: one process per command, one folder each.

The organiser, three trustees (quorum 2), two registrars that co-issue every credential,
a witness, the voters and an outside verifier only share what a real deployment shares:
the manifest, the board's folder (standing in for the board server) and the exported
record. Trustees keep their secrets in their own folders; the test checks no secret ever
reaches a shared place. Each voter gets one code from each registrar.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from manifest_fixtures import voting_now
from referendum.demo_manifest import TEMPLATE

CLI = [sys.executable, "-m", "referendum.cli"]


def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120)
    if ok and proc.returncode != 0:
        pytest.fail(f"referendum {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return proc


def block(proc: subprocess.CompletedProcess[str]) -> str:
    """The manifest block a keygen command prints (its lines after the comment)."""
    return "".join(line + "\n" for line in proc.stdout.splitlines() if not line.startswith("#"))


@pytest.fixture(scope="module")
def referendum(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("multiparty")
    trustees = [root / f"trustee-{n}" for n in (1, 2, 3)]
    blocks = [
        block(run("trustee", "keygen", "--dir", str(d), "--name", f"Trustee {n}"))
        for n, d in enumerate(trustees, 1)
    ]
    registrars = {rid: root / f"registrar-{rid}" for rid in ("cec", "mission")}
    for rid, folder in registrars.items():
        keygen = ("credentials", "keygen", "--dir", str(folder), "--id", rid, "--name", rid)
        blocks.append(block(run(*keygen)))
    witness = root / "witness"
    blocks.append(block(run("witness", "keygen", "--dir", str(witness), "--name", "observer-1")))

    template = run("init", "--template").stdout
    assert template == TEMPLATE
    manifest = root / "organiser" / "manifest.toml"
    manifest.parent.mkdir()
    text = voting_now(template.replace("at_least = 3", "at_least = 2"))
    manifest.write_text(text + "\n" + "\n".join(blocks))
    board = root / "board"
    out = run("init", str(manifest), "--election", str(board)).stdout
    assert "credentials: every voter gets 2 codes, one from each registrar" in out
    fingerprint = re.search(r"fingerprint ([0-9a-f]{64})", out).group(1)

    for step in ("commit", "shares", "check", "confirm"):
        for d in trustees:
            run("trustee", step, "--dir", str(d), "--election", str(board))
    status = run("trustee", "status", "--election", str(board))  # no trustee folder needed
    assert "complete" in status.stdout
    assert "clause 1: qualified dealers 1, 2, 3" in status.stdout
    assert "joint key: " in status.stdout

    sizes = {"donetsk": 3, "luhansk": 1, "kherson": 1, "zaporizhzhia": 1}
    letters: dict[str, dict[str, list[str]]] = {rid: {} for rid in registrars}

    def issue(rid: str, region: str, to: Path = board) -> subprocess.CompletedProcess[str]:
        sheet = registrars[rid] / f"{region}-codes.txt"
        at = ("--dir", str(registrars[rid]), "--election", str(to), "--region", region)
        done = run("credentials", "issue", *at, "--count", str(sizes[region]), "--out", str(sheet))
        lines = [x for x in sheet.read_text().splitlines() if not x.startswith("#")]
        letters[rid][region] = [line.split(",")[2] for line in lines]
        return done

    for region in sizes:
        first = issue("cec", region)  # commits; cannot post its parts before mission commits
        assert "waiting for mission to commit" in first.stdout
        early = run("credentials", "publish", "--dir", str(registrars["cec"]),
                    "--election", str(board), "--region", region, ok=False)  # fmt: skip
        assert early.returncode == 2 and "waiting for mission" in early.stderr
        if region == "zaporizhzhia":
            # mission's messages never reach the board (they went to a copy of it): its
            # publish posts the commitment from its issue file, then the parts and close.
            elsewhere = root / "board-copy"
            shutil.copytree(board, elsewhere)
            issue("mission", region, to=elsewhere)
            again = run("credentials", "publish", "--dir", str(registrars["mission"]),
                        "--election", str(board), "--region", region).stdout  # fmt: skip
            assert "commitment posted" in again and "and the close posted" in again
        else:
            second = issue("mission", region)  # commits, then posts its parts and closes
            assert "batch of parts and the close posted" in second.stdout
        run("credentials", "publish", "--dir", str(registrars["cec"]),
            "--election", str(board), "--region", region)  # fmt: skip
    codes = {
        region: list(zip(letters["cec"][region], letters["mission"][region], strict=True))
        for region in sizes
    }
    run("witness", "cosign", "--dir", str(witness), "--election", str(board))
    run("open", "--election", str(board))

    def vote(pair: tuple[str, str], option: str, *extra: str) -> subprocess.CompletedProcess[str]:
        at = ("--election", str(board), "--code", pair[0], "--code", pair[1])
        return run("vote", *at, "--choice", f"status={option}", *extra)

    d = codes["donetsk"]
    challenged = vote(d[0], "russia", "--challenge")
    vote(d[0], "ukraine", "--receipt", str(root / "receipt.json"))
    vote(d[1], "russia")
    vote(d[1], "ukraine")  # a re-vote: this one counts
    sloppy = (d[2][1].lower().replace("-", " "), d[2][0])  # another order, typed sloppily
    vote(sloppy, "russia")
    # One registrar's code alone, or its code twice, is not a credential (protocol.md 10.3).
    cec_code = ("--code", codes["zaporizhzhia"][0][0])
    at = ("vote", "--election", str(board), "--choice", "status=russia")
    alone = run(*at, *cec_code, ok=False)
    assert alone.returncode == 2 and "give --code 2 times" in alone.stderr
    twice = run(*at, *cec_code, *cec_code, ok=False)
    assert twice.returncode == 2 and "code 2 is code 1 again" in twice.stderr
    vote(codes["luhansk"][0], "russia")
    vote(codes["kherson"][0], "ukraine")
    # zaporizhzhia's voter stays home
    run("witness", "cosign", "--dir", str(witness), "--election", str(board))
    early = run("tally", "close", "--election", str(board), ok=False)
    assert early.returncode == 2 and "voting closes at" in early.stderr  # the period holds
    run("tally", "close", "--early", "--election", str(board))
    unwitnessed = run(
        "trustee", "decrypt", "--dir", str(trustees[0]), "--election", str(board), ok=False
    )
    assert unwitnessed.returncode == 2 and "no witness has co-signed" in unwitnessed.stderr
    run("witness", "cosign", "--dir", str(witness), "--election", str(board))
    run("trustee", "decrypt", "--dir", str(trustees[0]), "--election", str(board))
    run("trustee", "decrypt", "--dir", str(trustees[2]), "--election", str(board))
    # trustee 2 does not come to the count
    published = run("tally", "publish", "--election", str(board))
    run("witness", "cosign", "--dir", str(witness), "--election", str(board))
    record = root / "public" / "record"
    run("export", "--election", str(board), "--record", str(record))
    return {
        "root": root,
        "record": record,
        "fingerprint": fingerprint,
        "trustees": trustees,
        "board": board,
        "published": published.stdout,
        "challenged": challenged.stdout,
        "receipt": json.loads((root / "receipt.json").read_text()),
    }


def test_the_outside_verifier_confirms_the_count(referendum: dict[str, object]) -> None:
    proc = run(
        "verify",
        str(referendum["record"]),
        "--fingerprint",
        str(referendum["fingerprint"]),
        "--json",
    )
    report = json.loads(proc.stdout)
    assert report["ok"] is True
    counts = {r["region"]: r["questions"][0]["counts"] for r in report["results"]["regions"]}
    assert counts == {
        "donetsk": [2, 1],
        "luhansk": [0, 1],
        "kherson": [1, 0],
        "zaporizhzhia": [0, 0],
    }
    assert report["results"]["trustees"] == [1, 3]
    assert report["witnesses"] == ["observer-1"]
    assert [s["choices"] for s in report["spoiled"]] == [{"status": [0, 1]}]


def test_the_operator_and_the_verifier_print_the_same_table(referendum: dict[str, object]) -> None:
    proc = run("verify", str(referendum["record"]))
    assert (
        "credentials: every voter's key is the sum of 2 parts, one from each registrar of its"
        " region (cec, mission), each committed to before any was shown"
    ) in proc.stdout
    table = proc.stdout[proc.stdout.index("Donetsk Oblast") :]
    assert (
        table.strip()
        == str(referendum["published"])[
            str(referendum["published"]).index("Donetsk Oblast") :
        ].strip()
    )


def test_the_receipt_and_challenge_are_on_the_board(referendum: dict[str, object]) -> None:
    receipt = referendum["receipt"]
    assert re.fullmatch(r"([0-9A-Z]{4}-){4}[0-9A-Z]{4}", receipt["tracking_code"])
    lines = (Path(str(referendum["record"])) / "board.jsonl").read_text().splitlines()
    entry = json.loads(lines[receipt["index"]])
    assert entry["kind"] == "ballot"
    assert "tracking code:" in str(referendum["challenged"])
    assert "it encrypts: status=russia" in str(referendum["challenged"])


def test_no_trustee_secret_leaves_its_folder(referendum: dict[str, object]) -> None:
    secrets = []
    for folder in referendum["trustees"]:
        for name in ("trustee-keys.json", "trustee-state.json"):
            secrets += _hex_strings(json.loads((folder / name).read_text()))
    public_values = _public_values(referendum)
    secrets = [s for s in secrets if s not in public_values]
    # each trustee: a signing seed, a box secret, k polynomial coefficients, shares
    assert len(secrets) >= 3 * 4
    shared = [
        p
        for top in (referendum["board"], referendum["record"])
        for p in Path(str(top)).rglob("*")
        if p.is_file()
    ]
    public = {p: p.read_bytes() for p in shared}
    own = {
        folder: b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())
        for folder in referendum["trustees"]
    }
    for secret in secrets:
        for path, data in public.items():
            assert secret.encode() not in data, f"a trustee secret is in {path}"
        holders = [f for f, data in own.items() if secret.encode() in data]
        assert len(holders) == 1, "a trustee's secret is in another trustee's folder"


def _hex_strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value] if re.fullmatch(r"[0-9a-f]{64}", value) else []
    if isinstance(value, dict):
        return [s for v in value.values() for s in _hex_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _hex_strings(v)]
    return []


def _public_values(referendum: dict[str, object]) -> set[str]:
    """Hex values in the record (fingerprint, public keys, commitments): not secrets."""
    files = Path(str(referendum["record"])).glob("*.json*")
    return {h for f in files for h in re.findall(r"[0-9a-f]{64}", f.read_text())}


def test_a_voter_checks_the_receipt_and_finds_the_codes(referendum: dict[str, object]) -> None:
    receipt = Path(str(referendum["root"])) / "receipt.json"
    challenged = re.search(r"tracking code: (\S+)", str(referendum["challenged"])).group(1)
    proc = run(
        "verify",
        str(referendum["record"]),
        "--receipt",
        str(receipt),
        "--find",
        challenged.lower(),
        "--find",
        "0000-0000-0000-0000-000C",
        "--json",
        ok=False,
    )
    assert proc.returncode == 1  # a code not on the board fails the lookup (issue 11)
    found = {f["tracking_code"]: f for f in json.loads(proc.stdout)["lookups"]}
    code = referendum["receipt"]["tracking_code"]
    assert found[code]["status"] == "counted (the last ballot of its credential)"
    assert found[code]["receipt"] == "matches the record"
    assert found[challenged.lower()]["status"].startswith("challenged")
    assert found["0000-0000-0000-0000-000C"]["status"] == "not on the board"
    text = run("verify", str(referendum["record"]), "--find", code, ok=True).stdout
    assert "FAILED" not in text  # every code found: exit 0
    missing = run(
        "verify", str(referendum["record"]), "--find", "0000-0000-0000-0000-000C", ok=False
    )
    assert missing.returncode == 1
    assert "FAILED: tracking code 0000-0000-0000-0000-000C is not on the board" in missing.stdout
    # A mistyped code is not a missing ballot: the verifier cannot read it (exit 2).
    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    mistyped = run("verify", str(referendum["record"]), "--find", typo, ok=False)
    assert mistyped.returncode == 2
    assert "check character does not match" in mistyped.stdout + mistyped.stderr


def test_a_receipt_from_another_history_is_proof_of_equivocation(
    referendum: dict[str, object], tmp_path: Path
) -> None:
    receipt = dict(referendum["receipt"])
    receipt["index"] -= 1  # still inside the signed tree, but another entry
    path = tmp_path / "moved.json"
    path.write_text(json.dumps(receipt))
    proc = run("verify", str(referendum["record"]), "--receipt", str(path), ok=False)
    assert proc.returncode == 1
    assert "should be at entry" in proc.stdout
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"tracking_code": "x"}))
    proc = run("verify", str(referendum["record"]), "--receipt", str(broken), ok=False)
    assert proc.returncode == 2 and "want a receipt object" in proc.stderr


def test_a_registrar_block_names_its_regions(tmp_path: Path) -> None:
    from referendum.board import BOARD_KEY, SigningKey
    from referendum.manifest import load_manifest_toml

    out = run(
        "credentials",
        "keygen",
        "--dir",
        str(tmp_path / "r"),
        "--id",
        "east",
        "--name",
        "East registrar",
        "--region",
        "donetsk",
        "--region",
        "luhansk",
    ).stdout
    assert 'regions = ["donetsk", "luhansk"]' in out
    trustee = block(run("trustee", "keygen", "--dir", str(tmp_path / "t"), "--name", "T"))
    others = [
        block(
            run(
                "credentials",
                "keygen",
                "--dir",
                str(tmp_path / rid),
                "--id",
                rid,
                "--name",
                rid.title(),
                "--region",
                region,
            )
        )
        for rid, region in (("east2", "kherson"), ("south", "zaporizhzhia"))
    ]
    # A rehearsal: one registrar per region, each region served by exactly one.
    template = TEMPLATE.replace("at_least = 3", "at_least = 1")
    east = "".join(line + "\n" for line in out.splitlines() if not line.startswith("#"))
    rehearsal = template.replace("codes_per_voter = 2", "codes_per_voter = 1")
    text = "\n".join([rehearsal, trustee, east, *others])
    manifest = load_manifest_toml(text, SigningKey.generate("b", BOARD_KEY).verifier())
    assert manifest.registrar("east").regions == ("donetsk", "luhansk")
    assert manifest.registrar("east2").regions == ("kherson",)


def test_verify_into_a_closed_pipe_stops_quietly(referendum: dict[str, object]) -> None:
    proc = subprocess.run(
        f"{sys.executable} -m referendum.cli verify {referendum['record']} --jobs 1 | head -1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.stdout.startswith("referendum ")
    assert "Broken pipe" not in proc.stderr and "Traceback" not in proc.stderr
