"""/api/v1 operations of the grid app (the grids themselves are the organisation's GET /grids): a grid worker's report (it becomes an appeal with
channel "grid"; the Idempotency-Key is the report's key, the same one the phone pages' offline queue
uses, so a report sent by either arrives once), and the community tasks with their catalogue (a task
off the catalogue is a 409 with the reason). A thin skin over gongzhi.grid.services; residents have
no API (need-to-know: their pages only, every view audited)."""
from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from django.http import Http404
from django.utils.translation import gettext_lazy
from ninja import Field, Header, Query, Router, Schema
from ninja import Status as Answer

from gongzhi.core import scoping
from gongzhi.core.errors import FieldErrors
from gongzhi.core.models import Department, Role
from gongzhi.grid import services
from gongzhi.grid.models import CatalogueItem, CommunityTask
from gongzhi.grid.photos import MAX_PHOTOS, from_data_urls

from .request_types import PK, Count, Id, In, Omittable, WhenBody, text
from .v1 import _aware, _errors, _user, idempotent

router = Router(tags=["grid"])
MAX_PHOTO_CHARS = 14 * 1024 * 1024  # a data URL of a photo at the attachment limit (10 MB) in base64


class GridPhotoIn(In):
    name: text(100) = ""
    data: text(MAX_PHOTO_CHARS, 1, short=gettext_lazy("照片格式不正确")) = Field(
        description="the photo as a data URL: data:image/jpeg;base64,… (JPEG, PNG or GIF; checked by its content)")


class GridReportIn(In):
    grid: PK = Field(description="one of the caller's grids")
    title: text(200, 1, short=gettext_lazy("请填写标题"))
    content: text(10000, 1, short=gettext_lazy("请填写诉求内容"))
    location_text: text(300) = ""
    lat: Optional[float] = Field(None, ge=-90, le=90)
    lon: Optional[float] = Field(None, ge=-180, le=180)
    photos: list[GridPhotoIn] = Field(default_factory=list, max_length=MAX_PHOTOS,
                                      description=f"at most {MAX_PHOTOS}, each within the attachment size limit")


class GridReportOut(Schema):
    appeal_id: int
    tracking_number: str
    created: bool = Field(description="false when this Idempotency-Key had made the appeal already")


@router.post("/grid/reports", response={201: GridReportOut, 200: GridReportOut, **_errors(400, 404)},
             summary="A grid worker reports an issue (it becomes an appeal with channel grid)",
             description="`Idempotency-Key` is required: it is the report's key, and the same key again "
                         "answers 200 with the appeal it made (and stores no photo again). Photos are "
                         "checked like every upload: by their content, size and count (400 names `photos`).")
def create_report(request, payload: GridReportIn,
                  idempotency_key: text(64, 1, short=gettext_lazy("缺少有效的提交编号")) = Header(..., alias="Idempotency-Key")):
    user = _user(request)
    if not scoping.has_role(user, Role.GRID_WORKER):
        raise Http404("not found")
    photos = from_data_urls([p.model_dump() for p in payload.photos])
    appeal, created = services.report_issue(
        user, key=idempotency_key, grid_id=payload.grid, title=payload.title, content=payload.content,
        location_text=payload.location_text, lat=payload.lat, lon=payload.lon, photos=photos)
    return Answer(201 if created else 200, {"appeal_id": appeal.pk, "tracking_number": appeal.tracking_number,
                                            "created": created})


class CatalogueItemOut(Schema):
    code: str
    name: str
    basis: str
    departments: list[str] = Field(description="codes of the departments that may ask for it (empty: any)")


@router.get("/community-task-catalogue", response={200: list[CatalogueItemOut], **_errors()},
            summary="The community task catalogue (社区协助办理事项清单)")
def catalogue(request):
    _user(request)
    items = CatalogueItem.objects.filter(active=True).prefetch_related("departments")
    return Answer(200, [{"code": i.code, "name": i.name, "basis": i.basis,
                         "departments": [d.code for d in i.departments.all()]} for i in items])


class CommunityTaskOut(Schema):
    id: int
    number: str
    item: str = Field(description="catalogue item code")
    department: str = Field(description="department code")
    community_id: int
    title: str
    detail: str
    status: str
    requested_at: dt.datetime
    due_at: Optional[dt.datetime]
    due_state: str
    completed_at: Optional[dt.datetime]
    minutes_spent: int


def task_out(t: CommunityTask) -> dict:
    return {"id": t.pk, "number": t.number, "item": t.item.code, "department": t.department.code,
            "community_id": t.community_id, "title": t.title, "detail": t.detail, "status": t.status,
            "requested_at": t.requested_at, "due_at": t.due_at, "due_state": t.due_state,
            "completed_at": t.completed_at, "minutes_spent": t.minutes_spent}


class CommunityTaskIn(In):
    department: text(32, 1, short=gettext_lazy("请选择派发部门")) = Field(description="the giving department's code (the caller is its handler)")
    community: PK = Field(description="community id")
    item: text(32, 1, short=gettext_lazy("请选择清单事项")) = Field(description="catalogue item code; anything else is refused (409) with the reason")
    title: text(200, 1, short=gettext_lazy("请填写任务"))
    detail: text(5000) = ""
    due_at: Optional[WhenBody] = None


class CommunityTaskFilters(Schema):
    status: Omittable[Literal[tuple(CommunityTask.Status.values)]] = None
    community: Omittable[PK] = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=100_000)


def _task(request, task_id: int) -> CommunityTask:
    try:
        return CommunityTask.objects.restrict(_user(request)).select_related("item", "department").get(pk=task_id)
    except CommunityTask.DoesNotExist:
        raise Http404("task not found") from None


@router.get("/community-tasks", response={200: list[CommunityTaskOut], **_errors()}, summary="Community tasks in your scope")
def list_tasks(request, filters: Query[CommunityTaskFilters]):
    qs = CommunityTask.objects.restrict(_user(request)).select_related("item", "department")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.community:
        qs = qs.filter(community_id=filters.community)
    return Answer(200, [task_out(t) for t in qs[filters.offset: filters.offset + filters.limit]])


@router.post("/community-tasks", response={201: CommunityTaskOut, **_errors(400, 409)},
             summary="A department gives a community a task (only for an item on the catalogue)")
def create_task(request, payload: CommunityTaskIn,
                idempotency_key: Omittable[text(255)] = Header(None, alias="Idempotency-Key")):
    user, data = _user(request), payload.model_dump()

    def create():
        department = Department.objects.filter(code=data["department"]).first()
        if department is None:
            raise FieldErrors({"department": "unknown department code"})
        due = _aware(data["due_at"]) if data["due_at"] else None
        task = services.assign_task(user, department=department, community_id=data["community"],
                                    item_code=data["item"], title=data["title"], detail=data["detail"], due_at=due)
        return task_out(CommunityTask.objects.select_related("item", "department").get(pk=task.pk))

    return idempotent(request, idempotency_key, data, create, CommunityTaskOut)


class CompleteIn(In):
    minutes_spent: Count = Field(ge=1, le=60 * 24 * 31)
    result: text(5000) = ""


@router.post("/community-tasks/{task_id}/complete", response={200: CommunityTaskOut, **_errors(400, 404, 409)},
             summary="The community finishes a task, with the time it took")
def complete_task(request, task_id: Id, payload: CompleteIn):
    task = services.complete_task(_user(request), _task(request, task_id), minutes_spent=payload.minutes_spent,
                                  result=payload.result)
    return Answer(200, task_out(_task(request, task.pk)))
