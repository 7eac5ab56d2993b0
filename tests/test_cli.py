"""The command line: every command has --help, and each does its job through the library."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from conftest import write_jsonl

from khabar.cli import app

runner = CliRunner()
COMMANDS = ["ingest", "stats", "show", "export"]


def invoke(*args: str, env: dict | None = None):
    return runner.invoke(app, list(args), env=env)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0 and "Usage" in result.output


def test_installed_entry_point_runs():
    result = subprocess.run([sys.executable, "-m", "khabar", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "ingest" in result.stdout


def test_version_says_whether_the_modules_run_compiled():
    """The test suite runs an editable install, which never compiles (setup.py): its sources run."""
    from khabar import __version__

    result = invoke("--version")
    assert result.exit_code == 0 and result.output.strip() == f"{__version__} (pure Python)"


def test_ingest_stats_show_export_round_trip(tmp_path, saudinewsnet_sample, db_url):
    dump = write_jsonl(tmp_path / "sample.jsonl.gz", saudinewsnet_sample, compress=True)
    db = db_url
    result = invoke("ingest", str(dump), "--db", db, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    non_empty = sum(1 for r in saudinewsnet_sample if r["content"].strip())
    assert summary["read"] == 600 and summary["stored"] == non_empty
    assert summary["skipped"] == 600 - non_empty

    stats = json.loads(invoke("stats", "--db", db, "--json").stdout)
    assert stats["articles"] == non_empty == sum(stats["by_outlet"].values()) == sum(stats["by_day"].values())

    exported = tmp_path / "out.jsonl"
    assert invoke("export", "--db", db, "--output", str(exported)).exit_code == 0
    lines = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == non_empty and all(line["id"] for line in lines)

    shown = json.loads(invoke("show", lines[0]["id"], "--db", db, "--json").stdout)
    assert shown["title"] == lines[0]["title"]
    assert shown["normalized"]["title_match_key"] and shown["normalized"]["text_terms"]

    # Export, then ingest into a fresh store: the same articles, ids included.
    db2 = str(tmp_path / "b.db")
    assert invoke("ingest", str(exported), "--db", db2).exit_code == 0
    exported2 = tmp_path / "out2.jsonl"
    invoke("export", "--db", db2, "--output", str(exported2))
    assert exported2.read_text(encoding="utf-8") == exported.read_text(encoding="utf-8")


def test_db_comes_from_the_environment(tmp_path, saudinewsnet_sample):
    dump = write_jsonl(tmp_path / "s.jsonl", saudinewsnet_sample[:20])
    env = {"KHABAR_DB": f"sqlite:///{tmp_path / 'env.db'}"}
    assert invoke("ingest", str(dump), env=env).exit_code == 0
    assert json.loads(invoke("stats", "--json", env=env).stdout)["articles"] > 0


def test_exit_code_is_non_zero_only_when_nothing_could_be_read(tmp_path, db_url):
    db = db_url
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n", encoding="utf-8")
    result = invoke("ingest", str(bad), "--db", db)
    assert result.exit_code == 1 and "nothing could be read" in result.output
    missing = invoke("ingest", str(tmp_path / "missing.jsonl"), "--db", db)
    assert missing.exit_code == 1 and "cannot read the file" in missing.output
    partly = tmp_path / "partly.jsonl"
    partly.write_text('{oops\n{"outlet": "o", "title": "t", "text": "نص"}\n', encoding="utf-8")
    result = invoke("ingest", str(tmp_path / "missing.jsonl"), str(partly), "--db", db)
    assert result.exit_code == 0 and "skipped 2" in result.output and f"{partly}:1" in result.output


def test_show_unknown_id_is_a_clear_error(tmp_path):
    result = invoke("show", "nope", "--db", str(tmp_path / "d.db"))
    assert result.exit_code == 2 and "no article with id" in result.output


def test_markup_in_fetched_content_is_printed_as_it_is(tmp_path, saudinewsnet_sample):
    """Titles, outlets and text come from outlets: console markup in them ("[/b]", "[red]") is shown as
    written, and does not end a command with a markup error."""
    db = str(tmp_path / "markup.db")
    records = [r | {"title": "عاجل [/b] خبر [red]مهم[/red] " + r["title"], "source": r["source"] + " [/]"}
               for r in saudinewsnet_sample[:300] if r["content"].strip()]  # fmt: skip
    records.append(records[0] | {"url": "http://copy.example/1"})  # a copy, listed by dupes
    assert invoke("ingest", str(write_jsonl(tmp_path / "markup.jsonl", records)), "--db", db).exit_code == 0
    exported = tmp_path / "out.jsonl"
    invoke("export", "--db", db, "--output", str(exported))
    ids = [json.loads(line)["id"] for line in exported.read_text(encoding="utf-8").splitlines()]
    copied = next(i for i in ids if json.loads(invoke("dupes", i, "--db", db, "--json").stdout)["members"])
    with_related = next(i for i in ids if json.loads(invoke("related", i, "--db", db, "--json").stdout)["similar"])
    for command in (["show", copied], ["tags", copied], ["dupes", copied], ["related", with_related],
                    ["story", copied], ["search", "عاجل"], ["stats"]):  # fmt: skip
        result = invoke(*command, "--db", db)
        assert result.exit_code == 0, (command, result.output)
        shown = " ".join(result.output.split())
        assert "[/" in shown, (command, shown)  # the markup is printed, not read
    assert "[red]مهم[/red]" in " ".join(invoke("search", "عاجل", "--db", db).output.split())
