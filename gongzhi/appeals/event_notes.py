"""The notes the platform itself writes on appeal events, shown in the reader's language.

Services store a note in the language active when the event happened (Chinese by default):
"区住建局已签收", "承办单位已答复", "通过网站受理". These are the platform's words, not the
people's, so the timelines show them translated; what someone typed (a return reason, a
supervision note) is data and stays as written. A note is translated only when it has the exact
shape the service writes for that event kind; the names inside it (departments, tracking numbers)
stay as they are, the labels inside it (channel, rating, urgency) are translated too.
"""
from __future__ import annotations

import re

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_

# kind -> [(message, pattern of the stored Chinese note, the parts that are labels to translate)]
NOTES: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    "received": [(N_("通过%(channel)s受理"), r"通过(?P<channel>.+?)受理", ("channel",))],
    "dispatched": [(N_("已转%(department)s办理，%(assisting)s协办"), r"已转(?P<department>.+?)办理，(?P<assisting>.+)协办", ()),
                   (N_("已转%(department)s办理"), r"已转(?P<department>.+?)办理", ())],
    "acknowledged": [(N_("%(department)s已签收"), r"(?P<department>.+)已签收", ())],
    "replied": [(N_("承办单位已答复"), r"承办单位已答复", ()), (N_("受理员依据知识库直接答复"), r"受理员依据知识库直接答复", ())],
    "rated": [(N_("评价：%(label)s"), r"评价：(?P<label>.+)", ("label",))],
    "closed": [(N_("已办结"), r"已办结", ()), (N_("回访期满未评价，按规定办结"), r"回访期满未评价，按规定办结", ()),
               (N_("受理时直接答复，已办结"), r"受理时直接答复，已办结", ())],
    "overdue": [(N_("已超过办理时限"), r"已超过办理时限", ())],
    "urged": [(N_("请加快办理"), r"请加快办理", ())],
    "triaged": [(N_("紧急程度调整为%(urgency)s"), r"紧急程度调整为(?P<urgency>.+)", ("urgency",))],
    "merged": [(N_("与%(number)s合并办理"), r"与(?P<number>[A-Z0-9]+)合并办理", ())],
    "merged_in": [(N_("并入%(number)s：%(reason)s"), r"并入(?P<number>[A-Z0-9]+)：(?P<reason>.*)", ())],
    "extension_requested": [(N_("申请延期%(days)s个工作日：%(reason)s"), r"申请延期(?P<days>\d+)个工作日：(?P<reason>.*)", ())],
    "extension_approved": [(N_("延期%(days)s个工作日：%(note)s"), r"延期(?P<days>\d+)个工作日：(?P<note>.*)", ()),
                           (N_("延期%(days)s个工作日"), r"延期(?P<days>\d+)个工作日", ())],
    "extension_rejected": [(N_("延期申请未获批准：%(note)s"), r"延期申请未获批准：(?P<note>.*)", ()),
                           (N_("延期申请未获批准"), r"延期申请未获批准", ())],
    "access_code_reissued": [(N_("查询码已重新发送给诉求人"), r"查询码已重新发送给诉求人", ())],
    "publication_reviewed": [(N_("准予公开：%(note)s"), r"准予公开：(?P<note>.*)", ()), (N_("准予公开"), r"准予公开", ()),
                             (N_("不予公开：%(note)s"), r"不予公开：(?P<note>.*)", ())],
}
_COMPILED = {kind: [(message, re.compile(pattern + r"\Z", re.S), labels) for message, pattern, labels in rules]
             for kind, rules in NOTES.items()}


def shown(kind: str, note: str) -> str:
    """The note as the reader sees it: the platform's own wording translated, anything else as stored."""
    for message, pattern, labels in _COMPILED.get(kind, ()):
        match = pattern.match(note or "")
        if match:
            parts = {k: (gettext(v) if k in labels else v) for k, v in match.groupdict().items()}
            return gettext(message) % parts if parts else gettext(message)
    return note
