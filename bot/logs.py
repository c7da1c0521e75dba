"""Logging set-up: quiet by default, and secrets scrubbed from every line, tracebacks included."""

from __future__ import annotations

import logging
import re

__all__ = ["RedactingFormatter", "configure_logging", "redact", "register_secret"]

_SECRETS: set[str] = set()
# Discord bot tokens have a recognisable shape; scrub them even if nobody registered them.
_TOKEN_SHAPE = re.compile(r"[MNO][A-Za-z\d_-]{23,25}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,40}")


def register_secret(value: str | None) -> None:
    """Make `value` disappear from every formatted log line from now on."""
    if value and len(value) >= 4:
        _SECRETS.add(value)


def redact(text: str) -> str:
    for secret in _SECRETS:
        text = text.replace(secret, "********")
    return _TOKEN_SHAPE.sub("********", text)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(level: str = "warning") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # discord.py is chatty at INFO; keep it at WARNING unless we are debugging.
    if level.lower() != "debug":
        logging.getLogger("discord").setLevel(logging.WARNING)
