"""This area's REST endpoints; register(router) is called by zhibu/api.py."""


def register(router) -> None:
    pass
