"""Query counts of a page, to pin a summary page to a fixed number of queries whatever the data."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def page_queries(client, url: str) -> int:
    client.get(url)  # the first request fills per-process caches (capabilities, navigation)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)
