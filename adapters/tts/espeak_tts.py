"""espeak-ng as a local TTS: offline speech for demos and outages, streamed as 8 kHz mu-law.

Why a subprocess: espeak-ng ships as a binary on every Linux distribution and needs no model files
or network. It runs without a shell and reads the sentence from stdin, so no text (leading dashes,
quotes, `$(...)`) can become an argument or a command. Its `--stdout` WAV (22050 Hz 16-bit mono
in practice; the header is parsed, not assumed) is resampled and encoded as it arrives, so the
first frame leaves before espeak-ng has finished the sentence. Closing or cancelling the stream
(barge-in) kills the process; a missing binary or a failed run raises ProviderError so the TTS
fallback chain moves on to the next provider.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from adapters.audio import Resampler, encode_float
from adapters.tts.base import ProviderError

DEFAULT_BINARY = "espeak-ng"
READ_BYTES = 4096  # ~93 ms of 22050 Hz audio per read: small enough to stream, large enough for NumPy
MIN_WPM, MAX_WPM = 80, 450  # espeak-ng's own speed range
_MAX_HEADER_BYTES = 1 << 20  # chunks before `data` beyond this mean we are not reading a WAV
_VOICE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+/-]*")  # names like en-us, en-gb-x-rp, en-us+f3, mb-en1
_PCM = 1
_EXTENSIBLE = 0xFFFE


def espeak_available(binary: str = DEFAULT_BINARY) -> bool:
    """True when `binary` (a name on PATH or a path) is an executable espeak-ng could run from."""
    return shutil.which(binary) is not None


class WavFormatError(ValueError):
    """The bytes are not a 16-bit PCM RIFF/WAVE stream we can play."""


@dataclass(frozen=True)
class WavFormat:
    rate: int
    channels: int
    bits: int


class WavStream:
    """Incremental RIFF/WAVE reader: header from the bytes, then the data chunk as mono samples.

    Why incremental: espeak-ng writes the header first with a placeholder data size (it cannot know
    the length up front), then the samples as it synthesises them; bytes may split anywhere. A data
    size of 0 is treated as "until the end of the stream"; any other size is honoured, so chunks
    after the data (LIST, ...) are ignored.
    """

    def __init__(self) -> None:
        self.format: WavFormat | None = None
        self._pending = bytearray()
        self._riff_seen = False
        self._in_data = False
        self._data_left: int | None = None  # None: the data runs to the end of the stream

    def feed(self, chunk: bytes) -> npt.NDArray[np.float64]:
        """Add bytes; return the whole frames now available, mixed to mono, on the int16 scale."""
        self._pending += chunk
        if not self._in_data:
            self._parse_header()
            if not self._in_data:
                if len(self._pending) > _MAX_HEADER_BYTES:
                    raise WavFormatError("no data chunk in the first MiB")
                return np.zeros(0, dtype=np.float64)
        assert self.format is not None
        available = len(self._pending)
        if self._data_left is not None:
            available = min(available, self._data_left)
        block = self.format.channels * 2
        usable = available - available % block
        frames = bytes(self._pending[:usable])
        if self._data_left is not None:
            self._data_left -= usable
            if self._data_left < block:  # the data chunk is over: drop the rest of the file
                self._data_left = 0
                self._pending.clear()
        if usable:
            del self._pending[:usable]
        samples = np.frombuffer(frames, dtype="<i2").astype(np.float64)
        if self.format.channels > 1:
            samples = samples.reshape(-1, self.format.channels).mean(axis=1)
        return samples

    @property
    def started(self) -> bool:
        """True once the header is parsed and samples may follow."""
        return self._in_data

    def _parse_header(self) -> None:
        buf = self._pending
        if not self._riff_seen:
            if len(buf) < 12:
                return
            if buf[:4] != b"RIFF" or buf[8:12] != b"WAVE":
                raise WavFormatError("not a RIFF/WAVE stream")
            del buf[:12]
            self._riff_seen = True
        while len(buf) >= 8:
            chunk_id = bytes(buf[:4])
            (size,) = struct.unpack("<I", buf[4:8])
            if chunk_id == b"data":
                if self.format is None:
                    raise WavFormatError("data chunk before fmt chunk")
                del buf[:8]
                self._data_left = size or None
                self._in_data = True
                return
            padded = size + (size & 1)  # RIFF chunks are word-aligned
            if len(buf) < 8 + padded:
                return  # wait for the rest of this chunk
            body = bytes(buf[8 : 8 + size])
            del buf[: 8 + padded]
            if chunk_id == b"fmt ":
                self.format = _parse_fmt(body)


def _parse_fmt(body: bytes) -> WavFormat:
    if len(body) < 16:
        raise WavFormatError("fmt chunk too short")
    tag, channels, rate, _byte_rate, _align, bits = struct.unpack("<HHIIHH", body[:16])
    if tag == _EXTENSIBLE and len(body) >= 26:
        (tag,) = struct.unpack("<H", body[24:26])  # first two bytes of the sub-format GUID
    if tag != _PCM or bits != 16:
        raise WavFormatError(f"unsupported WAV format (tag {tag}, {bits}-bit); need 16-bit PCM")
    if channels < 1 or rate < 1:
        raise WavFormatError(f"bad WAV header ({channels} channels at {rate} Hz)")
    return WavFormat(rate=rate, channels=channels, bits=bits)


class EspeakTTS:
    """TTSProvider running `espeak-ng --stdin --stdout` once per sentence."""

    def __init__(
        self,
        voice: str = "en-us",
        speed_wpm: int = 175,
        binary: str = DEFAULT_BINARY,
        name: str = "espeak",
        read_bytes: int = READ_BYTES,
    ) -> None:
        if not _VOICE.fullmatch(voice):
            raise ValueError(f"espeak voice must look like en-us or en-us+f3, got {voice!r}")
        if not MIN_WPM <= speed_wpm <= MAX_WPM:
            raise ValueError(f"espeak speed must be {MIN_WPM}-{MAX_WPM} words per minute, got {speed_wpm}")
        self.name = name
        self.voice = voice
        self.speed_wpm = speed_wpm
        self.binary = binary
        self._read_bytes = read_bytes

    def command(self, executable: str) -> list[str]:
        """argv for one sentence: options only; the text goes to stdin, never into argv."""
        return [executable, "--stdin", "--stdout", "-b", "1", "-v", self.voice, "-s", str(self.speed_wpm)]

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        executable = shutil.which(self.binary)
        if executable is None:
            raise ProviderError(
                self.name,
                f"{self.binary!r} not found or not executable (install espeak-ng or set GYDE_ESPEAK_BINARY)",
                retryable=False,
            )
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.command(executable),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            raise ProviderError(
                self.name, f"cannot start {executable}: {exc.strerror or exc}", retryable=False
            ) from exc
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        writer = asyncio.create_task(_write_and_close(proc.stdin, text.encode("utf-8")))
        errors = asyncio.create_task(proc.stderr.read())
        wav = WavStream()
        resampler: Resampler | None = None
        try:
            while chunk := await proc.stdout.read(self._read_bytes):
                try:
                    samples = wav.feed(chunk)
                except WavFormatError as exc:
                    raise ProviderError(
                        self.name, f"bad output from espeak-ng: {exc}", retryable=False
                    ) from exc
                if wav.format is None or not wav.started:
                    continue
                if resampler is None:
                    resampler = Resampler(wav.format.rate)
                audio = encode_float(resampler.feed(samples))
                if audio:
                    yield audio
            status = await proc.wait()
            if status != 0:
                stderr = (await errors).decode("utf-8", "replace").strip()[-200:]
                raise ProviderError(
                    self.name, f"espeak-ng exited with status {status}" + (f": {stderr}" if stderr else "")
                )
            if resampler is None:
                raise ProviderError(self.name, "espeak-ng wrote no WAV audio")
            tail = encode_float(resampler.flush())
            if tail:
                yield tail
        finally:
            if proc.returncode is None:  # closed early, cancelled (barge-in) or failed: stop it now
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
            for task in (writer, errors):
                task.cancel()
            await asyncio.gather(writer, errors, return_exceptions=True)


async def _write_and_close(stdin: asyncio.StreamWriter, data: bytes) -> None:
    """Send the sentence and EOF; a process that died first is reported by its exit status."""
    try:
        stdin.write(data)
        await stdin.drain()
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        with contextlib.suppress(Exception):
            stdin.close()
