"""Fixtures of the grid app: the care categories, a household with residents in the east grid, the
east community's staff member, and a territory coded 6 + 3 + 3 + 3 for the grid import."""
from __future__ import annotations

import pytest

from gongzhi.core.models import Region, Role, RoleAssignment, User
from gongzhi.grid.models import Building, CareCategory, CatalogueItem, Household, Resident
from gongzhi.grid.seeds import CARE_CATEGORIES

ID_NUMBER = "110101198001011232"


def person(username: str, role: str, **scope) -> User:
    user = User.objects.create_user(username=username, password="Passw0rd!x", display_name=username)
    RoleAssignment.objects.create(user=user, role=role, **scope)
    return user


@pytest.fixture
def care(db):
    """The seeded categories (a transactional test before may have flushed them)."""
    for order, (code, (name, every)) in enumerate(CARE_CATEGORIES.items()):
        CareCategory.objects.get_or_create(code=code, defaults={"name": name, "visit_every_days": every, "order": order})
    return {c.code: c for c in CareCategory.objects.all()}


@pytest.fixture
def east_staff(org):
    """社区工作人员 of the east community: the grid worker role held in the community."""
    return person("east_staff", Role.GRID_WORKER, region=org.east_c)


@pytest.fixture
def west_worker(org):
    return person("west_worker", Role.GRID_WORKER, grid=org.west_g)


@pytest.fixture
def household(org, care):
    building = Building.objects.create(grid=org.east_g, name="3幢")
    h = Household.objects.create(building=building, room="201室")
    h.care_categories.add(care["elderly_alone"])
    r = Resident.objects.create(household=h, name="王建国", id_number=ID_NUMBER, phone="13911112222",
                                birth_year=1948, relation="户主")
    r.care_categories.add(care["elderly_alone"])
    h.resident = r
    return h


@pytest.fixture
def catalogue(org):
    census = CatalogueItem.objects.create(code="SQ-01", name="协助开展人口抽样调查")
    welfare = CatalogueItem.objects.create(code="SQ-03", name="协助开展困难群众救助对象初审")
    welfare.departments.add(org.env)
    return {"census": census, "welfare": welfare}


def square(lon, lat, w, h):
    return [[lon, lat], [lon + w, lat], [lon + w, lat + h], [lon, lat + h], [lon, lat]]


@pytest.fixture
def territory(db):
    """A district coded 339901 with one subdistrict and two communities (no grids yet)."""
    district = Region.objects.create(name="共治示范区", code="339901", level=Region.Level.DISTRICT)
    sub = Region.objects.create(name="清河街道", code="339901001", level=Region.Level.SUBDISTRICT, parent=district)
    a = Region.objects.create(name="柳岸社区", code="339901001001", level=Region.Level.COMMUNITY, parent=sub)
    b = Region.objects.create(name="桂苑社区", code="339901001002", level=Region.Level.COMMUNITY, parent=sub)
    return {"district": district, "sub": sub, "a": a, "b": b}
