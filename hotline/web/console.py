"""The staff console: login, and the agents' callback queue (more pages build on this).

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
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, session
from flask.typing import ResponseReturnValue

from hotline.callbacks.outcomes import RESULTS, TOPICS, OutcomeError, open_requests, record_outcome
from hotline.db import utcnow
from hotline.models import Agent, StaffUser
from hotline.phones import mask
from hotline.ratelimit import allow
from hotline.runtime import request_session, runtime
from hotline.staff import audit, authenticate, may

blueprint = Blueprint("console", __name__, url_prefix="/console")
SESSION_HOURS = 8
LOGIN_LIMIT = 10  # attempts per client, and per account, in ...
LOGIN_WINDOW_SECONDS = 900  # ... fifteen minutes


@blueprint.after_request
def security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; style-src 'self' 'unsafe-inline'"
    )
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.before_request
def check_csrf() -> ResponseReturnValue | None:
    if request.method == "POST":
        sent = request.form.get("csrf_token", "")
        expected = session.get("csrf_token", "")
        if not expected or not hmac.compare_digest(sent.encode(), str(expected).encode()):
            return Response("the form expired or came from elsewhere; reload the page\n",
                            status=400, mimetype="text/plain")  # fmt: skip
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

        return guarded

    return decorate


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
    return redirect("/console/callbacks")


@blueprint.post("/logout")
def logout() -> ResponseReturnValue:
    user = current_user()
    if user is not None:
        audit(request_session(), user.email, "logout", "", utcnow())
        request_session().commit()
    session.clear()
    return redirect("/console/login")


@blueprint.get("/")
@requires("callbacks.view")
def home(user: StaffUser) -> ResponseReturnValue:
    return redirect("/console/callbacks")


@blueprint.get("/callbacks")
@requires("callbacks.view")
def callbacks(user: StaffUser) -> ResponseReturnValue:
    """The queue, urgent first; an agent sees the requests in their languages first."""
    db = request_session()
    languages: list[str] = []
    if user.agent_id is not None:
        agent = db.get(Agent, user.agent_id)
        languages = list(agent.languages or []) if agent else []
    queue = open_requests(db)
    if languages:
        queue.sort(key=lambda r: r.language not in languages)  # stable: urgency and age kept
    rows = [
        {
            "id": r.id,
            "phone": mask(r.phone),
            "language": r.language or "-",
            "reason": r.reason,
            "status": str(r.status),
            "source": str(r.source),
            "attempts": r.attempts,
            "waiting_minutes": int((utcnow() - r.created_at).total_seconds() // 60),
        }
        for r in queue
    ]
    return render_template(
        "console/callbacks.html",
        user=user,
        rows=rows,
        results=RESULTS,
        topics=TOPICS,
        may_work=may(user.role, "callbacks.work"),
        csrf_token=csrf_token(),
    )


@blueprint.post("/callbacks/<int:request_id>/outcome")
@requires("callbacks.work")
def callback_outcome(user: StaffUser, request_id: int) -> ResponseReturnValue:
    db = request_session()
    topic = request.form.get("topic") or None
    try:
        record_outcome(db, request_id, request.form.get("result", ""), topic,
                       request.form.get("notes"), utcnow(), by=user.email)  # fmt: skip
    except OutcomeError as exc:
        db.rollback()
        return Response(f"{exc}\n", status=400, mimetype="text/plain")
    audit(db, user.email, "callback_outcome", f"request {request_id}: {request.form.get('result')}",
          utcnow())  # fmt: skip
    db.commit()
    return redirect("/console/callbacks")
