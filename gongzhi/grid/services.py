"""The only code that changes the grid app's rows: each function is one transaction, refuses with
core.errors (ActionRefused, FieldErrors) and changes nothing then; a community task's changes are
declared in lifecycle.TASK_LIFECYCLE and appended to its history."""
from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.appeals import services as appeals
from gongzhi.appeals.models import Appeal
from gongzhi.core import audit, scoping, uploads, validation
from gongzhi.core.deadlines import DeadlinePolicy, sweep
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.events import record_event
from gongzhi.core.geo import valid_coordinates
from gongzhi.core.models import Department, Grid, Region, Role, RoleAssignment, User
from gongzhi.core.recipients import handlers_of, notify

from . import geometry
from .lifecycle import TASK_LIFECYCLE
from .models import (
    Activity, Building, CareCategory, CatalogueItem, CommunityBoundary, CommunityTask, FieldSubmission,
    GridWorkerEvent, HomeVisit, Household, Organisation, Patrol, Resident, VisitPhoto, Volunteer, VolunteerHours,
    community_q, may_register_in,
)

NOTE_MAX = 2000


def _now() -> dt.datetime:
    return timezone.now()


# ---------------------------------------------------------------- grids

def _stored_features():
    return [geometry.Feature(g.code, g.name, g.polygon, g.community.code)
            for g in Grid.objects.select_related("community") if g.polygon]


def check_grids(data, tolerance_m2: float = geometry.DEFAULT_TOLERANCE_M2) -> geometry.Report:
    """The import's report against the region tree, the stored grids and the stored boundaries."""
    known = Region.objects.filter(level=Region.Level.COMMUNITY).values_list("code", flat=True)
    boundaries = {b.community.code: b.polygon for b in CommunityBoundary.objects.select_related("community")}
    return geometry.validate(data, known, existing=_stored_features(), boundaries=boundaries,
                             tolerance_m2=tolerance_m2)


def import_grids(data, *, dry_run: bool = False,
                 tolerance_m2: float = geometry.DEFAULT_TOLERANCE_M2) -> tuple[geometry.Report, int]:
    """Validate, then (unless refused or a dry run) write the grids and boundaries; returns the report
    and how many grids were written. Grids are matched by code: one in the file replaces the stored one."""
    report = check_grids(data, tolerance_m2)
    if report.refused or dry_run:
        return report, 0
    communities = {r.code: r for r in Region.objects.filter(level=Region.Level.COMMUNITY,
                                                             code__in={g.community for g in report.grids}
                                                             | {c.code for c in report.communities})}
    with transaction.atomic():
        for c in report.communities:
            CommunityBoundary.objects.update_or_create(community=communities[c.code], defaults={"polygon": c.ring})
        for g in report.grids:
            grid = Grid.objects.filter(code=g.code).first() or Grid(code=g.code)
            grid.name, grid.community, grid.polygon = g.name, communities[g.community], g.ring
            grid.save()
    return report, len(report.grids)


def manager_q(user) -> Q | None:
    """Grids whose workers `user` assigns: those of the communities (or subdistricts) they staff
    (the grid worker role held in a region, not in one grid), of a supervisor's region, or all for an
    administrator; None when they assign nowhere."""
    if getattr(user, "is_superuser", False):
        return Q()
    parts = [scoping.region_q(user, (Role.SUPERVISOR, Role.ADMIN), "community")]
    for r in scoping.assignments(user, Role.GRID_WORKER):
        if r.region_id and not r.grid_id:
            parts.append(Q(community__path__startswith=r.region.path))
    return scoping.union(*parts)


def may_assign_workers(user) -> bool:
    """Without a query: the roles that manage a community's or subdistrict's grids (manager_q)."""
    return (getattr(user, "is_superuser", False) or scoping.has_role(user, Role.SUPERVISOR, Role.ADMIN)
            or any(r.region_id and not r.grid_id for r in scoping.assignments(user, Role.GRID_WORKER)))


def managed_grids(user):
    q = manager_q(user)
    return Grid.objects.none() if q is None else Grid.objects.filter(q).select_related("community")


def _managed_grid(actor, grid: Grid) -> Grid:
    if not managed_grids(actor).filter(pk=grid.pk).exists():
        raise ActionRefused(_("只有本社区、本街道的工作人员可以分配该网格的网格员"))
    return grid


