"""The OpenAPI 3.1 document of the casting service, written by hand as data.

Every operation, parameter and request body is here, and every response each operation
can give, errors included (RFC 9457 problem documents). The schemas say what the
protocol says (docs/protocol.md sections 12 to 15); the server's own checks are the
authority, the schemas are for clients and for the schemathesis tests that hold the
server to them.
"""

from __future__ import annotations

from typing import Any

from referendum.manifest import Manifest
from referendum.replay import PARTY_KINDS
from referendum.server.problems import MEDIA_TYPE, TYPE_BASE

__all__ = ["openapi_document"]

_MAX_SAFE = 2**53 - 1


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], *, extra: bool = False) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": extra,
    }


def _list(items: dict[str, Any], lo: int = 0, hi: int | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "array", "items": items, "minItems": lo}
    if hi is not None:
        schema["maxItems"] = hi
    return schema


_COUNT = {"type": "integer", "minimum": 0, "maximum": _MAX_SAFE}

_SCHEMAS: dict[str, Any] = {
    "Hex64": {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "32 bytes, hex"},
    "Hex128": {"type": "string", "pattern": "^[0-9a-f]{128}$", "description": "64 bytes, hex"},
    "Problem": _object(
        {
            "type": {
                "type": "string",
                "description": f"about:blank or {TYPE_BASE}<slug>",
            },
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string", "description": "what is wrong: field, value, rule"},
        }
    ),
    "Election": _object(
        {
            "id": {"type": "string"},
            "fingerprint": _ref("Hex64"),
            "phase": {
                "type": "string",
                "enum": ["setup", "prepare", "voting", "counting", "decrypting", "done"],
            },
            "public_key": {
                "oneOf": [_ref("Hex64"), {"type": "null"}],
                "description": "the election key K once voting opened (section 13.2)",
            },
            "size": _COUNT,
            "voting": _object({"opens": {"type": "string"}, "closes": {"type": "string"}}),
        }
    ),
    "Manifest": {"type": "object", "description": "the canonical manifest (section 9)"},
    "Credential": _object({"credential": _ref("Hex64"), "region": {"type": "string"}}),
    "Receipt": {
        **_object(
            {
                "tracking_code": {
                    "type": "string",
                    "pattern": "^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$",
                },
                "tracking_hash": _ref("Hex64"),
                "index": _COUNT,
                "checkpoint": {"type": "string", "description": "signed checkpoint (7.4.2)"},
                "inclusion_proof": _list(_ref("Hex64")),
            }
        ),
        "description": "section 13.4",
    },
    "ReceiptLookup": _object(
        {
            "kind": {"type": "string", "enum": ["ballot", "spoiled"]},
            "index": _COUNT,
            "payload": {"type": "object"},
            "latest": {
                "type": ["boolean", "null"],
                "description": "once voting has closed (voting.close), whether a ballot is the"
                " last of its credential (the one counted); null before it, so the answer does"
                " not tell whether the voter voted again; false for a challenged ballot",
            },
            "receipt": _ref("Receipt"),
        }
    ),
    "Checkpoint": _object(
        {
            "checkpoint": {"type": "string", "description": "signed by the board (7.4.2)"},
            "size": _COUNT,
            "root": _ref("Hex64"),
            "cosigned": {
                "type": ["string", "null"],
                "description": "the newest checkpoint witnesses co-signed (7.4.4), or null",
            },
        }
    ),
    "Entry": _object({"index": _COUNT, "kind": {"type": "string"}, "payload": {"type": "object"}}),
    "Entries": _object({"size": _COUNT, "entries": _list(_ref("Entry"), 0, 1000)}),
    "Message": {
        **_object(
            {
                "kind": {"type": "string", "enum": list(PARTY_KINDS)},
                "payload": {"type": "object"},
            }
        ),
        "description": "a party's signed message (sections 10, 11, 14.2, 16.4)",
    },
    "MessageReceipt": _object(
        {
            "index": _COUNT,
            "kind": {"type": "string"},
            "checkpoint": {"type": "string", "description": "signed at index + 1 (7.4.2)"},
            "inclusion_proof": _list(_ref("Hex64")),
        }
    ),
    "Cosignature": _object(
        {"checkpoint": {"type": "string", "description": "co-signed checkpoint (7.4.4)"}}
    ),
    "Cosigned": _object({"size": _COUNT, "checkpoint": {"type": "string"}}),
    "CosignedList": _object({"checkpoints": _list({"type": "string"}, 0, 100)}),
    "Inclusion": _object({"index": _COUNT, "size": _COUNT, "proof": _list(_ref("Hex64"))}),
    "Consistency": _object({"first": _COUNT, "second": _COUNT, "proof": _list(_ref("Hex64"))}),
    "ResultsPayload": {
        **_object(
            {
                "trustees": _list({"type": "integer"}),
                "quorums": _list(_list({"type": "integer"})),
                "rejected": _list(
                    _object({"trustee": {"type": "integer"}, "reason": {"type": "string"}})
                ),
                "regions": _list(
                    _object(
                        {
                            "region": {"type": "string"},
                            "eligible": _COUNT,
                            "counted": _COUNT,
                            "questions": _list(
                                _object(
                                    {
                                        "question": {"type": "string"},
                                        "counts": _list(_COUNT),
                                    }
                                )
                            ),
                        }
                    )
                ),
            }
        ),
        "description": "the `results` entry's payload (section 14.3)",
    },
    "Results": _object({"index": _COUNT, "results": _ref("ResultsPayload")}),
}


