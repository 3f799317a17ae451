from django.db import migrations, models


class Migration(migrations.Migration):
    """The petition officer role (信访工作人员), held in a region like the mediator's."""

    dependencies = [
        ("core", "0002_periodic_run_moves_to_core"),
    ]

    operations = [
        migrations.AlterField(
            model_name="roleassignment",
            name="role",
            field=models.CharField(choices=[("citizen", "群众"), ("operator", "受理员"), ("dispatcher", "派单员"), ("handler", "承办人"), ("supervisor", "督办员"), ("leader", "领导"), ("grid_worker", "网格员"), ("mediator", "调解员"), ("petition_officer", "信访工作人员"), ("analyst", "治安研判员"), ("informant_handler", "信息员管理员"), ("emergency", "应急办"), ("admin", "系统管理员")], max_length=32, verbose_name="角色"),
        ),
    ]
