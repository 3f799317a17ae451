"""The dirty-row report and the run's counts: an Issue per problem found in a row (an error skips
the row, a warning keeps it without the bad value), written as one CSV row of REPORT_COLUMNS each;
the Result of a run, its summary line and the progress line a terminal shows."""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path


REPORT_COLUMNS = ["line", "id", "level", "field", "problem", "value"]


def default_report_path(source: Path) -> Path:
    return source.with_name(source.stem + ".import-report.csv")


@dataclass
class Issue:
    line: int
    ref: str
    level: str  # error | warning
    field: str
    problem: str
    value: str = ""


@dataclass
class Result:
    rows: int = 0
    imported: int = 0
    already: int = 0
    errors: int = 0
    warnings: int = 0
    seconds: float = 0.0
    created: dict = field(default_factory=dict)
    report: str = ""

    def summary(self) -> str:
        rate = self.rows / self.seconds if self.seconds else 0.0
        return (f"rows={self.rows} imported={self.imported} already_imported={self.already} "
                f"skipped_errors={self.errors} warnings={self.warnings} "
                f"categories_created={self.created.get('categories', 0)} "
                f"departments_created={self.created.get('departments', 0)} seconds={self.seconds:.2f} "
                f"rows_per_s={rate:.0f}")


def print_progress(result: Result, stream=sys.stderr) -> None:
    stream.write(f"\r{result.rows} rows read, {result.imported} imported, {result.already} already there, "
                 f"{result.errors} skipped")
    stream.flush()