def _ballot_schemas(manifest: Manifest) -> dict[str, Any]:
    """Gives back the ballot and challenge schemas, bounded by this manifest's ballot styles
    (the protocol's own bound is 64 questions and 64 options, section 12.3)."""
    styles = [manifest.ballot_style(r.id) for r in manifest.regions]
    questions = max(len(style) for style in styles)
    options = max(q.encrypted for q in manifest.questions)
    width = max(q.sum_range[1] - q.sum_range[0] + 1 for q in manifest.questions)
    body = {
        "region": {"type": "string", "enum": [r.id for r in manifest.regions]},
        "credential": _ref("Hex64"),
        "questions": _list(_ref("BallotQuestion"), 1, questions),
    }
    return {
        "Pair": _object({"c": _ref("Hex64"), "v": _ref("Hex64")}),
        "Selection": _object(
            {"alpha": _ref("Hex64"), "beta": _ref("Hex64"), "proof": _list(_ref("Pair"), 2, 2)}
        ),
        "BallotQuestion": _object(
            {
                "question": {"type": "string", "enum": [q.id for q in manifest.questions]},
                "selections": _list(_ref("Selection"), 1, options),
                "sum_proof": _list(_ref("Pair"), 0, width),
            }
        ),
        "BallotBody": _object(body),
        "Ballot": {
            **_object({**body, "signature": _ref("Hex128")}),
            "description": "the `ballot` payload (docs/protocol.md section 12.2)",
        },
        "Opening": _object(
            {"vote": {"type": "integer", "minimum": 0, "maximum": 1}, "nonce": _ref("Hex64")}
        ),
        "RevealQuestion": _object(
            {
                "question": {"type": "string", "enum": [q.id for q in manifest.questions]},
                "selections": _list(_ref("Opening"), 1, options),
            }
        ),
        "Spoiled": {
            **_object(
                {
                    "ballot": _ref("BallotBody"),
                    "reveal": _list(_ref("RevealQuestion"), 1, questions),
                    "signature": _ref("Hex128"),
                }
            ),
            "description": "the `spoiled` payload of a Benaloh challenge (section 12.5)",
        },
    }


def _problem(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {MEDIA_TYPE: {"schema": _ref("Problem")}},
    }
    if headers:
        response["headers"] = headers
    return response


_RESPONSES: dict[str, Any] = {
    "BadRequest": _problem("the request is malformed (detail names the field or parameter)"),
    "NotRegistered": _problem(
        "the credential is not on the roll (credential-not-registered), or is registered"
        " in another region than the ballot's (wrong-region)"
    ),
    "Conflict": _problem(
        "voting is not open (voting-not-open), outside the manifest's voting period"
        " (outside-voting-period), or the ballot repeats an earlier one (repeated-ballot)"
    ),
    "TooLarge": _problem("the body is larger than any valid payload (body-too-large)"),
    "NotJson": _problem("the body is not sent as application/json (unsupported-media-type)"),
    "Invalid": _problem(
        "the payload fails a check of section 12.3 or 12.5: region, ballot style,"
        " signature, proofs, reveal (ballot-invalid, challenge-invalid)"
    ),
    "RateLimited": _problem(
        "too many ballots or challenges from this credential (rate-limited)",
        {
            "Retry-After": {
                "description": "seconds to wait",
                "schema": {"type": "string", "pattern": "^[0-9]+$"},
            }
        },
    ),
    "Unavailable": _problem(
        "the board's store cannot be reached right now (board-unavailable: nothing was"
        " appended), or was lost while an append was being committed (outcome-unknown: look"
        " the entry up before sending it again); the service reconnects by itself",
        {
            "Retry-After": {
                "description": "seconds to wait",
                "schema": {"type": "string", "pattern": "^[0-9]+$"},
            }
        },
    ),
    "PageNotFound": _problem(
        "the web pages are not built (web-pages-not-built), or there is no such file"
    ),
}


