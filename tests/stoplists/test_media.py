"""Which uploads count as a PNG, JPEG or WebP proof."""

from __future__ import annotations

import hashlib

import pytest

from dispatch.errors import Invalid
from dispatch.stoplists.media import UnsupportedMedia, proof_media_type, sha256_hex

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xdb\x00\x43"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 "


@pytest.mark.parametrize(("declared", "content", "media_type"), [
    ("image/png", PNG, "image/png"), ("image/jpeg", JPEG, "image/jpeg"),
    ("image/webp", WEBP, "image/webp"), ("IMAGE/PNG; name=sig", PNG, "image/png"),
])
def test_images_that_are_what_they_claim_are_accepted(declared, content, media_type):
    assert proof_media_type(declared, content) == media_type


@pytest.mark.parametrize(("declared", "content", "field"), [
    (None, PNG, "Content-Type"), ("image/gif", b"GIF89a", "Content-Type"),
    ("image/svg+xml", b"<svg/>", "Content-Type"), ("image/png", JPEG, "body"),
    ("image/jpeg", PNG, "body"), ("image/webp", b"RIFF\x24\x00\x00\x00AVI ", "body"),
    ("image/webp", b"RIFF", "body"),
])
def test_anything_else_is_415_naming_what_is_wrong(declared, content, field):
    with pytest.raises(UnsupportedMedia) as err:
        proof_media_type(declared, content)
    assert err.value.status == 415 and err.value.field == field


def test_an_empty_upload_is_422():
    with pytest.raises(Invalid) as err:
        proof_media_type("image/png", b"")
    assert err.value.field == "body"


def test_sha256_is_hex_of_the_bytes():
    assert sha256_hex(PNG) == hashlib.sha256(PNG).hexdigest() and len(sha256_hex(b"")) == 64
