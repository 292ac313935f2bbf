"""The verification snippets of docs/webhooks.md really verify kefu's signatures (Python, and Node if installed)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kefu.webhooks.signing import signature_header

DOC = (Path(__file__).resolve().parents[2] / "docs" / "webhooks.md").read_text(encoding="utf-8")
SECRET = "whsec_docs-example"
BODY = json.dumps({"type": "message.created", "data": {"body": "提币一直在审核中"}}, ensure_ascii=False,
                  separators=(",", ":")).encode()


def _snippet(start: str) -> str:
    begin = DOC.index(start)
    return DOC[begin:DOC.index("\n}\n", begin) + 3] if start.startswith("function") else \
        DOC[begin:DOC.index("\n\n", begin)]


def test_the_python_snippet_verifies_a_kefu_signature():
    namespace: dict = {}
    exec("import hashlib, hmac, time\n" + _snippet("def verify_kefu_signature"), namespace)  # noqa: S102
    verify = namespace["verify_kefu_signature"]
    header = signature_header(SECRET, BODY)
    assert verify(SECRET, BODY, header) is True
    assert verify(SECRET, BODY + b" ", header) is False
    assert verify("whsec_wrong", BODY, header) is False
    assert verify(SECRET, BODY, signature_header(SECRET, BODY, timestamp=1_600_000_000)) is False
    assert verify(SECRET, BODY, "garbage") is False


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_node_snippet_verifies_a_kefu_signature(tmp_path):
    function = _snippet("function verifyKefuSignature")
    assert re.search(r"createHmac\(\"sha256\"", function)
    header = signature_header(SECRET, BODY)
    old = signature_header(SECRET, BODY, timestamp=1_600_000_000)
    script = tmp_path / "check.js"
    script.write_text('const crypto = require("crypto");\n' + function + f"""
const body = Buffer.from({json.dumps(BODY.decode())}, "utf8");
console.log(JSON.stringify([
  verifyKefuSignature({json.dumps(SECRET)}, body, {json.dumps(header)}),
  verifyKefuSignature("whsec_wrong", body, {json.dumps(header)}),
  verifyKefuSignature({json.dumps(SECRET)}, Buffer.concat([body, Buffer.from(" ")]), {json.dumps(header)}),
  verifyKefuSignature({json.dumps(SECRET)}, body, {json.dumps(old)}),
  verifyKefuSignature({json.dumps(SECRET)}, body, "garbage"),
]));
""", encoding="utf-8")
    result = subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [True, False, False, False, False]
