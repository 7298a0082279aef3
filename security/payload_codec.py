"""Temporal payload codec: every payload (inputs, results, signals, updates, queries, failure
details, memo) is AES-256-GCM encrypted before it leaves the process, so the Temporal server,
its database and anyone with `tctl` see only ciphertext. PHI should never be in payloads in the
first place (DESIGN.md); this is the defence in depth.

The key id rides in the payload metadata so rotated keys still decrypt old histories.
"""

from __future__ import annotations

from collections.abc import Sequence

from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes, PayloadCodec

from security.aead import open_sealed, seal
from security.keyring import KeyRing

ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
_CONTEXT = b"temporal-payload"


class EncryptionCodec(PayloadCodec):
    """AES-256-GCM over the whole serialized inner Payload (metadata included, so the inner
    encoding - e.g. json/plain - is hidden and authenticated too)."""

    def __init__(self, keyring: KeyRing) -> None:
        self._keyring = keyring

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        key = self._keyring.primary
        return [
            Payload(
                metadata={"encoding": ENCODING, KEY_ID_METADATA: key.key_id.encode()},
                data=seal(key, p.SerializeToString(), _CONTEXT),
            )
            for p in payloads
        ]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out: list[Payload] = []
        for p in payloads:
            if p.metadata.get("encoding", b"") != ENCODING:
                # Written before encryption was switched on (or by a system payload): pass through.
                out.append(p)
                continue
            key_id = p.metadata.get(KEY_ID_METADATA, b"").decode()
            inner = Payload()
            inner.ParseFromString(open_sealed(self._keyring, key_id, p.data, _CONTEXT))
            out.append(inner)
        return out


def data_converter(keyring: KeyRing) -> DataConverter:
    """The converter every Temporal client in the product must use (worker, api, media server,
    CLI). Failure messages and stack traces are moved into encoded attributes so an exception
    that mentions a client cannot leak through a failure's plaintext message either."""
    return DataConverter(
        payload_codec=EncryptionCodec(keyring),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
