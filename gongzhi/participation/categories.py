"""The built-in proposal categories (seeded by the data migration; an admin may rename or add)."""
from __future__ import annotations

from django.utils.translation import gettext_noop as N_

DEFAULTS = [  # code, name
    ("urban", N_("城市建设")),
    ("transport", N_("交通出行")),
    ("environment", N_("生态环境")),
    ("education", N_("教育文化")),
    ("community", N_("社区服务")),
    ("other", N_("其他")),
]
DEFAULT_NAMES = dict(DEFAULTS)


def ensure_default_categories(model) -> None:
    for order, (code, name) in enumerate(DEFAULTS):
        model.objects.get_or_create(code=code, defaults={"name": name, "order": order})
