"""The same API tests (api_cases.py) on a PostgreSQL board.

Each test's board is a copy of a template board in a schema of its own, reached through
a URL that sets search_path (the folder's election.json names it), so tests run in
parallel and leave nothing behind. PostgreSQL must be running: the tests fail, never
skip, without it.
"""

from __future__ import annotations

import pytest
from api_cases import ApiCases
from server_fixtures import Served


class TestApiOnPostgres(ApiCases):
    @pytest.fixture
    def served(self, served_pg: Served) -> Served:
        return served_pg
