"""Menus never lead anyone to a page they may not open (issue 13, defect 9).

Every role's menus (the top bar and each section's own menu) are walked link by link, and every
link answers 200; and every declared page opens exactly for those its menu entry is shown to.
"""
from __future__ import annotations

import re

import pytest
from django.test import Client

from gongzhi.core import nav
from gongzhi.core.models import Role, RoleAssignment, User

MENU = re.compile(r'<nav class="(?:mainnav|filters evaluation-nav|safety-nav noprint)"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"[^>]*>([^<]*)</a>')


def people(org) -> dict[str, User | None]:
    """One person per role of the platform, a superuser and somebody not signed in."""
    extra = {}
    for role in (Role.ANALYST, Role.INFORMANT_HANDLER, Role.EMERGENCY):
        user = User.objects.create_user(username=role, password=org.password)
        RoleAssignment.objects.create(user=user, role=role, region=org.district)
        extra[role] = user
    root = User.objects.create_superuser(username="root", password=org.password)
    return {"anonymous": None, "operator": org.operator, "dispatcher": org.dispatcher,
            "handler": org.handler_housing, "supervisor": org.supervisor, "east_supervisor": org.east_supervisor,
            "leader": org.leader, "grid_worker": org.grid_worker, "mediator": org.mediator, "citizen": org.citizen,
            "admin": org.admin, **extra, "superuser": root}


def signed_in(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def menu_links(html: str) -> dict[str, str]:
    return {url: label.strip() for block in MENU.findall(html) for url, label in LINK.findall(block)}


def walk_menus(client: Client, start: str) -> dict[str, int]:
    """Open `start`, then every link of every menu on every page reached from a menu: url -> status."""
    seen: dict[str, int] = {}
    todo = [start]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        response = client.get(url, follow=True)
        seen[url] = response.status_code
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            todo.extend(u for u in menu_links(response.content.decode()) if u not in seen)
    return seen


@pytest.mark.django_db
def test_every_link_in_every_roles_menus_opens(org):
    for role, user in people(org).items():
        client = signed_in(user)
        start = "/staff/" if user is not None and nav.staff_member(user) else "/"
        statuses = walk_menus(client, start)
        refused = {url: status for url, status in statuses.items() if status != 200}
        assert not refused, f"{role} is shown links that do not open: {refused}"
        assert len(statuses) > 2, f"{role} has a menu"


@pytest.mark.django_db
def test_the_operator_is_not_shown_the_leaders_pages(org):
    client = signed_in(org.operator)
    labels = set()
    for url in ("/staff/", "/evaluation/follow-up/"):
        labels |= set(menu_links(client.get(url).content.decode()).values())
    assert {"电话受理", "回访"} <= labels
    assert not labels & {"领导驾驶舱", "考评排名", "部门看板", "考评剔除", "督办看板"}, labels


def test_every_declared_page_has_its_url():
    for page in nav.declared():
        assert page.url().startswith("/"), page.url_name


@pytest.mark.django_db
def test_each_menu_page_opens_exactly_for_whom_its_entry_is_shown(org):
    everyone = people(org)
    for page in nav.declared():
        for role, user in everyone.items():
            response = signed_in(user).get(page.url(), follow=True)
            opened = response.status_code == 200 and not response.redirect_chain
            if page.url_name == "evaluation:my_department":  # it forwards to the reader's own department
                chain = response.redirect_chain
                opened = response.status_code == 200 and bool(chain) and chain[-1][0].startswith("/evaluation/department/")
            assert opened == page.permits(user), (page.url_name, role, response.status_code, response.redirect_chain)
