"""Whether a provider can send at all, and which provider a reply to a text goes out through.

A webhook only needs what verifies it (Twilio's auth token, Africa's Talking's callback token),
so texts can arrive through a provider that could never send the answer: a newcomer signing
test webhooks with a token and no account, or an account whose SID was removed. Such a reply
used to end ``failed`` with no reason; now the gap is named, and the reply is routed around it.
"""

from __future__ import annotations

import logging

from hotline.config import Settings
from hotline.phones import mask

log = logging.getLogger(__name__)

NOT_CONFIGURED = "not_configured"  # our error code for a provider that lacks its settings


def _twilio_gap(settings: Settings) -> str | None:
    if not settings.twilio_account_sid:
        return "TWILIO_ACCOUNT_SID is empty"
    if not settings.twilio_auth_token:
        return "TWILIO_AUTH_TOKEN is empty"
    if not (settings.twilio_from or settings.twilio_messaging_service_sid):
        return "TWILIO_FROM and TWILIO_MESSAGING_SERVICE_SID are both empty"
    return None


def _africastalking_gap(settings: Settings) -> str | None:
    if not settings.at_username:
        return "AT_USERNAME is empty"
    if not settings.at_api_key:
        return "AT_API_KEY is empty"
    return None


_GAPS = {"twilio": _twilio_gap, "africastalking": _africastalking_gap}


def unready(provider: str, settings: Settings) -> str | None:
    """Why ``provider`` cannot send an SMS with these settings, or None when it can.

    The reason names the provider and the empty variable ("twilio is not configured:
    TWILIO_ACCOUNT_SID is empty"), so a failed message and its log line say what to fix.
    """
    gap = _GAPS.get(provider)
    problem = gap(settings) if gap is not None else None
    return f"{provider} is not configured: {problem}" if problem else None


def reply_provider(inbound_provider: str, settings: Settings, phone: str) -> str:
    """The provider a reply to a text that came in through ``inbound_provider`` goes out through.

    The provider the text came through, when it can send: the answer then comes from the
    number the person wrote to. When it cannot (its credentials are not set), the deployment's
    own outbound provider (``HOTLINE_PROVIDER``, validated at start) answers instead: for
    someone asking whether a recruiter is licensed, an answer from another sender id is far
    better than none, and with the console provider (the embedded default) the answer lands in
    the console outbox where a newcomer looks for it. Only when neither can send does the reply
    stay on the inbound provider, to fail with the reason recorded.
    """
    problem = unready(inbound_provider, settings)
    if problem is None or inbound_provider == settings.provider:
        return inbound_provider
    if unready(settings.provider, settings) is not None:
        return inbound_provider
    log.warning("reply to %s goes out through %s: %s", mask(phone), settings.provider, problem)
    return settings.provider
