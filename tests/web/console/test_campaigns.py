"""Campaigns in the console: drafted by one person, approved by another, watched to the end."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from hotline.db import utcnow
from hotline.models import AuditEntry, Campaign, Recipient
from hotline.runtime import Runtime
from tests.sms_campaigns.builders import make_contacts, run_campaign
from tests.web.console.conftest import form_token

AUTHOR = "author@hotline.example"
APPROVER = "approver@hotline.example"
FORM = {
    "name": "UK seasonal work",
    "message_ky": "Улуу Британияга мезгилдик жумуш: агенттикке акча төлөбөңүз.",
    "message_ru": "Сезонная работа в Великобритании: не платите агентам.",
    "message_uz": "Buyuk Britaniyada mavsumiy ish: agentlarga pul to'lamang.",
    "send_window": "00:00-24:00",  # whatever the hour the tests run at
    "rate_per_second": "500",
    "holdout": "0",
}

LoginAs = Callable[..., FlaskClient]


def post(client: FlaskClient, path: str, data: dict[str, Any] | None = None) -> Any:
    """Post as the browser would: with the token from the campaigns page's forms."""
    token = form_token(client, "/console/campaigns/new")
    return client.post(path, data={**(data or {}), "csrf_token": token})


def create(client: FlaskClient, **changes: Any) -> int:
    answer = post(client, "/console/campaigns/new", {**FORM, **changes})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    found = re.search(r"/console/campaigns/(\d+)$", answer.headers["Location"])
    assert found is not None
    return int(found.group(1))


def campaign(state: Runtime, campaign_id: int) -> Campaign:
    with state.sessions() as session:
        found = session.get(Campaign, campaign_id)
        assert found is not None
        session.expunge(found)
        return found


def audited(state: Runtime) -> list[tuple[str, str]]:
    with state.sessions() as session:
        return [(e.actor, e.action) for e in session.scalars(select(AuditEntry)
                .where(AuditEntry.action.like("campaign_%")).order_by(AuditEntry.id))]  # fmt: skip


def test_the_form_creates_a_draft_by_its_author(state: Runtime, login_as: LoginAs) -> None:
    client = login_as("campaign_manager", AUTHOR)

    campaign_id = create(client, language=["ky", "ru"], region="Osh, Batken", holdout="0.1")

    draft = campaign(state, campaign_id)
    assert draft.state == "draft"
    assert draft.created_by == AUTHOR
    assert draft.messages["uz"] == FORM["message_uz"]
    assert "kaa" not in draft.messages
    assert draft.audience == {"language": ["ky", "ru"], "region": ["Osh", "Batken"]}
    assert draft.holdout == pytest.approx(0.1)
    assert (draft.window_start, draft.window_end) == ("00:00", "24:00")
    assert audited(state) == [(AUTHOR, "campaign_create")]
    page = client.get(f"/console/campaigns/{campaign_id}").get_data(as_text=True)
    assert "UK seasonal work" in page
    assert "UCS-2" in page
    assert "GSM-7" in page


def test_an_invalid_form_lists_every_problem_and_stores_nothing(
    state: Runtime, login_as: LoginAs
) -> None:
    client = login_as("campaign_manager")
    bad = {**FORM, "name": "", "send_window": "20:00-09:00", "holdout": "2",
           "rate_per_second": "fast", "stage": ["dreaming"]}  # fmt: skip

    answer = post(client, "/console/campaigns/new", bad)

    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    for problem in ("name: required", "send_window", "holdout", "rate_per_second",
                    "unknown stage &#39;dreaming&#39;"):  # fmt: skip
        assert problem in page
    assert FORM["message_ky"] in page  # what was typed is kept
    with state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Campaign)) == 0


@pytest.mark.parametrize(
    "send_at",
    [
        "0001-01-01T00:00:00+06:00",  # before the first instant Python has, once in UTC
        "9999-12-31T23:59:59-06:00",  # after the last one
        "9999-12-30T00:00:00+00:00",  # the three days' deadline after it overflowed
        "1970-01-01T00:00:00+00:00",
    ],
)
def test_a_send_time_out_of_range_is_refused_not_a_server_error(
    state: Runtime, login_as: LoginAs, send_at: str
) -> None:
    """Found by the console fuzz: each answered 500 (an OverflowError) instead of the form."""
    client = login_as("campaign_manager")

    answer = post(client, "/console/campaigns/new", {**FORM, "send_at": send_at})

    assert answer.status_code == 400
    assert "send_at: a date-time from 2000 to 2099" in answer.get_data(as_text=True)
    with state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Campaign)) == 0


