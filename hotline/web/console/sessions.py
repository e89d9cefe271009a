"""Console sessions: records in Redis (Flask-Session), users loaded by Flask-Login.

The browser holds only a random session id; what the session says lives in Redis under
``hotline:session:<id>``, so logging out deletes it and a cookie kept from before names
nothing. Each session also carries the account's ``session_generation``: raising it (logout,
deactivation, a new role or password, an admin's "log out everywhere") ends every session of the
account at its next request, on every web node, even one whose record a request still in flight
writes back after the revocation. Sessions end after ``SESSION_HOURS`` whatever happens.

Flask-Login has no "remember me" here: nothing outlives the browser session.
"""

from __future__ import annotations

import datetime as dt
import time

from flask import Flask, current_app, g, session
from flask_login import LoginManager, UserMixin, login_user, logout_user
from flask_session.redis import RedisSessionInterface

from hotline.models import StaffUser
from hotline.runtime import request_session, runtime

SESSION_HOURS = 8
SESSION_PREFIX = "hotline:session:"

login_manager = LoginManager()
login_manager.session_protection = "basic"  # see docs/security.md: why not "strong"


class SignedIn(UserMixin):  # type: ignore[misc]  # Flask-Login ships no type hints
    """A logged-in staff account, as Flask-Login sees it."""

    def __init__(self, account: StaffUser) -> None:
        self.account = account

    def get_id(self) -> str:
        """The account and the generation its sessions must carry (Flask-Login's own token)."""
        return f"{self.account.id}.{self.account.session_generation}"


def load_user(token: str) -> SignedIn | None:
    """The account a session names, if it is active and the session young and not ended."""
    account_id, _, generation = str(token).partition(".")
    if not (account_id.isdigit() and generation.isdigit()):
        return None
    started = session.get("login_at")
    if not isinstance(started, int | float) or time.time() - started >= SESSION_HOURS * 3600:
        return None
    account = request_session().get(StaffUser, int(account_id))
    if account is None or not account.active or account.session_generation != int(generation):
        return None
    return SignedIn(account)


# What Flask-Login and Flask-WTF remember in ``g`` about one request's session.
_REQUEST_STATE = ("_login_user", "csrf_token")


def forget_other_requests() -> None:
    """Start each request without a user or form token remembered from another one.

    Flask-Login and Flask-WTF cache both in ``g``, which belongs to the app context: when one
    is already pushed (the tests hold one around many requests, as a CLI may) ``g`` outlives
    the request, and a second browser would be served the first one's user.
    """
    for name in _REQUEST_STATE:
        g.pop(name, None)


def start_session(account: StaffUser) -> None:
    """Log ``account`` in under a new session id: nothing planted before the login survives."""
    interface = current_app.session_interface
    if isinstance(interface, RedisSessionInterface):
        interface.regenerate(session._get_current_object())  # type: ignore[attr-defined]
    session.clear()
    forget_other_requests()  # the form token of before the login is gone with the session
    login_user(SignedIn(account))
    session["login_at"] = time.time()


def end_session() -> None:
    """Log out of this browser; the record in Redis is deleted as the response goes out."""
    logout_user()
    session.clear()
    forget_other_requests()


def init_sessions(app: Flask) -> None:
    """Keep sessions in the app's Redis (the client our connect code built) and load users."""
    app.config.update(PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=SESSION_HOURS))
    app.session_interface = RedisSessionInterface(
        app,
        client=runtime(app).redis,
        key_prefix=SESSION_PREFIX,
        permanent=False,  # the cookie ends with the browser; the record after SESSION_HOURS
    )
    login_manager.user_loader(load_user)
    login_manager.init_app(app)
    app.before_request_funcs.setdefault(None, []).insert(0, forget_other_requests)
