"""The staff console: one blueprint; each page lives in its own module of this package.

Sessions are records in Redis that Flask-Login reads (``sessions.py``): the cookie holds only
their id, they end after ``SESSION_HOURS``, and logout, deactivation, a new role or password end
every session of the account at once. Every POST echoes the session's form token (Flask-WTF's
``CSRFProtect``, checked for the console only: webhooks and the public API have no session).
Failed logins are counted by Flask-Limiter per (account, client) and per client (``auth.py``).
"""

from __future__ import annotations

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
)
from flask.typing import ResponseReturnValue
from flask_babel import Babel, get_locale, gettext, refresh
from flask_login import current_user as signed_in
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

from hotline.models import StaffUser
from hotline.staff import may
from hotline.web.console.sessions import SignedIn, init_sessions

blueprint = Blueprint("console", __name__, url_prefix="/console")
csrf = CSRFProtect()


@blueprint.before_request
def check_csrf() -> ResponseReturnValue | None:
    refresh()  # choose the language for this request, never one remembered from another
    try:
        csrf.protect()  # POSTs only; the token is the session's, signed with SECRET_KEY
    except CSRFError:
        abort(400, description=gettext("The form expired or came from elsewhere: reload the "
                                       "page and send it again."))  # fmt: skip
    return None


def csrf_token() -> str:
    """The form token of this session, for a hidden ``csrf_token`` field."""
    return str(generate_csrf())


def current_user() -> StaffUser | None:
    """The logged-in account, while its session is young, not ended and the account active."""
    user = signed_in._get_current_object()
    return user.account if isinstance(user, SignedIn) else None


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
    ("dashboard.view", "Account", "/console/account"),
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


def init_console(app: Flask) -> None:
    """Sessions and logins, form tokens, and English and Russian (Flask-Babel) chosen per user."""
    init_sessions(app)
    app.config.update(
        WTF_CSRF_CHECK_DEFAULT=False,  # the console checks its own forms (``check_csrf``)
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as its session: agents keep pages open
        # The console sends ``Referrer-Policy: no-referrer``: browsers send no Referer to check.
        WTF_CSRF_SSL_STRICT=False,
    )
    csrf.init_app(app)
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