def worker_candidates(actor):
    """Whom `actor` may assign: active users who hold the grid worker role in one of the grids they
    manage or without a scope yet (an account made for a new grid worker), or who worked in one of
    those grids before (its history)."""
    grids = managed_grids(actor)
    held = RoleAssignment.objects.filter(role=Role.GRID_WORKER).filter(
        Q(grid__in=grids) | Q(grid__isnull=True, region__isnull=True, department__isnull=True))
    past = GridWorkerEvent.objects.filter(grid__in=grids, worker__isnull=False)
    return (User.objects.filter(is_active=True)
            .filter(Q(pk__in=held.values("user_id")) | Q(pk__in=past.values("worker_id")))
            .order_by("username"))


def assign_worker(actor, grid: Grid, user: User, note: str = "") -> RoleAssignment:
    """网格员 for a grid, by the community's or subdistrict's staff (or an administrator): the
    grid worker role held in the grid, an event in the grid's history and an audit entry."""
    _managed_grid(actor, grid)
    if user is None or not worker_candidates(actor).filter(pk=user.pk).exists():
        raise FieldErrors({"worker": _("请选择网格员")})
    note = str(note or "").strip()[:300]
    with transaction.atomic():
        if RoleAssignment.objects.filter(user=user, role=Role.GRID_WORKER, grid=grid).exists():
            raise ActionRefused(_("%(user)s 已是该网格的网格员") % {"user": user})
        ra = RoleAssignment.objects.create(user=user, role=Role.GRID_WORKER, grid=grid)
        record_event(grid, "worker_assigned", actor, note=note, worker=user)
        audit.record(actor, "assign_grid_worker", ra, grid=grid.code, user=user.username)
    scoping.forget_roles(user)
    return ra


def unassign_worker(actor, grid: Grid, user: User, note: str = "") -> None:
    """Takes a grid worker off a grid: from then on they no longer see its residents, households and
    visits, nor the tasks of its community (unless another of their grids is in it)."""
    _managed_grid(actor, grid)
    note = str(note or "").strip()[:300]
    with transaction.atomic():
        deleted, _rows = RoleAssignment.objects.filter(user=user, role=Role.GRID_WORKER, grid=grid).delete()
        if not deleted:
            raise ActionRefused(_("%(user)s 不是该网格的网格员") % {"user": user})
        record_event(grid, "worker_unassigned", actor, note=note, worker=user)
        audit.record(actor, "unassign_grid_worker", grid, grid=grid.code, user=user.username)
    scoping.forget_roles(user)


def worker_grids(user):
    """The grids `user` works in: their own grids, or all grids of the communities they staff."""
    q = None
    for r in scoping.assignments(user, Role.GRID_WORKER):
        part = Q(pk=r.grid_id) if r.grid_id else Q(community__path__startswith=r.region.path) if r.region_id else None
        if part is not None:
            q = part if q is None else q | part
    return Grid.objects.none() if q is None else Grid.objects.filter(q).select_related("community")


def _my_grid(user, grid_id) -> Grid:
    grid = worker_grids(user).filter(pk=grid_id).first() if str(grid_id or "").isdigit() else None
    if grid is None:
        raise FieldErrors({"grid": _("请选择您负责的网格")})
    return grid


def _coordinates(lat, lon) -> tuple[float | None, float | None]:
    if lat in (None, "") and lon in (None, ""):
        return None, None
    if not valid_coordinates(lat, lon):
        raise FieldErrors({"location": _("坐标无效")})
    return float(lat), float(lon)


def _key(key) -> str:
    key = str(key or "").strip()
    if not key or len(key) > 64 or not all(ch.isalnum() or ch in "-_" for ch in key):
        raise FieldErrors({"key": _("缺少有效的提交编号")})
    return key


def _submitted(user, key: str):
    return FieldSubmission.objects.filter(user=user, key=key).first()


# ---------------------------------------------------------------- in the field

def check_in(worker, *, grid_id, lat=None, lon=None, accuracy=None, note: str = "", key: str = "",
             at: dt.datetime | None = None) -> tuple[Patrol, bool]:
    """巡查打卡 with where the worker was (in_grid: inside the grid's polygon). Idempotent by `key`."""
    grid = _my_grid(worker, grid_id)
    lat, lon = _coordinates(lat, lon)
    if key:
        key = _key(key)
        done = _submitted(worker, key)
        if done is not None:
            return Patrol.objects.get(pk=done.object_id), False
    inside = False
    if lat is not None and len(grid.polygon) >= 4:
        from shapely.geometry import Point, Polygon

        inside = Polygon(grid.polygon).covers(Point(lon, lat))
    try:
        with transaction.atomic():
            patrol = Patrol.objects.create(worker=worker, grid=grid, lat=lat, lon=lon, in_grid=inside,
                                           accuracy_m=float(accuracy) if accuracy not in (None, "") else None,
                                           note=str(note or "").strip()[:300], checked_at=at or _now())
            if key:
                FieldSubmission.objects.create(user=worker, key=key, kind=FieldSubmission.Kind.PATROL,
                                               object_id=patrol.pk)
    except IntegrityError:  # the same key, sent twice at once: the other one won
        return Patrol.objects.get(pk=_submitted(worker, key).object_id), False
    return patrol, True


