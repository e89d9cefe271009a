"""The staff console: one blueprint; each page lives in its own module of this package.

Sessions are Flask's signed cookies (the key is shared by every web process), expire after
``SESSION_HOURS`` and carry a CSRF token that every POST must echo. Login attempts are counted
in Redis per client and per account, so a password cannot be guessed across web nodes.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
)
from flask.typing import ResponseReturnValue
from flask_babel import Babel, get_locale, gettext, refresh

from hotline.models import StaffUser
from hotline.runtime import request_session
from hotline.staff import may

blueprint = Blueprint("console", __name__, url_prefix="/console")
SESSION_HOURS = 8
LOGIN_LIMIT = 10  # attempts per client, and per account, in ...
LOGIN_WINDOW_SECONDS = 900  # ... fifteen minutes


@blueprint.before_request
def check_csrf() -> ResponseReturnValue | None:
    refresh()  # choose the language for this request, never one remembered from another
    if request.method == "POST":
        sent = request.form.get("csrf_token", "")
        expected = session.get("csrf_token", "")
        if not expected or not hmac.compare_digest(sent.encode(), str(expected).encode()):
            abort(400, description=gettext("The form expired or came from elsewhere: reload the "
                                           "page and send it again."))  # fmt: skip
    return None


def csrf_token() -> str:
    if "csrf_token" not in session:
        session["csrf_token"] = secrets.token_urlsafe(32)
    return str(session["csrf_token"])


def current_user() -> StaffUser | None:
    """The logged-in account, while its session is young and the account active."""
    user_id, since = session.get("user_id"), session.get("login_at", 0)
    if not user_id or time.time() - float(since) >= SESSION_HOURS * 3600:
        return None
    user = request_session().get(StaffUser, int(user_id))
    return user if user is not None and user.active else None


def requires(permission: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Log in first (a redirect), and have a role that may do this (else 403)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect("/console/login")
            if not may(user.role, permission):
                abort(403)
            return view(user, *args, **kwargs)

        guarded.permission = permission  # type: ignore[attr-defined]  # read by the route audit
        return guarded

    return decorate


# The console's pages, in menu order: shown to the roles that may open them.
NAV = (
    ("dashboard.view", "Dashboard", "/console/dashboard"),
    ("campaigns.view", "Campaigns", "/console/campaigns"),
    ("contacts.view", "Contacts", "/console/contacts"),
    ("registry.view", "Agency registry", "/console/registry"),
    ("registry.view", "Rules", "/console/rules"),
    ("prompts.view", "IVR prompts", "/console/prompts"),
    ("callbacks.view", "Callbacks", "/console/callbacks"),
    ("users.manage", "Users", "/console/users"),
)


INTERFACE_LANGUAGES = (("en", "English"), ("ru", "Русский"))
TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


def interface_language() -> str:
    """The logged-in user's choice; before login, the browser's preference."""
    user = current_user() if has_request_context() and request.blueprint == "console" else None
    if user is not None:
        return user.interface_language
    codes = [code for code, _ in INTERFACE_LANGUAGES]
    return (request.accept_languages.best_match(codes) if has_request_context() else None) or "en"


def init_translations(app: Flask) -> None:
    """English and Russian for the console (Flask-Babel), chosen per user."""
    Babel(
        app, locale_selector=interface_language, default_translation_directories=str(TRANSLATIONS)
    )


@blueprint.context_processor
def language_choices() -> dict[str, Any]:
    return {"locale": str(get_locale() or "en"), "interface_languages": INTERFACE_LANGUAGES}


def render(template: str, user: StaffUser, **context: Any) -> str:
    """A console page: the menu for the user's role and the form token come with it."""
    menu = [(label, path) for permission, label, path in NAV if may(user.role, permission)]
    return render_template(
        template, user=user, nav=menu, csrf_token=csrf_token(), active=request.path, **context
    )


MAX_PAGE = 100_000


def page_number(raw: str | None) -> int:
    """The page a list was asked for: 1 unless ``raw`` is a plain number, at most ``MAX_PAGE``.

    ``"²".isdigit()`` is true yet ``int`` refuses it, and a page past a few billion rows
    overflows the database's OFFSET: both answered 500 before the console was fuzzed.
    """
    if raw and len(raw) <= 6 and raw.isascii() and raw.isdigit():
        return min(max(int(raw), 1), MAX_PAGE)
    return 1


# Pages register their routes on ``blueprint`` when imported.
from hotline.web.console import (  # noqa: E402, F401
    auth,
    callbacks,
    campaigns,
    contacts,
    dashboard,
    labels,
    prompts,
    registry,
    rules,
    users,
)