def _use(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


def _ok(description: str, schema: str, media: str = "application/json") -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": _ref(schema)}}}


def _query(
    name: str, description: str, schema: dict[str, Any], *, required: bool = False
) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


def _get(summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"get": {"summary": summary, "responses": responses, **extra}}


def _post(summary: str, schema: str, responses: dict[str, Any]) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref(schema)}},
            },
            "responses": responses,
        }
    }


def _cast(summary: str, schema: str, what: str) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref(schema)}},
            },
            "responses": {
                "201": _ok(f"the {what} is on the board: its receipt (section 13.4)", "Receipt"),
                "400": _use("BadRequest"),
                "403": _use("NotRegistered"),
                "409": _use("Conflict"),
                "413": _use("TooLarge"),
                "415": _use("NotJson"),
                "422": _use("Invalid"),
                "429": _use("RateLimited"),
                "503": _use("Unavailable"),
            },
        }
    }


def _page(summary: str) -> dict[str, Any]:
    return _get(
        summary,
        {
            "200": {"description": "the page", "content": {"text/html": {"schema": {}}}},
            "304": _NOT_MODIFIED,
            "404": _use("PageNotFound"),
        },
    )


#: Pages and assets carry an ETag (src/referendum/server/pages.py).
_NOT_MODIFIED = {"description": "not modified: If-None-Match named the ETag of this answer"}

_ASSET_TYPES = (
    "text/javascript",
    "text/css",
    "application/json",
    "image/svg+xml",
    "image/png",
    "font/woff2",
    "application/octet-stream",
)


