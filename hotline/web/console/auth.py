"""Logging in and out of the console, and changing one's own password.

Failed logins are counted by Flask-Limiter in Redis, across web nodes, two ways: per (account,
client) and per client. Only failures count (a 401), so nobody locks an owner out from
elsewhere: the owner's own address has no failures, and a correct password from a client that
has not failed through gets in. A client is the address the app sees (``PROXY_COUNT``); an
account is the e-mail as ``login_name`` folds it, so case and space variants share one counter.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, abort, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext, refresh
from flask_limiter.errors import RateLimitExceeded

from hotline.db import utcnow
from hotline.models import StaffUser
from hotline.runtime import request_session, runtime
from hotline.staff import StaffError, audit, authenticate, end_sessions, login_name, set_password
from hotline.web.console import (
    INTERFACE_LANGUAGES,
    blueprint,
    csrf_token,
    current_user,
    render,
    requires,
)
from hotline.web.console.sessions import end_session, start_session
from hotline.web.errors import error_page
from hotline.web.limits import client_address, limiter

ACCOUNT_FAILURES = 10  # wrong passwords for one account from one client, in ...
CLIENT_FAILURES = 30  # ... or for any accounts from one client, in ...
FAILURE_WINDOW = "15 minutes"  # ... a moving window
LOGIN_PAGES_PER_MINUTE = 120  # per client: each login page starts a session record in Redis
TOO_MANY = "Too many attempts; wait 15 minutes."


def account_at_client() -> str:
    """The key failures of one account from one client are counted under."""
    return f"{client_address()}|{login_name(request.form.get('email', ''))}"


def own_account_at_client() -> str:
    """The key wrong current passwords are counted under, when changing one's password."""
    user = current_user()
    return f"{client_address()}|{login_name(user.email) if user else '(nobody)'}"


def refused(response: Response) -> bool:
    """Only a wrong password counts: not a success, a refused form, or a limit answered."""
    return response.status_code == 401


def limits_off() -> bool:
    """``RATELIMIT_ENABLED=false`` (load tests) lifts the page limit; never the password ones."""
    return not runtime().settings.ratelimit_enabled


@blueprint.get("/login")
@limiter.limit(f"{LOGIN_PAGES_PER_MINUTE} per minute", exempt_when=limits_off)
def login_form() -> ResponseReturnValue:
    return render_template("console/login.html", csrf_token=csrf_token(), problem=None)


@blueprint.post("/login")
@limiter.limit(f"{CLIENT_FAILURES} per {FAILURE_WINDOW}", deduct_when=refused)
@limiter.limit(
    f"{ACCOUNT_FAILURES} per {FAILURE_WINDOW}", key_func=account_at_client, deduct_when=refused
)
def login() -> ResponseReturnValue:
    email = request.form.get("email", "").strip().lower()[:254]
    password = request.form.get("password", "")[:1000]
    client = client_address()
    db = request_session()
    user = authenticate(db, email, password)
    if user is None:
        audit(db, email or "(blank)", "login_failed", f"from {client}", utcnow())
        db.commit()
        return render_template("console/login.html", csrf_token=csrf_token(),
                               problem="Wrong email or password."), 401  # fmt: skip
    audit(db, user.email, "login", f"from {client}", utcnow())
    db.commit()
    start_session(user)
    return redirect("/console/")


@blueprint.errorhandler(RateLimitExceeded)
def too_many(error: RateLimitExceeded) -> ResponseReturnValue:
    """The form again, saying to wait; Flask-Limiter adds ``Retry-After`` and the rest."""
    user = current_user()
    if request.endpoint == "console.login":
        return render_template("console/login.html", csrf_token=csrf_token(),
                               problem=TOO_MANY), 429  # fmt: skip
    if request.endpoint == "console.change_password" and user is not None:
        return render("console/account.html", user, problem=gettext(TOO_MANY)), 429
    return error_page(error)


@blueprint.post("/logout")
def logout() -> ResponseReturnValue:
    """Log out everywhere: this browser's record is deleted and every other session ends."""
    user = current_user()
    if user is not None:
        end_sessions(user)
        audit(request_session(), user.email, "logout", "", utcnow())
        request_session().commit()
    end_session()
    return redirect("/console/login")


@blueprint.get("/")
@requires("dashboard.view")
def home(user: StaffUser) -> ResponseReturnValue:
    return redirect("/console/dashboard")


@blueprint.get("/account")
@requires("dashboard.view")
def account(user: StaffUser) -> ResponseReturnValue:
    return render("console/account.html", user, problem=None)


@blueprint.post("/account/password")
@limiter.limit(
    f"{ACCOUNT_FAILURES} per {FAILURE_WINDOW}", key_func=own_account_at_client, deduct_when=refused
)
@requires("dashboard.view")
def change_password(user: StaffUser) -> ResponseReturnValue:
    """A new password, given the current one; every session ends, this one too: log in again.

    A wrong current password counts like a failed login, so a borrowed session cannot guess it.
    """
    db = request_session()
    current = request.form.get("current_password", "")[:1000]
    if authenticate(db, user.email, current) is None:
        return render("console/account.html", user,
                      problem=gettext("The current password is not right.")), 401  # fmt: skip
    try:
        set_password(user, request.form.get("password", "")[:1000])
    except StaffError as exc:
        db.rollback()
        return render("console/account.html", user, problem=str(exc)), 400
    audit(db, user.email, "password_changed", "", utcnow())
    db.commit()
    end_session()
    return redirect("/console/login")


@blueprint.post("/language")
@requires("dashboard.view")
def choose_language(user: StaffUser) -> ResponseReturnValue:
    """English or Russian for this user, kept with the account."""
    choice = request.form.get("language", "")
    if choice not in {code for code, _ in INTERFACE_LANGUAGES}:
        abort(400, description=gettext("Choose English or Russian."))
    user.interface_language = choice
    audit(request_session(), user.email, "interface_language", choice, utcnow())
    request_session().commit()
    refresh()
    return redirect(request.referrer if _same_site(request.referrer) else "/console/")


def _same_site(address: str | None) -> bool:
    return bool(address) and urlsplit(address or "").netloc == request.host
