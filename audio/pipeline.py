"""Prepare a recording for telephony: decode, trim, level, and store as 8 kHz mono 16-bit WAV.

Every prompt, recorded or synthesized, goes through ``prepare_recording`` so callers hear the
same loudness from one prompt to the next and the bytes are exactly what the phone network plays
(no resampling by the provider, no surprise clipping). WAV is read without ffmpeg; every other
format is decoded by the ffmpeg binary of the ``imageio-ffmpeg`` wheel, called directly because
pydub's own loader also wants ``ffprobe``, which that wheel does not ship.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import struct
import subprocess
import tempfile
import warnings
import wave
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg  # type: ignore[import-untyped]  # no stubs; one call used

with warnings.catch_warnings():
    # pydub 0.25 imports the stdlib ``audioop`` (deprecated since 3.11) and, finding no ffmpeg on
    # PATH, warns at import; we give it imageio-ffmpeg's binary and read WAV without one.
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    warnings.filterwarnings("ignore", "Couldn't find ffmpeg", RuntimeWarning)
    import audioop  # C; out of the stdlib from 3.13, where the audioop-lts wheel provides it

    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence

log = logging.getLogger(__name__)

FRAME_RATE = 8000  # what PSTN calls carry; anything higher is thrown away by the network
SAMPLE_WIDTH = 2
TARGET_DBFS = -20.0  # RMS over the trimmed take: loud on a handset, leaves room for peaks
PEAK_CEILING_DBFS = -1.0  # the limiter keeps every sample under this, so nothing clips
MAX_GAIN_DB = 30.0  # a whisper is not blown up into hiss
SILENT_PEAK_DBFS = -50.0  # a take whose loudest sample is below this holds nothing to hear
TRIM_BELOW_PEAK_DB = 40.0  # 10 ms chunks this far under the peak count as silence
TRIM_PADDING_MS = 100  # kept at each end so the first and last syllables are not clipped
FADE_MS = 10  # ramps at the cut points so they do not click
MIN_SOUND_MS = 100  # shorter than this is a click or a cough, not a prompt
MAX_DURATION_MS = 5 * 60 * 1000
FFMPEG_TIMEOUT_S = 120
READABLE = "WAV, MP3, OGG, M4A, FLAC, WebM, AMR"
# Demuxers ffmpeg may pick for an upload: the common audio containers and nothing that can
# follow a playlist or a URL to somewhere else (HLS, concat) on this machine.
FFMPEG_FORMATS = "wav,w64,mp3,ogg,mov,mp4,m4a,3gp,matroska,webm,flac,aac,amr,caf,aiff"


class AudioRejected(ValueError):
    """The upload cannot become a prompt; the message says why, for the person who sent it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PreparedAudio:
    """A recording ready to play: 8 kHz mono 16-bit WAV bytes and their sha256."""

    wav: bytes
    duration_ms: int
    checksum: str


def prepare_recording(data: bytes, filename: str) -> PreparedAudio:
    """Decode an upload in any common format and make it a telephony prompt.

    Raises ``AudioRejected`` for an empty, undecodable, silent or over-long file.
    """
    if not data:
        raise AudioRejected(f"{filename} is empty")
    segment = _to_telephony(decode(data, filename))
    return encode(prepare_segment(segment, filename))


def prepare_segment(segment: AudioSegment, filename: str) -> AudioSegment:
    """Trim silence at both ends and level a telephony-format segment."""
    if len(segment) == 0:
        raise AudioRejected(f"{filename} holds no audio")
    segment = segment.remove_dc_offset()
    peak = segment.max_dBFS
    if peak < SILENT_PEAK_DBFS:
        raise AudioRejected(f"{filename} is silent (loudest moment {_db(peak)})")
    threshold = peak - TRIM_BELOW_PEAK_DB
    start = detect_leading_silence(segment, silence_threshold=threshold)
    end = len(segment) - detect_leading_silence(segment.reverse(), silence_threshold=threshold)
    if end - start < MIN_SOUND_MS:
        raise AudioRejected(f"{filename} holds under {MIN_SOUND_MS} ms of sound")
    trimmed = segment[max(0, start - TRIM_PADDING_MS) : min(len(segment), end + TRIM_PADDING_MS)]
    return level(trimmed).fade_in(FADE_MS).fade_out(FADE_MS)


def decode(data: bytes, filename: str) -> AudioSegment:
    """Read PCM WAV with the standard library; hand anything else (or odd WAV) to ffmpeg."""
    segment = _read_pcm_wav(data, filename) if data[:4] == b"RIFF" else None
    return segment if segment is not None else _decode_with_ffmpeg(data, filename)


