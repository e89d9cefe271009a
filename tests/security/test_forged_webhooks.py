"""Forged webhooks: every provider route refuses an unsigned or forged request and stores nothing.

The routes are read from the app's URL map, so a webhook added later is covered without
touching this file. Twilio signatures are checked against ``PUBLIC_BASE_URL``, never against
the Host a request claims; Africa's Talking's ``?token=`` is compared in constant time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from hotline import create_app
from hotline.config import Settings
from hotline.db import Base
from hotline.runtime import Runtime, runtime
from tests.conftest import AT_TOKEN, PUBLIC_BASE_URL, TWILIO_SID, TWILIO_TOKEN, TwilioWebhooks
from tests.signing import twilio_signature

PROVIDER_PREFIXES = ("/twilio/", "/africastalking/")
SIGNATURE = "X-Twilio-Signature"


def webhook_routes(app: Flask) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PROVIDER_PREFIXES) and "POST" in (rule.methods or ())
    )


def everything_a_provider_sends() -> dict[str, str]:
    """Plausible fields for any webhook: an inbound SMS, a call, a delivery report."""
    return {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "CallSid": "CA" + uuid.uuid4().hex,
        "AccountSid": TWILIO_SID,
        "From": "+996555123456",
        "To": "+996312000000",
        "Body": "CALL",
        "CallStatus": "ringing",
        "MessageStatus": "delivered",
        "id": "ATXid_" + uuid.uuid4().hex,
        "from": "+996555123456",
        "to": "12345",
        "text": "CALL",
        "status": "Success",
        "sessionId": "ATVId_" + uuid.uuid4().hex,
        "isActive": "1",
        "callerNumber": "+996555123456",
        "destinationNumber": "+996312000000",
    }


@dataclass(frozen=True)
class Forgery:
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    extra_form: dict[str, str] = field(default_factory=dict)


def forgeries(path: str, form: dict[str, str]) -> dict[str, Forgery]:
    """Ways to call ``path`` without the provider's secret."""
    as_seen_locally = f"http://localhost{path}"  # what an app trusting the Host header checks
    return {
        "unsigned": Forgery(),
        "garbage signature": Forgery({SIGNATURE: "bm90LWEtc2lnbmF0dXJl"}),
        "someone else's key": Forgery(
            {SIGNATURE: twilio_signature("guess", PUBLIC_BASE_URL + path, form)}
        ),
        "signed for the Host header": Forgery(
            {SIGNATURE: twilio_signature(TWILIO_TOKEN, as_seen_locally, form)}
        ),
        "no token": Forgery(query={"attempt": "1"}),
        "wrong token": Forgery(query={"token": "at-callback-secreT"}),
        "token prefix": Forgery(query={"token": AT_TOKEN[:-1]}),
        "empty token": Forgery(query={"token": ""}),
        "token in the body": Forgery(extra_form={"token": AT_TOKEN}),
    }


def stored_rows(state: Runtime) -> dict[str, int]:
    with state.sessions() as session:
        counts = {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }
    return {name: count for name, count in counts.items() if count}


def test_the_enumeration_finds_every_provider_route_we_know(app: Flask) -> None:
    """A route added later is covered by the next test without being listed here."""
    assert set(webhook_routes(app)) >= {
        "/africastalking/delivery",
        "/africastalking/sms",
        "/africastalking/voice",
        "/twilio/callback",
        "/twilio/sms",
        "/twilio/status",
        "/twilio/voice",
    }


def test_every_webhook_refuses_a_forged_request_and_stores_nothing(
    app: Flask, client: FlaskClient, state: Runtime
) -> None:
    answers = {}
    for path in webhook_routes(app):
        form = everything_a_provider_sends()
        for name, forgery in forgeries(path, form).items():
            response = client.post(
                path,
                data={**form, **forgery.extra_form},
                query_string=forgery.query,
                headers=forgery.headers,
            )
            answers[(path, name)] = response.status_code

    assert len(answers) == len(webhook_routes(app)) * 9
    assert {key: code for key, code in answers.items() if code != 403} == {}
    assert stored_rows(state) == {}
    assert all(len(queue) == 0 for queue in state.queues.all())


def test_the_real_secret_is_accepted_so_the_403s_mean_something(
    twilio_webhooks: TwilioWebhooks, client: FlaskClient
) -> None:
    form = everything_a_provider_sends()
    assert twilio_webhooks.post("/twilio/sms", form).status_code == 200
    answer = client.post("/africastalking/sms", data=form, query_string={"token": AT_TOKEN})
    assert answer.status_code == 200


def test_an_unconfigured_provider_refuses_everything(
    settings: Settings, redis_client: redis.Redis
) -> None:
    """No TWILIO_AUTH_TOKEN or AT_CALLBACK_TOKEN: nothing signed with an empty key gets in."""
    bare = settings.replace(provider="console", twilio_auth_token="", at_callback_token="")
    application = create_app(bare)
    client = application.test_client()
    form = everything_a_provider_sends()
    try:
        signed_with_nothing = client.post(
            "/twilio/sms",
            data=form,
            headers={SIGNATURE: twilio_signature("", PUBLIC_BASE_URL + "/twilio/sms", form)},
        )
        empty_token = client.post("/africastalking/sms", data=form, query_string={"token": ""})
        assert signed_with_nothing.status_code == empty_token.status_code == 403
    finally:
        state = runtime(application)
        state.engine.dispose()
        state.redis.close()
