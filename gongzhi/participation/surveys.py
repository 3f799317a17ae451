"""Surveys and polls (问卷): questions of the usual kinds (single, multiple, scale, text), answered
anonymously (no identity kept) or verified (one answer sheet per verified person, a database
constraint), until the closing date; results per question and a .xlsx export."""
from __future__ import annotations

import io

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit, publication, spreadsheet
from gongzhi.core.errors import ActionRefused, FieldErrors

from .consultations import may_manage as _may_manage_department
from .models import Question, Survey, SurveyAnswer, SurveyResponse
from .verification import Voter

Q_ = Question.Kind
TEXT_MAX = 1000


def link(survey: Survey) -> str:
    return f"/participation/surveys/{survey.pk}/"


def may_manage(user, survey: Survey) -> bool:
    return _may_manage_department(user, department_id=survey.department_id)


def _scale_max(q: dict) -> int | None:
    try:
        n = int(q.get("scale_max") or 5)
    except (TypeError, ValueError):
        return None
    return n if 2 <= n <= 10 else None


def _checked(*, title, closes_at, questions, mode, at) -> list[dict]:
    """The questions as the services keep them, or FieldErrors naming each wrong field."""
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("请填写标题")
    elif len(title.strip()) > 200:
        errors["title"] = _("标题不能超过200字")
    if mode not in Survey.Mode.values:
        errors["mode"] = _("答卷方式无效")
    if closes_at is None or closes_at <= at:
        errors["closes_at"] = _("截止时间须晚于现在")
    if not questions:
        errors["questions"] = _("至少要有一道题")
    rows = []
    for i, q in enumerate(questions or []):
        if q.get("kind") not in Q_.values:
            errors[f"questions[{i}].kind"] = _("题型无效")
        if not (q.get("text") or "").strip():
            errors[f"questions[{i}].text"] = _("请填写题目")
        options = [str(o).strip() for o in q.get("options") or [] if str(o).strip()]
        if q.get("kind") in (Q_.SINGLE, Q_.MULTIPLE) and len(options) < 2:
            errors[f"questions[{i}].options"] = _("选择题至少要有两个选项")
        scale = _scale_max(q) if q.get("kind") == Q_.SCALE else 5
        if scale is None:
            errors[f"questions[{i}].scale_max"] = _("评分须在 2 到 10 分之间")
        rows.append({"kind": q.get("kind"), "text": (q.get("text") or "").strip()[:300],
                     "options": options if q.get("kind") in (Q_.SINGLE, Q_.MULTIPLE) else [],
                     "scale_max": scale or 5, "required": bool(q.get("required", True))})
    if errors:
        raise FieldErrors(errors)
    return rows


def _questions(survey: Survey, rows: list[dict]) -> None:
    Question.objects.bulk_create(Question(survey=survey, order=i, **q) for i, q in enumerate(rows))


def _require(actor, department) -> None:
    if not _may_manage_department(actor, department_id=department.pk if department else None):
        raise ActionRefused(_("您无权发起问卷"))


def create(actor, *, title: str, closes_at, questions: list[dict], mode: str = Survey.Mode.VERIFIED,
           description: str = "", department=None, publish: bool = True, at=None) -> Survey:
    at = at or timezone.now()
    rows = _checked(title=title, closes_at=closes_at, questions=questions, mode=mode, at=at)
    _require(actor, department)
    with transaction.atomic():
        survey = Survey.objects.create(title=title.strip()[:200], description=(description or "").strip(), mode=mode,
                                       closes_at=closes_at, department=department, created_by=actor, created_at=at,
                                       status=Survey.Status.OPEN if publish else Survey.Status.DRAFT)
        _questions(survey, rows)
        audit.record(actor, "survey.publish" if publish else "survey.draft", survey)
    return survey


