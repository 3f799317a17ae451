"""Every change to a proposal (金点子): one transaction each, with its ProposalEvent (core.events).

Views, the API, the demo and the sweep call these; nothing else writes proposals. The duty to
answer: a proposal that reaches its category's support threshold (or that a dispatcher picks) is
given to a department, which answers in public within GONGZHI_PROPOSAL_ANSWER_DAYS working days
(adopted, partly adopted, not adopted, with reasons); an adopted one reports progress until done.
A late answer escalates once (supervisors and the department told, an `overdue` event on the
public history) and counts against the department (stats.answer_stats).
"""
from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import scoping, uploads
from gongzhi.core.deadlines import DeadlinePolicy, sweep
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.events import record_event
from gongzhi.core.models import Department, Region, Role
from gongzhi.core.recipients import Address, handlers_of, holders_of, notify, supervisors_of
from gongzhi.core.workdays import WorkCalendar

from . import moderation
from .lifecycle import PROPOSAL_LIFECYCLE as LIFECYCLE
from .models import Moderation, Proposal, ProposalCategory, ProposalPhoto, ProposalSupport
from .verification import Voter

P = Proposal.Status
OUTCOMES = (P.ADOPTED, P.PARTLY, P.REJECTED)
NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
TITLE_MAX, TEXT_MAX, ANSWER_MIN = 120, 5000, 10
MAX_PHOTOS = uploads.MAX_FILES


def answer_days() -> int:
    return int(settings.GONGZHI.get("PROPOSAL_ANSWER_DAYS", 15))


def link(proposal: Proposal) -> str:
    return f"/participation/proposals/{proposal.pk}/"


def staff_link(proposal: Proposal) -> str:
    return f"/participation/staff/proposals/{proposal.pk}/"


def _now(at=None) -> dt.datetime:
    return at or timezone.now()


def _tell_proposer(proposal: Proposal, text: str) -> None:
    """The proposer hears of each step: in the app (and the channels they chose) or by SMS."""
    to = [Address("sms", proposal.author_phone)] if proposal.author_phone and not proposal.author_id else []
    users = [proposal.author] if proposal.author_id else []
    if users or to:
        notify(users, "participation.proposal", text, link(proposal), to=to,
               context={"title": proposal.title, "number": proposal.number, "status": proposal.get_status_display()})


def submit(voter: Voter, *, title: str, text: str, category: ProposalCategory | None, region: Region | None = None,
           place: str = "", lat=None, lon=None, photos=(), anonymous: bool = False, phone: str = "",
           at=None) -> Proposal:
    """A verified person's idea; it opens a moderation case and is public as the kernel's rule says."""
    errors = {}
    if not voter.verified:
        errors["voter"] = _("请先登录或验证手机号码")
    title, text = (title or "").strip(), (text or "").strip()
    if not title:
        errors["title"] = _("请填写标题")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("标题不能超过 %(n)s 个字") % {"n": TITLE_MAX}
    if len(text) < 10:
        errors["text"] = _("请把建议写清楚（至少 10 个字）")
    elif len(text) > TEXT_MAX:
        errors["text"] = _("建议内容不能超过 %(n)s 个字") % {"n": TEXT_MAX}
    if category is None or not category.active:
        errors["category"] = _("请选择类别")
    if (lat is None) != (lon is None):
        errors["lat"] = _("请同时给出经度和纬度")
    elif lat is not None and not (-90 <= float(lat) <= 90 and -180 <= float(lon) <= 180):
        errors["lat"] = _("坐标超出范围")
    checked, refused = _check_photos(photos)
    errors.update(refused)
    if errors:
        raise FieldErrors(errors)
    at = _now(at)
    with transaction.atomic():
        proposal = Proposal(number=f"JD{timezone.localtime(at):%Y%m%d}"
                                   + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(5)),
                            title=title, text=text, category=category, region=region, place=(place or "").strip()[:200],
                            lat=float(lat) if lat is not None else None, lon=float(lon) if lon is not None else None,
                            author=voter.account, author_phone="" if voter.account else phone,
                            anonymous=bool(anonymous), created_at=at)
        proposal.save()
        _store_photos(proposal, checked, at)
        record_event(proposal, "submitted", voter.account, to_status=P.OPEN, public=True, at=at, note=_("提交建议"))
        moderation.open_case(Moderation.Item.PROPOSAL, proposal, voter.account, f"{title}\n{text}\n{place}", at=at)
    return proposal


def _check_photos(photos, already: int = 0) -> tuple[list, dict]:
    """Photos checked as every upload is (core.uploads: by their content and size); images only."""
    photos = [f for f in photos or () if f]
    if already + len(photos) > MAX_PHOTOS:
        return [], {"photos": _("每条建议最多 %(n)s 张照片") % {"n": MAX_PHOTOS}}
    checked, refused = uploads.check_uploads(photos, "photos")
    if refused:
        return [], refused
    if any(not c.is_image for c in checked):
        return [], {"photos": _("只能上传 JPG、PNG 或 GIF 图片")}
    return checked, {}


