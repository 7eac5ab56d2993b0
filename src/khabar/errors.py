"""The small exception hierarchy of khabar's public API.

Every error says what was wrong and what to do about it, so a caller can show
the message to a person as it is.
"""


class KhabarError(Exception):
    """Base class of every error khabar raises on purpose."""


class ConfigError(KhabarError):
    """A setting (a flag, an environment variable, a URL) is not usable."""


class StoreError(KhabarError):
    """The store cannot be opened, migrated or written."""


class IngestError(KhabarError):
    """A whole input (a file, a feed) cannot be read at all."""


class RecordError(KhabarError):
    """One record of an input is unusable; the rest of the input goes on."""


class NotFound(KhabarError):
    """The article, story or tag asked for is not in the store."""
