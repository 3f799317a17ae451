"""Households and residents entered one at a time on the residents pages (新增住户 / 修改住户,
新增居民 / 修改居民 / 迁出), by those who see them: the grid's workers and the community's staff.
The import's rules apply (ID checksum, phone normalised, no control characters) with an error next
to each field; the stored ID and phone are never put in a form; every change is an audit entry."""
import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.core.models import AuditEntry
from gongzhi.grid.models import Household, Resident

from .conftest import ID_NUMBER

pytestmark = pytest.mark.django_db

NEW_ID = "11010519491231002X"


def new_household(client, org, **extra):
    return client.post("/grid/residents/households/new/", {
        "grid": org.east_g.pk, "building": "5幢", "room": "302室", "care_categories": ["disabled"], **extra})


def new_resident(client, household, **extra):
    return client.post(f"/grid/residents/households/{household.pk}/residents/new/", {
        "name": "李秀英", "id_number": NEW_ID, "phone": "139 1234 5678", "gender": "f", "birth_year": "1949",
        "relation": "户主", "care_categories": ["disabled"], **extra})


def test_a_grid_worker_adds_a_household_with_a_care_category_and_a_resident(client, org, care):
    client.force_login(org.grid_worker)
    assert client.get("/grid/residents/households/new/").status_code == 200
    answer = new_household(client, org)
    assert answer.status_code == 302
    household = Household.objects.get(room="302室")
    assert household.building.grid == org.east_g and household.building.name == "5幢"
    assert [c.code for c in household.care_categories.all()] == ["disabled"]

    assert client.get(f"/grid/residents/households/{household.pk}/residents/new/").status_code == 200
    answer = new_resident(client, household)
    resident = Resident.objects.get(household=household)
    assert answer.status_code == 302 and answer["Location"] == f"/grid/residents/{resident.pk}/"
    assert resident.id_number == NEW_ID and resident.phone == "13912345678"  # normalised
    assert resident.gender == "f" and resident.birth_year == 1949
    assert [c.code for c in resident.care_categories.all()] == ["disabled"]
    listed = client.get("/grid/residents/").content.decode()
    assert "李**" in listed and "李秀英" not in listed


def test_each_change_is_one_audit_entry_naming_the_fields_not_the_values(client, org, care):
    client.force_login(org.grid_worker)
    new_household(client, org)
    household = Household.objects.get(room="302室")
    new_resident(client, household)
    added = AuditEntry.objects.get(action="add_household")
    assert added.actor == org.grid_worker and added.target_id == str(household.pk)
    assert added.detail["grid"] == org.east_g.code and added.detail["care"] == ["disabled"]
    entry = AuditEntry.objects.get(action="add_resident")
    assert entry.actor == org.grid_worker and "id_number" in entry.detail["fields"]
    assert NEW_ID not in str(entry.detail) and "13912345678" not in str(entry.detail)


def test_the_communitys_staff_edit_a_household_of_any_of_its_grids(client, org, household, east_staff, care):
    client.force_login(east_staff)
    page = client.get(f"/grid/residents/households/{household.pk}/edit/").content.decode()
    assert 'value="201室"' in page
    answer = client.post(f"/grid/residents/households/{household.pk}/edit/", {
        "grid": org.east_g.pk, "building": "3幢", "room": "202室", "care_categories": ["elderly_alone", "disabled"]})
    assert answer.status_code == 302
    household.refresh_from_db()
    assert household.room == "202室"
    assert sorted(c.code for c in household.care_categories.all()) == ["disabled", "elderly_alone"]
    entry = AuditEntry.objects.get(action="update_household")
    assert entry.actor == east_staff and entry.detail["fields"] == ["room", "care_categories"]


