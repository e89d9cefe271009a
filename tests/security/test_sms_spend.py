"""The SMS spend gate: every text someone else's action triggers shares one budget.

Keyword replies, the keyword list a silent caller gets, "we will call you back" and "we could
not reach you" notices all pass ``hotline.sms.spend``: the same destinations, the same
per-number limit and the same per-country hourly budget (``SMS_REPLIES_PER_COUNTRY_HOUR``).
A text the gate refuses is stored ``withheld`` with the reason, never sent. Staff-approved
campaigns are the one exception.
"""

from __future__ import annotations

import ast
import datetime as dt
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.config import Settings
from hotline.models import CallbackRequest, CallbackStatus, Contact, Message
from hotline.phones import Destinations
from hotline.runtime import Runtime
from hotline.sms.replies import ReplyBook
from hotline.sms.spend import NUMBER_LIMIT, SpendGate, Withheld
from tests.callbacks.conftest import HOTLINE, MISSED_LINE, Clock, texts_to
from tests.conftest import TwilioWebhooks
from tests.fakes.provider_api import FakeTwilioApi
from tests.sms_campaigns.builders import NOON, make_contacts, new_campaign, run_campaign
from tests.web.test_voice import TwilioCall
from workers.callbacks import place_callbacks

ROOT = Path(__file__).resolve().parents[2]
CALLER = "+996555123456"
SPENDER = "+996555000999"  # another Kyrgyz mobile whose keyword reply spends the budget
CLOSED = dt.datetime(2026, 11, 25, 16, 0, tzinfo=dt.UTC)  # Wednesday 22:00 in Bishkek
KEYWORD_LISTS = {
    text.format(hotline=HOTLINE) for text in ReplyBook.load().templates["help"].values()
}


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """The callbacks' settings with a budget of one text per country per hour, unless asked."""
    return settings.replace(**{"sms_replies_per_country_hour": 1, **getattr(request, "param", {})})


def silent_call(webhooks: TwilioWebhooks, caller: str = CALLER) -> None:
    """Ring the menu and say nothing until the hotline gives up (no agent is free)."""
    call = TwilioCall(webhooks, caller)
    document = call.start()
    for _ in range(6):
        if document.find("Hangup") is not None:
            return
        document = call.silence()
    pytest.fail("the menu never hung up on a silent caller")


def missed_call(webhooks: TwilioWebhooks, caller: str) -> None:
    form = {"CallSid": "CA" + uuid.uuid4().hex, "From": caller, "To": MISSED_LINE}
    assert b"<Reject" in webhooks.post("/twilio/voice", form).data


def spend_the_budget(webhooks: TwilioWebhooks, run_jobs: Callable[[], None]) -> None:
    """One keyword reply to another Kyrgyz number: the country's one text this hour."""
    assert webhooks.sms(SPENDER, "HELP").status_code == 200
    run_jobs()


def outbound_to(state: Runtime, phone: str) -> list[tuple[str, str | None, str | None]]:
    with state.sessions() as session:
        rows = session.execute(
            select(Message.status, Message.error_code, Message.error_reason)
            .where(Message.direction == "outbound", Message.phone == phone)
            .order_by(Message.id)
        ).all()
    return [(str(status), code, reason) for status, code, reason in rows]


def withheld(state: Runtime, phone: str) -> list[str | None]:
    return [code for status, code, _ in outbound_to(state, phone) if status == "withheld"]