def report_issue(worker, *, key: str, grid_id, title: str, content: str, lat=None, lon=None,
                 location_text: str = "", photos=()) -> tuple[Appeal, bool]:
    """问题上报: the report becomes an appeal with channel "grid" and the worker's grid set.
    Returns (appeal, created); the same key again returns the appeal it made, and makes nothing."""
    key = _key(key)
    grid = _my_grid(worker, grid_id)
    done = _submitted(worker, key)
    if done is not None:
        return Appeal.objects.get(pk=done.object_id), False
    photos = [p for p in photos if p]
    _checked, refused = uploads.check_uploads(photos, "photos")  # by content, size and count, as every upload
    if refused:
        raise FieldErrors(refused)

    def keep(appeal: Appeal) -> None:  # in the appeal's own transaction: both or neither
        if appeal.grid_id != grid.pk:
            Appeal.objects.filter(pk=appeal.pk).update(grid=grid, region=grid.community)
            appeal.grid, appeal.region = grid, grid.community
        FieldSubmission.objects.create(user=worker, key=key, kind=FieldSubmission.Kind.REPORT, object_id=appeal.pk,
                                       label=appeal.tracking_number)

    try:
        appeal, _code = appeals.receive(channel="grid",
                                        title=title, content=content, actor=worker, lat=lat, lon=lon,
                                        location_text=location_text, anonymous=True, attachments=list(photos),
                                        region=grid.community, with_appeal=keep)
    except IntegrityError:
        done = _submitted(worker, key)
        if done is None:
            raise
        return Appeal.objects.get(pk=done.object_id), False
    return appeal, True


def record_visit(worker, *, key: str, household_id, note: str, needs_help: bool = False,
                 visited_at: dt.datetime | None = None, photos=()) -> tuple[HomeVisit, bool]:
    """走访记录 of a household in the worker's grids (others: not found). Idempotent by `key`."""
    key = _key(key)
    household = (Household.objects.restrict(worker).filter(pk=household_id).first()
                 if str(household_id or "").isdigit() else None)
    if household is None:
        raise FieldErrors({"household": _("请选择您网格内的住户")})
    done = _submitted(worker, key)
    if done is not None:
        return HomeVisit.objects.get(pk=done.object_id), False
    note = str(note or "").strip()
    errors = {}
    if not note:
        errors["note"] = _("请填写走访情况")
    elif len(note) > NOTE_MAX:
        errors["note"] = _("走访情况不能超过2000字")
    checked, refused = uploads.check_uploads(list(photos), "photos")
    errors.update(refused)
    at = visited_at or _now()
    if at > _now() + dt.timedelta(minutes=5):
        errors["visited_at"] = _("走访时间不能晚于现在")
    if errors:
        raise FieldErrors(errors)
    try:
        with transaction.atomic():
            visit = HomeVisit.objects.create(household=household, worker=worker, visited_at=at, note=note,
                                             needs_help=bool(needs_help))
            for upload in checked:
                VisitPhoto.objects.create(visit=visit, file=upload.file, content_type=upload.content_type,
                                          size=upload.size)
            if household.last_visited_at is None or household.last_visited_at < at:
                Household.objects.filter(pk=household.pk).update(last_visited_at=at)
            FieldSubmission.objects.create(user=worker, key=key, kind=FieldSubmission.Kind.VISIT, object_id=visit.pk)
    except IntegrityError:
        done = _submitted(worker, key)
        if done is None:
            raise
        return HomeVisit.objects.get(pk=done.object_id), False
    return visit, True


