"""`gongzhi demo`: builds once, prints the accounts, leaves a populated database alone unless --reset."""
import io

import pytest
from django.core.management import CommandError, call_command

from gongzhi.appeals.models import Appeal
from gongzhi.core.models import Region
from gongzhi.demo.organisation import DEMO_PASSWORD, DISTRICT_CODE


def run(**options):
    out = io.StringIO()
    options.setdefault("no_derived", True)
    call_command("demo", stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_builds_the_city_and_prints_the_accounts_and_password():
    output = run(appeals=25, seed=3, no_derived=False)
    assert Appeal.objects.count() == 25 and Region.objects.filter(code=DISTRICT_CODE).exists()
    assert DEMO_PASSWORD in output
    for username in ("operator", "dispatcher", "handler_zjj", "supervisor", "leader", "gridworker", "mediator",
                     "analyst", "admin"):
        assert username in output
    assert "演示城市已生成" in output
    # Other apps' derived data (KPI facts) is rebuilt from the new appeals.
    from gongzhi.evaluation.models import AppealFact

    assert "考核指标：已生成" in output and AppealFact.objects.exists()


@pytest.mark.django_db
def test_running_it_again_changes_nothing_without_reset():
    run(appeals=10, seed=3)
    ids = set(Appeal.objects.values_list("pk", flat=True))
    output = run(appeals=30)
    assert "已有数据" in output and "--reset" in output
    assert set(Appeal.objects.values_list("pk", flat=True)) == ids


@pytest.mark.django_db
def test_a_database_with_real_appeals_is_left_alone(make_appeal):
    make_appeal()
    assert "已有数据" in run(appeals=10)
    assert Appeal.objects.count() == 1 and not Region.objects.filter(code=DISTRICT_CODE).exists()


@pytest.mark.django_db(transaction=True)  # flush truncates tables: PostgreSQL wants that outside a transaction
def test_reset_rebuilds_from_scratch():
    run(appeals=10, seed=3)
    run(appeals=12, seed=4, reset=True)
    assert Appeal.objects.count() == 12 and Region.objects.filter(code=DISTRICT_CODE).count() == 1


@pytest.mark.django_db
def test_reset_is_refused_in_production_mode(settings):
    run(appeals=5, seed=3)
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        run(appeals=5, reset=True)
    assert Appeal.objects.count() == 5


@pytest.mark.django_db
def test_a_nonsensical_count_is_a_one_line_error():
    with pytest.raises(CommandError, match="--appeals"):
        run(appeals=-1)


@pytest.mark.django_db
def test_an_existing_organisation_is_left_alone(org):
    output = run(appeals=10)
    assert "已有数据" in output
    assert not Region.objects.filter(code=DISTRICT_CODE).exists() and not Appeal.objects.exists()
