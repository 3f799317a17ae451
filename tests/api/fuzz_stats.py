"""What the fuzzers saw, for bench/fuzz_long.py: with GONGZHI_FUZZ_STATS=PATH every response the
schemathesis tests get is appended to PATH as one JSON line (operation, status, whether the
operation's schema declares that status, and whether the request used another method than the
operation's: schemathesis' probe of an undeclared method, rightly answered 405, which no operation
declares). Without it nothing is written."""
from __future__ import annotations

import json
import os


def documented(case, status: int) -> bool:
    declared = {str(code).upper() for code in (case.operation.definition.raw.get("responses") or {})}
    return str(status) in declared or f"{str(status)[0]}XX" in declared or "DEFAULT" in declared


def record(case, response) -> None:
    path = os.environ.get("GONGZHI_FUZZ_STATS")
    if not path:
        return
    probe = case.method.upper() != case.operation.method.upper()
    line = {"operation": case.operation.label, "status": response.status_code, "method_probe": probe,
            "documented": probe or documented(case, response.status_code)}
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")
