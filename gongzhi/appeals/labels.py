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
    "publication_reviewed": N_("公开审核"),
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


def publication_state(appeal, now=None) -> dict:
    """What the staff page says of an appeal's publication (the rule: gongzhi.core.publication):
    {"label", "explanation", "published"}."""
    from django.utils import timezone
    from django.utils.formats import date_format

    from gongzhi.core import publication
    from gongzhi.core.publication import Review

    now = now or timezone.now()
    published = appeal.may_publish(now)
    if appeal.category_id and appeal.category.confidential:
        label = gettext("保密分类，不公开")
    elif appeal.status == Status.MERGED:
        label = gettext("已并单，不公开")
    elif appeal.publication == Review.WITHHELD:
        label = gettext("不予公开")
    elif appeal.publication == Review.APPROVED:
        label = gettext("准予公开（已公开）")
    elif published:
        label = gettext("未审核，受理满%(days)s天已公开") % {"days": publication.delay().days}
    else:
        label = gettext("待审核，%(when)s起自动公开") % {
            "when": date_format(timezone.localtime(appeal.received_at + publication.delay()), "Y-m-d H:i")}
    explanation = gettext("公开的诉求进入开放数据和 Open311 公开接口（已去除个人信息）；不予公开的诉求不会公开。"
                          "未审核的诉求受理满%(days)s天后自动公开，保密分类的诉求从不公开。") % {"days": publication.delay().days}
    return {"label": label, "explanation": explanation, "published": published}