def visits_due(user, now: dt.datetime | None = None) -> list[Household]:
    """The care households in `user`'s grids whose last visit is older than their categories ask
    (the shortest period of their categories), or never visited, unless all their people moved out;
    the longest overdue first."""
    now = now or _now()
    due = []
    people = Resident.objects.filter(household=OuterRef("pk"))
    households = (Household.objects.restrict(user).filter(care_categories__active=True).distinct()
                  # a household whose people have all moved out (迁出) is visited no more
                  .filter(Exists(people.filter(moved_out_on__isnull=True)) | ~Exists(people))
                  .select_related("building__grid").prefetch_related("care_categories"))
    for h in households:
        every = min(c.visit_every_days for c in h.care_categories.all() if c.active)
        if h.last_visited_at is None or h.last_visited_at < now - dt.timedelta(days=every):
            h.visit_every_days = every
            due.append(h)
    return sorted(due, key=lambda h: h.last_visited_at or dt.datetime.min.replace(tzinfo=dt.timezone.utc))


# ---------------------------------------------------------------- residents

def open_resident(user, pk: int, request=None) -> Resident:
    """A person's record, for someone who may see it (else 404); the view itself is audited."""
    resident = scoping.get_visible_or_404(Resident.objects.select_related("household__building__grid"), user, pk=pk)
    audit.record(user, "view_resident", resident, request=request, grid=resident.household.building.grid.code)
    return resident


def export_residents(user, rows_out, request=None) -> int:
    """All residents living here (实有人口: not those moved out, so a re-import does not bring them
    back) to `rows_out` (a callable taking one row), for an administrator only; audited."""
    if not (getattr(user, "is_superuser", False) or scoping.has_role(user, Role.ADMIN)):
        raise ActionRefused(_("只有系统管理员可以导出实有人口"))
    from .residents_io import HEADER

    rows_out(HEADER)
    n = 0
    qs = (Resident.objects.filter(moved_out_on__isnull=True)
          .select_related("household__building__grid").prefetch_related("care_categories")
          .order_by("household__building__grid__code", "household__building__name", "household__room", "id"))
    for r in qs.iterator(chunk_size=500):
        b = r.household.building
        rows_out([b.grid.code, b.name, r.household.room, r.name, r.id_number, r.phone, r.get_gender_display(),
                  r.birth_year or "", r.relation, "、".join(c.name for c in r.care_categories.all()), r.note])
        n += 1
    audit.record(user, "export_residents", None, request=request, count=n)
    return n


# ---------------------------------------------------------------- households and residents, one at a time
# The spreadsheet import's rules (residents_io), for one household or person entered on a page by
# those who see them (Resident.scope_q: the grid's workers, the community's staff); each change is
# one transaction with its audit entry, which names the fields changed, never their values.

def _text(errors: dict, field: str, value, column, *, required: str | None = None) -> str:
    """A text field checked against the model column it goes into (its length, as the import checks)."""
    limit = column.field.max_length
    value = str(value or "").strip()
    if required and not value:
        errors[field] = required
    elif len(value) > limit:
        errors[field] = _("不能超过%(n)s字") % {"n": limit}
    else:
        errors.update(validation.control_character_errors(**{field: value}))
    return value


def _care_categories(errors: dict, codes) -> list[CareCategory]:
    codes = [str(c) for c in codes or () if str(c).strip()]
    found = list(CareCategory.objects.filter(code__in=codes, active=True))
    if len(found) != len(set(codes)):
        errors["care_categories"] = _("请从列表中选择关爱类别")
    return found


def _household_in_scope(actor, household_id) -> Household:
    household = (Household.objects.restrict(actor).select_related("building__grid").filter(pk=household_id).first()
                 if str(household_id or "").isdigit() else None)
    if household is None:
        raise FieldErrors({"household": _("请选择您网格内的住户")})
    return household


def save_household(actor, household: Household | None = None, *, grid_id, building: str, room: str,
                   care_categories=()) -> Household:
    """新增住户 / 修改住户: a household at a building (made as it first appears, as the import does)
    and room of one of the actor's grids, with its care categories (关爱对象); audited."""
    errors = {}
    grid = worker_grids(actor).filter(pk=grid_id).first() if str(grid_id or "").isdigit() else None
    if grid is None:
        errors["grid"] = _("请选择您负责的网格")
    building = _text(errors, "building", building, Building.name, required=_("请填写楼栋"))
    room = _text(errors, "room", room, Household.room, required=_("请填写门牌/房号"))
    categories = _care_categories(errors, care_categories)
    if household is not None and not Household.objects.restrict(actor).filter(pk=household.pk).exists():
        raise ActionRefused(_("只有本网格的网格员和本社区工作人员可以修改住户"))
    if errors:
        raise FieldErrors(errors)
    try:
        with transaction.atomic():
            place, _made = Building.objects.get_or_create(grid=grid, name=building)
            if household is None:
                household = Household.objects.create(building=place, room=room)
                changed = ["building", "room"]
                action = "add_household"
            else:
                changed = [f for f, old, new in (("building", household.building_id, place.pk),
                                                 ("room", household.room, room)) if old != new]
                if changed:
                    Household.objects.filter(pk=household.pk).update(building=place, room=room)
                action = "update_household"
            before = set(household.care_categories.values_list("pk", flat=True))
            if before != {c.pk for c in categories}:
                household.care_categories.set(categories)
                changed.append("care_categories")
            if changed or action == "add_household":
                audit.record(actor, action, household, grid=grid.code, fields=changed,
                             care=sorted(c.code for c in categories))
    except IntegrityError:
        raise FieldErrors({"room": _("该楼栋已登记这个门牌/房号")}) from None
    household.refresh_from_db()
    return household


