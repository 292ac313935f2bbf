"""A fake exchange and fake chain explorers speaking real HTTP on loopback, for tests and the demo.

`kefu exchange fake --port 8100` runs it; point kefu at it with
KEFU_EXCHANGE_URL=http://127.0.0.1:8100 KEFU_EXCHANGE_SECRET=<the same secret>
KEFU_EXPLORERS="BTC=esplora:http://127.0.0.1:8100/esplora,BSC=etherscan:http://127.0.0.1:8100/etherscan".
"""

from __future__ import annotations

import copy
import json
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kefu.exchange import fake_data
from kefu.exchange.client import ACCOUNT_LOOKUP, FREEZE, TRANSACTION_LOOKUP, verify_signature


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can hang for seconds without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"


class FakeExchange:
    """The exchange side of docs/exchange.md with demo data; records every call it gets."""

    def __init__(self, secret: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.secret = secret
        self.accounts = fake_data.demo_accounts()
        self.transactions = fake_data.demo_transactions()
        self.calls: list[dict[str, Any]] = []
        self.freezes: dict[str, dict] = {}  # request_id -> answer
        self.delay = 0.0  # seconds to wait before answering (timeout tests)
        self.fail_freeze = False
        self.lock = threading.Lock()
        self.freeze_received = threading.Event()
        self.server = _Server((host, port), self._handler())
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeExchange:
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-exchange", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FakeExchange:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- the exchange's endpoints ---------------------------------------------------------------

    def find_account(self, payload: dict) -> dict | None:
        uid, email = str(payload.get("uid") or ""), str(payload.get("email") or "").lower()
        for account in self.accounts.values():
            if (uid and account["account"]["uid"] == uid) or (email and account["account"]["email"] == email):
                return account
        return None

    def handle_post(self, path: str, payload: dict, request_id: str) -> tuple[int, dict]:
        with self.lock:
            self.calls.append({"path": path, "payload": payload, "request_id": request_id})
        if path == ACCOUNT_LOOKUP:
            account = self.find_account(payload)
            return (200, copy.deepcopy(account)) if account else (404, {"detail": "no such account"})
        if path == TRANSACTION_LOOKUP:
            found = self.transactions.get(str(payload.get("txid") or "").lower())
            return (200, {"transaction": found}) if found else (404, {"detail": "unknown transaction"})
        if path == FREEZE:
            return self._freeze(payload, request_id)
        return 404, {"detail": "no such endpoint"}

    def _freeze(self, payload: dict, request_id: str) -> tuple[int, dict]:
        if self.fail_freeze:
            return 500, {"detail": "freeze service unavailable"}
        with self.lock:
            if request_id in self.freezes:
                return 200, self.freezes[request_id]
            account = self.accounts.get(str(payload.get("uid") or ""))
            if account is None:
                return 404, {"detail": "no such account"}
            already = account["account"]["status"] == "frozen"
            account["account"]["status"] = "frozen"
            answer = {"status": "already_frozen" if already else "frozen", "uid": account["account"]["uid"],
                      "frozen_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                      "reference": f"FRZ-{len(self.freezes) + 1:04d}"}
            self.freezes[request_id] = answer
        self.freeze_received.set()
        return 200, answer

    # --- explorers ------------------------------------------------------------------------------

    def handle_get(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        if path == "/esplora/blocks/tip/height":
            return 200, fake_data.ESPLORA_TIP
        if path.startswith("/esplora/tx/"):
            tx = fake_data.ESPLORA_TXS.get(path.rsplit("/", 1)[-1])
            if tx is None:
                return 404, "Transaction not found"
            return 200, {"txid": path.rsplit("/", 1)[-1], "status": {
                "confirmed": True, "block_height": tx["height"], "block_time": tx["time"]},
                "vout": [{"scriptpubkey_address": tx["to"], "value": tx["sats"]}]}
        if path == "/etherscan":
            return 200, self._etherscan(query)
        return 404, {"detail": "no such endpoint"}

    @staticmethod
    def _etherscan(query: dict[str, str]) -> dict:
        action = query.get("action")
        if action == "eth_blockNumber":
            return {"jsonrpc": "2.0", "id": 1, "result": hex(fake_data.ETHERSCAN_TIP)}
        tx = fake_data.ETHERSCAN_TXS.get(query.get("txhash", "").lower())
        if tx is None:
            return {"jsonrpc": "2.0", "id": 1, "result": None}
        if action == "eth_getTransactionByHash":
            return {"jsonrpc": "2.0", "id": 1, "result": {
                "hash": query["txhash"], "from": tx["from"].lower(), "to": (tx["token"] or tx["to"]).lower(),
                "value": hex(0 if tx["token"] else tx["units"]), "blockNumber": hex(tx["block"])}}
        logs = []
        if tx["token"]:
            logs.append({"address": tx["token"].lower(), "data": "0x" + f"{tx['units']:064x}", "topics": [
                TRANSFER_TOPIC, "0x" + tx["from"][2:].lower().rjust(64, "0"),
                "0x" + tx["to"][2:].lower().rjust(64, "0")]})
        return {"jsonrpc": "2.0", "id": 1, "result": {"status": hex(tx["status"]), "logs": logs,
                                                       "blockNumber": hex(tx["block"])}}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def _send(self, status: int, data: Any) -> None:
                body = (data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain" if isinstance(data, str) else "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                self._send(*fake.handle_get(parts.path, query))

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if fake.delay:
                    time.sleep(fake.delay)  # simulates a slow exchange; the client's timeout must fire
                if not verify_signature(fake.secret, self.headers.get("X-Kefu-Timestamp", ""), body,
                                        self.headers.get("X-Kefu-Signature", "")):
                    self._send(401, {"detail": "bad or missing signature"})
                    return
                try:
                    payload = json.loads(body or b"{}")
                except ValueError:
                    self._send(400, {"detail": "body is not JSON"})
                    return
                self._send(*fake.handle_post(urlsplit(self.path).path, payload,
                                             self.headers.get("X-Kefu-Request-Id", "")))

        return Handler


def serve(port: int, secret: str, host: str = "127.0.0.1") -> None:
    """Run the fake exchange in the foreground until interrupted (`kefu exchange fake`)."""
    fake = FakeExchange(secret, host, port)
    print(f"Fake exchange on {fake.url} (accounts: {', '.join(fake.accounts)})", flush=True)
    print(f"  KEFU_EXCHANGE_URL={fake.url} KEFU_EXCHANGE_SECRET={secret}", flush=True)
    print(f"  KEFU_EXPLORERS=BTC=esplora:{fake.url}/esplora,ETH=etherscan:{fake.url}/etherscan,"
          f"BSC=etherscan:{fake.url}/etherscan", flush=True)
    try:
        fake.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        fake.server.server_close()
