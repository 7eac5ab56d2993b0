"""Build khabar, compiling the modules an ingest spends its CPU in with Cython when it can.

Those modules are plain Python, and stay so: Cython compiles the same files, unchanged, into C
extension modules, which Python imports in place of the sources (pydantic 1.x was built the same way).
Over an ingest of the 31k dump that is 7–10% less CPU, and 918–924 → 978–1,005 records/s
(docs/benchmarks.md). The list is ``[tool.khabar] compiled`` in pyproject.toml;
``tests/test_compiled.py`` compiles it and checks that the compiled modules give what the sources give.

khabar installs as pure Python, with the same results, when there is no C compiler (the extensions
are optional), when ``KHABAR_PURE_PYTHON=1`` is set, and in an editable install (``pip install -e``),
where a compiled module would hide every edit of its source until the next build.
"""

import os
import sys
import tomllib

from setuptools import setup


def compiled_modules() -> list[str]:
    """The source files to compile, from pyproject.toml."""
    with open("pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["tool"]["khabar"]["compiled"]


def extensions() -> list:
    """Cython extension modules for :func:`compiled_modules`, or none (see the module's docstring)."""
    if os.environ.get("KHABAR_PURE_PYTHON") or {"editable_wheel", "develop"} & set(sys.argv):  # -e, new and old
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        return []
    modules = cythonize(
        [os.path.join("src", path) for path in compiled_modules()],
        # annotation_typing off: Cython would otherwise take `dict` or `list` in an annotation as that exact
        # type and reject a subclass (a Counter for a dict) that the Python source accepts.
        compiler_directives={"language_level": 3, "binding": True, "annotation_typing": False},
        quiet=True,
    )
    for module in modules:
        module.optional = True  # a failed compile leaves the pure Python module in place
    return modules


setup(ext_modules=extensions())
