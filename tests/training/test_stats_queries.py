"""Training statistics are counted by the database: a fixed number of queries whatever the enrolments."""

from tests.page_queries import page_queries
from zhibu.training import services

from .conftest import enrolment_of


def test_statistics_queries_do_not_grow_with_enrolments(cast, course, login):
    client = login("admin")
    before = page_queries(client, "/training/statistics/")
    for name in ("甲书记", "甲党员", "丙党员"):
        services.sign_in(session=course.session, member_id=enrolment_of(course.klass, name).member_id)
    services.class_finalize(klass=course.klass)
    assert page_queries(client, "/training/statistics/") == before <= 12
