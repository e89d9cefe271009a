"""Carriers behind one small interface; only this package imports a provider SDK."""

from __future__ import annotations

from collections.abc import Callable

from hotline.config import Settings
from hotline.providers.africastalking import AfricasTalkingProvider
from hotline.providers.base import Provider, ProviderError, WebhookRejected
from hotline.providers.console import ConsoleProvider
from hotline.providers.twilio import TwilioProvider

PROVIDER_CLASSES: dict[str, Callable[[Settings], Provider]] = {
    "twilio": TwilioProvider,
    "africastalking": AfricasTalkingProvider,
    "console": ConsoleProvider,
}


def build_provider(name: str, settings: Settings) -> Provider:
    """Return the provider called ``name`` (one of ``PROVIDER_CLASSES``)."""
    return PROVIDER_CLASSES[name](settings)


__all__ = ["PROVIDER_CLASSES", "Provider", "ProviderError", "WebhookRejected", "build_provider"]
