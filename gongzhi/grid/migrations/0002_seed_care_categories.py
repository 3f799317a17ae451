from django.db import migrations

from gongzhi.grid.seeds import CARE_CATEGORIES


def seed(apps, schema_editor):
    CareCategory = apps.get_model("grid", "CareCategory")
    for order, (code, (name, every)) in enumerate(CARE_CATEGORIES.items()):
        CareCategory.objects.get_or_create(code=code, defaults={"name": name, "visit_every_days": every,
                                                                "order": order})


class Migration(migrations.Migration):
    dependencies = [("grid", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
