"""``python -m khabar``: the same as the ``khabar`` command."""

from khabar.cli import app

app(prog_name="khabar")
