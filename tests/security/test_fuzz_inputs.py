"""Hypothesis over the parsers that read what people and other systems send: the ledger and the roster.

Whatever arrives, the answer is a parsed value or a clear error naming where — never a crash.
"""

import datetime
import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from zhibu.core.dates import parse_date
from zhibu.core.xlsx import WorkbookError
from zhibu.orgs import roster
from zhibu.rules.ledger import LedgerError, parse_ledger

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
ledger_like = st.fixed_dictionaries(
    {
        "format": st.just("zhibu.branch-ledger/1"),
        "branch": st.fixed_dictionaries({"code": st.text(min_size=1)}),
    },
    optional={
        "members": json_values,
        "meetings": json_values,
        "groups": json_values,
        "learning": json_values,
        "exclusions": json_values,
    },
)


@settings(max_examples=150, deadline=None)
@given(st.one_of(json_values, ledger_like))
def test_the_ledger_parser_never_crashes(data):
    try:
        parse_ledger(data)
    except LedgerError as exc:
        assert str(exc)  # names the path and the problem


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=30), st.integers(), st.floats(allow_nan=False), st.none(), st.dates()))
def test_dates_parse_or_explain(value):
    try:
        result = parse_date(value)
    except ValueError as exc:
        assert "无法识别的日期" in str(exc)
    else:
        assert result is None or isinstance(result, datetime.date)


printable = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=25
)  # what a cell can hold
cells = st.one_of(
    st.none(),
    printable,
    st.integers(-10, 10**18),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(cells, min_size=9, max_size=9), max_size=8))
def test_any_roster_rows_get_a_fate_and_nothing_is_written(cast, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(
        ["姓名", "性别", "出生年月", "身份证号", "手机号", "入党时间", "转正时间", "党小组", "党内职务"]
    )
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    try:
        result = roster.plan(out, branch=cast.a)
    except WorkbookError as exc:
        assert str(exc)
        return
    json.dumps(result, ensure_ascii=False)  # storable as a job's result
    for row in result["rows"]:
        assert row["fate"] in {"create", "update", "same", "error", "skip"}
        assert (row["fate"] == "error") == bool(row["errors"])
