"""The `kefu` command: serve, migrate, demo data, agents and API tokens.

Run `kefu --help` or `kefu COMMAND --help`.
"""

from __future__ import annotations

import argparse
import getpass
import os
import signal
import subprocess
import sys


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    import django

    django.setup()


setup_django = _setup_django  # for the commands that apps add through their cli.py


def app_modules(name: str) -> list:
    """Import `kefu.<app>.<name>` for every kefu app package that has such a module."""
    import importlib
    import importlib.util
    import pkgutil

    import kefu

    found = []
    for info in sorted(pkgutil.iter_modules(kefu.__path__), key=lambda i: i.name):
        if not info.ispkg:
            continue
        qualified = f"kefu.{info.name}.{name}"
        if importlib.util.find_spec(qualified) is not None:
            found.append(importlib.import_module(qualified))
    return found


def _manage(*args: str, **options) -> None:
    from django.core.management import call_command

    call_command(*args, **options)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    _setup_django()
    from django.conf import settings

    worker = None
    if args.worker and settings.TASKS["default"]["BACKEND"].endswith("DatabaseBackend"):
        # Background tasks run beside the server; production may run `kefu worker` separately instead.
        worker = subprocess.Popen([sys.executable, "-m", "kefu.cli", "worker"], env=os.environ.copy())
    try:
        uvicorn.run(
            "kefu.asgi:application", host=args.host, port=args.port, workers=args.workers,
            log_level=os.environ.get("KEFU_LOG_LEVEL", "info").lower(), access_log=args.access_log,
            proxy_headers=True, ws_ping_interval=20, ws_ping_timeout=20, lifespan="off",
        )
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    _setup_django()
    _manage("db_worker", "--queue-name", "*", "--no-reload", f"--interval={args.interval}")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    _setup_django()
    _manage("migrate", "--no-input", verbosity=0 if args.quiet else 1)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    _setup_django()
    _manage("migrate", "--no-input", verbosity=0)
    from kefu.web.demo import load_demo

    summary = load_demo()
    # Apps add their own demo data (help center, cases, ...) through `kefu/<app>/demo.py: load(stdout)`.
    import importlib
    import importlib.util

    from django.apps import apps

    for config in apps.get_app_configs():
        qualified = f"{config.name}.demo"
        if config.name.startswith("kefu.") and importlib.util.find_spec(qualified) is not None:
            module = importlib.import_module(qualified)
            if hasattr(module, "load"):
                module.load(sys.stdout)
    port = os.environ.get("KEFU_PORT", "8000")
    base = f"http://127.0.0.1:{port}"
    print("kefu demo data is loaded." if summary["created"] else "kefu demo data was already loaded.")
    print(f"  Agent console:    {base}/console/")
    print(f"  Demo logins:      {', '.join(summary['logins'])} (password: {summary['password']})")
    print(f"  Widget demo page: {base}/widget/demo")
    print(f"  Admin:            {base}/admin/")
    print(f"  API reference:    {base}/api/v1/docs   (create a token: kefu token create --name demo)")
    return 0


