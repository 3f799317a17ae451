import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_periodic_run_moves_to_core"),
        ("triage", "0005_remove_alert_converted_label"),
    ]

    operations = [
        migrations.CreateModel(
            name="PlaceName",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, verbose_name="名称")),
                ("kind", models.CharField(choices=[("road", "道路"), ("compound", "小区"), ("landmark", "地标")],
                                          default="road", max_length=16, verbose_name="类型")),
                ("lat", models.FloatField(blank=True, null=True, verbose_name="纬度")),
                ("lon", models.FloatField(blank=True, null=True, verbose_name="经度")),
                ("active", models.BooleanField(default=True, verbose_name="启用")),
                ("grid", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                           related_name="+", to="core.grid", verbose_name="网格")),
                ("region", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                             to="core.region", verbose_name="所属区划")),
            ],
            options={
                "verbose_name": "地名",
                "verbose_name_plural": "地名",
                "ordering": ["name", "id"],
                "constraints": [models.UniqueConstraint(fields=("name", "region"), name="unique_place_name_per_region")],
            },
        ),
    ]
