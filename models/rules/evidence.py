"""A hospital note (诊断书) photo: chat's is a WeCom media_id, a page's an uploaded file whose
type is read from its first bytes (never from its name or the browser's word) and whose size
is limited. A leave's `evidence_media_id` tells the two apart by UPLOADED."""

from __future__ import annotations

import re

MAX_BYTES = 10 * 1024 * 1024
UPLOADED = "upload:"
_NAME = re.compile(r"[0-9a-f]{32}\.(?:jpg|png|gif|webp)")
TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}


def image_kind(head: bytes) -> str | None:
    """The file extension of a JPEG, PNG, GIF or WebP image by its magic bytes; None otherwise."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def uploaded_name(evidence: str | None) -> str | None:
    """The stored file's name when the evidence is an upload (and a name we could have made)."""
    if evidence is None or not evidence.startswith(UPLOADED):
        return None
    name = evidence.removeprefix(UPLOADED)
    return name if valid_name(name) else None


def valid_name(name: str) -> bool:
    return bool(_NAME.fullmatch(name))
