"""Campaign fixtures: a clock stopped at midday in Central Asia, inside every send window."""

from __future__ import annotations

import pytest

from tests.sms_campaigns.builders import NOON


@pytest.fixture
def daytime(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("workers.campaigns.utcnow", lambda: NOON)
    monkeypatch.setattr("tests.sms_campaigns.builders.utcnow", lambda: NOON)
