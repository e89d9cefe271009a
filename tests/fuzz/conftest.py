"""Fuzz fixtures: how many cases, which databases, and data for the fuzz to reach.

``FUZZ_CASES`` (default 100) is the number of hypothesis examples per route and test; the
benchmark runs 10,000. Routes whose answers do not depend on the database run on SQLite only
(``FUZZ_DATABASES=sqlite,postgresql`` runs them on both); searches always run on both.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from hotline.config import Settings
from hotline.db import utcnow
from hotline.models import (
    Agent,
    AgentStatus,
    AttemptStatus,
    CallbackAttempt,
    CallbackRequest,
    CallbackSource,
    CallbackStatus,
)
from hotline.models.contacts import contact_for
from hotline.runtime import Runtime
from tests.factories import make_agency
from tests.fuzz.webhooks import SEEDED_ATTEMPT_CALL
from tests.web.console.conftest import login_as  # noqa: F401 - the console searches log in

CASES = int(os.environ.get("FUZZ_CASES", "100"))
DATABASES = os.environ.get("FUZZ_DATABASES", "sqlite").split(",")
# An agency whose name would break any page, XML or SQL that forgot to escape it.
HOSTILE_AGENCY = "Ак-Жол <Say>&amp;\"' ]]> %_\\ ' OR 1=1 --"


def fuzz_settings(cases: int = CASES) -> hypothesis_settings:
    """Hypothesis settings for the fuzz: no deadline, no example database, many cases."""
    return hypothesis_settings(
        max_examples=cases,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.large_base_example,
        ],
    )


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Thousands of requests from one address: the rate limit would answer all but the first.
    return settings.replace(ratelimit_enabled=False)


class Seeded:
    """The runtime after seeding; its repr is short because hypothesis prints test arguments."""

    def __init__(self, state: Runtime) -> None:
        self.state = state

    def __repr__(self) -> str:
        return "Seeded()"


@pytest.fixture
def seeded(state: Runtime) -> Seeded:
    """Agencies with ordinary and hostile names, and a live callback attempt to report on."""
    with state.sessions() as session:
        make_agency(session)
        make_agency(session, licence_no="KG-0666-24", name=HOSTILE_AGENCY, aliases=["<x/>"])
        contact = contact_for(session, "+996555123456")
        request = CallbackRequest(
            contact_id=contact.id,
            phone=contact.phone,
            source=CallbackSource.IVR,
            language="ky",
            status=CallbackStatus.CALLING,
        )
        agent = Agent(name="Agent", phone="+996700000001", languages=["ky", "ru"])
        agent.status = AgentStatus.ON_CALL
        session.add_all([request, agent])
        session.flush()
        now = utcnow() - dt.timedelta(minutes=1)
        for call_id in (SEEDED_ATTEMPT_CALL, None):
            attempt = CallbackAttempt(
                request_id=request.id,
                agent_id=agent.id,
                provider="twilio",
                provider_call_id=call_id,
                status=AttemptStatus.RINGING,
                started_at=now,
            )
            session.add(attempt)
        session.commit()
    return Seeded(state)
