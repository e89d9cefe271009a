"""The recording pipeline: any common format in, trimmed and levelled 8 kHz mono WAV out."""

from __future__ import annotations

import hashlib
import io
import math
import subprocess
import tempfile
import wave
from array import array
from collections.abc import Callable
from pathlib import Path

import pytest
from pydub import AudioSegment
from pydub.generators import Sine
from pydub.silence import detect_leading_silence

from audio import pipeline
from audio.pipeline import (
    PEAK_CEILING_DBFS,
    TARGET_DBFS,
    TRIM_PADDING_MS,
    AudioRejected,
    PreparedAudio,
    ffmpeg_path,
    join_wavs,
    prepare_recording,
)

TONE_MS = 1500
LEAD_MS = 700
TAIL_MS = 900


def studio_take(frame_rate: int = 44100, channels: int = 2) -> AudioSegment:
    """Room hum at -65 dBFS around 1.5 s of tone peaking at -6 dBFS, as a phone mic records."""
    hum = Sine(50, sample_rate=frame_rate).to_audio_segment(LEAD_MS + TONE_MS + TAIL_MS, -65.0)
    tone = Sine(440, sample_rate=frame_rate).to_audio_segment(TONE_MS, -6.0)
    return hum.overlay(tone, position=LEAD_MS).set_channels(channels).set_sample_width(2)


def wav_bytes(segment: AudioSegment) -> bytes:
    buffer = io.BytesIO()
    segment.export(buffer, format="wav")  # pydub writes WAV itself, no ffmpeg
    return buffer.getvalue()


