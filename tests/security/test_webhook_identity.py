"""Webhooks that are signed yet not plainly ours: another Twilio account, a repeated parameter.

Issue 15: a signed Twilio webhook naming another account was served, and Africa's Talking's
``?token=RIGHT&token=x`` got in on its first value. Twilio sends ``AccountSid`` with every
webhook, so one without it, with another account's, or with ours twice is refused (403).
Twilio's signature check sorts and merges repeated values, so a replayed request with a field
added twice still verifies: any repeated field or query parameter is refused (400) after
verification, and nothing is stored either way. The routes come from the app's URL map.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from hotline.runtime import Runtime
from tests.conftest import AT_TOKEN, PUBLIC_BASE_URL, TWILIO_SID, TWILIO_TOKEN, TwilioWebhooks
from tests.security.test_forged_webhooks import (
    SIGNATURE,
    everything_a_provider_sends,
    stored_rows,
    webhook_routes,
)
from tests.signing import twilio_signature

OTHER_ACCOUNT = "AC" + "9" * 32


def routes_of(app: Flask, prefix: str) -> list[str]:
    return [path for path in webhook_routes(app) if path.startswith(prefix)]


def without_account() -> dict[str, str]:
    form = everything_a_provider_sends()
    del form["AccountSid"]
    return form


def signed_post(
    client: FlaskClient, path: str, pairs: list[tuple[str, str]], signed: list[tuple[str, str]]
) -> int:
    """Post ``pairs`` with Twilio's signature over ``signed`` (what Twilio sent, say)."""
    grouped: dict[str, list[str]] = {}
    for name, value in signed:
        grouped.setdefault(name, []).append(value)
    url = PUBLIC_BASE_URL + path
    signature = twilio_signature(TWILIO_TOKEN, url, grouped)
    answer = client.post(path, data=MultiDict(pairs), headers={SIGNATURE: signature})
    return answer.status_code


def test_a_signed_twilio_webhook_that_is_not_our_accounts_is_refused(
    app: Flask, client: FlaskClient, state: Runtime
) -> None:
    base = list(without_account().items())
    accounts = {
        "another account": [("AccountSid", OTHER_ACCOUNT)],
        "no account": [],
        "ours and another": [("AccountSid", TWILIO_SID), ("AccountSid", OTHER_ACCOUNT)],
        "another and ours": [("AccountSid", OTHER_ACCOUNT), ("AccountSid", TWILIO_SID)],
        "an empty one": [("AccountSid", "")],
    }
    answers = {}
    for path in routes_of(app, "/twilio/"):
        for name, account in accounts.items():
            pairs = base + account
            answers[(path, name)] = signed_post(client, path, pairs, pairs)
        # A replay of what Twilio signed, ours added a second time: the signature still holds.
        ours = [*base, ("AccountSid", TWILIO_SID)]
        answers[(path, "ours twice")] = signed_post(client, path, [*ours, ours[-1]], ours)

    assert len(answers) == len(routes_of(app, "/twilio/")) * 6
    assert {key: code for key, code in answers.items() if code != 403} == {}
    assert stored_rows(state) == {}
    assert all(len(queue) == 0 for queue in state.queues.all())


def test_our_account_once_is_served(twilio_webhooks: TwilioWebhooks) -> None:
    """So the 403s above are about the account, not the signing."""
    form = {**without_account(), "AccountSid": TWILIO_SID}
    assert twilio_webhooks.post("/twilio/sms", form).status_code == 200


def test_a_repeated_africastalking_token_is_refused(
    app: Flask, client: FlaskClient, state: Runtime
) -> None:
    form = everything_a_provider_sends()
    queries = {
        "right then wrong": f"token={AT_TOKEN}&token=x",
        "wrong then right": f"token=x&token={AT_TOKEN}",
        "right twice": f"token={AT_TOKEN}&token={AT_TOKEN}",
        "right, empty": f"token={AT_TOKEN}&token=",
    }
    answers = {
        (path, name): client.post(path, data=form, query_string=query).status_code
        for path in routes_of(app, "/africastalking/")
        for name, query in queries.items()
    }

    assert len(answers) == len(routes_of(app, "/africastalking/")) * 4
    assert {key: code for key, code in answers.items() if code != 403} == {}
    assert client.post(
        "/africastalking/sms", data=form, query_string=f"token={AT_TOKEN}"
    ).status_code == 200  # fmt: skip


def test_a_verified_webhook_that_repeats_a_parameter_is_refused_and_stores_nothing(
    app: Flask, client: FlaskClient, state: Runtime
) -> None:
    ours = list({**without_account(), "AccountSid": TWILIO_SID}.items())
    at_form = list(everything_a_provider_sends().items())
    answers = {}
    for path in routes_of(app, "/twilio/"):
        replayed = [*ours, ("From", "+996555123456")]  # the signed From, added again
        answers[(path, "a field replayed twice")] = signed_post(client, path, replayed, ours)
        both = [*ours, ("From", "+996700000001")]  # Twilio never signs two
        answers[(path, "a field with two values")] = signed_post(client, path, both, both)
        answers[(path, "a query parameter twice")] = signed_post(
            client, f"{path}?attempt=1&attempt=2", ours, ours
        )
    for path in routes_of(app, "/africastalking/"):
        for name, query, pairs in (
            ("a field twice", f"token={AT_TOKEN}", [*at_form, ("from", "+996700000001")]),
            ("a query parameter twice", f"token={AT_TOKEN}&node=main&node=report", at_form),
        ):
            answer = client.post(path, data=MultiDict(pairs), query_string=query)
            answers[(path, name)] = answer.status_code

    assert {key: code for key, code in answers.items() if code != 400} == {}
    assert stored_rows(state) == {}
    assert all(len(queue) == 0 for queue in state.queues.all())


def test_the_refusal_says_what_was_repeated(client: FlaskClient) -> None:
    form = MultiDict([("from", "+996555123456"), ("from", "+996700000001"), ("id", "ATXid_1")])
    answer = client.post("/africastalking/sms", data=form, query_string=f"token={AT_TOKEN}")

    assert answer.status_code == 400
    assert "'from' is given more than once" in answer.get_data(as_text=True)
