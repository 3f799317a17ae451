"""Shared plumbing for the pure-Python sub-command groups (`gongzhi triage`, `gongzhi safety`).

These groups need no Django, so they start fast and run on plain files. Each analysis module
contributes sub-commands with a ``register(subparsers)`` function; a user error is one line on
stderr and exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable


class CliError(Exception):
    """A user error: printed as one line, exit status 2."""


def build_parser(prog: str, description: str, registrars: Iterable[Callable],
                 elsewhere: dict[str, str] | None = None) -> argparse.ArgumentParser:
    """The group's parser. `elsewhere`: sub-commands of the same group that run inside Django
    (name -> one line), listed in the group's --help so it shows all of them."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")
    for register in registrars:
        register(sub)
    for name, line in (elsewhere or {}).items():
        if name not in sub.choices:
            sub.add_parser(name, help=line)
    return parser


def run_cli(prog: str, description: str, registrars: Iterable[Callable], argv: list[str] | None,
            elsewhere: dict[str, str] | None = None) -> int:
    parser = build_parser(prog, description, registrars, elsewhere)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"{prog} {args.command}: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError) as exc:
        print(f"{prog} {args.command}: {exc.strerror}: {exc.filename}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog} {args.command}: interrupted", file=sys.stderr)
        return 130
