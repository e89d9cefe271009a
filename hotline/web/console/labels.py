"""What staff read for each stored code: ``no_answer`` is "no answer", in English or Russian.

Statuses, sources, topics and roles are stored as short codes and shown through this one table,
so a page never prints a raw code and a new code has one place to get its words. Each label
has a context (the code's kind), because Russian may need two words for one English word: a
*cancelled* campaign is «отменена», a *cancelled* call «отменён».
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import pgettext

from hotline.web.console import blueprint


@dataclass(frozen=True)
class Kind:
    """The codes of one kind and their English words; ``context`` tells translators the kind."""

    context: str
    words: dict[str, str]


LABELS: dict[str, Kind] = {
    "callback_status": Kind(
        "callback status",
        {
            "open": "waiting",
            "calling": "calling",
            "reached": "reached",
            "gave_up": "gave up",
            "closed": "closed",
            "cancelled": "cancelled",
            "refused": "refused",
        },
    ),
    "callback_source": Kind(
        "callback source",
        {"ivr": "voice menu", "missed_call": "missed call", "sms": "SMS"},
    ),
    "callback_reason": Kind(
        "callback reason",
        {"trafficking": "trafficking", "urgent": "urgent", "general": "advice"},
    ),
    "callback_result": Kind(
        "callback result",
        {
            "reached": "reached",
            "no_answer": "no answer",
            "wrong_number": "wrong number",
            "refused": "not called back",
        },
    ),
    "callback_topic": Kind(
        "callback topic",
        {
            "agency": "agency",
            "registration": "registration",
            "wages": "wages",
            "documents": "documents",
            "trafficking": "trafficking",
            "return": "return home",
            "other": "other",
        },
    ),
    "agent_status": Kind(
        "agent status",
        {"available": "available", "on_call": "on a call", "away": "away"},
    ),
    "case_kind": Kind(
        "case kind",
        {"recruiter": "recruiter", "trafficking": "trafficking"},
    ),
    "case_source": Kind(
        "case source",
        {"sms": "SMS", "ivr": "voice menu", "agent": "agent"},
    ),
    "campaign_state": Kind(
        "campaign state",
        {
            "draft": "draft",
            "approved": "approved",
            "scheduled": "scheduled",
            "sending": "sending",
            "paused": "paused",
            "done": "done",
            "cancelled": "cancelled",
        },
    ),
    "recipient_status": Kind(
        "recipient status",
        {
            "pending": "pending",
            "sending": "sending",
            "sent": "sent",
            "delivered": "delivered",
            "undelivered": "undelivered",
            "failed": "failed",
            "skipped": "skipped",
            "holdout": "hold-out",
        },
    ),
    "message_status": Kind(
        "message status",
        {
            "received": "received",
            "processed": "answered",
            "queued": "queued",
            "sending": "sending",
            "sent": "sent",
            "delivered": "delivered",
            "undelivered": "undelivered",
            "failed": "failed",
            "withheld": "not sent",
        },
    ),
    "call_status": Kind(
        "call status",
        {
            "ringing": "ringing",
            "in-progress": "in progress",
            "completed": "completed",
            "busy": "busy",
            "no-answer": "no answer",
            "failed": "failed",
            "canceled": "cancelled",
        },
    ),
    "call_outcome": Kind(
        "call outcome",
        {
            "info": "heard information",
            "report": "left a report",
            "agent": "spoke to an agent",
            "callback": "asked for a callback",
            "licence_check": "checked a licence",
            "no_input": "pressed no key",
        },
    ),
    "history": Kind(
        "history event",
        {"call": "call", "sms": "SMS", "check": "agency check", "callback": "callback"},
    ),
    "stage": Kind(
        "migration stage",
        {
            "intending": "intending",
            "departing": "departing",
            "abroad": "abroad",
            "returned": "returned",
            "family": "family",
        },
    ),
    "audience_key": Kind(
        "audience filter",
        {
            "language": "language",
            "stage": "stage",
            "region": "region",
            "destination": "destination",
            "gender": "gender",
            "active_within_days": "active within days",
            "activity": "activity",
        },
    ),
    "activity": Kind(
        "contact activity",
        {"verified": "checked an agency", "called": "called the hotline"},
    ),
    "verdict": Kind(
        "verdict",
        {
            "licensed": "licensed",
            "suspended": "suspended",
            "revoked": "revoked",
            "expired": "expired",
            "ambiguous": "several match",
            "not_found": "not found",
        },
    ),
    "licence_status": Kind(
        "licence status",
        {
            "active": "active",
            "suspended": "suspended",
            "revoked": "revoked",
            "expired": "expired",
            "removed": "removed from the registry",
        },
    ),
    "registry_change": Kind(
        "registry change",
        {"added": "added", "changed": "changed", "removed": "removed", "relisted": "relisted"},
    ),
    "channel": Kind(
        "check channel",
        {"sms": "SMS", "api": "API", "web": "web page", "ivr": "voice menu"},
    ),
    "prompt_state": Kind(
        "prompt state",
        {"recorded": "recorded", "placeholder": "placeholder", "missing": "missing"},
    ),
    "node_kind": Kind(
        "menu node kind",
        {
            "language": "language choice",
            "menu": "menu",
            "info": "information",
            "licence_lookup": "licence check",
            "record": "recording",
            "callback": "callback",
            "agent": "agent",
            "goodbye": "goodbye",
        },
    ),
    "menu_exit": Kind("menu exit", {"next": "then", "fallback": "otherwise"}),
    "role": Kind(
        "staff role",
        {
            "admin": "administrator",
            "campaign_manager": "campaign manager",
            "agent": "agent",
            "viewer": "viewer",
        },
    ),
    "audit_action": Kind(
        "audit action",
        {
            "login": "logged in",
            "login_failed": "login failed",
            "logout": "logged out",
            "interface_language": "interface language",
            "agent_status": "availability",
            "callback_outcome": "callback outcome",
            "campaign_create": "campaign created",
            "campaign_approve": "campaign approved",
            "campaign_launch": "campaign launched",
            "campaign_pause": "campaign paused",
            "campaign_resume": "campaign resumed",
            "campaign_cancel": "campaign cancelled",
            "contacts_import": "contacts imported",
            "privacy_export": "data exported",
            "privacy_delete": "data deleted",
            "prompt_upload": "recording uploaded",
            "registry_import": "registry imported",
            "rules_edit": "rules edited",
            "user_added": "account added",
            "user_activated": "account activated",
            "user_deactivated": "account deactivated",
            "role_changed": "role changed",
            "password_set": "password set",
            "password_changed": "password changed",
            "sessions_ended": "logged out everywhere",
        },
    ),
}


@blueprint.app_template_filter("label")
def label(code: object, kind: str) -> str:
    """The words for ``code`` of ``kind``; a code nobody gave words yet shows as it is."""
    if code is None or code == "":
        return "-"
    labels = LABELS[kind]
    words = labels.words.get(str(code))
    return pgettext(labels.context, words) if words is not None else str(code)
