"""Callbacks for agents: the queue in their languages first, and recording how a call went."""

from __future__ import annotations

from flask import Response, redirect, request
from flask.typing import ResponseReturnValue

from hotline.callbacks.outcomes import RESULTS, TOPICS, OutcomeError, open_requests, record_outcome
from hotline.db import utcnow
from hotline.models import Agent, StaffUser
from hotline.phones import mask
from hotline.runtime import request_session
from hotline.staff import audit, may
from hotline.web.console import blueprint, render, requires


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
    return render(
        "console/callbacks.html",
        user,
        rows=rows,
        results=RESULTS,
        topics=TOPICS,
        may_work=may(user.role, "callbacks.work"),
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
