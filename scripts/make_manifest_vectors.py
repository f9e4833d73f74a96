# Ukrainian texts: the Cyrillic letters are meant.
# ruff: noqa: RUF001
"""Writes vectors/manifest/: canonical JSON, signed messages and manifest fingerprints.

Run: .venv/bin/python scripts/make_manifest_vectors.py   (rewrites vectors/manifest/*.json)

The files are committed and then fixed: tests/vectors/test_manifest_vectors.py checks the
code against them, and the browser booth will check its JavaScript against the same
files. Rerun this only when protocol.md section 8 or 9 changes, and say so in the commit.

Every case has `desc` and `want_err`: null for a valid case, "decode" when the input must
be rejected as it is read (bad JSON, a manifest that breaks a rule of section 9, a
malformed signature field), "invalid" when it reads fine and the signature must not
verify. Keys come from fixed seeds written in the files (never do this in a referendum).
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pysodium

from referendum.board.keys import BOARD_KEY, WITNESS_KEY, SigningKey
from referendum.canonical import JsonFormatError, canonical_json, parse_json
from referendum.demo_manifest import TEMPLATE, key_block, render
from referendum.group import SeededRandom, transcript
from referendum.manifest import Manifest, ManifestError, load_manifest_toml
from referendum.signing import (
    Ed25519Key,
    SignatureInvalid,
    message_to_sign,
    sign_message,
    verify_message,
)

OUT = Path(__file__).resolve().parent.parent / "vectors" / "manifest"
ORDER = 2**252 + 27742317777372353535851937790883648493

# The worked example of protocol.md 9.3 and 8.2: every seed is one repeated byte.
TRUSTEE_SEED = bytes([1]) * 32
TRUSTEE_BOX_SECRET = bytes([2]) * 32
REGISTRAR_SEED = bytes([3]) * 32
MISSION_SEED = bytes([5]) * 32
BOARD_SEED = bytes([4]) * 32


def _box_public(secret: bytes) -> bytes:
    public: bytes = pysodium.crypto_scalarmult_curve25519_base(secret)
    return public


def _board() -> SigningKey:
    return SigningKey("referendum-board", BOARD_KEY, BOARD_SEED)


def small_manifest() -> dict[str, Any]:
    """The manifest of protocol.md 9.3's worked example."""
    return {
        "format": "referendum-manifest/3",
        "id": "example-2027",
        "languages": ["uk", "en"],
        "title": {"uk": "Приклад", "en": "Example"},
        "voting": {"opens": "2027-03-01T06:00:00Z", "closes": "2027-03-01T18:00:00Z"},
        "questions": [
            {
                "id": "q1",
                "text": {"uk": "Так чи ні?", "en": "Yes or no?"},
                "options": [
                    {"id": "yes", "text": {"uk": "Так", "en": "Yes"}},
                    {"id": "no", "text": {"uk": "Ні", "en": "No"}},
                ],
                "min_choices": 1,
                "max_choices": 1,
            }
        ],
        "regions": [{"id": "r1", "name": {"uk": "Область", "en": "Oblast"}, "questions": ["q1"]}],
        "trustees": [
            {
                "index": 1,
                "name": "Trustee 1",
                "group": "trustees",
                "signing_key": Ed25519Key(TRUSTEE_SEED).public.hex(),
                "encryption_key": _box_public(TRUSTEE_BOX_SECRET).hex(),
            }
        ],
        "policy": [{"at_least": 1, "of": ["trustees"]}],
        "registrars": [
            {"id": "cec", "name": "CEC", "signing_key": Ed25519Key(REGISTRAR_SEED).public.hex()},
            {
                "id": "mission",
                "name": "Observer mission",
                "signing_key": Ed25519Key(MISSION_SEED).public.hex(),
            },
        ],
        "codes_per_voter": 2,
        "witnesses": [],
        "board": {"key": _board().verifier().to_text()},
    }


