"""Chinese full-text search over the library: one `search(user, query, filters)` for page and API.

The query is segmented with jieba into groups of alternatives (every word must match, as itself or
one of its parts); only those tokens reach the database, each bound as a parameter or quoted as an
FTS5 string, so quotes, operators, SQL or emoji in the input are inert. Ranking: bm25 on SQLite
(title weighted 5×), ts_rank on PostgreSQL (title weight A, body B).
"""

import re
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import BooleanField, Count, FloatField, QuerySet, Window
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from zhibu.accounts.reach import visible

from . import segment
from .models import Item

SNIPPET_CHARS = 120


@dataclass
class Hit:
    item: Item
    snippet: SafeString
    rank: float = 0.0


@dataclass
class Results:
    query: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    groups: list[list[str]] = field(default_factory=list)


def index_fields(item: Item) -> tuple[str, str]:
    """The token text for an item's title and its body (summary, body and case sections)."""
    body = " ".join([item.summary, item.body, item.background, item.practice, item.effect, item.lessons])
    return segment.index_text(item.title), segment.index_text(body)


def _fts5_query(groups: list[list[str]]) -> str:
    def quote(token: str) -> str:
        return '"' + token.replace('"', '""') + '"'

    return " AND ".join("(" + " OR ".join(quote(t) for t in g) + ")" for g in groups)


def _match(qs: QuerySet, groups: list[list[str]]) -> QuerySet:
    vendor = connection.vendor
    if vendor == "sqlite":
        return qs.extra(
            tables=["library_item_fts"],
            where=["library_item_fts.rowid = library_item.id", "library_item_fts MATCH %s"],
            params=[_fts5_query(groups)],
            select={"rank": "-bm25(library_item_fts, 5.0, 1.0)"},
        ).order_by("-rank", "-id")
    if vendor == "postgresql":
        vector = "library_item.search_vector"  # stored and GIN-indexed (migration 0005)
        parts, params = [], []
        for g in groups:
            parts.append("(" + " || ".join(["plainto_tsquery('simple', %s)"] * len(g)) + ")")
            params += g
        tsquery = " && ".join(parts)
        return (
            qs.alias(hit=RawSQL(f"{vector} @@ ({tsquery})", params, output_field=BooleanField()))
            .filter(hit=True)
            .annotate(rank=RawSQL(f"ts_rank({vector}, {tsquery})", params, output_field=FloatField()))
            .order_by("-rank", "-id")
        )
    # Any other database: plain substring matching on the segmented text, unranked.
    for g in groups:
        from django.db.models import Q

        q = Q()
        for t in g:
            q |= Q(search_title__contains=t) | Q(search_body__contains=t)
        qs = qs.filter(q)
    return qs


def snippet(text: str, terms: list[str], width: int = SNIPPET_CHARS) -> SafeString:
    """A window of `text` around the first term found, escaped, with every term in <mark>."""
    text = re.sub(r"\s+", " ", text or "").strip()
    terms = sorted({t for t in terms if t}, key=len, reverse=True)
    if not terms:
        return mark_safe(escape(text[:width]) + ("…" if len(text) > width else ""))  # noqa: S308
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    first = pattern.search(text)
    start = max(0, (first.start() if first else 0) - width // 4)
    window = text[start : start + width]
    out, at = [], 0
    for m in pattern.finditer(window):
        out.append(escape(window[at : m.start()]))
        out.append("<mark>" + escape(m.group(0)) + "</mark>")
        at = m.end()
    out.append(escape(window[at:]))
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    # Every piece of user text above went through escape(); only our <mark> tags are markup.
    return mark_safe(prefix + "".join(out) + suffix)  # noqa: S308


def _body_text(item: Item) -> str:
    return " ".join(x for x in [item.summary, item.body, item.background, item.practice, item.effect] if x)


def search(
    user, query: str = "", filters: dict | None = None, *, offset: int = 0, limit: int = 20
) -> Results:
    """Library items the user may see matching `query` (Chinese or not) and filters {kind, tag, part}."""
    filters = filters or {}
    query = (query or "").strip()[:100]
    qs = visible(Item, user, "library.view").filter(published=True)
    if filters.get("kind") in Item.Kind.values:
        qs = qs.filter(kind=filters["kind"])
    if filters.get("tag"):
        qs = qs.filter(tags__code=filters["tag"])
    if filters.get("part") in Item.HallPart.values:
        qs = qs.filter(hall_part=filters["part"])
    groups = segment.query_groups(query) if query else []
    results = Results(query=query, groups=groups)
    if query and not groups:
        return results  # only punctuation or symbols: nothing to look for
    terms = [t for g in groups for t in g]
    if groups and connection.vendor == "sqlite":
        # Rank inside the FTS index; keep what the user may see with a subquery of the visible items.
        # ("+rowid": a plain rowid IN (...) would make FTS5 run the query once per visible item.)
        sub_sql, sub_params = qs.order_by().values("pk").query.sql_with_params()
        where = f"library_item_fts MATCH %s AND +library_item_fts.rowid IN ({sub_sql})"
        params = [_fts5_query(groups), *sub_params]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM library_item_fts WHERE {where}", params)
            results.total = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT rowid, -bm25(library_item_fts, 5.0, 1.0) FROM library_item_fts WHERE {where} "
                "ORDER BY 2 DESC, rowid DESC LIMIT %s OFFSET %s",
                [*params, limit, offset],
            )
            page = cursor.fetchall()
        objects = Item.objects.defer("search_title", "search_body").in_bulk([pk for pk, _ in page])
        for pk, rank in page:
            item = objects[pk]
            results.hits.append(Hit(item, snippet(_body_text(item), terms), rank))
        return results
    if groups:
        qs = _match(qs, groups)
    else:
        qs = qs.order_by("kind", "hall_part", "position", "-updated")
    qs = qs.defer("search_title", "search_body")
    if groups and connection.vendor == "postgresql":
        # One pass over the matches gives both the page and the total (a window count).
        page = list(qs.annotate(full_count=Window(Count("pk")))[offset : offset + limit])
        results.total = page[0].full_count if page else (qs.count() if offset else 0)
    else:
        results.total = qs.count()
        page = list(qs[offset : offset + limit])
    for item in page:
        results.hits.append(Hit(item, snippet(_body_text(item), terms), getattr(item, "rank", 0.0) or 0.0))
    return results


