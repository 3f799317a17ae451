"""`gongzhi triage hot-issues` and `gongzhi triage reply-quality`: the file-based front of the
hot-issue clustering and the reply scorer. Argument names are a stable interface."""
from __future__ import annotations

import csv
import sys
from pathlib import Path

from gongzhi.clitools import CliError
from gongzhi.core.spreadsheet import csv_writer  # pure: no Django

HOT_HELP = """Group appeals about the same problem at the same place in the same period and rank the
groups by heat. Writes OUT (one row per member: rank,issue_id,message_id) and OUT with .csv replaced
by .issues.csv (rank,issue_id,heat,title,place,start,end,size). Rank 1 is the hottest. Only issues
with at least --min-size appeals are written (default 2: a single appeal is not a hot issue).
heat = 10*(ln(1+people) + 0.5*ln(1+appeals) + 0.3*ln(1+support votes)) * (0.5+0.5*recency) *
sqrt(growth), measured at the latest appeal in the file."""

REPLY_HELP = """Score each reply on relevance, completeness, timeliness and clarity (0-100) and write
id,score,relevance,completeness,timeliness,clarity,reasons. Column names default to those of
messages_with_replies.csv. timeliness is empty when a date is missing or unparseable."""


def register(subparsers) -> None:
    hot = subparsers.add_parser("hot-issues", help="mine hot issues from a CSV of appeals", description=HOT_HELP)
    hot.add_argument("--csv", required=True, help="input CSV (UTF-8, or GB18030)")
    hot.add_argument("--id", required=True, help="message id column")
    hot.add_argument("--text", required=True, help="text columns, comma-separated (e.g. 留言主题,留言详情); "
                                                   "the first is also the subject used for titles")
    hot.add_argument("--time", required=True, help="time column (2019/3/7 18:32:24, 2019-03-07 ...)")
    hot.add_argument("--user", help="appellant column (phone or account): counts distinct people")
    hot.add_argument("--support", help="support votes column (e.g. 点赞数)")
    hot.add_argument("--out", required=True, help="member table HOT.csv; the issue table goes to HOT.issues.csv")
    hot.add_argument("--min-size", type=int, default=2, help="smallest issue written (default 2)")
    hot.add_argument("--window-days", type=float, default=90,
                     help="an issue takes appeals up to this many days after its last one (default 90)")
    hot.set_defaults(func=run_hot_issues)

    rq = subparsers.add_parser("reply-quality", help="score official replies", description=REPLY_HELP)
    rq.add_argument("--csv", required=True)
    rq.add_argument("--out", required=True)
    rq.add_argument("--id", default="留言编号")
    rq.add_argument("--title", default="留言主题", help="appeal subject column ('' if none)")
    rq.add_argument("--text", default="留言详情", help="appeal details column")
    rq.add_argument("--time", default="留言时间", help="appeal time column ('' if none)")
    rq.add_argument("--reply", default="答复意见", help="reply text column")
    rq.add_argument("--reply-time", default="答复时间", help="reply time column ('' if none)")
    rq.add_argument("--calendar", choices=("weekdays", "china"), default="weekdays",
                    help="working days: Monday-Friday, or the Chinese official calendar with holidays and "
                         "adjusted working weekends (chinesecalendar)")
    rq.set_defaults(func=run_reply_quality)


def read_rows(path: str, required: list[str]) -> list[dict]:
    """Rows of a CSV; a user error (one line) for an unreadable file or missing columns."""
    p = Path(path)
    if not p.is_file():
        raise CliError(f"no such file: {path}")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            with open(p, encoding=encoding, newline="") as fh:
                reader = csv.DictReader(fh)
                header = reader.fieldnames or []
                rows = list(reader)
            break
        except UnicodeDecodeError:
            continue
        except csv.Error as exc:
            raise CliError(f"{path}: not a readable CSV ({exc})") from None
    else:
        raise CliError(f"{path}: not UTF-8 or GB18030 text")
    if not header:
        raise CliError(f"{path}: empty file, no header row")
    missing = [c for c in required if c and c not in header]
    if missing:
        raise CliError(f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(header[:12])}")
    return rows


def _int(value) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0


