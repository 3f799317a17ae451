"""Risk reasons in the reader's language.

The reasons are stored as the pure risk code writes them (disputes.risk, with triage.risk's
lexicon: Chinese sentences such as 含暴力/威胁表述：“同归于尽” or 涉及12人，属群体性纠纷), so the API
and the history keep one wording. Shown on a page they are matched against these templates and
rendered through the catalogue: the sentence and its labels translate, the words quoted from the
text stay as they were written. A reason no template knows is shown as stored.
"""
from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N

# The labels the templates fill in (triage.risk's safety kinds, escalation and vulnerable groups;
# hotissues' group signals): marked so the catalogue has them.
LABELS = (
    N("燃气泄漏"), N("火灾"), N("触电"), N("坍塌"), N("溺水"), N("爆炸"), N("有人受伤"), N("中毒"),
    N("上访"), N("媒体曝光"), N("诉讼"),
    N("老人"), N("残疾人"), N("孕妇"), N("儿童"), N("农民工"), N("病患"), N("困难群众"),
    N("集体上访"), N("拉横幅"), N("堵路"), N("围堵"), N("讨薪"), N("跳楼/轻生"), N("游行/罢工"), N("人数众多"),
)

# (pattern of the stored sentence, the catalogue's template, which groups are labels to translate)
TEMPLATES: list[tuple[re.Pattern, str, tuple[str, ...]]] = [
    (re.compile(r"^安全隐患：(?P<kind>.+?)（“(?P<words>.*)”）$"), N("安全隐患：%(kind)s（“%(words)s”）"), ("kind",)),
    (re.compile(r"^情绪激烈：(?P<words>.+)$"), N("情绪激烈：%(words)s"), ()),
    (re.compile(r"^表达不满：(?P<words>.+)$"), N("表达不满：%(words)s"), ()),
    (re.compile(r"^含自伤/轻生表述：“(?P<words>.*)”$"), N("含自伤/轻生表述：“%(words)s”"), ()),
    (re.compile(r"^含暴力/威胁表述：“(?P<words>.*)”$"), N("含暴力/威胁表述：“%(words)s”"), ()),
    (re.compile(r"^扬言(?P<label>上访|媒体曝光|诉讼)：“(?P<words>.*)”$"), N("扬言%(label)s：“%(words)s”"), ("label",)),
    (re.compile(r"^重复来信(?P<n>\d+)次$"), N("重复来信%(n)s次"), ()),
    (re.compile(r"^群体性风险信号：(?P<label>.+?)（“(?P<words>.*)”）$"), N("群体性风险信号：%(label)s（“%(words)s”）"),
     ("label",)),
    (re.compile(r"^涉及弱势群体：(?P<groups>.+)$"), N("涉及弱势群体：%(groups)s"), ("groups",)),
    (re.compile(r"^涉及(?P<n>\d+)人，属群体性纠纷$"), N("涉及%(n)s人，属群体性纠纷"), ()),
    (re.compile(r"^涉及金额(?P<amount>[\d,]+)元$"), N("涉及金额%(amount)s元"), ()),
    (re.compile(r"^“(?P<kind>.+)”类纠纷易激化$"), N("“%(kind)s”类纠纷易激化"), ("kind",)),
]


def _label(value: str) -> str:
    """A label (or several joined by 、) in the reader's language."""
    parts = value.split("、")
    return _("、").join(_(p) for p in parts)


def translate(reason: str) -> str:
    text = str(reason)
    for pattern, template, labels in TEMPLATES:
        m = pattern.match(text)
        if m:
            values = {k: (_label(v) if k in labels else v) for k, v in m.groupdict().items()}
            return _(template) % values
    return text
