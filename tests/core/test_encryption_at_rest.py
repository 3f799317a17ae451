"""Phone and ID numbers are encrypted at rest (core.crypto, core.fields.SealedCodeField): what the
database holds is sealed under a key from the environment, the platform reads and finds the number
as before (the operator desk's earlier appeals by phone), a new key is rolled in with `gongzhi keys
rotate` while lookups keep finding rows under the old one, and a missing key is an error, never a
ciphertext shown as a phone number."""
from __future__ import annotations

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from gongzhi.appeals.models import Appeal
from gongzhi.core import crypto
from gongzhi.core.models import User
from gongzhi.disputes.petition_models import Petition
from gongzhi.grid.models import Resident
from tests.migrating import latest, migrate

pytestmark = pytest.mark.django_db
PHONE, ID_NUMBER = "13812345678", "11010519491231002X"
NEW_KEY = crypto.new_key()


def raw(model, pk, column):
    """The column as the database holds it, past the model."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_the_database_holds_phone_and_id_numbers_sealed_and_the_platform_reads_them_plain(make_appeal):
    appeal = make_appeal(appellant_phone=PHONE, appellant_id_number=ID_NUMBER)
    for column, number in (("appellant_phone", PHONE), ("appellant_id_number", ID_NUMBER)):
        stored = raw(Appeal, appeal.pk, column)
        assert stored.startswith(f"enc1${crypto.current_key_id()}$") and number not in stored
        assert "5678" not in stored and "002X" not in stored
    again = Appeal.objects.get(pk=appeal.pk)
    assert (again.appellant_phone, again.appellant_id_number) == (PHONE, ID_NUMBER)
    assert list(Appeal.objects.filter(appellant_phone=PHONE)) == [appeal]
    assert list(Appeal.objects.filter(appellant_phone__in=[PHONE, "13900000000"])) == [appeal]
    assert not Appeal.objects.filter(appellant_phone="13900000000").exists()
    assert Appeal.objects.filter(appellant_id_number="").count() == 0  # an empty value stays empty, and found


def test_a_search_for_part_of_a_number_is_refused_rather_than_finding_nothing(make_appeal):
    make_appeal()
    with pytest.raises(FieldError, match="encrypted at rest"):
        list(Appeal.objects.filter(appellant_phone__contains="5678"))


def test_the_operator_desk_still_finds_the_callers_earlier_appeals_by_phone(client, org, make_appeal):
    earlier = make_appeal(appellant_phone=PHONE, title="楼道灯坏了很久")
    client.force_login(org.operator)
    page = client.post("/staff/desk/history/", {"appellant_phone": PHONE}).content.decode()
    assert earlier.tracking_number in page


def test_every_kind_of_record_with_a_phone_or_id_number_seals_it(org):
    user = User.objects.create(username="resident-phone", phone=PHONE)
    assert PHONE not in raw(User, user.pk, "phone") and User.objects.get(phone=PHONE) == user
    fields = {(model._meta.label, name) for model, names in crypto.sealed_fields() for name in names}
    assert {("appeals.Appeal", "appellant_phone"), ("appeals.Appeal", "appellant_id_number"),
            ("disputes.DisputeParty", "phone"), ("disputes.DisputeParty", "id_number"),
            ("disputes.Petition", "petitioner_phone"), ("disputes.Petition", "petitioner_id_number"),
            ("grid.Resident", "id_number"), ("grid.Resident", "phone"), ("grid.Volunteer", "phone"),
            ("grid.Organisation", "contact_phone"), ("safety.Informant", "phone"), ("safety.Informant", "contact"),
            ("participation.Proposal", "author_phone"), ("core.User", "phone")} <= fields
    assert Resident._meta.get_field("id_number") and Petition._meta.get_field("petitioner_phone")


def test_a_new_key_is_rolled_in_with_keys_rotate_while_every_row_stays_found(make_appeal, settings, capsys):
    old = make_appeal(appellant_phone=PHONE)
    old_kid = crypto.current_key_id()
    settings.DATA_KEYS = [NEW_KEY, *settings.DATA_KEYS]  # the new key seals, the old still opens
    new_kid = crypto.current_key_id()
    assert new_kid != old_kid
    fresh = make_appeal(appellant_phone="13987654321")
    assert raw(Appeal, fresh.pk, "appellant_phone").startswith(f"enc1${new_kid}$")
    assert list(Appeal.objects.filter(appellant_phone=PHONE)) == [old]  # found under the old key

    call_command("keys", "status")
    status = capsys.readouterr().out
    assert f"appeals.Appeal.appellant_phone: current {new_kid}=1, {old_kid}=1" in status
    assert status.strip().endswith(f"key={new_kid} rows_not_under_it=1")
    call_command("keys", "rotate")
    assert capsys.readouterr().out.strip().endswith(f"rotated=1 key={new_kid} rows=1")
    assert raw(Appeal, old.pk, "appellant_phone").startswith(f"enc1${new_kid}$")

    settings.DATA_KEYS = [NEW_KEY]  # the old key may go now
    assert Appeal.objects.get(pk=old.pk).appellant_phone == PHONE
    assert list(Appeal.objects.filter(appellant_phone=PHONE)) == [old]
    call_command("keys", "rotate")
    assert capsys.readouterr().out.strip().endswith("rows=0")  # nothing left to do: safe to run again


def test_a_row_under_a_key_no_longer_configured_is_an_error_naming_the_key(make_appeal, settings):
    appeal = make_appeal(appellant_phone=PHONE)
    kid = crypto.current_key_id()
    settings.DATA_KEYS = [NEW_KEY]
    with pytest.raises(crypto.DataKeyError, match=kid):
        Appeal.objects.get(pk=appeal.pk)
    with pytest.raises(CommandError, match=f"data key {kid}"):
        call_command("keys", "rotate")


def test_an_altered_sealed_value_does_not_open():
    sealed = crypto.seal(PHONE)
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(crypto.DataKeyError, match="altered"):
        crypto.unseal(tampered)


def test_a_malformed_key_is_a_configuration_error(settings):
    settings.DATA_KEYS = ["not base64!"]
    with pytest.raises(ImproperlyConfigured, match="base64"):
        crypto.seal(PHONE)
    settings.DATA_KEYS = ["c2hvcnQ="]
    with pytest.raises(ImproperlyConfigured, match="64 bytes"):
        crypto.seal(PHONE)


def test_rows_written_before_encryption_are_read_found_and_sealed_by_rotate(make_appeal, capsys):
    appeal = make_appeal(appellant_phone=PHONE)
    with connection.cursor() as cursor:  # as a raw bulk load (or an install before encryption) left it
        cursor.execute("UPDATE appeals_appeal SET appellant_phone = %s WHERE id = %s", [PHONE, appeal.pk])
    assert Appeal.objects.get(pk=appeal.pk).appellant_phone == PHONE
    assert list(Appeal.objects.filter(appellant_phone=PHONE)) == [appeal]
    call_command("keys", "status")
    assert "plain=1" in capsys.readouterr().out
    call_command("keys", "rotate")
    assert raw(Appeal, appeal.pk, "appellant_phone").startswith("enc1$")


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_seals_the_numbers_already_stored_and_the_downgrade_opens_them(org):
    from gongzhi.appeals import services

    appeal, _code = services.receive(channel="web", title="路灯不亮", content="幸福路路灯不亮一周了", category=org.cat_property,
                                     appellant_phone=PHONE, appellant_id_number=ID_NUMBER, run_hooks=False)
    target = [("appeals", "0014_publication_review")]  # the step before the numbers were sealed
    try:
        migrate(target)
        assert raw(Appeal, appeal.pk, "appellant_phone") == PHONE  # the downgrade opened it
        migrate(latest("appeals"))
        assert raw(Appeal, appeal.pk, "appellant_phone").startswith("enc1$")
        assert raw(Appeal, appeal.pk, "appellant_id_number").startswith("enc1$")
        assert Appeal.objects.get(appellant_phone=PHONE).appellant_id_number == ID_NUMBER
    finally:
        migrate(latest("appeals"))