def _template_toml() -> tuple[str, SigningKey]:
    rng = SeededRandom("vectors/manifest/template")
    blocks = []
    for i in range(1, 4):
        signing = Ed25519Key.generate(rng)
        box = _box_public(rng(32))
        fields: list[tuple[str, Any]] = [
            ("name", f"Trustee {i}"),
            ("group", "trustees"),
            ("signing_key", signing.public.hex()),
            ("encryption_key", box.hex()),
        ]
        if i == 1:  # display names on one trustee only: the others show their name
            fields.append(
                (
                    "display",
                    {"uk": "Довірена особа 1", "ru": "Доверенное лицо 1", "en": "Trustee 1"},
                )
            )
        blocks.append(key_block("trustees", fields))
    for rid, name in (("cec", "Central registrar"), ("mission", "Observer mission registrar")):
        registrar = Ed25519Key.generate(rng)
        blocks.append(
            key_block(
                "registrars", [("id", rid), ("name", name), ("signing_key", registrar.public.hex())]
            )
        )
    witness = SigningKey.generate("observer-1", WITNESS_KEY, rng)
    blocks.append(
        key_block(
            "witnesses",
            [
                ("name", "Observer 1"),
                ("key", witness.verifier().to_text()),
                ("display", {"uk": "Спостерігач 1", "ru": "Наблюдатель 1", "en": "Observer 1"}),
            ],
        )
    )
    board = SigningKey.generate("referendum-board", BOARD_KEY, rng)
    # A TOML datetime for opens: it must give the same bytes as the quoted form.
    template = TEMPLATE.replace('opens = "2027-03-01T06:00:00Z"', "opens = 2027-03-01T06:00:00Z")
    return render(blocks, template), board


def _valid_manifest(desc: str, value: dict[str, Any], toml: str | None = None) -> dict[str, Any]:
    m = Manifest.from_json(value)
    data = canonical_json(value)
    assert m.canonical == data
    framed = transcript("manifest", data)
    fp = hashlib.sha512(framed).digest()[:32]
    assert fp == m.fingerprint
    case: dict[str, Any] = {"desc": desc, "want_err": None}
    if toml is not None:
        case["toml"] = toml
        case["board_key"] = m.board_key.to_text()
    case |= {
        "manifest": value,
        "canonical_hex": data.hex(),
        "canonical_length": len(data),
        "transcript_prefix_hex": framed[: len(framed) - len(data)].hex(),
        "fingerprint": fp.hex(),
    }
    return case


def _invalid_manifest(desc: str, value: dict[str, Any], field: str) -> dict[str, Any]:
    try:
        Manifest.from_json(value)
    except ManifestError as exc:
        if not str(exc).startswith(f"{field}:"):
            raise AssertionError(f"{desc}: {exc}") from None
        return {"desc": desc, "want_err": "decode", "field": field, "manifest": value}
    raise AssertionError(f"{desc}: accepted")


