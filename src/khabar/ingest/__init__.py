"""Entry points that bring articles in. Each hands them to :mod:`khabar.pipeline`."""
