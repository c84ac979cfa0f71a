from django.core.management.base import BaseCommand

from zhibu.accounts.demo import DEMO_PASSWORD, demo_logins


class Command(BaseCommand):
    help = "打印演示账号（仅演示环境）"

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, url, **options):
        rows = demo_logins()
        if not rows:
            self.stdout.write("还没有演示账号：请先运行 zhibu demo-district")
            return
        self.stdout.write("")
        self.stdout.write(f"演示区已就绪：{url}  （所有演示账号的密码：{DEMO_PASSWORD}）")
        width = max(len(r[0]) for r in rows)
        for username, role, reach in rows:
            self.stdout.write(f"  {username.ljust(width)}  {role}（{reach}）")
        self.stdout.write("")
