"""A real IMAP server for tests: Debian's dovecot with its own configuration in a temp directory."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from kefu.core.liveserver import free_port

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)


def _config(root: Path, port: int, user: str, password: str) -> str:
    if os.geteuid() == 0:
        # As root dovecot drops privileges: mail belongs to nobody, logins run as Debian's dovenull.
        mail_uid, mail_gid = 65534, 65534
        users = ""
    else:
        mail_uid, mail_gid = os.getuid(), os.getgid()
        name = pwd.getpwuid(mail_uid).pw_name
        users = f"default_internal_user = {name}\ndefault_login_user = {name}\n"
    (root / "passwd").write_text(f"{user}:{{PLAIN}}{password}\n")
    (root / "home").mkdir()
    os.chown(root / "home", mail_uid, mail_gid)
    return f"""base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
{users}protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


class Dovecot:
    def __init__(self, user: str = "support@exchange.test", password: str = "mail-pass") -> None:
        # Its own directory that dovecot's unprivileged processes can enter (pytest's tmp_path cannot be).
        root = Path(tempfile.mkdtemp(prefix="kefu-dovecot-"))
        root.chmod(0o755)
        self.root, self.user, self.password = root, user, password
        self.port = free_port()
        self.conf = root / "dovecot.conf"
        self.conf.write_text(_config(root, self.port, user, password))

    def __enter__(self) -> Dovecot:
        # dovecot forks into the background; its output goes to its log, not to pipes we would wait on.
        subprocess.run([DOVECOT, "-c", str(self.conf)], check=True, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not start: {(self.root / 'dovecot.log').read_text(errors='replace')}")

    def __exit__(self, *exc) -> None:
        subprocess.run(["doveadm", "-c", str(self.conf), "stop"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
        shutil.rmtree(self.root, ignore_errors=True)
