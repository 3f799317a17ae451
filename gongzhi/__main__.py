"""The `gongzhi` command: the pure analysis groups run without Django; the rest are Django commands.

    gongzhi serve | migrate | demo | worker | import ... | export ... | opendata --out DIR
    gongzhi triage train|predict|sentiment|hot-issues|reply-quality ...
    gongzhi safety hotspots ...
    gongzhi --help lists them all; gongzhi help --django lists Django's own commands.
"""
from __future__ import annotations

import os
import sys

PURE_GROUPS = {
    "triage": ("gongzhi.triage.cli", {"train", "predict", "sentiment", "sentiment-train", "hot-issues", "reply-quality"}),
    "safety": ("gongzhi.safety.cli", {"hotspots"}),
}


HELP = ([], ["help"], ["-h"], ["--help"])


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) <= 2 and argv[:1] in (["triage"], ["safety"]) and argv[1:] in HELP:
        import importlib

        importlib.import_module(PURE_GROUPS[argv[0]][0]).parser().print_help()  # all of the group's commands
        return 0
    file_based = not (argv[:2] == ["triage", "train"] and "--csv" not in argv)  # train without --csv: from the DB
    if len(argv) >= 2 and argv[0] in PURE_GROUPS and argv[1] in PURE_GROUPS[argv[0]][1] and file_based:
        import importlib

        return importlib.import_module(PURE_GROUPS[argv[0]][0]).main(argv[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    platform_help = argv in HELP
    if argv == ["help", "--django"]:
        argv = ["help"]
    try:
        if platform_help:
            from gongzhi import clihelp

            print(clihelp.text())
            return 0
        execute_from_command_line(["gongzhi", *argv])
    except ImproperlyConfigured as exc:
        print(f"gongzhi: configuration error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
