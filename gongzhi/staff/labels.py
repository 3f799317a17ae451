"""Chinese names of appeal event kinds, shared by the staff timeline and the public one."""
from __future__ import annotations

from gongzhi.appeals.models import Status

EVENT_LABELS = {
    "received": "受理", "recategorized": "修改分类", "dispatched": "派单", "acknowledged": "签收",
    "returned": "退单", "note": "办理情况", "replied": "答复", "rated": "评价", "closed": "办结",
    "reopened": "重办", "extension_requested": "申请延期", "extension_approved": "批准延期",
    "extension_rejected": "驳回延期", "urged": "催办", "supervised": "督办", "merged": "并单",
    "merged_in": "并入诉求", "overdue": "超期",
}


def event_label(kind: str) -> str:
    return EVENT_LABELS.get(kind, kind)


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
        e.to_label = status_label(e.to_status)
        out.append(e)
    return out