def save_resident(actor, resident: Resident | None = None, *, household_id, name: str, id_number: str = "",
                  phone: str = "", gender: str = "", birth_year=None, relation: str = "", care_categories=(),
                  note: str = "") -> Resident:
    """新增居民 / 修改居民 in a household the actor sees, checked as the import checks a row (ID number
    with its checksum, once among residents; phone normalised; no control characters). When editing,
    an empty ID or phone keeps the stored one: the form never holds them unless revealed. Audited,
    with the fields changed (never their values)."""
    if resident is not None and not Resident.objects.restrict(actor).filter(pk=resident.pk).exists():
        raise ActionRefused(_("只有本网格的网格员和本社区工作人员可以修改居民信息"))
    errors = {}
    try:
        household = _household_in_scope(actor, household_id)
    except FieldErrors as exc:
        errors.update(exc.errors)
        household = None
    name = _text(errors, "name", name, Resident.name, required=_("请填写姓名"))
    id_number = str(id_number or "").strip().upper()
    if not id_number and resident is not None:
        id_number = resident.id_number
    elif id_number:
        if not validation.valid_id_number(id_number):
            errors["id_number"] = _("身份证号码无效（校验位或出生日期不对）")
        elif Resident.objects.filter(id_number=id_number).exclude(pk=getattr(resident, "pk", None)).exists():
            errors["id_number"] = _("已有居民登记了这个身份证号码")
    phone = validation.normalise_phone(str(phone or "").strip())
    if not phone and resident is not None:
        phone = resident.phone
    elif phone and not validation.valid_phone(phone):
        errors["phone"] = _("电话号码格式不正确")
    if gender not in Resident.Gender.values:
        errors["gender"] = _("请选择性别")
    year = None
    if str(birth_year or "").strip():
        text = str(birth_year).strip()
        if not (text.isdigit() and 1900 <= int(text) <= timezone.localdate().year):
            errors["birth_year"] = _("出生年份应在1900年到今年之间")
        else:
            year = int(text)
    relation = _text(errors, "relation", relation, Resident.relation)
    note = _text(errors, "note", note, Resident.note)
    categories = _care_categories(errors, care_categories)
    if errors:
        raise FieldErrors(errors)
    values = {"household": household, "name": name, "id_number": id_number, "phone": phone, "gender": gender,
              "birth_year": year, "relation": relation, "note": note}
    with transaction.atomic():
        if resident is None:
            resident = Resident.objects.create(**values)
            changed, action = sorted(values), "add_resident"
        else:
            changed = sorted(k for k, v in values.items() if getattr(resident, k) != v)
            if changed:
                Resident.objects.filter(pk=resident.pk).update(**values)
            action = "update_resident"
        if set(resident.care_categories.values_list("pk", flat=True)) != {c.pk for c in categories}:
            resident.care_categories.set(categories)
            changed.append("care_categories")
        if categories:  # the household needs care as its people do (the import does the same)
            household.care_categories.add(*categories)
        if changed or action == "add_resident":
            audit.record(actor, action, resident, grid=household.building.grid.code, fields=changed)
    resident.refresh_from_db()
    return resident


