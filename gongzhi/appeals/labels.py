"""Chinese names of appeal event kinds, shared by the staff timeline and the public one."""
from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_

from gongzhi.appeals import event_notes
from gongzhi.appeals.models import Status

EVENT_LABELS = {
    "received": N_("受理"), "recategorized": N_("修改分类"), "urgency_changed": N_("调整紧急程度"), "dispatched": N_("派单"), "acknowledged": N_("签收"),
    "returned": N_("退单"), "note": N_("办理情况"), "replied": N_("答复"), "rated": N_("评价"), "closed": N_("办结"),
    "reopened": N_("重办"), "extension_requested": N_("申请延期"), "extension_approved": N_("批准延期"),
    "extension_rejected": N_("驳回延期"), "extension_lapsed": N_("延期申请失效"), "urged": N_("催办"), "supervised": N_("督办"), "merged": N_("并单"),
    "merged_in": N_("并入诉求"), "overdue": N_("超期"), "from_alert": N_("预警转办"), "access_code_reissued": N_("重发查询码"),
}


def event_label(kind: str) -> str:
    return gettext(EVENT_LABELS[kind]) if kind in EVENT_LABELS else kind


def status_label(value: str) -> str:
    try:
        return Status(value).label
    except ValueError:
        return value or "—"


def labelled(events):
    """Attach display labels to events (kind and statuses) for templates."""
    out = []
    for e in events:
        e.label = event_label(e.kind)
        e.from_label = status_label(e.from_status)
        e.note = event_notes.shown(e.kind, e.note)  # the platform's own wording in the reader's language
        e.to_label = status_label(e.to_status)
        out.append(e)
    return out
