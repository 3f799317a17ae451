"""Password rules (等保 2.0 身份鉴别: 口令复杂度, 定期更换不得重复): three of the four kinds of
character, and none of the user's last PASSWORD_HISTORY passwords. Both are Django password
validators (settings.AUTH_PASSWORD_VALIDATORS), so every form that sets a password (the reset by
e-mail, the admin, `gongzhi changepassword`) applies them; the history keeps hashes only."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def kinds(password: str) -> int:
    return sum([any(c.islower() for c in password), any(c.isupper() for c in password),
                any(c.isdigit() for c in password), any(not c.isalnum() for c in password)])


class ComplexityValidator:
    def validate(self, password, user=None):
        if kinds(password) < 3:
            raise ValidationError(_("密码须包含小写字母、大写字母、数字和符号中的至少三类"), code="password_too_simple")

    def get_help_text(self):
        return _("密码须包含小写字母、大写字母、数字和符号中的至少三类")


class HistoryValidator:
    def _count(self) -> int:
        return int(getattr(settings, "PASSWORD_HISTORY", 5))

    def validate(self, password, user=None):
        if user is None or user.pk is None or self._count() <= 0:
            return
        from .models import PasswordHistory

        recent = PasswordHistory.objects.filter(user=user).order_by("-id")[: self._count()]
        if check_password(password, user.password) or any(check_password(password, h.password) for h in recent):
            raise ValidationError(_("新密码不能与最近使用过的 %(count)d 个密码相同") % {"count": self._count()},
                                  code="password_reused")

    def password_changed(self, password, user=None):
        """Django calls this when a user with a new password is saved: keep the hash, trim the rest."""
        if user is None or user.pk is None or self._count() <= 0 or not user.password:
            return
        from .models import PasswordHistory

        PasswordHistory.objects.create(user=user, password=user.password)
        older = list(PasswordHistory.objects.filter(user=user).order_by("-id").values_list("id", flat=True)[self._count():])
        if older:
            PasswordHistory.objects.filter(id__in=older).delete()

    def get_help_text(self):
        return _("新密码不能与最近使用过的 %(count)d 个密码相同") % {"count": self._count()}
