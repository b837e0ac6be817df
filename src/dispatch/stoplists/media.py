"""Which uploads count as a signature or photo: PNG, JPEG or WebP whose first bytes say so.

The declared content type alone is not trusted: the proof is served back to staff
browsers, so a file claiming to be an image must start like one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from types import MappingProxyType

from dispatch.errors import DomainError, Invalid


class UnsupportedMedia(DomainError):
    """The body is not one of the accepted image types (415)."""

    status = 415
    title = "Unsupported media type"
    code = "unsupported_media_type"


def _is_png(content: bytes) -> bool:
    return content.startswith(b"\x89PNG\r\n\x1a\n")


def _is_jpeg(content: bytes) -> bool:
    return content.startswith(b"\xff\xd8\xff")


def _is_webp(content: bytes) -> bool:
    return len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP"


SIGNATURES: MappingProxyType[str, Callable[[bytes], bool]] = MappingProxyType({
    "image/png": _is_png,
    "image/jpeg": _is_jpeg,
    "image/webp": _is_webp,
})
"""Accepted media types and the check of their magic bytes."""


def proof_media_type(content_type: str | None, content: bytes) -> str:
    """The normalised media type of an upload; 415 for another type or when the bytes
    do not match the declared type, 422 for an empty body."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    check = SIGNATURES.get(media_type)
    if check is None:
        accepted = ", ".join(SIGNATURES)
        raise UnsupportedMedia(f"send the proof as one of {accepted}, not {media_type or 'nothing'}",
                               field="Content-Type", accepted=list(SIGNATURES))
    if not content:
        raise Invalid("the upload is empty", field="body")
    if not check(content):
        raise UnsupportedMedia(f"the body is not a {media_type} image", field="body",
                               accepted=list(SIGNATURES))
    return media_type


def sha256_hex(content: bytes) -> str:
    """The content's SHA-256, as stored and compared for repeated uploads."""
    return hashlib.sha256(content).hexdigest()
