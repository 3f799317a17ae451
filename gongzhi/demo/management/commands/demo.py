"""`gongzhi demo`: build the demo city (organisation, accounts, ~2,000 appeals of the last 90 days)."""
from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from gongzhi.demo import builder
from gongzhi.demo.organisation import DEMO_PASSWORD, DEMO_TOTP_KEY, PRINTED_ACCOUNTS


class Command(BaseCommand):
    help = "Build the demo city: 1 district, 3 subdistricts, 9 communities, 30 grids, 27 departments, " \
           "an account for every role and appeals of the last 90 days in every state"

    def add_arguments(self, parser):
        parser.add_argument("--appeals", type=int, default=2000, help="how many appeals to generate (default 2000)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed: the same seed builds the same city")
        parser.add_argument("--reset", action="store_true",
                            help="ERASE ALL DATA in the database first, then build (refused in production mode)")
        parser.add_argument("--no-derived", action="store_true",
                            help="skip rebuilding other apps' derived data (KPI facts, hot issues) afterwards")

    def handle(self, *args, appeals=2000, seed=2026, reset=False, no_derived=False, **options):
        if appeals < 0 or appeals > 200_000:
            raise CommandError("--appeals must be between 0 and 200000")
        if builder.is_populated():
            if not reset:
                self.stdout.write("数据库中已有数据，未做任何改动。如需重建演示数据（会清空整个数据库），请使用 --reset。")
                self.print_accounts()
                return
            if getattr(settings, "PRODUCTION", False):
                raise CommandError("refusing --reset in production mode (GONGZHI_PRODUCTION=1): it would erase all data")
            self.stdout.write("清空数据库……")
            call_command("flush", interactive=False, verbosity=0)
        self.stdout.write(f"正在生成演示城市（{appeals} 条诉求，随机种子 {seed}）……")
        summary = builder.build(appeals=appeals, seed=seed, out=self.stdout.write)
        self.stdout.write(
            f"诉求 {summary['appeals']} 条，办理记录 {summary['events']} 条；"
            + "，".join(f"{k} {v}" for k, v in summary["by_status"].items())
        )
        self.stdout.write(
            f"在办超期 {summary['overdue_open']}，即将到期 {summary['due_soon_open']}，超时答复 {summary['replied_late']}，"
            f"重办 {summary['reopened']}，退单 {summary['returned']}，已评价 {summary['rated']}，并单 {summary['merged']}，"
            f"督办 {summary['supervised']}"
        )
        if not no_derived:
            builder.rebuild_derived(out=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"演示城市已生成，用时 {summary['seconds']} 秒。"))
        self.print_accounts()

    def print_accounts(self):
        self.stdout.write("")
        self.stdout.write(f"演示账号（统一密码：{DEMO_PASSWORD}）：")
        for username, what in PRINTED_ACCOUNTS:
            self.stdout.write(f"  {username:<14} {what}")
        import base64

        key = base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode().rstrip("=")
        self.stdout.write("")
        self.stdout.write("两步验证：管理员、领导和可查看个人信息的账号（受理、派单、承办、督办、调解、信访、信息员管理、网格）"
                          "输入密码后还需输入6位验证码。演示账号共用一个密钥，添加到手机的身份验证器应用（基于时间）：")
        self.stdout.write(f"  {' '.join(key[i:i + 4] for i in range(0, len(key), 4))}")
        self.stdout.write("或在本机运行 `gongzhi twofactor code 用户名` 查看当前验证码（仅限非生产环境）。")
