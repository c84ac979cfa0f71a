from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from zhibu.accounts import services
from zhibu.accounts.models import Role, User
from zhibu.orgs.models import Branch, District, Town


class Command(BaseCommand):
    help = "为账号授权：zhibu grant USERNAME ROLE_CODE UNIT_CODE（区、乡镇或支部的编码）；账号不存在时创建"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role")
        parser.add_argument("unit")
        parser.add_argument("--password", help="新账号的初始密码（首次登录须修改）")

    def handle(self, username, role, unit, password, **options):
        role_obj = Role.objects.filter(code=role).first()
        if role_obj is None:
            raise CommandError(
                f"没有角色“{role}”；可选：{', '.join(Role.objects.values_list('code', flat=True))}"
            )
        reach = {}
        for key, model in (("district", District), ("town", Town), ("branch", Branch)):
            found = model.objects.filter(code=unit).first()
            if found:
                reach = {key: found}
                break
        if not reach:
            raise CommandError(f"没有编码为“{unit}”的区、乡镇或支部")
        try:
            user = User.objects.filter(username=username).first()
            if user is None:
                if not password:
                    raise CommandError("新账号须用 --password 给出初始密码")
                user = services.user_create(username=username, display_name=username, password=password)
            services.grant_add(user=user, role=role_obj, **reach)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        self.stdout.write(f"{username}：{role_obj.name}（{next(iter(reach.values()))}）")
