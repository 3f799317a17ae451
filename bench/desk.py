"""The operator desk's matching per keystroke: locating a typed place among a city's names
(triage/gazetteer.py) and finding the standard answers that fit a call (triage/answers.py).

Data: the demo city's own names (gongzhi.demo.organisation: 3 subdistricts, 9 communities, 30
grids, 15 roads, 60 compounds) and the demo's 8 knowledge-base entries, then names and entries made
from them up to a city's size (--names, default 5,000; --answers, default 300) with a fixed seed.
Queries: place texts as the demo's appeals write them (a road with a number, a compound with a
building, a crossing) and call texts of the demo's kind.

Baseline, measured in this run: the least any matcher must do, one `name in text` test per name
(per entry keyword), so the ratio says what the ranking adds. CPU seconds of this process
(time.process_time: the machine is shared), best of 3.
Last line: key=value pairs.

    .venv/bin/python bench/desk.py [--names 5000] [--answers 300]
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gongzhi.triage.answers import Answer, rank_answers  # noqa: E402
from gongzhi.triage.gazetteer import Entry, Gazetteer  # noqa: E402

# Pure data of the demo (no Django needed): the territory's names and the knowledge base.
SUBDISTRICTS = [
    ("清河街道", ["柳岸社区", "桂苑社区", "石桥社区"], ["清河大道", "柳岸路", "桂苑街", "石桥路", "杏林路"]),
    ("望湖街道", ["湖滨社区", "青枫社区", "文澜社区"], ["望湖路", "湖滨大道", "青枫路", "文澜街", "紫荆路"]),
    ("新港街道", ["港湾社区", "锦绣社区", "春晖社区"], ["新港大道", "港湾路", "锦绣路", "春晖街", "滨河路"]),
]
HEADS = ["金桂", "翠柳", "阳光", "景湖", "康乐", "和睦", "枫林", "紫荆", "望江", "云栖", "锦园", "春江", "丽水", "嘉禾",
         "馨苑", "绿城", "东湖", "新月", "怡和", "长庚", "百合", "松涛", "晨曦", "青竹", "碧水", "安居", "幸福", "芳草"]
TAILS = ["花园", "小区", "家园", "新村", "公寓", "苑", "路", "街", "大道"]


def names(n: int, rng: random.Random) -> list[Entry]:
    out = []
    for s, (sub, communities, roads) in enumerate(SUBDISTRICTS):
        out.append(Entry(f"s{s}", sub, "subdistrict"))
        out += [Entry(f"c{s}{i}", c, "community", sub) for i, c in enumerate(communities)]
        out += [Entry(f"g{s}{i}{j}", f"{c}第{'一二三'[j]}网格", "grid", sub) for i, c in enumerate(communities) for j in range(3)]
        out += [Entry(f"r{s}{i}", r, "road", sub) for i, r in enumerate(roads)]
    seen = {e.name for e in out}
    while len(out) < n:
        name = rng.choice(HEADS) + rng.choice(HEADS)[0] + rng.choice(TAILS)
        if name not in seen:
            seen.add(name)
            out.append(Entry(f"x{len(out)}", name, "road" if name[-1] in "路街道" else "compound"))
    return out


def answers(n: int, rng: random.Random) -> list[Answer]:
    topics = [("住房公积金如何提取？", ("公积金", "提取")), ("如何查询社保缴费记录？", ("社保", "缴费记录")),
              ("停水了，什么时候恢复供水？", ("停水", "恢复供水")), ("突然停电了怎么办？", ("停电", "跳闸")),
              ("身份证丢了怎么补办？", ("身份证", "补办")), ("退休手续怎么办理？", ("退休", "养老金")),
              ("小学新生入学怎么报名？", ("入学", "报名")), ("高龄老人补贴如何申请？", ("高龄补贴", "老人补贴"))]
    out = [Answer(i, q, k) for i, (q, k) in enumerate(topics)]
    while len(out) < n:
        a, b = rng.sample(HEADS, 2)
        out.append(Answer(len(out), f"{a}{b}事项如何办理？", (f"{a}{b}", f"{b}证明")))
    return out


PLACES = ["柳岸路123号", "金桂花园5幢2单元东门", "望湖路与湖滨大道交叉口", "文澜", "石桥社区菜市场旁", "春晖街8号"]
CALLS = ["你好，我想问一下租房可以提取公积金吗，要带什么材料", "我们小区从早上开始停水了，什么时候能恢复",
         "我母亲今年八十岁了，高龄补贴怎么申请", "楼下饭店油烟太大了，每天晚上都熏到我家"]


def best(fn, rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=5000)
    parser.add_argument("--answers", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args(argv)
    rng = random.Random(2026)
    entries, kb = names(args.names, rng), answers(args.answers, rng)
    gazetteer = Gazetteer(entries)
    plain = [e.name for e in entries]
    reps = args.repeat

    def suggest():
        for _ in range(reps):
            for text in PLACES:
                gazetteer.suggest(text)

    def scan_names():
        for _ in range(reps):
            for text in PLACES:
                [n for n in plain if n in text]

    def rank():
        for _ in range(reps):
            for text in CALLS:
                rank_answers(text, kb)

    def scan_keywords():
        for _ in range(reps):
            for text in CALLS:
                [a for a in kb if any(k in text for k in a.keywords)]

    per_place = best(suggest) / (reps * len(PLACES)) * 1000
    per_place_base = best(scan_names) / (reps * len(PLACES)) * 1000
    per_call = best(rank) / (reps * len(CALLS)) * 1000
    per_call_base = best(scan_keywords) / (reps * len(CALLS)) * 1000
    print(f"gazetteer: {len(gazetteer)} names, {per_place:.3f} ms per typed place "
          f"(baseline name-in-text scan {per_place_base:.3f} ms, ×{per_place / per_place_base:.1f})")
    print(f"knowledge base: {len(kb)} entries, {per_call:.3f} ms per call text "
          f"(baseline keyword scan {per_call_base:.3f} ms, ×{per_call / per_call_base:.1f})")
    print(f"names={len(gazetteer)} place_ms={per_place:.3f} place_ratio={per_place / per_place_base:.2f} "
          f"answers={len(kb)} answer_ms={per_call:.3f} answer_ratio={per_call / per_call_base:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
