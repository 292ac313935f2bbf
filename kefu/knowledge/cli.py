"""`kefu kb ...`: import and export the knowledge base, rebuild the search index, evaluate the assistant."""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    kb = subparsers.add_parser("kb", help="knowledge base: import/export Markdown folders, reindex, eval")
    sub = kb.add_subparsers(dest="kb_command", required=True, metavar="ACTION")
    imp = sub.add_parser("import", help="create or update articles from a folder of Markdown files")
    imp.add_argument("directory")
    exp = sub.add_parser("export", help="write every category and article to a folder of Markdown files")
    exp.add_argument("directory")
    sub.add_parser("reindex", help="rebuild the search index from the published articles")
    ev = sub.add_parser("eval", help="measure the assistant on the demo help center's held-out questions")
    ev.add_argument("--heldout", help="CSV with text,article,language (default: the demo held-out set)")
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    kb.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    import django

    django.setup()
    from kefu.core.errors import KefuError

    try:
        return _dispatch(args)
    except KefuError as error:
        print(f"kefu kb {args.kb_command}: {error.detail}", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace) -> int:
    from kefu.knowledge import services, transfer

    if args.kb_command == "import":
        summary = transfer.import_folder(args.directory)
        print(f"Imported {args.directory}: {summary.created} created, {summary.updated} updated, "
              f"{summary.unchanged} unchanged, {summary.categories} categories.")
        return 0
    if args.kb_command == "export":
        count = transfer.export_folder(args.directory)
        print(f"Wrote {count} files to {args.directory}.")
        return 0
    if args.kb_command == "reindex":
        print(f"Indexed {services.reindex_all()} article versions.")
        return 0
    from kefu.knowledge.kb_eval import run_eval

    return run_eval(args.heldout, as_json=args.json)
