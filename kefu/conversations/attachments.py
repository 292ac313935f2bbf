"""Accepting uploaded files: type checked from the content, never from the name; size limits."""

from __future__ import annotations

import secrets
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.conversations.models import Attachment
from kefu.conversations.services import Actor
from kefu.core.errors import AttachmentTooLarge, AttachmentTypeNotAllowed, InvalidInput

# Content type (as detected from the bytes) -> file extension we store it under.
ALLOWED_TYPES = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    "video/mp4": ".mp4",
    "video/webm": ".webm",
    "video/quicktime": ".mov",
}


def max_bytes_for(content_type: str) -> int:
    megabytes = settings.KEFU_MAX_VIDEO_MB if content_type.startswith("video/") else settings.KEFU_MAX_ATTACHMENT_MB
    return megabytes * 1024 * 1024


def largest_allowed_bytes() -> int:
    return max(settings.KEFU_MAX_VIDEO_MB, settings.KEFU_MAX_ATTACHMENT_MB) * 1024 * 1024


def detect_content_type(upload: UploadedFile) -> str | None:
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    return kind.mime if kind else None


def _safe_filename(name: str, extension: str) -> str:
    stem = PurePath(name or "file").name.replace("/", "_").replace("\\", "_").strip() or "file"
    stem = "".join(ch for ch in stem if ch.isprintable())[:120]
    if not stem.lower().endswith(extension) and not (extension == ".jpg" and stem.lower().endswith(".jpeg")):
        stem = f"{stem.rsplit('.', 1)[0] if '.' in stem else stem}{extension}"
    return stem


def store_attachment(upload: UploadedFile, actor: Actor) -> Attachment:
    """Check and store an uploaded file for `actor`; it is linked to a message when one is sent."""
    if upload is None:
        raise InvalidInput(_("No file was uploaded (use the multipart field 'file')."))
    content_type = detect_content_type(upload)
    allowed = ", ".join(sorted(ALLOWED_TYPES))
    if content_type not in ALLOWED_TYPES:
        raise AttachmentTypeNotAllowed(
            _("Files of type %(type)s are not accepted; allowed: %(allowed)s.")
            % {"type": content_type or _("unknown"), "allowed": allowed},
        )
    limit = max_bytes_for(content_type)
    if upload.size > limit:
        raise AttachmentTooLarge(
            _("%(type)s files may be at most %(limit)s MB; this one is %(size).1f MB.")
            % {"type": content_type, "limit": limit // (1024 * 1024), "size": upload.size / (1024 * 1024)},
        )
    extension = ALLOWED_TYPES[content_type]
    attachment = Attachment(
        token=secrets.token_hex(16), filename=_safe_filename(upload.name, extension),
        content_type=content_type, extension=extension, size=upload.size, created_at=timezone.now(),
        uploaded_by_contact=actor.contact, uploaded_by_agent=actor.agent, uploaded_by_token=actor.token,
    )
    attachment.file.save(attachment.filename, upload, save=False)
    attachment.save()
    return attachment
