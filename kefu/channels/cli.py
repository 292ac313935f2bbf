"""`kefu` commands of the channels: the SMTP receiver, IMAP and Telegram polling, Telegram webhook setup."""

from __future__ import annotations

import argparse
import sys
import time


def _inboxes(kind: str, key: str | None):
    from kefu.channels.models import Inbox

    found = Inbox.objects.filter(kind=kind, is_active=True)
    if key:
        found = found.filter(public_key=key)
    return list(found)


def cmd_smtpd(args: argparse.Namespace) -> int:
    from kefu.cli import setup_django

    setup_django()
    from django.conf import settings

    from kefu.channels.smtpd import run_forever

    host = args.host or settings.KEFU_SMTP_LISTEN_HOST
    port = args.port if args.port is not None else (settings.KEFU_SMTP_LISTEN_PORT or 2525)
    print(f"kefu smtpd: receiving mail on {host}:{port}", flush=True)
    run_forever(host, port)
    return 0


def _poll_loop(label: str, inboxes: list, poll, once: bool, interval: float) -> int:
    if not inboxes:
        print(f"kefu {label}: no matching active inbox", file=sys.stderr)
        return 2
    failures = 0
    while True:
        for inbox in inboxes:
            try:
                count = poll(inbox)
                print(f"{inbox.name}: {count} new", flush=True)
            except Exception as error:  # keep polling the other inboxes; say what went wrong
                failures += 1
                print(f"kefu {label}: {inbox.name}: {getattr(error, 'detail', None) or error}", file=sys.stderr)
        if once:
            return 1 if failures else 0
        time.sleep(interval)


def cmd_imap_poll(args: argparse.Namespace) -> int:
    from kefu.cli import setup_django

    setup_django()
    from kefu.channels.imap import poll_mailbox

    return _poll_loop("imap-poll", _inboxes("email", args.inbox), poll_mailbox, args.once, args.interval)


def cmd_telegram_poll(args: argparse.Namespace) -> int:
    from kefu.cli import setup_django

    setup_django()
    from kefu.channels import telegram

    timeout = 0 if args.once else 25
    return _poll_loop("telegram-poll", _inboxes("telegram", args.inbox),
                      lambda inbox: telegram.poll_once(inbox, timeout=timeout), args.once, 0.5)


def cmd_telegram_webhook(args: argparse.Namespace) -> int:
    from kefu.cli import setup_django

    setup_django()
    from kefu.channels import telegram

    inboxes = _inboxes("telegram", args.inbox)
    if len(inboxes) != 1:
        print("kefu telegram-webhook: give --inbox KEY of one active Telegram inbox", file=sys.stderr)
        return 2
    try:
        url = telegram.set_webhook(inboxes[0], args.url)
    except telegram.TelegramError as error:
        print(f"kefu telegram-webhook: {error.detail}", file=sys.stderr)
        return 1
    print(f"Telegram now delivers updates to {url}")
    return 0


def register(subparsers) -> None:
    smtpd = subparsers.add_parser("smtpd", help="receive email for email inboxes (SMTP, aiosmtpd)")
    smtpd.add_argument("--host", help="address to listen on (default: $KEFU_SMTP_LISTEN_HOST or 127.0.0.1)")
    smtpd.add_argument("--port", type=int, help="port (default: $KEFU_SMTP_PORT or 2525)")
    smtpd.set_defaults(func=cmd_smtpd)

    imap = subparsers.add_parser("imap-poll", help="fetch new mail of email inboxes that have IMAP settings")
    imap.add_argument("--inbox", help="public key of one inbox (default: every active email inbox)")
    imap.add_argument("--once", action="store_true", help="poll once and exit (for cron)")
    imap.add_argument("--interval", type=float, default=60, help="seconds between polls")
    imap.set_defaults(func=cmd_imap_poll)

    poll = subparsers.add_parser("telegram-poll", help="long-poll Telegram (getUpdates) instead of a webhook")
    poll.add_argument("--inbox", help="public key of one inbox (default: every active Telegram inbox)")
    poll.add_argument("--once", action="store_true", help="fetch what is waiting and exit")
    poll.set_defaults(func=cmd_telegram_poll)

    hook = subparsers.add_parser("telegram-webhook", help="point a Telegram bot at kefu's webhook (setWebhook)")
    hook.add_argument("--inbox", required=True, help="public key of the Telegram inbox")
    hook.add_argument("--url", required=True, help="kefu's public base URL, e.g. https://support.example.com")
    hook.set_defaults(func=cmd_telegram_webhook)
