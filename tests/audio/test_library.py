"""The prompt library: placeholders out of the box, staff recordings over them, spoken numbers."""

from __future__ import annotations

import io
import json
import subprocess
import wave
from pathlib import Path

import pytest
import yaml
from pydub import AudioSegment
from pydub.generators import Sine
from sqlalchemy import func, select

from audio.library import (
    DIGIT_GAP_MS,
    GROUP_GAP_MS,
    Placeholder,
    PromptLibrary,
    PromptMissing,
    PromptSource,
    PromptState,
    PromptTexts,
    PromptWords,
    UnknownPrompt,
    speak_digits,
)
from audio.pipeline import PreparedAudio, prepare_recording
from audio.synthesize import problems, speakable, write_manifest
from hotline.config import LANGUAGES, Settings
from hotline.models import PromptRecording
from hotline.runtime import Runtime
from tests.processes import run_hotline

DIGITS = "0123456789"


def wav_bytes(segment: AudioSegment) -> bytes:
    buffer = io.BytesIO()
    segment.export(buffer, format="wav")
    return buffer.getvalue()


def tone(frequency: int, duration_ms: int) -> PreparedAudio:
    segment = Sine(frequency, sample_rate=8000).to_audio_segment(duration_ms, -6.0)
    return prepare_recording(wav_bytes(segment.set_sample_width(2)), f"{frequency}.wav")


@pytest.fixture
def library(tmp_path: Path) -> PromptLibrary:
    """Texts for a greeting and ten digits; tone placeholders for all but the kaa greeting."""
    texts = {
        "greeting": {"ky": "Саламатсызбы", "ru": "Здравствуйте", "uz": "Salom", "kaa": "Sálem"}
    }
    texts |= {f"digit_{d}": {lang: f"{d} ({lang})" for lang in LANGUAGES} for d in DIGITS}
    prompts_file = tmp_path / "prompts.yaml"
    raw = {"machine_drafted": ["kaa", "greeting.uz"], "prompts": texts}
    prompts_file.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    placeholders = []
    for index, (prompt_id, by_language) in enumerate(texts.items()):
        for language, text in by_language.items():
            if (prompt_id, language) == ("greeting", "kaa"):
                continue
            audio = tone(300 + 40 * index, 200 + 30 * index)
            entry = Placeholder(prompt_id, language, text, audio.duration_ms, audio.checksum, False)
            (tmp_path / "library" / language).mkdir(parents=True, exist_ok=True)
            (tmp_path / "library" / entry.relative_path).write_bytes(audio.wav)
            placeholders.append(entry)
    write_manifest(placeholders, tmp_path / "library")
    return PromptLibrary.load(prompts_file, tmp_path / "library")


def test_placeholders_play_until_someone_records(state: Runtime, library: PromptLibrary) -> None:
    with state.sessions() as session:
        audio = library.lookup(session, "greeting", "ky")

        assert audio is not None
        assert audio.source is PromptSource.PLACEHOLDER
        assert audio.checksum == library.placeholders["greeting", "ky"].checksum
        wav = library.wav(session, "greeting", "ky", audio.checksum)
        assert wav is not None
        assert len(wav) > 44
        assert library.lookup(session, "greeting", "kaa") is None
        assert library.lookup(session, "no_such_prompt", "ky") is None


def test_a_recording_replaces_the_placeholder_and_a_later_one_replaces_it(
    state: Runtime, library: PromptLibrary
) -> None:
    placeholder = library.placeholders["greeting", "ru"]
    first, second = tone(500, 900), tone(600, 700)

    with state.sessions() as session:
        library.store(session, "greeting", "ru", first, source_name="first.mp3")
        session.commit()
        audio = library.lookup(session, "greeting", "ru")
        assert audio is not None
        assert (audio.source, audio.checksum) == (PromptSource.RECORDED, first.checksum)
        assert audio.duration_ms == first.duration_ms

        library.store(session, "greeting", "ru", second, source_name="second.wav")
        session.commit()

        audio = library.lookup(session, "greeting", "ru")
        assert audio is not None
        assert audio.checksum == second.checksum
        assert session.scalar(select(func.count()).select_from(PromptRecording)) == 1
        assert library.wav(session, "greeting", "ru", second.checksum) == second.wav
        assert library.wav(session, "greeting", "ru", first.checksum) is None
        # A URL handed out just before the import still plays what it named.
        old = library.wav(session, "greeting", "ru", placeholder.checksum)
        assert old == (library.library_dir / placeholder.relative_path).read_bytes()
        other_language = library.lookup(session, "greeting", "ky")
        assert other_language is not None
        assert other_language.source is PromptSource.PLACEHOLDER