def highlight_title(title: str, groups: list[list[str]]) -> SafeString:
    terms = sorted({t for g in groups for t in g}, key=len, reverse=True)
    if not terms:
        return escape(title)
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    out, at = [], 0
    for m in pattern.finditer(title):
        out.append(escape(title[at : m.start()]) + "<mark>" + escape(m.group(0)) + "</mark>")
        at = m.end()
    return mark_safe("".join(out) + escape(title[at:]))  # noqa: S308


def rebuild_index() -> None:
    """Re-segment every item and rebuild SQLite's FTS table (after a table rebuild or a dictionary change)."""
    batch = []
    for item in Item.objects.all().iterator():
        item.search_title, item.search_body = index_fields(item)
        batch.append(item)
        if len(batch) >= 500:
            Item.objects.bulk_update(batch, ["search_title", "search_body"])
            batch = []
    Item.objects.bulk_update(batch, ["search_title", "search_body"])
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO library_item_fts(library_item_fts) VALUES ('rebuild')")


SQLITE_TRIGGERS = {
    "library_item_fts_ai": "CREATE TRIGGER IF NOT EXISTS library_item_fts_ai AFTER INSERT ON library_item BEGIN "
    "INSERT INTO library_item_fts(rowid, search_title, search_body) "
    "VALUES (new.id, new.search_title, new.search_body); END",
    "library_item_fts_ad": "CREATE TRIGGER IF NOT EXISTS library_item_fts_ad AFTER DELETE ON library_item BEGIN "
    "INSERT INTO library_item_fts(library_item_fts, rowid, search_title, search_body) "
    "VALUES ('delete', old.id, old.search_title, old.search_body); END",
    "library_item_fts_au": "CREATE TRIGGER IF NOT EXISTS library_item_fts_au AFTER UPDATE ON library_item BEGIN "
    "INSERT INTO library_item_fts(library_item_fts, rowid, search_title, search_body) "
    "VALUES ('delete', old.id, old.search_title, old.search_body); "
    "INSERT INTO library_item_fts(rowid, search_title, search_body) "
    "VALUES (new.id, new.search_title, new.search_body); END",
}


def ensure_sqlite_index(using: str = "default", **kwargs) -> None:
    """After migrate: SQLite drops a table's triggers when a migration rebuilds it; put them back."""
    from django.db import connections

    conn = connections[using]
    if conn.vendor != "sqlite":
        return
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name LIKE 'library_item%'"
        )
        present = {row[0] for row in cursor.fetchall()}
        if "library_item_fts" not in present or present.issuperset(SQLITE_TRIGGERS):
            return
        for sql in SQLITE_TRIGGERS.values():
            cursor.execute(sql)
        cursor.execute("INSERT INTO library_item_fts(library_item_fts) VALUES ('rebuild')")
