"""Every library URL × every role of the test cast → the expected status."""

import pytest

from tests.reach import ALL_200, ROLES, expect, run_matrix

MANAGERS = {"admin": 200, "centre": 200}
# A heartbeat without data is refused as malformed (400) for members, 403 for accounts without one.
WITH_MEMBER = {"secretary_a": 400, "member_a": 400, "worker_a": 400, "secretary_b": 400}

MATRIX = [
    ("library:index", "get", lambda w: "/library/?q=三会一课", ALL_200),
    ("library:hall", "get", lambda w: "/library/hall/", ALL_200),
    ("library:item", "get", lambda w: f"/library/items/{w.lib.video.pk}/", ALL_200),
    ("library:item", "get", lambda w: f"/library/items/{w.lib.panel.pk}/", ALL_200),
    ("library:item", "get", lambda w: f"/library/items/{w.lib.hidden.pk}/", expect(403, **MANAGERS)),
    ("library:item", "get", lambda w: "/library/items/999999/", expect(404)),
    ("library:item_edit", "get", lambda w: f"/library/items/{w.lib.case.pk}/edit/", expect(403, **MANAGERS)),
    ("library:item_new", "get", lambda w: "/library/new/?kind=video", expect(403, **MANAGERS)),
    ("library:file", "get", lambda w: f"/library/items/{w.lib.video.pk}/file/", ALL_200),
    ("library:file", "get", lambda w: f"/library/items/{w.lib.hidden.pk}/file/", expect(403, **MANAGERS)),
    ("library:image", "get", lambda w: f"/library/items/{w.lib.panel.pk}/image/", ALL_200),
    ("library:photo", "get", lambda w: f"/library/photos/{w.lib.photo.pk}/", ALL_200),
    ("library:beat", "post", lambda w: f"/library/items/{w.lib.video.pk}/beat/", expect(403, **WITH_MEMBER)),
    ("library:my", "get", lambda w: "/library/my/", ALL_200),
    ("library:hours", "get", lambda w: "/library/hours/", expect(200, member_a=404)),
    (
        "library:hours",
        "get",
        lambda w: "/library/hours/?town=T2",
        expect(200, member_a=404, secretary_a=404, worker_a=404, supervisor=404),
    ),
    ("library:hours_export", "get", lambda w: "/library/hours/export.xlsx", expect(200, member_a=404)),
    (
        "library:hours_branch",
        "get",
        lambda w: "/library/hours/branches/T1-001/",
        expect(200, member_a=404, secretary_b=404),
    ),
    (
        "library:hours_branch",
        "get",
        lambda w: "/library/hours/branches/T2-001/",
        expect(404, secretary_b=200, admin=200, auditor=200, centre=200),
    ),
    ("library:study", "get", lambda w: "/library/study/", expect(200, member_a=404)),
    (
        "library:study_new",
        "get",
        lambda w: "/library/study/new/?branch=T1-001",
        expect(403, secretary_a=200, worker_a=200, secretary_b=404),
    ),
    (
        "library:study_new",
        "get",
        lambda w: "/library/study/new/",
        expect(404, secretary_a=200, worker_a=200, secretary_b=200),
    ),
    ("library:visits", "get", lambda w: "/library/visits/", expect(200, member_a=404)),
    ("library:visit_new", "get", lambda w: "/library/visits/new/", expect(404, **MANAGERS)),
    (
        "library:visit_new",
        "get",
        lambda w: "/library/visits/new/?branch=T1-001",
        expect(403, secretary_b=404, **MANAGERS),
    ),
    ("library-item-list", "get", lambda w: "/api/v1/library/items/?q=手册", ALL_200),
    ("library-item-detail", "get", lambda w: f"/api/v1/library/items/{w.lib.video.pk}/", ALL_200),
    ("library-item-detail", "get", lambda w: f"/api/v1/library/items/{w.lib.hidden.pk}/", expect(404)),
]


@pytest.fixture
def world(cast, library):
    cast.lib = library
    return cast


@pytest.mark.parametrize("role", ROLES)
def test_library_reach(world, login, role):
    failures = run_matrix(MATRIX, world, login(role), role)
    assert not failures, "\n".join(failures)


def test_anonymous_is_sent_to_login(world, client):
    for name, method, build, _ in MATRIX:
        response = getattr(client, method)(build(world))
        if name.startswith("library-"):
            assert response.status_code in (401, 403), name
        else:
            assert response.status_code == 302 and "/login/" in response["Location"], name
