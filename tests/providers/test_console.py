"""The console provider: what it would send, written where a newcomer can read it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from hotline.config import Settings
from hotline.providers.base import OutboundSms
from hotline.providers.console import ConsoleProvider


def test_the_outbox_holds_readable_utf8_not_unicode_escapes(tmp_path: Path) -> None:
    provider = ConsoleProvider(Settings(instance_path=tmp_path))
    body = "Ак-Жол Тревел: лицензия действует. Ишенимдүү агенттик ✓"

    provider.send_sms(OutboundSms(to="+996555123456", body=body))

    raw = (tmp_path / "console_outbox.jsonl").read_text(encoding="utf-8")
    assert body in raw
    assert "\\u" not in raw
    assert json.loads(raw)["body"] == body


def test_what_was_written_is_found_again_as_sent(tmp_path: Path) -> None:
    provider = ConsoleProvider(Settings(instance_path=tmp_path))
    sent = provider.send_sms(OutboundSms(to="+996555123456", body="Салам"))

    found = provider.find_sent("+996555123456", since=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))

    assert [(record.provider_id, record.body) for record in found or []] == [
        (sent.provider_id, "Салам")
    ]


def test_a_body_that_is_not_unicode_text_still_leaves_one_json_line(tmp_path: Path) -> None:
    provider = ConsoleProvider(Settings(instance_path=tmp_path))

    provider.send_sms(OutboundSms(to="+996555123456", body="bad \udcff byte"))

    lines = (tmp_path / "console_outbox.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["body"] for line in lines] == ["bad \udcff byte"]
