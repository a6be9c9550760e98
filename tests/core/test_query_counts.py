"""The hot path stays flat: an authenticated ``GET /v2/me`` costs at most one statement."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from tests.conftest import BOTH_DATABASES


@contextmanager
def count_statements(app):
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@BOTH_DATABASES
async def test_get_me_reads_the_key_and_profile_in_one_statement(app, client, alice, database_url):
    await client.get("/v2/me", headers=alice.headers)  # first use records lastUsedAt (once a minute)
    with count_statements(app) as statements:
        for _ in range(5):
            assert (await client.get("/v2/me", headers=alice.headers)).status_code == 200
    if database_url.startswith("sqlite"):
        # On SQLite the key lookup is an in-place read (db.InlineSQLiteReader), outside the async engine.
        assert statements == []
    else:
        assert len(statements) == 5
