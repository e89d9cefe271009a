"""One spooled webhook: what the provider sent, after verification, as a JSON record."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from hotline.providers.base import WebhookRequest


class Intake(StrEnum):
    """What a record is replayed as (see ``hotline.spool.intake``)."""

    INBOUND_SMS = "inbound_sms"
    STATUS = "status"  # a delivery report, or a call's status (Twilio's /twilio/status)
    CALL_ENDED = "call_ended"  # Africa's Talking reports a call's end on its voice URL
    MISSED_CALL = "missed_call"  # a call to MISSED_CALL_NUMBER: a callback request
    CALLBACK_LEG = "callback_leg"  # a callback's leg ended (Twilio's /twilio/callback)


@dataclass(frozen=True)
class SpooledWebhook:
    """A verified webhook kept for later. Headers are dropped: replay never re-verifies."""

    provider: str
    intake: Intake
    path: str  # the route that took it, for logs and ``hotline spool status``
    url: str
    form: dict[str, list[str]]
    query: dict[str, str]
    received_at: dt.datetime
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @classmethod
    def of(
        cls, provider: str, intake: Intake, path: str, webhook: WebhookRequest, now: dt.datetime
    ) -> SpooledWebhook:
        return cls(
            provider=provider,
            intake=intake,
            path=path,
            url=webhook.url,
            form={key: list(values) for key, values in webhook.form.items()},
            query=dict(webhook.query),
            received_at=now,
        )

    def webhook(self) -> WebhookRequest:
        return WebhookRequest(url=self.url, form=self.form, query=self.query)

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "provider": self.provider,
                "intake": str(self.intake),
                "path": self.path,
                "url": self.url,
                "form": self.form,
                "query": self.query,
                "received_at": self.received_at.isoformat(),
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> SpooledWebhook:
        data = json.loads(raw)
        return cls(
            id=str(data["id"]),
            provider=str(data["provider"]),
            intake=Intake(data["intake"]),
            path=str(data["path"]),
            url=str(data["url"]),
            form={str(k): [str(v) for v in values] for k, values in data["form"].items()},
            query={str(k): str(v) for k, v in data["query"].items()},
            received_at=dt.datetime.fromisoformat(data["received_at"]),
        )


def database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` means the database cannot be reached now (not that our SQL is wrong).

    Connection refused or timed out, the server closing the connection (a restart), statement
    and lock timeouts, deadlocks, SQLite's "database is locked", and a pool with no free
    connection. All of them pass: what they interrupted can be spooled and replayed.
    """
    if isinstance(exc, OperationalError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def connection_was_lost(exc: BaseException) -> bool:
    """True when a pooled connection turned out dead: a fresh one may work at once."""
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)
