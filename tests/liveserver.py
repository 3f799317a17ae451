"""The live server of the browser and HTTP tests, made safe for SQLite's in-memory test database.

Django's live server runs each request in a thread of its own. On the in-memory SQLite database the
tests use, those threads do not get connections of their own as a real server's do: pytest-django
hands them the test's one connection (when the database was set up before the server started), or
each opens one to the same shared-cache memory database. Two requests at once, such as the phone's
page and its service worker sending the same queued record when the network returns, then either
run their transactions interleaved on one connection ("cannot release savepoint - SQL statements in
progress"; a failed request's rollback can take the other's rows with it, so the record the server
keeps once by its unique key is made twice) or meet SQLite's shared-cache table locks ("database
table is locked", a 500). On a real server every thread has its own connection (PostgreSQL, or an
SQLite file with IMMEDIATE transactions) and the database's unique key decides between them, which
tests/grid/test_sync.py checks on PostgreSQL. Here, on SQLite's memory database, the requests run
one at a time, which is what SQLite's memory database allows; on PostgreSQL they run at once, as
in production.
"""
from __future__ import annotations

import threading

from django.core.servers.basehttp import ThreadedWSGIServer


class OneRequestAtATime(ThreadedWSGIServer):
    """Accepts connections in threads as Django's does, and, on SQLite's memory database, runs one
    request at a time: the lock is held from the call of the application until the server has sent
    the response and closed it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._one_at_a_time = threading.Lock()

    def set_app(self, application):
        lock = self._one_at_a_time

        def serialised(environ, start_response):
            if not _memory_database():
                return application(environ, start_response)
            lock.acquire()
            try:
                response = application(environ, start_response)
            except BaseException:
                lock.release()
                raise
            return _ReleasedOnClose(response, lock)

        return super().set_app(serialised)


def _memory_database() -> bool:
    from django.db import connections

    connection = connections["default"]
    return connection.vendor == "sqlite" and connection.is_in_memory_db()


class _ReleasedOnClose:
    """The response's body, giving the lock back when the server closes it (wsgiref always does)."""

    def __init__(self, response, lock):
        self._response, self._lock, self._open = response, lock, True

    def __iter__(self):
        return iter(self._response)

    def close(self):
        try:
            if hasattr(self._response, "close"):
                self._response.close()
        finally:
            if self._open:
                self._open = False
                self._lock.release()


def install() -> None:
    from django.test.testcases import LiveServerThread

    LiveServerThread.server_class = OneRequestAtATime
