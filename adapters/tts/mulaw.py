"""G.711 mu-law encode/decode and a streaming 24 kHz -> 8 kHz resampler, in NumPy.

Why here: OpenAI TTS returns 24 kHz 16-bit PCM and Twilio wants 8 kHz mu-law; OpenAI STT wants a
WAV. `audioop` is gone in Python 3.13, so both directions are table lookups over NumPy arrays.
"""

from __future__ import annotations

import io
import wave

import numpy as np
import numpy.typing as npt

_BIAS = 0x84
_CLIP = 32635


def _decode_table() -> npt.NDArray[np.int16]:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    exponent = (codes >> 4) & 0x07
    magnitude = ((((codes & 0x0F) << 3) + _BIAS) << exponent) - _BIAS
    return np.where(codes & 0x80, -magnitude, magnitude).astype(np.int16)


def _encode_table() -> npt.NDArray[np.uint8]:
    pcm = np.arange(-32768, 32768, dtype=np.int32)
    sign = np.where(pcm < 0, 0x80, 0)
    magnitude = np.minimum(np.abs(pcm), _CLIP) + _BIAS
    exponent = np.clip(np.floor(np.log2(magnitude)).astype(np.int32) - 7, 0, 7)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    table: npt.NDArray[np.uint8] = (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8)
    return table


_DECODE = _decode_table()
_ENCODE = _encode_table()  # indexed by pcm + 32768


def encode(pcm: npt.NDArray[np.int16]) -> bytes:
    """int16 linear PCM -> mu-law bytes (G.711, with the standard bias and clipping)."""
    index = pcm.astype(np.int32) + 32768
    return _ENCODE[index].tobytes()


def decode(mulaw: bytes) -> npt.NDArray[np.int16]:
    """mu-law bytes -> int16 linear PCM."""
    return _DECODE[np.frombuffer(mulaw, dtype=np.uint8)]


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
