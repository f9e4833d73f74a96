"""Only a certain refusal lets a party drop what it kept for a message: a trustee's new
ceremony state, a registrar's codes (a lost answer or a 503 may hide an append)."""

from __future__ import annotations

import pytest

from referendum.commands import _refused
from referendum.errors import VerificationError
from referendum.replica import BoardUnreachable, ReplicaError


@pytest.mark.parametrize(
    ("exc", "refused"),
    [
        (BoardUnreachable("422 message-refused", 422), True),
        (BoardUnreachable("409 wrong-phase", 409), True),
        (VerificationError("board entry 7: rule"), True),  # the operator's folder said no
        (BoardUnreachable("503 outcome-unknown", 503), False),
        (BoardUnreachable("502 from a proxy", 502), False),
        (BoardUnreachable("read timed out", None), False),
        (ReplicaError("the board said entry 7, but shows 7 entries"), False),
    ],
)
def test_what_counts_as_a_refusal(exc: Exception, refused: bool) -> None:
    assert _refused(exc) is refused
