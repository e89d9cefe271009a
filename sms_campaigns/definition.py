"""Campaign definitions from YAML: validated whole, so staff learn every mistake at once.

name: UK seasonal work 2027
messages: {ky: "...", ru: "...", uz: "...", kaa: "..."}
audience: {stage: [intending], destination: [GB]}
send_at: 2027-01-10T09:00:00+06:00      # absent: now
send_window: "09:00-20:00"              # recipient's local time
rate_per_second: 20
holdout: 0.1                            # share kept as a control group
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import yaml

from hotline.config import LANGUAGES
from hotline.models.contacts import STAGES
from sms_campaigns.timezones import parse_window

AUDIENCE_FIELDS = ("language", "region", "destination", "stage", "gender")
ACTIVITIES = ("verified", "called")
DEFAULT_WINDOW = "09:00-20:00"
DEFAULT_RATE = 10.0
MAX_RATE = 10_000  # messages per second: a high-throughput short code or sender pool
DEFAULT_DEADLINE = dt.timedelta(days=3)
DRIP_DEADLINE = dt.timedelta(days=365)


class CampaignDefinitionError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class CampaignSpec:
    name: str
    messages: dict[str, str]
    fallback_order: list[str]
    audience: dict[str, Any]
    send_at: dt.datetime | None
    send_until: dt.datetime | None
    send_window: str = DEFAULT_WINDOW
    rate_per_second: float = DEFAULT_RATE
    holdout: float = 0.0
    drip_stage: str | None = None
    drip_days: int | None = None
    problems: list[str] = field(default_factory=list)


def _datetime(value: Any, key: str, problems: list[str]) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            parsed = dt.datetime.fromisoformat(str(value))
        except ValueError:
            problems.append(f"{key}: {value!r} is not an ISO date-time")
            return None
    if parsed.tzinfo is None:
        problems.append(f"{key}: give a time zone offset, e.g. 2027-01-10T09:00:00+06:00")
        return None
    try:
        moment = parsed.astimezone(dt.UTC)
    except OverflowError:  # 0001-01-01T00:00+06:00 is before the first instant Python has
        moment = None
    if moment is None or not EARLIEST_SEND <= moment < LATEST_SEND:
        problems.append(f"{key}: a date-time from {EARLIEST_SEND.year} to {LATEST_SEND.year - 1}")
        return None
    return moment


# Bounded: a campaign is sent in this century, and the deadline or drip added to a time near
# year 9999 overflows Python's dates (a 500 before the console was fuzzed).
EARLIEST_SEND = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST_SEND = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def parse_campaign(text: str) -> CampaignSpec:
    """Read a campaign YAML document or raise ``CampaignDefinitionError`` listing problems."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CampaignDefinitionError([f"not valid YAML: {exc}"]) from exc
    if not isinstance(data, dict):
        raise CampaignDefinitionError(["a campaign file is a mapping of keys such as name"])
    problems: list[str] = []
    known = {"name", "messages", "audience", "send_at", "send_until", "send_window",
             "rate_per_second", "holdout", "fallback_order", "drip"}  # fmt: skip
    problems += [f"unknown key {key!r}" for key in data if key not in known]
    name = str(data.get("name") or "").strip()
    if not name:
        problems.append("name: required")
    messages = data.get("messages")
    if not isinstance(messages, dict) or not messages:
        problems.append("messages: give a text per language (ky, ru, uz, kaa)")
        messages = {}
    texts = {str(k): str(v).strip() for k, v in messages.items() if str(v or "").strip()}
    problems += [f"messages: unknown language {k!r}" for k in texts if k not in LANGUAGES]
    fallback = [str(x) for x in data.get("fallback_order") or ["ru", "ky", "uz", "kaa"]]
    problems += [f"fallback_order: unknown language {x!r}" for x in fallback if x not in LANGUAGES]
    audience = data.get("audience") or {}
    if not isinstance(audience, dict):
        problems.append("audience: a mapping of field -> list of values")
        audience = {}
    cleaned: dict[str, Any] = {}
    for key, values in audience.items():
        if key in AUDIENCE_FIELDS:
            listed = values if isinstance(values, list) else [values]
            cleaned[key] = [str(v) for v in listed if v is not None and str(v) != ""]
        elif key == "active_within_days":
            # Bounded: ten years back is before anyone was texted, and far more overflows dates.
            if not isinstance(values, int) or isinstance(values, bool) or not 0 < values <= 3650:
                problems.append("audience.active_within_days: a number of days from 1 to 3650")
            cleaned[key] = values
        elif key == "activity":
            listed = values if isinstance(values, list) else [values]
            problems += [f"audience.activity: {v!r} is not one of {ACTIVITIES}" for v in listed
                         if v not in ACTIVITIES]  # fmt: skip
            cleaned[key] = listed
        else:
            problems.append(f"audience: unknown field {key!r}")
    problems += [f"audience.stage: unknown stage {s!r}" for s in cleaned.get("stage", [])
                 if s not in STAGES]  # fmt: skip
    window = str(data.get("send_window") or DEFAULT_WINDOW)
    try:
        parse_window(window)
    except ValueError as exc:
        problems.append(str(exc))
    rate = data.get("rate_per_second", DEFAULT_RATE)
    if not isinstance(rate, int | float) or isinstance(rate, bool) or not 0 < rate <= MAX_RATE:
        problems.append(f"rate_per_second: a number between 0 and {MAX_RATE}")
        rate = DEFAULT_RATE
    holdout = data.get("holdout", 0.0) or 0.0
    if not isinstance(holdout, int | float) or not 0 <= holdout < 1:
        problems.append("holdout: a share from 0 up to (not including) 1, e.g. 0.1")
        holdout = 0.0
    drip = data.get("drip")
    drip_stage, drip_days = None, None
    if drip is not None:
        if not isinstance(drip, dict) or drip.get("stage") not in STAGES:
            problems.append(f"drip: give a stage ({', '.join(STAGES)}) and days")
        elif not isinstance(drip.get("days"), int) or not 0 <= drip["days"] <= 365:
            problems.append("drip.days: a whole number of days from 0 to 365")
        else:
            drip_stage, drip_days = str(drip["stage"]), int(drip["days"])
    send_at = _datetime(data.get("send_at"), "send_at", problems)
    send_until = _datetime(data.get("send_until"), "send_until", problems)
    if problems:
        raise CampaignDefinitionError(problems)
    return CampaignSpec(
        name=name[:200],
        messages=texts,
        fallback_order=fallback,
        audience=cleaned,
        send_at=send_at,
        send_until=send_until,
        send_window=window,
        rate_per_second=float(rate),
        holdout=float(holdout),
        drip_stage=drip_stage,
        drip_days=drip_days,
    )
