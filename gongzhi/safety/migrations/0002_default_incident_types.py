"""The default incident taxonomy. Admins may rename, add or deactivate types; import presets and
the near-repeat/notable flags refer to the codes, so codes stay stable."""
from django.db import migrations

# (code, name, parent code, notable, near_repeat, order)
DEFAULT_TYPES = [
    ("XS", "刑事", None, False, False, 10),
    ("XS-DQ", "盗窃", "XS", False, False, 11),
    ("XS-RSDQ", "入室盗窃", "XS", True, True, 12),
    ("XS-DQJDC", "盗窃机动车", "XS", False, False, 13),
    ("XS-QJ", "抢劫", "XS", True, False, 14),
    ("XS-ZP", "诈骗", "XS", False, False, 15),
    ("XS-SH", "伤害", "XS", True, False, 16),
    ("XS-QT", "其他刑事", "XS", False, False, 19),
    ("ZA", "治安", None, False, False, 20),
    ("ZA-DS", "打架斗殴", "ZA", False, False, 21),
    ("ZA-HW", "毁坏财物", "ZA", False, False, 22),
    ("ZA-SD", "涉毒", "ZA", False, False, 23),
    ("ZA-QT", "其他治安", "ZA", False, False, 29),
    ("JT", "交通", None, False, False, 30),
    ("JF", "纠纷", None, False, False, 40),
    ("QZ", "求助", None, False, False, 50),
]


def seed(apps, schema_editor):
    IncidentType = apps.get_model("safety", "IncidentType")
    by_code = {}
    for code, name, parent, notable, near_repeat, order in DEFAULT_TYPES:
        obj, _ = IncidentType.objects.get_or_create(
            code=code, defaults=dict(name=name, parent=by_code.get(parent), notable=notable,
                                     near_repeat=near_repeat, order=order))
        by_code[code] = obj


class Migration(migrations.Migration):
    dependencies = [("safety", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
