"""Domain exceptions. Services raise them; the API and views turn them into problem bodies."""

from __future__ import annotations


class KefuError(Exception):
    """Base of every error a user can cause; carries the HTTP status it maps to."""

    status = 400
    code = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str = "", **extra: object) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


class InvalidInput(KefuError):
    status = 422
    code = "invalid-input"
    title = "Invalid input"


class NotFound(KefuError):
    status = 404
    code = "not-found"
    title = "Not found"


class PermissionDenied(KefuError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class Unauthorized(KefuError):
    status = 401
    code = "unauthorized"
    title = "Unauthorized"


class Conflict(KefuError):
    status = 409
    code = "conflict"
    title = "Conflict"


class ConversationClosed(Conflict):
    code = "conversation-closed"
    title = "Conversation is closed"


class MessageTooLong(KefuError):
    status = 413
    code = "message-too-long"
    title = "Message too long"


class AttachmentTooLarge(KefuError):
    status = 413
    code = "attachment-too-large"
    title = "Attachment too large"


class AttachmentTypeNotAllowed(KefuError):
    status = 415
    code = "attachment-type-not-allowed"
    title = "Attachment type not allowed"
