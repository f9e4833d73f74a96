"""The casting service's API on a SQLite board (the cases are in api_cases.py)."""

from __future__ import annotations

import pytest
from api_cases import ApiCases
from server_fixtures import Served


class TestApiOnSqlite(ApiCases):
    @pytest.fixture
    def served(self, served_sqlite: Served) -> Served:
        return served_sqlite
