"""A new installation starts with the built-in plan types and coverage rules, so the coverage view
means something before an administrator has added any."""
from django.db import migrations

from gongzhi.emergency.kinds import ensure_defaults


def seed(apps, schema_editor):
    ensure_defaults(apps.get_model("emergency", "PlanType"), apps.get_model("emergency", "CoverageRule"))


class Migration(migrations.Migration):
    dependencies = [("emergency", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
