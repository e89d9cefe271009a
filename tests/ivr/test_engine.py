"""The IVR engine, step by step, on a small menu: a pure function of (call, node, digits)."""

from __future__ import annotations

import pytest

from ivr_menus.engine import (
    Ask,
    CallContext,
    ConnectAgents,
    Digits,
    End,
    Engine,
    Outcome,
    Prompt,
    RecordMessage,
    Speak,
    Turn,
)
from ivr_menus.menu import Menu

MENU = Menu.from_data(
    {
        "language_menu": "language",
        "main_menu": "main",
        "nodes": {
            "language": {
                "kind": "language",
                "prompt": "language_choice",
                "options": {"1": "ky", "2": "ru", "3": "uz", "4": "kaa"},
                "next": "main",
            },
            "main": {
                "kind": "menu",
                "prompt": "main_menu",
                "options": {
                    "1": "check", "2": "rules", "3": "help", "4": "report", "9": "language",
                },
            },
            "check": {"kind": "licence_lookup", "prompt": "enter_licence", "next": "main"},
            "rules": {"kind": "menu", "prompt": "rules_menu", "options": {"1": "rules_ru"}},
            "rules_ru": {
                "kind": "info",
                "prompt_by_citizenship": {"KG": "rules_kg_ru", "UZ": "rules_uz_ru"},
                "next": "rules",
            },
            "help": {"kind": "menu", "prompt": "help_menu", "options": {"1": "agent", "2": "cb"}},
            "agent": {
                "kind": "agent",
                "prompt": "connecting_agent",
                "closed_prompt": "agents_closed",
                "fallback": "cb_offer",
            },
            "cb_offer": {"kind": "menu", "prompt": "cb_offer", "options": {"1": "cb"}},
            "cb": {"kind": "callback", "prompt": "callback_confirmed", "reason": "urgent",
                   "next": "main"},
            "report": {"kind": "record", "prompt": "report_intro", "done_prompt": "thanks",
                       "next": "main"},
        },
    }
)  # fmt: skip
KY = CallContext(language="ky", citizenship="KG")


def verdicts(digits: str) -> str:
    return {"14523": "licensed", "999": "revoked"}.get(digits, "not_found")


def step(call: CallContext, **turn: object) -> Outcome:
    return Engine(MENU, verdicts).step(call, Turn(**turn))  # type: ignore[arg-type]


def asked(outcome: Outcome) -> Ask:
    [ask] = [a for a in outcome.actions if isinstance(a, Ask)]
    return ask


def spoken(outcome: Outcome) -> list[str]:
    return [
        item.id if isinstance(item, Prompt) else f"digits:{item.digits}"
        for action in outcome.actions
        if isinstance(action, Speak | Ask)
        for item in action.speech
    ]


def test_first_call_asks_for_the_language_in_every_language() -> None:
    outcome = step(CallContext(language=None, citizenship=None))
    ask = asked(outcome)
    assert ask.node == "language"
    assert [p.language for p in ask.speech if isinstance(p, Prompt)] == ["ky", "ru", "uz", "kaa"]


def test_a_known_caller_is_welcomed_in_their_language_at_the_main_menu() -> None:
    outcome = step(KY)
    assert spoken(outcome) == ["welcome", "main_menu"]
    assert asked(outcome).node == "main"
    assert outcome.language == "ky"


def test_choosing_a_language_remembers_it_and_continues_in_it() -> None:
    outcome = step(CallContext(language=None, citizenship=None), node="language", digits="3")
    assert outcome.effects.language == "uz"
    assert asked(outcome).speech == (Prompt("main_menu", "uz"),)


@pytest.mark.parametrize(
    ("node", "digits", "expected_node", "said_first"),
    [
        ("main", "2", "rules", "rules_menu"),
        ("main", "*", "main", "main_menu"),
        ("rules", "0", "main", "main_menu"),
        ("rules", "*", "rules", "rules_menu"),
        ("main", "7", "main", "invalid_key"),
        ("main", "#", "main", "invalid_key"),
        ("main", "9", "language", "language_choice"),
        ("nowhere", "1", "main", "main_menu"),
    ],
)
def test_menu_paths(node: str, digits: str, expected_node: str, said_first: str) -> None:
    outcome = step(KY, node=node, digits=digits, step=3)
    assert asked(outcome).node == expected_node
    assert spoken(outcome)[0] == said_first
    assert asked(outcome).step == 4


def test_silence_repeats_twice_then_says_goodbye_and_texts_the_caller() -> None:
    first = step(KY, node="main", phase="noinput", tries=0)
    second = step(KY, node="main", phase="noinput", tries=1)
    third = step(KY, node="main", phase="noinput", tries=2)

    assert spoken(first)[0] == "no_input"
    assert asked(first).tries == 1
    assert asked(second).tries == 2
    assert spoken(third) == ["no_input_final"]
    assert isinstance(third.actions[-1], End)
    assert third.effects.send_info_sms


def test_silence_is_put_through_to_an_agent_when_one_is_free() -> None:
    staffed = CallContext(language="ky", citizenship="KG", agents=("+996700000001",))
    outcome = step(staffed, node="main", phase="noinput", tries=2)
    assert isinstance(outcome.actions[-1], ConnectAgents)


def test_info_follows_the_callers_citizenship_and_returns_to_its_menu() -> None:
    outcome = step(KY, node="rules", digits="1")
    assert spoken(outcome) == ["rules_kg_ru", "rules_menu"]
    uz = step(CallContext(language="uz", citizenship="UZ"), node="rules", digits="1")
    assert spoken(uz)[0] == "rules_uz_ru"


