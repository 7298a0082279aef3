"""Telephone audio in one place: G.711 mu-law (NumPy lookup tables; `audioop` is gone in Python
3.13), frame energy, WAV framing and streaming resampling to Twilio's 8 kHz.

Why one module: the media server, the local codec, every TTS adapter and the STT adapters that
want a WAV all speak the same mu-law; one table pair means one behaviour to test. Both codec
directions are a single table lookup (a 20 ms frame costs a couple of microseconds).
OpenAI TTS returns 24 kHz 16-bit PCM (`PCM24kToMulaw8k`); any other rate, e.g. espeak-ng's
22050 Hz, goes through `Resampler` (polyphase windowed sinc).
"""

from __future__ import annotations

import io
import math
import wave

import numpy as np
import numpy.typing as npt

SILENCE_BYTE = 0xFF  # mu-law code of linear 0
_BIAS = 0x84
_CLIP = 32635


def _build_decode_table() -> npt.NDArray[np.int16]:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


def _encode_array(pcm: npt.NDArray[np.int32]) -> npt.NDArray[np.uint8]:
    sign = np.where(pcm < 0, 0x80, 0).astype(np.int32)
    magnitude = np.minimum(np.abs(pcm), _CLIP) + _BIAS
    exponent = np.floor(np.log2(magnitude)).astype(np.int32) - 7
    exponent = np.clip(exponent, 0, 7)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    codes: npt.NDArray[np.uint8] = (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8)
    return codes


DECODE_TABLE: npt.NDArray[np.int16] = _build_decode_table()
DECODE_TABLE_F32: npt.NDArray[np.float32] = (DECODE_TABLE / 32768.0).astype(np.float32)
ENERGY_TABLE: npt.NDArray[np.float64] = DECODE_TABLE.astype(np.float64) ** 2
_ENCODE_TABLE: npt.NDArray[np.uint8] = _encode_array(np.arange(-32768, 32768, dtype=np.int32))


def decode(mulaw: bytes) -> npt.NDArray[np.int16]:
    """mu-law bytes -> int16 linear PCM."""
    return DECODE_TABLE[np.frombuffer(mulaw, dtype=np.uint8)]


def decode_float(mulaw: bytes) -> npt.NDArray[np.float32]:
    """mu-law bytes -> float32 PCM in [-1, 1)."""
    return DECODE_TABLE_F32[np.frombuffer(mulaw, dtype=np.uint8)]


def encode(pcm: npt.ArrayLike) -> bytes:
    """int16 linear PCM (any int array, clipped to int16) -> mu-law bytes."""
    samples = np.clip(np.asarray(pcm, dtype=np.int32), -32768, 32767)
    return bytes(_ENCODE_TABLE[samples + 32768].tobytes())


def frame_energy_dbfs(mulaw: bytes) -> float:
    """Mean power of a mu-law frame in dBFS (full-scale sine ~ -3 dBFS); -120 for silence."""
    if not mulaw:
        return -120.0
    power = float(ENERGY_TABLE[np.frombuffer(mulaw, dtype=np.uint8)].mean())
    if power <= 0.0:
        return -120.0
    return float(10.0 * np.log10(power / (32768.0 * 32768.0)))


