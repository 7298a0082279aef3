"""G.711 mu-law with NumPy lookup tables (audioop is gone in Python 3.13).

Both directions are a single table lookup, so a 20 ms frame costs a couple of microseconds.
"""

from __future__ import annotations

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
