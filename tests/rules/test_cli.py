"""The command line: `zhibu compliance check LEDGER.json --from D --to D [--as-of D] [--config C.json]`."""

from __future__ import annotations

import io
import json

import pytest

from zhibu.rules.cli import main

from .builders import EXAMPLES, drop, identity, model_branch, record


def run_cli(*argv: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout, stderr)
    return status, stdout.getvalue(), stderr.getvalue()


@pytest.fixture
def ledger_file(tmp_path):
    def write(doc, name="ledger.json"):
        path = tmp_path / name
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        return str(path)

    return write


def test_check_prints_the_report_as_readable_json(ledger_file):
    doc = drop(model_branch(), "t5")
    status, out, err = run_cli("check", ledger_file(doc), "--from", "2024-01-01", "--to", "2024-12-31")
    assert (status, err) == (0, "")
    report = json.loads(out)
    assert report["window"] == {"from": "2024-01-01", "to": "2024-12-31", "as_of": "2024-12-31"}
    assert [identity(f) for f in report["findings"]] == [
        ("theme_day.frequency", "violation", "2024-05", None)
    ]
    assert "2024年5月未开展主题党日" in out  # not \\u escapes
    assert out.startswith('{\n  "format"')


def test_as_of_limits_what_has_been_submitted(ledger_file):
    doc = model_branch()
    record(doc, "t12").update(date="2024-12-30", submitted="2025-01-03")
    path = ledger_file(doc)
    status, out, _ = run_cli("check", path, "--from", "2024-01-01", "--to", "2024-12-31")
    assert [f["period"] for f in json.loads(out)["findings"]] == ["2024-12"]
    status, out, _ = run_cli(
        "check", path, "--from", "2024-01-01", "--to", "2024-12-31", "--as-of", "2025-01-05"
    )
    assert json.loads(out)["findings"] == []
    assert json.loads(out)["window"]["as_of"] == "2025-01-05"


def test_a_config_file_overrides_the_defaults(ledger_file, tmp_path):
    doc = drop(model_branch(), "t5")
    config = tmp_path / "config.json"
    config.write_text('{"frequency": {"theme_day": null}}', encoding="utf-8")
    status, out, err = run_cli(
        "check", ledger_file(doc), "--from", "2024-01-01", "--to", "2024-12-31", "--config", str(config)
    )
    assert (status, err) == (0, "")
    assert json.loads(out)["findings"] == []


def test_a_malformed_ledger_exits_2_naming_the_path(ledger_file):
    doc = model_branch()
    doc["meetings"][3]["date"] = "2024-13-01"
    status, out, err = run_cli("check", ledger_file(doc), "--from", "2024-01-01", "--to", "2024-12-31")
    assert (status, out) == (2, "")
    assert "meetings[3].date: not a date: '2024-13-01'" in err
    assert err.count("\n") == 1


def test_invalid_json_exits_2_naming_line_and_column(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "zhibu.branch-ledger/1",\n "branch": }', encoding="utf-8")
    status, out, err = run_cli("check", str(path), "--from", "2024-01-01", "--to", "2024-12-31")
    assert (status, out) == (2, "")
    assert "line 2, column" in err


def test_a_missing_file_exits_2(tmp_path):
    status, _, err = run_cli(
        "check", str(tmp_path / "nope.json"), "--from", "2024-01-01", "--to", "2024-12-31"
    )
    assert status == 2
    assert "nope.json" in err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--from", "2024-02-30", "--to", "2024-12-31"], "--from"),
        (["--from", "2024-01-01", "--to", "31/12/2024"], "--to"),
        (["--from", "2024-01-01", "--to", "2024-12-31", "--as-of", "2024-W01-1"], "--as-of"),
        (["--from", "2024-12-31", "--to", "2024-01-01"], "after"),
        (["--from", "2024-01-01"], "--to"),
    ],
)
def test_bad_dates_exit_2(ledger_file, argv, needle):
    status, out, err = run_cli("check", ledger_file(model_branch()), *argv)
    assert (status, out) == (2, "")
    assert needle in err


@pytest.mark.parametrize(
    ("config", "needle"),
    [
        ('{"frequency": {"general_meeting": "weekly"}}', "frequency.general_meeting"),
        ('{"size_max": "fifty"}', "size_max"),
        ('{"size_max": 50,}', "line 1, column"),
        ("[1, 2]", "not an object"),
    ],
)
def test_a_malformed_config_exits_2_naming_the_path(ledger_file, tmp_path, config, needle):
    path = tmp_path / "config.json"
    path.write_text(config, encoding="utf-8")
    argv = [
        "check",
        ledger_file(model_branch()),
        "--from",
        "2024-01-01",
        "--to",
        "2024-12-31",
        "--config",
        str(path),
    ]
    status, out, err = run_cli(*argv)
    assert (status, out) == (2, "")
    assert needle in err


def test_usage_errors_go_to_the_given_stderr():
    status, out, err = run_cli("inspect")
    assert status == 2
    assert out == ""
    assert "invalid choice" in err


def test_help_goes_to_the_given_stdout():
    status, out, err = run_cli("check", "--help")
    assert (status, err) == (0, "")
    assert "--as-of" in out


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="the shared spec examples are not checked out")
def test_the_spec_examples_through_the_command_line():
    for expected_path in sorted(EXAMPLES.glob("*.expected.json")):
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        ledger = str(expected_path).replace(".expected.json", ".ledger.json")
        w = expected["window"]
        status, out, err = run_cli(
            "check", ledger, "--from", w["from"], "--to", w["to"], "--as-of", w["as_of"]
        )
        assert (status, err) == (0, "")
        got = json.loads(out)
        assert {identity(f) for f in got["findings"]} == {identity(f) for f in expected["findings"]}


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="the shared spec examples are not checked out")
def test_the_malformed_spec_example_through_the_command_line():
    needle = (EXAMPLES / "05-malformed.expected-error.txt").read_text(encoding="utf-8").strip()
    status, _, err = run_cli(
        "check", str(EXAMPLES / "05-malformed.ledger.json"), "--from", "2024-01-01", "--to", "2024-12-31"
    )
    assert status == 2
    assert needle in err


def test_the_management_command_hands_its_words_to_the_cli(ledger_file, capsys):
    pytest.importorskip("django")
    from zhibu.rules.management.commands.compliance import Command

    path = ledger_file(model_branch())
    with pytest.raises(SystemExit) as exit_:
        Command().run_from_argv(
            ["zhibu", "compliance", "check", path, "--from", "2024-01-01", "--to", "2024-12-31"]
        )
    assert exit_.value.code == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []
    with pytest.raises(SystemExit) as exit_:
        Command().run_from_argv(
            ["zhibu", "compliance", "check", path, "--from", "2024-13-01", "--to", "2024-12-31"]
        )
    assert exit_.value.code == 2
    assert "--from" in capsys.readouterr().err
