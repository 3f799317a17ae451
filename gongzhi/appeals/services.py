"""Every operation that changes an appeal. The one door for views, API, commands and tasks.

Each public function runs in one transaction, checks that the action is allowed from the current
state and for the actor's role, changes the row, and appends an AppealEvent. A refused action
raises ActionRefused (or FieldErrors for bad input) and changes nothing.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from gongzhi.core import hooks, messages, pii, scoping, uploads
from gongzhi.core import deadlines
from gongzhi.core.deadlines import DeadlinePolicy, DueState
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.events import record_event
from gongzhi.core.geo import find_grid, valid_coordinates
from gongzhi.core.models import Department, Role
from gongzhi.core.publication import Review
from gongzhi.core.recipients import handlers_of, notify, supervisors_of, withdraw
from gongzhi.core.validation import (
    COMMENT_MAX, CONTENT_MAX, EXTENSION_DAYS_MAX, EXTENSION_DAYS_MIN, LOCATION_MAX, NAME_MAX, NOTE_MAX, REASON_MAX,
    REASON_MIN, REPLY_MAX, REPLY_MIN, TITLE_MAX, control_character_errors, normalise_phone,
    valid_id_number, valid_phone,
)
from gongzhi.core.workdays import WorkCalendar

from .lifecycle import APPEAL_LIFECYCLE
from .models import (
    Appeal, AppealEvent, Assignment, Attachment, Category, Channel,
    ExtensionRequest, KnowledgeEntry, Reply, Satisfaction, Status, Urgency,
)

log = logging.getLogger(__name__)
RULES = settings.GONGZHI
TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O/1/I: read out over the phone


# What other apps hear of (gongzhi.core.hooks; they subscribe in their AppConfig.ready()):
# "appeal.received" (appeal), right after intake commits: triage may update its fields or dispatch it;
# "appeal.replied" (appeal, reply); and every AppealEvent through "event.recorded".
# A failing subscriber is logged and never loses the appeal.
RECEIVED, REPLIED = "appeal.received", "appeal.replied"
RETURNED = "appeal.returned"  # the lead department returned it (退单): triage suggests again without it


# ---------------------------------------------------------------- helpers

def _now() -> dt.datetime:
    return timezone.now()


def _event(appeal: Appeal, kind: str, actor=None, *, at=None, **fields) -> AppealEvent:
    """record_event on the appeals' clock (_now: the demo and the deadline tests move it)."""
    return record_event(appeal, kind, actor, at=at or _now(), **fields)


def _lock(appeal: Appeal, actor=None) -> Appeal:
    """Re-read the row under a lock so concurrent actions see each other's result. A person acting
    on an appeal outside their scope is refused as if it did not exist (views check this too)."""
    locked = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if getattr(actor, "pk", None) and not Appeal.objects.restrict(actor).filter(pk=appeal.pk).exists():
        raise ActionRefused(_("诉求不存在或不在您的管辖范围内"))
    return locked


def _require_member(actor, department: Department) -> None:
    if actor is None or getattr(actor, "is_superuser", False):
        return
    if department.pk not in scoping.department_ids(actor, Role.HANDLER):
        raise ActionRefused(_("您不是“%(department)s”的承办人") % {"department": department})


def _reason(reason: str, field: str = "reason", maximum: int = REASON_MAX) -> str:
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN:
        raise FieldErrors({field: _("请填写理由")})
    return reason[:maximum]


def calendar() -> WorkCalendar:
    return WorkCalendar.current()


