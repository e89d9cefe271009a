"""Multi-channel uploads: mixed to mono at equal weight, whole buffers at a time.

An 8-channel 31 MB WAV held a sync web worker for 11.5 s because pydub mixes more than two
channels with a Python loop over every sample (issue 15). Timing a test would be flaky, so the
test counts the Python lines the mix runs instead: a per-sample loop runs one per sample.
"""

from __future__ import annotations

import io
import sys
import wave
from array import array
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest
from pydub import AudioSegment

from audio.pipeline import decode, downmix, prepare_recording

FRAMES = 20_000


def channels_of(levels: list[int], frames: int = FRAMES, rate: int = 16_000) -> AudioSegment:
    """A segment whose channel ``c`` holds the constant sample ``levels[c]``."""
    interleaved = array("h", bytes(2 * frames * len(levels)))
    for channel, value in enumerate(levels):
        interleaved[channel :: len(levels)] = array("h", [value]) * frames
    return AudioSegment(
        data=interleaved.tobytes(), sample_width=2, frame_rate=rate, channels=len(levels)
    )


def python_lines_run(step: Callable[[], Any]) -> int:
    """How many lines of Python ``step`` runs, in any module (C code runs none)."""
    count = 0

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        step()
    finally:
        sys.settrace(None)
    return count


@pytest.mark.parametrize("levels", [[800, 1600, 2400, -800, 0, 4000, -32768, 32767], [9, -9, 3]])
def test_many_channels_are_mixed_at_equal_weight(levels: list[int]) -> None:
    mixed = downmix(channels_of(levels))

    assert (mixed.channels, mixed.sample_width, mixed.frame_rate) == (1, 2, 16_000)
    samples = mixed.get_array_of_samples()
    assert len(samples) == FRAMES
    expected = sum(levels) / len(levels)
    assert {abs(s - expected) <= len(levels) for s in samples} == {True}  # rounding per channel


def test_eight_channels_are_mixed_without_a_loop_over_samples() -> None:
    segment = channels_of([1000 * (c + 1) for c in range(8)])

    lines = python_lines_run(lambda: downmix(segment))

    assert lines < 1_000, f"{lines} Python lines for {FRAMES} frames: a per-sample loop"


def test_an_eight_channel_wav_upload_becomes_a_prompt() -> None:
    """The upload path as the console runs it: a tone on one channel of eight, silence around."""
    rate, frames = 8000, 8000 * 2
    tone = array("h", (6000 if (i // 9) % 2 else -6000 for i in range(8000)))
    interleaved = array("h", bytes(2 * frames * 8))
    interleaved[4000 * 8 + 3 : 12000 * 8 : 8] = tone
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(8)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(interleaved.tobytes())
    data = buffer.getvalue()
    assert decode(data, "take.wav").channels == 8

    lines = python_lines_run(lambda: downmix(decode(data, "take.wav")))
    prepared = prepare_recording(data, "take.wav")

    assert lines < 1_000
    heard = AudioSegment(data=prepared.wav)
    assert (heard.channels, heard.frame_rate) == (1, 8000)
    assert 900 <= prepared.duration_ms <= 1300  # the second of tone and its padding