def mulaw_to_wav(mulaw: bytes, sample_rate: int = 8000) -> bytes:
    """mu-law bytes -> a mono 16-bit PCM WAV file, the format every transcription API accepts."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(decode(mulaw).astype("<i2").tobytes())
    return out.getvalue()


def _lowpass_taps(count: int = 48, cutoff: float = 3400.0, rate: float = 24000.0) -> npt.NDArray[np.float64]:
    """Windowed-sinc low-pass below the 4 kHz Nyquist of the 8 kHz output (no aliasing)."""
    n = np.arange(count) - (count - 1) / 2
    taps = np.sinc(2 * cutoff / rate * n) * np.hamming(count)
    normalised: npt.NDArray[np.float64] = taps / taps.sum()
    return normalised


class PCM24kToMulaw8k:
    """Streaming converter: feed 24 kHz little-endian int16 chunks split anywhere, get 8 kHz mu-law.

    Keeps an odd trailing byte, the filter history and the decimation phase between chunks, so the
    output is the same however the HTTP body was chunked.
    """

    FACTOR = 3

    def __init__(self) -> None:
        self._taps = _lowpass_taps()
        self._history = np.zeros(len(self._taps) - 1, dtype=np.float64)
        self._odd = b""
        self._phase = 0  # index of the next kept sample within the incoming stream, mod FACTOR

    def feed(self, pcm24k: bytes) -> bytes:
        data = self._odd + pcm24k
        usable = len(data) - (len(data) % 2)
        self._odd = data[usable:]
        if usable == 0:
            return b""
        samples = np.frombuffer(data[:usable], dtype="<i2").astype(np.float64)
        extended = np.concatenate([self._history, samples])
        filtered = np.convolve(extended, self._taps, mode="valid")  # one output per new sample
        self._history = extended[-(len(self._taps) - 1) :]
        kept = filtered[self._phase :: self.FACTOR]
        self._phase = (self._phase - len(samples)) % self.FACTOR
        return encode(np.clip(np.rint(kept), -32768, 32767).astype(np.int16))


class Resampler:
    """Streaming band-limited resampler between any two integer rates (polyphase windowed sinc).

    Why: local engines (espeak-ng: 22050 Hz) do not run at a multiple of 8 kHz, so plain decimation
    is not enough. The ratio is reduced to up/down (22050 -> 8000 is 160/441); each output sample
    is a dot product of the input around its exact position with one of `up` precomputed
    Kaiser-windowed sinc phases, low-passed below both Nyquists so nothing aliases. Input may be
    split anywhere; `flush()` emits the tail once the stream ends. The filter is symmetric, so the
    output is not delayed (only held back `half_width` input samples until they arrive).
    """

    def __init__(
        self,
        in_rate: int,
        out_rate: int = 8000,
        zero_crossings: int = 24,
        rolloff: float = 0.9,
        beta: float = 8.0,
    ) -> None:
        if in_rate <= 0 or out_rate <= 0:
            raise ValueError("sample rates must be positive")
        common = math.gcd(in_rate, out_rate)
        self.in_rate, self.out_rate = in_rate, out_rate
        self._up, self._down = out_rate // common, in_rate // common
        cutoff = 0.5 * rolloff * min(in_rate, out_rate) / in_rate  # cycles per input sample
        self._half = max(1, math.ceil(zero_crossings / (2 * cutoff)))
        self._offsets = np.arange(-self._half + 1, self._half + 1)
        u = self._offsets[None, :] - np.arange(self._up)[:, None] / self._up  # (phase, tap) distances
        window = np.i0(beta * np.sqrt(np.clip(1 - (u / self._half) ** 2, 0.0, 1.0))) / np.i0(beta)
        taps = np.sinc(2 * cutoff * u) * window
        self._table: npt.NDArray[np.float64] = taps / taps.sum(axis=1, keepdims=True)  # unity DC gain
        self._buf = np.zeros(self._half - 1, dtype=np.float64)  # silence before the stream
        self._buf_start = -(self._half - 1)  # absolute input index of _buf[0]
        self._received = 0
        self._next = 0  # absolute index of the next output sample
        self._flushed = False

    def feed(self, samples: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Add input samples; return every output sample whose input neighbourhood is complete."""
        if self._flushed:
            raise RuntimeError("resampler already flushed")
        new = np.asarray(samples, dtype=np.float64).ravel()
        self._buf = np.concatenate([self._buf, new])
        self._received += len(new)
        last_complete = self._received - 1 - self._half  # the newest base an output may use
        if last_complete < 0:
            return np.zeros(0, dtype=np.float64)
        return self._produce(-(-(last_complete + 1) * self._up // self._down))

    def flush(self) -> npt.NDArray[np.float64]:
        """End of stream: the remaining outputs, with silence after the last input sample."""
        if self._flushed:
            return np.zeros(0, dtype=np.float64)
        self._flushed = True
        self._buf = np.concatenate([self._buf, np.zeros(self._half, dtype=np.float64)])
        return self._produce(-(-self._received * self._up // self._down))

    def _produce(self, end: int) -> npt.NDArray[np.float64]:
        if end <= self._next:
            return np.zeros(0, dtype=np.float64)
        positions = np.arange(self._next, end, dtype=np.int64) * self._down
        bases, phases = np.divmod(positions, self._up)
        index = (bases - self._buf_start)[:, None] + self._offsets[None, :]
        out: npt.NDArray[np.float64] = np.einsum("ij,ij->i", self._buf[index], self._table[phases])
        self._next = end
        keep_from = (end * self._down) // self._up - self._half + 1
        self._buf = self._buf[keep_from - self._buf_start :]
        self._buf_start = keep_from
        return out


def encode_float(samples: npt.NDArray[np.float64]) -> bytes:
    """Float samples on the int16 scale -> mu-law, rounding and clipping (a resampler's overshoot)."""
    return encode(np.clip(np.rint(samples), -32768, 32767).astype(np.int16))
