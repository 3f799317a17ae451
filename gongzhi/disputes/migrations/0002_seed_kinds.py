from django.db import migrations

# The dispute kinds the issue names; escalation-prone ones weigh in the risk (disputes/risk.py).
KINDS = [
    ("marriage_family", "婚姻家庭", False), ("neighbour", "邻里纠纷", False), ("housing_land", "房屋宅基地", False),
    ("land_contract", "土地承包", True), ("labour_wages", "劳动争议/欠薪", True), ("property_mgmt", "物业", False),
    ("expropriation", "征地拆迁", True), ("medical", "医疗纠纷", True), ("traffic", "交通事故", False),
    ("consumer", "消费纠纷", False), ("other", "其他", False),
]


def seed(apps, schema_editor):
    DisputeKind = apps.get_model("disputes", "DisputeKind")
    for order, (code, name, escalates) in enumerate(KINDS):
        DisputeKind.objects.get_or_create(code=code, defaults={"name": name, "escalation_prone": escalates,
                                                                "order": order})


class Migration(migrations.Migration):
    dependencies = [("disputes", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
