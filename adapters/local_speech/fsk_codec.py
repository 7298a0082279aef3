"""The simulator's codec: text carried inside 8 kHz mu-law audio as binary FSK (docs/codec.md).

Why FSK: the simulated callee's words must travel in the audio itself, so framing, VAD, end-of-turn
and barge-in are exercised for real, and it must decode from 20 ms frames split anywhere at a cost
of a few NumPy calls per frame (the benchmark holds hundreds of calls on one core).

Line format: 500 baud, mark (bit 1) = 1000 Hz, space (bit 0) = 2000 Hz, continuous phase (every bit is
a whole number of cycles). Each byte is UART-framed like Bell 202 caller ID: start bit 0, eight data
bits LSB first, stop bit 1. A message is a mark lead-in, then the bytes
``MAGIC, len_hi, len_lo, payload (UTF-8), crc_hi, crc_lo`` (CRC-16/CCITT-FALSE over length and
payload), then a short mark tail.
"""

from __future__ import annotations

from enum import Enum

import numpy as np
import numpy.typing as npt

from adapters import audio as mulaw

SAMPLE_RATE = 8000
BAUD = 500
SAMPLES_PER_BIT = SAMPLE_RATE // BAUD  # 16
MARK_HZ = 1000
SPACE_HZ = 2000
AMPLITUDE = 0.3  # of full scale: about -13 dBFS, well above any VAD threshold
LEAD_IN_BITS = 10
TAIL_BITS = 2
MAGIC = 0xA7
MAX_PAYLOAD = 4096  # a longer length field means we locked onto noise or a cut message
_BYTE_BITS = 10
_THRESHOLD = 1e-3  # discriminator units; silence decodes to exactly 0
_PERIOD = 8  # both tones repeat every 8 samples at 8 kHz


def crc16_ccitt(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF): catches the bit errors a cut stream makes."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def frame_bytes(text: str) -> bytes:
    """The byte-level message for `text` (without the bit-level UART framing)."""
    payload = text.encode("utf-8")
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"message too long for the codec: {len(payload)} bytes > {MAX_PAYLOAD}")
    body = len(payload).to_bytes(2, "big") + payload
    return bytes([MAGIC]) + body + crc16_ccitt(body).to_bytes(2, "big")


def _bits_for(message: bytes) -> npt.NDArray[np.uint8]:
    data = np.unpackbits(np.frombuffer(message, dtype=np.uint8)[:, None], axis=1, bitorder="little")
    framed = np.empty((len(message), _BYTE_BITS), dtype=np.uint8)
    framed[:, 0] = 0
    framed[:, 1:9] = data
    framed[:, 9] = 1
    return np.concatenate(
        [np.ones(LEAD_IN_BITS, dtype=np.uint8), framed.ravel(), np.ones(TAIL_BITS, dtype=np.uint8)]
    )


def encode_pcm(text: str) -> npt.NDArray[np.float32]:
    """`text` as float PCM in [-1, 1] at 8 kHz."""
    bits = _bits_for(frame_bytes(text))
    freqs = np.repeat(np.where(bits == 1, MARK_HZ, SPACE_HZ), SAMPLES_PER_BIT)
    phase = 2.0 * np.pi * (np.cumsum(freqs) - freqs) / SAMPLE_RATE
    pcm: npt.NDArray[np.float32] = (AMPLITUDE * np.sin(phase)).astype(np.float32)
    return pcm


def encode(text: str) -> bytes:
    """`text` as 8 kHz mu-law audio."""
    return mulaw.encode(np.round(encode_pcm(text) * 32767.0).astype(np.int32))


def duration_seconds(text: str) -> float:
    """How long `text` takes to say in this codec."""
    return len(_bits_for(frame_bytes(text))) / BAUD


def _basis() -> npt.NDArray[np.float32]:
    n = np.arange(_PERIOD)
    cols = [
        np.cos(2 * np.pi * MARK_HZ * n / SAMPLE_RATE),
        np.sin(2 * np.pi * MARK_HZ * n / SAMPLE_RATE),
        np.cos(2 * np.pi * SPACE_HZ * n / SAMPLE_RATE),
        np.sin(2 * np.pi * SPACE_HZ * n / SAMPLE_RATE),
    ]
    return np.stack(cols, axis=1).astype(np.float32)


