"""`gongzhi safety ...`: public-safety analysis commands. Argument names are a stable interface."""
from __future__ import annotations

from gongzhi.clitools import run_cli


DESCRIPTION = "Public-safety analysis of incident files."


def parser():
    from gongzhi.clitools import build_parser

    from . import analysis_cli

    return build_parser("gongzhi safety", DESCRIPTION, [analysis_cli.register])


def main(argv: list[str] | None = None) -> int:
    from . import analysis_cli

    return run_cli("gongzhi safety", DESCRIPTION, [analysis_cli.register], argv)


if __name__ == "__main__":
    raise SystemExit(main())