def _read_pcm_wav(data: bytes, filename: str) -> AudioSegment | None:
    """Plain PCM WAV at any sample width, or None for WAV that only ffmpeg reads (float...)."""
    try:
        with wave.open(io.BytesIO(data)) as reader:
            channels = reader.getnchannels()
            width = reader.getsampwidth()
            rate = reader.getframerate()
            if not 1 <= channels <= 8 or not 1000 <= rate <= 384_000 or width > 4:
                return None
            limit = MAX_DURATION_MS * rate // 1000  # header sizes lie in streamed WAV: count
            pcm = reader.readframes(limit + 1)
    except (wave.Error, EOFError, struct.error):
        return None
    if len(pcm) > limit * channels * width:
        raise _too_long(filename)
    pcm = pcm[: len(pcm) - len(pcm) % (channels * width)]
    if width == 1:  # WAV stores 8-bit samples unsigned, pydub works with signed
        pcm = pcm.translate(_UNSIGNED_TO_SIGNED)
    if width == 3:  # pydub has no 24-bit arithmetic: keep the top 16 bits of each sample
        wide, pcm, width = pcm, bytearray(len(pcm) // 3 * 2), 2
        pcm[0::2], pcm[1::2] = wide[1::3], wide[2::3]
    return AudioSegment(data=bytes(pcm), sample_width=width, frame_rate=rate, channels=channels)


_UNSIGNED_TO_SIGNED = bytes((value + 128) % 256 for value in range(256))


def encode(segment: AudioSegment) -> PreparedAudio:
    """Write a telephony segment as WAV bytes; the same samples always give the same bytes."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(SAMPLE_WIDTH)
        out.setframerate(FRAME_RATE)
        out.writeframes(segment.raw_data)
    wav = buffer.getvalue()
    return PreparedAudio(wav=wav, duration_ms=len(segment), checksum=checksum(wav))


def checksum(wav: bytes) -> str:
    """Name audio by its content, so a URL built from it can be cached forever."""
    return hashlib.sha256(wav).hexdigest()


def join_wavs(wavs: Sequence[bytes], gaps_ms: Sequence[int]) -> PreparedAudio:
    """Play prepared WAVs one after another with ``gaps_ms[i]`` of silence before the i-th."""
    joined = AudioSegment.empty().set_frame_rate(FRAME_RATE)
    for wav, gap in zip(wavs, gaps_ms, strict=True):
        if gap and len(joined):
            joined += AudioSegment.silent(duration=gap, frame_rate=FRAME_RATE)
        joined += _to_telephony(AudioSegment(data=wav))
    return encode(joined)


def level(segment: AudioSegment) -> AudioSegment:
    """Bring RMS to ``TARGET_DBFS`` and limit peaks to ``PEAK_CEILING_DBFS``.

    Gain alone would clip speech, whose peaks sit 15-20 dB above its RMS, so a limiter takes
    the peaks down; what it removes is made up by a second, smaller gain step.
    """
    source = segment.get_array_of_samples()
    if not source:
        return segment
    gain_db = min(TARGET_DBFS - segment.dBFS, MAX_GAIN_DB)
    result = segment
    for _ in range(3):
        result = _segment(_limited(source, gain_db).tobytes())
        shortfall = TARGET_DBFS - result.dBFS
        if shortfall < 0.25 or gain_db >= MAX_GAIN_DB:
            break
        gain_db = min(gain_db + shortfall, MAX_GAIN_DB)
    return result


def _limited(samples: Sequence[int], gain_db: float) -> array[int]:
    """Apply gain, lowering it smoothly wherever a sample would pass the ceiling.

    Gain is set per 5 ms block and ramped linearly between block edges; an edge takes the lower
    of its two blocks' safe gains, so every sample is scaled by at most its block's safe gain.
    """
    gain = 10 ** (gain_db / 20)
    ceiling = 32767 * 10 ** (PEAK_CEILING_DBFS / 20) - 1  # minus rounding
    block = FRAME_RATE // 200
    safe = []
    for begin in range(0, len(samples), block):
        peak = max(abs(s) for s in samples[begin : begin + block])
        safe.append(gain if peak * gain <= ceiling else ceiling / peak)
    if min(safe) == gain:  # nothing reaches the ceiling: plain gain, no ramps to compute
        return array("h", (round(s * gain) for s in samples))
    edges = [safe[0], *(min(a, b) for a, b in zip(safe, safe[1:], strict=False)), safe[-1]]
    for i in range(1, len(edges)):  # release: rise at most 0.5 dB per block
        edges[i] = min(edges[i], edges[i - 1] * 1.0593)
    for i in range(len(edges) - 2, -1, -1):  # attack: start dipping ahead of a peak
        edges[i] = min(edges[i], edges[i + 1] * 1.1885)
    out = array("h", bytes(2 * len(samples)))
    for index, begin in enumerate(range(0, len(samples), block)):
        first, last = edges[index], edges[index + 1]
        count = min(block, len(samples) - begin)
        step = (last - first) / count
        for offset in range(count):
            value = round(samples[begin + offset] * (first + step * offset))
            out[begin + offset] = max(-32768, min(32767, value))
    return out


def _to_telephony(segment: AudioSegment) -> AudioSegment:
    return downmix(segment.set_sample_width(SAMPLE_WIDTH)).set_frame_rate(FRAME_RATE)


def downmix(segment: AudioSegment) -> AudioSegment:
    """Mix every channel into one at equal weight, whole buffers at a time (audioop, in C).

    pydub's ``set_channels(1)`` mixes more than two channels with a Python loop over every
    sample: an 8-channel 31 MB upload held a sync web worker for 11.5 s. Splitting into
    channels is slicing, and each channel is scaled by 1/n before it is added, so the sum
    cannot overflow; stereo keeps pydub's own ``audioop.tomono``.
    """
    if segment.channels <= 2:
        return segment.set_channels(1)
    width, share = segment.sample_width, 1 / segment.channels
    mixed = b""
    for channel in segment.split_to_mono():
        part = audioop.mul(channel.raw_data, width, share)
        mixed = audioop.add(mixed, part, width) if mixed else part
    return AudioSegment(data=mixed, sample_width=width, frame_rate=segment.frame_rate, channels=1)


def _decode_with_ffmpeg(data: bytes, filename: str) -> AudioSegment:
    """Decode with ffmpeg straight to raw 8 kHz mono 16-bit PCM; needs no ffprobe."""
    suffix = Path(filename).suffix.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,5}", suffix):
        suffix = ""
    limit_s = MAX_DURATION_MS / 1000 + 1
    with tempfile.TemporaryDirectory(prefix="hotline-audio-") as folder:
        source = Path(folder) / f"upload{suffix}"
        source.write_bytes(data)  # a file, not a pipe: MP4/M4A keep their index at the end
        command = [
            ffmpeg_path(),
            *("-nostdin", "-hide_banner", "-loglevel", "error"),
            *("-protocol_whitelist", "file", "-format_whitelist", FFMPEG_FORMATS),
            *("-i", str(source), "-map", "0:a:0", "-t", f"{limit_s:g}"),
            *("-ac", "1", "-ar", str(FRAME_RATE), "-f", "s16le", "-acodec", "pcm_s16le"),
            "pipe:1",
        ]
        try:
            result = subprocess.run(  # noqa: S603 - fixed binary, our arguments
                command, capture_output=True, timeout=FFMPEG_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise AudioRejected(f"{filename} took too long to decode") from exc
    if result.returncode != 0:
        if b"matches no streams" in result.stderr:
            raise AudioRejected(f"{filename} has no audio track")
        reason = result.stderr.decode("utf-8", "replace").strip()[-300:]
        log.info("ffmpeg could not decode %s: %s", filename, reason)
        raise AudioRejected(f"{filename} is not audio in a format we read ({READABLE})")
    pcm = result.stdout[: len(result.stdout) - len(result.stdout) % SAMPLE_WIDTH]
    if not pcm:
        raise AudioRejected(f"{filename} holds no audio")
    if len(pcm) > MAX_DURATION_MS / 1000 * FRAME_RATE * SAMPLE_WIDTH:
        raise _too_long(filename)
    return _segment(pcm)


def _segment(pcm: bytes) -> AudioSegment:
    return AudioSegment(data=pcm, sample_width=SAMPLE_WIDTH, frame_rate=FRAME_RATE, channels=1)


def ffmpeg_path() -> str:
    """The ffmpeg binary (from imageio-ffmpeg unless IMAGEIO_FFMPEG_EXE points elsewhere)."""
    path: str = imageio_ffmpeg.get_ffmpeg_exe()
    AudioSegment.converter = path  # for anyone calling pydub's own ffmpeg-backed methods
    return path


def _too_long(filename: str) -> AudioRejected:
    return AudioRejected(f"{filename} is longer than {MAX_DURATION_MS // 60000} minutes")


def _db(value: float) -> str:
    return "silence" if value == float("-inf") else f"{value:.0f} dBFS"
