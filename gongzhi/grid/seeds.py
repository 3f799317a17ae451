"""The built-in care categories (code -> name, visit every N days): seeded by the data migration,
read in the reader's language while an administrator has not renamed them."""
from django.utils.translation import gettext_noop

CARE_CATEGORIES = {
    "elderly_alone": (gettext_noop("独居老人"), 7),
    "disabled": (gettext_noop("残疾人"), 30),
    "left_behind_child": (gettext_noop("留守儿童"), 14),
    "hardship": (gettext_noop("困难家庭"), 30),
    "key_care": (gettext_noop("重点关爱"), 7),
}
