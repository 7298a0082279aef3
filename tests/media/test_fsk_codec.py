import random

import pytest

from adapters.local_speech import fsk_codec
from adapters.local_speech.fsk_codec import FskDecoder

SIL = b"\xff" * 800


def feed_split(decoder: FskDecoder, audio: bytes, rng: random.Random, max_chunk: int = 400) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(audio):
        n = rng.randint(1, max_chunk)
        out += decoder.feed(audio[i : i + n])
        i += n
    return out


def test_round_trip_whole():
    assert fsk_codec.decode_all(fsk_codec.encode("Yes, this is Margaret.")) == ["Yes, this is Margaret."]


def test_unicode_and_empty_messages():
    audio = fsk_codec.encode("Café — ½ price?") + SIL + fsk_codec.encode("")
    assert fsk_codec.decode_all(audio) == ["Café — ½ price?", ""]


@pytest.mark.parametrize("seed", range(25))
def test_round_trip_across_arbitrary_frame_splits(seed: int):
    rng = random.Random(seed)
    texts = ["Hello, is this Emma?", "I would like the dental plan.", "Stop calling me."]
    audio = SIL + b"".join(fsk_codec.encode(t) + b"\xff" * rng.randint(0, 900) for t in texts)
    assert feed_split(FskDecoder(), audio, rng) == texts


def test_single_byte_chunks():
    audio = fsk_codec.encode("one byte at a time")
    decoder = FskDecoder()
    out = [t for i in range(len(audio)) for t in decoder.feed(audio[i : i + 1])]
    assert out == ["one byte at a time"]


def test_twenty_ms_frames_like_twilio():
    audio = SIL + fsk_codec.encode("framed in twenty millisecond frames") + SIL
    decoder = FskDecoder()
    out = [t for i in range(0, len(audio), 160) for t in decoder.feed(audio[i : i + 160])]
    assert out == ["framed in twenty millisecond frames"]


@pytest.mark.parametrize("cut_fraction", [0.1, 0.3, 0.5, 0.8, 0.95])
def test_cut_off_message_does_not_block_the_next(cut_fraction: float):
    first = fsk_codec.encode("this message is cut off by a hang-up")
    cut = first[: int(len(first) * cut_fraction)]
    decoder = FskDecoder()
    assert decoder.feed(cut + fsk_codec.encode("next message") + SIL) == ["next message"]
    decoder2 = FskDecoder()
    assert decoder2.feed(cut + SIL + fsk_codec.encode("after a pause") + SIL) == ["after a pause"]


def test_corrupted_audio_is_rejected_by_the_crc():
    audio = bytearray(fsk_codec.encode("do not trust a corrupted message"))
    middle = len(audio) // 2
    audio[middle : middle + 40] = fsk_codec.encode("x")[400:440]  # overwrite ~2.5 bits with other tones
    decoder = FskDecoder()
    assert decoder.feed(bytes(audio) + SIL) == []
    assert decoder.errors >= 1


def test_noise_and_silence_decode_to_nothing():
    rng = random.Random(7)
    noise = bytes(rng.randrange(256) for _ in range(16000))
    assert fsk_codec.decode_all(SIL + noise + SIL) == []


def test_too_long_message_is_refused():
    with pytest.raises(ValueError, match="too long"):
        fsk_codec.encode("x" * (fsk_codec.MAX_PAYLOAD + 1))


def test_duration_matches_audio_length():
    text = "How long is this?"
    assert fsk_codec.duration_seconds(text) == pytest.approx(len(fsk_codec.encode(text)) / 8000)


def test_crc16_ccitt_check_value():
    assert fsk_codec.crc16_ccitt(b"123456789") == 0x29B1
