"""A fake Telegram Bot API on 127.0.0.1 that speaks its HTTP protocol (https://core.telegram.org/bots/api).

Methods: getMe, getUpdates, setWebhook, getFile, sendMessage, sendPhoto, sendDocument, and file downloads
at /file/bot<token>/<file_path>. Requests are JSON or multipart/form-data; answers are
{"ok": true, "result": ...} or {"ok": false, "error_code": N, "description": "..."} as the real API does.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kefu.core.liveserver import free_port


def _form(content_type: str, body: bytes) -> tuple[dict, dict]:
    """Parse multipart/form-data into (fields, files {name: (filename, bytes, content type)})."""
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields, files = {}, {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if part.get_filename():
            files[name] = (part.get_filename(), part.get_payload(decode=True), part.get_content_type())
        else:
            fields[name] = part.get_payload(decode=True).decode()
    return fields, files


class FakeTelegram:
    def __init__(self, token: str = "123456:TEST-token") -> None:
        self.token = token
        self.port = free_port()
        self.calls: list[tuple[str, dict, dict]] = []  # (method, params, files)
        self.updates: list[dict] = []
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self.fail_status = 0  # answer every method with this HTTP status (e.g. 502) while set
        self.webhook: dict = {}
        self.condition = threading.Condition()
        self._ids = itertools.count(100)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                fake._download(self)

            def do_POST(self) -> None:
                fake._method(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FakeTelegram:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- what tests use -----------------------------------------------------------------------
    def add_file(self, file_id: str, path: str, content: bytes) -> None:
        self.files[file_id] = (path, content)

    def sent(self, method: str | None = None) -> list[tuple[str, dict, dict]]:
        with self.condition:
            return [call for call in self.calls if method is None or call[0] == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10) -> list[tuple[str, dict, dict]]:
        with self.condition:
            ok = self.condition.wait_for(lambda: len([c for c in self.calls if c[0] == method]) >= count, timeout)
        if not ok:
            raise AssertionError(f"expected {count} {method} calls, got {self.sent(method)}")
        return self.sent(method)

    # --- protocol -------------------------------------------------------------------------------
    def _answer(self, handler: BaseHTTPRequestHandler, status: int, payload: dict | bytes,
                content_type: str = "application/json") -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _error(self, handler, status: int, description: str) -> None:
        self._answer(handler, status, {"ok": False, "error_code": status, "description": description})

    def _download(self, handler: BaseHTTPRequestHandler) -> None:
        prefix = f"/file/bot{self.token}/"
        if not handler.path.startswith(prefix):
            return self._error(handler, 404, "Not Found")
        path = handler.path[len(prefix):]
        for file_path, content in self.files.values():
            if file_path == path:
                return self._answer(handler, 200, content, "application/octet-stream")
        return self._error(handler, 404, "Not Found")

    def _method(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        token, _slash, method = handler.path.removeprefix("/bot").partition("/")
        if token != self.token:
            return self._error(handler, 401, "Unauthorized")
        if self.fail_status:
            return self._error(handler, self.fail_status, "Bad Gateway")
        content_type = handler.headers.get("Content-Type", "")
        if content_type.startswith("multipart/form-data"):
            params, files = _form(content_type, body)
        else:
            params, files = (json.loads(body) if body else {}), {}
        handler_method = getattr(self, f"_m_{method}", None)
        if handler_method is None:
            return self._error(handler, 404, "Not Found: method not found")
        status, result = handler_method(params, files)
        if status != 200:
            return self._error(handler, status, result)
        with self.condition:
            self.calls.append((method, params, files))
            self.condition.notify_all()
        return self._answer(handler, 200, {"ok": True, "result": result})

    def _message(self, chat_id, **extra) -> dict:
        return {"message_id": next(self._ids), "date": int(time.time()),
                "chat": {"id": int(chat_id), "type": "private"}, **extra}

    def _m_getMe(self, params, files):
        return 200, {"id": 123456, "is_bot": True, "first_name": "Support", "username": "exchange_support_bot"}

    def _m_setWebhook(self, params, files):
        self.webhook = params
        return 200, True

    def _m_getUpdates(self, params, files):
        offset = int(params.get("offset") or 0)
        return 200, [u for u in self.updates if u["update_id"] >= offset]

    def _m_getFile(self, params, files):
        if params.get("file_id") not in self.files:
            return 400, "Bad Request: invalid file_id"
        path, content = self.files[params["file_id"]]
        return 200, {"file_id": params["file_id"], "file_unique_id": params["file_id"][-8:],
                     "file_size": len(content), "file_path": path}

    def _m_sendMessage(self, params, files):
        if not params.get("chat_id") or not params.get("text"):
            return 400, "Bad Request: message text is empty"
        return 200, self._message(params["chat_id"], text=params["text"])

    def _m_sendPhoto(self, params, files):
        if "photo" not in files:
            return 400, "Bad Request: there is no photo in the request"
        return 200, self._message(params["chat_id"], photo=[{"file_id": "sent-photo", "file_unique_id": "sp",
                                                             "width": 1, "height": 1}])

    def _m_sendDocument(self, params, files):
        if "document" not in files:
            return 400, "Bad Request: there is no document in the request"
        name, _content, mime = files["document"]
        return 200, self._message(params["chat_id"], document={"file_id": "sent-doc", "file_unique_id": "sd",
                                                               "file_name": name, "mime_type": mime})


def text_update(update_id: int, chat_id: int, text: str, language: str = "en", **message_extra) -> dict:
    """An Update carrying a private-chat Message, shaped as in the Bot API documentation."""
    user = {"id": chat_id, "is_bot": False, "first_name": "Li", "last_name": "Wei", "username": "liwei",
            "language_code": language}
    message = {"message_id": update_id * 10, "from": user, "chat": {"id": chat_id, "first_name": "Li",
                                                                    "type": "private"},
               "date": int(time.time())}
    if text:
        message["text"] = text
    message.update(message_extra)
    return {"update_id": update_id, "message": message}