def move_out(actor, resident: Resident, *, on: dt.date | None, reason: str = "") -> Resident:
    """迁出: the person is kept (their visits and history stay) and leaves the active lists; audited."""
    if not Resident.objects.restrict(actor).filter(pk=resident.pk).exists():
        raise ActionRefused(_("只有本网格的网格员和本社区工作人员可以办理迁出"))
    if resident.moved_out_on is not None:
        raise ActionRefused(_("该居民已迁出"))
    errors = {}
    if on is None:
        errors["moved_out_on"] = _("请填写迁出日期")
    elif on > timezone.localdate():
        errors["moved_out_on"] = _("迁出日期不能晚于今天")
    reason = _text(errors, "moved_out_reason", reason, Resident.moved_out_reason)
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        moved = Resident.objects.filter(pk=resident.pk, moved_out_on__isnull=True).update(
            moved_out_on=on, moved_out_reason=reason)
        if not moved:  # recorded by someone else meanwhile: once is enough
            raise ActionRefused(_("该居民已迁出"))
        audit.record(actor, "move_out_resident", resident, grid=resident.household.building.grid.code,
                     on=on.isoformat())
    resident.refresh_from_db()
    return resident


# ---------------------------------------------------------------- organisations and volunteers

def may_register(actor, community: Region) -> bool:
    """Registers the community's organisations, activities, volunteers and hours: its workers and
    staff, or an administrator."""
    return may_register_in(actor, community)


def registering_communities(actor):
    """The communities `actor` registers organisations in (may_register), as a queryset."""
    everything = Region.objects.filter(level=Region.Level.COMMUNITY)
    if getattr(actor, "is_superuser", False) or scoping.has_role(actor, Role.ADMIN):
        return everything
    grids = [r.grid for r in scoping.assignments(actor, Role.GRID_WORKER) if r.grid_id]
    q = Q(pk__in={g.community_id for g in grids}) if grids else None
    for r in scoping.assignments(actor, Role.GRID_WORKER):
        if r.region_id and not r.grid_id:
            q = scoping.union(q, Q(path__startswith=r.region.path))
    return everything.none() if q is None else everything.filter(q)


def _organisation_fields(*, name, kind, field, contact_name, contact_phone, registered_on) -> dict:
    errors = {}
    name = str(name or "").strip()
    if not name:
        errors["name"] = _("请填写组织名称")
    elif len(name) > 100:
        errors["name"] = _("组织名称不能超过100字")
    if kind not in Organisation.Kind.values:
        errors["kind"] = _("未知组织类型")
    phone = validation.normalise_phone(contact_phone or "")
    if phone and not validation.valid_phone(phone):
        errors["contact_phone"] = _("电话号码格式不正确")
    if registered_on is not None and registered_on > timezone.localdate():
        errors["registered_on"] = _("登记日期不能晚于今天")
    if errors:
        raise FieldErrors(errors)
    return {"name": name, "kind": kind, "field": str(field or "").strip()[:100],
            "contact_name": str(contact_name or "").strip()[:64], "contact_phone": phone,
            "registered_on": registered_on}


def register_organisation(actor, *, community_id, name: str, kind: str = Organisation.Kind.SOCIAL,
                          field: str = "", contact_name: str = "", contact_phone: str = "",
                          registered_on: dt.date | None = None) -> Organisation:
    """登记 a community organisation (社会组织 or 群众组织), by the community's workers; audited
    (its contact is personal data)."""
    community = Region.objects.filter(pk=community_id, level=Region.Level.COMMUNITY).first() \
        if str(community_id or "").isdigit() else None
    try:
        values = _organisation_fields(name=name, kind=kind, field=field, contact_name=contact_name,
                                      contact_phone=contact_phone, registered_on=registered_on)
    except FieldErrors as exc:
        if community is None:
            exc.errors["community"] = _("请选择社区")
        raise
    if community is None:
        raise FieldErrors({"community": _("请选择社区")})
    if not may_register(actor, community):
        raise ActionRefused(_("只有本社区的工作人员可以登记"))
    try:
        with transaction.atomic():
            org = Organisation.objects.create(community=community, **values)
            audit.record(actor, "register_organisation", org, community=community.code)
    except IntegrityError:
        raise FieldErrors({"name": _("本社区已登记同名组织")}) from None
    return org


def update_organisation(actor, organisation: Organisation, *, name: str, kind: str, field: str = "",
                        contact_name: str = "", contact_phone: str = "", registered_on: dt.date | None = None,
                        active: bool = True) -> Organisation:
    """Corrects an organisation's entry (or marks it inactive); audited, with the fields changed."""
    if not may_register(actor, organisation.community):
        raise ActionRefused(_("只有本社区的工作人员可以登记"))
    values = _organisation_fields(name=name, kind=kind, field=field, contact_name=contact_name,
                                  contact_phone=contact_phone, registered_on=registered_on)
    values["active"] = bool(active)
    changed = sorted(k for k, v in values.items() if getattr(organisation, k) != v)
    if not changed:
        return organisation
    try:
        with transaction.atomic():
            Organisation.objects.filter(pk=organisation.pk).update(**values)
            audit.record(actor, "update_organisation", organisation, fields=changed)
    except IntegrityError:
        raise FieldErrors({"name": _("本社区已登记同名组织")}) from None
    organisation.refresh_from_db()
    return organisation