def test_another_grids_worker_gets_not_found_and_changes_nothing(client, org, household, west_worker, care):
    client.force_login(west_worker)
    resident = household.resident
    for url in (f"/grid/residents/households/{household.pk}/edit/",
                f"/grid/residents/households/{household.pk}/residents/new/",
                f"/grid/residents/{resident.pk}/edit/"):
        assert client.get(url).status_code == 404, url
        posted = {"grid": org.east_g.pk, "building": "3幢", "room": "9室", "name": "张三"}
        assert client.post(url, posted).status_code == 404, url
    assert client.post(f"/grid/residents/{resident.pk}/move-out/").status_code == 404
    # nor may they put a household in a grid that is not theirs
    answer = new_household(client, org)
    assert answer.status_code == 400 and "error-grid" in answer.content.decode()
    resident.refresh_from_db()
    assert resident.moved_out_on is None and not Household.objects.filter(room__in=["9室", "302室"]).exists()
    assert not AuditEntry.objects.filter(action__in=["update_household", "add_resident", "update_resident",
                                                     "move_out_resident", "add_household"]).exists()


def test_a_supervisor_and_an_administrator_do_not_get_the_forms(client, org, household):
    for user in (org.supervisor, org.admin):
        client.force_login(user)
        assert client.get("/grid/residents/households/new/").status_code == 404
        assert client.get(f"/grid/residents/{household.resident.pk}/edit/").status_code == 404


def test_a_bad_id_number_is_an_error_next_to_its_field(client, org, household):
    client.force_login(org.grid_worker)
    answer = new_resident(client, household, id_number="110101198001011231", phone="12345")
    page = answer.content.decode()
    assert answer.status_code == 400
    assert "error-id_number" in page and "身份证号码无效" in page
    assert "error-phone" in page and "error-name" not in page
    assert 'value="李秀英"' in page  # what was typed stays
    assert Resident.objects.filter(household=household).count() == 1


def test_a_known_id_number_a_control_character_and_an_empty_name_are_field_errors(client, org, household):
    client.force_login(org.grid_worker)
    page = new_resident(client, household, id_number=ID_NUMBER, name="", note="见\x07面").content.decode()
    assert "已有居民登记了这个身份证号码" in page
    assert "error-name" in page and "error-note" in page and "U+0007" in page
    page = new_resident(client, household, birth_year="1800", care_categories=["nonsense"]).content.decode()
    assert "error-birth_year" in page and "error-care_categories" in page


def test_the_edit_form_never_holds_the_stored_id_and_phone_and_blank_keeps_them(client, org, household):
    client.force_login(org.grid_worker)
    resident = household.resident
    page = client.get(f"/grid/residents/{resident.pk}/edit/").content.decode()
    assert ID_NUMBER not in page and "13911112222" not in page
    assert "139****2222" in page and 'data-testid="reveal-id_number"' in page
    answer = client.post(f"/grid/residents/{resident.pk}/edit/", {
        "name": "王建国", "id_number": "", "phone": "", "gender": "m", "birth_year": "1948", "relation": "户主",
        "care_categories": ["elderly_alone"], "note": "独居，子女在外地"})
    assert answer.status_code == 302
    resident.refresh_from_db()
    assert resident.id_number == ID_NUMBER and resident.phone == "13911112222"
    assert resident.gender == "m" and resident.note == "独居，子女在外地"
    entry = AuditEntry.objects.get(action="update_resident")
    assert entry.detail["fields"] == ["gender", "note"]
    # the reveal on the edit page is the audited one
    shown = client.post(f"/grid/residents/{resident.pk}/reveal/phone/").content.decode()
    assert "13911112222" in shown and AuditEntry.objects.filter(action="reveal_resident").count() == 1


def test_a_new_phone_typed_with_the_country_code_and_spaces_replaces_the_stored_one(client, org, household):
    client.force_login(org.grid_worker)
    resident = household.resident
    answer = client.post(f"/grid/residents/{resident.pk}/edit/", {
        "name": "王建国", "id_number": "", "phone": "+86 138 0013 8000", "birth_year": "1948", "relation": "户主",
        "care_categories": ["elderly_alone"]})
    resident.refresh_from_db()
    assert answer.status_code == 302 and resident.phone == "13800138000"
    assert resident.id_number == ID_NUMBER
    assert AuditEntry.objects.get(action="update_resident").detail["fields"] == ["phone"]


