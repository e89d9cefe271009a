"""Provider webhooks: signed or refused, stored once, never a 5xx for garbage."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from hotline.models import Direction, Message, MessageStatus
from hotline.runtime import Runtime
from tests.conftest import AT_TOKEN, TwilioWebhooks


def _messages(state: Runtime) -> int:
    with state.sessions() as session:
        return session.scalar(select(func.count()).select_from(Message)) or 0


def test_signed_twilio_sms_is_stored_once(twilio_webhooks: TwilioWebhooks, state: Runtime) -> None:
    response = twilio_webhooks.sms("+996555123456", "CHECK Ak-Jol Travel", sid="SM" + "a" * 32)

    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    with state.sessions() as session:
        message = session.scalars(select(Message)).one()
    assert message.direction == Direction.INBOUND
    assert message.phone == "+996555123456"
    assert message.body == "CHECK Ak-Jol Travel"
    assert message.status == MessageStatus.RECEIVED
    assert message.segments == 1
    assert message.encoding == "GSM-7"


def test_replayed_twilio_sms_stores_nothing_new(
    twilio_webhooks: TwilioWebhooks, state: Runtime
) -> None:
    sid = "SM" + uuid.uuid4().hex
    first = twilio_webhooks.sms("+996555123456", "HELP", sid=sid)
    replay = twilio_webhooks.sms("+996555123456", "HELP", sid=sid)

    assert first.status_code == replay.status_code == 200
    assert _messages(state) == 1
    assert len(state.queues.queue("high")) == 1


def test_forged_twilio_signature_is_refused_and_stores_nothing(
    twilio_webhooks: TwilioWebhooks, state: Runtime
) -> None:
    form = {"MessageSid": "SM" + "b" * 32, "From": "+996555123456", "To": "+1", "Body": "hi"}
    forged = twilio_webhooks.post("/twilio/sms", form, signature="bm90LWEtc2lnbmF0dXJl")
    unsigned = twilio_webhooks.client.post("/twilio/sms", data=form)
    wrong_key = TwilioWebhooks(twilio_webhooks.client, token="someone-else").post(
        "/twilio/sms", form
    )

    assert forged.status_code == unsigned.status_code == wrong_key.status_code == 403
    assert _messages(state) == 0


def test_signature_covers_the_query_string(twilio_webhooks: TwilioWebhooks) -> None:
    form = {"MessageSid": "SM" + "c" * 32, "MessageStatus": "delivered"}
    signed_without_query = twilio_webhooks.post("/twilio/status", form)
    path = "/twilio/status?message=1"
    tampered = twilio_webhooks.client.post(
        path,
        data=form,
        headers={"X-Twilio-Signature": signed_without_query.request.headers["X-Twilio-Signature"]},
    )

    assert signed_without_query.status_code == 200
    assert tampered.status_code == 403


def test_africastalking_sms_needs_the_callback_token(client, state: Runtime) -> None:  # type: ignore[no-untyped-def]
    form = {"id": "ATXid_1", "from": "+998901234567", "to": "12345", "text": "YORDAM"}

    missing = client.post("/africastalking/sms", data=form)
    wrong = client.post("/africastalking/sms?token=guess", data=form)
    right = client.post(f"/africastalking/sms?token={AT_TOKEN}", data=form)

    assert missing.status_code == wrong.status_code == 403
    assert right.status_code == 200
    assert _messages(state) == 1


def test_africastalking_sms_replay_is_ignored(client, state: Runtime) -> None:  # type: ignore[no-untyped-def]
    form = {"id": "ATXid_2", "from": "+998901234567", "to": "12345", "text": "STOP"}
    for _ in range(3):
        assert client.post(f"/africastalking/sms?token={AT_TOKEN}", data=form).status_code == 200
    assert _messages(state) == 1


def test_signed_but_malformed_sms_is_a_400(twilio_webhooks: TwilioWebhooks, state: Runtime) -> None:
    no_sender = twilio_webhooks.post("/twilio/sms", {"MessageSid": "SM" + "d" * 32, "Body": "x"})
    bad_sid = twilio_webhooks.post(
        "/twilio/sms", {"MessageSid": "../etc", "From": "+996555123456", "To": "+1", "Body": "x"}
    )
    not_a_number = twilio_webhooks.post(
        "/twilio/sms",
        {"MessageSid": "SM" + "e" * 32, "From": "DROP TABLE", "To": "+1", "Body": "x"},
    )

    assert no_sender.status_code == bad_sid.status_code == not_a_number.status_code == 400
    assert _messages(state) == 0


def test_delivery_report_moves_forward_only(
    twilio_webhooks: TwilioWebhooks, state: Runtime
) -> None:
    with state.sessions() as session:
        message = Message(
            direction=Direction.OUTBOUND,
            provider="twilio",
            provider_id="SM" + "f" * 32,
            phone="+996555123456",
            body="hello",
            status=MessageStatus.SENT,
        )
        session.add(message)
        session.commit()
        message_id = message.id
    path = f"/twilio/status?message={message_id}"

    for status in ("delivered", "sent", "queued", "delivered"):
        form = {"MessageSid": "SM" + "f" * 32, "MessageStatus": status}
        assert twilio_webhooks.post(path, form).status_code == 200

    with state.sessions() as session:
        assert session.get(Message, message_id).status == MessageStatus.DELIVERED  # type: ignore[union-attr]


def test_twilio_voice_opens_one_call_session(twilio_webhooks: TwilioWebhooks) -> None:
    form = {"CallSid": "CA" + "1" * 32, "From": "+996555123456", "To": "+996312000000"}
    first = twilio_webhooks.post("/twilio/voice", form)
    again = twilio_webhooks.post("/twilio/voice", form)

    assert first.status_code == again.status_code == 200
    assert first.data == again.data
    assert b"<Response>" in first.data


def test_africastalking_voice_answers_xml(client) -> None:  # type: ignore[no-untyped-def]
    form = {"sessionId": "ATVId_1", "isActive": "1", "callerNumber": "+998901234567"}
    response = client.post(f"/africastalking/voice?token={AT_TOKEN}", data=form)

    assert response.status_code == 200
    assert response.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?><Response>')


def test_nul_characters_in_a_signed_sms_are_dropped_not_fatal(
    twilio_webhooks: TwilioWebhooks, state: Runtime
) -> None:
    response = twilio_webhooks.sms("+996555123456", "Ak\x00Jol")

    assert response.status_code == 200
    with state.sessions() as session:
        assert session.scalars(select(Message.body)).one() == "AkJol"
