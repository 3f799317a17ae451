"""The desk locates a typed place in the demo city's territory: its roads, compounds, communities and
grids (gongzhi.demo builds them), or a coordinate pair; picking a place sets where the appeal is."""
import random

import pytest
from django.urls import reverse

from gongzhi.appeals.models import Appeal
from gongzhi.demo.knowledge import build_gazetteer
from gongzhi.demo.organisation import build_organisation
from gongzhi.triage import desk
from gongzhi.triage.gazetteer import Entry, Gazetteer, parse_coordinates
from gongzhi.triage.models import PlaceName

from .helpers import signed_in


@pytest.fixture
def city(db):
    city = build_organisation(random.Random(7), out=lambda *a: None)
    build_gazetteer(city)
    desk.forget_gazetteer()
    return city


def _names(found):
    return [f["name"] for f in found]


def test_a_road_of_the_demo_is_found_with_its_subdistrict(city):
    found = desk.locate("柳岸路123号")
    assert found[0]["name"] == "柳岸路" and found[0]["kind"] == "road"
    assert found[0]["context"] == "清河街道" and found[0]["region"] == city.subdistricts[0].pk
    assert "柳岸社区" in _names(found), "the community of the same name is offered too, after the road"


def test_a_compound_in_the_demo_sets_its_grid_and_a_point_inside_it(city):
    grid = city.grids[4]
    compound = city.grid_info[grid.pk]["compounds"][0]
    found = desk.locate(f"{compound}5幢2单元")
    best = found[0]
    assert best["name"] == compound and best["kind"] == "compound" and best["grid"] == grid.pk
    assert best["region"] == grid.community_id
    from gongzhi.core.geo import find_grid

    assert find_grid(best["lat"], best["lon"]) == grid, "the point picked lies in the compound's grid"


def test_a_community_named_without_its_ending_and_a_grid_by_name(city):
    assert desk.locate("桂苑那边")[0]["name"] == "桂苑社区"
    assert desk.locate("湖滨社区第二网格")[0]["name"] == "湖滨社区第二网格"


def test_suggestions_appear_while_a_name_is_half_typed(city):
    assert "文澜街" in _names(desk.locate("文澜"))
    assert desk.locate("清") == [], "one character says nothing yet"


def test_coordinates_are_located_in_their_grid(city):
    grid = city.grids[0]
    lat, lon = desk._centre(grid.polygon)
    found = desk.locate(f"{lat}, {lon}")
    assert found[0]["kind"] == "point" and found[0]["grid"] == grid.pk and found[0]["region"] == grid.community_id
    assert desk.locate(f"{lon},{lat}")[0]["grid"] == grid.pk, "longitude first is understood too"


def test_the_pure_matcher_prefers_whole_names_then_longer_then_more_precise():
    g = Gazetteer([Entry("a", "石桥路", "road"), Entry("b", "石桥社区", "community"),
                   Entry("c", "石桥", "landmark"), Entry("d", "春晖街", "road")])
    assert [m.entry.key for m in g.suggest("石桥路口")] == ["a", "b"]
    assert parse_coordinates("纬度30.251 经度120.112") == (30.251, 120.112)
    assert parse_coordinates("3栋2单元") is None and parse_coordinates("0.0000, 0.0000") is None


def test_the_places_endpoint_is_for_operators_and_shows_the_picked_place(client, city):
    url = reverse("staff:desk_places")
    assert signed_in(client, city.users["dispatcher"]).post(url, {"location_text": "柳岸路"}).status_code == 404
    client.logout()
    response = signed_in(client, city.users["operator"]).post(url, {"location_text": "柳岸路"})
    body = response.content.decode()
    assert response.status_code == 200 and 'data-name="柳岸路"' in body and "清河街道" in body
    empty = client.post(url, {"location_text": "火星基地"}).content.decode()
    assert "未找到匹配的地点" in empty


def test_the_desk_stores_the_region_of_the_picked_place(client, city):
    road = PlaceName.objects.get(name="石桥路")
    response = signed_in(client, city.users["operator"]).post(reverse("staff:desk"), {
        "appellant_phone": "13812340000", "title": "路灯不亮", "content": "石桥路一段路灯连续三晚不亮，晚上很黑。",
        "urgency": "normal", "location_text": "石桥路", "region": road.region_id})
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.region_id == road.region_id and appeal.location_text == "石桥路"


def test_a_region_that_does_not_exist_is_refused_with_a_reason(client, city):
    response = signed_in(client, city.users["operator"]).post(reverse("staff:desk"), {
        "appellant_phone": "13812340000", "title": "路灯不亮", "content": "石桥路路灯不亮。", "urgency": "normal",
        "location_text": "石桥路", "region": 987654})
    assert response.status_code == 400 and "所选地点不存在" in response.content.decode()
    assert not Appeal.objects.exists()


def test_a_place_name_added_is_suggested_at_once(city):
    assert desk.locate("金桂幼儿园门口") == [] or desk.locate("金桂幼儿园门口")[0]["name"] != "金桂幼儿园"
    PlaceName.objects.create(name="金桂幼儿园", kind=PlaceName.Kind.LANDMARK, region=city.communities[0])
    assert desk.locate("金桂幼儿园门口")[0]["name"] == "金桂幼儿园"
