"""The demo city's grid and community part, made through the grid app's services: each community's
outline imported with `services.import_grids` (so the import's own check shows that the grids cover
their communities without overlap or gap), buildings, households and residents with care households
and their home visits, organisations with volunteers and their hours, the task catalogue
(社区协助办理事项清单) and three months of departments' tasks to the communities, one refused
because it is not on the catalogue."""
from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone
from shapely.geometry import Polygon
from shapely.ops import unary_union

from gongzhi.core.errors import ActionRefused
from gongzhi.core.models import Department, Grid, Region, User
from gongzhi.grid import services
from gongzhi.grid.models import (
    Building, CareCategory, CatalogueItem, CommunityTask, Household, Resident,
)

from .people import id_number, person_name, phone

BUILDING_NAMES = ["金桂苑", "翠柳里", "阳光公寓", "景湖小区", "康乐新村", "和睦家园", "枫林苑", "紫荆小区", "云栖里",
                  "春江花园", "嘉禾苑", "馨苑", "东湖新村", "怡和里", "百合公寓", "松涛苑"]
ORGANISATIONS = [  # name, kind, field
    ("夕阳红志愿服务队", "social", "为老服务"), ("邻里互助会", "social", "邻里互助"), ("阳光助残服务社", "social", "助残"),
    ("社区妇女之家", "mass", "妇女儿童"), ("社区老年协会", "mass", "老年人"), ("青少年成长驿站", "social", "青少年"),
]
ACTIVITIES = ["独居老人上门探访", "社区环境清洁日", "义诊进社区", "防诈骗宣传", "暑期儿童托管", "助残便民服务"]
CATALOGUE = [  # code, name, basis, department codes ("" = any)
    ("SQ-01", "协助开展人口普查及抽样调查", "《全国人口普查条例》", "FGJ"),
    ("SQ-02", "协助开展城乡居民医疗保险参保登记", "社会保险法", "RSJ"),
    ("SQ-03", "协助开展困难群众救助对象初审", "《社会救助暂行办法》", "MZJ"),
    ("SQ-04", "协助开展独居老人、残疾人等关爱走访", "区社区协助办理事项清单（2025年版）", "MZJ"),
    ("SQ-05", "协助开展征兵宣传和适龄青年登记", "兵役法", ""),
    ("SQ-06", "协助开展防汛防台安全宣传和转移", "防洪法", "YJJ"),
    ("SQ-07", "协助开展爱国卫生运动和病媒生物防制", "《爱国卫生工作条例》", "WJW"),
    ("SQ-08", "协助开展垃圾分类宣传指导", "区生活垃圾管理条例", "CGJ"),
    ("SQ-09", "协助开展食品安全宣传", "食品安全法", "SCJ"),
    ("SQ-10", "协助开展适龄儿童入学信息核对", "义务教育法", "JYJ"),
]
TASK_TITLES = {
    "SQ-02": "核对本社区未参保居民名单", "SQ-03": "低保家庭年度复核入户", "SQ-04": "本月独居老人关爱走访汇总",
    "SQ-06": "汛前危旧房屋排查及转移预案", "SQ-07": "小区病媒生物防制消杀通知", "SQ-08": "垃圾分类督导员排班",
    "SQ-09": "节前食品安全宣传进小区", "SQ-10": "秋季入学适龄儿童信息核对", "SQ-05": "征兵宣传入户",
    "SQ-01": "人口抽样调查协助摸底",
}


def _outline(grids) -> list:
    """A community's outline: the union of its demo grids (which the demo drew to tile it)."""
    shape = unary_union([Polygon(g.polygon) for g in grids]).simplify(0)
    return [[round(x, 6), round(y, 6)] for x, y in shape.exterior.coords]


