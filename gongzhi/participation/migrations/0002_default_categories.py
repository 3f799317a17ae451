from django.db import migrations


def seed(apps, schema_editor):
    from gongzhi.participation.categories import ensure_default_categories

    ensure_default_categories(apps.get_model("participation", "ProposalCategory"))


class Migration(migrations.Migration):
    dependencies = [("participation", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
