"""The IVR engine: one webhook in, one document out, as a pure function of the call's state.

``step(call, turn)`` never touches a database or a provider: it returns what to play and ask
(neutral actions) and what should change (``Effects``). The web layer applies the effects
once per step number and renders the actions for Twilio or Africa's Talking, so a retried
webhook gets the same document and repeats no side effect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ivr_menus.menu import LANGUAGE_ORDER, Menu, MenuNode, NodeKind

MAX_NO_INPUT_REPEATS = 2
CITIZENSHIP_NODE = "_citizenship"
CITIZENSHIP_OPTIONS = {"1": "KG", "2": "UZ"}
LICENCE_DIGITS = 20
FALLBACK_LANGUAGE = "ru"

VERDICTS = ("licensed", "suspended", "revoked", "expired", "ambiguous", "not_found")
# Prompts the engine plays on its own, whatever the menu says: each needs every language.
SYSTEM_PROMPTS = (
    "welcome",
    "invalid_key",
    "no_input",
    "no_input_final",
    "choose_citizenship",
    "connecting_agent",
    "agent_unavailable",
    "callback_unavailable",
    "callback_hidden_number",
    "callback_hidden_number_later",
    "no_input_final_hidden",
    "licence_number_is",
    "licence_not_understood",
    *(f"licence_status_{verdict}" for verdict in VERDICTS),
    *(f"digit_{digit}" for digit in range(10)),
)

# What the engine knows about the registry: licence digits -> verdict
# (licensed, suspended, revoked, expired, ambiguous, not_found).
LicenceLookup = Callable[[str], str]


@dataclass(frozen=True)
class Prompt:
    id: str
    language: str


@dataclass(frozen=True)
class Digits:
    digits: str
    language: str


Speech = Prompt | Digits


@dataclass(frozen=True)
class Speak:
    speech: tuple[Speech, ...]


@dataclass(frozen=True)
class Ask:
    """Play ``speech`` while collecting keys; no key at all comes back as phase ``noinput``."""

    node: str
    speech: tuple[Speech, ...]
    step: int
    tries: int = 0
    num_digits: int = 1
    timeout_seconds: int = 6
    then: str | None = None


@dataclass(frozen=True)
class RecordMessage:
    node: str
    step: int
    max_seconds: int


@dataclass(frozen=True)
class ConnectAgents:
    node: str
    step: int
    numbers: tuple[str, ...]


@dataclass(frozen=True)
class End:
    pass


@dataclass(frozen=True)
class RejectCall:
    pass


Action = Speak | Ask | RecordMessage | ConnectAgents | End | RejectCall


@dataclass(frozen=True)
class Effects:
    language: str | None = None
    citizenship: str | None = None
    callback_reason: str | None = None
    licence_check: tuple[str, str] | None = None  # (digits, verdict)
    recording_url: str | None = None
    send_info_sms: bool = False
    outcome: str | None = None
    visited: tuple[str, ...] = ()


@dataclass(frozen=True)
class CallContext:
    language: str | None
    citizenship: str | None
    agents: tuple[str, ...] = ()  # numbers to dial now; empty outside staffed hours
    may_call_back: bool = True  # False for a number in a country we do not call (toll fraud)
    number_hidden: bool = False  # no number to call back, text or remember the language by


@dataclass(frozen=True)
class Turn:
    node: str | None = None
    digits: str | None = None
    step: int = 0
    tries: int = 0
    phase: str | None = None  # noinput, recorded, dialed
    then: str | None = None  # where the citizenship question returns to
    recording_url: str | None = None
    dial_status: str | None = None


@dataclass(frozen=True)
class Outcome:
    actions: tuple[Action, ...]
    effects: Effects
    language: str


@dataclass
class _Render:
    """The document being built for one turn."""

    call: CallContext
    language: str
    step: int
    actions: list[Action] = field(default_factory=list)
    effects: Effects = field(default_factory=Effects)

    def say(self, *prompt_ids: str) -> None:
        self.actions.append(Speak(tuple(Prompt(p, self.language) for p in prompt_ids)))

    def effect(self, **changes: object) -> None:
        self.effects = replace(self.effects, **changes)  # type: ignore[arg-type]

    def visit(self, node_id: str) -> None:
        self.effects = replace(self.effects, visited=(*self.effects.visited, node_id))


class Engine:
    def __init__(self, menu: Menu, lookup: LicenceLookup) -> None:
        self.menu = menu
        self.lookup = lookup  # reads the registry; must not write (the step may be a retry)

    def step(self, call: CallContext, turn: Turn) -> Outcome:
        language = call.language if call.language in LANGUAGE_ORDER else None
        render = _Render(call, language or FALLBACK_LANGUAGE, turn.step + 1)
        if turn.node is None:
            if language is None:
                self._present(render, self.menu.language_menu)
            else:
                render.say("welcome")
                self._present(render, self.menu.main_menu)
        elif turn.node == CITIZENSHIP_NODE:
            self._citizenship_answer(render, turn)
        elif turn.node not in self.menu.nodes:
            self._present(render, self.menu.main_menu)  # a stale or forged node id
        else:
            self._answer(render, self.menu.node(turn.node), turn)
        return Outcome(tuple(render.actions), render.effects, render.language)

    # -- presenting a node ---------------------------------------------------------------

    def _present(self, render: _Render, node_id: str, tries: int = 0) -> None:
        node = self.menu.node(node_id)
        render.visit(node_id)
        kind = node.kind
        if kind is NodeKind.LANGUAGE:
            speech = tuple(Prompt(node.prompt or "", code) for code in LANGUAGE_ORDER)
            render.actions.append(Ask(node.id, speech, render.step, tries))
        elif kind is NodeKind.MENU:
            render.actions.append(Ask(node.id, self._speech(render, node), render.step, tries))
        elif kind is NodeKind.LICENCE_LOOKUP:
            render.actions.append(
                Ask(node.id, self._speech(render, node), render.step, tries, LICENCE_DIGITS, 10)
            )
        elif kind is NodeKind.INFO:
            self._present_info(render, node)
        elif kind is NodeKind.RECORD:
            render.say(node.prompt or "")
            render.actions.append(RecordMessage(node.id, render.step, node.max_seconds))
        elif kind is NodeKind.CALLBACK and render.call.number_hidden:
            self._no_number_to_call(render, node.id)
        elif kind is NodeKind.CALLBACK:
            # Asked for even where we may not call: the refused request is what staff see.
            render.effect(callback_reason=node.reason, outcome="callback")
            if render.call.may_call_back:
                render.say(node.prompt or "")
                self._present(render, node.next or self.menu.main_menu)
            else:  # never promise a call we will not make; the menu may still help them
                render.say("callback_unavailable")
                self._present(render, self.menu.main_menu)
        elif kind is NodeKind.AGENT:
            if render.call.agents:
                render.say(node.prompt or "")
                render.actions.append(ConnectAgents(node.id, render.step, render.call.agents))
            else:
                render.say(node.closed_prompt or "")
                self._present(render, node.fallback or self.menu.main_menu)
        else:
            render.say(node.prompt or "")
            render.actions.append(End())

    def _no_number_to_call(self, render: _Render, node_id: str, dial: bool = True) -> None:
        """A callback for a hidden number: an agent now if one is free, else "call again".

        No request is opened (there is no number to ring); the caller stays in the menu, even
        after an urgent ask, whose usual hang-up only frees the line for our call.
        """
        render.effect(outcome="hidden_number")
        if dial and render.call.agents:
            render.say("callback_hidden_number")
            render.actions.append(ConnectAgents(node_id, render.step, render.call.agents))
        else:
            render.say("callback_hidden_number_later")
            self._present(render, self.menu.main_menu)

    def _speech(self, render: _Render, node: MenuNode) -> tuple[Speech, ...]:
        return (Prompt(node.prompt or "", render.language),)

    def _present_info(self, render: _Render, node: MenuNode) -> None:
        prompt = node.prompt
        if node.prompt_by_citizenship:
            citizenship = render.effects.citizenship or render.call.citizenship
            prompt = node.prompt_by_citizenship.get(citizenship or "")
            if prompt is None:
                speech = (Prompt("choose_citizenship", render.language),)
                render.actions.append(Ask(CITIZENSHIP_NODE, speech, render.step, then=node.id))
                return
        render.effect(outcome=render.effects.outcome or "info")
        render.say(prompt or "")
        self._present(render, node.next or self.menu.main_menu)

    # -- answering keys --------------------------------------------------------------------

    def _answer(self, render: _Render, node: MenuNode, turn: Turn) -> None:
        if turn.phase == "noinput" or (turn.phase is None and not turn.digits):
            self._no_input(render, node.id, turn.tries)
            return
        if turn.phase == "recorded" and node.kind is NodeKind.RECORD:
            if turn.recording_url:
                render.effect(recording_url=turn.recording_url, outcome="report")
            render.say(node.done_prompt or "")
            self._present(render, node.next or self.menu.main_menu)
            return
        if turn.phase == "dialed":
            if turn.dial_status == "completed":
                render.effect(outcome="agent")
                render.actions.append(End())
            elif node.kind is NodeKind.AGENT:
                render.say("agent_unavailable")
                self._present(render, node.fallback or self.menu.main_menu)
            elif node.kind is NodeKind.CALLBACK and render.call.number_hidden:
                render.say("agent_unavailable")
                self._no_number_to_call(render, node.id, dial=False)
            else:  # reached after repeated silence: nobody answered either
                render.say("agent_unavailable")
                self._goodbye_after_silence(render)
            return
        digits = (turn.digits or "").strip().rstrip("#")
        if digits == "*":
            self._present(render, node.id)
        elif digits == "0":
            self._present(render, self.menu.parent(node.id))
        elif node.kind is NodeKind.LANGUAGE and digits in node.options:
            chosen = node.options[digits]
            render.language = chosen
            render.effect(language=chosen)
            self._present(render, node.next or self.menu.main_menu)
        elif node.kind is NodeKind.MENU and digits in node.options:
            self._present(render, node.options[digits])
        elif node.kind is NodeKind.LICENCE_LOOKUP:
            self._licence(render, node, digits)
        else:
            render.say("invalid_key")
            self._present(render, node.id)

    def _licence(self, render: _Render, node: MenuNode, digits: str) -> None:
        if not digits.isdigit() or len(digits) > LICENCE_DIGITS:
            render.say("licence_not_understood")
            self._present(render, node.id)
            return
        verdict = self.lookup(digits)
        render.effect(licence_check=(digits, verdict), outcome="licence_check")
        render.actions.append(
            Speak(
                (
                    Prompt("licence_number_is", render.language),
                    Digits(digits, render.language),
                    Prompt(f"licence_status_{verdict}", render.language),
                )
            )
        )
        self._present(render, node.next or self.menu.main_menu)

    def _citizenship_answer(self, render: _Render, turn: Turn) -> None:
        then = turn.then if turn.then in self.menu.nodes else self.menu.main_menu
        digits = (turn.digits or "").strip()
        if turn.phase == "noinput" or not digits:
            if turn.tries >= MAX_NO_INPUT_REPEATS:
                self._no_input(render, then, MAX_NO_INPUT_REPEATS)
                return
            render.say("no_input")
            speech = (Prompt("choose_citizenship", render.language),)
            render.actions.append(
                Ask(CITIZENSHIP_NODE, speech, render.step, turn.tries + 1, then=then)
            )
        elif digits in CITIZENSHIP_OPTIONS:
            render.effect(citizenship=CITIZENSHIP_OPTIONS[digits])
            self._present(render, then)
        elif digits == "0":
            self._present(render, self.menu.parent(then))
        else:
            if digits != "*":
                render.say("invalid_key")
            speech = (Prompt("choose_citizenship", render.language),)
            render.actions.append(Ask(CITIZENSHIP_NODE, speech, render.step, then=then))

    def _no_input(self, render: _Render, node_id: str, tries: int) -> None:
        """Repeat up to twice; then an agent if one is free, else a polite goodbye and an SMS."""
        if tries < MAX_NO_INPUT_REPEATS:
            render.say("no_input")
            self._present(render, node_id, tries + 1)
        elif render.call.agents:
            render.say("connecting_agent")
            render.actions.append(ConnectAgents(node_id, render.step, render.call.agents))
        else:
            self._goodbye_after_silence(render)

    def _goodbye_after_silence(self, render: _Render) -> None:
        """Goodbye, and the keyword list by SMS; a hidden number is promised no text."""
        render.effect(outcome="no_input")
        if render.call.number_hidden:
            render.say("no_input_final_hidden")
        else:
            render.effect(send_info_sms=True)
            render.say("no_input_final")
        render.actions.append(End())
