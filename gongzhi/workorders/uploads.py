"""Photo checks for work-order attachments: real image content, allowed type, size limit."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from gongzhi.core.errors import ActionError

MAX_PHOTO_BYTES = 10 * 1024 * 1024
# Magic numbers: the content decides the type, not the file name or the client's header.
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
)


def sniff(data: bytes) -> tuple[str, str] | None:
    for magic, ctype, ext in SIGNATURES:
        if data.startswith(magic):
            return ctype, ext
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        return "image/heic", "heic"
    return None


def check_photo(upload) -> tuple[ContentFile, str, str]:
    """Accept a Django UploadedFile or (name, bytes); return (content, content type, name)."""
    if isinstance(upload, tuple):
        name, data = upload
    else:
        name = getattr(upload, "name", "photo")
        if getattr(upload, "size", 0) > MAX_PHOTO_BYTES:
            raise ActionError(
                _("Each photo may be at most 10 MB."), code="photo_too_large", field="photos"
            )
        data = upload.read()
    if len(data) > MAX_PHOTO_BYTES:
        raise ActionError(
            _("Each photo may be at most 10 MB."), code="photo_too_large", field="photos"
        )
    kind = sniff(data)
    if kind is None:
        raise ActionError(
            _("“%(name)s” is not a JPEG, PNG, GIF, WebP or HEIC image.") % {"name": str(name)[:60]},
            code="photo_type",
            field="photos",
        )
    ctype, ext = kind
    return ContentFile(data), ctype, f"photo.{ext}"
