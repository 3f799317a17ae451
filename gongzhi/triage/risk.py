"""Risk score (0-100) of an appeal, with the reasons a handler can read.

Lexicon-based on purpose: every point of the score traces back to words in the text or to the
appellant's history, so the reason list is the explanation, and no model has to be trained or
shipped. Parts (capped, then summed and capped at 100):

    negativity        up to 15   negative / emotional words (愤怒, 忍无可忍, 投诉无门 ...)
    risk words        up to 45   self-harm 40, violence/threat 30, escalation (上访, 媒体曝光) 15 each kind
    repeat contacts   up to 15   5 per earlier appeal on record (the duplicate index counts them)
    group signals     up to 30   15 per kind found by hotissues.group_signals (拉横幅, 讨薪, 上百户 ...)
    vulnerable groups up to 15   8 per group named (老人, 残疾, 孕妇, 儿童, 农民工 ...)

Levels follow the house glossary: red >= 70, orange >= 45, yellow >= 25, else blue; the urgency
bump is +2 for red (critical), +1 for orange (urgent).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .hotissues import group_signals
from .places import normalise

__all__ = ["RiskAssessment", "score_risk", "assess_risk", "negativity"]

_NEGATIVE = [
    "愤怒", "气愤", "愤慨", "忍无可忍", "无法忍受", "受不了", "太过分", "欺人太甚", "绝望", "无奈", "心寒",
    "寒心", "失望", "崩溃", "痛苦", "煎熬", "无助", "投诉无门", "求助无门", "走投无路", "没人管", "无人管",
    "不作为", "踢皮球", "推诿", "敷衍", "置之不理", "石沉大海", "黑心", "霸道", "欺压", "欺诈", "诈骗",
    "强拆", "恶劣", "扰民", "严重影响", "苦不堪言", "怨声载道", "天理何在", "公道何在", "无法无天",
    "逼迫", "威胁", "恐吓", "违法", "坑害", "血汗钱", "讨说法", "欺骗", "霸王条款", "拖欠",
]
_SELF_HARM = re.compile(r"跳楼|跳河|跳桥|自杀|轻生|寻死|喝农药|服毒|自焚|以死相逼|以死明志|不想活|活不下去|一死了之|结束生命")
_VIOLENCE = re.compile(r"同归于尽|报复社会|报复|拼命|拼了|砍人|杀人|打死|炸掉|放火|烧掉|动刀|持刀|打人|殴打|暴力|流血")
_ESCALATION = {
    "上访": re.compile(r"上访|信访|进京|到省里去|去北京|找中央"),
    "媒体曝光": re.compile(r"媒体曝光|曝光|记者|电视台|微博|抖音|网络上发|发到网上|舆论"),
    "诉讼": re.compile(r"起诉|打官司|上诉|诉讼|律师函"),
}
_VULNERABLE = {
    "老人": re.compile(r"老人|老年人|高龄|年迈|孤寡|空巢|七旬|八旬|九旬|[6-9]0多岁|[6-9][0-9]岁"),
    "残疾人": re.compile(r"残疾|残障|瘫痪|盲人|聋哑|智障"),
    "孕妇": re.compile(r"孕妇|怀孕|身怀六甲|产妇"),
    "儿童": re.compile(r"儿童|小孩|孩子|婴儿|幼儿|未成年|学生"),
    "农民工": re.compile(r"农民工|民工|外来务工"),
    "病患": re.compile(r"重病|癌症|尿毒症|白血病|患病|病人|住院"),
    "困难群众": re.compile(r"低保|贫困|困难户|五保|特困|失业"),
}


@dataclass
class RiskAssessment:
    score: int
    level: str  # red | orange | yellow | blue
    urgency_bump: int  # 0, 1 or 2 steps up
    urgency: str  # suggested appeal urgency: normal | urgent | critical (never lowers a set one)
    reasons: list[str] = field(default_factory=list)  # Chinese, one per contributing signal
    parts: dict[str, int] = field(default_factory=dict)


def negativity(text: str) -> tuple[float, list[str]]:
    """0..1 from negative words (each distinct word once), and the words found."""
    found = [w for w in _NEGATIVE if w in text]
    exclaims = text.count("！") + text.count("!")
    return min(1.0, 0.2 * len(found) + 0.05 * min(exclaims, 4)), found


def score_risk(text: str, repeat_contacts: int = 0) -> RiskAssessment:
    """Score an appeal's text; ``repeat_contacts`` = earlier appeals by the same person on the issue."""
    text = normalise(text)
    reasons: list[str] = []
    parts: dict[str, int] = {}

    neg, words = negativity(text)
    parts["negativity"] = round(15 * neg)
    if words:
        reasons.append("情绪激烈：" + "、".join(words[:5]))

    risk = 0
    if m := _SELF_HARM.search(text):
        risk += 40
        reasons.append(f"含自伤/轻生表述：“{m.group(0)}”")
    if m := _VIOLENCE.search(text):
        risk += 30
        reasons.append(f"含暴力/威胁表述：“{m.group(0)}”")
    for label, pattern in _ESCALATION.items():
        if m := pattern.search(text):
            risk += 15
            reasons.append(f"扬言{label}：“{m.group(0)}”")
    parts["risk_words"] = min(45, risk)

    parts["repeat"] = min(15, 5 * max(0, int(repeat_contacts)))
    if repeat_contacts > 0:
        reasons.append(f"重复来信{repeat_contacts}次")

    signals = group_signals(text)
    parts["group"] = min(30, 15 * len(signals))
    for sig in signals:
        reasons.append(f"群体性风险信号：{sig.label}（“{sig.text}”）")

    groups = [label for label, pattern in _VULNERABLE.items() if pattern.search(text)]
    parts["vulnerable"] = min(15, 8 * len(groups))
    if groups:
        reasons.append("涉及弱势群体：" + "、".join(groups))

    score = min(100, sum(parts.values()))
    level = "red" if score >= 70 else "orange" if score >= 45 else "yellow" if score >= 25 else "blue"
    bump = 2 if level == "red" else 1 if level == "orange" else 0
    return RiskAssessment(score, level, bump, ("normal", "urgent", "critical")[bump], reasons, parts)


assess_risk = score_risk
