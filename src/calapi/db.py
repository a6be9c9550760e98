"""Engine, sessions, the declarative base and the column types every table shares."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any, cast

from fastapi import Depends
from sqlalchemy import BigInteger, DateTime, Integer, MetaData, Select, SmallInteger, event
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.engine import CursorResult, Dialect, Result
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator
from starlette.requests import Request

from calapi.core.errors import BadRequest

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant, always aware and in UTC when read back, on SQLite and PostgreSQL alike.

    SQLite keeps no offset, so values are stored as naive UTC there; naive input is refused
    everywhere so that a local time can never slip in unnoticed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def rows_affected(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE touched (its result is a cursor result, which knows)."""
    return cast("CursorResult[Any]", result).rowcount or 0


INT32_RANGE = (-(2**31), 2**31 - 1)
INT64_RANGE = (-(2**63), 2**63 - 1)


class NumberOutOfRange(BadRequest):
    """A whole number that no column of its type can hold (an id of 2^63, a count of 2^40)."""

    def __init__(self, value: int, low: int, high: int) -> None:
        shown = str(value) if len(str(value)) <= 40 else str(value)[:40] + "…"
        super().__init__(f"The number {shown} is out of range: this server stores whole numbers from {low} to {high}")


def _bounded_integer(base: type[Integer], low: int, high: int) -> type[Integer]:
    """``base`` (the dialect's own integer type) refusing a bound value outside ``low``–``high``."""

    def bind_processor(self: Integer, dialect: Dialect) -> Any:
        inner = base.bind_processor(self, dialect)

        def process(value: Any) -> Any:
            if isinstance(value, int) and not low <= value <= high:
                raise NumberOutOfRange(value, low, high)
            return inner(value) if inner is not None else value

        return process

    return type(f"Bounded{base.__name__}", (base,), {"bind_processor": bind_processor, "cache_ok": True})


def _bound_integers(engine: AsyncEngine) -> None:
    """Every value bound to an INTEGER (BIGINT) parameter must fit 32 (64) bits, on every backend.

    Why here: ids and counts reach the database from paths, queries and bodies alike, and a value
    past the column's width fails inside the driver (asyncpg: out of int32 range; SQLite: past 64
    bits), as a server error. Checked where the value is bound, the rule holds for every query, and
    follows the column's declared width, so SQLite and PostgreSQL answer alike.
    """
    dialect = engine.dialect
    colspecs = dict(dialect.colspecs)
    for generic, (low, high) in (
        (BigInteger, INT64_RANGE),
        (SmallInteger, (-(2**15), 2**15 - 1)),
        (Integer, INT32_RANGE),
    ):
        colspecs[generic] = _bounded_integer(cast("type[Integer]", colspecs.get(generic, generic)), low, high)
    dialect.colspecs = colspecs


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    # Statement parameters stay out of database error texts, which reach the log: a webhook's
    # secret or an attendee's address is a parameter like any other.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        _tune_sqlite(engine)
        _bound_integers(engine)
        return engine
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
    engine = create_async_engine(url, **kwargs)
    _replace_closed_connections(engine)
    _bound_integers(engine)
    return engine


def _replace_closed_connections(engine: AsyncEngine) -> None:
    """A pooled connection the server closed (a restart, an idle timeout, a terminated backend) is
    replaced when it is checked out, so no request fails on it.

    Why not SQLAlchemy's ``pool_pre_ping``: on asyncpg it costs three round trips per checkout
    (BEGIN, an empty query, ROLLBACK), a fifth of a booking create's. The driver already knows: it
    reads every connection's socket, and a server that ends a session says so and closes it, so an
    ended connection is closed locally before it is handed out (asyncpg's own pool checks the same).
    """

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_connection.driver_connection.is_closed():
            raise DisconnectionError("the server closed this connection")


