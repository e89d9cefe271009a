"""Database plumbing: the declarative base, engine and session factory.

Nothing is built at import time: ``create_app`` calls ``make_engine`` so each process (web worker,
RQ worker, CLI) owns its pool, and pools inherited through ``fork`` are discarded in the child.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any

from sqlalchemy import DateTime, Engine, Insert, MetaData, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Store UTC instants; always hand back timezone-aware values.

    SQLite has no time zones, PostgreSQL does: storing naive UTC in both keeps comparisons and
    migrations identical on the two.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# Every wait on PostgreSQL is bounded, so a webhook answers within Twilio's 15 s even when the
# server is down or unreachable: then it is spooled (see ``hotline.spool``), not left hanging.
POOL_TIMEOUT_SECONDS = 5
POSTGRES_CONNECT_ARGS = {
    "connect_timeout": 3,  # a server that does not answer at all (a dead host, a firewall)
    "tcp_user_timeout": 5000,  # ms: a query sent to a host that vanished fails, not hangs
    "keepalives": 1,
    "keepalives_idle": 30,
}


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs (psycopg2 is not a dependency)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str) -> Engine:
    """Build an engine with the pragmas each backend needs for concurrent web and workers."""
    url = normalise_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(parsed.database)), exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

    else:
        engine = create_engine(
            url,
            pool_size=5,
            max_overflow=10,
            pool_timeout=POOL_TIMEOUT_SECONDS,
            connect_args=POSTGRES_CONNECT_ARGS,
        )
        _ping_idle_connections(engine)

    # A forked child (RQ work horse, gunicorn worker) must not reuse the parent's sockets.
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    return engine


PING_AFTER_IDLE_SECONDS = 5.0


def _ping_idle_connections(engine: Engine) -> None:
    """Check a pooled connection before use, but only one that sat idle for a while.

    A restarted server leaves every pooled connection dead; the ping notices, and SQLAlchemy
    then discards the whole pool, not one connection at a time. SQLAlchemy's ``pool_pre_ping``
    would ping before every checkout: a round trip per webhook under load, when connections are
    never idle long enough to have died unnoticed. A connection that dies while busy fails its
    statement instead, and the webhooks retry once on a fresh one (``hotline.web.webhooks``).
    """

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001 - any failure means: use another connection
            raise DisconnectionError("idle connection failed its ping") from exc
        if not alive:
            raise DisconnectionError("idle connection failed its ping")


def insert_new(session: Session, model: type[Base], key: list[str]) -> Insert:
    """``INSERT ... ON CONFLICT (key) DO NOTHING`` for the session's database.

    A duplicate is then no error: no savepoint to set and release around the insert, which
    saves round trips on the webhooks' hottest paths. Add ``.values()`` and ``.returning()``.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing(index_elements=key)
    if dialect == "sqlite":
        return sqlite.insert(model).on_conflict_do_nothing(index_elements=key)
    raise NotImplementedError(f"no INSERT ... ON CONFLICT for {dialect}")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
