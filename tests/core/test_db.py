"""Consumers' database calls keep the SQLite connection of the database thread open between calls."""

from __future__ import annotations

import pytest
from django.db import connection

from kefu.core.db import keep_sqlite_connections

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only: PostgreSQL connections go back to the pool")
def test_sqlite_connection_is_exempt_from_conn_max_age():
    connection.ensure_connection()
    connection.close_at = 0.0  # CONN_MAX_AGE=0: obsolete at once
    keep_sqlite_connections()
    assert connection.close_at is None

