"""The demo city's organisation: one invented district, its regions, grids, departments and accounts.

Everything is the project's own invention (names, places); nothing is copied from real data. Only
core models are written here; the appeals' category tree is the appeals part's (demo/appeals.py).
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from shapely.geometry import Polygon

from gongzhi.core.models import CalendarOverride, Department, Grid, Region, Role, RoleAssignment, User

from .people import person_name, phone

# Region codes in the 6 + 3 + 3 + 3 scheme: district 339901 (invented: no real prefecture has 3399),
# subdistricts 339901001…, communities 339901001001…, grids 339901001001001….
DISTRICT_CODE = "339901"
DEMO_PASSWORD = "Gongzhi#demo2026"
# Two-factor sign-in (core.twofactor): every demo account that needs it shares one authenticator key,
# as they share the password; `gongzhi demo` prints it, and `gongzhi twofactor code NAME` shows the
# current code on a development install.
DEMO_TOTP_KEY = "67e9a1c54bd27f3088be16a04dc5e2f19b7306ac"  # 20 bytes, hex (django-otp's form)

# ------------------------------------------------------------------ geography
# A 0.12° x 0.06° rectangle east of 120.10E, north of 30.24N: three subdistricts side by side,
# each three communities stacked south to north, each community cut into 3-4 grids.
ORIGIN_LON, ORIGIN_LAT = 120.100, 30.240
SUB_WIDTH, COMMUNITY_HEIGHT = 0.040, 0.020

SUBDISTRICTS = [
    ("清河街道", ["柳岸社区", "桂苑社区", "石桥社区"], ["清河大道", "柳岸路", "桂苑街", "石桥路", "杏林路"]),
    ("望湖街道", ["湖滨社区", "青枫社区", "文澜社区"], ["望湖路", "湖滨大道", "青枫路", "文澜街", "紫荆路"]),
    ("新港街道", ["港湾社区", "锦绣社区", "春晖社区"], ["新港大道", "港湾路", "锦绣路", "春晖街", "滨河路"]),
]
GRIDS_PER_COMMUNITY = [3, 3, 4, 3, 4, 3, 3, 4, 3]  # 30 grids
COMPOUND_HEADS = ["金桂", "翠柳", "阳光", "景湖", "康乐", "和睦", "枫林", "紫荆", "望江", "云栖", "锦园", "春江",
                  "丽水", "嘉禾", "馨苑", "绿城", "东湖", "新月", "怡和", "长庚", "百合", "松涛", "晨曦", "青竹",
                  "碧水", "安居", "幸福", "芳草", "朝晖", "星河"]
COMPOUND_TAILS = ["花园", "小区", "家园", "新村", "公寓", "苑"]

# ------------------------------------------------------------------ organisation
# (code, name, kind, where) — where: "district" or the subdistrict index.
DEPARTMENTS = [
    ("ZJJ", "区住房和城乡建设局", "bureau", "district"),
    ("HBJ", "区生态环境分局", "bureau", "district"),
    ("CGJ", "区城市管理局", "bureau", "district"),
    ("JTJ", "区交通运输局", "bureau", "district"),
    ("JYJ", "区教育局", "bureau", "district"),
    ("WJW", "区卫生健康委员会", "bureau", "district"),
    ("RSJ", "区人力资源和社会保障局", "bureau", "district"),
    ("SCJ", "区市场监督管理局", "bureau", "district"),
    ("MZJ", "区民政局", "bureau", "district"),
    ("NYJ", "区农业农村局", "bureau", "district"),
    ("GHJ", "区自然资源和规划分局", "bureau", "district"),
    ("WLJ", "区文化和旅游体育局", "bureau", "district"),
    ("YJJ", "区应急管理局", "bureau", "district"),
    ("SJJ", "区数据资源管理局", "bureau", "district"),
    ("FGJ", "区发展和改革局", "bureau", "district"),
    ("JW", "区纪委监委", "office", "district"),
    ("ZFB", "区政府办公室", "office", "district"),
    ("GAJ", "共治示范区公安分局", "police", "district"),
    ("PCS1", "清河派出所", "police", 0),
    ("PCS2", "望湖派出所", "police", 1),
    ("PCS3", "新港派出所", "police", 2),
    ("JD1", "清河街道办事处", "subdistrict", 0),
    ("JD2", "望湖街道办事处", "subdistrict", 1),
    ("JD3", "新港街道办事处", "subdistrict", 2),
    ("SW", "区水务集团", "company", "district"),
    ("GD", "区供电公司", "company", "district"),
    ("RQ", "区燃气公司", "company", "district"),
]

# The departments' handlers, one name each (in order; the list repeats past its end).
HANDLER_NAMES = ("王海涛", "李秀英", "张伟", "刘芳", "陈刚", "杨丽", "黄磊", "赵敏", "周强", "吴霞", "徐斌", "孙娜",
                 "马俊", "朱琳", "胡军", "郭静", "何平", "高燕", "林峰", "罗红", "梁超", "宋洁", "郑浩", "谢婷",
                 "韩冰", "唐亮", "冯雪")

PRINTED_ACCOUNTS = [
    ("admin", "系统管理员（超级用户，可进入 /admin/）"),
    ("operator", "受理员：电话受理、回访"),
    ("dispatcher", "派单员：分类派单、并单"),
    ("handler_zjj", "承办人：区住房和城乡建设局（其他部门为 handler_<部门代码>，如 handler_cgj）"),
    ("supervisor", "督办员：全区超期督办、延期审批"),
    ("supervisor_qh", "督办员：仅清河街道"),
    ("leader", "领导：全区总览"),
    ("gridworker", "网格员：柳岸社区第一网格（其他网格为 gw_<网格编码>）"),
    ("community", "社区工作人员：柳岸社区（本社区所有网格的居民、走访和社区任务）"),
    ("mediator", "调解员"),
    ("petition", "信访工作人员"),
    ("analyst", "治安研判员"),
    ("informant", "信息员管理员"),
    ("emergency", "应急办"),
    ("citizen", "群众：可查看本人提交的诉求"),
]


# ------------------------------------------------------------------ building it

@dataclass
class City:
    """What the later parts need to know of the organisation just written."""

    district: object = None
    subdistricts: list = field(default_factory=list)
    communities: list = field(default_factory=list)      # Region
    grids: list = field(default_factory=list)             # Grid
    grid_info: dict = field(default_factory=dict)         # grid.pk -> dict(sub, community, compounds, roads, shape)
    departments: dict = field(default_factory=dict)       # code -> Department
    handlers: dict = field(default_factory=dict)          # department pk -> User
    grid_workers: dict = field(default_factory=dict)      # grid.pk -> User
    users: dict = field(default_factory=dict)             # username -> User
    # filled by the appeals part (demo/appeals.py: build_categories)
    leaves: list = field(default_factory=list)            # (Category, department code, child spec)
    leaf_weights: list = field(default_factory=list)


def _grid_polygons(rng: random.Random, west: float, south: float, width: float, height: float, n: int):
    """Cut a community rectangle into n slices with slanted inner borders: they tile it exactly."""
    cuts_bottom = [west] + [west + width * (i + rng.uniform(-0.18, 0.18)) / n for i in range(1, n)] + [west + width]
    cuts_top = [west] + [west + width * (i + rng.uniform(-0.18, 0.18)) / n for i in range(1, n)] + [west + width]
    north = south + height
    polys = []
    for i in range(n):
        ring = [[cuts_bottom[i], south], [cuts_bottom[i + 1], south], [cuts_top[i + 1], north], [cuts_top[i], north]]
        ring = [[round(x, 6), round(y, 6)] for x, y in ring]
        polys.append(ring + [ring[0]])
    return polys


def build_organisation(rng: random.Random, out=print) -> City:
    """Regions, grids, departments and accounts (one password hash for all); returns the City."""
    city = City()
    city.district = Region.objects.create(name="共治示范区", code=DISTRICT_CODE, level=Region.Level.DISTRICT)
    compounds = iter(rng.sample([h + t for h in COMPOUND_HEADS for t in COMPOUND_TAILS], 60))
    grid_counts = iter(GRIDS_PER_COMMUNITY)
    for s, (sub_name, community_names, roads) in enumerate(SUBDISTRICTS):
        sub = Region.objects.create(name=sub_name, code=f"{DISTRICT_CODE}{s + 1:03d}", level=Region.Level.SUBDISTRICT,
                                    parent=city.district)
        city.subdistricts.append(sub)
        for c, community_name in enumerate(community_names):
            community = Region.objects.create(name=community_name, code=f"{sub.code}{c + 1:03d}",
                                              level=Region.Level.COMMUNITY, parent=sub)
            city.communities.append(community)
            west, south = ORIGIN_LON + s * SUB_WIDTH, ORIGIN_LAT + c * COMMUNITY_HEIGHT
            n = next(grid_counts)
            for g, ring in enumerate(_grid_polygons(rng, west, south, SUB_WIDTH, COMMUNITY_HEIGHT, n)):
                grid = Grid.objects.create(name=f"{community_name}第{'一二三四五'[g]}网格", code=f"{community.code}{g + 1:03d}",
                                           community=community, polygon=ring)
                city.grids.append(grid)
                city.grid_info[grid.pk] = {
                    "sub": s, "community": community, "roads": roads,
                    "compounds": [next(compounds), next(compounds)], "shape": Polygon(ring),
                }

    for code, name, kind, where in DEPARTMENTS:
        region = city.district if where == "district" else city.subdistricts[where]
        city.departments[code] = Department.objects.create(
            name=name, code=code, kind=kind, region=region, phone=f"0571-8{rng.randrange(10**6, 10**7)}")

    # One password hash for every demo account: Argon2 is slow on purpose, the demo need not be.
    hashed = make_password(DEMO_PASSWORD)
    created_users = []

    def user(username: str, display: str, *roles, superuser: bool = False):
        u = User(username=username, display_name=display, password=hashed, is_staff=superuser,
                 is_superuser=superuser, phone=phone(rng))
        created_users.append((u, roles))
        city.users[username] = u
        return u

    district = city.district
    # Display names are people's names (data); the page header adds the role titles, which are
    # interface words and shown in the reader's language.
    user("admin", "刘洋", (Role.ADMIN, {"region": district}), superuser=True)
    user("operator", "周敏", (Role.OPERATOR, {"region": district}))
    user("dispatcher", "陈立", (Role.DISPATCHER, {"region": district}))
    user("supervisor", "赵宁", (Role.SUPERVISOR, {"region": district}))
    user("supervisor_qh", "孙蕾", (Role.SUPERVISOR, {"region": city.subdistricts[0]}))
    user("leader", "吴建国", (Role.LEADER, {"region": district}))
    user("mediator", "郑玉兰", (Role.MEDIATOR, {"region": district}))
    user("petition", "钱红梅", (Role.PETITION_OFFICER, {"region": district}))
    user("analyst", "冯涛", (Role.ANALYST, {"region": district}))
    user("informant", "何静", (Role.INFORMANT_HANDLER, {"region": district}))
    user("emergency", "彭刚", (Role.EMERGENCY, {"region": district}))
    user("citizen", "林晓雨", (Role.CITIZEN, {}))
    # The community's staff (社区工作者): the grid worker role held in the community, all its grids.
    user("community", "黄秀兰", (Role.GRID_WORKER, {"region": city.communities[0]}))
    for i, (code, dept) in enumerate(city.departments.items()):
        city.handlers[dept.pk] = user(f"handler_{code.lower()}", HANDLER_NAMES[i % len(HANDLER_NAMES)],
                                      (Role.HANDLER, {"department": dept}))
    for i, grid in enumerate(city.grids):
        name = "gridworker" if i == 0 else f"gw_{grid.code.lower()}"
        city.grid_workers[grid.pk] = user(name, person_name(rng), (Role.GRID_WORKER, {"grid": grid}))
    User.objects.bulk_create([u for u, _ in created_users])
    if any(u.pk is None for u, _ in created_users):  # a backend that does not return ids from bulk inserts
        ids = dict(User.objects.values_list("username", "pk"))
        for u, _ in created_users:
            u.pk, u._state.adding = ids[u.username], False
    for u, roles in created_users:
        for role, scope in roles:
            RoleAssignment.objects.create(user=u, role=role, **scope)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from gongzhi.core import twofactor

    TOTPDevice.objects.bulk_create([TOTPDevice(user=u, name="authenticator", confirmed=True, key=DEMO_TOTP_KEY)
                                    for u, _roles in created_users if twofactor.required_for(u)])

    # An example override for a year the holiday package does not know yet.
    CalendarOverride.objects.get_or_create(date=dt.date(2027, 1, 1), defaults={"is_workday": False, "note": "元旦（示例，待国务院公布后核对）"})
    return city
