"""The runtime objects of one process (engine, sessions, Redis, queues, providers).

Built by ``create_app`` and kept in ``app.extensions["hotline"]``; read through ``runtime()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import redis
from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from audio.library import PromptLibrary
from hotline.agencies.verify import RegistryIndex
from hotline.config import Settings
from hotline.providers import Provider, build_provider
from hotline.queues import Queues
from hotline.sms.conversation import SmsContent
from hotline.staffing import StaffedHours
from ivr_menus.menu import Menu

EXTENSION_KEY = "hotline"


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    redis: redis.Redis
    queues: Queues
    registry: RegistryIndex = field(default_factory=RegistryIndex)
    _providers: dict[str, Provider] = field(default_factory=dict)
    _sms_content: SmsContent | None = None
    _ivr_menu: Menu | None = None
    _prompt_library: PromptLibrary | None = None
    _staffed_hours: StaffedHours | None = None

    @property
    def staffed_hours(self) -> StaffedHours:
        """When agents answer (validated with the settings at start-up), parsed once."""
        if self._staffed_hours is None:
            settings = self.settings
            self._staffed_hours = StaffedHours.parse(
                settings.staffed_hours, settings.staffed_days, settings.hotline_timezone
            )
        return self._staffed_hours

    @property
    def prompt_library(self) -> PromptLibrary:
        """Prompt texts and the placeholder manifest, read on first use."""
        if self._prompt_library is None:
            self._prompt_library = PromptLibrary.load()
        return self._prompt_library

    @property
    def ivr_menu(self) -> Menu:
        """The voice menu, read from its YAML on first use."""
        if self._ivr_menu is None:
            self._ivr_menu = Menu.load()
        return self._ivr_menu

    @property
    def sms_content(self) -> SmsContent:
        """Keywords, replies and rules, read from their data files on first use."""
        if self._sms_content is None:
            self._sms_content = SmsContent()
        return self._sms_content

    @property
    def provider(self) -> Provider:
        """The provider outbound SMS and calls go through (``HOTLINE_PROVIDER``)."""
        return self.provider_named(self.settings.provider)

    def provider_named(self, name: str) -> Provider:
        """A provider by name: webhooks arrive per provider whatever sends outbound."""
        if name not in self._providers:
            self._providers[name] = build_provider(name, self.settings)
        return self._providers[name]

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """A session committed on success and rolled back on error (for jobs and the CLI)."""
        with self.sessions() as session, session.begin():
            yield session


def runtime(app: Flask | None = None) -> Runtime:
    target = app if app is not None else current_app
    found: Runtime = target.extensions[EXTENSION_KEY]
    return found


def request_session() -> Session:
    """The database session of the current web request, closed when the request ends."""
    if "db_session" not in g:
        g.db_session = runtime().sessions()
    session: Session = g.db_session
    return session


def after_commit(action: Callable[[], object]) -> None:
    """Run ``action`` once the current request's transaction has committed (enqueue jobs)."""
    g.setdefault("after_commit", []).append(action)


def run_after_commit() -> None:
    for action in g.pop("after_commit", []):
        action()


def close_request_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
