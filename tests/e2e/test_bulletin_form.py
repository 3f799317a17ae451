"""The bulletin page in Chromium, in zh-Hans (issue 13, defect 8): the prefilled date is one the
browser's date field accepts, so 生成通报 generates the bulletin; and a form the browser will not
send says why beside the field."""
from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def analyst(org):
    from gongzhi.core.models import Role, RoleAssignment, User
    from gongzhi.safety import services

    services.ensure_default_types()  # transactional tests flush the taxonomy the migration seeded
    user = User.objects.create_user(username="analyst", password=org.password, display_name="研判员")
    RoleAssignment.objects.create(user=user, role=Role.ANALYST, region=org.district)
    return user


def test_generating_a_bulletin_from_the_prefilled_date_works(page, login, shot, analyst):
    from gongzhi.safety.bulletin import yesterday
    from gongzhi.safety.models import Bulletin

    login("analyst")
    page.goto("/safety/bulletins/")
    day = yesterday().isoformat()
    # The browser keeps a value it can read; one it rejects ("2026/12/01") would read as "".
    assert page.input_value("input[name=day]") == day
    page.click("button:has-text('生成通报')")
    page.wait_for_url(re.compile(rf"/safety/bulletins/{day}/$"))
    assert Bulletin.objects.filter(day=yesterday()).exists()
    shot(page, "safety-bulletin-generated")


def test_a_form_the_browser_will_not_send_says_why(page, login, shot, analyst):
    login("analyst")
    page.goto("/safety/bulletins/")
    page.fill("input[name=day]", "")
    page.click("button:has-text('生成通报')")
    note = page.locator("input[name=day] + .field-error")
    note.wait_for(state="visible")
    assert note.inner_text().strip()
    assert page.url.endswith("/safety/bulletins/")
    shot(page, "safety-bulletin-empty-date")