def issues_path(out: str) -> Path:
    p = Path(out)
    return p.with_name(p.name[:-4] + ".issues.csv") if p.name.lower().endswith(".csv") else p.with_name(p.name + ".issues.csv")


def run_hot_issues(args) -> int:
    from .duplicates import Appeal, parse_time
    from .hotissues import HotIssueIndex

    text_cols = [c.strip() for c in args.text.split(",") if c.strip()]
    if not text_cols:
        raise CliError("--text needs at least one column name")
    if args.min_size < 1:
        raise CliError("--min-size must be at least 1")
    if args.window_days <= 0:
        raise CliError("--window-days must be positive")
    rows = read_rows(args.csv, [args.id, args.time, *text_cols, args.user or "", args.support or ""])
    appeals, bad_times = [], 0
    seen: set[str] = set()
    for row in rows:
        mid = (row.get(args.id) or "").strip()
        if not mid or mid in seen:
            continue
        seen.add(mid)
        when = parse_time(row.get(args.time))
        bad_times += when is None
        text = "\n".join((row.get(c) or "").strip() for c in text_cols)
        appeals.append(Appeal(mid, text, when, row.get(args.user) if args.user else None,
                              (row.get(text_cols[0]) or "").strip(),
                              _int(row.get(args.support)) if args.support else 0))
    if not appeals:
        raise CliError(f"{args.csv}: no rows with a message id")
    if bad_times == len(appeals):
        raise CliError(f"column {args.time}: no parseable dates (expected e.g. 2019/3/7 18:32:24)")
    if bad_times:
        print(f"warning: {bad_times} rows without a parseable {args.time}; clustered without time",
              file=sys.stderr)
    index = HotIssueIndex(window_days=args.window_days)
    ranked = [i for i in index.rebuild(appeals) if i.size >= args.min_size]
    now = max(a.time for a in appeals if a.time is not None)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as fh:
        w = csv_writer(fh)
        w.writerow(["rank", "issue_id", "message_id"])
        for rank, issue in enumerate(ranked, 1):
            for mid in issue.members:
                w.writerow([rank, issue.id, mid])
    fmt = "%Y-%m-%d %H:%M:%S"
    with open(issues_path(args.out), "w", encoding="utf-8", newline="") as fh:
        w = csv_writer(fh)
        w.writerow(["rank", "issue_id", "heat", "title", "place", "start", "end", "size"])
        for rank, issue in enumerate(ranked, 1):
            w.writerow([rank, issue.id, f"{issue.heat(now):.2f}", issue.title, issue.place,
                        issue.start.strftime(fmt) if issue.start else "",
                        issue.end.strftime(fmt) if issue.end else "", issue.size])
    print(f"{len(appeals)} appeals -> {len(ranked)} hot issues (size >= {args.min_size}); "
          f"wrote {out} and {issues_path(args.out)}", file=sys.stderr)
    return 0


def _china_workdays():
    """Working days between appeal and reply by China's holiday calendar (the platform's own rule)."""
    from gongzhi.core.workdays import WorkCalendar  # pure: no Django needed without overrides

    return WorkCalendar().workdays_between


def run_reply_quality(args) -> int:
    from .duplicates import parse_time
    from .reply_quality import score_reply, weekday_count

    rows = read_rows(args.csv, [args.id, args.text, args.reply, args.title, args.time, args.reply_time])
    counter = _china_workdays() if args.calendar == "china" else weekday_count
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as fh:
        w = csv_writer(fh)
        w.writerow(["id", "score", "relevance", "completeness", "timeliness", "clarity", "reasons"])
        for row in rows:
            result = score_reply(row.get(args.text) or "", row.get(args.reply) or "",
                                 row.get(args.title) or "" if args.title else "",
                                 parse_time(row.get(args.time)) if args.time else None,
                                 parse_time(row.get(args.reply_time)) if args.reply_time else None,
                                 workdays=counter)
            r = result.as_row()
            w.writerow([row.get(args.id, ""), r["score"], r["relevance"], r["completeness"], r["timeliness"],
                        r["clarity"], r["reasons"]])
    print(f"scored {len(rows)} replies; wrote {out}", file=sys.stderr)
    return 0
