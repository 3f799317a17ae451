"""The dispute kinds an installation starts with (the data migration seeds them; an admin adds
more): code, name, and whether the kind has a history of escalation (it weighs in the risk)."""
DEFAULT_KINDS = [
    ("marriage_family", "婚姻家庭", False), ("neighbour", "邻里纠纷", False), ("housing_land", "房屋宅基地", False),
    ("land_contract", "土地承包", True), ("labour_wages", "劳动争议/欠薪", True), ("property_mgmt", "物业", False),
    ("expropriation", "征地拆迁", True), ("medical", "医疗纠纷", True), ("traffic", "交通事故", False),
    ("consumer", "消费纠纷", False), ("other", "其他", False),
]

DEFAULT_NAMES = {code: name for code, name, _ in DEFAULT_KINDS}


def ensure_default_kinds(model) -> None:
    """Create the default kinds that are missing (`model`: DisputeKind, or the migration's copy)."""
    for order, (code, name, escalates) in enumerate(DEFAULT_KINDS):
        model.objects.get_or_create(code=code, defaults={"name": name, "escalation_prone": escalates, "order": order})
