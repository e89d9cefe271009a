"""Logging in and out of the console."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import abort, redirect, render_template, request, session
from flask.typing import ResponseReturnValue
from flask_babel import gettext, refresh

from hotline.db import utcnow
from hotline.models import StaffUser
from hotline.ratelimit import allow
from hotline.runtime import request_session, runtime
from hotline.staff import audit, authenticate
from hotline.web.console import (
    INTERFACE_LANGUAGES,
    LOGIN_LIMIT,
    LOGIN_WINDOW_SECONDS,
    blueprint,
    csrf_token,
    current_user,
    requires,
)


@blueprint.get("/login")
def login_form() -> ResponseReturnValue:
    return render_template("console/login.html", csrf_token=csrf_token(), problem=None)


@blueprint.post("/login")
def login() -> ResponseReturnValue:
    state = runtime()
    email = request.form.get("email", "").strip().lower()[:254]
    password = request.form.get("password", "")[:1000]
    client = request.remote_addr or "unknown"
    if not (
        allow(state.redis, f"login:client:{client}", LOGIN_LIMIT, LOGIN_WINDOW_SECONDS)
        and allow(state.redis, f"login:account:{email}", LOGIN_LIMIT, LOGIN_WINDOW_SECONDS)
    ):
        return render_template("console/login.html", csrf_token=csrf_token(),
                               problem="Too many attempts; wait 15 minutes."), 429  # fmt: skip
    db = request_session()
    user = authenticate(db, email, password)
    if user is None:
        audit(db, email or "(blank)", "login_failed", f"from {client}", utcnow())
        db.commit()
        return render_template("console/login.html", csrf_token=csrf_token(),
                               problem="Wrong email or password."), 401  # fmt: skip
    audit(db, user.email, "login", f"from {client}", utcnow())
    db.commit()
    session.clear()  # a new session id and token: nothing from before the login survives
    session["user_id"], session["login_at"] = user.id, time.time()
    csrf_token()
    return redirect("/console/")


@blueprint.post("/logout")
def logout() -> ResponseReturnValue:
    user = current_user()
    if user is not None:
        audit(request_session(), user.email, "logout", "", utcnow())
        request_session().commit()
    session.clear()
    return redirect("/console/login")


@blueprint.get("/")
@requires("dashboard.view")
def home(user: StaffUser) -> ResponseReturnValue:
    return redirect("/console/dashboard")


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
