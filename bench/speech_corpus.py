"""Real speech for turn-taking tests and `gyde bench turns`: espeak-ng utterances, made when asked.

Why generated: recorded calls are PHI and a downloaded corpus is not allowed at run time; espeak-ng
is a real formant synthesiser (voiced/unvoiced speech, natural word gaps), so a VAD, an endpointer
and a backchannel detector see speech, not test tones. Utterances are built from parts ("words" or
a pause of given length), so every word's end is known to the sample: the STT stand-in
(bench/scripted_stt.py) releases each word as it is spoken. Noise (white, babble from other espeak
voices, mains hum with harmonics) is mixed in at a chosen dBFS, as a phone line carries it.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from adapters import audio as mulaw
from adapters.audio import Resampler
from adapters.tts.espeak_tts import WavStream

RATE = 8000
FRAME = 160
Audio = npt.NDArray[np.float64]  # 8 kHz samples on the int16 scale
NOISES = ("white", "babble", "hum")
VOICES = ("en-us", "en-gb", "en-us+f3", "en-us+m3", "en-gb+f2", "en-us+m7")
_BABBLE_TEXT = (
    "the weather has been quite nice all week and we went out to the lake",
    "i told him the train was late again this morning so we took the bus",
    "did you see the game last night it went into overtime twice",
    "we should get lunch on friday if the office is not too busy",
    "my sister is moving to denver next month for her new job",
    "they said the store will close early because of the holiday",
)


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


@functools.lru_cache(maxsize=512)
def synthesize(text: str, voice: str = "en-us", wpm: int = 165) -> Audio:
    """espeak-ng speech at 8 kHz (leading and trailing silence trimmed); cached per process."""
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng)")
    out = subprocess.run(
        [binary, "--stdin", "--stdout", "-v", voice, "-s", str(wpm)],
        input=text.encode(),
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    wav = WavStream()
    samples = wav.feed(out)
    assert wav.format is not None
    resampler = Resampler(wav.format.rate, RATE)
    audio = np.concatenate([resampler.feed(samples), resampler.flush()])
    loud = np.flatnonzero(np.abs(audio) > 200)
    return audio[loud[0] : loud[-1] + 1] if len(loud) else audio


def level_dbfs(audio: Audio) -> float:
    """Active level: mean power of the 20 ms frames within 20 dB of the loudest (speech, not gaps)."""
    frames = audio[: len(audio) // FRAME * FRAME].reshape(-1, FRAME)
    power = (frames**2).mean(axis=1) + 1e-9
    active = power[power >= power.max() / 100]
    return float(10 * np.log10(active.mean() / 32768.0**2))


def scaled(audio: Audio, dbfs: float, active: bool = True) -> Audio:
    """`audio` at `dbfs` (active speech level, or RMS for noise)."""
    now = level_dbfs(audio) if active else 10 * np.log10((audio**2).mean() / 32768.0**2 + 1e-20)
    return np.asarray(audio * 10 ** ((dbfs - now) / 20), dtype=np.float64)


@dataclass(frozen=True)
class Word:
    text: str
    end: int  # sample index (in the call's inbound audio) at which the word has been said


@dataclass
class Spoken:
    """A stretch of caller speech placed in a call: its audio and its words with their ends."""

    audio: Audio
    words: list[Word]
    speech_end: int  # sample after the last voiced sample (relative to the start of `audio`)


def speak(parts: list[str | float], voice: str, wpm: int, level_db: float) -> Spoken:
    """Join phrases and pauses (seconds) into one utterance at `level_db`; word ends are spread over
    each phrase in proportion to their letters (espeak gives no word timings)."""
    chunks: list[Audio] = []
    words: list[Word] = []
    at = 0
    for part in parts:
        if isinstance(part, float | int):
            gap = np.zeros(int(part * RATE))
            chunks.append(gap)
            at += len(gap)
            continue
        phrase = synthesize(part, voice, wpm)
        tokens = part.split()
        weights = np.cumsum([len(t) + 1 for t in tokens]) / sum(len(t) + 1 for t in tokens)
        words += [Word(t, at + int(w * len(phrase))) for t, w in zip(tokens, weights, strict=True)]
        chunks.append(phrase)
        at += len(phrase)
    audio = np.concatenate(chunks)
    loud = np.flatnonzero(np.abs(audio) > 200)
    return Spoken(scaled(audio, level_db), words, int(loud[-1]) + 1 if len(loud) else 0)


def cough(rng: np.random.Generator, level_db: float) -> Audio:
    """A cough: a burst of band-passed noise with a fast attack and a ~200 ms decay."""
    length = int(rng.uniform(0.18, 0.32) * RATE)
    burst = np.convolve(rng.standard_normal(length), np.hanning(9), mode="same")
    burst -= np.convolve(burst, np.ones(40) / 40, mode="same")  # no rumble below ~200 Hz
    envelope = np.exp(-np.arange(length) / (0.07 * RATE)) * (1 - np.exp(-np.arange(length) / 40))
    return scaled(burst * envelope, level_db, active=False)


def knock(rng: np.random.Generator, level_db: float) -> Audio:
    """A short noise: two or three clicks (a knock, the handset moved), under 150 ms in all."""
    out = np.zeros(int(0.15 * RATE))
    for start in rng.choice(np.arange(0, len(out) - 200, 80), size=int(rng.integers(2, 4)), replace=False):
        out[start : start + 200] += rng.standard_normal(200) * np.exp(-np.arange(200) / 30)
    return scaled(out, level_db, active=False)


@functools.lru_cache(maxsize=4)
def _babble_bed(seconds: int = 20) -> Audio:
    total = np.zeros(seconds * RATE)
    for index, text in enumerate(_BABBLE_TEXT):
        voice = synthesize(text, VOICES[index % len(VOICES)], 150 + 10 * index)
        looped = np.tile(voice, len(total) // len(voice) + 1)[: len(total)]
        total += np.roll(looped, index * 1733) / np.sqrt((voice**2).mean() + 1e-9)
    return total


def noise(kind: str, samples: int, dbfs: float, rng: np.random.Generator) -> Audio:
    """`samples` of line noise at `dbfs` RMS: white, babble (a room of voices) or hum (60 Hz)."""
    if kind == "white":
        raw = rng.standard_normal(samples)
    elif kind == "babble":
        bed = _babble_bed()
        start = int(rng.integers(0, len(bed)))
        raw = np.tile(bed, samples // len(bed) + 2)[start : start + samples]
    elif kind == "hum":
        t = np.arange(samples) / RATE
        phase = rng.uniform(0, 2 * np.pi)
        tones = [np.sin(2 * np.pi * 60 * k * t + phase * k) / k for k in (1, 2, 3, 5, 7)]
        raw = np.sum(tones, axis=0) + 0.05 * rng.standard_normal(samples)
    else:
        raise ValueError(f"noise must be one of {', '.join(NOISES)}, got {kind!r}")
    return scaled(np.asarray(raw, dtype=np.float64), dbfs, active=False)


def to_frames(audio: Audio) -> list[bytes]:
    """8 kHz samples -> 20 ms mu-law frames (the last one padded with silence)."""
    pad = (-len(audio)) % FRAME
    pcm = np.clip(np.rint(np.concatenate([audio, np.zeros(pad)])), -32768, 32767).astype(np.int16)
    data = mulaw.encode(pcm)
    return [data[i : i + FRAME] for i in range(0, len(data), FRAME)]