def test_status_shows_each_prompt_and_language(state: Runtime, library: PromptLibrary) -> None:
    with state.sessions() as session:
        library.store(session, "greeting", "ky", tone(500, 400), source_name="ky.wav")
        session.commit()
        cells = {(c.prompt_id, c.language): c for c in library.status(session)}

    assert len(cells) == 11 * len(LANGUAGES)
    assert cells["greeting", "ky"].state is PromptState.RECORDED
    assert not cells["greeting", "ky"].needs_recording
    assert cells["greeting", "ru"].state is PromptState.PLACEHOLDER
    assert cells["greeting", "kaa"].state is PromptState.MISSING
    assert cells["greeting", "kaa"].needs_recording
    assert cells["greeting", "kaa"].text == "Sálem"
    drafted = {key for key, cell in cells.items() if cell.machine_drafted}
    assert drafted == {(p, "kaa") for p, _ in cells} | {("greeting", "uz")}


def test_texts_and_unknown_prompts(library: PromptLibrary) -> None:
    assert library.text("greeting", "uz") == "Salom"
    assert library.text("greeting", "en") is None
    library.require("digit_7", "kaa")
    with pytest.raises(UnknownPrompt, match="did you mean greeting"):
        library.require("greting", "ky")
    with pytest.raises(UnknownPrompt, match="unknown language 'kk'"):
        library.require("greeting", "kk")


def test_words_are_each_languages_own_and_russian_only_where_one_is_missing(
    library: PromptLibrary,
) -> None:
    assert library.words("greeting", "kaa") == PromptWords("Sálem", "kaa", fallback=False)
    texts = {"greeting": {"ky": "Саламатсызбы", "ru": "Здравствуйте"}}
    partial = PromptLibrary(PromptTexts(texts, frozenset()), [])
    assert partial.words("greeting", "ky") == PromptWords("Саламатсызбы", "ky", fallback=False)
    assert partial.words("greeting", "uz") == PromptWords("Здравствуйте", "ru", fallback=True)
    assert partial.words("farewell", "ru") == PromptWords("", "ru", fallback=True)


def test_a_number_is_spoken_digit_by_digit(state: Runtime, library: PromptLibrary) -> None:
    digit = {d: library.placeholders[f"digit_{d}", "ky"].duration_ms for d in DIGITS}

    with state.sessions() as session:
        spoken = speak_digits("0146 23", "ky", library, session)
        again = speak_digits("0146 23", "ky", library, session)

    assert spoken == again  # cacheable under its checksum
    with wave.open(io.BytesIO(spoken)) as header:
        assert (header.getframerate(), header.getnchannels(), header.getsampwidth()) == (8000, 1, 2)
        duration_ms = header.getnframes() / 8
    expected = sum(digit[d] for d in "014623") + 4 * DIGIT_GAP_MS + GROUP_GAP_MS
    assert duration_ms == pytest.approx(expected, abs=2)
    audio = AudioSegment(data=spoken)
    first = AudioSegment(data=library.placeholder_wav(library.placeholders["digit_0", "ky"]))
    assert audio[: len(first)].raw_data == first.raw_data


def test_recorded_digits_are_used_in_numbers(state: Runtime, library: PromptLibrary) -> None:
    recorded = tone(900, 500)
    with state.sessions() as session:
        before = speak_digits("55", "uz", library, session)
        library.store(session, "digit_5", "uz", recorded, source_name="five.wav")
        session.commit()
        after = speak_digits("55", "uz", library, session)

    assert after != before
    assert len(AudioSegment(data=after)) == 2 * recorded.duration_ms + DIGIT_GAP_MS


def test_what_cannot_be_spoken_as_digits(state: Runtime, library: PromptLibrary) -> None:
    with state.sessions() as session:
        with pytest.raises(ValueError, match="cannot speak 'K'"):
            speak_digits("KG-01", "ky", library, session)
        with pytest.raises(ValueError, match="no digits"):
            speak_digits(" - ", "ky", library, session)
        del library.placeholders["digit_3", "ru"]
        with pytest.raises(PromptMissing, match="digit_3 in ru"):
            speak_digits("123", "ru", library, session)


# --- The committed library ------------------------------------------------------------------


