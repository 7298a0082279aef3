import numpy as np

from adapters import audio as mulaw


def test_silence_is_0xff_and_decodes_to_zero():
    assert mulaw.encode([0]) == b"\xff"
    assert list(mulaw.decode(b"\xff\x7f")) == [0, 0]


def test_round_trip_error_is_within_g711_step_size():
    pcm = np.arange(-32768, 32768, 3)
    back = mulaw.decode(mulaw.encode(pcm)).astype(np.int64)
    big = np.abs(pcm) > 256
    assert np.max(np.abs(back - pcm)[big] / np.abs(pcm[big])) < 0.07
    assert np.max(np.abs(back - pcm)[~big]) <= 16


def test_known_codes_match_g711():
    assert mulaw.decode(bytes([0x00, 0x80]))[0] == -32124
    assert mulaw.decode(bytes([0x00, 0x80]))[1] == 32124
    assert mulaw.encode([32767, -32768]) == bytes([0x80, 0x00])


def test_encode_clips_out_of_range_input():
    assert mulaw.encode([10**6, -(10**6)]) == mulaw.encode([32767, -32768])


def test_frame_energy():
    assert mulaw.frame_energy_dbfs(b"\xff" * 160) == -120.0
    assert mulaw.frame_energy_dbfs(b"") == -120.0
    tone = mulaw.encode((0.5 * 32767 * np.sin(np.arange(160) * 2 * np.pi / 16)).astype(int))
    assert -10.0 < mulaw.frame_energy_dbfs(tone) < -8.0  # 0.5 amplitude sine = -9 dBFS
