"""`kefu assistant ...` commands (picked up by kefu.cli through `register`)."""

from __future__ import annotations

import argparse


def cmd_eval(args: argparse.Namespace) -> int:
    # The evaluation needs no database: it builds a throwaway knowledge base from TRAIN.
    from .evaluation import run

    return run(args)


def register(subparsers: argparse._SubParsersAction) -> None:
    assistant = subparsers.add_parser("assistant", help="the auto-answer assistant: measure the matcher")
    actions = assistant.add_subparsers(dest="assistant_command", required=True, metavar="ACTION")
    evaluate = actions.add_parser(
        "eval",
        help="measure accuracy, precision/coverage at a confidence threshold, latency and memory",
        description="Build a throwaway knowledge base from TRAIN (one article per category, its rows as example "
        "questions), fix the confidence thresholds on a dev split of TRAIN, then answer every row of TEST.",
    )
    from .evaluation import add_arguments

    add_arguments(evaluate)
    evaluate.set_defaults(func=cmd_eval)
