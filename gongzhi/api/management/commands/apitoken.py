"""gongzhi apitoken USERNAME [--name N] [--days D] | --list | --revoke PREFIX"""
from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from gongzhi.api.models import ApiToken


class Command(BaseCommand):
    help = "Issue, list or revoke API tokens (for /api/v1 and the Open311 api_key). The token acts as its user."

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?")
        parser.add_argument("--name", default="api", help="what the token is for")
        parser.add_argument("--days", type=int, default=0, help="expire after this many days (0 = never)")
        parser.add_argument("--list", action="store_true", help="list the user's tokens (all users without USERNAME)")
        parser.add_argument("--revoke", metavar="PREFIX", help="revoke the token starting with PREFIX")

    def handle(self, *args, username=None, name="api", days=0, list=False, revoke=None, **options):
        if revoke:
            matches = ApiToken.objects.filter(prefix__startswith=revoke[:10], revoked_at__isnull=True)
            if username:
                matches = matches.filter(user__username=username)
            if matches.count() != 1:
                raise CommandError(f"{matches.count()} active tokens match {revoke!r}")
            token = matches.get()
            token.revoke()
            self.stdout.write(f"revoked {token}")
            return
        if list:
            tokens = ApiToken.objects.select_related("user")
            if username:
                tokens = tokens.filter(user__username=username)
            for t in tokens:
                state = "revoked" if t.revoked_at else ("active" if t.is_active else "expired")
                self.stdout.write(f"{t.prefix}…\t{t.user.username}\t{t.name}\t{state}\tlast used {t.last_used_at or '-'}")
            return
        if not username:
            raise CommandError("give a USERNAME (or --list)")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        expires = timezone.now() + dt.timedelta(days=days) if days > 0 else None
        _token, raw = ApiToken.issue(user, name, expires_at=expires)
        self.stdout.write(raw)
