"""Demo data of kefu.webhooks: an anti-phishing code for the demo's verified user 100234, so the
widget demo (`/widget/demo?user=100234`) shows it. Idempotent."""

from __future__ import annotations

DEMO_UID = "100234"
DEMO_CODE = "KEFU-7Q2X"


def load(stdout) -> None:
    from kefu.contacts.models import Contact
    from kefu.contacts.services import update_contact

    contact = Contact.objects.filter(external_id=DEMO_UID).first()
    if contact is not None and not contact.anti_phishing_code:
        update_contact(contact, anti_phishing_code=DEMO_CODE)
        stdout.write(f"  Anti-phishing code {DEMO_CODE} set for demo user {DEMO_UID} (shown in the widget).\n")