def build_demo_grid(now: dt.datetime | None = None, seed: int = 16, out=print) -> dict:
    rng = random.Random(seed)
    now = now or timezone.now()
    communities = list(Region.objects.filter(level=Region.Level.COMMUNITY).order_by("code"))
    features = [{"type": "Feature", "properties": {"code": c.code, "name": c.name},
                 "geometry": {"type": "Polygon", "coordinates": [_outline(c.grids.all())]}}
                for c in communities if c.grids.exists()]
    report, _written = services.import_grids({"type": "FeatureCollection", "features": features})
    if report.refused or report.gaps:
        raise RuntimeError("the demo's grids do not tile their communities: " + "; ".join(report.lines()[1:4]))

    categories = {c.code: c for c in CareCategory.objects.all()}
    workers = {}
    for g in Grid.objects.select_related("community"):
        ra = g.workers.filter(role="grid_worker").select_related("user").first()
        if ra:
            workers[g.pk] = ra.user
    residents = households = care = 0
    for grid in Grid.objects.order_by("code"):
        for b in range(2):
            building = Building.objects.create(grid=grid, name=f"{rng.choice(BUILDING_NAMES)}{rng.randint(1, 12)}幢",
                                               address=f"{grid.community.name}{rng.randint(1, 99)}号")
            for floor in range(1, 4):
                for door in (1, 2):
                    h = Household.objects.create(building=building, room=f"{floor}0{door}室")
                    households += 1
                    size = rng.choice((1, 2, 2, 3, 3, 4))
                    cats = []
                    roll = rng.random()
                    if roll < 0.10:
                        cats, size = [categories["elderly_alone"]], 1
                    elif roll < 0.15:
                        cats = [categories["disabled"]]
                    elif roll < 0.19:
                        cats = [categories["left_behind_child"]]
                    elif roll < 0.23:
                        cats = [categories["hardship"]]
                    elif roll < 0.25:
                        cats = [categories["key_care"], categories["hardship"]]
                    for i in range(size):
                        person = id_number(rng)
                        r = Resident.objects.create(
                            household=h, name=person_name(rng), id_number=person, phone=phone(rng) if i < 2 else "",
                            gender="m" if int(person[16]) % 2 else "f", birth_year=int(person[6:10]),
                            relation="户主" if i == 0 else rng.choice(("配偶", "子女", "父母", "其他")))
                        residents += 1
                        if cats and i == 0:
                            r.care_categories.set(cats)
                    if cats:
                        h.care_categories.set(cats)
                        care += 1
                        worker = workers.get(grid.pk)
                        if worker and rng.random() < 0.7:  # the rest are due: the worker's list shows them
                            visited = now - dt.timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 8))
                            services.record_visit(worker, key=f"demo-visit-{h.pk}", household_id=h.pk,
                                                  note=rng.choice(("老人身体状况良好，已提醒按时服药。",
                                                                   "家中无异常，留下联系电话，有事随时找网格员。",
                                                                   "反映楼道灯坏了，已上报物业。")),
                                                  needs_help=rng.random() < 0.2, visited_at=visited)

    staff = User.objects.get(username="community")
    orgs = volunteers = 0
    for c_index, community in enumerate(communities):
        any_worker = next((workers[g.pk] for g in community.grids.all() if g.pk in workers), None)
        actor = staff if c_index == 0 else any_worker
        if actor is None:
            continue
        crew = [services.add_volunteer(actor, community=community, name=person_name(rng), phone=phone(rng),
                                       joined_on=(now - dt.timedelta(days=rng.randint(60, 900))).date())
                for _ in range(8)]
        volunteers += len(crew)
        for name, kind, field in rng.sample(ORGANISATIONS, 3):
            org = services.register_organisation(actor, community_id=community.pk, name=name, kind=kind, field=field,
                                                 contact_name=person_name(rng), contact_phone=phone(rng),
                                                 registered_on=(now - dt.timedelta(days=rng.randint(200, 2000))).date())
            orgs += 1
            members = rng.sample(crew, 4)
            for v in members:
                v.organisations.add(org)
            for k in range(3):
                activity = services.add_activity(actor, org, title=rng.choice(ACTIVITIES),
                                                 held_on=(now - dt.timedelta(days=rng.randint(1, 150))).date(),
                                                 place=f"{community.name}党群服务中心", participants=rng.randint(10, 60))
                for v in members[:rng.randint(2, 4)]:
                    services.log_hours(actor, activity=activity, volunteer=v, hours=rng.choice((1, 1.5, 2, 3, 4)))

    departments = {d.code: d for d in Department.objects.all()}
    for code, name, basis, dept in CATALOGUE:
        item = CatalogueItem.objects.create(code=code, name=name, basis=basis,
                                            approved_on=dt.date(now.year - 1, 12, 20))
        if dept:
            item.departments.add(departments[dept])
    handlers = {}
    for code, d in departments.items():
        u = User.objects.filter(roles__role="handler", roles__department=d).first()
        if u:
            handlers[code] = u
    tasks = refused = 0
    for k in range(60):
        code, name, basis, dept = rng.choice(CATALOGUE)
        dept = dept or rng.choice(("MZJ", "RSJ", "WJW"))
        # The first community carries most: one department pushes work down there (the load shows it).
        community = communities[0] if rng.random() < 0.35 else rng.choice(communities)
        at = now - dt.timedelta(days=rng.randint(0, 88), hours=rng.randint(0, 8))
        task = services.assign_task(handlers[dept], department=departments[dept], community_id=community.pk,
                                    item_code=code, title=TASK_TITLES[code], detail=basis,
                                    due_at=at + dt.timedelta(days=rng.choice((3, 5, 7, 10))), at=at)
        tasks += 1
        done_at = at + dt.timedelta(days=rng.randint(1, 6))
        if done_at < now - dt.timedelta(hours=4) and rng.random() < 0.8:
            worker = staff if community == communities[0] else next(
                (workers[g.pk] for g in community.grids.all() if g.pk in workers), None)
            if worker is not None:
                services.complete_task(worker, task, minutes_spent=rng.choice((30, 45, 60, 90, 120, 180, 240)),
                                       result="已按要求完成并报送。", at=done_at)
    try:  # 清单外事项: refused with the reason, the attempt in the audit log
        services.assign_task(handlers["CGJ"], department=departments["CGJ"], community_id=communities[0].pk,
                             item_code="LS-99", title="请社区代为收取占道经营罚款", at=now)
    except ActionRefused:
        refused += 1
    services.sweep_deadlines(now)
    summary = {"boundaries": len(report.communities), "households": households, "care_households": care,
               "residents": residents, "organisations": orgs, "volunteers": volunteers, "tasks": tasks,
               "open_tasks": CommunityTask.objects.filter(status="assigned").count(), "refused": refused}
    out(f"  网格与社区：{summary}")
    return summary

