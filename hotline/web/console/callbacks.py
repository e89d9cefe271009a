"""Callbacks for agents: the queue in their languages first, and recording how a call went."""

from __future__ import annotations

from flask import abort, redirect, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy import select

from hotline.callbacks.outcomes import RESULTS, TOPICS, OutcomeError, open_requests, record_outcome
from hotline.db import utcnow
from hotline.models import Agent, AgentStatus, Case, CaseStatus, StaffUser
from hotline.phones import mask
from hotline.privacy.disclosure import shown_text
from hotline.runtime import request_session, runtime
from hotline.staff import audit, may
from hotline.web.console import blueprint, render, requires
from workers.callbacks import enqueue_placing

OPEN_CASES_SHOWN = 50


@blueprint.get("/callbacks")
@requires("callbacks.view")
def callbacks(user: StaffUser) -> ResponseReturnValue:
    """The queue, urgent first; an agent sees the requests in their languages first.

    Open cases are listed for everyone who may see the queue; only case roles read the reports
    (``hotline.privacy.disclosure``): a viewer sees a case's kind and age, not its words.
    """
    db = request_session()
    agent = db.get(Agent, user.agent_id) if user.agent_id is not None else None
    queue = open_requests(db)
    languages = list(agent.languages or []) if agent else []
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
        agent=agent,
        cases=[
            {
                "case_no": case.case_no,
                "kind": case.kind,
                "source": case.source,
                "created_at": case.created_at,
                "report": shown_text(user.role, case.text),  # None: not for this role
            }
            for case in db.scalars(
                select(Case)
                .where(Case.status == CaseStatus.OPEN)
                .order_by(Case.kind != "trafficking", Case.created_at.desc())
                .limit(OPEN_CASES_SHOWN)
            )
        ],
    )


@blueprint.post("/callbacks/availability")
@requires("callbacks.work")
def availability(user: StaffUser) -> ResponseReturnValue:
    """An agent is ready for the next call (placed at once if someone waits), or away."""
    db = request_session()
    agent = db.get(Agent, user.agent_id) if user.agent_id is not None else None
    wanted = request.form.get("status", "")
    if agent is None or wanted not in (AgentStatus.AVAILABLE, AgentStatus.AWAY):
        abort(400, description=gettext("This account is not an agent's, or the status is unknown."))
    if agent.status == AgentStatus.ON_CALL:
        abort(409, description=gettext("You are on a call; try again when it ends."))
    agent.status = AgentStatus(wanted)
    audit(db, user.email, "agent_status", wanted, utcnow())
    db.commit()
    if agent.status == AgentStatus.AVAILABLE:
        enqueue_placing(runtime())
    return redirect("/console/callbacks")


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
        abort(400, description=gettext("Not recorded: %(reason)s", reason=str(exc)))
    audit(db, user.email, "callback_outcome", f"request {request_id}: {request.form.get('result')}",
          utcnow())  # fmt: skip
    db.commit()
    return redirect("/console/callbacks")