def _store_photos(proposal: Proposal, checked: list, at) -> None:
    """Only the re-encoded copy is kept (no EXIF position, camera or time), under a name of its own."""
    for upload in checked:
        copy = uploads.public_copy(upload)
        extension = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif"}[upload.content_type]
        copy.name = f"{proposal.number}-{secrets.token_hex(6)}.{extension}"
        ProposalPhoto.objects.create(proposal=proposal, image=copy, content_type=upload.content_type,
                                     size=copy.size, created_at=at)


def add_photos(proposal: Proposal, voter: Voter, photos, at=None) -> Proposal:
    """The proposer adds photos (the API sends them after the proposal): until it is reviewed, so a
    moderator sees every photo the public will."""
    at = _now(at)
    with transaction.atomic():
        locked = _locked(proposal)
        mine = (voter.account is not None and locked.author_id == voter.account.pk)
        if not mine:
            raise ActionRefused(_("只有建议人可以添加照片"))
        case = Moderation.objects.filter(item_kind=Moderation.Item.PROPOSAL, item_id=locked.pk).first()
        if case is None or case.status != Moderation.Status.PENDING:
            raise ActionRefused(_("建议审核后不能再添加照片"))
        checked, refused = _check_photos(photos, locked.photos.count())
        if refused:
            raise FieldErrors(refused)
        if not checked:
            raise FieldErrors({"photos": _("请选择照片")})
        _store_photos(locked, checked, at)
        record_event(locked, "photos", voter.account, from_status=locked.status, at=at, count=len(checked))
    return locked


