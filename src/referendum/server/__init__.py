"""The casting service: the board's HTTP API and the web pages (`referendum serve`).

create_app(folder) gives the Starlette app for one election folder; serve.py runs it
under uvicorn, demo.py prepares a demo referendum to serve. The server has no
cryptography of its own: it checks ballots with referendum.ballot and appends them
through referendum.election, under the same folder lock as the operator's commands.
"""

from referendum.server.app import create_app
from referendum.server.problems import Problem

__all__ = ["Problem", "create_app"]
