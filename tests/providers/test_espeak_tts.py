"""EspeakTTS: a fake espeak-ng (always) and the real binary (when installed; required in CI).

The fake is a Python script written to tmp_path that checks its argv, logs argv/stdin/pid, and
writes a real RIFF WAV tone to stdout, in pieces and as slowly as a test needs, so WAV parsing,
resampling, streaming, cancellation and errors are all tested without espeak-ng installed.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import struct
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from adapters.audio import Resampler, decode, frame_energy_dbfs
from adapters.llm.base import ProviderError
from adapters.providers import TTS_CHOICES, build_tts
from adapters.tts.espeak_tts import EspeakTTS, WavFormatError, WavStream, espeak_available
from adapters.tts.fallback import TTSFallback
from settings import Settings
from tests.providers.local import ConstantTTS

ARGV = ["--stdin", "--stdout", "-b", "1", "-v", "en-us", "-s", "175"]  # what EspeakTTS() must pass

FAKE = """#!{python}
import json, math, os, struct, sys, time

cfg = json.loads({cfg!r})
argv = sys.argv[1:]
text = sys.stdin.buffer.read().decode("utf-8")
with open(cfg["log"], "w") as log:
    json.dump({{"argv": argv, "text": text, "pid": os.getpid()}}, log)
if argv != cfg["expect_argv"]:
    sys.stderr.write("fake espeak-ng: unexpected argv %r\\n" % argv)
    sys.exit(2)
if cfg["fail_before"]:
    sys.stderr.write("fake espeak-ng: scripted failure\\n")
    sys.exit(cfg["fail_before"])
if cfg["raw"] is not None:
    sys.stdout.write(cfg["raw"])
    sys.exit(0)
rate, channels, bits = cfg["rate"], cfg["channels"], cfg["bits"]
count = int(rate * cfg["seconds"])
samples = [int(cfg["amplitude"] * math.sin(2 * math.pi * cfg["freq"] * i / rate)) for i in range(count)]
frames = struct.pack("<%dh" % (count * channels), *[s for s in samples for _ in range(channels)])
size = len(frames) if cfg["exact_size"] else 0x7FFFF000  # espeak-ng writes this placeholder
fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * channels * bits // 8, channels * bits // 8, bits)
body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
if cfg["list_chunk"]:
    body += b"LIST" + struct.pack("<I", 5) + b"INFOx" + b"\\0"  # odd size: one pad byte
body += b"data" + struct.pack("<I", size) + frames
if cfg["exact_size"]:
    body += b"junk" + struct.pack("<I", 8) + b"\\x7f" * 8  # after the data: not audio
wav = b"RIFF" + struct.pack("<I", len(body)) + body
out = sys.stdout.buffer
step = -(-len(wav) // cfg["pieces"])
for k in range(cfg["pieces"]):
    out.write(wav[k * step : (k + 1) * step])
    out.flush()
    if k == 0 and cfg["wait_for"]:
        deadline = time.monotonic() + 10
        while not os.path.exists(cfg["wait_for"]):
            if time.monotonic() > deadline:
                sys.exit(4)
            time.sleep(0.01)
    if k == 0 and cfg["hang"]:
        time.sleep(cfg["hang"])
        open(cfg["finished"], "w").close()
    time.sleep(cfg["delay"])
sys.exit(cfg["exit"])
"""


class FakeEspeak:
    """Writes fake espeak-ng scripts and remembers what each run saw."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.log = root / "fake-log.json"
        self.finished = root / "fake-finished"
        self.go = root / "fake-go"

    def make(self, **overrides: Any) -> str:
        cfg: dict[str, Any] = {
            "log": str(self.log),
            "finished": str(self.finished),
            "expect_argv": ARGV,
            "fail_before": 0,
            "raw": None,
            "rate": 22050,
            "channels": 1,
            "bits": 16,
            "freq": 1000.0,
            "amplitude": 8000,
            "seconds": 0.5,
            "exact_size": False,
            "list_chunk": False,
            "pieces": 1,
            "wait_for": None,
            "hang": 0,
            "delay": 0.0,
            "exit": 0,
        }
        cfg.update(overrides)
        path = self.root / "espeak-ng"
        path.write_text(FAKE.format(python=sys.executable, cfg=json.dumps(cfg)))
        path.chmod(0o755)
        return str(path)

    def seen(self) -> dict[str, Any]:
        seen: dict[str, Any] = json.loads(self.log.read_text())
        return seen


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeEspeak]:
    helper = FakeEspeak(tmp_path)
    yield helper
    if helper.log.exists():  # never leave a fake we started running, whatever the test did
        pid = helper.seen()["pid"]
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


