"""The dashboard: today's work counted in the hotline's own day, and thirty days as a chart."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline.activity import CHART_DAYS, activity
from hotline.db import utcnow
from hotline.models import (
    CallbackRequest,
    CallbackSource,
    CallbackStatus,
    CallSession,
    Campaign,
    Contact,
    Direction,
    Message,
    MessageStatus,
    Recipient,
    RecipientStatus,
    VerificationRecord,
)
from hotline.runtime import Runtime

BISHKEK = ZoneInfo("Asia/Bishkek")  # UTC+6 all year
NOW = dt.datetime(2026, 11, 25, 7, 0, tzinfo=dt.UTC)  # 13:00 in Bishkek
EARLY_TODAY = dt.datetime(2026, 11, 24, 18, 30, tzinfo=dt.UTC)  # 00:30 in Bishkek, today
LATE_YESTERDAY = dt.datetime(2026, 11, 24, 17, 30, tzinfo=dt.UTC)  # 23:30 in Bishkek


def call(session: Session, at: dt.datetime) -> None:
    n = session.query(CallSession).count()
    session.add(CallSession(provider="twilio", provider_call_id=f"CA{n}", phone="+996555000001",
                            started_at=at))  # fmt: skip


def sms(session: Session, direction: Direction, at: dt.datetime) -> None:
    status = MessageStatus.PROCESSED if direction == Direction.INBOUND else MessageStatus.SENT
    session.add(Message(direction=direction, provider="twilio", phone="+996555000001",
                        body="текст", status=status, created_at=at, updated_at=at))  # fmt: skip


def check(session: Session, verdict: str, at: dt.datetime) -> None:
    session.add(VerificationRecord(channel="sms", query="Ак-Жол", verdict=verdict, created_at=at))


def callback(session: Session, status: CallbackStatus, at: dt.datetime) -> None:
    session.add(CallbackRequest(phone="+996555000002", source=CallbackSource.SMS, status=status,
                                created_at=at))  # fmt: skip


def campaign_sends(session: Session, sent: list[tuple[RecipientStatus, dt.datetime]]) -> None:
    campaign = Campaign(name="UK seasonal work", messages={"ky": "..."}, fallback_order=["ky"],
                        audience={}, send_at=NOW, send_until=NOW, window_start="09:00",
                        window_end="20:00", rate_per_second=10, provider="twilio")  # fmt: skip
    session.add(campaign)
    session.flush()
    for n, (status, at) in enumerate(sent):
        contact = Contact(phone=f"+99655510{n:04d}")
        session.add(contact)
        session.flush()
        session.add(Recipient(campaign_id=campaign.id, contact_id=contact.id, phone=contact.phone,
                              language="ky", timezone="Asia/Bishkek", status=status,
                              updated_at=at))  # fmt: skip


def busy_day(session: Session, now: dt.datetime) -> None:
    """A morning's work, and some from the evening before that must not count as today."""
    # An hour ago, but never before midnight in Bishkek: the dashboard's day is the hotline's,
    # and a test run at 18:30 UTC is already half an hour into Bishkek's next day.
    midnight = dt.datetime.combine(now.astimezone(BISHKEK).date(), dt.time(), tzinfo=BISHKEK)
    earlier = max(now - dt.timedelta(hours=1), midnight.astimezone(dt.UTC))
    call(session, earlier)
    call(session, EARLY_TODAY if now == NOW else now)
    call(session, LATE_YESTERDAY if now == NOW else now - dt.timedelta(days=1))
    for direction in (Direction.INBOUND, Direction.INBOUND, Direction.OUTBOUND):
        sms(session, direction, earlier)
    sms(session, Direction.INBOUND, now - dt.timedelta(days=1))
    for verdict in ("licensed", "not_found", "not_found", "revoked", "expired", "ambiguous"):
        check(session, verdict, earlier)
    check(session, "licensed", now - dt.timedelta(days=1))
    callback(session, CallbackStatus.OPEN, now - dt.timedelta(minutes=90))
    callback(session, CallbackStatus.CALLING, now - dt.timedelta(minutes=10))
    callback(session, CallbackStatus.REACHED, now - dt.timedelta(minutes=300))
    campaign_sends(session, [
        (RecipientStatus.SENT, earlier),
        (RecipientStatus.DELIVERED, earlier),
        (RecipientStatus.DELIVERED, earlier),
        (RecipientStatus.PENDING, earlier),
        (RecipientStatus.DELIVERED, now - dt.timedelta(days=1)),
    ])  # fmt: skip
    session.flush()


def test_today_is_the_hotline_day_and_yesterday_does_not_count(state: Runtime) -> None:
    with state.sessions() as session:
        busy_day(session, NOW)

        counts = activity(session, BISHKEK, NOW)

    assert counts.day == dt.date(2026, 11, 25)
    assert counts.calls == 2  # 00:30 local is today; 23:30 the evening before is not
    assert (counts.sms_in, counts.sms_out) == (2, 1)
    assert counts.checks == {"licensed": 1, "not_found": 2, "revoked": 1, "other": 2}
    assert counts.checks_total == 6
    assert counts.callbacks_waiting == 2  # open and calling; the reached one is done
    assert counts.oldest_callback_minutes == 90
    assert counts.campaign_sends == {"sent": 1, "delivered": 2}


def test_the_chart_has_a_bar_group_per_day_ending_today(state: Runtime) -> None:
    with state.sessions() as session:
        busy_day(session, NOW)

        days = activity(session, BISHKEK, NOW).days

    assert len(days) == CHART_DAYS
    assert days[-1].day == dt.date(2026, 11, 25)
    assert days[0].day == dt.date(2026, 10, 27)
    assert (days[-1].calls, days[-1].sms_in, days[-1].checks) == (2, 2, 6)
    assert (days[-2].calls, days[-2].sms_in, days[-2].checks) == (1, 1, 1)
    assert sum(d.calls for d in days[:-2]) == 0


def test_a_quiet_day_has_nobody_waiting(state: Runtime) -> None:
    with state.sessions() as session:
        counts = activity(session, BISHKEK, NOW)

    assert counts.calls == counts.sms_in == counts.checks_total == counts.callbacks_waiting == 0
    assert counts.oldest_callback_minutes is None


def test_every_role_sees_the_dashboard_with_an_svg_chart(
    login_as: Callable[..., FlaskClient], state: Runtime
) -> None:
    with state.sessions() as session:
        busy_day(session, utcnow())
        session.commit()
    client = login_as("viewer")

    page = client.get("/console/dashboard")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    svg = ElementTree.fromstring(html[html.index("<svg") : html.index("</svg>") + 6])
    assert len(svg.findall("{http://www.w3.org/2000/svg}rect")) == 3 * CHART_DAYS
    assert "callbacks waiting" in html
    assert "not found: 2" in html
    assert "<script" not in html


def test_the_dashboard_needs_a_login(client: FlaskClient) -> None:
    answer = client.get("/console/dashboard")

    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/console/login")
