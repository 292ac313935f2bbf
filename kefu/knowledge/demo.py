"""The demo help center of Lanting, a fictional exchange: loaded by `kefu demo`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

DEMO_CONTENT = Path(__file__).resolve().parent / "demo_content"
HELDOUT_CSV = DEMO_CONTENT / "heldout.csv"


def load(stdout: TextIO = sys.stdout) -> None:
    """Import the demo help center (idempotent: unchanged articles are left alone)."""
    from kefu.knowledge.transfer import import_folder

    summary = import_folder(DEMO_CONTENT)
    stdout.write(f"  Help center:      {summary.created} articles created, {summary.updated} updated, "
                 f"{summary.unchanged} unchanged in {summary.categories} categories (/help/)\n")