def test_the_author_may_not_approve_their_own_campaign(state: Runtime, login_as: LoginAs) -> None:
    client = login_as("campaign_manager", AUTHOR)
    campaign_id = create(client)

    answer = post(client, f"/console/campaigns/{campaign_id}/approve")

    assert answer.status_code == 409
    assert "approval by someone other than its author" in answer.get_data(as_text=True)
    assert campaign(state, campaign_id).state == "draft"
    assert audited(state) == [(AUTHOR, "campaign_create")]


def test_staff_with_the_longest_emails_may_write_and_approve_campaigns(
    state: Runtime, login_as: LoginAs
) -> None:
    author, approver = ("a" * 240 + f"{n}@example.org" for n in (1, 2))  # 254 characters
    campaign_id = create(login_as("campaign_manager", author))

    answer = post(
        login_as("campaign_manager", approver), f"/console/campaigns/{campaign_id}/approve"
    )

    assert answer.status_code == 303
    stored = campaign(state, campaign_id)
    assert (stored.created_by, stored.approved_by, stored.state) == (author, approver, "approved")


def test_a_second_person_approves_and_launches_and_progress_reaches_100_percent(
    state: Runtime, login_as: LoginAs, run_jobs: Callable[[], None]
) -> None:
    with state.sessions() as session:
        make_contacts(session, 40)
    client = login_as("campaign_manager", AUTHOR)
    campaign_id = create(client, holdout="0.25")
    client = login_as("campaign_manager", APPROVER)

    assert post(client, f"/console/campaigns/{campaign_id}/approve").status_code == 303
    assert campaign(state, campaign_id).approved_by == APPROVER
    assert post(client, f"/console/campaigns/{campaign_id}/launch").status_code == 303

    assert campaign(state, campaign_id).state == "scheduled"
    assert state.queues.queue("default").scheduled_job_registry.count == 1  # the dispatcher
    before = client.get(f"/console/campaigns/{campaign_id}/progress.json").get_json()
    assert before["percent"] == 0
    assert before["total"] + before["counts"]["holdout"] == 40
    assert before["counts"]["holdout"] > 0

    run_campaign(state, run_jobs, campaign_id)

    after = client.get(f"/console/campaigns/{campaign_id}/progress.json").get_json()
    assert after["state"] == "done"
    assert after["percent"] == 100
    assert after["final"] == after["total"] == before["total"]
    page = client.get(f"/console/campaigns/{campaign_id}").get_data(as_text=True)
    assert "100%" in page
    assert 'class="bar sent" style="width: 100.0%"' in page  # the delivery chart
    assert "Delivery rate" in page
    assert "hold-out (not texted)" in page
    listing = client.get("/console/campaigns").get_data(as_text=True)
    assert "100%" in listing
    assert "done" in listing
    assert audited(state) == [
        (AUTHOR, "campaign_create"),
        (APPROVER, "campaign_approve"),
        (APPROVER, "campaign_launch"),
    ]


def test_a_launched_campaign_can_be_paused_resumed_and_cancelled(
    state: Runtime, login_as: LoginAs
) -> None:
    with state.sessions() as session:
        make_contacts(session, 8)
    campaign_id = create(login_as("campaign_manager", AUTHOR))
    client = login_as("campaign_manager", APPROVER)
    for action, reached in [("approve", "approved"), ("launch", "scheduled"),
                            ("pause", "paused"), ("resume", "sending"),
                            ("cancel", "cancelled")]:  # fmt: skip
        assert post(client, f"/console/campaigns/{campaign_id}/{action}").status_code == 303
        assert campaign(state, campaign_id).state == reached

    again = post(client, f"/console/campaigns/{campaign_id}/resume")

    assert again.status_code == 409
    assert "is cancelled, not paused" in again.get_data(as_text=True)
    with state.sessions() as session:
        skipped = session.scalars(
            select(Recipient.error).where(Recipient.campaign_id == campaign_id)
        )
        assert set(skipped) == {"cancelled"}
    assert [action for _, action in audited(state)][-3:] == [
        "campaign_pause", "campaign_resume", "campaign_cancel"]  # fmt: skip