def add_activity(actor, organisation: Organisation, *, title: str, held_on: dt.date, place: str = "",
                 participants: int = 0) -> Activity:
    """An organisation's activity (held, or planned up to a year ahead), where volunteers' hours go."""
    if not may_register(actor, organisation.community):
        raise ActionRefused(_("只有本社区的工作人员可以登记"))
    errors = {}
    title = str(title or "").strip()
    if not title:
        errors["title"] = _("请填写活动名称")
    elif len(title) > 200:
        errors["title"] = _("活动名称不能超过200字")
    if held_on is None:
        errors["held_on"] = _("请填写日期")
    elif held_on > timezone.localdate() + dt.timedelta(days=366):
        errors["held_on"] = _("日期不能超过一年以后")
    try:
        participants = int(participants or 0)
    except (TypeError, ValueError):
        participants = -1
    if not 0 <= participants <= 100_000:
        errors["participants"] = _("服务人次应为0到100000之间的整数")
    if errors:
        raise FieldErrors(errors)
    return Activity.objects.create(organisation=organisation, title=title, held_on=held_on,
                                   place=str(place or "").strip()[:200], participants=participants)


def add_volunteer(actor, *, community: Region, name: str, phone: str = "", organisations=(),
                  joined_on: dt.date | None = None) -> Volunteer:
    """A community's volunteer (name and phone are personal data: masked on the pages; audited)."""
    if not may_register(actor, community):
        raise ActionRefused(_("只有本社区的工作人员可以登记"))
    errors = {}
    name = str(name or "").strip()
    if not name:
        errors["name"] = _("请填写姓名")
    elif len(name) > 64:
        errors["name"] = _("姓名不能超过64字")
    phone = validation.normalise_phone(phone or "")
    if phone and not validation.valid_phone(phone):
        errors["phone"] = _("电话号码格式不正确")
    organisations = list(organisations)
    if any(o.community_id != community.pk for o in organisations):
        errors["organisations"] = _("只能选择本社区的组织")
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        v = Volunteer.objects.create(community=community, name=name, phone=phone, joined_on=joined_on)
        v.organisations.set(organisations)
        audit.record(actor, "register_volunteer", v, community=community.code)
    return v


def log_hours(actor, *, activity: Activity, volunteer: Volunteer, hours) -> VolunteerHours:
    """志愿服务时长 of one volunteer at one activity (once; a second entry corrects the first)."""
    if not may_register(actor, activity.organisation.community):
        raise ActionRefused(_("只有本社区的工作人员可以登记"))
    if volunteer is None or volunteer.community_id != activity.organisation.community_id:
        raise FieldErrors({"volunteer": _("请选择本社区的志愿者")})
    if activity.held_on > timezone.localdate():
        raise FieldErrors({"hours": _("活动尚未举行，不能登记服务时长")})
    try:
        hours = Decimal(str(hours).strip()).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise FieldErrors({"hours": _("请填写服务时长")}) from None
    if not hours.is_finite():
        raise FieldErrors({"hours": _("请填写服务时长")})
    if not (Decimal("0") < hours <= Decimal("24")):
        raise FieldErrors({"hours": _("服务时长应在0到24小时之间")})
    with transaction.atomic():
        row, _created = VolunteerHours.objects.update_or_create(
            volunteer=volunteer, activity=activity, defaults={"hours": hours, "logged_by": actor})
    return row


# ---------------------------------------------------------------- the community task catalogue

def _task_number(at: dt.datetime) -> str:
    return f"SQ{timezone.localtime(at):%Y%m%d}{secrets.randbelow(10**5):05d}"


