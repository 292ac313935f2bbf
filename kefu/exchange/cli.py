"""`kefu exchange ...`: run the fake exchange for the demo, look an account up, check a transfer."""

from __future__ import annotations

import argparse
import json
import os
import sys


def cmd_fake(args: argparse.Namespace) -> int:
    from kefu.cli import setup_django

    setup_django()
    from kefu.exchange.fake import serve

    secret = args.secret or os.environ.get("KEFU_EXCHANGE_SECRET") or "demo-exchange-secret"
    serve(args.port, secret, args.host)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from kefu.cli import setup_django

    setup_django()
    from django.utils import translation

    from kefu.exchange.chains import check_transfer

    with translation.override(args.language):
        result = check_transfer(asset=args.asset, network=args.network, address=args.address, memo=args.memo,
                                txid=args.txid, amount=args.amount or None)
    for finding in result.findings:
        print(f"{finding.severity}\t{finding.field}\t{finding.code}\t{finding.message}")
    for kind, url in result.explorer_links().items():
        print(f"explorer\t{kind}\t{url}")
    print("ok" if result.ok else "not ok")
    return 0 if result.ok else 1


def cmd_lookup(args: argparse.Namespace) -> int:
    from kefu.cli import setup_django

    setup_django()
    from kefu.exchange.client import ExchangeClient, ExchangeError

    try:
        key = {"email": args.account} if "@" in args.account else {"uid": args.account}
        data = ExchangeClient.from_settings().lookup_account(**key)
    except ExchangeError as error:
        print(f"kefu exchange lookup: {error.detail}", file=sys.stderr)
        return 2
    print(json.dumps(data, ensure_ascii=False, indent=2))
    return 0


def register(subparsers) -> None:
    exchange = subparsers.add_parser("exchange", help="exchange integration: fake exchange, look-ups, checks")
    sub = exchange.add_subparsers(dest="exchange_command", required=True, metavar="ACTION")
    fake = sub.add_parser("fake", help="run a fake exchange + explorers with demo data (for the demo and tests)")
    fake.add_argument("--port", type=int, default=8100)
    fake.add_argument("--host", default="127.0.0.1")
    fake.add_argument("--secret", help="shared secret (default: $KEFU_EXCHANGE_SECRET or demo-exchange-secret)")
    fake.set_defaults(func=cmd_fake)
    check = sub.add_parser("check", help="validate asset/network/address/memo/TxID/amount and explain mismatches")
    for name in ("asset", "network", "address", "memo", "txid", "amount"):
        check.add_argument(f"--{name}", default="")
    check.add_argument("--language", default="en", choices=["en", "zh-hans"])
    check.set_defaults(func=cmd_check)
    lookup = sub.add_parser("lookup", help="look an account up at the exchange by UID or email")
    lookup.add_argument("account")
    lookup.set_defaults(func=cmd_lookup)