def test_a_viewer_sees_campaigns_but_may_change_nothing(state: Runtime, login_as: LoginAs) -> None:
    campaign_id = create(login_as("campaign_manager", AUTHOR))
    viewer = login_as("viewer")
    token = form_token(viewer, f"/console/campaigns/{campaign_id}")

    assert viewer.get("/console/campaigns").status_code == 200
    assert viewer.get(f"/console/campaigns/{campaign_id}/progress.json").status_code == 200
    assert "Approve" not in viewer.get(f"/console/campaigns/{campaign_id}").get_data(as_text=True)
    assert viewer.get("/console/campaigns/new").status_code == 403
    for path in ["/console/campaigns/new", "/console/campaigns/estimate"] + [
        f"/console/campaigns/{campaign_id}/{action}"
        for action in ("approve", "launch", "pause", "resume", "cancel")
    ]:
        assert viewer.post(path, data={**FORM, "csrf_token": token}).status_code == 403, path
    assert campaign(state, campaign_id).state == "draft"
    with state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Campaign)) == 1


@pytest.mark.parametrize(
    ("language", "text", "encoding", "segments"),
    [
        ("ky", "Агенттикке акча төлөбөңүз.", "UCS-2", 1),
        ("ru", "Не платите агентам.", "UCS-2", 1),
        ("ru", "Не платите агентам за работу за границей, это обман. " * 2, "UCS-2", 2),
        ("uz", "Agentlarga pul to'lamang.", "GSM-7", 1),
        ("uz", "Agentlarga pul to'lamang, bu firibgarlik. " * 4, "GSM-7", 2),
        # The modifier-letter apostrophe of official Uzbek Latin is outside GSM-7.
        ("uz", "Oʻzbekiston", "UCS-2", 1),
    ],
)
def test_the_segment_counter_names_the_encoding_per_language(
    login_as: LoginAs, language: str, text: str, encoding: str, segments: int
) -> None:
    client = login_as("campaign_manager")

    answer = post(client, "/console/campaigns/estimate", {f"message_{language}": text})

    rows = {row["language"]: row for row in answer.get_json()["languages"]}
    assert (rows[language]["encoding"], rows[language]["segments"]) == (encoding, segments)
    assert rows[language]["cost_per_thousand"] == pytest.approx(
        1000 * segments * answer.get_json()["price_per_segment"]
    )


def test_without_javascript_the_form_counts_segments_and_saves_nothing(
    state: Runtime, login_as: LoginAs
) -> None:
    client = login_as("campaign_manager")

    answer = post(client, "/console/campaigns/new", {**FORM, "action": "count"})

    assert answer.status_code == 200
    assert re.search(r'data-language="ru"><td>ru</td><td class="encoding">UCS-2', answer.text)
    assert re.search(r'data-language="uz"><td>uz</td><td class="encoding">GSM-7', answer.text)
    with state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Campaign)) == 0


def test_the_list_pages_through_campaigns_newest_first(state: Runtime, login_as: LoginAs) -> None:
    client = login_as("viewer")
    with state.sessions() as session:
        provider = state.settings.provider
        now = utcnow()
        session.add_all(
            Campaign(name=f"Campaign {n:02}", messages={"ru": "x"}, fallback_order=["ru"],
                     audience={}, send_at=now, send_until=now, window_start="09:00",
                     window_end="20:00", rate_per_second=10, provider=provider)
            for n in range(55)
        )  # fmt: skip
        session.commit()

    first = client.get("/console/campaigns").get_data(as_text=True)
    second = client.get("/console/campaigns?page=2").get_data(as_text=True)

    assert "Campaign 54" in first
    assert "Campaign 05" in first
    assert "Campaign 04" not in first
    assert "Campaign 04" in second
    assert "Campaign 00" in second
    assert "Campaign 05" not in second
    assert "Page 2 of 2" in second


def test_a_draft_shows_its_audience_and_cost_per_language(
    state: Runtime, login_as: LoginAs
) -> None:
    with state.sessions() as session:
        make_contacts(session, 8, region="Osh")  # two per language: ky, ru, uz, kaa
    client = login_as("campaign_manager")
    campaign_id = create(client)
    price = state.settings.sms_price_per_segment

    page = client.get(f"/console/campaigns/{campaign_id}").get_data(as_text=True)

    rows = dict(re.findall(r"<tr><td>(ky|ru|uz)</td><td>(\d+)</td>", page))
    assert rows == {"ky": "2", "ru": "4", "uz": "2"}  # Karakalpak speakers fall back to ru
    assert f"<td>ru</td><td>4</td><td>UCS-2</td><td>1</td><td>{4 * price:.2f}</td>" in page
    assert "<td>uz</td><td>2</td><td>GSM-7</td><td>1</td>" in page
    assert "<td>kaa</td><td>Osh</td><td>2</td>" in page  # the breakdown by language and region