def openapi_document(manifest: Manifest) -> dict[str, Any]:
    """Gives back the OpenAPI 3.1 document of the app serving manifest's referendum."""
    hex_path = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
    paths: dict[str, Any] = {
        "/api/election": _get(
            "the referendum and its board's state now",
            {"200": _ok("the referendum", "Election"), "503": _use("Unavailable")},
        ),
        "/api/manifest": _get(
            "the manifest's canonical JSON bytes, exactly as hashed for the fingerprint",
            {"200": _ok("the manifest (section 9)", "Manifest")},
        ),
        "/api/credentials/{credential}": _get(
            "the region a credential is registered in",
            {
                "200": _ok("the credential is on the roll", "Credential"),
                "400": _use("BadRequest"),
                "404": _problem("not on the roll (credential-not-registered)"),
                "503": _use("Unavailable"),
            },
            parameters=[
                {
                    "name": "credential",
                    "in": "path",
                    "required": True,
                    "description": "the Ed25519 public key, 64 lowercase hex digits",
                    "schema": hex_path,
                }
            ],
        ),
        "/api/ballots": _cast("cast a ballot", "Ballot", "ballot"),
        "/api/challenges": _cast("challenge a ballot (Benaloh)", "Spoiled", "challenged ballot"),
        "/api/receipts/{code}": _get(
            "the ballot or challenged ballot with a tracking code, with a fresh receipt",
            {
                "200": _ok("the entry", "ReceiptLookup"),
                "400": _problem(
                    "the code is mistyped: a character not used in codes, not 20 characters,"
                    " or its check character does not match (tracking-code-typo)"
                ),
                "404": _problem(
                    "a well-formed code that no entry has (unknown-tracking-code): the"
                    " ballot is not on this board"
                ),
                "503": _use("Unavailable"),
            },
            parameters=[
                {
                    "name": "code",
                    "in": "path",
                    "required": True,
                    "description": "a tracking code (section 12.4: white space and dashes"
                    " dropped, any case, O read as 0, I and L as 1, Cyrillic look-alikes as"
                    " their Latin letters, a check character) or the 64 hex digits of a"
                    " tracking hash",
                    "schema": {"type": "string"},
                }
            ],
        ),
        "/api/board/checkpoint": _get(
            "the board's checkpoint signed now (at size, default the board's size), and the"
            " newest co-signed one",
            {
                "200": _ok("checkpoints", "Checkpoint"),
                "400": _use("BadRequest"),
                "503": _use("Unavailable"),
            },
            parameters=[_query("size", "the tree size, at most the board's", {**_COUNT})],
        ),
        "/api/board/cosigned": _get(
            "co-signed checkpoints of at least `from` entries, oldest first (at most 100)",
            {
                "200": _ok("the co-signed checkpoints", "CosignedList"),
                "400": _use("BadRequest"),
                "503": _use("Unavailable"),
            },
            parameters=[
                _query("from", "the smallest tree size (default 0)", {**_COUNT}),
                _query(
                    "latest",
                    "1: each witness's latest co-signature of a tree, not its first (7.6.1)",
                    {"type": "integer", "enum": [0, 1]},
                ),
            ],
        ),
        "/api/board/messages": _post(
            "post a trustee's or registrar's signed message (section 16.4)",
            "Message",
            {
                "201": _ok("the message is on the board", "MessageReceipt"),
                "400": _use("BadRequest"),
                "403": _problem("the operator's own kinds are not posted here (operator-only)"),
                "409": _problem("the board does not take this kind in its phase (wrong-phase)"),
                "413": _use("TooLarge"),
                "415": _use("NotJson"),
                "422": _problem("a rule of section 13 refuses it (message-refused)"),
                "503": _use("Unavailable"),
            },
        ),
        "/api/board/cosignatures": _post(
            "hand the board a checkpoint a witness co-signed (section 7.6)",
            "Cosignature",
            {
                "201": _ok("kept, merged with other co-signatures of that tree", "Cosigned"),
                "400": _use("BadRequest"),
                "413": _use("TooLarge"),
                "415": _use("NotJson"),
                "422": _problem("a signature fails or the tree is not this board's"),
                "503": _use("Unavailable"),
            },
        ),
        "/api/board/entries": _get(
            "board entries from start, at most limit",
            {
                "200": _ok("the entries", "Entries"),
                "400": _use("BadRequest"),
                "503": _use("Unavailable"),
            },
            parameters=[
                _query("start", "first index (default 0)", {**_COUNT}),
                _query(
                    "limit",
                    "at most this many (default 100)",
                    {"type": "integer", "minimum": 1, "maximum": 1000},
                ),
            ],
        ),
        "/api/board/inclusion": _get(
            "inclusion proof of entry index in the tree of size entries (7.3.3)",
            {
                "200": _ok("the proof", "Inclusion"),
                "400": _use("BadRequest"),
                "503": _use("Unavailable"),
            },
            parameters=[
                _query("index", "the entry, 0 <= index < size", {**_COUNT}, required=True),
                _query(
                    "size",
                    "the tree size, at most the board's (default: the board's size)",
                    {**_COUNT, "minimum": 1},
                ),
            ],
        ),
        "/api/board/consistency": _get(
            "consistency proof from tree size first to second (7.3.4)",
            {
                "200": _ok("the proof", "Consistency"),
                "400": _use("BadRequest"),
                "503": _use("Unavailable"),
            },
            parameters=[
                _query(
                    "first", "the older size, at least 1", {**_COUNT, "minimum": 1}, required=True
                ),
                _query(
                    "second",
                    "the newer size, at most the board's (default: the board's size)",
                    {**_COUNT, "minimum": 1},
                ),
            ],
        ),
        "/api/results": _get(
            "the results entry",
            {
                "200": _ok("the results (section 14.3)", "Results"),
                "409": _problem("the results are not on the board yet (not-counted)"),
                "503": _use("Unavailable"),
            },
        ),
        "/api/record": _get(
            "the election record as it is now, zipped (docs/record.md)",
            {
                "200": {
                    "description": "a zip of the record folder",
                    "headers": {
                        "Content-Disposition": {
                            "description": 'attachment; filename="<id>-record.zip"',
                            "schema": {"type": "string"},
                        }
                    },
                    "content": {
                        "application/zip": {"schema": {"type": "string", "format": "binary"}}
                    },
                },
                "503": _use("Unavailable"),
            },
        ),
        "/openapi.json": _get(
            "this document",
            {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}},
        ),
        "/": _page("the voting booth"),
        "/explorer": _page("the board explorer (?code=XXXX-... looks a tracking code up)"),
        "/results": _page("the results page"),
        "/index.html": _page("the voting booth, at its file's name (protocol.md 16.6)"),
        "/explorer.html": _page("the board explorer, at its file's name"),
        "/results.html": _page("the results page, at its file's name"),
        "/build.json": _get(
            "the build's files with their SHA-256 and the booth hash (protocol.md 16.6)",
            {
                "200": {"description": "the listing", "content": {"application/json": {}}},
                "304": _NOT_MODIFIED,
                "404": _use("PageNotFound"),
            },
        ),
        "/assets/{name}": _get(
            "the pages' scripts and styles",
            {
                "200": {
                    "description": "the file",
                    "content": {media: {"schema": {}} for media in _ASSET_TYPES},
                },
                "304": _NOT_MODIFIED,
                "404": _use("PageNotFound"),
            },
            parameters=[
                {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
        ),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"referendum {manifest.id}: casting service",
            "version": "1",
            "description": (
                "The board of an end-to-end verifiable referendum: cast or challenge"
                " ballots, look them up, follow the board's checkpoints and proofs, get the"
                " results and the election record. Every error is an RFC 9457 problem"
                f" document whose type is {TYPE_BASE}<slug> or about:blank."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": {**_SCHEMAS, **_ballot_schemas(manifest)},
            "responses": _RESPONSES,
        },
    }
