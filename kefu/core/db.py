"""Database work of WebSocket consumers, run on the database thread with a connection kept open on SQLite.

Channels' `database_sync_to_async` closes the thread's connections before and after every call that
is past `CONN_MAX_AGE`, and kefu sets it to 0 (under ASGI each HTTP request has its own thread, so a
kept connection would only linger; PostgreSQL has a pool instead). Consumers are different: all their
database calls run on one thread (asgiref's thread-sensitive executor; Channels opens no per-socket
context), so on SQLite opening the file again for each socket message (connect, four PRAGMAs, and on
close possibly a WAL checkpoint) is pure cost: about as much CPU as the message itself. Here the
SQLite connection of that thread stays open between calls; Django's health checks still apply (a
connection left outside autocommit or broken by an error is closed as before). PostgreSQL connections
go back to the pool after each call as before.
"""

from __future__ import annotations

from asgiref.sync import SyncToAsync
from django.db import close_old_connections, connections


def keep_sqlite_connections() -> None:
    """Exempt this thread's open SQLite connections from CONN_MAX_AGE (they stay open between calls)."""
    for connection in connections.all(initialized_only=True):
        if connection.vendor == "sqlite" and connection.connection is not None:
            connection.close_at = None


class DatabaseSyncToAsync(SyncToAsync):
    """Like `channels.db.database_sync_to_async`, but SQLite connections are kept open between calls."""

    def thread_handler(self, loop, *args, **kwargs):
        close_old_connections()
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            keep_sqlite_connections()
            close_old_connections()


database_sync_to_async = DatabaseSyncToAsync