def update_draft(actor, survey: Survey, *, title: str, closes_at, questions: list[dict], mode: str,
                 description: str = "", department=None, at=None) -> Survey:
    """Rewrites a survey not yet published (its questions replaced: nobody has answered them)."""
    at = at or timezone.now()
    if not may_manage(actor, survey):
        raise ActionRefused(_("您无权管理本问卷"))
    rows = _checked(title=title, closes_at=closes_at, questions=questions, mode=mode, at=at)
    _require(actor, department)
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.status != Survey.Status.DRAFT:
            raise ActionRefused(_("已发布的问卷不能再修改题目"))
        locked.title, locked.description, locked.mode = title.strip()[:200], (description or "").strip(), mode
        locked.closes_at, locked.department = closes_at, department
        locked.save()
        locked.questions.all().delete()
        _questions(locked, rows)
        audit.record(actor, "survey.edit", locked)
    return locked


def publish(actor, survey: Survey, at=None) -> Survey:
    """A draft opens for answers until its closing time (which must still be ahead)."""
    if not may_manage(actor, survey):
        raise ActionRefused(_("您无权管理本问卷"))
    at = at or timezone.now()
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.status != Survey.Status.DRAFT:
            raise ActionRefused(_("问卷已发布"))
        if locked.closes_at <= at:
            raise FieldErrors({"closes_at": _("截止时间须晚于现在")})
        if not locked.questions.exists():
            raise FieldErrors({"questions": _("至少要有一道题")})
        locked.status = Survey.Status.OPEN
        locked.save(update_fields=["status"])
        audit.record(actor, "survey.publish", locked)
    return locked


def close(actor, survey: Survey, at=None) -> Survey:
    """Ends an open survey before its date (its answers stay; the results remain public)."""
    if not may_manage(actor, survey):
        raise ActionRefused(_("您无权管理本问卷"))
    at = at or timezone.now()
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.status != Survey.Status.OPEN:
            raise ActionRefused(_("问卷不在进行中"))
        locked.status = Survey.Status.CLOSED
        locked.closes_at = min(locked.closes_at, at)
        locked.save(update_fields=["status", "closes_at"])
        audit.record(actor, "survey.close", locked)
    return locked


def _clean(question: Question, value) -> tuple[list, str] | None:
    """(choices, text) of one answer, or None when unanswered; FieldErrors when wrong."""
    field = f"q{question.pk}"
    empty = value in (None, "", []) or (isinstance(value, list) and not any(str(v).strip() for v in value))
    if empty:
        if question.required:
            raise FieldErrors({field: _("此题必答")})
        return None
    try:
        if question.kind == Q_.TEXT:
            text = str(value).strip()
            if len(text) > TEXT_MAX:
                raise FieldErrors({field: _("回答不能超过 %(n)s 个字") % {"n": TEXT_MAX}})
            return [], text
        values = value if isinstance(value, list) else [value]
        numbers = sorted({int(v) for v in values})
    except (TypeError, ValueError):
        raise FieldErrors({field: _("回答无效")}) from None
    if question.kind == Q_.SINGLE and len(numbers) != 1:
        raise FieldErrors({field: _("请只选一项")})
    if question.kind == Q_.SCALE:
        if len(numbers) != 1 or not 1 <= numbers[0] <= question.scale_max:
            raise FieldErrors({field: _("请在 1 到 %(n)s 分之间评分") % {"n": question.scale_max}})
    elif any(not 0 <= n < len(question.options) for n in numbers):
        raise FieldErrors({field: _("没有这个选项")})
    return numbers, ""


