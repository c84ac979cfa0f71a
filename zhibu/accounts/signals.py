from .capabilities import DEFAULT_ROLES


def sync_default_roles(**kwargs) -> None:
    """Create the default roles, and offer each role the default capabilities added since it was last synced."""
    from .models import Role

    for code, (name, capabilities) in DEFAULT_ROLES.items():
        role, created = Role.objects.get_or_create(code=code, defaults={"name": str(name)})
        new = [c for c in capabilities if c not in role.defaults_seen]
        if created or new:
            role.capabilities = role.capabilities + [c for c in new if c not in role.capabilities]
            role.defaults_seen = role.defaults_seen + new
            role.save(update_fields=["capabilities", "defaults_seen"])
