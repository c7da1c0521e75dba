"""Feeds: fetching, guarding, parsing, deduplicating and scheduling news feeds (no discord imports)."""
