from django.db import migrations

from gongzhi.disputes.kinds import ensure_default_kinds


def seed(apps, schema_editor):
    ensure_default_kinds(apps.get_model("disputes", "DisputeKind"))


class Migration(migrations.Migration):
    dependencies = [("disputes", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