def assign_task(actor, *, department: Department, community_id, item_code: str, title: str,
                detail: str = "", due_at: dt.datetime | None = None, at: dt.datetime | None = None) -> CommunityTask:
    """A department's task to a community: accepted only for an active catalogue item that this
    department may ask for; anything else is refused with the reason (and the attempt audited)."""
    if not (department.pk in scoping.department_ids(actor, Role.HANDLER) or scoping.has_role(actor, Role.ADMIN)):
        raise ActionRefused(_("只有本部门的承办人可以向社区派发任务"))
    community = Region.objects.filter(pk=community_id, level=Region.Level.COMMUNITY).first() \
        if str(community_id or "").isdigit() else None
    errors = {}
    title = str(title or "").strip()
    if community is None:
        errors["community"] = _("请选择社区")
    if not title:
        errors["title"] = _("请填写任务")
    elif len(title) > 200:
        errors["title"] = _("任务不能超过200字")
    if not str(item_code or "").strip():
        errors["item"] = _("请选择清单事项")
    at = at or _now()
    if due_at is not None and due_at <= at:
        errors["due_at"] = _("完成期限应晚于派发时间")
    if errors:
        raise FieldErrors(errors)
    item = CatalogueItem.objects.filter(code=str(item_code).strip()).first()
    reason = None
    if item is None:
        reason = _("“%(item)s”不在社区协助办理事项清单上，社区不承接清单外事项") % {"item": item_code}
    elif not item.active:
        reason = _("事项“%(item)s”已从清单中取消，社区不再承接") % {"item": item.name}
    elif item.departments.exists() and not item.departments.filter(pk=department.pk).exists():
        reason = _("按清单，事项“%(item)s”不由%(department)s派发") % {"item": item.name, "department": department.name}
    if reason:
        audit.record(actor, "community_task_refused", None, department=department.code, community=community.code,
                     item=str(item_code)[:32], reason=reason)
        raise ActionRefused(reason)
    with transaction.atomic():
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    task = CommunityTask.objects.create(
                        number=_task_number(at), item=item, department=department, community=community, title=title,
                        detail=str(detail or "")[:5000], requested_by=actor, requested_at=at, due_at=due_at)
                break
            except IntegrityError:
                continue
        record_event(task, "assigned", actor, to_status=task.status, at=at,
                     note=_("%(department)s派发：%(item)s") % {"department": department.name, "item": item.name})
    notify(community_staff(community), "community_task", _("新的社区协助任务：%(title)s") % {"title": title},
           task_link(task))
    return task


def community_staff(community: Region):
    """The grid workers of a community's grids and its staff."""
    return User.objects.filter(Q(roles__role=Role.GRID_WORKER) & (Q(roles__grid__community=community)
                                                                 | Q(roles__region=community)),
                               is_active=True).distinct()


def task_link(task: CommunityTask) -> str:
    return f"/grid/tasks/{task.pk}/"


def complete_task(actor, task: CommunityTask, *, minutes_spent, result: str = "",
                  at: dt.datetime | None = None) -> CommunityTask:
    """办结: the community's worker records what was done and the time it took (the load)."""
    if not CommunityTask.objects.restrict(actor).filter(pk=task.pk).exists():
        raise ActionRefused(_("只有本社区的工作人员可以办结"))
    try:
        minutes = int(minutes_spent)
    except (TypeError, ValueError):
        raise FieldErrors({"minutes_spent": _("请填写用时（分钟）")}) from None
    if not 0 < minutes <= 60 * 24 * 31:
        raise FieldErrors({"minutes_spent": _("用时应为正的分钟数")})
    at = at or _now()
    return TASK_LIFECYCLE.perform(task, "complete", actor, note=str(result or "")[:2000], at_time=at.isoformat(),
                                  changes={"minutes_spent": minutes, "result": str(result or "")[:5000],
                                           "completed_at": at, "completed_by": actor})


def cancel_task(actor, task: CommunityTask, reason: str) -> CommunityTask:
    if task.department_id not in scoping.department_ids(actor, Role.HANDLER):
        raise ActionRefused(_("只有派发部门可以撤回"))
    reason = str(reason or "").strip()
    if not reason:
        raise FieldErrors({"reason": _("请填写撤回理由")})
    return TASK_LIFECYCLE.perform(task, "cancel", actor, note=reason[:500])


def _task_overdue(task: CommunityTask) -> None:
    record_event(task, "overdue", None, from_status=task.status, note=_("社区任务超期"))
    notify([*community_staff(task.community), *handlers_of(task.department_id)], "overdue",
           _("社区任务超期：%(title)s") % {"title": task.title}, task_link(task))


DEADLINES = DeadlinePolicy(
    open_cases=lambda: CommunityTask.objects.filter(status=CommunityTask.Status.ASSIGNED, due_at__isnull=False),
    due_soon_hours=24, on_overdue=_task_overdue)


def sweep_deadlines(now: dt.datetime | None = None) -> dict[str, int]:
    return sweep(DEADLINES, now)