def _manifests() -> list[dict[str, Any]]:
    base = small_manifest()
    toml, board = _template_toml()
    from_toml = load_manifest_toml(toml, board.verifier())
    cases = [
        _valid_manifest("protocol.md 9.3 worked example", base),
        _valid_manifest(
            "the demo template with three trustees, two registrars and a witness (from TOML);"
            " trustee 1 and the witness have display names",
            from_toml.to_json(),
            toml,
        ),
    ]
    retitled = copy.deepcopy(base)
    retitled["title"]["uk"] = "Прикладь"
    cases.append(_valid_manifest("one letter added to the Ukrainian title", retitled))
    displayed = copy.deepcopy(base)
    displayed["trustees"][0]["display"] = {"uk": "Довірена особа 1", "en": "Trustee 1"}
    displayed["registrars"][0]["display"] = {"uk": "ЦВК", "en": "Central Election Commission"}
    cases.append(
        _valid_manifest(
            "the worked example with display names of its trustee and registrar", displayed
        )
    )
    # issue 14: the booth the manifest names (protocol.md 16.6)
    booth = copy.deepcopy(base)
    booth["booth"] = "sha256:" + hashlib.sha256(b"a booth build listing").hexdigest()
    cases.append(_valid_manifest("the worked example naming a web booth", booth))

    # issue 14: one registrar alone issues each credential, labelled (protocol.md 9.2.2)
    rehearsal = copy.deepcopy(base)
    rehearsal["registrars"] = rehearsal["registrars"][:1]
    rehearsal["codes_per_voter"] = 1
    cases.append(_valid_manifest("a single-registrar rehearsal (codes_per_voter 1)", rehearsal))

    def broken(desc: str, field: str, path: tuple[Any, ...], new: Any = None) -> None:
        value = copy.deepcopy(base)
        target = value
        for step in path[:-1]:
            target = target[step]
        if new is None:
            del target[path[-1]]
        elif isinstance(target, list) and path[-1] == len(target):
            target.append(copy.deepcopy(new))
        else:
            target[path[-1]] = new
        cases.append(_invalid_manifest(desc, value, field))

    broken(
        "codes_per_voter 2 with region r1 served by one registrar",
        "manifest.codes_per_voter",
        ("registrars", 1),
    )
    broken(
        "codes_per_voter 3 with two registrars", "manifest.codes_per_voter", ("codes_per_voter",), 3
    )
    broken("codes_per_voter 0", "manifest.codes_per_voter", ("codes_per_voter",), 0)
    broken("codes_per_voter 5", "manifest.codes_per_voter", ("codes_per_voter",), 5)
    broken("no codes_per_voter", "manifest", ("codes_per_voter",))
    broken(
        "a policy clause asking for more trustees than its groups hold",
        "manifest.policy[0].at_least",
        ("policy", 0, "at_least"),
        2,
    )
    broken(
        "a policy clause naming a group no trustee is in",
        "manifest.policy[0].of[0]",
        ("policy", 0, "of", 0),
        "nobody",
    )
    broken(
        "an option text without English",
        "manifest.questions[0].options[1].text",
        ("questions", 0, "options", 1, "text", "en"),
    )
    broken("a question id twice", "manifest.questions", ("questions", 1), base["questions"][0])
    broken(
        "max_choices above the number of options",
        "manifest.questions[0].max_choices",
        ("questions", 0, "max_choices"),
        3,
    )
    broken(
        "a region naming no question of the manifest",
        "manifest.regions[0].questions[0]",
        ("regions", 0, "questions", 0),
        "q2",
    )
    broken(
        "a witness key as the board key",
        "manifest.board.key",
        ("board", "key"),
        SigningKey("referendum-board", WITNESS_KEY, BOARD_SEED).verifier().to_text(),
    )
    broken(
        "a board key as a witness key",
        "manifest.witnesses[0].key",
        ("witnesses", 0),
        {"name": "Observer", "key": _board().verifier().to_text()},
    )
    broken(
        "an uppercase signing key",
        "manifest.registrars[0].signing_key",
        ("registrars", 0, "signing_key"),
        base["registrars"][0]["signing_key"].upper(),
    )
    broken(
        "a trustee index out of order", "manifest.trustees[0].index", ("trustees", 0, "index"), 2
    )
    broken("an underscore in the referendum id", "manifest.id", ("id",), "example_2027")
    broken(
        "a time with an offset",
        "manifest.voting.opens",
        ("voting", "opens"),
        "2027-03-01T08:00:00+02:00",
    )
    broken("closes before opens", "manifest.voting", ("voting", "closes"), "2027-03-01T05:00:00Z")
    broken(
        "a float for min_choices",
        "manifest.questions[0].min_choices",
        ("questions", 0, "min_choices"),
        1.0,
    )
    display = {"uk": "Довірена особа 1", "en": "Trustee 1"}
    broken(
        "display names without English",
        "manifest.trustees[0].display",
        ("trustees", 0, "display"),
        {"uk": "Довірена особа 1"},
    )
    broken(
        "display names in a language the manifest lacks",
        "manifest.trustees[0].display",
        ("trustees", 0, "display"),
        {**display, "ru": "Доверенное лицо 1"},
    )
    broken(
        "an empty display name",
        "manifest.registrars[0].display.uk",
        ("registrars", 0, "display"),
        {"uk": " ", "en": "CEC"},
    )
    broken(
        "display names as one text",
        "manifest.trustees[0].display",
        ("trustees", 0, "display"),
        "Trustee 1",
    )
    broken(
        "a witness display name of 201 characters",
        "manifest.witnesses[0].display.en",
        ("witnesses", 0),
        {
            "name": "Observer",
            "key": SigningKey("observer-1", WITNESS_KEY, BOARD_SEED).verifier().to_text(),
            "display": {"uk": "Спостерігач", "en": "x" * 201},
        },
    )
    broken("an unknown top-level field", "manifest", ("extra",), True)
    broken("no board", "manifest", ("board",))
    broken("a booth hash without sha256:", "manifest.booth", ("booth",), "ab" * 32)
    return cases


# --- canonical JSON ---------------------------------------------------------------------------


def _canonical(desc: str, text: str) -> dict[str, Any]:
    data = canonical_json(parse_json(text))
    return {
        "desc": desc,
        "input": text,
        "want_err": None,
        "canonical": data.decode("utf-8"),
        "canonical_hex": data.hex(),
    }


def _refused(desc: str, text: str | bytes) -> dict[str, Any]:
    try:
        parse_json(text)
    except JsonFormatError:
        if isinstance(text, bytes):
            return {"desc": desc, "input_hex": text.hex(), "want_err": "decode"}
        return {"desc": desc, "input": text, "want_err": "decode"}
    raise AssertionError(f"{desc}: accepted")


