"""khabar (خبر): an open engine for Arabic news.

Every entry point hands articles to one path, :mod:`khabar.pipeline`:
normalize (:mod:`khabar.text`) → store (:mod:`khabar.store`) → enrich → link.
"""

__version__ = "0.1.0"


def compiled() -> bool:
    """Whether this install runs its hot modules compiled by Cython (a regular install where a C compiler
    was found; see setup.py) rather than from their Python sources (an editable install)."""
    from importlib.util import find_spec

    spec = find_spec("khabar.enrich.tags")
    return bool(spec and spec.origin and not spec.origin.endswith(".py"))
