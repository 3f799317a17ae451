"""`gongzhi safety hotspots`: weekly hotspot forecast from an incident CSV to GeoJSON.

The required options are a stable interface:
``gongzhi safety hotspots --csv HIST.csv[.gz] --lat Lat --lon Long --date occurrencedate
--until YYYY-MM-DD --out CELLS.geojson``.
"""
from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import gzip
import json
import sys
import zlib
from pathlib import Path

import numpy as np

from gongzhi.clitools import CliError

from .hotspots import HotspotParams, cells_to_geojson, forecast_hotspots, read_incidents


def _one_line_errors(parser: argparse.ArgumentParser) -> None:
    """argparse prints usage plus the error; the house rule is one line and exit status 2."""
    def error(message: str):
        print(f"{parser.prog}: {message}", file=sys.stderr)
        raise SystemExit(2)
    parser.error = error


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}") from None


def _positive(kind):
    def parse(text: str):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
        if not v > 0:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
        return v
    return parse


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "hotspots", help="forecast next week's hotspot cells from incident history",
        description="Rank cells by the incidents expected in the DAYS days from --until, using only "
                    "incidents dated before --until; writes a GeoJSON FeatureCollection of WGS84 "
                    "polygons with properties rank (1 = most expected) and score (expected incidents).")
    p.add_argument("--csv", required=True, help="incident history, .csv or .csv.gz (UTF-8, header row)")
    p.add_argument("--lat", required=True, help="latitude column (degrees)")
    p.add_argument("--lon", required=True, help="longitude column (degrees)")
    p.add_argument("--date", required=True, help="occurrence date column (ISO date/time or MM/DD/YYYY)")
    p.add_argument("--until", required=True, type=_iso_date, help="first day of the forecast, YYYY-MM-DD")
    p.add_argument("--out", required=True, help="GeoJSON file to write")
    p.add_argument("--days", type=_positive(int), default=7, help="forecast window in days (default 7)")
    p.add_argument("--cells", choices=["grid", "places"], default=HotspotParams.cells,
                   help="grid: squares of a --cell-m grid (default); places: --cell-m squares centred on "
                        "the points incidents are snapped to (intersections)")
    p.add_argument("--cell-m", type=_positive(float), default=None,
                   help=f"cell side in metres (default {HotspotParams.cell_m:g} for grid, 60 for places)")
    p.add_argument("--max-share", type=_positive(float), default=HotspotParams.max_share,
                   help="write cells until they cover this share of the land area (default 0.10)")
    p.add_argument("--land-km2", type=_positive(float), default=HotspotParams.land_km2,
                   help="land area the share refers to (default 630.2, Toronto)")
    _one_line_errors(p)
    p.set_defaults(func=run_hotspots)


def run_hotspots(args) -> int:
    out = Path(args.out)
    if out.parent and not out.parent.is_dir():
        raise CliError(f"output folder does not exist: {out.parent}")
    cell_m = args.cell_m if args.cell_m is not None else (60.0 if args.cells == "places" else HotspotParams.cell_m)
    params = dataclasses.replace(HotspotParams(), cells=args.cells, cell_m=cell_m, max_share=args.max_share,
                                 land_km2=args.land_km2)
    try:
        table = read_incidents(args.csv, args.lat, args.lon, args.date)
    except KeyError as exc:
        raise CliError(f"column {exc.args[0]!r} not found in {args.csv}") from None
    except (UnicodeDecodeError, csv.Error, gzip.BadGzipFile, EOFError, zlib.error, ValueError) as exc:
        raise CliError(f"cannot read {args.csv}: {exc}") from None
    until = args.until.isoformat()
    n_past = int((table.date < np.datetime64(until)).sum())
    if n_past == 0:
        raise CliError(f"no usable incidents dated before {until} in {args.csv}")
    skipped = table.n_skipped
    detail = ", ".join(f"{n} {why.replace('_', ' ')}" for why, n in table.skipped.items())
    print(f"read {len(table) + skipped} rows; skipped {skipped}" + (f" ({detail})" if detail else ""),
          file=sys.stderr)
    cells = forecast_hotspots(table.lat, table.lon, table.date, until, days=args.days, params=params)
    out.write_text(json.dumps(cells_to_geojson(cells), separators=(",", ":")), encoding="utf-8")
    print(f"used {n_past} incidents before {until}; wrote {len(cells)} cells to {out}", file=sys.stderr)
    return 0
