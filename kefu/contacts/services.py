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


def find_or_create_contacts(specs: list[dict]) -> list[tuple[Contact, bool]]:
    """`find_or_create_contact` for many customers at once (a batch of new conversations).

    Each spec has the keyword arguments of `find_or_create_contact` and optionally `vip_tier` (set on a
    contact created here). Contacts known by their exchange UID are read with one query, and new ones
    with a UID and no email are inserted with one statement; the rest (matching by email, anonymous
    contacts, filling in blank fields) goes through `find_or_create_contact` one by one. The same UID
    twice in one call gives the same contact. Returns (contact, created) per spec, in order.
    """
    out: list[tuple[Contact, bool] | None] = [None] * len(specs)
    uids = [str(spec.get("external_id") or "").strip() or None for spec in specs]
    known = {c.external_id: c for c in Contact.objects.filter(external_id__in={u for u in uids if u})}
    fresh: dict[str, Contact] = {}
    one_by_one: list[int] = []
    for index, (spec, uid) in enumerate(zip(specs, uids, strict=True)):
        if uid and uid in known:
            contact = known[uid]
            if (spec.get("name") and not contact.name) or (spec.get("email") and not contact.email):
                one_by_one.append(index)  # blanks to fill in, the usual way
            else:
                out[index] = (contact, False)
        elif uid and not spec.get("email"):
            if uid in fresh:
                out[index] = (fresh[uid], False)
            else:
                fresh[uid] = Contact(**_clean({
                    "external_id": uid, "name": spec.get("name") or "", "language": spec.get("language") or "en",
                    "vip_tier": spec.get("vip_tier"),
                }))
                out[index] = (fresh[uid], True)
        else:
            one_by_one.append(index)
    if fresh:
        try:
            with transaction.atomic():
                Contact.objects.bulk_create(list(fresh.values()))
        except IntegrityError:  # another request stored one of these UIDs meanwhile: one by one instead
            for index, uid in enumerate(uids):
                if uid in fresh:
                    out[index] = None
                    one_by_one.append(index)
    for index in sorted(one_by_one):
        spec = specs[index]
        contact, created = find_or_create_contact(
            external_id=uids[index], email=spec.get("email") or "", name=spec.get("name") or "",
            language=spec.get("language"))
        if created and spec.get("vip_tier") is not None:
            contact = update_contact(contact, vip_tier=spec["vip_tier"])
        out[index] = (contact, created)
    return out  # type: ignore[return-value]


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