class InlineSQLiteReader:
    """Tiny point reads on the embedded SQLite database, done in place on the event loop.

    Why: every statement through aiosqlite crosses to its thread and back (measured here: 245 µs a
    round trip, against 7 µs for the same indexed read done in place). In WAL mode a reader never
    waits for a writer, so a unique-index read cannot stall the loop. Used only for the per-request
    API-key lookup; everything else, and anything that writes, goes through the async engine.
    """

    def __init__(self, path: str) -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA query_only=ON")
        self._conn.execute("PRAGMA busy_timeout=1000")
        self._sql: dict[int, str] = {}

    def fetch_all(self, statement: Select[*tuple[Any, ...]], params: dict[str, Any]) -> list[sqlite3.Row]:
        """Run a SQLAlchemy ``Select`` (compiled once, by identity) and return its raw rows."""
        sql = self._sql.get(id(statement))
        if sql is None:
            sql = self._sql[id(statement)] = str(statement.compile(dialect=sqlite_dialect(paramstyle="named")))
        return self._conn.execute(sql, params).fetchall()

    def data_version(self) -> int:
        """Changes whenever any other connection (any process) commits to the database."""
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def close(self) -> None:
        self._conn.close()


def parse_sqlite_utc(value: str | None) -> datetime | None:
    """A ``UTCDateTime`` value as SQLite stores it (naive UTC text), read back aware."""
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def make_inline_reader(url: str) -> InlineSQLiteReader | None:
    """The in-place reader for an embedded SQLite database; None for PostgreSQL or in-memory."""
    if not url.startswith("sqlite"):
        return None
    path = url.split(":///", 1)[1]
    return None if path in ("", ":memory:") else InlineSQLiteReader(path)


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # WAL lets readers run beside the one writer; foreign keys are off by default in SQLite.
        # isolation_level=None hands BEGIN to us so writes can take the lock up front (BEGIN IMMEDIATE).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Every transaction takes the write lock at BEGIN unless it is declared read-only. A
        # deferred transaction that reads and then writes cannot wait for the lock in WAL mode
        # once another connection has committed since its read: SQLite answers "database is
        # locked" at once instead of honouring busy_timeout. Taking the lock first avoids that.
        read_only = conn.get_execution_options().get("sqlite_read_only")
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


async def begin_write(session: AsyncSession) -> None:
    """Start the session's transaction as a writer, now.

    On SQLite every transaction not declared read-only begins with ``BEGIN IMMEDIATE`` (see
    ``_tune_sqlite``); calling this before the first statement makes the point explicit where a
    read-check-insert sequence must not interleave with another writer's. PostgreSQL needs nothing
    here (locks are taken explicitly).
    """
    if session.bind is not None and session.bind.dialect.name == "sqlite":
        marker = session.info.get("calapi.write_connection")
        if marker is not None and session.in_transaction() and (await session.connection()).sync_connection is marker:
            return  # this transaction already began as a writer (a router took the lock before its first read)
        connection = await session.connection(execution_options={"sqlite_begin_immediate": True})
        session.info["calapi.write_connection"] = connection.sync_connection


_CORE_CONNECTION = "calapi.core_connection"


async def core_connection(session: AsyncSession) -> AsyncConnection:
    """``session.connection()``, looked up once per transaction: the Core statements of one
    booking create ask for it five times, and each ask is a trip through the session's greenlet.
    The transaction's connection does not change until the transaction ends; a new transaction
    (after a commit or rollback) looks it up again."""
    transaction = session.sync_session.get_transaction()
    cached = session.info.get(_CORE_CONNECTION)
    if transaction is not None and cached is not None and cached[0] is transaction:
        return cast(AsyncConnection, cached[1])
    connection = await session.connection()
    session.info[_CORE_CONNECTION] = (session.sync_session.get_transaction(), connection)
    return connection


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


_READ_ONLY_METHODS = frozenset({"GET", "HEAD"})


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the endpoint returns, rolled back on any error.

    Declared with ``scope="function"`` (see ``SessionDep``) so the commit happens before the
    response is sent: a client never sees success for a write that failed to commit.
    """
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    options: dict[str, Any] = {}
    if request.method in _READ_ONLY_METHODS:
        engine: AsyncEngine = request.app.state.engine
        if engine.dialect.name == "sqlite":
            # Reads need no write lock: readers in WAL mode run beside the one writer. Bound to a
            # read-only view of the engine, the session connects at its first statement only (a
            # request answered from memory costs no BEGIN and COMMIT).
            read_only = getattr(request.app.state, "sqlite_read_engine", None)
            if read_only is None:
                read_only = request.app.state.sqlite_read_engine = engine.execution_options(sqlite_read_only=True)
            options["bind"] = read_only
    async with sessionmaker(**options) as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