async def collect(tts: EspeakTTS, text: str = "Hello there.") -> bytes:
    return b"".join([chunk async for chunk in tts.synthesize(text)])


def peak_and_rms(mulaw: bytes) -> tuple[float, float]:
    """Dominant frequency (Hz) and RMS of 8 kHz mu-law, away from the start and end transients."""
    pcm = decode(mulaw).astype(np.float64)[200:-200]
    spectrum = np.abs(np.fft.rfft(pcm * np.hanning(len(pcm))))
    return float(np.argmax(spectrum) * 8000 / len(pcm)), float(np.sqrt(np.mean(pcm**2)))


# --- WAV parsing and resampling -----------------------------------------------------------------


def wav_bytes(rate: int, frames: bytes, channels: int = 1) -> bytes:
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * channels * 2, channels * 2, 16)
    body = b"WAVEfmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(frames)) + frames
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_wav_stream_reads_the_header_and_samples_split_anywhere() -> None:
    samples = np.array([0, 1000, -1000, 32767, -32768, 7], dtype="<i2")
    wav = wav_bytes(16000, samples.tobytes()) + b"LIST\x04\x00\x00\x00abcd"
    reader = WavStream()
    pieces = [reader.feed(wav[i : i + 1]) for i in range(len(wav))]  # one byte at a time
    assert reader.format is not None and (reader.format.rate, reader.format.channels) == (16000, 1)
    assert np.concatenate(pieces).tolist() == samples.tolist()  # trailing chunk is not audio


def test_wav_stream_mixes_stereo_to_mono() -> None:
    stereo = np.array([100, 300, -200, -400], dtype="<i2").tobytes()
    reader = WavStream()
    assert reader.feed(wav_bytes(22050, stereo, channels=2)).tolist() == [200.0, -300.0]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"eSpeak NG text-to-speech: 1.51\n", "not a RIFF/WAVE"),
        (b"RIFF\0\0\0\0WAVEdata\0\0\0\0", "data chunk before fmt"),
        (
            b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0" + struct.pack("<HHIIHH", 1, 1, 22050, 22050, 1, 8),
            "unsupported WAV format",
        ),
    ],
)
def test_wav_stream_rejects_what_it_cannot_play(data: bytes, message: str) -> None:
    with pytest.raises(WavFormatError, match=message):
        WavStream().feed(data)


def test_resampler_22050_to_8000_keeps_1khz_and_filters_6khz() -> None:
    t = np.arange(22050) / 22050
    out_1k = Resampler(22050).feed(8000 * np.sin(2 * np.pi * 1000 * t))[200:-200]
    spectrum = np.abs(np.fft.rfft(out_1k))
    assert abs(np.argmax(spectrum) * 8000 / len(out_1k) - 1000) <= 5
    assert 5500 < np.sqrt(np.mean(out_1k**2)) < 5800  # 8000 / sqrt(2) ~ 5657: unity gain
    out_6k = Resampler(22050).feed(8000 * np.sin(2 * np.pi * 6000 * t))[200:-200]
    assert np.sqrt(np.mean(out_6k**2)) < 10  # > 50 dB down: filtered, not aliased to 2 kHz