def deadlines_for(category: Category | None, urgency: str, start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(acknowledge-by, handle-by) for an appeal received or dispatched at `start`."""
    urgent = urgency in (Urgency.URGENT, Urgency.CRITICAL)
    if category is None:
        ack_hours, days = (2, 3) if urgent else (24, 15)
    elif urgent:
        ack_hours, days = category.urgent_ack_hours, category.urgent_handle_days
    else:
        ack_hours, days = category.ack_hours, category.handle_days
    if urgency == Urgency.CRITICAL:
        ack_hours, days = min(ack_hours, 1), min(days, 1)
    return start + dt.timedelta(hours=ack_hours), calendar().add_workdays(start, days)


def hash_access_code(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), code.strip().encode(), hashlib.sha256).hexdigest()


def check_access_code(appeal: Appeal, code: str) -> bool:
    return hmac.compare_digest(appeal.access_code_hash, hash_access_code(code or ""))


def new_tracking_number(at: dt.datetime) -> str:
    """Date plus random characters: readable over the phone, not guessable in sequence."""
    local = timezone.localtime(at)
    suffix = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(6))
    return f"{RULES['TRACKING_PREFIX']}{local:%Y%m%d}{suffix}"


def _link(appeal: Appeal) -> str:
    return f"/staff/appeals/{appeal.pk}/"


def _staff_text(message: str, appeal: Appeal) -> messages.Localised:
    """A notification's line, put in each staff member's own language when it is sent."""
    return messages.localised(message, title=appeal.title)


# ---------------------------------------------------------------- intake

def receive(*, channel: str, title: str, content: str, actor=None, category: Category | None = None,
            urgency: str = Urgency.NORMAL, location_text: str = "", lat=None, lon=None,
            anonymous: bool = False, appellant_name: str = "", appellant_phone: str = "",
            appellant_id_number: str = "", appellant_user=None, attachments: Iterable = (),
            received_at: dt.datetime | None = None, source_system: str = "", source_ref: str = "",
            region=None, run_hooks: bool = True, request=None,
            with_appeal: Callable[[Appeal], object] | None = None) -> tuple[Appeal, str]:
    """Store a new appeal from any channel. Returns (appeal, access code for public tracking).

    `with_appeal(appeal)` runs inside the same transaction, once the appeal is stored: a channel
    keeps what it holds beyond the appeal (Open311's token and answers) with it, and the two stand
    or fall together."""
    errors: dict[str, str] = {}
    title, content = (title or "").strip(), (content or "").strip()
    if not title:
        errors["title"] = _("请填写标题")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("标题不能超过200字")
    if not content:
        errors["content"] = _("请填写诉求内容")
    elif len(content) > CONTENT_MAX:
        errors["content"] = _("内容不能超过10000字")
    if channel not in Channel.values:
        errors["channel"] = _("未知渠道")
    if urgency not in Urgency.values:
        errors["urgency"] = _("未知紧急程度")
    phone = normalise_phone(appellant_phone)
    if phone and not valid_phone(phone):
        errors["appellant_phone"] = _("电话号码格式不正确")
    id_number = (appellant_id_number or "").strip().upper()
    if id_number and not valid_id_number(id_number):
        errors["appellant_id_number"] = _("身份证号码不正确")
    if not anonymous and channel in (Channel.WEB, Channel.PHONE, Channel.MINI_PROGRAM) and not phone:
        errors["appellant_phone"] = _("实名诉求请留下联系电话，或选择匿名")
    if (lat not in (None, "") or lon not in (None, "")) and not valid_coordinates(lat, lon):
        errors["location"] = _("坐标无效")
    for field, message in control_character_errors(title=title, content=content, location_text=location_text,
                                                   appellant_name=appellant_name).items():
        errors.setdefault(field, message)
    checked_files, refused = uploads.check_uploads(attachments)  # by content: an image must decode
    errors.update(refused)
    if errors:
        raise FieldErrors(errors)

    if anonymous:
        appellant_name, phone, id_number, appellant_user = "", "", "", appellant_user
    at = received_at or _now()
    lat_f = float(lat) if lat not in (None, "") else None
    lon_f = float(lon) if lon not in (None, "") else None
    grid = find_grid(lat_f, lon_f)
    code = f"{secrets.randbelow(10**6):06d}"
    # The appeal's INSERT is the transaction's first statement: a tracking-number collision (or an
    # import's duplicate source_ref) rolls the whole of it back and the next attempt starts anew,
    # with no savepoint around the INSERT (two statements fewer per appeal). Inside a caller's
    # transaction the atomic block below is a savepoint, and rolls back to it just the same.
    for attempt in range(5):
        stored = False
        try:
            with transaction.atomic():
                appeal = Appeal.objects.create(
                    tracking_number=new_tracking_number(at), access_code_hash=hash_access_code(code),
                    channel=channel, title=title, content=content, category=category, urgency=urgency,
                    location_text=location_text.strip()[:LOCATION_MAX], lat=lat_f, lon=lon_f, grid=grid,
                    region=grid.community if grid else region,
                    anonymous=anonymous, appellant_name=appellant_name.strip()[:NAME_MAX], appellant_phone=phone,
                    appellant_id_number=id_number, appellant_user=appellant_user,
                    created_by=actor if getattr(actor, "pk", None) else None, received_at=at,
                    source_system=source_system, source_ref=source_ref,
                )
                stored = True
                _after_insert(appeal, category, urgency, at, checked_files, actor, channel, with_appeal)
            break
        except IntegrityError:
            if stored or attempt == 4:
                raise  # not the appeal's own row: what came after it failed
            if source_ref and Appeal.objects.filter(source_system=source_system, source_ref=source_ref).exists():
                raise FieldErrors({"source_ref": _("该记录已导入")}) from None
            continue  # tracking-number collision: draw again
    if run_hooks:
        appeal.issued_access_code = code  # for the acceptance message only (appeals.notifying); never stored
        # Its transaction is done: triage runs now. What it changes (urgency, deadlines, risk, an
        # automatic dispatch) it changes on this instance as it writes the row (record_triage,
        # dispatch with row_locked), and a failed analysis reads the row again; so the channels
        # answer with the row as it stands without reading it once more.
        hooks.publish(RECEIVED, appeal, on_commit=False)
    return appeal, code


def _after_insert(appeal: Appeal, category, urgency, at, checked_files, actor, channel, with_appeal) -> None:
    """What `receive` stores with the appeal's row, in its transaction: deadlines, attachments, the
    received event and what the channel keeps beside it."""
    if category is not None:
        appeal.ack_due_at, appeal.due_at = deadlines_for(category, urgency, at)
        appeal.save(update_fields=["ack_due_at", "due_at"])
    for upload in checked_files:
        Attachment.objects.create(appeal=appeal, file=upload.file, original_name=upload.name,
                                  content_type=upload.content_type, size=upload.size, uploaded_by=appeal.created_by)
    _event(appeal, "received", actor, to_status=Status.RECEIVED, public=True, at=at,
           note=f"通过{appeal.get_channel_display()}受理", channel=channel)
    if with_appeal is not None:
        with_appeal(appeal)


def answer_at_intake(*, entry: KnowledgeEntry, actor, answer_text: str = "", **intake) -> tuple[Appeal, str]:
    """直接答复: the operator answers the caller on the spot from a knowledge-base entry. The appeal is
    received (as `receive` would, with the same checks) and, in the same transaction, replied with
    the answer and closed as answered at intake (APPEAL_LIFECYCLE "answer_at_intake"); its history
    says received, replied, closed. Nothing is dispatched. Returns (appeal, access code)."""
    APPEAL_LIFECYCLE.require_role(actor, "answer_at_intake")
    text = (answer_text or "").strip() or (entry.answer if entry is not None else "").strip()
    if entry is None or not entry.active:
        raise FieldErrors({"knowledge": _("请选择启用中的知识库条目")})
    if len(text) < REPLY_MIN:
        raise FieldErrors({"answer_text": _("答复内容过短，请说明核查情况、处理措施和结果")})
    if len(text) > REPLY_MAX:
        raise FieldErrors({"answer_text": _("答复内容过长")})
    if intake.get("category") is None:
        intake["category"] = entry.category

    def answered(appeal: Appeal) -> None:
        APPEAL_LIFECYCLE.require_state(appeal, "answer_at_intake")
        now = max(_now(), appeal.received_at)
        answer = Reply.objects.create(appeal=appeal, department=None, author=_user(actor), text=text,
                                      resolved=True, created_at=now)
        appeal.status, appeal.replied_at, appeal.closed_at = Status.CLOSED, now, now
        appeal.resolved, appeal.answered_at_intake = True, True
        appeal.save(update_fields=["status", "replied_at", "closed_at", "resolved", "answered_at_intake", "updated_at"])
        KnowledgeEntry.objects.filter(pk=entry.pk).update(used_count=F("used_count") + 1)
        _event(appeal, "replied", actor, from_status=Status.RECEIVED, to_status=Status.REPLIED, public=True, at=now,
               note="受理员依据知识库直接答复", reply=answer.pk, knowledge=entry.pk)
        _event(appeal, "closed", actor, from_status=Status.REPLIED, to_status=Status.CLOSED, public=True, at=now,
               note="受理时直接答复，已办结", answered_at_intake=True)

    return receive(actor=actor, with_appeal=answered, **intake)


def _reschedule(appeal: Appeal, now: dt.datetime) -> None:
    """Deadlines for the appeal's category and urgency as they are now, counted from this step (or
    the dispatch, were it later) with working days: never from the receipt, where a raised urgency
    would give a deadline already past. The due state is written with them (no wait for the sweep)."""
    start = max(now, appeal.dispatched_at or now)
    appeal.ack_due_at, appeal.due_at = deadlines_for(appeal.category, appeal.urgency, start)
    appeal.due_state = DEADLINES.state_at(appeal.due_at, now)


def recategorize(appeal: Appeal, actor, category: Category, urgency: str | None = None) -> Appeal:
    """修改分类 and/or 紧急程度: the deadlines are counted again from now (_reschedule), and the
    history says what changed (an urgency change alone is "urgency_changed", not a category change)."""
    APPEAL_LIFECYCLE.require_role(actor, "recategorize")
    if urgency and urgency not in Urgency.values:
        raise FieldErrors({"urgency": _("未知紧急程度")})
    with transaction.atomic():
        appeal = _lock(appeal, actor)
        APPEAL_LIFECYCLE.require_state(appeal, "recategorize")
        old_category, old_urgency, old_label = appeal.category, appeal.urgency, appeal.get_urgency_display()
        appeal.category = category
        appeal.urgency = urgency or appeal.urgency
        _reschedule(appeal, _now())
        appeal.save()
        changes = []
        if old_category is None or old_category.pk != category.pk:
            changes.append(f"{old_category.name if old_category else '未分类'} → {category.name}")
        if appeal.urgency != old_urgency:
            changes.append(f"紧急程度 {old_label} → {appeal.get_urgency_display()}")
        kind = "urgency_changed" if len(changes) == 1 and appeal.urgency != old_urgency else "recategorized"
        _event(appeal, kind, actor, from_status=appeal.status, note="；".join(changes) or f"{category.name}（未变）",
               category=category.pk, from_category=old_category.pk if old_category else None,
               urgency=appeal.urgency, from_urgency=old_urgency, due_at=appeal.due_at.isoformat())
    return appeal


def record_triage(appeal: Appeal, triage: dict, *, risk_score: int | None = None,
                  urgency: str | None = None, note: str = "") -> Appeal:
    """Store what the analysis found (suggestions, duplicates, risk); raising urgency is recorded.
    Runs in the caller's transaction (triage's, which rolls back to its own savepoint on failure)."""
    with transaction.atomic(savepoint=False):
        # Under the row's lock, only what this reads and writes is read again (not the texts): the
        # caller's instance takes it, so what it holds besides (its category) is not read anew.
        locked = (Appeal.objects.select_for_update().only(*_TRIAGE_READS).get(pk=appeal.pk))
        for name in _TRIAGE_READS:
            setattr(appeal, name, getattr(locked, name))
        appeal.triage = {**(appeal.triage or {}), **triage}
        fields = ["triage", "updated_at"]
        if risk_score is not None:
            appeal.risk_score = max(0, min(100, int(risk_score)))
            fields.append("risk_score")
        raised = urgency and urgency in Urgency.values and _URGENCY_ORDER[str(urgency)] > _URGENCY_ORDER[str(appeal.urgency)]
        if raised:
            appeal.urgency = urgency
            if appeal.category_id and appeal.status == Status.RECEIVED:
                _reschedule(appeal, _now())
                fields += ["ack_due_at", "due_at", "due_state"]
            fields.append("urgency")
        appeal.save(update_fields=fields)
        if raised or note:
            _event(appeal, "triaged", None, from_status=appeal.status, note=note or f"紧急程度调整为{appeal.get_urgency_display()}",
                   risk_score=appeal.risk_score, urgency=appeal.urgency)
    return appeal


_URGENCY_ORDER = {"normal": 0, "urgent": 1, "critical": 2}
# What record_triage reads again under the lock: what it writes and what deciding it depends on,
# and what the automatic dispatch that may follow under the same lock decides on (row_locked).
_TRIAGE_READS = ("triage", "risk_score", "urgency", "status", "category_id", "dispatched_at", "ack_due_at", "due_at",
                 "due_state", "updated_at", "lead_department_id", "return_count", "reopen_count")


# ---------------------------------------------------------------- dispatch and handling

def dispatch(appeal: Appeal, actor, lead: Department, assisting: Iterable[Department] = (), *,
             category: Category | None = None, instructions: str = "", automatic: bool = False,
             row_locked: bool = False) -> Appeal:
    """派单: give the appeal to a lead department (and assisting ones), starting their clocks.

    `row_locked`: the caller's open transaction already holds the row's lock and `appeal` is as
    that lock read it (intake's triage, after record_triage): it is not read again, and this
    instance is the one changed (the intake answers with it)."""
    APPEAL_LIFECYCLE.require_role(actor, "dispatch")
    assisting = [d for d in assisting if d.pk != lead.pk]
    if row_locked and not transaction.get_connection().in_atomic_block:
        raise RuntimeError("dispatch(row_locked=True) outside the transaction that holds the lock")
    with transaction.atomic():
        appeal = appeal if row_locked and actor is None else _lock(appeal, actor)
        APPEAL_LIFECYCLE.require_state(appeal, "dispatch")
        if not lead.active or any(not d.active for d in assisting):
            raise FieldErrors({"lead": _("承办部门已停用")})
        now = _now()
        if category is not None:
            appeal.category = category
        ack_due, due = deadlines_for(appeal.category, appeal.urgency, now)
        if appeal.due_at is None or appeal.return_count or category is not None:
            # The clock runs from receipt, or from the last reopening (重办 starts a new one); a
            # department never gets a deadline that is already past when the dispatch reaches it.
            reopened = (appeal.events.filter(kind="reopened").order_by("-created_at")
                        .values_list("created_at", flat=True).first() if appeal.reopen_count else None)
            started = reopened or appeal.received_at
            _, due_from_start = deadlines_for(appeal.category, appeal.urgency, started)
            appeal.due_at = max(due_from_start, now + dt.timedelta(hours=4))
        # A deadline kept from intake or a reclassification is never already past at the dispatch either.
        appeal.due_at = max(appeal.due_at, now + dt.timedelta(hours=4))
        appeal.ack_due_at = ack_due
        for dept, role in [(lead, Assignment.Role.LEAD)] + [(d, Assignment.Role.ASSIST) for d in assisting]:
            Assignment.objects.create(appeal=appeal, department=dept, role=role, dispatched_by=_user(actor),
                                      dispatched_at=now, ack_due_at=ack_due, due_at=appeal.due_at,
                                      instructions=instructions[:REASON_MAX])
        appeal.lead_department = lead
        appeal.status = Status.DISPATCHED
        appeal.dispatched_at = appeal.dispatched_at or now
        appeal.due_state = DEADLINES.state_at(appeal.due_at, now)
        appeal.save(update_fields=["category", "due_at", "ack_due_at", "lead_department", "status", "dispatched_at",
                                   "due_state", "updated_at"])  # what this changed: not the texts again
        _event(appeal, "dispatched", actor, from_status=Status.RECEIVED, to_status=Status.DISPATCHED, public=True,
               department=lead, note=f"已转{lead.name}办理" + (f"，{'、'.join(d.name for d in assisting)}协办" if assisting else ""),
               lead=lead.pk, assisting=[d.pk for d in assisting], automatic=automatic, instructions=instructions)
        transaction.on_commit(lambda: notify(handlers_of(lead.pk), "assigned", _staff_text(N_("新派单：%(title)s"), appeal), _link(appeal)))
    return appeal


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def acknowledge(assignment: Assignment, actor) -> Assignment:
    """签收: the department takes the assignment."""
    with transaction.atomic():
        appeal = _lock(assignment.appeal, actor)
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        _require_member(actor, assignment.department)
        if assignment.state != Assignment.State.PENDING:
            raise ActionRefused(_("该派单状态为“%(state)s”，不能签收") % {"state": assignment.get_state_display()})
        now = _now()
        assignment.state = Assignment.State.ACKNOWLEDGED
        assignment.acknowledged_at, assignment.acknowledged_by = now, _user(actor)
        assignment.save()
        from_status = appeal.status
        APPEAL_LIFECYCLE.require_state(appeal, "acknowledge" if assignment.role == Assignment.Role.LEAD else "acknowledge_assist")
        if assignment.role == Assignment.Role.LEAD:
            appeal.status = Status.HANDLING
            appeal.acknowledged_at = appeal.acknowledged_at or now
            appeal.save()
        _event(appeal, "acknowledged", actor, from_status=from_status, to_status=appeal.status,
               public=assignment.role == Assignment.Role.LEAD, department=assignment.department,
               note=f"{assignment.department.name}已签收", assignment=assignment.pk,
               late=bool(assignment.ack_due_at and now > assignment.ack_due_at))
    return assignment


def return_assignment(assignment: Assignment, actor, reason: str) -> Assignment:
    """退单: the department sends a wrong dispatch back to the dispatcher, with a reason."""
    reason = _reason(reason)
    with transaction.atomic():
        appeal = _lock(assignment.appeal, actor)
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        _require_member(actor, assignment.department)
        if not assignment.is_active:
            raise ActionRefused(_("该派单状态为“%(state)s”，不能退单") % {"state": assignment.get_state_display()})
        APPEAL_LIFECYCLE.require_state(appeal, "return" if assignment.role == Assignment.Role.LEAD else "return_assist")
        now = _now()
        assignment.state, assignment.return_reason, assignment.finished_at = Assignment.State.RETURNED, reason, now
        assignment.save()
        from_status = appeal.status
        if assignment.role == Assignment.Role.LEAD:
            appeal.assignments.filter(state__in=[Assignment.State.PENDING, Assignment.State.ACKNOWLEDGED]).update(
                state=Assignment.State.WITHDRAWN, finished_at=now)
            appeal.status, appeal.lead_department = Status.RECEIVED, None
            appeal.return_count += 1
            appeal.save()
        _event(appeal, "returned", actor, from_status=from_status, to_status=appeal.status, department=assignment.department,
               note=reason, assignment=assignment.pk, role=assignment.role)
        if assignment.role == Assignment.Role.LEAD:
            _settle_extensions(appeal, actor, "主办单位已退单", now)
            hooks.publish(RETURNED, appeal)
    return assignment


def _checked_photos(before=(), after=(), attachments=()) -> list[tuple[str, uploads.CheckedUpload]]:
    """The files of a reply or note, each with its stage, checked by content; FieldErrors by field."""
    errors: dict[str, str] = {}
    staged = []
    for field, stage, files in (("before", Attachment.Stage.BEFORE, before), ("after", Attachment.Stage.AFTER, after),
                                ("attachments", "", attachments)):
        checked, refused = uploads.check_uploads(files, field)
        errors.update(refused)
        staged += [(stage, u) for u in checked]
    if len(staged) > uploads.MAX_FILES:
        errors.setdefault("attachments", _("最多上传5个附件"))
    if errors:
        raise FieldErrors(errors)
    return staged


def _store_photos(appeal: Appeal, staged, actor, *, reply: Reply | None = None, event: AppealEvent | None = None,
                  public: bool = False) -> list[Attachment]:
    """Stored under MEDIA_ROOT; a public one (images of a reply only) also as a copy without metadata."""
    stored = []
    for stage, upload in staged:
        shown = public and reply is not None and upload.is_image
        stored.append(Attachment.objects.create(
            appeal=appeal, reply=reply, event=event, stage=stage, public=shown, file=upload.file,
            public_file=uploads.public_copy(upload) if shown else "", original_name=upload.name,
            content_type=upload.content_type, size=upload.size, uploaded_by=_user(actor)))
    return stored


def add_note(appeal: Appeal, actor, note: str, *, before=(), after=(), attachments=()) -> AppealEvent:
    """办理: a progress note by a department working on the appeal (internal), with any photos or files."""
    note = _reason(note, "note", maximum=NOTE_MAX)
    staged = _checked_photos(before, after, attachments)
    with transaction.atomic():
        appeal = _lock(appeal, actor)
        APPEAL_LIFECYCLE.require_state(appeal, "note")
        dept = _acting_assignment(appeal, actor, acknowledged=True).department
        event = _event(appeal, "note", actor, from_status=appeal.status, department=dept, note=note,
                       files=len(staged))
        _store_photos(appeal, staged, actor, event=event)
        return event


def _acting_assignment(appeal: Appeal, actor, *, acknowledged: bool, lead_only: bool = False) -> Assignment:
    states = [Assignment.State.ACKNOWLEDGED] if acknowledged else [Assignment.State.PENDING, Assignment.State.ACKNOWLEDGED]
    qs = appeal.assignments.filter(state__in=states)
    if lead_only:
        qs = qs.filter(role=Assignment.Role.LEAD)
    if actor is not None and not actor.is_superuser:
        qs = qs.filter(department_id__in=scoping.department_ids(actor, Role.HANDLER))
    assignment = qs.select_related("department").first()
    if assignment is None:
        raise ActionRefused(_("您所在部门没有该诉求的已签收的主办派单") if lead_only else _("您所在部门没有该诉求的已签收的派单"))
    return assignment


def reply(appeal: Appeal, actor, text: str, *, resolved: bool = True, before=(), after=(), attachments=(),
          public_photos: bool = False) -> Reply:
    """答复: the lead department's official answer; the appeal waits for follow-up. Photos before and
    after the work go with it; with `public_photos` the appellant sees them (without their metadata)."""
    text = (text or "").strip()
    if len(text) < REPLY_MIN:
        raise FieldErrors({"text": _("答复内容过短，请说明核查情况、处理措施和结果")})
    staged = _checked_photos(before, after, attachments)
    with transaction.atomic():
        appeal = _lock(appeal, actor)
        APPEAL_LIFECYCLE.require_state(appeal, "reply")
        assignment = _acting_assignment(appeal, actor, acknowledged=True, lead_only=True)
        now = _now()
        answer = Reply.objects.create(appeal=appeal, department=assignment.department, author=_user(actor),
                                      text=text[:REPLY_MAX], resolved=resolved, created_at=now)
        appeal.assignments.filter(state=Assignment.State.ACKNOWLEDGED).update(state=Assignment.State.DONE, finished_at=now)
        appeal.assignments.filter(state=Assignment.State.PENDING).update(state=Assignment.State.WITHDRAWN, finished_at=now)
        appeal.status, appeal.replied_at, appeal.resolved = Status.REPLIED, now, resolved
        appeal.save()
        _store_photos(appeal, staged, actor, reply=answer, public=public_photos)
        _event(appeal, "replied", actor, from_status=Status.HANDLING, to_status=Status.REPLIED, public=True,
               department=assignment.department, note="承办单位已答复", reply=answer.pk, late=bool(appeal.due_at and now > appeal.due_at),
               files=len(staged))
        _settle_extensions(appeal, actor, "诉求已答复", now)
    hooks.publish(REPLIED, appeal, answer, on_commit=False)
    return answer


def follow_up(appeal: Appeal, satisfaction: str, *, actor=None, via: str = "web", comment: str = "",
              resolved: bool | None = None) -> Appeal:
    """回访: the appellant's rating. Satisfied closes; dissatisfied reopens (重办) up to the limit."""
    if satisfaction not in Satisfaction.values:
        raise FieldErrors({"satisfaction": _("请选择满意、基本满意或不满意")})
    APPEAL_LIFECYCLE.require_role(actor, "follow_up")  # no actor: the appellant rates it themselves
    with transaction.atomic():
        appeal = _lock(appeal, actor)
        APPEAL_LIFECYCLE.require_state(appeal, "follow_up")
        now = _now()
        appeal.satisfaction = satisfaction
        if resolved is not None:
            appeal.resolved = resolved
        label = Satisfaction(satisfaction).label
        _event(appeal, "rated", actor, from_status=Status.REPLIED, public=True, note=f"评价：{label}",
               satisfaction=satisfaction, via=via, comment=comment[:COMMENT_MAX], resolved=appeal.resolved)
        if satisfaction == Satisfaction.DISSATISFIED and appeal.reopen_count < RULES["MAX_REOPENS"]:
            appeal.save()
            return _reopen_locked(appeal, actor, f"群众不满意，重办。{comment}".strip()[:300])
        appeal.status, appeal.closed_at = Status.CLOSED, now
        if satisfaction == Satisfaction.DISSATISFIED:
            appeal.supervised = True
            transaction.on_commit(lambda: notify(supervisors_of(appeal.region), "dissatisfied_closed",
                                                 _staff_text(N_("多次重办仍不满意：%(title)s"), appeal), _link(appeal)))
        appeal.save()
        _event(appeal, "closed", actor, from_status=Status.REPLIED, to_status=Status.CLOSED, public=True, note="已办结")
    return appeal


def close(appeal: Appeal, actor, reason: str) -> Appeal:
    """办结 without a rating (no answer after the follow-up window), or 不予受理 of an invalid appeal."""
    reason = _reason(reason)
    APPEAL_LIFECYCLE.require_role(actor, "close")
    with transaction.atomic():
        appeal = _lock(appeal, actor)
        APPEAL_LIFECYCLE.require_state(appeal, "close")
        from_status = appeal.status
        appeal.status, appeal.closed_at = Status.CLOSED, _now()
        appeal.save()
        _event(appeal, "closed", actor, from_status=from_status, to_status=Status.CLOSED, public=True, note=reason)
        _settle_extensions(appeal, actor, "诉求已办结", appeal.closed_at)
    return appeal


def reopen(appeal: Appeal, actor, reason: str) -> Appeal:
    """重办 ordered by a supervisor: back to the last lead department with a fresh deadline."""
    reason = _reason(reason)
    APPEAL_LIFECYCLE.require_role(actor, "reopen")
    with transaction.atomic():
        appeal = _lock(appeal, actor)
        APPEAL_LIFECYCLE.require_state(appeal, "reopen")
        return _reopen_locked(appeal, actor, reason)


def _reopen_locked(appeal: Appeal, actor, reason: str) -> Appeal:
    lead = appeal.lead_department
    now = _now()
    from_status = appeal.status
    appeal.reopen_count += 1
    appeal.closed_at = None
    appeal.satisfaction = "" if from_status == Status.CLOSED else appeal.satisfaction
    if lead is None:
        appeal.status = Status.RECEIVED
    else:
        ack_due, due = deadlines_for(appeal.category, appeal.urgency, now)
        Assignment.objects.create(appeal=appeal, department=lead, role=Assignment.Role.LEAD, dispatched_by=_user(actor),
                                  dispatched_at=now, ack_due_at=ack_due, due_at=due, instructions=f"重办：{reason}"[:300])
        appeal.status, appeal.ack_due_at, appeal.due_at = Status.DISPATCHED, ack_due, due
        appeal.due_state = DEADLINES.state_at(due, now)
        transaction.on_commit(lambda: notify(handlers_of(lead.pk), "reopened", _staff_text(N_("重办：%(title)s"), appeal), _link(appeal)))
    appeal.save()
    _event(appeal, "reopened", actor, from_status=from_status, to_status=appeal.status, public=True,
           department=lead, note=reason, at=now, reopen_count=appeal.reopen_count)
    return appeal


# ---------------------------------------------------------------- deadlines and supervision

def request_extension(appeal: Appeal, actor, days: int, reason: str) -> ExtensionRequest:
    reason = _reason(reason)
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise FieldErrors({"days": _("请填写延期天数")}) from None
    if not EXTENSION_DAYS_MIN <= days <= EXTENSION_DAYS_MAX:
        raise FieldErrors({"days": _("延期天数应为1至30个工作日")})
    with transaction.atomic():
        appeal = _lock(appeal, actor)
        APPEAL_LIFECYCLE.require_state(appeal, "extend")  # and no other request waits
        assignment = _acting_assignment(appeal, actor, acknowledged=False, lead_only=True)
        ext = ExtensionRequest.objects.create(appeal=appeal, assignment=assignment, days=days, reason=reason,
                                              requested_by=_user(actor), requested_at=_now())
        _event(appeal, "extension_requested", actor, from_status=appeal.status, department=assignment.department,
               note=f"申请延期{days}个工作日：{reason}", extension=ext.pk, days=days)
        transaction.on_commit(lambda: notify(supervisors_of(appeal.region), "extension", _staff_text(N_("延期申请：%(title)s"), appeal), _link(appeal)))
    return ext


def _settle_extensions(appeal: Appeal, actor, why: str, now: dt.datetime) -> None:
    """A pending extension request lapses once the work it asked more time for is over (answered,
    closed, returned): recorded in the history, and the supervisors' notice of it withdrawn, so
    nobody decides a question that no longer stands. Runs in the caller's transaction, after the
    caller's own event: the lapse happens in the new status, so the history still chains."""
    lapsed = list(appeal.extension_requests.select_for_update().filter(state=ExtensionRequest.State.PENDING))
    for ext in lapsed:
        ext.state, ext.decided_at, ext.decision_note = ExtensionRequest.State.LAPSED, now, f"{why}，延期申请自动失效"
        ext.save(update_fields=["state", "decided_at", "decision_note"])
        _event(appeal, "extension_lapsed", actor, from_status=appeal.status, at=now,
               note=f"{why}，延期{ext.days}个工作日的申请自动失效", extension=ext.pk)
    if lapsed:
        withdraw("extension", _link(appeal))


def decide_extension(ext: ExtensionRequest, actor, approve: bool, note: str = "") -> ExtensionRequest:
    """审批延期, only while the appeal is worked on (a closed appeal's deadline never moves)."""
    APPEAL_LIFECYCLE.require_role(actor, "decide_extension")
    with transaction.atomic():
        appeal = _lock(ext.appeal, actor)
        APPEAL_LIFECYCLE.require_state(appeal, "decide_extension")
        ext = ExtensionRequest.objects.select_for_update().get(pk=ext.pk)
        if ext.state != ExtensionRequest.State.PENDING:
            raise ActionRefused(_("该延期申请已处理"))
        ext.state = ExtensionRequest.State.APPROVED if approve else ExtensionRequest.State.REJECTED
        ext.decided_by, ext.decided_at, ext.decision_note = _user(actor), _now(), (note or "")[:REASON_MAX]
        ext.save()
        if approve:
            base = appeal.due_at or _now()
            appeal.due_at = calendar().add_workdays(base, ext.days)
            appeal.due_state = DEADLINES.state_at(appeal.due_at, _now())
            appeal.save()
            appeal.assignments.filter(state__in=[Assignment.State.PENDING, Assignment.State.ACKNOWLEDGED]).update(due_at=appeal.due_at)
        _event(appeal, "extension_approved" if approve else "extension_rejected", actor, from_status=appeal.status,
               public=approve, note=(f"延期{ext.days}个工作日" if approve else "延期申请未获批准") + (f"：{note}" if note else ""),
               extension=ext.pk, due_at=appeal.due_at.isoformat() if appeal.due_at else None)
    return ext


def urge(appeal: Appeal, actor, note: str = "") -> Appeal:
    """催办: a reminder to the departments working on a late or slow appeal."""
    APPEAL_LIFECYCLE.require_role(actor, "urge")
    with transaction.atomic():
        appeal = _lock(appeal, actor)
        APPEAL_LIFECYCLE.require_state(appeal, "urge")
        appeal.urge_count += 1
        appeal.save(update_fields=["urge_count", "updated_at"])
        _event(appeal, "urged", actor, from_status=appeal.status, note=note or "请加快办理", automatic=actor is None)
        if appeal.lead_department_id:
            dept = appeal.lead_department_id
            transaction.on_commit(lambda: notify(handlers_of(dept), "urged", _staff_text(N_("催办：%(title)s"), appeal), _link(appeal)))
    return appeal


def supervise(appeal: Appeal, actor, note: str) -> Appeal:
    """督办: a formal supervision order; the appeal is tracked on the supervisors' board."""
    note = _reason(note, "note")
    APPEAL_LIFECYCLE.require_role(actor, "supervise")
    with transaction.atomic():
        appeal = _lock(appeal, actor)
        APPEAL_LIFECYCLE.require_state(appeal, "supervise")  # and not under supervision already
        appeal.supervised = True
        appeal.save(update_fields=["supervised", "updated_at"])
        _event(appeal, "supervised", actor, from_status=appeal.status, note=note)
        if appeal.lead_department_id:
            dept = appeal.lead_department_id
            transaction.on_commit(lambda: notify(handlers_of(dept), "supervised", _staff_text(N_("督办：%(title)s"), appeal), _link(appeal)))
    return appeal


def review_publication(appeal: Appeal, actor, decision: str, note: str = "") -> Appeal:
    """公开审核: a moderator approves the appeal for the open data and the Open311 feed at once, or
    withholds it for good (junk, a private matter); `note` says why (required to withhold). The rule
    the public outputs apply is gongzhi.core.publication.may_publish; a confidential category stays
    unpublished whatever is decided here."""
    if decision not in (Review.APPROVED, Review.WITHHELD):
        raise FieldErrors({"decision": _("请选择是否公开")})
    note = (note or "").strip()
    if decision == Review.WITHHELD:
        note = _reason(note, "note")
    APPEAL_LIFECYCLE.require_role(actor, "review_publication")
    with transaction.atomic():
        appeal = _lock(appeal, actor)
        APPEAL_LIFECYCLE.require_state(appeal, "review_publication")
        before = appeal.publication
        appeal.publication, appeal.publication_reviewed_at = decision, _now()
        appeal.publication_reviewed_by = _user(actor)
        appeal.save(update_fields=["publication", "publication_reviewed_at", "publication_reviewed_by", "updated_at"])
        _event(appeal, "publication_reviewed", actor, from_status=appeal.status, public=False,
               note=("准予公开" if decision == Review.APPROVED else "不予公开") + (f"：{note[:NOTE_MAX]}" if note else ""),
               decision=decision, before=before)
    return appeal


# The states an appeal may take a repeat complaint in: still being worked on.
MERGE_TARGET_STATUSES = (Status.RECEIVED, Status.DISPATCHED, Status.HANDLING)


def merge_refusal(into: Appeal) -> str | None:
    """Why `into` cannot take a repeat complaint now (None: it can). The pages mark duplicate
    candidates with it; merge() refuses with it.

    An answered (待回访) or closed appeal is refused rather than reopened: a repeat complaint about
    it ("之前反映过好几次都没人管") says the answer did not help, and folding it in would leave it
    with an appeal nobody works on. Reopening is the supervisors' 重办 (their role, counted against
    the limit of reopenings and in the departments' evaluation), not something a dispatcher's
    merge may do on the side; so the complaint stays in the queue with its own clock, to be
    dispatched, and a supervisor may still reopen the original."""
    if into.status == Status.MERGED:
        return _("目标诉求已被并单")
    if into.status not in MERGE_TARGET_STATUSES:
        return _("目标诉求 %(number)s 状态为“%(status)s”，不能并入：请将本诉求派单办理，或请督办员重办原诉求") % {
            "number": into.tracking_number, "status": into.get_status_display()}
    return None


def merge(duplicate: Appeal, into: Appeal, actor, reason: str = "重复诉求") -> Appeal:
    """并单: a repeat of an appeal still worked on is folded into it and follows its outcome
    (merge_refusal says which targets are refused, and why)."""
    APPEAL_LIFECYCLE.require_role(actor, "merge")
    if duplicate.pk == into.pk:
        raise ActionRefused(_("不能与自身并单"))
    with transaction.atomic():
        duplicate, into = _lock(duplicate, actor), _lock(into, actor)
        APPEAL_LIFECYCLE.require_state(duplicate, "merge")
        refusal = merge_refusal(into)
        if refusal:
            raise ActionRefused(refusal)
        duplicate.status, duplicate.merged_into, duplicate.closed_at = Status.MERGED, into, _now()
        duplicate.save()
        _event(duplicate, "merged", actor, from_status=Status.RECEIVED, to_status=Status.MERGED, public=True,
               note=f"与{into.tracking_number}合并办理", into=into.pk, reason=reason)
        _event(into, "merged_in", actor, from_status=into.status, note=f"并入{duplicate.tracking_number}：{reason}",
               duplicate=duplicate.pk)
    return into


def _escalate_overdue(appeal: Appeal) -> None:
    """The first sweep that finds an appeal late records it, urges the departments and tells the
    supervisors of its region."""
    with transaction.atomic():
        _event(appeal, "overdue", None, from_status=appeal.status, note="已超过办理时限")
    _safe(urge, appeal, None, "已超期，系统自动催办")
    notify(supervisors_of(appeal.region), "overdue", _staff_text(N_("超期：%(title)s"), appeal), _link(appeal))


# The appeals' deadlines for the generic sweep (core.deadlines): the handling clock of dispatched
# and acknowledged appeals, and the acknowledgement clock of dispatches nobody has taken (urged once).
DEADLINES = DeadlinePolicy(
    open_cases=lambda: Appeal.objects.filter(status__in=[Status.DISPATCHED, Status.HANDLING]).select_related("region"),
    due_soon_hours=lambda: RULES["DUE_SOON_HOURS"],
    on_overdue=_escalate_overdue,
    ack_cases=lambda: Appeal.objects.filter(status=Status.DISPATCHED, urge_count=0),
    on_ack_late=lambda appeal: _safe(urge, appeal, None, "超时未签收，系统自动催办"),
)


def sweep_deadlines(now: dt.datetime | None = None) -> dict[str, int]:
    """Mark due-soon and overdue appeals; urge and notify the supervisors the first time one is late."""
    return deadlines.sweep(DEADLINES, now or _now())


def _safe(fn, *args):
    try:
        return fn(*args)
    except ActionRefused:
        return None


def auto_close_unrated(now: dt.datetime | None = None) -> int:
    """Replied appeals with no rating after the follow-up window count as configured and close."""
    now = now or _now()
    cal = calendar()
    closed = 0
    outcome = RULES["NO_RATING_COUNTS_AS"]
    for appeal in Appeal.objects.filter(status=Status.REPLIED, replied_at__isnull=False):
        if cal.add_workdays(appeal.replied_at, RULES["FOLLOW_UP_DAYS"]) > now:
            continue
        with transaction.atomic():
            locked = _lock(appeal)
            if locked.status != Status.REPLIED:
                continue
            if outcome in Satisfaction.values:
                locked.satisfaction = outcome
            locked.status, locked.closed_at = Status.CLOSED, now
            locked.save()
            _event(locked, "closed", None, from_status=Status.REPLIED, to_status=Status.CLOSED, public=True,
                   note="回访期满未评价，按规定办结", no_rating=True, counted_as=outcome)
            closed += 1
    return closed


# ---------------------------------------------------------------- personal data

# The protected fields, who may reveal them (Appeal.PROTECTED_FIELDS, Appeal.may_reveal) and the
# audited reveal (core.reveal) are the model's and the kernel's; here, who reads the free text.
PII_ROLES = (Role.OPERATOR, Role.DISPATCHER, Role.HANDLER, Role.SUPERVISOR, Role.ADMIN)


def may_see_full_text(appeal: Appeal, user) -> bool:
    """The one rule for an appeal's free text (title, content, place, notes, replies): does `user`
    read it as written, without revealing it? Only the appellant, who wrote it. Every staff role
    reads phone and ID numbers in it masked; the roles that Appeal.may_reveal() see a field in full
    through core.reveal, which is audited."""
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and appeal.appellant_user_id is not None and appeal.appellant_user_id == user.pk)


def shown_text(appeal: Appeal, user, text: str | None) -> str:
    """Free text of `appeal` as `user` may read it now (see may_see_full_text)."""
    return (text or "") if may_see_full_text(appeal, user) else pii.mask_text(text)


# ---------------------------------------------------------------- a lost access code

def reissue_access_code(appeal: Appeal) -> str:
    """A new access code for an appellant who lost theirs (codes are stored hashed, so the old one
    cannot be sent again): the old code stops working. Returns the new code, to be sent to the
    contact on the appeal only (appeals.notifying.send_new_access_code), never shown."""
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        appeal = _lock(appeal)
        appeal.access_code_hash = hash_access_code(code)
        appeal.save(update_fields=["access_code_hash", "updated_at"])
        _event(appeal, "access_code_reissued", None, from_status=appeal.status, public=False,
               note="查询码已重新发送给诉求人")
    return code