def _canonical_cases() -> list[dict[str, Any]]:
    return [
        _canonical("members sorted by name, whitespace dropped", '{ "b": 1, "a": [ 2, 3 ] }'),
        _canonical(
            "names sorted by code unit: empty, digits, upper case, '_', lower case",
            '{"a":1,"B":2,"_":3,"1":4,"aa":5,"":6,"A":7}',
        ),
        _canonical(
            "nested objects sorted at every level", '{"z":{"y":1,"x":{"b":[],"a":{}}},"a":0}'
        ),
        _canonical("array order is kept", "[3,1,2]"),
        _canonical("nested arrays", '[[],[[1,[2]]],{"a":[{}]},[[[]]]]'),
        _canonical("literals and integers", "[true,false,null,0,-1,42]"),
        _canonical("largest integers", "[9007199254740991,-9007199254740991]"),
        _canonical("-0 is the integer 0", "-0"),
        _canonical("a top-level string", '"x"'),
        _canonical(
            "Ukrainian text is written as UTF-8", '{"q":"Чи згодні ви? Україна — ґанок, їжак, є"}'
        ),
        _canonical(
            "escaped non-ASCII is written as UTF-8",
            '"\\u0423\\u043a\\u0440\\u0430\\u0457\\u043d\\u0430"',
        ),
        _canonical("a surrogate pair becomes one 4-byte character", '"\\ud83d\\uddf3"'),
        _canonical("short escapes for \\b \\t \\n \\f \\r", '"\\b\\t\\n\\f\\r"'),
        _canonical(
            "other control characters as \\u00XX, lower case hex", '"\\u0000\\u0001\\u000B\\u001F"'
        ),
        _canonical("quote and backslash escaped", '"say \\"hi\\" \\\\ bye"'),
        _canonical("slash not escaped", '"a\\/b/c"'),
        _canonical("DEL, U+2028 and U+2029 are not escaped", '"\\u007f\\u2028\\u2029"'),
        _canonical("escaped ASCII letters are written plainly", '{"\\u0061":"\\u0062"}'),
        _refused("a fraction", "1.5"),
        _refused("an integer written as a float", "1.0"),
        _refused("an exponent", "1e3"),
        _refused("negative zero as a float", "-0.0"),
        _refused("NaN", "NaN"),
        _refused("Infinity", '{"a":Infinity}'),
        _refused("-Infinity", "[-Infinity]"),
        _refused("a duplicate key", '{"a":1,"a":1}'),
        _refused("a duplicate key, spelled differently", '{"a":1,"\\u0061":2}'),
        _refused("a duplicate key in a nested object", '[{"x":{"k":1,"j":2,"k":3}}]'),
        _refused("2^53", "9007199254740992"),
        _refused("-2^53", "-9007199254740992"),
        _refused("a huge integer", "1" + "0" * 30),
        _refused("a non-ASCII key", '{"ключ":1}'),
        _refused("a non-ASCII key, escaped", '{"\\u00e9":1}'),
        _refused("a lone high surrogate", '"\\ud800"'),
        _refused("a lone low surrogate", '["\\udc00x"]'),
        _refused("a raw control character in a string", '"a\nb"'),
        _refused("a trailing comma", "[1,]"),
        _refused("single quotes", "{'a':1}"),
        _refused("a leading zero", "01"),
        _refused("two values", "[1] [2]"),
        _refused("empty input", ""),
        _refused("a UTF-8 byte order mark", b"\xef\xbb\xbf{}"),
        _refused("UTF-16", '{"a":1}'.encode("utf-16-le")),
        _refused("invalid UTF-8", b'"\xff"'),
        _refused("a surrogate written in UTF-8 form", b'"\xed\xa0\x80"'),
    ]


# --- signed messages --------------------------------------------------------------------------


def _signed_valid(
    desc: str, seed: bytes, fp: bytes, kind: str, body: dict[str, Any]
) -> dict[str, Any]:
    key = Ed25519Key(seed)
    payload = sign_message(key, fp, kind, body)
    assert verify_message(key.public, fp, kind, payload, desc) == body
    return {
        "desc": desc,
        "want_err": None,
        "seed": seed.hex(),
        "public_key": key.public.hex(),
        "fingerprint": fp.hex(),
        "kind": kind,
        "body": body,
        "canonical_body": canonical_json(body).decode("utf-8"),
        "message_hex": message_to_sign(fp, kind, body).hex(),
        "signature": payload["signature"],
        "payload": payload,
    }


def _signed_refused(
    desc: str, public: bytes, fp: bytes, kind: str, payload: Any, want_err: str
) -> dict[str, Any]:
    try:
        verify_message(public, fp, kind, payload, desc)
    except SignatureInvalid:
        return {
            "desc": desc,
            "want_err": want_err,
            "public_key": public.hex(),
            "fingerprint": fp.hex(),
            "kind": kind,
            "payload": payload,
        }
    raise AssertionError(f"{desc}: verified")


