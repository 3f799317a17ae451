"""Bulk import of historical work orders from other systems' exports (CSV or XLSX).

This is the one documented exception to "every change goes through services": history is being
*loaded*, not changed, so rows are written in bulk (PostgreSQL COPY, or bulk_create elsewhere) with
their historical status, timestamps and agency, plus one AppealEvent "imported" each. Categories and
departments are matched by name or created. `source_system` + `source_ref` are unique together, so
re-running an import creates no duplicates and an interrupted import resumes where it stopped.

Dirty rows are never dropped silently: every problem goes to the report (CSV: line, id, level,
field, problem, value). An *error* skips the row (no usable date, no id, no text); a *warning* keeps
the row without the bad value (placeholder coordinates, a missing or impossible close date).

A mapping says which source column feeds which field. Values are a column name, or a template
mixing text and "{column}" references. Presets cover the real exports we know; a JSON or TOML file
with the same keys describes any other system (see PRESETS and the import section of docs/api.md).

The file's rows are read by gongzhi.core.tabular (read_rows; for the workers, a CSV file cut into
byte ranges of whole records), which grid's residents import uses too.

The package, by concern; each module imports only modules listed above it:
  mapping.py    presets, mapping files and their checks; ImportError_ (core.tabular.RowReadError)
  report.py     the dirty-row report (Issue) and the run's counts (Result)
  lookups.py    category and department ids by name, grids by coordinates
  convert.py    one source row to one appeal's values (Converter)
  writers.py    batch writers (bulk_create, executemany, COPY) and the binary COPY encoders
  bulk_load.py  the initial load's index, constraint and key-check work
  parallel.py   worker processes converting a CSV file
  run.py        import_file, the entry point, and the sinks batches go to
"""
from __future__ import annotations

from .mapping import PRESETS, ImportError_, load_mapping
from .report import Result, print_progress
from .run import import_file

__all__ = ["PRESETS", "ImportError_", "Result", "import_file", "load_mapping", "print_progress"]