def _locked(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_for_update().select_related("category").get(pk=proposal.pk)


def support(proposal: Proposal, voter: Voter, at=None) -> Proposal:
    """One support per verified person; given again after a withdrawal, it counts again."""
    if not voter.verified:
        raise FieldErrors({"voter": _("请先登录或验证手机号码后再支持")})
    at = _now(at)
    with transaction.atomic():
        locked = _locked(proposal)  # supports of one proposal queue here: the count and the rows agree
        LIFECYCLE.require_state(locked, "support")
        if not moderation.is_public(locked, at):
            raise ActionRefused(_("该建议尚未公开，暂不能支持"))
        if voter.account and locked.author_id == voter.account.pk:
            raise ActionRefused(_("不能支持自己的建议"))
        who = {"user": voter.account} if voter.account else {"phone_key": voter.phone_key}
        row = ProposalSupport.objects.filter(proposal=locked, **who).first()
        if row is not None and row.active:
            raise ActionRefused(_("您已经支持过这条建议"))
        if row is None:
            ProposalSupport.objects.create(proposal=locked, created_at=at, changed_at=at, **who)
        else:
            row.active, row.changed_at = True, at
            row.save(update_fields=["active", "changed_at"])
        Proposal.objects.filter(pk=locked.pk).update(support_count=F("support_count") + 1)
        locked.refresh_from_db(fields=["support_count"])
        if locked.status == P.OPEN and locked.support_count >= locked.category.support_threshold():
            locked = _threshold_reached(locked, at)
    return locked


def withdraw_support(proposal: Proposal, voter: Voter, at=None) -> Proposal:
    at = _now(at)
    with transaction.atomic():
        locked = _locked(proposal)
        who = {"user": voter.account} if voter.account else {"phone_key": voter.phone_key}
        row = ProposalSupport.objects.filter(proposal=locked, active=True, **who).first() if voter.verified else None
        if row is None:
            raise ActionRefused(_("您没有支持这条建议"))
        row.active, row.changed_at = False, at
        row.save(update_fields=["active", "changed_at"])
        Proposal.objects.filter(pk=locked.pk).update(support_count=F("support_count") - 1)
        locked.refresh_from_db(fields=["support_count"])
    return locked


def _threshold_reached(proposal: Proposal, at) -> Proposal:
    """Inside support's transaction: to the category's department at once, or to the dispatchers."""
    threshold = proposal.category.support_threshold()
    department = proposal.category.department
    if department is not None:
        record_event(proposal, "threshold", None, from_status=P.OPEN, public=True, at=at,
                     note=_("支持数达到 %(n)s") % {"n": threshold})
        return _assign(proposal, None, department, at, note=_("支持数达到门槛，交由%(dept)s答复") % {"dept": department.name})
    done = LIFECYCLE.perform(proposal, "qualify", None, note=_("支持数达到 %(n)s，待交办") % {"n": threshold},
                             kind="threshold", public=True, at=at)
    notify(holders_of(proposal.region, Role.DISPATCHER), "participation.qualified",
           _("金点子达到支持数，请交办：%(title)s") % {"title": proposal.title}, staff_link(proposal))
    _tell_proposer(done, _("您的建议“%(title)s”已达到支持数，将交由相关部门答复。") % {"title": proposal.title})
    return done


def _assign(proposal: Proposal, actor, department: Department, at, note: str) -> Proposal:
    due = WorkCalendar.current().add_workdays(at, answer_days())
    done = LIFECYCLE.perform(proposal, "assign", actor, note=note, changes={
        "department": department, "assigned_at": at, "due_at": due,
        "due_state": DEADLINES.state_at(due, at)}, public=True, at=at, department=department.pk)
    notify(handlers_of(department.pk), "participation.assigned",
           _("请答复金点子：%(title)s（%(days)s 个工作日内）") % {"title": done.title, "days": answer_days()},
           staff_link(done))
    _tell_proposer(done, _("您的建议“%(title)s”已交由%(dept)s答复。") % {"title": done.title, "dept": department.name})
    return done


def assign(proposal: Proposal, actor, department: Department | None, note: str = "", at=None) -> Proposal:
    """交办: a dispatcher or supervisor picks a proposal (or moves it) to a department to answer."""
    LIFECYCLE.require_role(actor, "assign")
    if department is None:
        raise FieldErrors({"department": _("请选择答复部门")})
    if not moderation.is_public(proposal):
        raise ActionRefused(_("该建议尚未公开，请先审核"))
    at = _now(at)
    return _assign(proposal, actor, department, at,
                   note=(note or "").strip() or _("交由%(dept)s答复") % {"dept": department.name})


def _require_department(proposal: Proposal, actor, action: str) -> None:
    LIFECYCLE.require_role(actor, action)
    if actor is None or actor.is_superuser or scoping.has_role(actor, Role.ADMIN):
        return
    if proposal.department_id not in scoping.department_ids(actor, Role.HANDLER):
        raise ActionRefused(_("只有答复部门可以%(action)s") % {"action": LIFECYCLE[action].label})


def answer(proposal: Proposal, actor, *, outcome: str, text: str, at=None) -> Proposal:
    """The department's public answer: adopted, partly adopted or not adopted, with its reasons."""
    text = (text or "").strip()
    errors = {}
    if outcome not in OUTCOMES:
        errors["outcome"] = _("请选择采纳、部分采纳或未采纳")
    if len(text) < ANSWER_MIN:
        errors["text"] = _("请写明答复意见和理由（至少 %(n)s 个字）") % {"n": ANSWER_MIN}
    if errors:
        raise FieldErrors(errors)
    _require_department(proposal, actor, "answer")
    at = _now(at)
    with transaction.atomic():
        locked = _locked(proposal)
        LIFECYCLE.require_state(locked, "answer")
        before = locked.status
        locked.status, locked.answer, locked.answered_at, locked.answered_by = outcome, text, at, actor
        locked.answered_late = bool(locked.due_at and at > locked.due_at)
        locked.save()
        record_event(locked, "answer", actor, from_status=before, to_status=outcome, note=text, public=True, at=at,
                     late=locked.answered_late)
        _tell_proposer(locked, _("您的建议“%(title)s”已答复：%(outcome)s。") % {
            "title": locked.title, "outcome": locked.get_status_display()})
    return locked


def report_progress(proposal: Proposal, actor, text: str, at=None) -> Proposal:
    text = (text or "").strip()
    if not text:
        raise FieldErrors({"text": _("请填写进展情况")})
    _require_department(proposal, actor, "progress")
    with transaction.atomic():
        locked = _locked(proposal)
        LIFECYCLE.require_state(locked, "progress")
        record_event(locked, "progress", actor, from_status=locked.status, note=text, public=True, at=_now(at))
        _tell_proposer(locked, _("您的建议“%(title)s”有新进展：%(text)s") % {"title": locked.title, "text": text[:80]})
    return locked


def complete(proposal: Proposal, actor, text: str, at=None) -> Proposal:
    text = (text or "").strip()
    if not text:
        raise FieldErrors({"text": _("请说明落实情况")})
    _require_department(proposal, actor, "complete")
    at = _now(at)
    done = LIFECYCLE.perform(proposal, "complete", actor, note=text, changes={"done_at": at}, public=True, at=at)
    _tell_proposer(done, _("您的建议“%(title)s”已落实。") % {"title": done.title})
    return done


# ---------------------------------------------------------------- deadlines

def _overdue(proposal: Proposal) -> None:
    with transaction.atomic():
        record_event(proposal, "overdue", None, from_status=proposal.status, public=True, note=_("答复超期"))
        notify([*handlers_of(proposal.department_id), *supervisors_of(proposal.region)], "participation.overdue",
               _("金点子答复超期：%(title)s（%(dept)s）") % {"title": proposal.title,
                                                         "dept": proposal.department.name if proposal.department else ""},
               staff_link(proposal))


DEADLINES = DeadlinePolicy(
    open_cases=lambda: Proposal.objects.filter(status=P.ASSIGNED).select_related("region", "department"),
    due_soon_hours=lambda: settings.GONGZHI["DUE_SOON_HOURS"], on_overdue=_overdue)


def sweep_deadlines(now=None) -> dict[str, int]:
    return sweep(DEADLINES, now)
