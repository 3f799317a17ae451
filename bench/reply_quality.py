"""Reply quality against the volunteer 可解释性 (0/1) labels of messages_with_replies.csv (2,816 replies).

AUC of the total score and of each part, beside the trivial baseline measured in the same run: the
reply's length in characters (long replies tend to explain; the baseline is strong on this file,
because most replies labelled 0 are one-line acknowledgements). Also the time per scored reply.
Last line: key=value summary.
"""
from __future__ import annotations

import csv
import os
import sys
import time
from pathlib import Path

from sklearn.metrics import roc_auc_score

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from gongzhi.triage.duplicates import parse_time  # noqa: E402
from gongzhi.triage.reply_quality import score_reply  # noqa: E402

SHARED = Path(os.environ.get("GONGZHI_SHARED_DIR", REPO_ROOT.parent / "shared"))


def main() -> None:
    with open(SHARED / "data" / "appeals-zh" / "messages_with_replies.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    labels = [int(r["可解释性"]) for r in rows]
    t0 = time.perf_counter()
    scores = [score_reply(r["留言详情"], r["答复意见"], r["留言主题"], parse_time(r["留言时间"]),
                          parse_time(r["答复时间"])) for r in rows]
    per_ms = (time.perf_counter() - t0) / len(rows) * 1e3
    auc = roc_auc_score(labels, [s.score for s in scores])
    parts = {k: roc_auc_score(labels, [getattr(s, k) if getattr(s, k) is not None else 50 for s in scores])
             for k in ("relevance", "completeness", "timeliness", "clarity")}
    baseline = roc_auc_score(labels, [len(r["答复意见"] or "") for r in rows])
    print(f"{len(rows)} replies, {labels.count(0)} labelled 0; {per_ms:.2f} ms per reply")
    print("AUC by part: " + ", ".join(f"{k} {v:.3f}" for k, v in parts.items()))
    print(f"AUC score {auc:.3f} vs reply length {baseline:.3f}")
    print(f"auc={auc:.3f} baseline_length_auc={baseline:.3f} ratio={auc / baseline:.3f} "
          + " ".join(f"auc_{k}={v:.3f}" for k, v in parts.items()) + f" ms_per_reply={per_ms:.2f}")


if __name__ == "__main__":
    main()
