"""Signatures: a receiver accepts exactly the body that was signed, and only when fresh."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from dispatch.webhooks.signing import sign, verify_signature

SECRET = "whsec_test-secret"
BODY = b'{"id":"0b1c","type":"order.delivered","data":{"order_id":7}}'
SENT = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_header_is_stripe_style_hmac_over_timestamp_and_body():
    header = sign(SECRET, BODY, SENT)
    t = int(SENT.timestamp())
    expected = hmac.new(SECRET.encode(), f"{t}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header == f"t={t},v1={expected}"


def test_valid_signature_is_accepted_within_five_minutes():
    header = sign(SECRET, BODY, SENT)
    assert verify_signature(SECRET, header, BODY, SENT)
    assert verify_signature(SECRET, header, BODY, SENT + timedelta(seconds=299))
    assert verify_signature(SECRET, header, BODY, SENT.timestamp() - 299)  # unix seconds too


def test_tampered_body_is_rejected():
    header = sign(SECRET, BODY, SENT)
    assert not verify_signature(SECRET, header, BODY.replace(b"7", b"8"), SENT)
    assert not verify_signature(SECRET, header, BODY + b" ", SENT)


def test_wrong_secret_is_rejected():
    assert not verify_signature("whsec_other", sign(SECRET, BODY, SENT), BODY, SENT)


def test_old_timestamp_is_rejected_even_with_a_valid_signature():
    header = sign(SECRET, BODY, SENT)
    assert not verify_signature(SECRET, header, BODY, SENT + timedelta(seconds=301))
    assert not verify_signature(SECRET, header, BODY, SENT - timedelta(seconds=301))
    assert verify_signature(SECRET, header, BODY, SENT + timedelta(seconds=301), tolerance=600)


def test_timestamp_cannot_be_moved_without_breaking_the_signature():
    """A replayer who rewrites ``t`` to now invalidates the digest."""
    later = SENT + timedelta(hours=1)
    digest = sign(SECRET, BODY, SENT).split(",v1=")[1]
    forged = f"t={int(later.timestamp())},v1={digest}"
    assert not verify_signature(SECRET, forged, BODY, later)


def test_malformed_headers_are_rejected():
    good = sign(SECRET, BODY, SENT)
    for header in ("", "garbage", "t=abc,v1=00", good.split(",")[0], good.split(",")[1],
                   "t=-5,v1=00", f"{good},junk"):
        assert not verify_signature(SECRET, header, BODY, SENT), header


def test_any_of_several_v1_signatures_may_match():
    """Receivers accept a header listing several digests (e.g. during secret rotation)."""
    good = sign(SECRET, BODY, SENT)
    t, v1 = good.split(",")
    assert verify_signature(SECRET, f"{t},v1=deadbeef,{v1}", BODY, SENT)
