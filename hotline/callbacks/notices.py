"""Texts for callers waiting on a callback: when to expect it, and that we could not reach them.

Times are given in the caller's own clock: someone in Moscow should not have to work out
Bishkek time.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hotline.phones import country_of
from hotline.sms.replies import ReplyBook
from hotline.staffing import StaffedHours
from sms_campaigns.timezones import COUNTRY_ZONES


def caller_zone(phone: str, fallback: ZoneInfo) -> ZoneInfo:
    zone = COUNTRY_ZONES.get(country_of(phone) or "")
    return ZoneInfo(zone) if zone else fallback


def expected_call(
    replies: ReplyBook, hours: StaffedHours, now: dt.datetime, phone: str, language: str
) -> str:
    """`` tomorrow after 09:00 your time`` while the hotline is closed; empty while it is open."""
    if hours.is_open(now):
        return ""
    local = hours.next_opening(now).astimezone(caller_zone(phone, hours.zone))
    return replies.text("call_when", language, date=f"{local:%d.%m}", time=f"{local:%H:%M}")


def waiting_text(
    replies: ReplyBook,
    hours: StaffedHours,
    now: dt.datetime,
    phone: str,
    language: str,
    hotline: str,
) -> str:
    when = expected_call(replies, hours, now, phone, language)
    return replies.text("call_ack", language, when=when, hotline=hotline)


def gave_up_text(replies: ReplyBook, language: str, hotline: str) -> str:
    return replies.text("callback_gave_up", language, hotline=hotline)
