"""Limits on connections and request heads, below the app (docs/operations.md §8.4).

uvicorn with httptools buffers a request head of any size and waits for it forever, and
takes any number of connections from one client. GuardedHttpToolsProtocol adds, per
worker process:

- HEAD_LIMIT: a request head (request line and headers) larger than this gets 431 and
  the connection is closed, before more of it is kept;
- HEAD_TIMEOUT: a connection that has not sent a whole request head this many seconds
  after it opened, or after the previous response, gets 408 and is closed (an idle
  keep-alive connection is closed by uvicorn's own timeout_keep_alive);
- PER_CLIENT: a client address with this many connections open gets 503 on the next one;
- every answer uvicorn makes itself (400 for malformed HTTP, 408, 431, 503) carries the
  same security headers as the app's answers.

The values can be lowered for tests through the environment (REFERENDUM_HEAD_TIMEOUT,
REFERENDUM_PER_CLIENT).
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from referendum.server.pages import SECURITY_HEADERS

__all__ = ["HEAD_LIMIT", "HEAD_TIMEOUT", "PER_CLIENT", "GuardedHttpToolsProtocol"]

HEAD_LIMIT = 32 * 1024
HEAD_TIMEOUT = float(os.environ.get("REFERENDUM_HEAD_TIMEOUT", "10"))
PER_CLIENT = int(os.environ.get("REFERENDUM_PER_CLIENT", "64"))

_REASONS = {
    400: b"Bad Request",
    408: b"Request Timeout",
    431: b"Request Header Fields Too Large",
    503: b"Service Unavailable",
}


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits above."""

    #: client host -> connections open, in this worker process
    _open: ClassVar[Counter[str]] = Counter()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_bytes = 0
        self._in_head = False  # a request's head has begun and is not complete
        self._messages = 0  # requests begun on this connection
        self._in_message = False  # a request has begun and is not complete
        self._head_timer: asyncio.TimerHandle | None = None
        self._host: str | None = None

    # -- connections ------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._host = self.client[0] if self.client else None
        if self._host is not None:
            self._open[self._host] += 1
            if self._open[self._host] > PER_CLIENT:
                self._refuse(503, f"more than {PER_CLIENT} connections from this address")
                return
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._host is not None:
            self._open[self._host] -= 1
            if self._open[self._host] <= 0:
                del self._open[self._host]
            self._host = None
        super().connection_lost(exc)

    # -- the head ---------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        messages, in_head, idle = self._messages, self._in_head, not self._in_message
        super().data_received(data)
        if self.transport.is_closing() or not self._in_head:
            return
        began = self._messages - messages
        if (began == 0 and in_head) or (began == 1 and idle):
            # The whole chunk went to one head that is still unfinished.
            self._head_bytes += len(data)
        # (Else the head began after other requests in this chunk: it counts from the
        # next chunk on, what the parser holds of it being less than one chunk.)
        if self._head_bytes > HEAD_LIMIT:
            self._refuse(431, f"the request head is larger than {HEAD_LIMIT} bytes")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._messages += 1
        self._in_message = True
        self._in_head = True
        self._head_bytes = 0

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._disarm()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_message = False

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # Wait for a next head only when no request of this connection is under way
        # (a pipelined one may be running: its time is not a head's).
        idle = self.cycle is None or self.cycle.response_complete
        if not self.transport.is_closing() and not self.pipeline and idle:
            self._arm()

    # -- answers uvicorn makes itself ---------------------------------------------------------

    def send_400_response(self, msg: str) -> None:
        self._refuse(400, msg)

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(HEAD_TIMEOUT, self._head_timeout)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timeout(self) -> None:
        self._head_timer = None
        waiting = self._in_head or not self._in_message  # for a head, not a body
        if waiting and not self.transport.is_closing():
            self._refuse(408, f"no whole request head within {HEAD_TIMEOUT:g} s")

    def _refuse(self, status: int, message: str) -> None:
        """Answers status with message as plain text and the security headers, and
        closes the connection."""
        body = message.encode("ascii", "replace")
        head = [b"HTTP/1.1 %d %s\r\n" % (status, _REASONS[status])]
        for name, value in SECURITY_HEADERS:
            head.append(name + b": " + value + b"\r\n")
        head += [
            b"content-type: text/plain; charset=utf-8\r\n",
            b"content-length: %d\r\n" % len(body),
            b"connection: close\r\n\r\n",
        ]
        if not self.transport.is_closing():
            self.transport.write(b"".join(head) + body)
            self.transport.close()