def _signed_cases(fp: bytes) -> list[dict[str, Any]]:
    body = {"registrar": "cec", "region": "r1", "batches": 1, "count": 2}
    good = _signed_valid(
        "registrar cec closes region r1", REGISTRAR_SEED, fp, "credentials.close", body
    )
    nested = _signed_valid(
        "trustee 1 complains: nested arrays and Ukrainian text",
        TRUSTEE_SEED,
        fp,
        "ceremony.check",
        {"trustee": 1, "complaints": [{"against": 2, "reason": "частка не відповідає"}]},
    )
    public = bytes.fromhex(good["public_key"])
    payload = good["payload"]
    sig = bytes.fromhex(payload["signature"])
    s_plus_l = sig[:32] + (int.from_bytes(sig[32:], "little") + ORDER).to_bytes(32, "little")
    flipped = bytearray(sig)
    flipped[63] ^= 0x01
    identity = bytes([1]) + bytes(31)
    return [
        good,
        nested,
        _signed_refused("another kind", public, fp, "credentials", payload, "invalid"),
        _signed_refused(
            "another referendum", public, bytes(32), "credentials.close", payload, "invalid"
        ),
        _signed_refused(
            "count changed", public, fp, "credentials.close", {**payload, "count": 3}, "invalid"
        ),
        _signed_refused(
            "a field added", public, fp, "credentials.close", {**payload, "note": ""}, "invalid"
        ),
        _signed_refused(
            "another signer",
            bytes.fromhex(nested["public_key"]),
            fp,
            "credentials.close",
            payload,
            "invalid",
        ),
        _signed_refused(
            "S changed",
            public,
            fp,
            "credentials.close",
            {**payload, "signature": bytes(flipped).hex()},
            "invalid",
        ),
        _signed_refused(
            "S + l: the same S modulo l, not canonical",
            public,
            fp,
            "credentials.close",
            {**payload, "signature": s_plus_l.hex()},
            "invalid",
        ),
        _signed_refused(
            "small-order key and R (identity, S = 0): the bare equation holds for any message",
            identity,
            fp,
            "credentials.close",
            {**body, "signature": (identity + bytes(32)).hex()},
            "invalid",
        ),
        _signed_refused(
            "signature in upper case",
            public,
            fp,
            "credentials.close",
            {**payload, "signature": payload["signature"].upper()},
            "decode",
        ),
        _signed_refused(
            "signature of 63 bytes",
            public,
            fp,
            "credentials.close",
            {**payload, "signature": payload["signature"][:126]},
            "decode",
        ),
        _signed_refused("no signature", public, fp, "credentials.close", body, "decode"),
        _signed_refused(
            "signature not text",
            public,
            fp,
            "credentials.close",
            {**body, "signature": 0},
            "decode",
        ),
    ]


def _write(name: str, document: dict[str, Any]) -> None:
    path = OUT / name
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path}")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    manifests = _manifests()
    fp = bytes.fromhex(manifests[0]["fingerprint"])
    _write(
        "canonical.json",
        {
            "description": (
                "Canonical JSON (protocol.md 8.1): input text (or input_hex for byte-level "
                "cases) read strictly, and its canonical bytes; want_err 'decode' when the "
                "input must be refused"
            ),
            "cases": _canonical_cases(),
        },
    )
    _write(
        "signed.json",
        {
            "description": (
                "Signed messages (protocol.md 8.2): message_hex is "
                "transcript('signed-message', fp, kind, canonical_json(body)), signature its "
                "Ed25519 signature by the key of seed; refused cases give the payload to "
                "verify under public_key, fingerprint and kind"
            ),
            "cases": _signed_cases(fp),
        },
    )
    _write(
        "manifest.json",
        {
            "description": (
                "Manifests (protocol.md 9): canonical bytes; fp = SHA-512(transcript('manifest', "
                "canonical))[:32], where the transcript is transcript_prefix_hex followed by the "
                "canonical bytes; the TOML case loads with board_key added (as `referendum init` "
                "does); a refused manifest's error names field"
            ),
            "seeds": {
                "trustee_signing": TRUSTEE_SEED.hex(),
                "trustee_box_secret": TRUSTEE_BOX_SECRET.hex(),
                "registrar_signing": REGISTRAR_SEED.hex(),
                "mission_signing": MISSION_SEED.hex(),
                "board_signing": BOARD_SEED.hex(),
            },
            "cases": manifests,
        },
    )


if __name__ == "__main__":
    main()
