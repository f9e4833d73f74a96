"""`referendum serve`: the casting service under uvicorn, in one or several processes.

The listening socket is bound here, before uvicorn starts, so that `--port 0` can print
the port the system picked (`listening on http://HOST:PORT/`) and every worker process
shares the one socket. With several workers each process builds its own app from the
environment (app.app_from_environment); they keep in step through the board itself and
take turns on the election folder's lock.
"""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from referendum.server.app import (
    ELECTION_VARIABLE,
    RATE_VARIABLE,
    STATIC_VARIABLE,
    SUPERVISOR_VARIABLE,
    create_app,
)
from referendum.server.connections import GuardedHttpToolsProtocol
from referendum.server.rate import RateLimit

__all__ = ["bind", "run_server"]


def bind(host: str, port: int) -> socket.socket:
    """Gives back a listening TCP socket on host:port (port 0: one the system picks)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        # Listening now, so connections made as soon as the address is printed wait in the
        # backlog instead of being refused while uvicorn starts.
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket, host: str) -> str:
    """Gives back the base URL of a bound socket."""
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


#: uvicorn's settings for every worker (docs/operations.md §8.4): the guarded protocol
#: (head size and time, connections per client, security headers on uvicorn's own
#: answers), a bound on connections and tasks per worker, keep-alive for 5 s.
_LIMITS: dict[str, Any] = {
    "http": GuardedHttpToolsProtocol,
    "limit_concurrency": 2048,
    "timeout_keep_alive": 5,
    "log_level": "info",
    "proxy_headers": False,
}


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def run_server(
    folder: Path,
    *,
    host: str,
    port: int,
    workers: int,
    rate: RateLimit,
    static_dir: Path | None = None,
    say: Callable[[str], None] = print,
    sock: socket.socket | None = None,
) -> None:
    """Serves the election folder until interrupted (SIGINT or SIGTERM).

    sock: a socket bound and listening already (see bind); else one on host:port.
    """
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    folder = Path(folder).resolve()
    if not (folder / "election.json").is_file():
        raise ValueError(f"{folder} is not a referendum folder (no election.json)")
    close: Callable[[], None] | None = None
    if workers == 1:
        app = create_app(folder, static_dir=static_dir, rate=rate)
        close = app.state.close
        config = uvicorn.Config(app, workers=1, **_LIMITS)
    else:
        os.environ[ELECTION_VARIABLE] = str(folder)
        os.environ[SUPERVISOR_VARIABLE] = str(os.getpid())
        os.environ[RATE_VARIABLE] = str(rate)
        if static_dir is not None:
            os.environ[STATIC_VARIABLE] = str(static_dir)
        config = uvicorn.Config(
            "referendum.server.app:app_from_environment",
            factory=True,
            workers=workers,
            **_LIMITS,
        )
    if sock is None:
        sock = bind(host, port)
    # uvicorn shuts down gracefully on SIGINT or SIGTERM and then raises the signal again
    # under the handlers it found: these make that a clean exit (status 0).
    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        url = url_of(sock, host)
        say(f"booth: {url}")
        say(f"listening on {url}")
        if workers == 1:
            try:
                uvicorn.Server(config).run(sockets=[sock])
            finally:
                if close is not None:
                    close()
        else:
            Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