def test_the_committed_placeholders_match_the_prompt_texts() -> None:
    library = PromptLibrary.load()

    assert problems(library) == []
    texts = PromptTexts.read()
    assert {f"digit_{d}" for d in DIGITS} <= set(texts.texts)
    assert len(library.placeholders) == len(texts.texts) * len(LANGUAGES)
    for placeholder in library.placeholders.values():
        with wave.open(str(library.library_dir / placeholder.relative_path)) as header:
            shape = (header.getframerate(), header.getnchannels(), header.getsampwidth())
            assert shape == (8000, 1, 2), placeholder.relative_path


# --- The commands ---------------------------------------------------------------------------


def hotline(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return run_hotline(settings, "audio", *args)


def test_import_stores_a_recording_and_check_stops_listing_it(
    state: Runtime, settings: Settings, tmp_path: Path
) -> None:
    source = tmp_path / "digit_1-ky.wav"
    take = Sine(440, sample_rate=44100).to_audio_segment(800, -3.0).set_channels(2)
    source.write_bytes(wav_bytes(take.set_sample_width(2)))

    result = hotline(settings, "import", str(source), "--prompt", "digit_1", "--lang", "ky")

    assert result.returncode == 0, result.stderr
    assert "digit_1/ky: stored" in result.stdout
    with state.sessions() as session:
        [row] = session.scalars(select(PromptRecording)).all()
    assert (row.prompt_id, row.language, row.source_name) == ("digit_1", "ky", source.name)
    assert row.checksum in result.stdout
    with wave.open(io.BytesIO(row.wav)) as header:
        assert (header.getframerate(), header.getnchannels()) == (8000, 1)

    listed = hotline(settings, "check", "--json")
    assert listed.returncode == 0, listed.stderr
    cells = {(c["prompt_id"], c["language"]): c for c in json.loads(listed.stdout)}
    assert ("digit_1", "ky") not in cells
    assert cells["digit_1", "ru"]["state"] == "placeholder"
    text = hotline(settings, "check")
    assert text.returncode == 0, text.stderr
    assert "1 of " in text.stdout
    assert "digit_2" in text.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--prompt", "digit_11", "--lang", "ky"], "unknown prompt 'digit_11'"),
        (["--prompt", "digit_1", "--lang", "en"], "unknown language 'en'"),
    ],
)
def test_import_refuses_unknown_prompts_and_languages(
    state: Runtime, settings: Settings, tmp_path: Path, args: list[str], message: str
) -> None:
    source = tmp_path / "take.wav"
    source.write_bytes(wav_bytes(Sine(440).to_audio_segment(800, -3.0)))

    result = hotline(settings, "import", str(source), *args)

    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_import_rejects_a_file_that_is_not_audio(
    state: Runtime, settings: Settings, tmp_path: Path
) -> None:
    source = tmp_path / "notes.mp3"
    source.write_text("not a recording")

    result = hotline(settings, "import", str(source), "--prompt", "digit_1", "--lang", "ru")

    assert result.returncode == 1
    assert "rejected, nothing stored: notes.mp3 is not audio" in result.stderr
    assert "Traceback" not in result.stderr
    with state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(PromptRecording)) == 0


# --- Regenerating placeholders --------------------------------------------------------------


def test_stale_or_missing_placeholders_are_reported(library: PromptLibrary) -> None:
    assert problems(library) == ["greeting/kaa: no placeholder"]

    (library.library_dir / "ru" / "digit_4.wav").write_bytes(tone(700, 300).wav)
    texts = library.prompt_texts.texts
    changed = {**texts, "greeting": {**texts["greeting"], "ru": "Добрый день"}}
    library.prompt_texts = PromptTexts(changed, library.prompt_texts.machine_drafted)

    assert problems(library) == [
        "greeting/ru: placeholder speaks an older text",
        "greeting/kaa: no placeholder",
        "digit_4/ru: digit_4.wav does not match the manifest",
    ]


@pytest.mark.parametrize(
    ("language", "text", "spoken"),
    [
        ("kaa", "Qaraqalpaq tili ushın 4 ti basıń.", "Қарақалпақ тілі ушын 4 ті басың."),
        ("kaa", "Shuǵıl járdem. Ózbekstan, úsh, qońıraw", "Шуғыл жәрдем. Өзбекстан, үш, қоңырау"),
        ("uz", "maʼlumot, qoʻngʻiroq", "ma'lumot, qoʻngʻiroq"),
        ("ky", "СМС менен 1ди басыңыз", "эс-эм-эс менен 1ди басыңыз"),
        ("ru", "по СМС", "по СМС"),
    ],
)
def test_texts_are_put_the_way_espeak_reads_them(language: str, text: str, spoken: str) -> None:
    assert speakable(text, language) == spoken
