"""Campaigns in the console: the list, a form for drafts, and each campaign's life and results.

The views are thin: the form becomes the same YAML document ``hotline campaigns create``
reads, so the console and the CLI accept and refuse exactly the same campaigns, and every
transition goes through ``sms_campaigns.lifecycle`` (which refuses self-approval and double
launches). Counts come from grouped queries over the recipients' (campaign, status) index,
never from loading rows, so a page stays fast with 100,000 recipients.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from flask import Response, abort, jsonify, redirect, request, stream_with_context
from flask.typing import ResponseReturnValue
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from hotline.config import LANGUAGES
from hotline.db import utcnow
from hotline.models import Campaign, CampaignState, Contact, Recipient, RecipientStatus, StaffUser
from hotline.models.contacts import STAGES
from hotline.phones import mask
from hotline.privacy.disclosure import mask_numbers
from hotline.runtime import request_session, runtime
from hotline.sms.segments import count_segments
from hotline.spreadsheet import csv_lines
from hotline.staff import audit, may
from hotline.web.console import blueprint, page_number, render, requires
from sms_campaigns import lifecycle
from sms_campaigns.audience import audience_filter
from sms_campaigns.definition import (
    ACTIVITIES,
    DEFAULT_RATE,
    DEFAULT_WINDOW,
    CampaignDefinitionError,
    parse_campaign,
)
from sms_campaigns.results import campaign_results
from workers.campaigns import schedule_dispatch

PER_PAGE = 50
BREAKDOWN_ROWS = 50  # language/region pairs shown on a campaign's page, largest first
LAUNCHED = (CampaignState.SCHEDULED, CampaignState.SENDING, CampaignState.PAUSED,
            CampaignState.DONE, CampaignState.CANCELLED)  # fmt: skip
FINISHED = (CampaignState.DONE, CampaignState.CANCELLED)
LIST_FIELDS = ("region", "destination", "gender")  # typed as comma-separated values


@dataclass(frozen=True)
class Progress:
    """Recipients who reached a final status, of those meant to be texted (hold-out excluded).

    The hold-out group is final from the moment of launch; counting it would start the bar
    part-way full and say nothing about sending.
    """

    final: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        return math.floor(100 * self.final / self.total) if self.total else 0


def progress_of(session: Session, campaign_ids: list[int]) -> dict[int, Progress]:
    """Progress of many campaigns in one grouped query."""
    if not campaign_ids:
        return {}
    texted = Recipient.status != RecipientStatus.HOLDOUT
    open_statuses = [RecipientStatus.PENDING, RecipientStatus.SENDING]
    final = case((texted & Recipient.status.not_in(open_statuses), 1), else_=0)
    rows = session.execute(
        select(Recipient.campaign_id, func.sum(case((texted, 1), else_=0)), func.sum(final))
        .where(Recipient.campaign_id.in_(campaign_ids))
        .group_by(Recipient.campaign_id)
    )
    return {int(cid): Progress(int(done or 0), int(total or 0)) for cid, total, done in rows}


def price_per_segment() -> float:
    return runtime().settings.sms_price_per_segment


@blueprint.get("/campaigns")
@requires("campaigns.view")
def campaigns(user: StaffUser) -> ResponseReturnValue:
    """Newest first, a page at a time, with each campaign's state and progress."""
    db = request_session()
    page = page_number(request.args.get("page"))
    total = int(db.scalar(select(func.count()).select_from(Campaign)) or 0)
    pages = max(1, math.ceil(total / PER_PAGE))
    shown = list(
        db.scalars(
            select(Campaign).order_by(Campaign.id.desc()).limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    )  # fmt: skip
    progress = progress_of(db, [c.id for c in shown])
    rows = [(c, progress.get(c.id, Progress())) for c in shown]
    return render("console/campaigns.html", user, rows=rows, page=page, pages=pages,
                  total=total, may_edit=may(user.role, "campaigns.edit"))  # fmt: skip


def _numbers(text: str) -> Any:
    """A number as typed, or the text itself so that ``parse_campaign`` names the problem."""
    try:
        return int(text) if text.isdigit() else float(text)
    except ValueError:
        return text


def spec_document(form: MultiDict[str, str]) -> str:
    """The campaign YAML the CLI would read, from the form's fields."""
    audience: dict[str, Any] = {}
    for key in ("language", "stage"):  # none ticked: anyone (also those we know none of)
        picked = form.getlist(key)
        if picked:
            audience[key] = picked
    for key in LIST_FIELDS:
        values = [v.strip() for v in form.get(key, "").split(",") if v.strip()]
        if values:
            audience[key] = [v.upper() for v in values] if key == "destination" else values
    days = form.get("active_within_days", "").strip()
    if days:
        audience["active_within_days"] = _numbers(days)
        audience["activity"] = form.getlist("activity") or list(ACTIVITIES)
    document: dict[str, Any] = {
        "name": form.get("name", "").strip(),
        "messages": {
            lang: form.get(f"message_{lang}", "").strip()
            for lang in LANGUAGES
            if form.get(f"message_{lang}", "").strip()
        },
        "audience": audience,
        "send_window": form.get("send_window", "").strip() or DEFAULT_WINDOW,
        "rate_per_second": _numbers(form.get("rate_per_second", "").strip() or str(DEFAULT_RATE)),
        "holdout": _numbers(form.get("holdout", "").strip() or "0"),
    }
    if form.get("send_at", "").strip():
        document["send_at"] = form["send_at"].strip()
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def estimates(texts: dict[str, str]) -> list[dict[str, Any]]:
    """Per language: encoding, characters, segments and the cost of one message and a thousand."""
    price = price_per_segment()
    result = []
    for language, text in texts.items():
        count = count_segments(text)
        result.append({"language": language, "encoding": count.encoding, "units": count.units,
                       "segments": count.segments if text else 0,
                       "cost_per_thousand": round(1000 * count.segments * price, 2) if text
                       else 0.0})  # fmt: skip
    return result


def _form_page(user: StaffUser, problems: list[str], status: int) -> ResponseReturnValue:
    texts = {lang: request.form.get(f"message_{lang}", "") for lang in LANGUAGES}
    page = render("console/campaigns_new.html", user, form=request.form, problems=problems,
                  languages=LANGUAGES, stages=STAGES, activities=ACTIVITIES,
                  estimates=estimates(texts), default_window=DEFAULT_WINDOW,
                  default_rate=DEFAULT_RATE)  # fmt: skip
    return page, status


@blueprint.get("/campaigns/new")
@requires("campaigns.edit")
def new_campaign(user: StaffUser) -> ResponseReturnValue:
    return _form_page(user, [], 200)


@blueprint.post("/campaigns/new")
@requires("campaigns.edit")
def create_campaign(user: StaffUser) -> ResponseReturnValue:
    """Store a draft, or show every problem at once (or only the segment counts, on request)."""
    if request.form.get("action") == "count":
        return _form_page(user, [], 200)  # the no-JavaScript segment counter
    try:
        spec = parse_campaign(spec_document(request.form))
    except CampaignDefinitionError as exc:
        return _form_page(user, exc.problems, 400)
    db = request_session()
    now = utcnow()
    campaign = lifecycle.create_campaign(db, spec, runtime().settings.provider, now, user.email)
    audit(db, user.email, "campaign_create", f"campaign {campaign.id}: {campaign.name}", now)
    db.commit()
    return redirect(f"/console/campaigns/{campaign.id}", code=303)


@blueprint.post("/campaigns/estimate")
@requires("campaigns.edit")
def estimate(user: StaffUser) -> ResponseReturnValue:
    """Segments and cost per language as the texts are typed (the form's live counter)."""
    texts = {lang: request.form.get(f"message_{lang}", "") for lang in LANGUAGES}
    return jsonify({"price_per_segment": price_per_segment(), "languages": estimates(texts)})


def _campaign(campaign_id: int) -> Campaign:
    campaign = request_session().get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def breakdown(session: Session, campaign: Campaign) -> list[tuple[str, str, int]]:
    """Audience by contact language and region: who matches now, or who was enrolled."""
    region = func.coalesce(Contact.region, "")
    query = select(Contact.language, region, func.count())
    if campaign.state in LAUNCHED:
        query = query.join(Recipient, Recipient.contact_id == Contact.id).where(
            Recipient.campaign_id == campaign.id
        )
    else:
        query = query.where(*audience_filter(campaign.audience, utcnow()))
    rows = session.execute(
        query.group_by(Contact.language, region).order_by(func.count().desc())
        .limit(BREAKDOWN_ROWS)
    )  # fmt: skip
    return [(language or "-", place or "-", int(count)) for language, place, count in rows]


def _detail_page(
    user: StaffUser, campaign: Campaign, error: str | None = None, status: int = 200
) -> ResponseReturnValue:
    db = request_session()
    languages = lifecycle.preview(db, campaign, price_per_segment(), utcnow())
    page = render(
        "console/campaigns_detail.html",
        user,
        campaign=campaign,
        languages=languages,
        counts=lifecycle.counts(db, campaign.id) if campaign.state in LAUNCHED else {},
        audience=sum(row.recipients for row in languages),
        estimated_cost=round(sum(row.cost for row in languages), 2),
        breakdown=breakdown(db, campaign),
        progress=progress_of(db, [campaign.id]).get(campaign.id, Progress()),
        launched=campaign.state in LAUNCHED,
        results=campaign_results(db, campaign) if campaign.state in FINISHED else None,
        may_edit=may(user.role, "campaigns.edit"),
        error=error,
    )
    return page, status


@blueprint.get("/campaigns/<int:campaign_id>")
@requires("campaigns.view")
def campaign_detail(user: StaffUser, campaign_id: int) -> ResponseReturnValue:
    return _detail_page(user, _campaign(campaign_id))


@blueprint.get("/campaigns/<int:campaign_id>/progress.json")
@requires("campaigns.view")
def campaign_progress(user: StaffUser, campaign_id: int) -> ResponseReturnValue:
    """What the detail page's script polls: state, counts per status, and the bar."""
    campaign = _campaign(campaign_id)
    db = request_session()
    progress = progress_of(db, [campaign.id]).get(campaign.id, Progress())
    return jsonify({"id": campaign.id, "state": str(campaign.state),
                    "counts": lifecycle.counts(db, campaign.id), "final": progress.final,
                    "total": progress.total, "percent": progress.percent})  # fmt: skip


RECIPIENT_COLUMNS = ["recipient", "phone", "language", "status", "attempts", "segments", "error",
                     "provider_id", "updated_at"]  # fmt: skip
CSV_BATCH = 5000


@blueprint.get("/campaigns/<int:campaign_id>/recipients.csv")
@requires("campaigns.view")
def campaign_recipients_csv(user: StaffUser, campaign_id: int) -> ResponseReturnValue:
    """Each recipient's delivery result as a spreadsheet, numbers masked, streamed in batches.

    Viewers may open campaigns but not contacts, so a number shows as ``+996***56``, also inside
    a provider's error ("The 'To' number +996... is not valid"); cells are neutralised so
    nothing a provider or a person wrote runs as a formula.
    """
    campaign = _campaign(campaign_id)

    def rows() -> Iterator[list[object]]:
        after = 0
        while True:
            batch = list(
                request_session().scalars(
                    select(Recipient).where(Recipient.campaign_id == campaign.id,
                                            Recipient.id > after)
                    .order_by(Recipient.id).limit(CSV_BATCH)
                )
            )  # fmt: skip
            for r in batch:
                yield [r.id, mask(r.phone), r.language, r.status, r.attempts, r.segments,
                       mask_numbers(r.error or ""), r.provider_id or "",
                       r.updated_at.strftime("%Y-%m-%d %H:%M:%S")]  # fmt: skip
            if len(batch) < CSV_BATCH:
                return
            after = batch[-1].id

    name = f"campaign-{campaign.id}-recipients.csv"
    return Response(
        stream_with_context(csv_lines(RECIPIENT_COLUMNS, rows())),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _launch(session: Session, campaign: Campaign) -> None:
    lifecycle.launch(session, campaign, utcnow())


# Each action: the lifecycle call, and whether sending must be (re)scheduled afterwards.
ACTIONS: dict[str, tuple[Callable[[Session, Campaign, StaffUser], None], bool]] = {
    "approve": (lambda s, c, u: lifecycle.approve(s, c, u.email, utcnow()), False),
    "launch": (lambda s, c, _u: _launch(s, c), True),
    "pause": (lambda _s, c, _u: lifecycle.pause(c), False),
    "resume": (lambda _s, c, _u: lifecycle.resume(c), True),
    "cancel": (lambda s, c, _u: lifecycle.cancel(s, c, utcnow()), False),
}


@blueprint.post("/campaigns/<int:campaign_id>/<action>")
@requires("campaigns.edit")
def campaign_action(user: StaffUser, campaign_id: int, action: str) -> ResponseReturnValue:
    """Approve, launch, pause, resume or cancel; a refused step is shown, never half-done."""
    if action not in ACTIONS:
        abort(404)
    change, dispatch = ACTIONS[action]
    db = request_session()
    campaign = _campaign(campaign_id)
    try:
        change(db, campaign, user)
    except lifecycle.CampaignStateError as exc:
        db.rollback()
        return _detail_page(user, _campaign(campaign_id), error=str(exc), status=409)
    now = utcnow()
    audit(db, user.email, f"campaign_{action}", f"campaign {campaign_id}: {campaign.name}", now)
    send_at = campaign.send_at
    db.commit()
    if dispatch:  # after the commit, so the dispatcher sees the recipients (as the CLI does)
        schedule_dispatch(campaign_id, max(send_at, now), runtime().queues)
    return redirect(f"/console/campaigns/{campaign_id}", code=303)