def answer(survey: Survey, voter: Voter, values: dict, at=None) -> SurveyResponse:
    """One answer sheet: `values` maps a question's id (or "q<id>") to its answer (an option index,
    a list of them, a score, or text)."""
    at = at or timezone.now()
    if survey.status != Survey.Status.OPEN or survey.closes_at <= at:
        raise ActionRefused(_("问卷已结束"))
    verified = survey.mode == Survey.Mode.VERIFIED
    if verified and not voter.verified:
        raise FieldErrors({"voter": _("本问卷须登录或验证手机号码后填写")})
    given = {str(k).removeprefix("q"): v for k, v in (values or {}).items()}
    questions = list(survey.questions.all())
    known = {str(q.pk) for q in questions}
    if set(given) - known:
        raise FieldErrors({"answers": _("有不属于本问卷的题目")})
    rows, errors = [], {}
    for q in questions:
        try:
            cleaned = _clean(q, given.get(str(q.pk)))
        except FieldErrors as e:
            errors.update(e.errors)
            continue
        if cleaned is not None:
            rows.append((q, *cleaned))
    if errors:
        raise FieldErrors(errors)
    try:
        with transaction.atomic():
            locked = Survey.objects.select_for_update().get(pk=survey.pk)
            key = voter.key if verified else ""
            if key and SurveyResponse.objects.filter(survey=locked, voter_key=key).exists():
                raise ActionRefused(_("您已经填写过本问卷"))
            response = SurveyResponse.objects.create(survey=locked, voter_key=key, created_at=at)
            SurveyAnswer.objects.bulk_create(SurveyAnswer(response=response, question=q, choices=c, text=t)
                                             for q, c, t in rows)
            Survey.objects.filter(pk=locked.pk).update(response_count=F("response_count") + 1)
    except IntegrityError:
        raise ActionRefused(_("您已经填写过本问卷")) from None
    return response


def results(survey: Survey) -> list[dict]:
    """Per question: the counts of each option (or score), or the texts (as the public may read them)."""
    out = []
    answers = SurveyAnswer.objects.filter(response__survey=survey)
    for q in survey.questions.all():
        mine = [a for a in answers if a.question_id == q.pk]
        item = {"id": q.pk, "kind": q.kind, "text": q.text, "answered": len(mine)}
        if q.kind == Q_.TEXT:
            item["texts"] = [publication.public_text(a.text) for a in mine if a.text][:200]
        else:
            labels = q.options if q.kind != Q_.SCALE else [str(i) for i in range(1, q.scale_max + 1)]
            counts = [0] * len(labels)
            for a in mine:
                for c in a.choices:
                    index = c - 1 if q.kind == Q_.SCALE else c
                    if 0 <= index < len(counts):
                        counts[index] += 1
            item["labels"], item["counts"] = labels, counts
            if q.kind == Q_.SCALE and mine:
                item["mean"] = round(sum(a.choices[0] for a in mine if a.choices) / len(mine), 2)
        out.append(item)
    return out


def export_xlsx(survey: Survey) -> bytes:
    """A sheet of results and a sheet of the answer sheets (one row each, no identity)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("统计"))
    sheet.append(spreadsheet.xlsx_row(sheet, [_("题目"), _("选项"), _("人数")]))
    for item in results(survey):
        if item["kind"] == Q_.TEXT:
            sheet.append(spreadsheet.xlsx_row(sheet, [item["text"], _("文字回答"), item["answered"]]))
        for label, count in zip(item.get("labels", []), item.get("counts", [])):
            sheet.append(spreadsheet.xlsx_row(sheet, [item["text"], label, count]))
    sheets = book.create_sheet(_("答卷"))
    questions = list(survey.questions.all())
    sheets.append(spreadsheet.xlsx_row(sheets, [_("答卷"), _("时间"), *[q.text for q in questions]]))
    for n, response in enumerate(survey.responses.prefetch_related("answers").order_by("created_at", "id"), 1):
        by_q = {a.question_id: a for a in response.answers.all()}
        cells = []
        for q in questions:
            a = by_q.get(q.pk)
            if a is None:
                cells.append("")
            elif q.kind == Q_.TEXT:
                cells.append(publication.public_text(a.text))
            elif q.kind == Q_.SCALE:
                cells.append(a.choices[0] if a.choices else "")
            else:
                cells.append("；".join(q.options[c] for c in a.choices if 0 <= c < len(q.options)))
        sheets.append(spreadsheet.xlsx_row(sheets, [n, timezone.localtime(response.created_at).strftime("%Y-%m-%d %H:%M"), *cells]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def close_due(now=None) -> int:
    now = now or timezone.now()
    return Survey.objects.filter(status=Survey.Status.OPEN, closes_at__lte=now).update(status=Survey.Status.CLOSED)
