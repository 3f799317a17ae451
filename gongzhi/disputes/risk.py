"""Risk level of a dispute (红/橙/黄/蓝) with the reasons a mediator can read. Pure: no Django.

The text part (distress, threats, escalation talk, group signals, vulnerable people, repeat
parties) is triage's lexicon score (gongzhi.triage.risk), so an appeal and a dispute saying the same
words weigh the same; a dispute adds what its form says:

    people involved   5+ (a group case) 25, 20+ 40
    amount in dispute 100,000 yuan 10, 1,000,000 yuan 20
    kind              15 if the kind has a history of escalation (征地拆迁, 欠薪 …)

Levels as triage's: red >= 70, orange >= 45, yellow >= 25, else blue.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from gongzhi.triage.risk import score_risk

GROUP_SIZE = 5
LEVELS = ("red", "orange", "yellow", "blue")


@dataclass
class DisputeRisk:
    score: int
    level: str
    reasons: list[str] = field(default_factory=list)
    distress: bool = False  # self-harm, violence or strong distress words: a care referral may be opened


def level_of(score: int) -> str:
    return "red" if score >= 70 else "orange" if score >= 45 else "yellow" if score >= 25 else "blue"


def assess(text: str, *, people_involved: int = 2, amount: Decimal | float | None = None,
           repeat_parties: int = 0, kind_name: str = "", kind_escalates: bool = False) -> DisputeRisk:
    text_risk = score_risk(text, repeat_contacts=repeat_parties)
    score, reasons = text_risk.score, list(text_risk.reasons)
    if people_involved >= 20:
        score += 40
        reasons.append(f"涉及{people_involved}人，属群体性纠纷")
    elif people_involved >= GROUP_SIZE:
        score += 25
        reasons.append(f"涉及{people_involved}人，属群体性纠纷")
    if amount is not None and amount >= 1_000_000:
        score += 20
        reasons.append(f"涉及金额{amount:,.0f}元")
    elif amount is not None and amount >= 100_000:
        score += 10
        reasons.append(f"涉及金额{amount:,.0f}元")
    if kind_escalates:
        score += 15
        reasons.append(f"“{kind_name}”类纠纷易激化")
    score = min(100, score)
    distress = text_risk.parts.get("risk_words", 0) >= 30 or text_risk.parts.get("negativity", 0) >= 9
    return DisputeRisk(score, level_of(score), reasons, distress)