_BASIS = _basis()
_MAX_CHUNK = 2048  # samples demodulated per step; longer chunks are split
# (4, L) so the running sums run along contiguous memory (twice as fast as along axis 0)
_BASIS_TILED = np.ascontiguousarray(np.tile(_BASIS, ((_MAX_CHUNK + SAMPLES_PER_BIT) // _PERIOD + 2, 1)).T)
_SIGNS = np.array([1.0, 1.0, -1.0, -1.0], dtype=np.float32)
_BIT_OFFSETS = SAMPLES_PER_BIT * np.arange(_BYTE_BITS) + SAMPLES_PER_BIT // 2


class _Stage(Enum):
    HUNT = 0  # waiting for MAGIC
    LENGTH = 1
    PAYLOAD = 2
    CRC = 3


class FskDecoder:
    """Streaming decoder: feed mu-law chunks of any size, get each completed message's text.

    A non-coherent discriminator (mark power minus space power over a one-bit window) is computed
    per sample, vectorised per chunk; UART start-bit edges resynchronise every byte, and a bad
    CRC or a framing error drops back to hunting, so a cut-off message never blocks the next one.
    """

    def __init__(self) -> None:
        self._next_sample = 0  # absolute index of the next sample fed
        self._ctx = np.zeros(SAMPLES_PER_BIT - 1, dtype=np.float32)
        self._disc = np.zeros(0, dtype=np.float32)  # discriminator, window ending at absolute index
        self._disc_start = 0
        self._search_from = 0
        self._stage = _Stage.HUNT
        self._buf = bytearray()
        self._need = 0
        self._last_byte_at = 0
        self.messages_decoded = 0
        self.errors = 0

    @property
    def in_message(self) -> bool:
        """True while a message has started and not completed (used to avoid stale decoding)."""
        return self._stage is not _Stage.HUNT

    def feed(self, chunk: bytes) -> list[str]:
        """Consume mu-law bytes; return the texts of messages completed by this chunk."""
        if not chunk:
            return []
        # A whole bit-time of digital silence while hunting: nothing to decode, skip the maths.
        # (Shorter silent chunks go through the demodulator: a tone crosses zero too.)
        if self._stage is _Stage.HUNT and len(chunk) >= SAMPLES_PER_BIT and not chunk.strip(b"\xff\x7f"):
            self._skip_silence(len(chunk))
            return []
        self._append_discriminator(mulaw.decode_float(chunk))
        return self._run()

    def _skip_silence(self, n: int) -> None:
        self._next_sample += n
        self._ctx[:] = 0.0
        self._disc = np.zeros(0, dtype=np.float32)
        self._disc_start = self._next_sample
        self._search_from = self._next_sample

    def _append_discriminator(self, pcm: npt.NDArray[np.float32]) -> None:
        if len(pcm) > _MAX_CHUNK:
            for start in range(0, len(pcm), _MAX_CHUNK):
                self._append_discriminator(pcm[start : start + _MAX_CHUNK])
            return
        x = np.concatenate([self._ctx, pcm])
        offset = (self._next_sample - (SAMPLES_PER_BIT - 1)) % _PERIOD
        csum = np.empty((4, len(x) + 1), dtype=np.float32)
        csum[:, 0] = 0.0
        np.cumsum(_BASIS_TILED[:, offset : offset + len(x)] * x, axis=1, out=csum[:, 1:])
        win = csum[:, SAMPLES_PER_BIT:] - csum[:, :-SAMPLES_PER_BIT]
        disc = _SIGNS @ (win * win)
        if len(self._disc) == 0:
            self._disc = disc
            self._disc_start = self._next_sample
        else:
            self._disc = np.concatenate([self._disc, disc])
        self._next_sample += len(pcm)
        self._ctx = x[-(SAMPLES_PER_BIT - 1) :]

    def _run(self) -> list[str]:
        out: list[str] = []
        disc, base = self._disc, self._disc_start
        end = base + len(disc)
        while True:
            lo = max(self._search_from, base)
            if lo >= end:
                break
            below = disc[lo - base :] < -_THRESHOLD
            if not below.any():
                self._search_from = end
                if self._stage is not _Stage.HUNT and end - self._last_byte_at > 3 * 10 * SAMPLES_PER_BIT:
                    out.extend(self._resync())  # stream went quiet mid-message
                break
            edge = lo + int(below.argmax())
            positions = edge + _BIT_OFFSETS
            if positions[-1] >= end:
                self._search_from = edge  # wait for the rest of this byte
                break
            bits = disc[positions - base] > 0
            if bits[0] or not bits[9]:
                self._search_from = edge + 1
                if self._stage is not _Stage.HUNT:
                    self.errors += 1
                    out.extend(self._resync())
                continue
            value = int(np.packbits(bits[1:9], bitorder="little")[0])
            self._search_from = int(positions[9])  # stop-bit centre: mark for sure
            self._last_byte_at = edge + 10 * SAMPLES_PER_BIT
            text = self._on_byte(value)
            if text is not None:
                out.append(text)
        keep_from = min(self._search_from, end) - 1
        if keep_from > base:
            self._disc = disc[keep_from - base :]
            self._disc_start = keep_from
        return out

    def _reset_message(self) -> None:
        self._stage = _Stage.HUNT
        self._buf.clear()

    def _resync(self) -> list[str]:
        """A message broke (cut off, bad CRC): re-read its bytes looking for a message inside."""
        replay = bytes(self._buf)
        self._reset_message()
        out = []
        for value in replay:
            text = self._on_byte(value)
            if text is not None:
                out.append(text)
        return out

    def _resync_one(self) -> str | None:
        texts = self._resync()
        return texts[-1] if texts else None

    def _on_byte(self, value: int) -> str | None:
        if self._stage is _Stage.HUNT:
            if value == MAGIC:
                self._stage = _Stage.LENGTH
                self._buf.clear()
                self._need = 2
            return None
        self._buf.append(value)
        if len(self._buf) < self._need:
            return None
        if self._stage is _Stage.LENGTH:
            self._stage = _Stage.PAYLOAD
            length = int.from_bytes(self._buf[:2], "big")
            if length > MAX_PAYLOAD:
                self.errors += 1
                return self._resync_one()
            self._need = 2 + length
            if self._need > 2:
                return None
        if self._stage is _Stage.PAYLOAD:
            self._stage = _Stage.CRC
            self._need += 2
            return None
        body, crc = bytes(self._buf[:-2]), int.from_bytes(self._buf[-2:], "big")
        if crc16_ccitt(body) != crc:
            self.errors += 1
            return self._resync_one()
        self._reset_message()
        self.messages_decoded += 1
        return body[2:].decode("utf-8", errors="replace")


def decode_all(audio: bytes) -> list[str]:
    """Every message in a complete mu-law recording (convenience for tests and tools)."""
    return FskDecoder().feed(audio)
