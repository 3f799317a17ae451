from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("evaluation", "0002_pending_refresh"),
    ]

    operations = [
        migrations.AddField(
            model_name="appealfact",
            name="answered_at_intake",
            field=models.SmallIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name="kpirollup",
            name="answered_at_intake",
            field=models.IntegerField(db_default=0, default=0),
        ),
    ]