def test_unknown_citizenship_is_asked_then_remembered() -> None:
    unknown = CallContext(language="ru", citizenship=None)
    question = step(unknown, node="rules", digits="1")
    assert asked(question).node == "_citizenship"
    answered = step(unknown, node="_citizenship", then="rules_ru", digits="2")
    assert answered.effects.citizenship == "UZ"
    assert spoken(answered)[0] == "rules_uz_ru"


def test_licence_number_is_read_back_digit_by_digit_with_its_status() -> None:
    outcome = step(KY, node="check", digits="14523#")
    speak = outcome.actions[0]
    assert isinstance(speak, Speak)
    assert speak.speech == (
        Prompt("licence_number_is", "ky"),
        Digits("14523", "ky"),
        Prompt("licence_status_licensed", "ky"),
    )
    assert outcome.effects.licence_check == ("14523", "licensed")
    assert asked(outcome).node == "main"


def test_a_licence_that_is_not_digits_is_asked_again() -> None:
    outcome = step(KY, node="check", digits="12*4")
    assert spoken(outcome)[0] == "licence_not_understood"
    assert asked(outcome).node == "check"


def test_agents_outside_staffed_hours_lead_to_a_callback_offer() -> None:
    outcome = step(KY, node="help", digits="1")
    assert spoken(outcome) == ["agents_closed", "cb_offer"]


def test_agent_connects_and_an_unanswered_dial_falls_back() -> None:
    staffed = CallContext(language="ky", citizenship="KG", agents=("+996700000001",))
    dial = step(staffed, node="help", digits="1")
    assert isinstance(dial.actions[-1], ConnectAgents)
    unanswered = step(staffed, node="agent", phase="dialed", dial_status="no-answer")
    assert spoken(unanswered) == ["agent_unavailable", "cb_offer"]
    answered = step(staffed, node="agent", phase="dialed", dial_status="completed")
    assert answered.actions == (End(),)


def test_callback_node_requests_an_urgent_callback() -> None:
    outcome = step(KY, node="cb_offer", digits="1")
    assert outcome.effects.callback_reason == "urgent"
    assert spoken(outcome) == ["callback_confirmed", "main_menu"]


def test_a_caller_we_may_not_call_back_hears_so_instead_of_a_promise() -> None:
    abroad = CallContext(language="ky", citizenship="KG", may_call_back=False)
    outcome = step(abroad, node="cb_offer", digits="1")
    assert outcome.effects.callback_reason == "urgent"  # kept, refused, for staff to see
    assert spoken(outcome) == ["callback_unavailable", "main_menu"]


def test_record_node_records_then_thanks() -> None:
    start = step(KY, node="main", digits="4")
    assert isinstance(start.actions[-1], RecordMessage)
    done = step(KY, node="report", phase="recorded", recording_url="https://api.twilio.com/r/1")
    assert done.effects.recording_url == "https://api.twilio.com/r/1"
    assert spoken(done)[0] == "thanks"


def test_the_same_turn_gives_the_same_document() -> None:
    turn = {"node": "check", "digits": "999#", "step": 5}
    assert step(KY, **turn) == step(KY, **turn)


# --- A caller whose number is hidden: the whole menu, nothing that needs their number ---------

HIDDEN = CallContext(language="ky", citizenship=None, may_call_back=False, number_hidden=True)
HIDDEN_STAFFED = CallContext(
    language="ky",
    citizenship=None,
    agents=("+996700000001",),
    may_call_back=False,
    number_hidden=True,
)


def test_a_hidden_caller_asking_for_a_callback_stays_on_the_line_for_an_agent() -> None:
    outcome = step(HIDDEN_STAFFED, node="cb_offer", digits="1")

    assert outcome.effects.callback_reason is None  # nobody to call: no request at all
    assert outcome.effects.outcome == "hidden_number"
    assert spoken(outcome) == ["callback_hidden_number"]
    assert outcome.actions[-1] == ConnectAgents("cb", 1, ("+996700000001",))


def test_a_hidden_caller_outside_staffed_hours_is_told_to_call_again_then_hears_the_menu() -> None:
    outcome = step(HIDDEN, node="cb_offer", digits="1")

    assert outcome.effects.callback_reason is None
    assert spoken(outcome) == ["callback_hidden_number_later", "main_menu"]
    assert asked(outcome).node == "main"


def test_a_hidden_callers_unanswered_agent_leaves_them_in_the_menu() -> None:
    outcome = step(HIDDEN_STAFFED, node="cb", phase="dialed", dial_status="no-answer")

    assert spoken(outcome) == ["agent_unavailable", "callback_hidden_number_later", "main_menu"]
    assert not outcome.effects.send_info_sms


def test_silence_from_a_hidden_caller_ends_without_promising_a_text() -> None:
    outcome = step(HIDDEN, node="main", phase="noinput", tries=2)

    assert spoken(outcome) == ["no_input_final_hidden"]
    assert isinstance(outcome.actions[-1], End)
    assert not outcome.effects.send_info_sms


def test_a_hidden_caller_hears_every_other_part_of_the_menu_as_anyone_does() -> None:
    for turn in ({}, {"node": "main", "digits": "2"}, {"node": "check", "digits": "14523#"}):
        assert step(HIDDEN, **turn) == step(CallContext(language="ky", citizenship=None), **turn)
