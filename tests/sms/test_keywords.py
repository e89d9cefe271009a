"""The keyword table: every word in every language, case and apostrophe variants, no collisions."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hotline.sms.keywords import CONTENT, Command, KeywordTable

TABLE = KeywordTable.load()
RAW = yaml.safe_load((CONTENT / "keywords.yaml").read_text(encoding="utf-8"))["keywords"]
EVERY_WORD = [
    (command, language, word)
    for command, per_language in RAW.items()
    for language, words in per_language.items()
    for word in words
]


@pytest.mark.parametrize(("command", "language", "word"), EVERY_WORD)
def test_every_listed_word_is_its_command(command: str, language: str, word: str) -> None:
    assert TABLE.parse(word).command == Command(command)
    assert TABLE.parse(word.lower()).command == Command(command)
    if language != "en":
        assert language in TABLE.parse(word).languages


@pytest.mark.parametrize(
    ("text", "command", "argument"),
    [
        ("CHECK Ak-Jol Travel", Command.CHECK, "Ak-Jol Travel"),
        ("проверка: Ак-Жол", Command.CHECK, "Ак-Жол"),
        ("Tekshir, Sogʻdiyona", Command.CHECK, "Sogʻdiyona"),
        ("QO'NG'IROQ", Command.CALL, ""),
        ("qoʻngʻiroq", Command.CALL, ""),
        ("Qo`ng`iroq", Command.CALL, ""),
        ("toʻxta", Command.STOP, ""),
        ("TO'XTA", Command.STOP, ""),
        ("  stop  ", Command.STOP, ""),
        ("Stop.", Command.STOP, ""),
        ("ЭРЕЖЕ Россия", Command.RULES, "Россия"),
        ("rules ru", Command.RULES, "ru"),
        ("REPORT agent took my passport", Command.REPORT, "agent took my passport"),
        ("ТИЛ кыргызча", Command.LANG, "кыргызча"),
        ("Ak-Jol Travel", Command.LOOKUP, "Ak-Jol Travel"),
        ("№ 145-23", Command.LOOKUP, "№ 145-23"),
    ],
)
def test_messages_parse_into_command_and_argument(
    text: str, command: Command, argument: str
) -> None:
    parsed = TABLE.parse(text)
    assert (parsed.command, parsed.argument) == (command, argument)


def test_stop_with_more_words_is_not_an_opt_out() -> None:
    assert TABLE.parse("stop this agency").command is Command.LOOKUP


@pytest.mark.parametrize(
    ("text", "language"),
    [("ky", "ky"), ("кыргызча", "ky"), ("O'zbek", "uz"), ("русский", "ru"), ("KAA", "kaa")],
)
def test_language_names(text: str, language: str) -> None:
    assert TABLE.language_named(text) == language


def test_a_word_mapping_to_two_commands_is_refused(tmp_path: Path) -> None:
    clash = tmp_path / "keywords.yaml"
    clash.write_text("keywords:\n  stop: {en: [HALT]}\n  help: {en: [halt]}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="maps to"):
        KeywordTable.load(clash)
