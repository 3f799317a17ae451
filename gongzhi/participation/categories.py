"""The built-in proposal categories (seeded by the data migration; an admin may rename or add)."""
from __future__ import annotations

from django.utils.translation import gettext_noop

DEFAULTS = [  # code, name
    ("urban", gettext_noop("城市建设")),
    ("transport", gettext_noop("交通出行")),
    ("environment", gettext_noop("生态环境")),
    ("education", gettext_noop("教育文化")),
    ("community", gettext_noop("社区服务")),
    ("other", gettext_noop("其他")),
]
DEFAULT_NAMES = dict(DEFAULTS)


def ensure_default_categories(model) -> None:
    for order, (code, name) in enumerate(DEFAULTS):
        model.objects.get_or_create(code=code, defaults={"name": name, "order": order})
