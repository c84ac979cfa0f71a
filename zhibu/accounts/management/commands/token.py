from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from zhibu.accounts.models import User


class Command(BaseCommand):
    help = "API 令牌：zhibu token create USERNAME（为脚本创建或显示令牌），zhibu token revoke USERNAME"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "revoke"])
        parser.add_argument("username")

    def handle(self, action, username, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"没有名为“{username}”的有效账号")
        if action == "revoke":
            deleted, _ = Token.objects.filter(user=user).delete()
            self.stdout.write("已撤销" if deleted else "该账号没有令牌")
            return
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
