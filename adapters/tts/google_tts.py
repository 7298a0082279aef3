"""Google Cloud Text-to-Speech v1 (`TextToSpeechAsyncClient.synthesize_speech`, gRPC), asked for
MULAW at 8000 Hz with the `telephony-class-application` effects profile: exactly what Twilio
carries, tuned for a phone line, no resampling.

Why the unary call and not `streaming_synthesize`: streaming works only with Chirp 3 HD voices,
while the unary call takes every voice (Neural2, Studio, Chirp); a sentence is short, so the whole
of it arrives in one response. Google wraps MULAW in a WAV header; the header is checked (mu-law,
mono, 8 kHz) and stripped, and the audio leaves in 40 ms chunks.
"""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator

from google.cloud.texttospeech_v1 import (
    AudioConfig,
    AudioEncoding,
    SynthesisInput,
    TextToSpeechAsyncClient,
    VoiceSelectionParams,
)
from google.cloud.texttospeech_v1.services.text_to_speech.transports import TextToSpeechGrpcAsyncIOTransport

from adapters.google_grpc import GoogleAuth, google_error, make_client
from adapters.tts.base import ProviderError

CHUNK_BYTES = 320  # 40 ms
TELEPHONY_PROFILE = "telephony-class-application"
WAVE_FORMAT_MULAW = 7


def mulaw_from_wav(provider: str, audio: bytes) -> bytes:
    """The samples of a WAV-wrapped 8 kHz mono mu-law clip (raw mu-law passes through)."""
    if not audio.startswith(b"RIFF"):
        return audio
    if len(audio) < 12 or audio[8:12] != b"WAVE":
        raise ProviderError(provider, "malformed audio (not a WAVE file)")
    offset, fmt_ok = 12, False
    while offset + 8 <= len(audio):
        chunk_id, size = audio[offset : offset + 4], struct.unpack_from("<I", audio, offset + 4)[0]
        body = audio[offset + 8 : offset + 8 + size]
        if chunk_id == b"fmt ":
            if len(body) < 16:
                raise ProviderError(provider, "malformed audio (short fmt chunk)")
            fmt, channels, rate = struct.unpack_from("<HHI", body)
            if (fmt, channels, rate) != (WAVE_FORMAT_MULAW, 1, 8000):
                raise ProviderError(provider, f"unexpected audio format ({fmt}, {channels} ch, {rate} Hz)")
            fmt_ok = True
        elif chunk_id == b"data":
            if not fmt_ok:
                raise ProviderError(provider, "malformed audio (data before fmt)")
            return body
        offset += 8 + size + (size & 1)
    raise ProviderError(provider, "malformed audio (no data chunk)")


class GoogleTTS:
    """TTSProvider: one SynthesizeSpeech call per sentence over a shared async client."""

    def __init__(
        self,
        auth: GoogleAuth,
        voice: str = "en-US-Neural2-F",
        *,
        language: str = "en-US",
        endpoint: str | None = None,
        timeout_s: float = 5.0,
        name: str = "google-tts",
    ) -> None:
        auth.validate("tts=google")
        self.name = name
        self.auth = auth
        self.endpoint = endpoint
        self.timeout_s = timeout_s
        self.voice = VoiceSelectionParams(language_code=language, name=voice)
        self.audio_config = AudioConfig(
            audio_encoding=AudioEncoding.MULAW,
            sample_rate_hertz=8000,
            effects_profile_id=[TELEPHONY_PROFILE],
        )
        self._client: TextToSpeechAsyncClient | None = None

    def client(self) -> TextToSpeechAsyncClient:
        if self._client is None:
            self._client = make_client(
                TextToSpeechAsyncClient, TextToSpeechGrpcAsyncIOTransport, self.endpoint, self.auth
            )
        return self._client

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        try:
            response = await self.client().synthesize_speech(
                input=SynthesisInput(text=text),
                voice=self.voice,
                audio_config=self.audio_config,
                retry=None,
                timeout=self.timeout_s,
                metadata=self.auth.metadata(),
            )
        except Exception as exc:
            raise google_error(self.name, exc) from exc
        audio = mulaw_from_wav(self.name, response.audio_content)
        if not audio:
            raise ProviderError(self.name, "no audio")
        for start in range(0, len(audio), CHUNK_BYTES):
            yield audio[start : start + CHUNK_BYTES]
