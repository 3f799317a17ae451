"""Category and department suggestions for an appeal, and automatic dispatch of the sure ones.

The classifier (pure, classifier.py) gives label probabilities; here they meet the category tree,
the routing feedback of earlier assignments (routing.py) and the appeal's own returns (退单)."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from gongzhi.appeals import services as appeal_services
from gongzhi.appeals.models import Appeal, Assignment, Category, Status
from gongzhi.core.models import Department

FEEDBACK_DAYS = 365


def routing_feedback() -> dict:
    """What departments did with the lead assignments of each category over the last year:
    {category id: {department id: (accepted, returned)}} (acknowledged or finished = accepted)."""
    since = timezone.now() - dt.timedelta(days=FEEDBACK_DAYS)
    accepted = (Assignment.State.ACKNOWLEDGED, Assignment.State.DONE)
    rows = (Assignment.objects.filter(role=Assignment.Role.LEAD, dispatched_at__gte=since,
                                      appeal__category__isnull=False,
                                      state__in=accepted + (Assignment.State.RETURNED,))
            .values_list("appeal__category_id", "department_id", "state").annotate(n=Count("id")).order_by())
    feedback: dict = {}
    for category, department, state, n in rows:
        was = feedback.setdefault(category, {}).get(department, (0, 0))
        feedback[category][department] = ((was[0] + n, was[1]) if state in accepted else (was[0], was[1] + n))
    return feedback


def returned_by(appeal: Appeal) -> set[int]:
    """Departments that returned this appeal (退单): never suggested or dispatched to again for it."""
    if not appeal.pk or not appeal.return_count:
        return set()
    return set(appeal.assignments.filter(state=Assignment.State.RETURNED).values_list("department_id", flat=True))


def suggestions_for(appeal: Appeal) -> list[dict]:
    """Up to three (category, department) suggestions, the one to route on first.

    The first is the most specific category the model is sure of: the second level when its
    probability reached the threshold for the target precision (settings AUTO_DISPATCH_PRECISION,
    read from the model's held-out precision curve), otherwise the first level; ``sure`` says whether
    it reached its threshold (only then may it be dispatched automatically). Departments come from
    the category and the routing feedback (triage.routing), never one that returned this appeal."""
    from .classifier import root_of
    from .routing import rank_departments

    from .services import INDEXES

    model = INDEXES.model()
    if model is None:
        return []
    prediction = model.predict([f"{appeal.title}\n{appeal.content}"])[0]
    target = float(settings.GONGZHI.get("AUTO_DISPATCH_PRECISION", 0.97))
    leaf_threshold, root_threshold = model.threshold(target, "leaf"), model.threshold(target, "root")
    leaf_sure = leaf_threshold is not None and prediction.confidence >= leaf_threshold
    root_label, root_prob = prediction.root or (root_of(prediction.label), prediction.confidence)
    if leaf_sure or root_label == prediction.label:
        first = (prediction.label, prediction.confidence, "leaf", leaf_threshold)
    else:
        first = (root_label, root_prob, "root", root_threshold)
    candidates = [first] + [(label, prob, "leaf", leaf_threshold) for label, prob in prediction.top3
                            if label != first[0]]
    categories, feedback, excluded = INDEXES.categories(), INDEXES.routing(), returned_by(appeal)
    out, seen = [], set()
    for label, prob, level, threshold in candidates:
        cat = categories.get(label) or categories.get(root_of(label))
        ranked = rank_departments(cat.default_department_id, feedback.get(cat.pk), excluded) if cat else []
        department = ranked[0][0] if ranked else None
        if (cat and cat.pk, department) in seen:
            continue
        seen.add((cat and cat.pk, department))
        default = cat.default_department if cat and cat.default_department_id == department else None
        out.append({
            "label": label, "confidence": round(float(prob), 4), "level": level,
            "threshold": threshold, "sure": bool(threshold is not None and prob >= threshold),
            "category": cat.pk if cat else None, "department": department,
            "department_name": default.name if default else _department_name(department),
        })
        if len(out) == 3:
            break
    if out:
        out[0]["key_terms"] = list(prediction.key_terms)[:8]
    return out


def _department_name(pk: int | None) -> str:
    if pk is None:
        return ""
    return Department.objects.filter(pk=pk).values_list("name", flat=True).first() or ""


def refresh_suggestions(appeal: Appeal) -> None:
    """After a return (退单): the appeal's suggestions again, without the departments that returned it."""
    appeal = Appeal.objects.get(pk=appeal.pk)
    if appeal.status == Status.RECEIVED:
        appeal_services.record_triage(appeal, {"suggestions": suggestions_for(appeal)})


def maybe_auto_dispatch(appeal: Appeal, suggestions: list[dict]) -> None:
    """Dispatch without a dispatcher only the first suggestion, and only when it is sure (its
    probability reached the model's threshold for the target precision) and reaches its category's
    own threshold too (an administrator may ask more of a category). Runs in intake's triage
    transaction after record_triage, which locked the row and read it into `appeal`: the dispatch
    neither reads it again nor changes another instance."""
    if not suggestions or appeal.status != Status.RECEIVED or appeal.triage.get("duplicates"):
        return
    best = suggestions[0]
    if not best["category"] or not best["department"] or not best.get("sure"):
        return
    if best["department"] in returned_by(appeal):
        return
    from .services import INDEXES

    # the category the suggestion came from, as this process read it (at most MODEL_CHECK_SECONDS old)
    category = INDEXES.categories().get(best["label"])
    if category is None or category.pk != best["category"]:
        category = Category.objects.select_related("default_department").get(pk=best["category"])
    if best["confidence"] < category.auto_dispatch_threshold:
        return
    department = (category.default_department if category.default_department_id == best["department"]
                  else Department.objects.get(pk=best["department"]))
    appeal_services.dispatch(appeal, None, department, category=appeal.category or category,
                             instructions=f"智能分类“{best['label']}”置信度{best['confidence']:.0%}，自动派单",
                             automatic=True, row_locked=True)
