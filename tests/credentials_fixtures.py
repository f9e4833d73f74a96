"""A small manifest with two registrars and three regions, for the credentials tests.

Each voter's credential is co-issued by two registrars (codes_per_voter = 2): reg-a serves
every region (its entry has no regions member); reg-b serves south and north only, so it
may not register east; reg-c serves east only. make_manifest also makes manifests where
three registrars co-issue every region, or one registrar alone (a rehearsal).
"""

from __future__ import annotations

import hashlib
from typing import Any

from referendum.board.keys import BOARD_KEY, SigningKey
from referendum.group import SeededRandom
from referendum.manifest import Manifest
from referendum.signing import Ed25519Key

__all__ = [
    "REGIONS",
    "REGISTRAR_KEYS",
    "REGISTRAR_REGIONS",
    "L",
    "base_times",
    "decode_point",
    "ed25519_sign",
    "encode_point",
    "make_manifest",
    "point_sum",
    "point_times",
    "scalar_of",
]

_rng = SeededRandom("credentials-fixtures")
REGISTRAR_KEYS = {"reg-a": Ed25519Key.generate(_rng), "reg-b": Ed25519Key.generate(_rng)}
REGISTRAR_KEYS["reg-c"] = Ed25519Key.generate(_rng)
_TRUSTEE_KEYS = [Ed25519Key.generate(_rng) for _ in range(3)]
_BOARD = SigningKey.generate("board", BOARD_KEY, _rng).verifier().to_text()
REGIONS = ("north", "south", "east")
#: The regions member of each registrar's manifest entry (None: no member, every region).
REGISTRAR_REGIONS: dict[str, list[str] | None] = {
    "reg-a": None,
    "reg-b": ["south", "north"],
    "reg-c": ["east"],
}


def _texts(text: str) -> dict[str, str]:
    return {"en": text}


def _registrar(rid: str, key: Ed25519Key, regions: list[str] | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": rid, "name": f"Registrar {rid}", "signing_key": key.public.hex()}
    if regions is not None:
        entry["regions"] = list(regions)
    return entry


def make_manifest(
    referendum_id: str = "cred-test",
    *,
    serving: dict[str, list[str] | None] | None = None,
    codes_per_voter: int = 2,
) -> Manifest:
    """Gives back a valid manifest; its id changes the fingerprint.

    serving: the regions member of each registrar that takes part (default
    REGISTRAR_REGIONS), in manifest order; codes_per_voter: how many serve each region.
    """
    serving = REGISTRAR_REGIONS if serving is None else serving
    value: dict[str, Any] = {
        "format": "referendum-manifest/3",
        "id": referendum_id,
        "languages": ["en"],
        "title": _texts("Credentials test"),
        "voting": {"opens": "2027-03-01T06:00:00Z", "closes": "2027-03-01T18:00:00Z"},
        "questions": [
            {
                "id": "q1",
                "text": _texts("Yes or no?"),
                "options": [
                    {"id": "yes", "text": _texts("Yes")},
                    {"id": "no", "text": _texts("No")},
                ],
                "min_choices": 1,
                "max_choices": 1,
            }
        ],
        "regions": [{"id": r, "name": _texts(r.title()), "questions": ["q1"]} for r in REGIONS],
        "trustees": [
            {
                "index": i + 1,
                "name": f"Trustee {i + 1}",
                "group": "trustees",
                "signing_key": key.public.hex(),
                "encryption_key": bytes([i + 1] * 32).hex(),
            }
            for i, key in enumerate(_TRUSTEE_KEYS)
        ],
        "policy": [{"at_least": 2, "of": ["trustees"]}],
        "registrars": [_registrar(rid, REGISTRAR_KEYS[rid], r) for rid, r in serving.items()],
        "codes_per_voter": codes_per_voter,
        "witnesses": [],
        "board": {"key": _BOARD},
    }
    return Manifest.from_json(value)


# --- an independent reading of edwards25519 (RFC 8032 5.1), in Python integers ----------
# The tests compute parts, sums and signatures with these, never with the code under test.

L = 2**252 + 27742317777372353535851937790883648493  # the prime order of B
_P = 2**255 - 19
_D = -121665 * pow(121666, -1, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T)
_NEUTRAL: Point = (0, 1, 1, 0)


def _recover_x(y: int, sign: int) -> int | None:
    x2 = (y * y - 1) * pow(_D * y * y + 1, -1, _P) % _P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P:
        return None
    return _P - x if (x & 1) != sign else x


def decode_point(data: bytes) -> Point:
    """The point of a 32-byte encoding (RFC 8032 5.1.3); ValueError if there is none."""
    y = int.from_bytes(data, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    x = None if y >= _P else _recover_x(y, sign)
    if x is None:
        raise ValueError("not a point")
    return (x, y, 1, x * y % _P)


_B = decode_point((4 * pow(5, -1, _P) % _P).to_bytes(32, "little"))


def _add(p: Point, q: Point) -> Point:
    a = (p[1] - p[0]) * (q[1] - q[0]) % _P
    b = (p[1] + p[0]) * (q[1] + q[0]) % _P
    c = 2 * p[3] * q[3] * _D % _P
    d = 2 * p[2] * q[2] % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _mul(s: int, p: Point) -> Point:
    q = _NEUTRAL
    while s > 0:
        if s & 1:
            q = _add(q, p)
        p = _add(p, p)
        s >>= 1
    return q


def encode_point(p: Point) -> bytes:
    """The 32-byte encoding of a point (RFC 8032 5.1.2)."""
    zinv = pow(p[2], -1, _P)
    x, y = p[0] * zinv % _P, p[1] * zinv % _P
    return (y | (x & 1) << 255).to_bytes(32, "little")


def base_times(scalar: int) -> bytes:
    """scalar*B, encoded."""
    return encode_point(_mul(scalar % L, _B))


def point_sum(*encoded: bytes) -> bytes:
    """The sum of encoded points, encoded."""
    total = _NEUTRAL
    for e in encoded:
        total = _add(total, decode_point(e))
    return encode_point(total)


def point_times(scalar: int, encoded: bytes) -> bytes:
    """scalar times an encoded point (any scalar: no reduction, torsion kept), encoded."""
    return encode_point(_mul(scalar, decode_point(encoded)))


def scalar_of(data: bytes) -> int:
    """A little-endian number (a 64-byte hash reduces mod L; 10.3)."""
    return int.from_bytes(data, "little") % L


def ed25519_sign(x: int, public: bytes, message: bytes, nonce: int) -> bytes:
    """R || S of RFC 8032's signing equation with secret scalar x under the key `public`
    (which need not be x*B: that is what a forger tries) and nonce r."""
    big_r = base_times(nonce)
    h = scalar_of(hashlib.sha512(big_r + public + message).digest())
    return big_r + ((nonce + h * x) % L).to_bytes(32, "little")
