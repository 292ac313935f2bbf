"""How Django's own mail (verification codes, freeze confirmations) reaches the SMTP relay.

Django 6.1 replaced the EMAIL_* settings with MAILERS (the old ones are deprecated and go in Django 7);
kefu supports Django 6.0 too, so the settings are built here in whichever form the installed Django
reads. Support email itself goes out through the email channel (kefu.channels.email), not through this.
"""

from __future__ import annotations

import django

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def smtp_settings(host: str, port: int, *, user: str = "", password: str = "", starttls: bool = False,
                  ssl: bool = False, timeout: int = 10) -> dict:
    """Django settings (name -> value) that send through this SMTP server."""
    if django.VERSION >= (6, 1):
        return {"MAILERS": {"default": {"BACKEND": SMTP_BACKEND, "OPTIONS": {
            "host": host, "port": port, "username": user, "password": password,
            "use_tls": starttls, "use_ssl": ssl, "timeout": timeout,
        }}}}
    return {"EMAIL_BACKEND": SMTP_BACKEND, "EMAIL_HOST": host, "EMAIL_PORT": port, "EMAIL_HOST_USER": user,
            "EMAIL_HOST_PASSWORD": password, "EMAIL_USE_TLS": starttls, "EMAIL_USE_SSL": ssl,
            "EMAIL_TIMEOUT": timeout}
