"""The built-in care categories (code -> name, visit every N days): seeded by the data migration,
read in the reader's language while an administrator has not renamed them."""
from django.utils.translation import gettext_noop as N_

CARE_CATEGORIES = {
    "elderly_alone": (N_("独居老人"), 7),
    "disabled": (N_("残疾人"), 30),
    "left_behind_child": (N_("留守儿童"), 14),
    "hardship": (N_("困难家庭"), 30),
    "key_care": (N_("重点关爱"), 7),
}
