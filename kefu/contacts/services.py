"""Verbs for contacts."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction

from kefu.contacts.models import Contact
from kefu.core.errors import Conflict, InvalidInput
from kefu.core.i18n import normalize_language

CONTACT_FIELDS = ("name", "email", "language", "vip_tier", "external_id", "anti_phishing_code")
ANTI_PHISHING_CODE = re.compile(r"^[0-9A-Za-z_-]{4,32}$")


def _clean(fields: dict) -> dict:
    cleaned = {k: v for k, v in fields.items() if k in CONTACT_FIELDS and v is not None}
    if "language" in cleaned:
        cleaned["language"] = normalize_language(cleaned["language"])
    if "vip_tier" in cleaned and not 0 <= int(cleaned["vip_tier"]) <= 9:
        raise InvalidInput("vip_tier must be between 0 and 9")
    code = cleaned.get("anti_phishing_code")
    if code and not ANTI_PHISHING_CODE.match(code):
        raise InvalidInput("anti_phishing_code must be 4 to 32 letters, digits, '-' or '_'")
    if "external_id" in cleaned:
        cleaned["external_id"] = str(cleaned["external_id"]).strip() or None
    return cleaned


def find_or_create_contact(*, external_id: str | None = None, email: str = "", name: str = "",
                           language: str | None = None) -> tuple[Contact, bool]:
    """Find the contact by exchange UID, else by email, else create one; fills in blank fields.

    Returns (contact, created)."""
    contact = None
    if external_id:
        contact = Contact.objects.filter(external_id=external_id).first()
    if contact is None and email:
        contact = Contact.objects.filter(email__iexact=email).order_by("pk").first()
        if contact and external_id and contact.external_id and contact.external_id != external_id:
            contact = None  # same email, different exchange account: keep them apart
    if contact is None:
        try:
            with transaction.atomic():
                return Contact.objects.create(**_clean({
                    "external_id": external_id, "email": email, "name": name, "language": language or "en",
                })), True
        except IntegrityError:
            return Contact.objects.get(external_id=external_id), False
    changed = []
    for field, value in (("name", name), ("email", email), ("external_id", external_id)):
        if value and not getattr(contact, field):
            setattr(contact, field, value)
            changed.append(field)
    if changed:
        contact.save(update_fields=[*changed, "updated_at"])
    return contact, False


def update_contact(contact: Contact, **fields) -> Contact:
    """Change a contact's details (name, email, language, VIP tier, exchange UID, anti-phishing code)."""
    cleaned = _clean(fields)
    for field, value in cleaned.items():
        setattr(contact, field, value)
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError as error:
        raise Conflict("another contact already has this exchange UID") from error
    return contact
