"""Time the downmix of an 8-channel 31 MB WAV upload, pydub's way and the pipeline's.

A prompt upload is prepared inside the web request (``/console/prompts/upload``), so a slow
step holds a sync worker. pydub's ``set_channels(1)`` mixes more than two channels with a
Python loop over every sample: an 8-channel 31 MB WAV held a worker for 11.5 s (issue 15).
``before`` times that call alone; ``after`` times ``audio.pipeline.downmix`` (audioop, in C) on
the same segment; ``prepare_recording`` times the whole upload path as the console runs it.
Run as ``.venv/bin/python benchmarks/audio_downmix.py``.
"""

from __future__ import annotations

import io
import sys
import time
import wave
from array import array
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audio.pipeline import decode, downmix, prepare_recording  # noqa: E402

CHANNELS = 8
FRAME_RATE = 48_000
TARGET_BYTES = 31 * 1024 * 1024
PERIOD = 100  # samples: a 480 Hz tone at 48 kHz repeats exactly, so it can be tiled


def eight_channel_wav() -> bytes:
    """About 31 MB of 16-bit 48 kHz WAV: a tone on each channel, quieter channel by channel."""
    frames = TARGET_BYTES // (CHANNELS * 2)
    interleaved = array("h", bytes(frames * CHANNELS * 2))
    for channel in range(CHANNELS):
        amplitude = 12_000 // (channel + 1)
        period = array(
            "h", (amplitude * ((i * 7) % PERIOD - PERIOD // 2) // 50 for i in range(PERIOD))
        )
        tone = period * (frames // PERIOD + 1)
        interleaved[channel::CHANNELS] = tone[:frames]
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(CHANNELS)
        out.setsampwidth(2)
        out.setframerate(FRAME_RATE)
        out.writeframes(interleaved.tobytes())
    return buffer.getvalue()


def timed(step: Callable[[], object]) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def main() -> None:
    data = eight_channel_wav()
    segment = decode(data, "take.wav")
    print(f"upload: {len(data) / 1e6:.1f} MB, {segment.channels} channels, "
          f"{segment.frame_rate} Hz, {len(segment) / 1000:.1f} s")  # fmt: skip
    before = timed(lambda: segment.set_channels(1))
    after = timed(lambda: downmix(segment))
    whole = timed(lambda: prepare_recording(data, "take.wav"))
    print(f"before (pydub set_channels(1)): {before:.2f} s")
    print(f"after (audio.pipeline.downmix):  {after:.3f} s")
    print(f"prepare_recording, whole upload: {whole:.2f} s")


if __name__ == "__main__":
    main()
