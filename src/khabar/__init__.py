"""khabar (خبر): an open engine for Arabic news.

Every entry point hands articles to one path, :mod:`khabar.pipeline`:
normalize (:mod:`khabar.text`) → store (:mod:`khabar.store`) → enrich → link.
"""

__version__ = "0.1.0"