@pytest.mark.parametrize("settings", [{"sms_replies_per_country_hour": 2}], indirect=True)
def test_silent_calls_get_no_more_keyword_lists_than_the_budget(
    state: Runtime,
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    for _ in range(4):
        silent_call(twilio_webhooks)
    run_jobs()

    texts = texts_to(fake_twilio, CALLER)
    assert len(texts) == 2
    assert set(texts) <= KEYWORD_LISTS
    assert withheld(state, CALLER) == [Withheld.BUDGET, Withheld.BUDGET]


def test_with_the_budget_spent_silent_calls_get_no_texts(
    state: Runtime,
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    spend_the_budget(twilio_webhooks, run_jobs)

    for _ in range(4):
        silent_call(twilio_webhooks)
    run_jobs()

    assert texts_to(fake_twilio, CALLER) == []
    rows = outbound_to(state, CALLER)
    assert [(status, code) for status, code, _ in rows] == [("withheld", Withheld.BUDGET)] * 4
    assert all(reason and reason.startswith("not sent: budget") for _, _, reason in rows)


def test_with_the_budget_spent_missed_calls_get_no_we_will_call_you_back_texts(
    state: Runtime,
    clock: Clock,
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    spend_the_budget(twilio_webhooks, run_jobs)
    clock.now = CLOSED  # while the hotline is closed, each new request is told when to expect us
    callers = [f"+99655510000{n}" for n in range(3)]

    for caller in callers:
        missed_call(twilio_webhooks, caller)
    run_jobs()
    place_callbacks()
    run_jobs()

    assert [texts_to(fake_twilio, caller) for caller in callers] == [[], [], []]
    assert [withheld(state, caller) for caller in callers] == [[Withheld.BUDGET]] * 3
    with state.sessions() as session:
        requests = session.scalars(select(CallbackRequest).order_by(CallbackRequest.id)).all()
    # The requests stand (we still call back) and are not told again next minute.
    assert [(r.status, r.told_at is not None) for r in requests] == [
        (CallbackStatus.OPEN, True)
    ] * 3


def keyword_reply(webhooks: TwilioWebhooks, run_jobs: Callable[[], None]) -> str:
    """Text HELP from one number; returns the number the reply goes to."""
    assert webhooks.sms(SPENDER, "HELP").status_code == 200
    run_jobs()
    return SPENDER


def voice_follow_up(webhooks: TwilioWebhooks, run_jobs: Callable[[], None]) -> str:
    """Call and stay silent from another number; returns the number the keyword list goes to."""
    silent_call(webhooks, CALLER)
    run_jobs()
    return CALLER


Trigger = Callable[[TwilioWebhooks, Callable[[], None]], str]


@pytest.mark.parametrize(
    ("spend", "refused"),
    [(keyword_reply, voice_follow_up), (voice_follow_up, keyword_reply)],
    ids=["keyword-reply-first", "voice-follow-up-first"],
)
def test_a_keyword_reply_and_a_voice_follow_up_share_one_budget(
    spend: Trigger,
    refused: Trigger,
    state: Runtime,
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    spender = spend(twilio_webhooks, run_jobs)
    refused_number = refused(twilio_webhooks, run_jobs)

    assert len(texts_to(fake_twilio, spender)) == 1
    assert texts_to(fake_twilio, refused_number) == []
    assert withheld(state, refused_number) == [Withheld.BUDGET]


@pytest.mark.parametrize("settings", [{"sms_replies_per_country_hour": 1000}], indirect=True)
def test_the_per_number_limit_counts_voice_texts_too(
    state: Runtime,
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
) -> None:
    for _ in range(NUMBER_LIMIT + 1):  # ten answers and the one "slow down"
        twilio_webhooks.sms(CALLER, "HELP")
    run_jobs()

    silent_call(twilio_webhooks)
    run_jobs()

    assert len(texts_to(fake_twilio, CALLER)) == NUMBER_LIMIT + 1
    assert withheld(state, CALLER) == [Withheld.RATE_LIMIT]


def test_a_campaign_still_sends_with_the_budget_spent(
    state: Runtime,
    twilio_webhooks: TwilioWebhooks,
    fake_twilio: FakeTwilioApi,
    run_jobs: Callable[[], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spend_the_budget(twilio_webhooks, run_jobs)
    for module in ("workers.campaigns", "tests.sms_campaigns.builders"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: NOON)
    with state.sessions() as session:
        make_contacts(session, 3)
    campaign_id = new_campaign(state)

    run_campaign(state, run_jobs, campaign_id)

    campaign_texts = [m for m in fake_twilio.messages if m["to"] != SPENDER]
    assert len({m["to"] for m in campaign_texts}) == 3


def test_staff_see_a_withheld_text_and_why_on_the_contact(
    state: Runtime,
    twilio_webhooks: TwilioWebhooks,
    run_jobs: Callable[[], None],
    login_as: Callable[..., FlaskClient],
) -> None:
    spend_the_budget(twilio_webhooks, run_jobs)
    silent_call(twilio_webhooks)
    with state.sessions() as session:
        contact_id = session.scalars(select(Contact.id).where(Contact.phone == CALLER)).one()

    page = login_as("agent").get(f"/console/contacts/{contact_id}").get_data(as_text=True)

    assert "outbound SMS, not sent" in page
    assert "not sent: budget" in page


def test_a_typed_text_says_its_reply_was_withheld_for_the_budget(
    state: Runtime, twilio_webhooks: TwilioWebhooks, run_jobs: Callable[[], None]
) -> None:
    from hotline.sms.typed import reply_to, text_in

    spend_the_budget(twilio_webhooks, run_jobs)
    typed = text_in(state, CALLER, "HELP")
    run_jobs()

    with state.sessions() as session:
        reply = reply_to(session, typed.message_id)
    assert reply is not None
    assert reply.status == "none"
    assert "SMS_REPLIES_PER_COUNTRY_HOUR" in (reply.reason or "")


# -- the gate itself, against the real Redis ---------------------------------------------------


def kyrgyz_gate(connection: redis.Redis, per_country_hour: int) -> SpendGate:
    return SpendGate(connection, Destinations.for_sms(["KG"]), per_country_hour)


def decide_together(redis_url: str, phones: list[str], per_country_hour: int) -> list[bool]:
    """Each phone asked at once from its own connection, as many web processes and workers do."""
    clients = [redis.Redis.from_url(redis_url) for _ in phones]
    start = threading.Barrier(len(phones))
    answers: list[bool] = [False] * len(phones)

    def ask(n: int) -> None:
        start.wait()
        answers[n] = kyrgyz_gate(clients[n], per_country_hour).decide(phones[n]).send

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(len(phones))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    return answers


def test_the_budget_holds_when_many_processes_ask_at_once(
    redis_client: redis.Redis, redis_url: str
) -> None:
    phones = [f"+99655520{n:04d}" for n in range(40)]

    assert sum(decide_together(redis_url, phones, per_country_hour=15)) == 15


def test_one_number_gets_its_limit_and_one_slow_down_however_many_ask_at_once(
    redis_client: redis.Redis, redis_url: str
) -> None:
    assert sum(decide_together(redis_url, [CALLER] * 30, per_country_hour=1000)) == NUMBER_LIMIT + 1
    decisions = [kyrgyz_gate(redis_client, 1000).decide(CALLER) for _ in range(2)]
    assert [d.withheld for d in decisions] == [Withheld.RATE_LIMIT] * 2


def test_a_text_refused_by_one_counter_spends_nothing_of_the_other(
    redis_client: redis.Redis,
) -> None:
    gate = kyrgyz_gate(redis_client, 1)
    assert gate.decide(CALLER).send
    assert gate.decide("+996555000001").withheld == Withheld.BUDGET
    # The refusal did not count against that number: with budget again, it gets its text.
    assert kyrgyz_gate(redis_client, 1000).decide("+996555000001").send


@pytest.mark.parametrize(
    ("phone", "refusal"),
    [
        ("+4915123456789", Withheld.COUNTRY),
        ("+996312123456", Withheld.NUMBER_TYPE),
        ("anonymous", Withheld.NOT_A_NUMBER),
    ],
)
def test_numbers_we_do_not_text_are_refused_before_anything_is_counted(
    phone: str, refusal: Withheld, redis_client: redis.Redis
) -> None:
    decision = kyrgyz_gate(redis_client, 1).decide(phone)

    assert (decision.send, decision.withheld) == (False, refusal)
    assert (decision.reason or "").startswith("not sent: ")
    assert kyrgyz_gate(redis_client, 1).decide(CALLER).send  # the budget is untouched


def test_a_redis_that_cannot_be_asked_withholds_the_text_or_lets_a_job_retry() -> None:
    away = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)

    decision = kyrgyz_gate(away, 1000).decide(CALLER)
    assert (decision.send, decision.withheld) == (False, Withheld.UNCHECKED)
    retrying = SpendGate(away, Destinations.for_sms(["KG"]), 1000, retry_when_unchecked=True)
    with pytest.raises(redis.RedisError):
        retrying.decide(CALLER)


def test_every_triggered_text_is_stored_through_the_gate() -> None:
    """``queue_sms`` is called only by the gate: a new kind of text cannot skip the budget."""
    callers = []
    for package in ("hotline", "ivr_menus", "sms_campaigns", "workers"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                    if name == "queue_sms":
                        callers.append(str(path.relative_to(ROOT)))
    assert callers == ["hotline/sms/spend.py"]
