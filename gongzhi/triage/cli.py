"""`gongzhi triage ...`: the Chinese text-analysis commands. Argument names are a stable interface."""
from __future__ import annotations

from gongzhi.clitools import run_cli


def main(argv: list[str] | None = None) -> int:
    from . import classify_cli, hot_cli

    return run_cli("gongzhi triage", "Chinese appeal text analysis",
                   [classify_cli.register, hot_cli.register], argv)


if __name__ == "__main__":
    raise SystemExit(main())
