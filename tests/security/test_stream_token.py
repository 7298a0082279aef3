import base64
import json

import pytest

from security.stream_token import StreamTokenError, mint, verify

SECRET = "k" * 32
NOW = 1_800_000_000.0


def test_valid_token_round_trip():
    token = mint(SECRET, "outreach:c:k", "CA1", ttl_seconds=60, now=NOW)
    claims = verify(SECRET, token, call_sid="CA1", now=NOW + 59)
    assert (claims.workflow_id, claims.call_sid, claims.expires_at) == ("outreach:c:k", "CA1", int(NOW) + 60)


def test_unbound_token_accepts_any_call():
    token = mint(SECRET, "outreach:c:k", ttl_seconds=60, now=NOW)
    assert verify(SECRET, token, call_sid="CAanything", now=NOW).call_sid == ""


def test_expired():
    token = mint(SECRET, "outreach:c:k", "CA1", ttl_seconds=60, now=NOW)
    with pytest.raises(StreamTokenError, match="expired"):
        verify(SECRET, token, call_sid="CA1", now=NOW + 60)


def test_forged_with_another_secret():
    token = mint("another-secret", "outreach:c:k", "CA1", now=NOW)
    with pytest.raises(StreamTokenError, match="signature"):
        verify(SECRET, token, now=NOW)


def test_tampered_claims():
    token = mint(SECRET, "outreach:c:k", "CA1", ttl_seconds=60, now=NOW)
    version, _, sig = token.split(".")
    body = json.dumps({"wf": "outreach:c:other", "cs": "CA1", "exp": int(NOW) + 60}).encode()
    forged = f"{version}.{base64.urlsafe_b64encode(body).rstrip(b'=').decode()}.{sig}"
    with pytest.raises(StreamTokenError, match="signature"):
        verify(SECRET, forged, now=NOW)


@pytest.mark.parametrize("token", [None, ""])
def test_missing(token):
    with pytest.raises(StreamTokenError, match="missing"):
        verify(SECRET, token, now=NOW)


@pytest.mark.parametrize("token", ["garbage", "v2.a.b", "v1.a", "v1.a.b.c", "v1.!!!.???", "x" * 5000])
def test_malformed(token):
    with pytest.raises(StreamTokenError):
        verify(SECRET, token, now=NOW)


def test_other_call():
    token = mint(SECRET, "outreach:c:k", "CA1", now=NOW)
    with pytest.raises(StreamTokenError, match="another call"):
        verify(SECRET, token, call_sid="CA2", now=NOW)


def test_no_secret_configured():
    with pytest.raises(StreamTokenError, match="secret"):
        mint("", "outreach:c:k")
    with pytest.raises(StreamTokenError, match="secret"):
        verify("", "v1.a.b")


def test_bad_mint_arguments():
    with pytest.raises(StreamTokenError):
        mint(SECRET, "")
    with pytest.raises(StreamTokenError):
        mint(SECRET, "w", ttl_seconds=0)
