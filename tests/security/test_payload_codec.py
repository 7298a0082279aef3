"""Promise: every Temporal payload is AES-256-GCM encrypted with the newest key, payloads written
under an older key still decode after rotation, and tampering is detected."""

from __future__ import annotations

import pytest
from temporalio.api.common.v1 import Payload

from security.aead import DecryptionError
from security.keyring import DEV_KEY_ID, KeyRing, KeyRingError, UnknownKeyId, generate_key_spec
from security.payload_codec import ENCODING, KEY_ID_METADATA, EncryptionCodec, data_converter

PHI = {"name": "Margaret Holloway", "phone": "+15551234567", "dob": "1948-03-02"}


async def test_values_round_trip_and_payload_hides_plaintext(keyring: KeyRing) -> None:
    converter = data_converter(keyring)
    payloads = await converter.encode([PHI])
    raw = payloads[0].SerializeToString()
    assert payloads[0].metadata["encoding"] == ENCODING
    assert payloads[0].metadata[KEY_ID_METADATA] == b"k1"
    for value in PHI.values():
        assert value.encode() not in raw
    assert b"json/plain" not in raw  # the inner encoding is hidden too
    assert await converter.decode(payloads, [dict]) == [PHI]


async def test_rotation_new_key_encrypts_old_payloads_still_decode() -> None:
    old_spec = generate_key_spec("2025a")
    old_ring = KeyRing.parse(old_spec)
    old_payloads = await data_converter(old_ring).encode([PHI])

    rotated = KeyRing.parse(generate_key_spec("2026b") + "," + old_spec)
    converter = data_converter(rotated)
    assert await converter.decode(old_payloads, [dict]) == [PHI]
    fresh = await converter.encode([PHI])
    assert fresh[0].metadata[KEY_ID_METADATA] == b"2026b"

    with pytest.raises(UnknownKeyId):  # the old ring cannot read what the new key sealed
        await EncryptionCodec(old_ring).decode(fresh)


async def test_tampered_ciphertext_is_rejected(keyring: KeyRing) -> None:
    codec = EncryptionCodec(keyring)
    [sealed] = await codec.encode([Payload(metadata={"encoding": b"json/plain"}, data=b'"x"')])
    flipped = bytearray(sealed.data)
    flipped[-1] ^= 0x01
    tampered = Payload(metadata=dict(sealed.metadata), data=bytes(flipped))
    with pytest.raises(DecryptionError):
        await codec.decode([tampered])


async def test_swapping_key_id_metadata_is_rejected() -> None:
    spec_a, spec_b = generate_key_spec("a"), generate_key_spec("b")
    ring = KeyRing.parse(spec_a + "," + spec_b)
    codec = EncryptionCodec(ring)
    [sealed] = await codec.encode([Payload(metadata={"encoding": b"json/plain"}, data=b"1")])
    relabelled = Payload(metadata={**sealed.metadata, KEY_ID_METADATA: b"b"}, data=sealed.data)
    with pytest.raises(DecryptionError):
        await codec.decode([relabelled])


async def test_unencrypted_payloads_pass_through(keyring: KeyRing) -> None:
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b"1")
    assert await EncryptionCodec(keyring).decode([plain]) == [plain]


def test_dev_ring_only_when_nothing_configured(caplog: pytest.LogCaptureFixture) -> None:
    ring = KeyRing.parse("  ")
    assert ring.is_dev and ring.primary.key_id == DEV_KEY_ID
    assert "DEVELOPMENT key ring" in caplog.text
    assert KeyRing.parse("  ").primary.secret == ring.primary.secret  # deterministic
    assert not KeyRing.parse(generate_key_spec("p")).is_dev


@pytest.mark.parametrize(
    "spec, message",
    [
        ("nocolon", "key_id:base64key"),
        ("k:!!notbase64", "not valid base64"),
        ("k:c2hvcnQ=", "32 bytes"),
    ],
)
def test_bad_key_configuration_gives_clear_error(spec: str, message: str) -> None:
    with pytest.raises(KeyRingError, match=message):
        KeyRing.parse(spec)


def test_duplicate_key_ids_rejected() -> None:
    spec = generate_key_spec("same")
    with pytest.raises(KeyRingError, match="duplicate"):
        KeyRing.parse(spec + "," + generate_key_spec("same"))


def test_key_material_never_in_repr(keyring: KeyRing) -> None:
    assert repr(keyring.primary.secret) not in repr(keyring) + repr(keyring.primary)


def test_lookup_secret_survives_rotation() -> None:
    old = generate_key_spec("old")
    assert (
        KeyRing.parse(old).lookup_secret == KeyRing.parse(generate_key_spec("new") + "," + old).lookup_secret
    )
