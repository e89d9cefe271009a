"""The PostgreSQL pool: a connection that died while idle is replaced before anyone uses it."""

from __future__ import annotations

from sqlalchemy import text

from hotline.db import make_engine


def test_an_idle_connection_killed_by_a_server_restart_is_replaced(postgresql_url: str) -> None:
    engine = make_engine(postgresql_url)
    with engine.connect() as connection:
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    [record] = [engine.pool._pool.queue[0]]  # type: ignore[attr-defined]
    record.info["idle_since"] -= 60  # as if it sat idle through the restart
    admin = make_engine(postgresql_url)
    with admin.connect() as connection:  # what a restart does to every backend
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()

    with engine.connect() as connection:
        answer = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()

    assert answer != pid
    engine.dispose()