@pytest.mark.parametrize("rate", [22050, 16000, 24000, 44100, 11025])
def test_resampler_is_chunking_independent_and_keeps_the_duration(rate: int) -> None:
    x = np.random.default_rng(7).normal(0, 3000, rate // 2 + 13)
    whole = Resampler(rate)
    expected = np.concatenate([whole.feed(x), whole.flush()])
    split = Resampler(rate)
    pieces = [split.feed(x[i : i + 333]) for i in range(0, len(x), 333)] + [split.flush()]
    assert np.allclose(np.concatenate(pieces), expected)
    assert len(expected) == -(-len(x) * 8000 // rate)


# --- EspeakTTS with the fake binary ---------------------------------------------------------------


async def test_a_1khz_tone_at_22050_comes_out_as_1khz_mulaw_of_the_same_duration(fake: FakeEspeak) -> None:
    out = await collect(EspeakTTS(binary=fake.make(freq=1000.0, seconds=0.5, pieces=3)), "Hello.")
    assert len(out) == 4000  # 0.5 s at 8 kHz, one byte per sample
    peak, rms = peak_and_rms(out)
    assert abs(peak - 1000) <= 16 and 5000 < rms < 6300
    assert fake.seen()["argv"] == ARGV and fake.seen()["text"] == "Hello."


async def test_a_6khz_tone_is_removed_by_the_low_pass(fake: FakeEspeak) -> None:
    out = await collect(EspeakTTS(binary=fake.make(freq=6000.0)))
    assert len(out) == 4000
    assert peak_and_rms(out)[1] < 60  # aliasing would leave a loud 2 kHz tone


async def test_header_fields_are_read_not_assumed(fake: FakeEspeak) -> None:
    binary = fake.make(rate=16000, channels=2, exact_size=True, list_chunk=True, seconds=0.25, pieces=5)
    out = await collect(EspeakTTS(binary=binary))
    assert len(out) == 2000  # 0.25 s; the chunk after the data is not played
    peak, rms = peak_and_rms(out)
    assert abs(peak - 1000) <= 20 and rms > 5000


async def test_voice_and_speed_are_passed_as_options(fake: FakeEspeak) -> None:
    argv = ["--stdin", "--stdout", "-b", "1", "-v", "en-gb+f3", "-s", "220"]
    out = await collect(EspeakTTS(voice="en-gb+f3", speed_wpm=220, binary=fake.make(expect_argv=argv)))
    assert len(out) == 4000 and fake.seen()["argv"] == argv


async def test_audio_streams_before_the_process_ends(fake: FakeEspeak) -> None:
    tts = EspeakTTS(binary=fake.make(pieces=4, wait_for=str(fake.go)))
    chunks = tts.synthesize("Hello there.")
    first = await asyncio.wait_for(anext(chunks), 5)  # the fake is now blocked until `go` exists
    assert first and alive(fake.seen()["pid"]) and not fake.go.exists()
    fake.go.touch()
    rest = [chunk async for chunk in chunks]
    assert len(first) + sum(map(len, rest)) == 4000


async def test_closing_the_stream_kills_espeak(fake: FakeEspeak) -> None:
    chunks = EspeakTTS(binary=fake.make(pieces=4, hang=30)).synthesize("Hello.")
    assert await asyncio.wait_for(anext(chunks), 5)
    pid = fake.seen()["pid"]
    await chunks.aclose()
    assert not alive(pid) and not fake.finished.exists()


async def test_cancelling_the_speaking_task_kills_espeak(fake: FakeEspeak) -> None:
    """Barge-in: the media server cancels the task iterating the TTS stream."""
    heard = asyncio.Event()

    async def speak() -> None:
        async for _ in EspeakTTS(binary=fake.make(pieces=4, hang=30)).synthesize("Hello."):
            heard.set()

    task = asyncio.create_task(speak())
    await asyncio.wait_for(heard.wait(), 5)
    pid = fake.seen()["pid"]
    assert alive(pid)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not alive(pid) and not fake.finished.exists()


async def test_non_zero_exit_is_a_provider_error_with_stderr(fake: FakeEspeak) -> None:
    with pytest.raises(ProviderError, match="exited with status 3: fake espeak-ng: scripted failure"):
        await collect(EspeakTTS(binary=fake.make(fail_before=3)))


async def test_non_zero_exit_after_audio_still_raises(fake: FakeEspeak) -> None:
    got: list[bytes] = []
    with pytest.raises(ProviderError, match="exited with status 5"):
        async for chunk in EspeakTTS(binary=fake.make(pieces=3, exit=5)).synthesize("Hi."):
            got.append(chunk)
    assert got  # the audio came first; the fallback chain re-speaks the sentence


async def test_output_that_is_not_a_wav_is_a_provider_error(fake: FakeEspeak) -> None:
    with pytest.raises(ProviderError, match="not a RIFF/WAVE"):
        await collect(EspeakTTS(binary=fake.make(raw="eSpeak NG text-to-speech: 1.51\n")))


async def test_missing_binary_is_a_provider_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ProviderError, match="not found or not executable"):
        await collect(EspeakTTS(binary=str(tmp_path / "no-such-espeak")))
    not_executable = tmp_path / "espeak-ng"
    not_executable.write_text("#!/bin/sh\n")
    with pytest.raises(ProviderError, match="not found or not executable"):
        await collect(EspeakTTS(binary=str(not_executable)))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert not espeak_available()
    with pytest.raises(ProviderError, match="'espeak-ng' not found"):
        await collect(EspeakTTS())


async def test_a_failing_espeak_falls_back_to_the_next_provider(fake: FakeEspeak) -> None:
    chain = TTSFallback([EspeakTTS(binary=fake.make(fail_before=1)), ConstantTTS()], 5.0)
    out = b"".join([chunk async for chunk in chain.synthesize("Hi.")])
    assert out == ConstantTTS.BYTE * 480 and chain.last_provider == "local"


@pytest.mark.parametrize(
    "text",
    [
        "--version",
        "-v evil -w {canary} -s 999",
        "$(touch {canary}); `touch {canary}` | touch {canary} && echo done > {canary}",
        "'; touch {canary}; echo '\"",
        "Grüße, naïve café — 100% \\n ok?",
    ],
)
async def test_text_is_spoken_never_executed_or_parsed_as_options(
    fake: FakeEspeak, tmp_path: Path, text: str
) -> None:
    canary = tmp_path / "canary"
    sentence = text.format(canary=canary)
    out = await collect(EspeakTTS(binary=fake.make()), sentence)
    assert len(out) == 4000
    seen = fake.seen()
    assert seen["argv"] == ARGV and seen["text"] == sentence  # all of it on stdin, none in argv
    assert not canary.exists()


@pytest.mark.parametrize(
    ("voice", "speed"), [("-w /tmp/x", 175), ("en us", 175), ("en-us", 79), ("en-us", 451)]
)
def test_bad_options_are_refused_up_front(voice: str, speed: int) -> None:
    with pytest.raises(ValueError, match="espeak"):
        EspeakTTS(voice=voice, speed_wpm=speed)


# --- Composition (adapters/providers.py) -------------------------------------------------------


def settings(**overrides: Any) -> Settings:
    return Settings(_env_file=None, **overrides)  # type: ignore[call-arg]


def test_tts_espeak_builds_espeak_then_local(fake: FakeEspeak) -> None:
    assert "espeak" in TTS_CHOICES
    binary = fake.make()
    local = ConstantTTS()
    chain = build_tts(
        settings(tts="espeak", espeak_binary=binary, espeak_voice="en-gb", espeak_speed_wpm=200), local
    )
    assert isinstance(chain, TTSFallback)
    assert [type(p) for p in chain.providers] == [EspeakTTS, ConstantTTS]
    espeak = chain.providers[0]
    assert isinstance(espeak, EspeakTTS)
    assert (espeak.binary, espeak.voice, espeak.speed_wpm, espeak.name) == (binary, "en-gb", 200, "espeak")


def test_tts_espeak_without_the_binary_fails_at_build_time(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-espeak-here")
    with pytest.raises(ValueError, match="GYDE_TTS=espeak but .*no-espeak-here.* install espeak-ng"):
        build_tts(settings(tts="espeak", espeak_binary=missing), ConstantTTS())


def test_espeak_speed_setting_is_range_checked() -> None:
    with pytest.raises(ValueError, match="espeak_speed_wpm"):
        settings(espeak_speed_wpm=1000)


# --- The real espeak-ng ---------------------------------------------------------------------------


@pytest.fixture
def real_espeak() -> str:
    """The installed espeak-ng; a skip locally without it, a failure in CI (GYDE_REQUIRE_SERVICES)."""
    found = shutil.which("espeak-ng")
    if found is None:
        if os.environ.get("GYDE_REQUIRE_SERVICES"):
            pytest.fail("espeak-ng must be installed when GYDE_REQUIRE_SERVICES is set (.ci/run installs it)")
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng); CI requires it")
    return found


SENTENCE = "Hi, this is Emma from Gyde, calling about your health plan renewal."


async def test_real_espeak_speaks_a_sentence_of_plausible_length(real_espeak: str) -> None:
    chunks = [chunk async for chunk in EspeakTTS(binary=real_espeak).synthesize(SENTENCE)]
    audio = b"".join(chunks)
    assert len(chunks) > 1  # streamed, not one blob
    assert 2.0 < len(audio) / 8000 < 8.0  # 11 words at 175 wpm is about 4 s
    frames = [audio[i : i + 160] for i in range(0, len(audio) - 159, 160)]
    voiced = sum(frame_energy_dbfs(frame) > -40 for frame in frames)
    assert voiced > len(frames) * 0.4  # speech, not silence


async def test_real_espeak_speed_changes_the_duration(real_espeak: str) -> None:
    slow = await collect(EspeakTTS(speed_wpm=120, binary=real_espeak), SENTENCE)
    fast = await collect(EspeakTTS(speed_wpm=350, binary=real_espeak), SENTENCE)
    assert len(fast) < len(slow) * 0.6


async def test_real_espeak_speaks_option_like_text(real_espeak: str) -> None:
    """As an argument `--version` would print the version (not a WAV); on stdin it is two words."""
    audio = await collect(EspeakTTS(binary=real_espeak), "--version -x")
    assert len(audio) / 8000 > 0.3 and peak_and_rms(audio)[1] > 300


async def test_real_espeak_unknown_voice_is_a_provider_error(real_espeak: str) -> None:
    with pytest.raises(ProviderError, match="exited with status 1: Error: .*voice does not exist"):
        await collect(EspeakTTS(voice="qqq-none", binary=real_espeak))


def test_real_espeak_is_found_by_the_builder(real_espeak: str) -> None:
    chain = build_tts(settings(tts="espeak"), ConstantTTS())
    assert isinstance(chain, TTSFallback) and [p.name for p in chain.providers] == ["espeak", "local"]
