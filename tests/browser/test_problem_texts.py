"""Every problem type the server can send has words in the pages' languages.

The booth never shows a problem's English `detail`: web/src/pages/common.js maps each
type (`PROBLEM_TEXTS`) to an interface string of the three dictionaries. A type added to
the server without words for it fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _server_types() -> set[str]:
    found: set[str] = set()
    for source in (ROOT / "src" / "referendum" / "server").glob("*.py"):
        found |= set(re.findall(r'Problem\(\s*\d{3},\s*"([a-z-]+)"', source.read_text()))
    # casting.py names the refusal of a proof check by the kind sent: f"{what}-invalid".
    assert 'f"{what}-invalid"' in (ROOT / "src/referendum/server/casting.py").read_text()
    return found | {"ballot-invalid", "challenge-invalid"}


def _page_texts() -> dict[str, str]:
    common = (ROOT / "web/src/pages/common.js").read_text()
    table = re.search(r"const PROBLEM_TEXTS = \{(.*?)\n\};", common, re.S)
    assert table is not None, "common.js has no PROBLEM_TEXTS table"
    pairs = re.findall(r'^\s*"?([a-z-]+)"?: "(\w+)",$', table.group(1), re.M)
    return dict(pairs)


def test_every_problem_type_has_words_in_every_language() -> None:
    server = _server_types()
    texts = _page_texts()
    assert len(server) > 25  # the scan found the server's problems
    assert sorted(server - texts.keys()) == []
    for lang in ("en", "uk", "ru"):
        dictionary = (ROOT / f"web/src/i18n/{lang}.js").read_text()
        for name in set(texts.values()):
            assert f'"common.problem.{name}":' in dictionary, (lang, name)


def test_a_type_without_words_is_caught() -> None:
    texts = _page_texts()
    assert "rate-limited" in texts
    del texts["rate-limited"]
    assert sorted(_server_types() - texts.keys()) == ["rate-limited"]
