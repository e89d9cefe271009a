"""Recipients' local time: send windows are in the recipient's clock, not the office's.

The zone comes from the contact's region when we know it, else from the country of the number
(a Kyrgyz migrant with a Russian SIM is in Russia), else Bishkek.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func, literal

from hotline.models import Contact

DEFAULT_ZONE = "Asia/Bishkek"
REGION_ZONES = {
    **dict.fromkeys(
        ["bishkek", "osh", "jalal-abad", "batken", "naryn", "talas", "issyk-kul", "chui",
         "бишкек", "ош", "жалал-абад", "баткен", "нарын", "талас", "ыссык-кол", "чуй"],
        "Asia/Bishkek",
    ),
    **dict.fromkeys(
        ["tashkent", "samarkand", "fergana", "andijan", "namangan", "bukhara", "nukus",
         "karakalpakstan", "khorezm", "kashkadarya", "surkhandarya", "jizzakh", "navoi",
         "sirdarya", "ташкент", "самарканд", "фергана", "андижан", "наманган", "нукус"],
        "Asia/Tashkent",
    ),
    **dict.fromkeys(
        ["moscow", "saint petersburg", "st petersburg", "москва", "санкт-петербург"],
        "Europe/Moscow",
    ),
    **dict.fromkeys(["yekaterinburg", "екатеринбург"], "Asia/Yekaterinburg"),
    **dict.fromkeys(["novosibirsk", "новосибирск"], "Asia/Novosibirsk"),
    **dict.fromkeys(["almaty", "astana", "алматы", "астана"], "Asia/Almaty"),
    **dict.fromkeys(["istanbul", "стамбул"], "Europe/Istanbul"),
    **dict.fromkeys(["seoul", "сеул"], "Asia/Seoul"),
    **dict.fromkeys(["london", "лондон"], "Europe/London"),
}  # fmt: skip
COUNTRY_ZONES = {
    "KG": "Asia/Bishkek",
    "UZ": "Asia/Tashkent",
    "RU": "Europe/Moscow",
    "KZ": "Asia/Almaty",
    "TR": "Europe/Istanbul",
    "KR": "Asia/Seoul",
    "GB": "Europe/London",
    "DE": "Europe/Berlin",
    "PL": "Europe/Warsaw",
    "AE": "Asia/Dubai",
}


def zone_column() -> ColumnElement[str]:
    """The recipient's zone as SQL, so a million contacts are enrolled in one statement."""
    by_region = case(
        {region: zone for region, zone in REGION_ZONES.items()},
        value=func.lower(func.trim(Contact.region)),
        else_=None,
    )
    by_country = case(
        {country: zone for country, zone in COUNTRY_ZONES.items()},
        value=Contact.country,
        else_=literal(DEFAULT_ZONE),
    )
    return func.coalesce(by_region, by_country)


def parse_window(text: str) -> tuple[dt.time, dt.time]:
    """``"09:00-20:00"`` -> (09:00, 20:00); ``"00:00-24:00"`` is the whole day."""
    start, sep, end = text.partition("-")
    try:
        opens = dt.time.fromisoformat(start.strip())
        closes = dt.time.max if end.strip() == "24:00" else dt.time.fromisoformat(end.strip())
    except ValueError as exc:
        raise ValueError(f"send_window {text!r} is not HH:MM-HH:MM") from exc
    if not sep or opens >= closes:
        raise ValueError(f"send_window {text!r} must open before it closes")
    return opens, closes


def next_send_time(now: dt.datetime, zone: str, opens: dt.time, closes: dt.time) -> dt.datetime:
    """``now`` if it is inside the window in ``zone``, else the window's next opening (UTC)."""
    local = now.astimezone(ZoneInfo(zone))
    if opens <= local.time() < closes:
        return now
    day = local.date() if local.time() < opens else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, opens, tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)
