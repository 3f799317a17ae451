"""Shared fixtures: a small organisation with one person in every role, and the real data folder."""
from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GONGZHI_SHARED_DIR", REPO.parent / "shared"))
ARTIFACTS = Path(os.environ.get("GONGZHI_TEST_ARTIFACTS", REPO / "test-artifacts"))


# No personal data in the logs of the run (tests/logcheck.py): every log line the configured
# handlers write is kept, and the run fails when one holds a phone or ID number.
def pytest_configure(config):
    from tests import liveserver, logcheck

    logcheck.start(config)
    liveserver.install()  # the live server takes one request at a time on SQLite's in-memory database


def pytest_sessionfinish(session, exitstatus):
    from tests import logcheck

    logcheck.finish(session)


@pytest.fixture(autouse=True)
def _logs_kept():
    from tests import logcheck

    logcheck.tee_configured_handlers()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public data beside the repository (../shared/data)."""
    path = SHARED / "data"
    assert path.is_dir(), f"real data folder missing: {path} (set GONGZHI_SHARED_DIR)"
    return path


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests create many users (production keeps argon2, tested apart)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _second_factor_on_test_logins(monkeypatch):
    """The test client's login()/force_login() stand for a whole sign-in: for a user who needs two-factor
    sign-in (core.twofactor) that includes a verified authenticator, made for them here. The sign-in
    page and the two-factor page themselves are tested through real requests (tests/core/test_two_factor.py)."""
    from django.test.client import ClientMixin

    original = ClientMixin._login

    def _login(self, user, backend=None):
        original(self, user, backend)
        verify_second_factor(self, user)

    monkeypatch.setattr(ClientMixin, "_login", _login)


def verify_second_factor(client, user):
    """Mark the test client's session as past the second factor (a confirmed device for `user`)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from gongzhi.core import twofactor

    if twofactor.required_for(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = twofactor.seed_device(user).persistent_id
        session.save()


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    from gongzhi.core import workdays
    from gongzhi.triage.services import INDEXES

    cache.clear()
    INDEXES.reset()  # the in-process triage indexes must not remember another test's appeals
    workdays.forget_overrides()  # nor the calendar another test's overrides (rolled back without a signal)
    yield


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """A request in English (a test's English client) leaves its language active in this thread;
    the next test starts in the installation's language again, whatever order the tests run in."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


def postgres_only(why: str):
    """Skip a test on SQLite, saying why what it checks needs PostgreSQL."""
    from django.db import connection

    return pytest.mark.skipif(connection.vendor != "postgresql", reason=why)


def square(lon: float, lat: float, size: float = 0.01) -> list[list[float]]:
    return [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]


def build_org():
    """Two subdistricts with a community each, two grids, three departments, every role."""
    from gongzhi.appeals.models import Category
    from gongzhi.core.models import Department, Grid, Region, Role, RoleAssignment, User

    from gongzhi.safety.services import ensure_default_types

    # The data migration's incident types are gone after a transactional test flushed the tables
    # on the same test worker; put them back so no test depends on the order it runs in.
    ensure_default_types()
    district = Region.objects.create(name="示范区", code="D1", level=Region.Level.DISTRICT)
    east = Region.objects.create(name="东城街道", code="D1S1", level=Region.Level.SUBDISTRICT, parent=district)
    west = Region.objects.create(name="西城街道", code="D1S2", level=Region.Level.SUBDISTRICT, parent=district)
    east_c = Region.objects.create(name="东湖社区", code="D1S1C1", level=Region.Level.COMMUNITY, parent=east)
    west_c = Region.objects.create(name="西山社区", code="D1S2C1", level=Region.Level.COMMUNITY, parent=west)
    east_g = Grid.objects.create(name="东湖第一网格", code="G1", community=east_c, polygon=square(116.40, 39.90))
    west_g = Grid.objects.create(name="西山第一网格", code="G2", community=west_c, polygon=square(116.30, 39.90))
    housing = Department.objects.create(name="区住建局", code="ZJJ", region=district)
    env = Department.objects.create(name="区生态环境局", code="HBJ", region=district)
    water = Department.objects.create(name="区水务公司", code="SW", region=district, kind=Department.Kind.COMPANY)
    root = Category.objects.create(name="城乡建设", code="CXJS", default_department=housing)
    property_mgmt = Category.objects.create(name="物业管理", code="CXJS-WY", parent=root, default_department=housing,
                                            ack_hours=24, handle_days=10)
    noise = Category.objects.create(name="噪声污染", code="HB-ZS", default_department=env, handle_days=5)

    def person(username: str, role: str, **scope) -> User:
        user = User.objects.create_user(username=username, password="Passw0rd!x", display_name=username)
        RoleAssignment.objects.create(user=user, role=role, **scope)
        return user

    org = SimpleNamespace(
        district=district, east=east, west=west, east_c=east_c, west_c=west_c, east_g=east_g, west_g=west_g,
        housing=housing, env=env, water=water, cat_root=root, cat_property=property_mgmt, cat_noise=noise,
        operator=person("operator", Role.OPERATOR, region=district),
        dispatcher=person("dispatcher", Role.DISPATCHER, region=district),
        handler_housing=person("handler_zjj", Role.HANDLER, department=housing),
        handler_env=person("handler_hbj", Role.HANDLER, department=env),
        supervisor=person("supervisor", Role.SUPERVISOR, region=district),
        east_supervisor=person("east_supervisor", Role.SUPERVISOR, region=east),
        leader=person("leader", Role.LEADER, region=district),
        grid_worker=person("gridworker", Role.GRID_WORKER, grid=east_g),
        mediator=person("mediator", Role.MEDIATOR, region=district),
        citizen=person("citizen", Role.CITIZEN),
        admin=person("admin", Role.ADMIN, region=district),
    )
    org.password = "Passw0rd!x"
    return org


@pytest.fixture
def org(db):
    return build_org()


@pytest.fixture
def make_appeal(org):
    """Receive an appeal through the service, as a citizen on the web would."""
    from gongzhi.appeals import services

    def make(**overrides):
        data = dict(channel="web", title="小区电梯长期故障无人维修", content="东湖社区3栋电梯坏了两个月，物业不修，老人上下楼困难。",
                    category=org.cat_property, appellant_name="张三", appellant_phone="13812345678",
                    lat=39.905, lon=116.405, location_text="东湖社区3栋", run_hooks=False)
        data.update(overrides)
        appeal, code = services.receive(**data)
        appeal.access_code = code
        return appeal

    return make


@pytest.fixture
def published_at_once(settings):
    """No publication delay: an unreviewed appeal is public as soon as it came in (for the tests of
    what the public outputs show of an appeal; tests/api/test_publication.py tests the delay itself)."""
    settings.GONGZHI = {**settings.GONGZHI, "PUBLICATION_DELAY_DAYS": 0}
