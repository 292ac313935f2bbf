"""Inbound email throughput: how many emails per second kefu's SMTP receiver accepts (and stores).

Starts a fresh database (SQLite, or PostgreSQL when KEFU_DATABASE_URL is postgresql://...), an email
inbox, and a real `kefu smtpd` process on loopback; then smtplib clients send distinct customer emails
(a mix of new conversations and replies threaded by [#number], plain text and HTML, English and GBK
Chinese). "Accepted" counts 250 answers, which kefu gives only after the email is stored; the stored
messages are counted in the database afterwards.

    .venv/bin/python bench/smtp_inbound.py [--emails 1000] [--clients 4]
"""

from __future__ import annotations

import argparse
import os
import smtplib
import socket
import subprocess
import sys
import threading
import time
from email.header import Header
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import code_state, describe_database  # noqa: E402
from kefu.core.liveserver import KEFU, LiveSite, free_port  # noqa: E402

ADDRESS = "support@exchange.test"


def build_email(index: int, client: int) -> bytes:
    mail = EmailMessage()
    sender = f"customer{client}-{index % 50}@example.org"
    chinese = index % 3 == 0
    charset = "gbk" if chinese else "utf-8"
    mail["From"] = f"{Header('客户' if chinese else 'Customer', charset).encode()} <{sender}>"
    mail["To"] = ADDRESS
    mail["Subject"] = Header("充值没有到账" if chinese else f"Withdrawal question {index}", charset).encode()
    mail["Message-ID"] = f"<bench-{client}-{index}-{time.time_ns()}@example.org>"
    body = ("我的充值三个小时了还没有到账，交易哈希 0x" + "ab" * 32 + "。\n\n在 2026年11月23日，客服 写道：\n> 您好"
            if chinese else f"Hello, my withdrawal #{index} is still pending.\n\n-- \nA customer")
    mail.set_content(body, charset=charset)
    if index % 4 == 1:
        mail.add_alternative(f"<p>Hello, my withdrawal <b>#{index}</b> is still pending.</p>", subtype="html")
    return mail.as_bytes()


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("kefu smtpd exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(100).startswith(b"220"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("kefu smtpd did not start")


def sender(port: int, client: int, count: int, results: list, errors: list) -> None:
    emails = [build_email(i, client) for i in range(count)]
    accepted = 0
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
            for raw in emails:
                try:
                    smtp.sendmail("bench@example.org", [ADDRESS], raw)
                    accepted += 1
                except smtplib.SMTPResponseException as error:
                    errors.append(f"{error.smtp_code} {error.smtp_error!r}")
    except (OSError, smtplib.SMTPException) as error:
        errors.append(repr(error))
    results.append(accepted)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--emails", type=int, default=1000, help="emails in total")
    parser.add_argument("--clients", type=int, default=4, help="concurrent SMTP client connections")
    args = parser.parse_args()

    load_before = f"{os.getloadavg()[0]:.1f}"
    site = LiveSite()
    try:
        site.migrate()
        site.kefu("manage", "shell", "-c", (
            "from kefu.channels.models import Inbox; "
            f"Inbox.objects.create(name='Mail', kind='email', config={{'address': '{ADDRESS}'}})"))
        port = free_port()
        log = open(site.workdir / "smtpd.log", "ab")
        process = subprocess.Popen([*KEFU, "smtpd", "--host", "127.0.0.1", "--port", str(port)],
                                   env=site.env(), stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for_port(port, process)
            per_client = args.emails // args.clients
            results: list[int] = []
            errors: list[str] = []
            threads = [threading.Thread(target=sender, args=(port, c, per_client, results, errors))
                       for c in range(args.clients)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
        finally:
            process.terminate()
            process.wait(timeout=20)
            log.close()
        stored = site.kefu("manage", "shell", "-c", (
            "from kefu.conversations.models import Message, Conversation; "
            "print('COUNTS', Message.objects.count(), Conversation.objects.count())")).stdout
        stored = stored[stored.index("COUNTS"):].split()[1:3]
        accepted = sum(results)
        print(f"code:      {code_state()}")
        print(f"database:  {describe_database(site)}; cpus: {os.cpu_count()}; "
              f"load average before/after: {load_before} / {os.getloadavg()[0]:.1f}")
        print(f"sent:      {per_client * args.clients} emails over {args.clients} SMTP connections")
        print(f"accepted:  {accepted} in {elapsed:.2f} s = {accepted / elapsed:.1f} emails/s (250 after storing)")
        print(f"stored:    {stored[0]} messages in {stored[1]} conversations")
        if errors:
            print(f"errors:    {len(errors)}, first: {errors[0]}")
        return 0 if accepted == int(stored[0]) and not errors else 1
    finally:
        site.close()


if __name__ == "__main__":
    sys.exit(main())
