"""While PostgreSQL is down, verified webhooks are answered and spooled; once it is back the
spool is replayed into the database, each record stored once."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import select, text

from hotline import create_app
from hotline.config import Settings
from hotline.models import CallbackRequest, CallSession, Direction, Message, MessageStatus
from hotline.runtime import Runtime, runtime
from hotline.sms.outbound import queue_sms
from hotline.spool import FileSpool, SpooledWebhook, drain_spool
from hotline.spool.stores import SPOOL_KEY
from tests.conftest import AT_TOKEN, TwilioWebhooks

CALLER = "+996555123456"
MISSED_LINE = "+996312999999"


def closed_port() -> int:
    """A loopback port nothing listens on: a stopped server (connections refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def database_url(postgresql_url: str) -> str:
    return postgresql_url  # the outages are PostgreSQL's


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(missed_call_number=MISSED_LINE, ratelimit_enabled=False)


def _outage_app(settings: Settings, **changes: str) -> Iterator[Flask]:
    application = create_app(settings.replace(**changes))
    yield application
    state = runtime(application)
    state.engine.dispose()
    state.redis.close()


@pytest.fixture
def database_down(settings: Settings, app: Flask) -> Iterator[Flask]:
    """The same platform (instance folder, Redis) with its PostgreSQL stopped."""
    url = f"postgresql://postgres@127.0.0.1:{closed_port()}/hotline"
    yield from _outage_app(settings, database_url=url)


@pytest.fixture
def everything_down(settings: Settings, app: Flask) -> Iterator[Flask]:
    """PostgreSQL and Redis both stopped: only the instance folder is left."""
    yield from _outage_app(
        settings,
        database_url=f"postgresql://postgres@127.0.0.1:{closed_port()}/hotline",
        redis_url=f"redis://127.0.0.1:{closed_port()}/0",
    )


@pytest.fixture
def down_webhooks(database_down: Flask) -> TwilioWebhooks:
    return TwilioWebhooks(database_down.test_client())


def spooled(state: Runtime) -> int:
    return int(state.redis.llen(SPOOL_KEY))


def _inbound(state: Runtime) -> list[Message]:
    with state.sessions() as session:
        return list(session.scalars(select(Message).where(Message.direction == Direction.INBOUND)))


def test_sms_is_answered_and_spooled_while_the_database_is_down(
    down_webhooks: TwilioWebhooks, state: Runtime
) -> None:
    response = down_webhooks.sms(CALLER, "HELP", sid="SM" + "d" * 32)

    assert response.status_code == 200
    assert response.data == b'<?xml version="1.0" encoding="UTF-8"?><Response />'
    assert spooled(state) == 1
    assert _inbound(state) == []


def test_spooled_sms_is_stored_once_and_answered_when_the_database_is_back(
    down_webhooks: TwilioWebhooks, state: Runtime, run_jobs: Callable[[], None]
) -> None:
    sid = "SM" + uuid.uuid4().hex
    down_webhooks.sms(CALLER, "HELP", sid=sid)
    down_webhooks.sms(CALLER, "HELP", sid=sid)  # Twilio retried: two records, one message
    raw = state.redis.lindex(SPOOL_KEY, 0)
    assert raw is not None

    first = drain_spool(state)
    state.redis.rpush(SPOOL_KEY, raw)  # a drain that died before removing its record
    second = drain_spool(state)
    run_jobs()

    assert (first.stored, second.stored, spooled(state)) == (2, 1, 0)
    [message] = _inbound(state)
    assert (message.provider_id, message.body) == (sid, "HELP")
    assert message.status == MessageStatus.PROCESSED  # answered by the queued job


def test_forged_or_garbage_webhooks_are_not_spooled(
    down_webhooks: TwilioWebhooks, state: Runtime
) -> None:
    form = {"MessageSid": "SM" + "e" * 32, "From": CALLER, "To": "+1", "Body": "hi"}
    forged = down_webhooks.post("/twilio/sms", form, signature="bm90LWEtc2lnbmF0dXJl")
    garbage = down_webhooks.post("/twilio/sms", {"Body": "no sid, no sender"})

    assert (forged.status_code, garbage.status_code) == (403, 400)
    assert spooled(state) == 0


def test_africastalking_sms_is_spooled_with_its_token_only(
    database_down: Flask, state: Runtime
) -> None:
    client = database_down.test_client()
    form = {"id": "ATXid_" + uuid.uuid4().hex, "from": "+998901234567", "to": "12345",
            "text": "YORDAM"}  # fmt: skip

    without = client.post("/africastalking/sms", data=form)
    right = client.post(f"/africastalking/sms?token={AT_TOKEN}", data=form)

    assert (without.status_code, right.status_code) == (403, 200)
    assert drain_spool(state).stored == 1
    assert [m.phone for m in _inbound(state)] == ["+998901234567"]


def test_status_reports_are_applied_after_the_outage(
    down_webhooks: TwilioWebhooks, state: Runtime
) -> None:
    with state.sessions() as session:
        message = queue_sms(session, "twilio", CALLER, "Салам")
        message.provider_id, message.status = "SM" + "f" * 32, MessageStatus.SENT
        session.commit()
    form = {"MessageSid": "SM" + "f" * 32, "MessageStatus": "delivered"}
    unknown = {"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered"}

    assert down_webhooks.post("/twilio/status", form).status_code == 200
    assert down_webhooks.post("/twilio/status", unknown).status_code == 200
    report = drain_spool(state)

    with state.sessions() as session:
        assert session.get(Message, message.id).status == MessageStatus.DELIVERED  # type: ignore[union-attr]
    # A report for a message not stored yet waits: its sender may not have recorded the id.
    assert (report.stored, report.kept, spooled(state)) == (1, 1, 1)


def test_a_caller_hears_a_polite_call_back_later(down_webhooks: TwilioWebhooks) -> None:
    form = {"CallSid": "CA" + uuid.uuid4().hex, "From": CALLER, "To": "+996312000000"}

    response = down_webhooks.post("/twilio/voice", form)

    assert response.status_code == 200
    body = response.data.decode()
    assert "<Say" in body
    assert "позвоните нам позже" in body
    assert "кийинчерээк" in body
    assert body.endswith("<Hangup /></Response>")


def test_a_missed_call_becomes_one_callback_request_after_the_outage(
    down_webhooks: TwilioWebhooks, state: Runtime
) -> None:
    form = {"CallSid": "CA" + uuid.uuid4().hex, "From": CALLER, "To": MISSED_LINE}

    answers = [down_webhooks.post("/twilio/voice", form) for _ in range(2)]
    report = drain_spool(state)

    assert all(b"<Reject" in answer.data for answer in answers)
    assert report.stored == 2
    with state.sessions() as session:
        [request] = session.scalars(select(CallbackRequest)).all()
        [call] = session.scalars(select(CallSession)).all()
    assert (request.phone, str(request.source)) == (CALLER, "missed_call")
    assert call.path == ["missed-call"]


def test_with_redis_down_too_records_go_to_files_and_the_next_webhook_drains_them(
    everything_down: Flask, state: Runtime, twilio_webhooks: TwilioWebhooks, settings: Settings
) -> None:
    down = TwilioWebhooks(everything_down.test_client())
    sid = "SM" + uuid.uuid4().hex

    assert down.sms(CALLER, "HELP", sid=sid).status_code == 200
    files = FileSpool(settings.instance_path)
    assert len(files.records()) == 1
    assert spooled(state) == 0
    record = SpooledWebhook.from_json(files.records()[0].read_bytes())
    assert (record.provider, record.form["MessageSid"]) == ("twilio", [sid])

    later = "SM" + uuid.uuid4().hex
    response = twilio_webhooks.sms("+996555000111", "HELP", sid=later)  # the database is back
    response.close()  # the file spool is drained once the response is done

    assert files.records() == []
    assert sorted(str(m.provider_id) for m in _inbound(state)) == sorted([sid, later])


def test_a_restarted_database_does_not_fail_the_next_request(
    twilio_webhooks: TwilioWebhooks, state: Runtime
) -> None:
    assert twilio_webhooks.sms(CALLER, "HELP").status_code == 200  # a pooled connection now
    with state.engine.connect() as admin:  # what a restart does to every open connection
        admin.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        admin.commit()

    response = twilio_webhooks.sms(CALLER, "HELP")

    assert response.status_code == 200
    assert spooled(state) == 0
    assert len(_inbound(state)) == 2


def test_a_record_that_cannot_be_replayed_is_set_aside_and_the_rest_go_on(
    down_webhooks: TwilioWebhooks, state: Runtime
) -> None:
    state.redis.rpush(SPOOL_KEY, "not json")
    down_webhooks.sms(CALLER, "HELP")

    report = drain_spool(state)

    assert (report.stored, report.failed, spooled(state)) == (1, 1, 0)
    assert state.redis.lrange("hotline:spool:failed", 0, -1) == [b"not json"]


def test_africastalking_delivery_and_call_end_are_spooled(
    database_down: Flask, state: Runtime
) -> None:
    client = database_down.test_client()
    with state.sessions() as session:
        message = queue_sms(session, "africastalking", CALLER, "Салам")
        message.provider_id, message.status = "ATXid_sent", MessageStatus.SENT
        session.commit()
    delivery = {"id": "ATXid_sent", "status": "Success", "phoneNumber": CALLER}
    ended = {"sessionId": "ATVId_1", "isActive": "0", "callerNumber": CALLER,
             "destinationNumber": "+996312000000", "durationInSeconds": "12",
             "callSessionState": "Completed", "status": "Success"}  # fmt: skip

    answers = [
        client.post(f"/africastalking/delivery?token={AT_TOKEN}", data=delivery),
        client.post(f"/africastalking/voice?token={AT_TOKEN}", data=ended),
    ]
    report = drain_spool(state)

    assert [answer.status_code for answer in answers] == [200, 200]
    assert report.stored == 2
    with state.sessions() as session:
        assert session.get(Message, message.id).status == MessageStatus.DELIVERED  # type: ignore[union-attr]
        [call] = session.scalars(select(CallSession)).all()
    assert call.ended_at is not None


def test_hotline_spool_drain_replays_from_the_command_line(
    down_webhooks: TwilioWebhooks, state: Runtime, settings: Settings
) -> None:
    from tests.processes import run_hotline

    down_webhooks.sms(CALLER, "HELP")

    before = run_hotline(settings, "spool", "status")
    drained = run_hotline(settings, "spool", "drain")

    assert before.returncode == 0, before.stderr
    assert '"redis": 1' in before.stdout
    assert drained.returncode == 0, drained.stderr
    assert '"stored": 1' in drained.stdout
    assert len(_inbound(state)) == 1
