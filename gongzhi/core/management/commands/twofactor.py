"""`gongzhi twofactor reset USERNAME | code USERNAME | list`: two-factor sign-in (gongzhi.core.twofactor)."""
from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gongzhi.core import audit, twofactor
from gongzhi.core.models import User


class Command(BaseCommand):
    help = "Two-factor sign-in: reset a user's authenticator (lost phone), list who has one, a demo code"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("reset", help="remove USERNAME's authenticator: they enrol again at the next sign-in"
                       ).add_argument("username")
        sub.add_parser("code", help="the code USERNAME's authenticator shows now (development only)"
                       ).add_argument("username")
        sub.add_parser("list", help="who must use two-factor sign-in, and who has enrolled")

    def handle(self, *args, action, **options):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        if action == "list":
            for user in User.objects.filter(is_active=True).order_by("username"):
                if twofactor.required_for(user):
                    state = "enrolled" if twofactor.confirmed_device(user) else "not enrolled yet"
                    self.stdout.write(f"{user.username}\t{state}")
            return
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']!r}")
        if action == "reset":
            removed, _by_model = TOTPDevice.objects.filter(user=user).delete()
            audit.record(None, "two_factor_reset", user, actor_label="gongzhi twofactor reset", removed=removed)
            self.stdout.write(f"{user.username}: authenticator removed; they add a new one at the next sign-in")
            return
        if settings.PRODUCTION:
            raise CommandError("refusing in production mode (GONGZHI_PRODUCTION=1): codes come from the user's app")
        device = twofactor.confirmed_device(user)
        if device is None:
            raise CommandError(f"{user.username} has no authenticator yet (they get a key at their next sign-in)")
        self.stdout.write(twofactor.current_code(device))
