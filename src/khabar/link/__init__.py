"""Linking articles to each other: near-duplicates (related articles and stories follow)."""
