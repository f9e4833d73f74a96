"""schemathesis holds the server to its OpenAPI document, on a live demo election in voting.

Every operation gets generated requests, valid and invalid (bounded and derandomized so
the run is short and the same every time); every answer must be documented (status,
content type, body schema) and never a server error.

The election is made when the module is imported: schemathesis reads the document from
the app to generate the tests (its lazy, fixture-based loader does not run under this
pytest). A small demo (8 voters) takes about a second; the folder is removed afterwards.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from referendum.server import create_app
from referendum.server.demo import prepare_demo
from referendum.server.rate import RateLimit

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

_WORK = Path(tempfile.mkdtemp(prefix="referendum-fuzz-"))
# Removed at exit, also when the test is deselected (the module is imported anyway).
atexit.register(shutil.rmtree, _WORK, ignore_errors=True)
_DEMO = prepare_demo(_WORK / "demo", voters=8, seed="fuzz")
app = create_app(_DEMO.election, rate=RateLimit(10_000, 1), static_dir=_WORK / "no-pages")
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
atexit.register(app.state.close)


@schema.parametrize()
@settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_to_its_document(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)
