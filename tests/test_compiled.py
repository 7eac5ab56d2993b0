"""The modules a regular install compiles with Cython (setup.py) give what their Python sources give.

The test suite runs the sources (an editable install). Here setup.py builds the listed modules in a copy
of the project, and one small ingest runs twice in fresh processes, compiled and from the sources; every
derived value must match: tags and their scores, term vectors, signatures, duplicate groups, stories,
search results and related lists.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import write_jsonl

ROOT = Path(__file__).resolve().parent.parent

# Runs in a fresh process: ingest the records, then print everything the pipeline derived, as JSON.
PROBE = r"""
import importlib, json, sys
import khabar
from khabar.link.related import related
from khabar.pipeline import ingest_paths
from khabar.search import search
from khabar.store import open_store

records, db, modules = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
loaded = {m: importlib.import_module(m).__file__ for m in modules}
with open_store(db) as store:
    report = ingest_paths(store, [records], workers=2)
    ids = sorted(a.id for a in store.iter_articles())
    stories = store.stories_of(ids)
    by_story = {}
    for article_id in ids:
        by_story.setdefault(stories.get(article_id), []).append(article_id)
    found = {
        "report": report.to_dict(),
        "tags": {i: [[t.display, t.key, t.score] for t in store.get_tags(i)] for i in ids},
        "vectors": store.term_vectors(ids),
        "signatures": {i: s.hex() for i, s in store.signatures(ids).items()},
        "duplicates": store.duplicate_groups(ids),
        "stories": sorted(by_story.values()),
        "search": {q: [h.article.id for h in search(store, q).hits] for q in ("السعودية", "وزير الخارجية", '"مجلس الوزراء"')},
        "related": {i: [r.article.id for r in related(store, i).similar] for i in ids[:20]},
    }
print(json.dumps({"compiled": khabar.compiled(), "loaded": loaded, "found": found}, ensure_ascii=False, sort_keys=True))
"""


def _compiled_list() -> list[str]:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["tool"]["khabar"]["compiled"]


def _probe(source: Path, records: Path, db: Path, modules: list[str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(records), str(db), json.dumps(modules)],
        env={"PYTHONPATH": str(source), "PATH": "/usr/bin:/bin", "HOME": str(db.parent)},
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_compiled_modules_give_what_their_sources_give(tmp_path, saudinewsnet_sample):
    project = tmp_path / "project"
    project.mkdir()
    for name in ("setup.py", "pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(ROOT / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.c"))
    built = subprocess.run(
        [sys.executable, "setup.py", "build_ext", "--inplace", "--parallel", "2"], cwd=project, capture_output=True, text=True, timeout=1200, check=False
    )
    assert built.returncode == 0, built.stderr[-3000:]
    listed = _compiled_list()
    assert listed and all((project / "src" / path).exists() for path in listed)
    modules = [path.removesuffix(".py").removesuffix("/__init__").replace("/", ".") for path in listed]

    records = write_jsonl(tmp_path / "records.jsonl", saudinewsnet_sample[:300])
    compiled = _probe(project / "src", records, tmp_path / "compiled.db", modules)
    source = _probe(ROOT / "src", records, tmp_path / "source.db", modules)

    assert compiled["compiled"] and not source["compiled"]
    assert all(not path.endswith(".py") for path in compiled["loaded"].values()), compiled["loaded"]
    assert all(path.endswith(".py") for path in source["loaded"].values())
    assert compiled["found"]["report"]["stored"] > 250
    assert compiled["found"] == source["found"]