def encoded(wav: bytes, suffix: str, *codec: str) -> bytes:
    """Encode with the ffmpeg binary the pipeline uses, to a file as a phone app would save it."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / f"take{suffix}"
        command = [ffmpeg_path(), "-hide_banner", "-loglevel", "error", "-f", "wav", "-i", "-"]
        subprocess.run([*command, *codec, str(target)], input=wav, capture_output=True, check=True)
        return target.read_bytes()


def decoded(prepared: PreparedAudio) -> AudioSegment:
    return AudioSegment(data=prepared.wav)


ENCODINGS = {
    ".mp3": ("-c:a", "libmp3lame", "-b:a", "128k"),
    ".ogg": ("-c:a", "libvorbis"),
    ".m4a": ("-c:a", "aac"),  # index at the end of the file: ffmpeg must be able to seek
}


@pytest.mark.parametrize("suffix", [".wav", *ENCODINGS])
def test_a_recording_becomes_trimmed_levelled_8k_mono_wav(suffix: str) -> None:
    data = wav_bytes(studio_take(44100, 2))
    if suffix in ENCODINGS:
        data = encoded(data, suffix, *ENCODINGS[suffix])
    filename = f"take{suffix}"

    prepared = prepare_recording(data, filename)

    with wave.open(io.BytesIO(prepared.wav)) as header:
        assert header.getframerate() == 8000
        assert header.getnchannels() == 1
        assert header.getsampwidth() == 2
        assert header.getcomptype() == "NONE"
        frames = header.getnframes()
    assert prepared.duration_ms == pytest.approx(frames / 8, abs=1)
    assert prepared.duration_ms == pytest.approx(TONE_MS + 2 * TRIM_PADDING_MS, abs=60)
    assert prepared.checksum == hashlib.sha256(prepared.wav).hexdigest()
    audio = decoded(prepared)
    assert audio.dBFS == pytest.approx(TARGET_DBFS, abs=0.5)
    assert audio.max_dBFS <= PEAK_CEILING_DBFS
    lead = detect_leading_silence(audio, silence_threshold=audio.max_dBFS - 30)
    tail = detect_leading_silence(audio.reverse(), silence_threshold=audio.max_dBFS - 30)
    assert lead == pytest.approx(TRIM_PADDING_MS, abs=40)
    assert tail == pytest.approx(TRIM_PADDING_MS, abs=40)


def no_ffmpeg() -> str:
    raise AssertionError("ffmpeg was called for a WAV")


def test_wav_needs_no_ffmpeg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "ffmpeg_path", no_ffmpeg)

    for rate, channels in [(44100, 2), (16000, 1), (8000, 1)]:
        prepared = prepare_recording(wav_bytes(studio_take(rate, channels)), "take.wav")
        assert decoded(prepared).frame_rate == 8000


def stdlib_wav(width: int, rate: int = 48000, channels: int = 2) -> bytes:
    """A 440 Hz tone at half scale written by the ``wave`` module at any sample width."""
    full = 2 ** (8 * width - 1) - 1
    frames = bytearray()
    for index in range(rate):  # one second
        value = round(full / 2 * math.sin(2 * math.pi * 440 * index / rate))
        if width == 1:
            value += 128  # WAV stores 8-bit samples unsigned
        frames += value.to_bytes(width, "little", signed=width > 1) * channels
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return buffer.getvalue()


@pytest.mark.parametrize("width", [1, 2, 3, 4])
def test_pcm_wav_of_any_sample_width_is_read_without_ffmpeg(
    width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "ffmpeg_path", no_ffmpeg)

    audio = decoded(prepare_recording(stdlib_wav(width), f"tone-{8 * width}bit.wav"))

    assert (audio.frame_rate, audio.channels, audio.sample_width) == (8000, 1, 2)
    assert len(audio) == 1000
    assert audio.dBFS == pytest.approx(TARGET_DBFS, abs=0.5)


def test_the_same_upload_gives_the_same_bytes() -> None:
    take = wav_bytes(studio_take())

    assert prepare_recording(take, "a.wav") == prepare_recording(take, "b.wav")


def test_loud_peaks_are_limited_instead_of_clipped() -> None:
    # A quiet voice with sharp consonants: 20 dB of gain would push the spikes past full scale.
    samples = array(
        "h",
        (
            int(1000 * math.sin(2 * math.pi * 200 * i / 8000)) + (16000 if i % 2000 < 16 else 0)
            for i in range(3 * 8000)
        ),
    )
    quiet = AudioSegment(data=samples.tobytes(), sample_width=2, frame_rate=8000, channels=1)

    audio = decoded(prepare_recording(wav_bytes(quiet), "quiet.wav"))

    assert audio.max_dBFS <= PEAK_CEILING_DBFS
    assert audio.dBFS == pytest.approx(TARGET_DBFS, abs=1.0)
    assert max(abs(s) for s in audio.get_array_of_samples()) < 32767


def test_a_whispered_take_is_raised_but_not_without_limit() -> None:
    whisper = Sine(300, sample_rate=8000).to_audio_segment(1000, -48.0).set_sample_width(2)

    audio = decoded(prepare_recording(wav_bytes(whisper), "whisper.wav"))

    assert audio.dBFS == pytest.approx(-48.0 - 3.0 + pipeline.MAX_GAIN_DB, abs=0.5)


def _video_without_sound() -> bytes:
    command = [ffmpeg_path(), "-hide_banner", "-loglevel", "error", "-f", "lavfi"]
    command += ["-i", "color=c=black:s=16x16:d=1", "-c:v", "mpeg4", "-f", "matroska", "pipe:1"]
    return subprocess.run(command, capture_output=True, check=True).stdout


REJECTED: list[tuple[str, Callable[[], bytes], str]] = [
    ("empty.mp3", lambda: b"", "is empty"),
    ("notes.txt", "Привет, это не звук".encode, "is not audio"),
    ("photo.png", lambda: b"\x89PNG\r\n\x1a\n" + bytes(200), "is not audio"),
    ("broken.wav", lambda: b"RIFF\x10\x00\x00\x00WAVEfmt " + bytes(8), "is not audio"),
    ("silence.wav", lambda: wav_bytes(AudioSegment.silent(3000, 44100)), "is silent"),
    ("hum.wav", lambda: wav_bytes(Sine(50).to_audio_segment(3000, -70.0)), "is silent"),
    ("click.wav", lambda: wav_bytes(Sine(1000).to_audio_segment(30, -3.0)), "under 100 ms"),
    ("lecture.wav", lambda: wav_bytes(AudioSegment.silent(301_000, 8000)), "longer than 5"),
    ("video.mkv", lambda: _video_without_sound(), "has no audio track"),
]


@pytest.mark.parametrize(("filename", "make", "reason"), REJECTED, ids=[r[0] for r in REJECTED])
def test_what_cannot_be_a_prompt_is_rejected_with_a_reason(
    filename: str, make: Callable[[], bytes], reason: str
) -> None:
    with pytest.raises(AudioRejected) as rejected:
        prepare_recording(make(), filename)

    assert filename in rejected.value.message
    assert reason in rejected.value.message


def test_a_long_compressed_upload_is_rejected_without_decoding_it_all() -> None:
    hour = AudioSegment.silent(6 * 60 * 1000, frame_rate=8000).overlay(
        Sine(440, sample_rate=8000).to_audio_segment(2000, -6.0)
    )
    mp3 = encoded(wav_bytes(hour), ".mp3", "-c:a", "libmp3lame", "-b:a", "16k")

    with pytest.raises(AudioRejected, match="longer than 5 minutes"):
        prepare_recording(mp3, "lecture.mp3")


def test_joined_wavs_keep_their_order_and_gaps() -> None:
    first = prepare_recording(wav_bytes(studio_take()), "a.wav")
    second = prepare_recording(wav_bytes(studio_take(8000, 1)), "b.wav")

    joined = join_wavs([first.wav, second.wav], [500, 250])

    assert joined.duration_ms == first.duration_ms + 250 + second.duration_ms
    audio = decoded(joined)
    assert (audio.frame_rate, audio.channels, audio.sample_width) == (8000, 1, 2)
    assert audio[: first.duration_ms].raw_data == decoded(first).raw_data
