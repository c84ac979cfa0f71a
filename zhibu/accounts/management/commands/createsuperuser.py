from django.conf import settings
from django.contrib.auth.management.commands.createsuperuser import Command as DjangoCommand
from django.core.management.base import CommandError


class Command(DjangoCommand):
    help = "创建超级用户（仅开发环境；生产环境实行三员分立，没有超级用户）"

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "生产环境不设超级用户：请用 zhibu grant 为系统管理员、安全管理员、审计管理员分别授权"
            )
        return super().handle(*args, **options)
