"""`gongzhi safety ...`: public-safety analysis commands. Argument names are a stable interface."""
from __future__ import annotations

from gongzhi.clitools import run_cli


def main(argv: list[str] | None = None) -> int:
    from . import analysis_cli

    return run_cli("gongzhi safety", "public-safety analysis", [analysis_cli.register], argv)


if __name__ == "__main__":
    raise SystemExit(main())
