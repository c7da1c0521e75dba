"""Moderation rules and actions for article comment threads (no Discord here: cogs carry them out)."""
