"""`gongzhi triage ...`: the Chinese text-analysis commands. Argument names are a stable interface."""
from __future__ import annotations

from gongzhi.clitools import run_cli


# The group's sub-commands that work on the platform's database (the `triage` Django command, which
# takes its help lines from here), so that `gongzhi triage --help` lists them beside the file-based ones.
DATABASE_COMMANDS = {
    "use-model": "register and activate a model directory trained with --csv",
    "rebuild-hot": "recluster the last year's appeals into hot issues",
    "backlog": "analyse waiting appeals that skipped intake triage (e.g. after an import)",
}
DESCRIPTION = ("Chinese appeal text analysis. `train --csv`, predict, sentiment, sentiment-train, hot-issues and "
               "reply-quality work on files; `train` without --csv trains from the platform's closed appeals and "
               "activates the model; use-model, rebuild-hot and backlog work on the platform's database.")


def _registrars():
    from . import classify_cli, hot_cli

    return [classify_cli.register, hot_cli.register]


def parser():
    from gongzhi.clitools import build_parser

    return build_parser("gongzhi triage", DESCRIPTION, _registrars(), DATABASE_COMMANDS)


def main(argv: list[str] | None = None) -> int:
    return run_cli("gongzhi triage", DESCRIPTION, _registrars(), argv, DATABASE_COMMANDS)


if __name__ == "__main__":
    raise SystemExit(main())
