"""Shared pieces of the reach matrix: the roles of the test cast and how to call a URL.

An area adds its rows as MATRIX in tests/<area>/test_reach.py — (url name, method, path builder
taking the cast, expected status per role) — and runs them with `run_matrix`.
"""

ROLES = ["secretary_a", "member_a", "worker_a", "supervisor", "secretary_b", "admin", "auditor", "centre"]


def expect(default: int, **overrides: int) -> dict[str, int]:
    return {role: overrides.get(role, default) for role in ROLES}


ALL_200 = expect(200)


def call(client, method, path, data=None):
    if method in ("patch", "put"):
        return getattr(client, method)(path, data or {"name": "甲村党支部"}, content_type="application/json")
    if method == "post" and data is not None:
        return client.post(path, data)
    return getattr(client, method)(path)


def run_matrix(matrix, world, client, role) -> list[str]:
    """Call every row as `role`; the list of rows whose status differs from the expected one."""
    failures = []
    for name, method, build, expected in matrix:
        path = build(world)
        status = call(client, method, path).status_code
        if status != expected[role]:
            failures.append(f"{method.upper()} {path} ({name}): {status}, expected {expected[role]}")
    return failures
