"""kefu settings: read from KEFU_* environment variables only, with safe defaults.

The README's "Configuration" table lists every variable.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from kefu.core.mailers import smtp_settings

PACKAGE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


# Everything kefu writes on its own (SQLite database, secret key, uploads) lives here.
VAR_DIR = Path(env("KEFU_VAR_DIR", str(Path.cwd() / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    configured = env("KEFU_SECRET_KEY")
    if configured:
        return configured
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        # Created once, readable only by the owner; later runs reuse it so sessions survive.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("KEFU_DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in env("KEFU_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in env("KEFU_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "ninja",
    "django_tasks_db",
    "kefu.core",
    "kefu.accounts",
    "kefu.contacts",
    "kefu.channels",
    "kefu.conversations",
    "kefu.routing",
    "kefu.knowledge",
    "kefu.assistant",
    "kefu.api",
    "kefu.web",
    "kefu.sla",
    "kefu.webhooks",
    "kefu.safety",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kefu.core.middleware.AgentLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kefu.core.middleware.ApiProblemMiddleware",
]

ROOT_URLCONF = "kefu.urls"
ASGI_APPLICATION = "kefu.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env("KEFU_DATABASE_URL", f"sqlite:///{VAR_DIR / 'kefu.sqlite3'}")
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so
        # concurrent writers queue on busy_timeout instead of failing with "database is locked".
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# Under ASGI persistent connections are not reused (Django's docs say to turn them off); PostgreSQL
# gets a connection pool instead, so a busy server neither reconnects per request nor runs out of slots.
_db["CONN_MAX_AGE"] = 0
if _db["ENGINE"] == "django.db.backends.postgresql":
    _db.setdefault("OPTIONS", {})["pool"] = {
        "min_size": env_int("KEFU_DB_POOL_MIN", 2), "max_size": env_int("KEFU_DB_POOL_MAX", 20), "timeout": 10,
    }
if env("KEFU_TEST_DATABASE_NAME"):
    # Lets several test runs share one PostgreSQL server without clashing.
    _db["TEST"] = {"NAME": env("KEFU_TEST_DATABASE_NAME")}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Real time ------------------------------------------------------------------------------
REDIS_URL = env("KEFU_REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env("KEFU_REDIS_PREFIX", "kefu")},
        }
    }
else:
    CHANNEL_LAYERS = {
        # Channels' in-memory layer, its expiry sweep throttled (kefu/core/layers.py).
        "default": {"BACKEND": "kefu.core.layers.ThrottledInMemoryChannelLayer", "CONFIG": {"capacity": 5000}}
    }

# --- Background tasks -----------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env("KEFU_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.Agent"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:console"
LOGOUT_REDIRECT_URL = "web:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("KEFU_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = Path(env("KEFU_MEDIA_DIR", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
KEFU_MAX_ATTACHMENT_MB = env_int("KEFU_MAX_ATTACHMENT_MB", 20)
KEFU_MAX_VIDEO_MB = env_int("KEFU_MAX_VIDEO_MB", 50)
KEFU_MAX_MESSAGE_CHARS = env_int("KEFU_MAX_MESSAGE_CHARS", 20000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Widget sessions (signed tokens) stay valid this many seconds.
KEFU_WIDGET_SESSION_TTL = env_int("KEFU_WIDGET_SESSION_TTL", 30 * 24 * 3600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("KEFU_LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}

# --- channels: email, Telegram, signed webhook (issue 4) -----------------------------------
# Inbound SMTP receiver (`kefu smtpd`; `kefu serve` starts it too when KEFU_SMTP_PORT is set).
KEFU_SMTP_LISTEN_HOST = env("KEFU_SMTP_LISTEN_HOST", "127.0.0.1")
KEFU_SMTP_LISTEN_PORT = env_int("KEFU_SMTP_PORT", 0)
KEFU_SMTP_MAX_BYTES = env_int("KEFU_SMTP_MAX_BYTES", 30 * 1024 * 1024)
# Outbound SMTP defaults (each email inbox may override them in its settings).
KEFU_SMTP_HOST = env("KEFU_SMTP_OUT_HOST")
KEFU_SMTP_PORT_OUT = env_int("KEFU_SMTP_OUT_PORT", 25)
KEFU_SMTP_USER = env("KEFU_SMTP_OUT_USER")
KEFU_SMTP_PASSWORD = env("KEFU_SMTP_OUT_PASSWORD")
KEFU_SMTP_STARTTLS = env_bool("KEFU_SMTP_OUT_STARTTLS", False)
KEFU_SMTP_SSL = env_bool("KEFU_SMTP_OUT_SSL", False)
KEFU_SMTP_FROM = env("KEFU_SMTP_FROM", "")
KEFU_SMTP_FROM_NAME = env("KEFU_SMTP_FROM_NAME", "Support")
KEFU_TELEGRAM_API_BASE = env("KEFU_TELEGRAM_API_BASE", "https://api.telegram.org").rstrip("/")
# Outbound sends: attempts before a delivery is marked failed, and the exponential backoff between them.
KEFU_CHANNEL_MAX_ATTEMPTS = env_int("KEFU_CHANNEL_MAX_ATTEMPTS", 10)
KEFU_CHANNEL_RETRY_BASE_SECONDS = float(env("KEFU_CHANNEL_RETRY_BASE_SECONDS", "10"))
KEFU_CHANNEL_RETRY_MAX_SECONDS = float(env("KEFU_CHANNEL_RETRY_MAX_SECONDS", "3600"))
KEFU_CHANNEL_HTTP_TIMEOUT = float(env("KEFU_CHANNEL_HTTP_TIMEOUT", "20"))
# Signed webhook channel: requests whose timestamp is further than this from now are refused.
KEFU_WEBHOOK_TOLERANCE_SECONDS = env_int("KEFU_WEBHOOK_TOLERANCE_SECONDS", 300)
# --- business hours and SLAs (issue 5) ---
# Seconds between SLA sweeps (the safety net behind the per-deadline tasks).
KEFU_SLA_SWEEP_SECONDS = env_int("KEFU_SLA_SWEEP_SECONDS", 60)
# The console's SLA page lists conversations whose next deadline is at most this many minutes away.
KEFU_SLA_AT_RISK_MINUTES = env_int("KEFU_SLA_AT_RISK_MINUTES", 30)
# --- routing (issue 5) --------------------------------------------------------------------------------
# Where the assigner loop runs: "server" (inside every `kefu serve` process) or "worker" (only in
# `kefu routing-worker`; use Redis then, so its events reach the sockets).
KEFU_ROUTING_ASSIGNER = env("KEFU_ROUTING_ASSIGNER", "server")
KEFU_ROUTING_POLL_SECONDS = float(env("KEFU_ROUTING_POLL_SECONDS", "0.5"))
KEFU_ROUTING_BATCH = env_int("KEFU_ROUTING_BATCH", 50)
# Inbox kinds that count as live chats (one shared limit: the agent's concurrent chats).
KEFU_ROUTING_CHAT_CHANNELS = [c.strip() for c in env("KEFU_ROUTING_CHAT_CHANNELS", "webchat,telegram").split(",")
                              if c.strip()]
# Presence: seconds after an agent's last console socket closed before away, then offline.
KEFU_ROUTING_AWAY_AFTER = env_int("KEFU_ROUTING_AWAY_AFTER", 120)
KEFU_ROUTING_OFFLINE_AFTER = env_int("KEFU_ROUTING_OFFLINE_AFTER", 1800)
KEFU_ROUTING_CONNECTION_MAX_AGE = env_int("KEFU_ROUTING_CONNECTION_MAX_AGE", 24 * 3600)
# Queue positions: how often positions are recomputed, and the slowest refresh for customers far back.
KEFU_ROUTING_POSITION_SECONDS = float(env("KEFU_ROUTING_POSITION_SECONDS", "2"))
KEFU_ROUTING_ANNOUNCE_EVERY = env_int("KEFU_ROUTING_ANNOUNCE_EVERY", 30)
KEFU_ROUTING_ESTIMATE_WINDOW = env_int("KEFU_ROUTING_ESTIMATE_WINDOW", 900)
KEFU_ROUTING_LOW_RISK_TOPICS = [t.strip() for t in env("KEFU_ROUTING_LOW_RISK_TOPICS", "").split(",") if t.strip()]
# How often each process looks for SLA configuration or inbox-hours changes made by other processes
# (changes made in the same process apply at once).
KEFU_SLA_CONFIG_RECHECK_SECONDS = float(env("KEFU_SLA_CONFIG_RECHECK_SECONDS", "2"))
# --- knowledge base and assistant (issue 3) ---------------------------------------------------
# The address customers reach kefu at (e.g. https://support.example.com); bot answers link to
# help-center articles with it. Empty: links are site-relative (/help/...).
KEFU_PUBLIC_URL = env("KEFU_PUBLIC_URL", "")
# Whether the assistant answers in inboxes that have no assistant settings of their own (on by default).
KEFU_ASSISTANT_DEFAULT_ENABLED = env_bool("KEFU_ASSISTANT_DEFAULT_ENABLED", True)
# The web chat inbox whose widget the help center pages carry (its public key); default: the first one.
KEFU_HELP_WIDGET_INBOX = env("KEFU_HELP_WIDGET_INBOX", "")
# Optional generative mode (off unless the URL is set): an OpenAI-compatible endpoint words answers
# from the matched article only. See docs/assistant.md.
KEFU_ASSISTANT_LLM_URL = env("KEFU_ASSISTANT_LLM_URL", "")
KEFU_ASSISTANT_LLM_KEY = env("KEFU_ASSISTANT_LLM_KEY", "")
KEFU_ASSISTANT_LLM_MODEL = env("KEFU_ASSISTANT_LLM_MODEL", "gpt-4o-mini")
KEFU_ASSISTANT_LLM_TIMEOUT = env_int("KEFU_ASSISTANT_LLM_TIMEOUT", 15)
# --- exchange integration, cases, freeze (issue 6) ---
INSTALLED_APPS += ["kefu.exchange"]
# The exchange's kefu endpoints (docs/exchange.md); requests are signed with HMAC-SHA256 of the secret.
KEFU_EXCHANGE_URL = env("KEFU_EXCHANGE_URL")
KEFU_EXCHANGE_SECRET = env("KEFU_EXCHANGE_SECRET")
KEFU_EXCHANGE_TIMEOUT = float(env("KEFU_EXCHANGE_TIMEOUT", "5"))
# Chain explorers for transaction look-ups: "BTC=esplora:https://host/api,ETH=etherscan:https://host/api?apikey=K".
KEFU_EXPLORERS = env("KEFU_EXPLORERS")
# Where customers reach kefu (links in emails), and how mail leaves (the email channel may set these too).
KEFU_PUBLIC_URL = env("KEFU_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# Verification codes and freeze confirmations go out through the same SMTP relay as support email
# (the KEFU_SMTP_OUT_* settings of the email channel above).
# (MAILERS on Django 6.1+, the EMAIL_* settings it replaced on 6.0: kefu/core/mailers.py.)
globals().update(smtp_settings(KEFU_SMTP_HOST or "localhost", KEFU_SMTP_PORT_OUT, user=KEFU_SMTP_USER,
                               password=KEFU_SMTP_PASSWORD, starttls=KEFU_SMTP_STARTTLS, ssl=KEFU_SMTP_SSL))
DEFAULT_FROM_EMAIL = KEFU_SMTP_FROM or env("KEFU_EMAIL_FROM", "support@localhost")
# A customer verification or freeze confirmation code stays valid this many seconds.
KEFU_VERIFICATION_TTL = env_int("KEFU_VERIFICATION_TTL", 15 * 60)
# --- Outbound webhooks (issue 4) ---
# Seconds to connect and for each read of one attempt (the whole attempt: 3x); a timeout is retried.
KEFU_WEBHOOK_TIMEOUT = float(env("KEFU_WEBHOOK_TIMEOUT", "5"))
# Waits (seconds) after each failed attempt: 10 s, 1 min, 5 min, 30 min, 2 h, 6 h, then give up.
KEFU_WEBHOOK_RETRY_SCHEDULE = [
    float(s) for s in env("KEFU_WEBHOOK_RETRY_SCHEDULE", "10,60,300,1800,7200,21600").split(",") if s.strip()
]
# Public base URL of kefu (e.g. https://support.example.com), to make attachment links absolute.
KEFU_WEBHOOK_BASE_URL = env("KEFU_WEBHOOK_BASE_URL")
# --- safety (issue 6) ---
# Domains that are official besides the admin registry and the inboxes (comma-separated, e.g. "example.com").
KEFU_OFFICIAL_DOMAINS = [d.strip() for d in env("KEFU_OFFICIAL_DOMAINS", "").split(",") if d.strip()]
