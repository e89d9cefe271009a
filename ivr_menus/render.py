"""Turn the engine's neutral actions into a provider's call script with real URLs.

Prompts play from content-hashed URLs; a prompt with no recording in the caller's language is
spoken by the provider's text-to-speech in Russian, so a caller never hears silence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode

from hotline.providers.base import (
    Dial,
    Gather,
    Hangup,
    Play,
    Record,
    Redirect,
    Reject,
    Say,
    VoiceScript,
    VoiceStep,
)
from ivr_menus.engine import (
    Action,
    Ask,
    ConnectAgents,
    End,
    Prompt,
    RecordMessage,
    RejectCall,
    Speak,
    Speech,
)


class PromptSource(Protocol):
    """Where prompts are heard from (the ``audio`` library behind the web layer)."""

    def prompt_url(self, prompt_id: str, language: str) -> str | None: ...

    def digits_url(self, digits: str, language: str) -> str | None: ...

    def fallback_text(self, prompt_id: str) -> str: ...


@dataclass(frozen=True)
class CallUrls:
    """The webhook the provider calls back, with the engine's state in the query string."""

    voice_url: str  # e.g. https://hotline.example.org/twilio/voice
    secret_query: dict[str, str]  # Africa's Talking's ?token=, empty for Twilio

    def at(self, node: str, step: int, **extra: str | int | None) -> str:
        params: dict[str, str] = dict(self.secret_query)
        params.update({"node": node, "step": str(step)})
        params.update({key: str(value) for key, value in extra.items() if value is not None})
        return f"{self.voice_url}?{urlencode(params)}"


def _speech(item: Speech, prompts: PromptSource) -> list[Say | Play]:
    if isinstance(item, Prompt):
        url = prompts.prompt_url(item.id, item.language)
        return [Play(url)] if url else [Say(prompts.fallback_text(item.id), "ru")]
    url = prompts.digits_url(item.digits, item.language)
    return [Play(url)] if url else [Say(" ".join(item.digits), "ru")]


def to_voice_script(
    actions: tuple[Action, ...], urls: CallUrls, prompts: PromptSource, caller_id: str
) -> VoiceScript:
    steps: list[VoiceStep] = []
    for action in actions:
        if isinstance(action, Speak):
            for item in action.speech:
                steps.extend(_speech(item, prompts))
        elif isinstance(action, Ask):
            spoken = tuple(s for item in action.speech for s in _speech(item, prompts))
            then = {"then": action.then} if action.then else {}
            steps.append(
                Gather(
                    action=urls.at(action.node, action.step, **then),
                    prompts=spoken,
                    num_digits=action.num_digits,
                    timeout_seconds=action.timeout_seconds,
                )
            )
            steps.append(
                Redirect(
                    urls.at(action.node, action.step, phase="noinput", tries=action.tries, **then)
                )
            )
        elif isinstance(action, RecordMessage):
            url = urls.at(action.node, action.step, phase="recorded")
            steps.append(Record(action=url, max_seconds=action.max_seconds))
            steps.append(Redirect(url))  # no recording at all: continue, never dead air
        elif isinstance(action, ConnectAgents):
            url = urls.at(action.node, action.step, phase="dialed")
            steps.append(Dial(action.numbers, caller_id=caller_id, action=url))
        elif isinstance(action, End):
            steps.append(Hangup())
        elif isinstance(action, RejectCall):
            steps.append(Reject())
    return VoiceScript(tuple(steps))