def test_moving_out_keeps_the_row_and_takes_it_off_the_active_list(client, org, household):
    client.force_login(org.grid_worker)
    resident = household.resident
    day = (timezone.localdate() - dt.timedelta(days=4)).isoformat()
    answer = client.post(f"/grid/residents/{resident.pk}/move-out/",
                         {"moved_out_on": day, "moved_out_reason": "随子女迁居外省"})
    assert answer.status_code == 302
    resident.refresh_from_db()
    assert str(resident.moved_out_on) == day and Resident.objects.filter(pk=resident.pk).exists()
    listed = client.get("/grid/residents/").content.decode()
    active = listed[listed.index('data-testid="active-households"'):listed.index("</tbody>")]
    assert f"/grid/residents/{resident.pk}/" not in active
    assert 'data-testid="moved-out"' in listed  # still found, among those who moved out
    page = client.get(f"/grid/residents/{resident.pk}/").content.decode()
    assert 'data-testid="moved-out-badge"' in page
    entry = AuditEntry.objects.get(action="move_out_resident")
    assert entry.actor == org.grid_worker and entry.detail["on"] == day
    # once is enough
    again = client.post(f"/grid/residents/{resident.pk}/move-out/", {"moved_out_on": day})
    assert again.status_code == 400 and "该居民已迁出" in again.content.decode()
    assert AuditEntry.objects.filter(action="move_out_resident").count() == 1


def test_a_household_whose_people_all_moved_out_is_no_longer_due_a_visit(org, household):
    from gongzhi.grid import services

    assert household in services.visits_due(org.grid_worker)
    services.move_out(org.grid_worker, household.resident, on=timezone.localdate())
    assert household not in services.visits_due(org.grid_worker)
    empty = Household.objects.create(building=household.building, room="202室")  # no one recorded yet
    empty.care_categories.set(household.care_categories.all())
    assert empty in services.visits_due(org.grid_worker)


def test_a_move_out_date_is_needed_and_not_in_the_future(client, org, household):
    client.force_login(org.grid_worker)
    for day in ("", "2999-01-01", "30/11/2026"):
        answer = client.post(f"/grid/residents/{household.resident.pk}/move-out/", {"moved_out_on": day})
        assert answer.status_code == 400 and "error-moved_out_on" in answer.content.decode(), day
    household.resident.refresh_from_db()
    assert household.resident.moved_out_on is None


def test_the_same_room_twice_in_a_building_is_a_field_error(client, org, household):
    client.force_login(org.grid_worker)
    answer = client.post("/grid/residents/households/new/",
                         {"grid": org.east_g.pk, "building": "3幢", "room": "201室"})
    assert answer.status_code == 400 and "error-room" in answer.content.decode()
    assert Household.objects.count() == 1


def test_the_forms_and_their_errors_are_english_for_the_english_reader(client, org, household):
    from tests.english import assert_english

    client.force_login(org.grid_worker)
    client.cookies["django_language"] = "en"
    resident = household.resident
    data = ("3幢", "201室", "王建国", "王**", "户主")  # what was entered, shown as it is
    assert_english(client, "/grid/residents/households/new/")
    assert_english(client, f"/grid/residents/households/{household.pk}/edit/", keep=data)
    assert_english(client, f"/grid/residents/households/{household.pk}/residents/new/", keep=data)
    assert_english(client, f"/grid/residents/{resident.pk}/edit/", keep=data)
    html = assert_english(client, f"/grid/residents/households/{household.pk}/residents/new/", method="post",
                          data={"name": "", "id_number": "110101198001011231", "phone": "12345",
                                "birth_year": "1800", "note": "a\x07b"}, status=400, keep=data)
    assert "Not a valid resident ID number" in html
    assert_english(client, f"/grid/residents/{resident.pk}/move-out/", method="post",
                   data={"moved_out_on": "2999-01-01"}, status=400, keep=data)
