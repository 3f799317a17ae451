"""Risk score (0-100) of an appeal, with the reasons a handler can read.

Lexicon-based on purpose: every point of the score traces back to words in the text or to the
appellant's history, so the reason list is the explanation, and no model has to be trained or
shipped. Parts (capped, then summed and capped at 100):

    negativity        up to 15   the writer's emotion: intense words (愤怒, 忍无可忍, 投诉无门 ...) and,
                                 weaker, dissatisfaction with the handling (推诿, 敷衍, 石沉大海 ...)
    safety            up to 70   a danger to life (燃气泄漏, 火灾, 触电, 坍塌, 溺水, 爆炸, 有人受伤 ...):
                                 45 for one kind, 70 for two or more; also raises urgency by itself
    risk words        up to 45   self-harm 40, violence/threat 30, escalation (上访, 媒体曝光) 15 each kind
    repeat contacts   up to 15   5 per earlier appeal on record (the duplicate index counts them)
    group signals     up to 30   15 per kind found by hotissues.group_signals (拉横幅, 讨薪, 上百户 ...)
    vulnerable groups up to 15   8 per group named (老人, 残疾, 孕妇, 儿童, 农民工 ...)

Levels follow the house glossary: red >= 70, orange >= 45, yellow >= 25, else blue; the urgency
bump is +2 for red (critical), +1 for orange (urgent); a safety word makes it at least urgent.

Words that name the problem (扰民, 拖欠, 违法, 严重影响, 强拆 ...) are not emotion: a plain noise
complaint says 扰民 because that is what noise does. Only the writer's own feelings count as
"情绪激烈" (intense); dissatisfaction with the handling is reported as such, more weakly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .hotissues import group_signals
from .places import normalise

__all__ = ["RiskAssessment", "score_risk", "assess_risk", "negativity", "safety_hazards", "SAFETY"]

# The writer's own strong feelings (high arousal).
_INTENSE = [
    "愤怒", "气愤", "愤慨", "愤恨", "忍无可忍", "无法忍受", "忍受不了", "受不了", "太过分", "欺人太甚", "绝望",
    "心寒", "寒心", "崩溃", "苦不堪言", "怨声载道", "天理何在", "公道何在", "无法无天", "投诉无门", "求助无门",
    "走投无路", "气死", "欺负人", "岂有此理",
]
# Dissatisfaction with how the matter was handled (negative, but not by itself intense).
_DISSATISFIED = [
    "失望", "无奈", "痛苦", "煎熬", "无助", "没人管", "无人管", "不作为", "踢皮球", "推诿", "敷衍", "置之不理",
    "石沉大海", "不闻不问", "拖延",
]
_NEGATIVE = _INTENSE + _DISSATISFIED

# Dangers to life or safety at intake, by kind: the words that say so. settings SAFETY_WORDS adds
# words (services passes them in as ``extra_safety``), reported under their own name.
SAFETY = {
    "燃气泄漏": re.compile(r"(?:燃气|煤气|天然气|液化气)(?:管道?|罐|阀门?|表)?(?:泄漏|泄露|漏气|外泄)|漏气|"
                       r"(?:燃气|煤气|天然气|液化气)味"),
    "火灾": re.compile(r"火灾|着火|起火|失火|火情|浓烟|冒烟"),
    "触电": re.compile(r"触电|漏电|电线(?:裸露|外露|掉落|垂落|断落)|电缆(?:裸露|外露)"),
    "坍塌": re.compile(r"坍塌|塌方|倒塌|垮塌|塌陷|危房|随时(?:可能)?(?:倒|塌)"),
    "溺水": re.compile(r"溺水|溺亡|落水|掉进(?:河|水|湖|塘)"),
    "爆炸": re.compile(r"爆炸|炸裂"),
    "有人受伤": re.compile(r"(?:有|多|[一二两三几数]个?)人(?:受伤|被砸|被烫|摔倒|落水)|(?:摔|砸|烫|烧|咬|撞|割)伤|昏迷|晕倒"),
    "中毒": re.compile(r"中毒"),
}
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
    safety: list[str] = field(default_factory=list)  # kinds of danger found (燃气泄漏, 火灾 ...)


def negativity(text: str) -> tuple[float, list[str]]:
    """0..1 from the writer's emotion words (each distinct word once), and the words found:
    intense ones 0.25 each, dissatisfaction 0.1 each, exclamation marks only beside them."""
    intense = [w for w in _INTENSE if w in text]
    dissatisfied = [w for w in _DISSATISFIED if w in text]
    exclaims = min(text.count("！") + text.count("!"), 4) if intense or dissatisfied else 0
    return min(1.0, 0.25 * len(intense) + 0.1 * len(dissatisfied) + 0.05 * exclaims), intense + dissatisfied


def safety_hazards(text: str, extra: list[str] | tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(kind, the words that fired) for each kind of danger the text names; ``extra`` words are
    their own kind. Negated mentions ("没有人受伤", "无人受伤") do not fire."""
    found = []
    for kind, pattern in SAFETY.items():
        for m in pattern.finditer(text):
            if not re.search(r"(?:没有|没|无|未|不会|防止|预防|避免|以防)[^，。！？,.!?]{0,3}$", text[max(0, m.start() - 6):m.start()]):
                found.append((kind, m.group(0)))
                break
    for word in extra:
        word = normalise(word).strip()
        if word and word in text and all(word != w for _k, w in found):
            found.append((word, word))
    return found


def score_risk(text: str, repeat_contacts: int = 0, extra_safety: list[str] | tuple[str, ...] = ()) -> RiskAssessment:
    """Score an appeal's text; ``repeat_contacts`` = earlier appeals by the same person on the issue;
    ``extra_safety`` = safety words configured beside the built-in ones."""
    text = normalise(text)
    reasons: list[str] = []
    parts: dict[str, int] = {}

    hazards = safety_hazards(text, extra_safety)
    parts["safety"] = 0 if not hazards else 45 if len(hazards) == 1 else 70
    for kind, words in hazards:
        reasons.append(f"安全隐患：{kind}（“{words}”）")

    neg, words = negativity(text)
    parts["negativity"] = round(15 * neg)
    intense = [w for w in words if w in _INTENSE]
    if intense:
        reasons.append("情绪激烈：" + "、".join(intense[:5]))
    elif words:
        reasons.append("表达不满：" + "、".join(words[:5]))

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
    if hazards:
        bump = max(bump, 1)
    return RiskAssessment(score, level, bump, ("normal", "urgent", "critical")[bump], reasons, parts,
                          [kind for kind, _w in hazards])


assess_risk = score_risk