def cmd_createagent(args: argparse.Namespace) -> int:
    _setup_django()
    from kefu.accounts.services import create_agent
    from kefu.core.errors import KefuError

    password = args.password or os.environ.get("KEFU_AGENT_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            print("kefu createagent: give --password or KEFU_AGENT_PASSWORD (no terminal to ask on)",
                  file=sys.stderr)
            return 2
        password = getpass.getpass("Password: ")
    try:
        agent = create_agent(args.username, password, email=args.email or "", role=args.role,
                             display_name=args.name or "", language=args.language,
                             teams=[t for t in (args.teams or "").split(",") if t])
    except KefuError as error:
        print(f"kefu createagent: {error.detail}", file=sys.stderr)
        return 2
    print(f"Created {agent.role} {agent.username} (id {agent.pk}).")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    _setup_django()
    from kefu.accounts.models import Agent, ApiToken
    from kefu.accounts.services import create_api_token, revoke_api_token
    from kefu.core.errors import KefuError

    if args.token_command == "create":
        agent = None
        if args.agent:
            agent = Agent.objects.filter(username=args.agent).first()
            if agent is None:
                print(f"kefu token create: no agent named {args.agent!r}", file=sys.stderr)
                return 2
        try:
            _, raw = create_api_token(args.name, agent)
        except KefuError as error:
            print(f"kefu token create: {error.detail}", file=sys.stderr)
            return 2
        print(raw)
        print("Keep it safe: this token is shown only once.", file=sys.stderr)
        return 0
    if args.token_command == "list":
        for token in ApiToken.objects.select_related("agent"):
            state = "revoked" if token.revoked_at else "active"
            agent = token.agent.username if token.agent else "-"
            print(f"{token.prefix}…\t{token.name}\t{agent}\t{state}\t{token.created_at:%Y-%m-%d %H:%M}")
        return 0
    count = revoke_api_token(args.prefix)
    if not count:
        print(f"kefu token revoke: no active token starts with {args.prefix!r}", file=sys.stderr)
        return 2
    print(f"Revoked {count} token(s).")
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kefu manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kefu", description="kefu: customer support for cryptocurrency exchanges.",
        epilog="Settings come from KEFU_* environment variables; see the README.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the web server (console, widget, API, WebSockets)")
    serve.add_argument("--host", default=os.environ.get("KEFU_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("KEFU_PORT", "8000")))
    serve.add_argument("--workers", type=int, default=1,
                       help="server processes (more than 1 needs KEFU_REDIS_URL so they share events)")
    serve.add_argument("--no-worker", dest="worker", action="store_false",
                       help="do not start the background task worker beside the server")
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run background tasks (started by `kefu serve` unless --no-worker)")
    worker.add_argument("--interval", type=float, default=1.0, help="seconds between polls when idle")
    worker.set_defaults(func=cmd_worker)

    migrate = sub.add_parser("migrate", help="create or upgrade the database tables")
    migrate.add_argument("--quiet", action="store_true")
    migrate.set_defaults(func=cmd_migrate)

    demo = sub.add_parser("demo", help="load demo agents, teams, inboxes, customers and conversations")
    demo.set_defaults(func=cmd_demo)

    agent = sub.add_parser("createagent", help="create an agent, supervisor or admin who can log in")
    agent.add_argument("username")
    agent.add_argument("--password", help="default: $KEFU_AGENT_PASSWORD, else asked for")
    agent.add_argument("--email")
    agent.add_argument("--name", help="display name shown to customers")
    agent.add_argument("--role", choices=["agent", "supervisor", "admin"], default="agent")
    agent.add_argument("--language", choices=["en", "zh-hans"], default="en")
    agent.add_argument("--teams", help="comma-separated team slugs (created when new)")
    agent.set_defaults(func=cmd_createagent)

    token = sub.add_parser("token", help="create, list or revoke API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create = token_sub.add_parser("create", help="create a token and print it once")
    create.add_argument("--name", required=True, help="what the token is for, e.g. 'exchange backend'")
    create.add_argument("--agent", help="username whose name agent messages sent with the token carry")
    token_sub.add_parser("list", help="list tokens (prefixes only)")
    revoke = token_sub.add_parser("revoke", help="revoke tokens by prefix")
    revoke.add_argument("prefix")
    token.set_defaults(func=cmd_token)

    manage = sub.add_parser("manage", help="run a Django management command, e.g. `kefu manage shell`")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)

    # Apps add commands through `kefu/<app>/cli.py: register(subparsers)` (import Django lazily there).
    for module in app_modules("cli"):
        if hasattr(module, "register"):
            module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a readable message instead of a traceback for setup problems
        from django.db.utils import OperationalError

        if isinstance(error, OperationalError):
            print(f"kefu {args.command}: database error: {error}. Is KEFU_DATABASE_URL right, and did you "
                  f"run `kefu migrate`?", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
