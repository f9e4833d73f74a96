"""The booth hash (protocol.md 16.6): the listing, a build folder, the manifest's member."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from manifest_fixtures import BOARD, manifest_json
from manifest_fixtures import toml_key_blocks as blocks
from referendum.booth import BoothError, folder_hash, listing_hash, parse_booth_hash
from referendum.demo_manifest import TEMPLATE, render
from referendum.manifest import Manifest, ManifestError, load_manifest_toml

HASH = "sha256:" + "ab" * 32


def _build(folder: Path) -> Path:
    """A small build: pages, assets, compressed copies and a build.json."""
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_bytes(b"<!doctype html><title>booth</title>\n")
    (folder / "index.html.br").write_bytes(b"\x8b\x01\x80")
    (folder / "explorer.html").write_bytes(b"<!doctype html><title>explorer</title>\n")
    (folder / "assets" / "booth-ABCDEFGH.js").write_bytes(b"console.log(1)\n")
    (folder / "assets" / "Z-ABCDEFGH.css").write_bytes(b"p{}")
    (folder / "build.json").write_text('{"booth": "not part of the hash"}\n')
    return folder


def test_the_hash_is_sha256sum_of_the_files_then_sha256sum_of_that(tmp_path: Path) -> None:
    """coreutils alone recompute it: find | LC_ALL=C sort | xargs sha256sum | sha256sum."""
    folder = _build(tmp_path / "b")
    command = (
        "find . -type f ! -name build.json -printf '%P\\n' | LC_ALL=C sort"
        " | xargs sha256sum | sha256sum"
    )
    found = subprocess.run(
        ["sh", "-c", command], cwd=folder, capture_output=True, text=True, check=True
    )
    assert folder_hash(folder) == "sha256:" + found.stdout.split()[0]


def test_the_listing_is_in_byte_order_of_the_paths() -> None:
    """Upper case sorts before lower case and '/' before letters (bytes, not locale)."""
    a, b = hashlib.sha256(b"a").digest(), hashlib.sha256(b"b").digest()
    lines = f"{a.hex()}  Z.css\n{b.hex()}  assets/x.js\n".encode()
    assert (
        listing_hash({"assets/x.js": b, "Z.css": a})
        == "sha256:" + hashlib.sha256(lines).hexdigest()
    )


def test_every_byte_of_every_file_counts_and_build_json_does_not(tmp_path: Path) -> None:
    folder = _build(tmp_path / "b")
    before = folder_hash(folder)
    (folder / "build.json").write_text("{}\n")
    assert folder_hash(folder) == before
    for name in ("index.html", "index.html.br", "assets/booth-ABCDEFGH.js"):
        copy = tmp_path / name.replace("/", "_")
        shutil.copytree(folder, copy)
        path = copy / name
        path.write_bytes(path.read_bytes()[:-1] + bytes([path.read_bytes()[-1] ^ 1]))
        assert folder_hash(copy) != before, name
    extra = tmp_path / "extra"
    shutil.copytree(folder, extra)
    (extra / "assets" / "more.js").write_bytes(b"")
    assert folder_hash(extra) != before


def test_a_folder_without_pages_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BoothError, match=r"no index\.html: not a built booth"):
        folder_hash(tmp_path)


@pytest.mark.parametrize(
    "text",
    ["ab" * 32, "sha256:" + "AB" * 32, "sha256:" + "ab" * 31, "sha512:" + "ab" * 32, 7, None],
)
def test_a_booth_hash_is_sha256_and_64_lowercase_hex(text: object) -> None:
    with pytest.raises(BoothError, match="is not sha256: and 64 lowercase hex digits"):
        parse_booth_hash(text)
    assert parse_booth_hash(HASH) == "ab" * 32


def test_the_manifest_names_a_booth_and_its_fingerprint_covers_it() -> None:
    plain = Manifest.from_json(manifest_json())
    assert plain.booth is None
    value = manifest_json()
    value["booth"] = HASH
    named = Manifest.from_json(value)
    assert named.booth == HASH
    assert named.fingerprint != plain.fingerprint
    value["booth"] = "sha256:" + "cd" * 32
    assert Manifest.from_json(value).fingerprint != named.fingerprint


@pytest.mark.parametrize("bad", ["ab" * 32, "sha256:" + "AB" * 32, "sha256:", 5, ["x"]])
def test_a_bad_booth_member_is_refused_naming_it(bad: object) -> None:
    value = manifest_json()
    value["booth"] = bad
    with pytest.raises(ManifestError, match=r"^manifest\.booth: .*want sha256: and 64 lowercase"):
        Manifest.from_json(value)


def test_the_toml_manifest_takes_booth_as_a_top_level_text() -> None:
    text = f'booth = "{HASH}"\n' + render(blocks(), TEMPLATE)
    assert load_manifest_toml(text, BOARD.verifier()).booth == HASH
