"""Reply quality (答复质量): does an official reply actually answer the appeal?

Four parts, each 0-100, and a weighted total (0.30 relevance + 0.30 completeness + 0.15 timeliness +
0.25 clarity):

* relevance: share of the appeal's subject words the reply uses, and whether it names the appeal's
  place (the appellant checks first that the reply is about *their* 小区 / road);
* completeness: facts found (经查, 经核实), measures taken (已责令, 整改, 下一步), a result (已完成,
  现已), and a contact (phone number, 联系人, the handling unit);
* timeliness: working days from appeal to reply, 100 within 5 days falling to 0 at 60; the
  working-day counter is a parameter so the platform's holiday calendar can be passed in;
* clarity: enough substance once greetings and "已收悉 / 已转...处理" formulae are removed, and
  some structure (numbered points, paragraphs).

A reply that is only formulae gets half its total: an acknowledgement is not an answer, however
fast it came (fast boilerplate is exactly what would otherwise score well on timeliness).

``warnings`` gives the pre-send checks a handler sees, in Chinese.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from .hotissues import tokenize
from .places import extract_places, normalise

__all__ = ["ReplyScore", "score_reply", "warnings", "weekday_count"]

WEIGHTS = {"relevance": 0.30, "completeness": 0.30, "timeliness": 0.15, "clarity": 0.25}

_FACTS = re.compile(r"经查|经核实|经核查|经调查|经了解|调查发现|核实情况|现场查看|现场核实|实地查看|查实|经现场|调查核实|"
                    r"核查发现|了解到|情况如下|回复如下|答复如下|说明如下")
_MEASURES = re.compile(r"责令|责成|已要求|要求.{0,8}(?:整改|处理|停止|拆除)|整改|督促|督办|协调|约谈|立案|查处|处罚|"
                       r"拆除|清理|维修|修复|安排|组织|部署|下一步|将进一步|将加强|加强|已启动|纳入.{0,6}(?:计划|规划)|"
                       r"已制定|已开展|开展|落实")
_RESULT = re.compile(r"已完成|已解决|已整改|整改到位|现已|目前已|已于|已经|已恢复|已拆除|已清理|已办理|已发放|已退还|"
                     r"已安装|已修复|已落实|已停止|已处理|预计.{0,8}(?:完成|竣工|开通)|办理完毕")
_CONTACT = re.compile(r"电话|联系人|联系方式|咨询热线|[0-9]{3,4}-?[0-9]{7,8}|[0-9]{11}|[0-9]{8}|"
                      r"(?:局|委|办|中心|街道|社区|政府|公司|所|院|大队)[，。！\s]*(?:20[0-9]{2}年|$)")
_STRUCTURE = re.compile(r"[一二三四五六七八九十]、|[（(][一二三四五六七八九十0-9][)）]|[0-9][、.．]|首先|其次|另外|同时|此外")
_BOILERPLATE = re.compile(
    r"网友[“\"]?[A-Za-z0-9]*[”\"]?|尊敬的网友|网友|您好|你好|留言已收悉|您的留言已收悉|已收悉|收悉|感谢您?对.{0,30}(?:关心|支持|关注|信任)[^。！]*|"
    r"感谢您的留言|谢谢|祝.{0,10}(?:愉快|顺利|健康)|已转.{0,30}(?:调查|处理|核处|办理|研究)[^。！]*|"
    r"现将有关情况回复如下|现回复如下|关于您反映的问题|您反映的问题|相关单位已作出回复|详见|欢迎.{0,20}监督|"
    r"[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日|[\s\u3000：:，,。.！!“”\"()（）、]")


def weekday_count(start, end) -> int:
    """Working days from start to end counting Monday-Friday only (default when no calendar is given)."""
    start = start.date() if isinstance(start, datetime) else start
    end = end.date() if isinstance(end, datetime) else end
    return int(np.busday_count(start, end)) if end >= start else -int(np.busday_count(end, start))


@dataclass
class ReplyScore:
    score: float
    relevance: float
    completeness: float
    timeliness: float | None
    clarity: float
    reasons: list[str] = field(default_factory=list)  # Chinese

    def as_row(self) -> dict:
        return {"score": round(self.score, 1), "relevance": round(self.relevance, 1),
                "completeness": round(self.completeness, 1),
                "timeliness": "" if self.timeliness is None else round(self.timeliness, 1),
                "clarity": round(self.clarity, 1), "reasons": "；".join(self.reasons)}


def _topic_words(appeal_title: str, appeal_text: str, k: int = 8) -> list[str]:
    words = tokenize(appeal_title) if appeal_title else []
    if len(words) < 3:
        counts: dict[str, int] = {}
        for w in tokenize(appeal_text):
            counts[w] = counts.get(w, 0) + 1
        words += [w for w, _ in sorted(counts.items(), key=lambda kv: -kv[1]) if w not in words][: k - len(words)]
    return list(dict.fromkeys(words))[:k]


def _places_to_mention(appeal_text: str) -> list[str]:
    places = extract_places(appeal_text)
    specific = [p for p in places if p.kind not in ("city", "district")]
    return [p.key for p in specific] or [p.key for p in places if p.kind == "district"]


def substance(reply: str) -> str:
    """What is left of a reply once greetings and forwarding formulae are removed."""
    return _BOILERPLATE.sub("", normalise(reply))


def _relevance(appeal_title, appeal_text, reply, reasons) -> float:
    words = _topic_words(appeal_title, appeal_text)
    covered = [w for w in words if w in reply]
    topic = len(covered) / len(words) if words else 1.0
    places = _places_to_mention(f"{appeal_title}\n{appeal_text}")
    place_ok = (not places) or any(p in reply for p in places)
    if words and topic < 0.3:
        missing = [w for w in words if w not in covered][:4]
        reasons.append("未回应诉求关键词：" + "、".join(missing))
    if not place_ok:
        reasons.append(f"答复未提及诉求地点（{places[0]}）")
    return 100 * (0.7 * min(1.0, topic / 0.6) + 0.3 * place_ok)


def _completeness(reply, reasons) -> float:
    parts = {"facts": (_FACTS, 30, "未说明核查情况（经查/经核实）"),
             "measures": (_MEASURES, 25, "未说明具体措施"),
             "result": (_RESULT, 25, "未说明处理结果"),
             "contact": (_CONTACT, 20, "未提供联系电话或承办单位")}
    total = 0.0
    for pattern, weight, missing in parts.values():
        if pattern.search(reply):
            total += weight
        else:
            reasons.append(missing)
    return total


def _timeliness(appeal_time, reply_time, count_days, reasons) -> float | None:
    if appeal_time is None or reply_time is None:
        return None
    try:
        days = count_days(appeal_time, reply_time)
    except (TypeError, ValueError):  # naive vs aware, or a calendar that cannot count these dates
        return None
    if days < 0:
        reasons.append("答复时间早于诉求时间，请核对")
        return None
    if days > 15:
        reasons.append(f"答复用时{days:.0f}个工作日")
    return float(max(0.0, min(100.0, 100 * (60 - days) / 55)))


def _clarity(reply, reasons) -> float:
    core = substance(reply)
    if len(core) < 20:
        reasons.append("仅有套话，未回应诉求")
        return 100 * len(core) / 100
    length = min(1.0, math.log(len(core) / 20) / math.log(400 / 20))
    structure = 1.0 if _STRUCTURE.search(reply) or "\n" in reply.strip() or reply.count("。") >= 4 else 0.0
    if len(core) < 60:
        reasons.append("答复过短")
    overlong = len(core) > 3000
    return 100 * (0.75 * length + 0.25 * structure) * (0.85 if overlong else 1.0)


def score_reply(appeal_text: str, reply_text: str, appeal_title: str = "", appeal_time=None, reply_time=None,
                workdays: Callable[[datetime, datetime], float] = weekday_count) -> ReplyScore:
    """Score a reply. ``workdays(appeal_time, reply_time)`` counts working days (the platform passes
    its holiday calendar); the default counts Monday-Friday."""
    reply = normalise(reply_text)
    reasons: list[str] = []
    relevance = _relevance(normalise(appeal_title), normalise(appeal_text), reply, reasons)
    completeness = _completeness(reply, reasons)
    timeliness = _timeliness(appeal_time, reply_time, workdays, reasons)
    clarity = _clarity(reply, reasons)
    parts = {"relevance": relevance, "completeness": completeness, "clarity": clarity}
    weights = dict(WEIGHTS)
    if timeliness is None:
        weights.pop("timeliness")
    else:
        parts["timeliness"] = timeliness
    total = sum(parts[k] * w for k, w in weights.items()) / sum(weights.values())
    if len(substance(reply)) < 20:
        total *= 0.5  # an acknowledgement is not an answer, however fast it came
    return ReplyScore(total, relevance, completeness, timeliness, clarity, reasons)


def warnings(appeal_text: str, reply_text: str, appeal_title: str = "") -> list[str]:
    """Pre-send checks for a handler's draft reply, in Chinese; empty when nothing is missing."""
    reply = normalise(reply_text)
    out: list[str] = []
    _relevance(normalise(appeal_title), normalise(appeal_text), reply, out)
    _completeness(reply, out)
    _clarity(reply, out)
    return list(dict.fromkeys(out))
