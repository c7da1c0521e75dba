"""Logging set-up: quiet by default, and secrets scrubbed from every line, tracebacks included."""

from __future__ import annotations

import logging
import re

__all__ = ["OWN_LOGGERS", "STATUS_LOGGER", "RedactingFormatter", "configure_logging", "redact", "register_secret"]

_SECRETS: set[str] = set()
# Discord bot tokens have a recognisable shape; scrub them even if nobody registered them.
_TOKEN_SHAPE = re.compile(r"[MNO][A-Za-z\d_-]{23,25}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,40}")
# A webhook's token travels in its URL (discord.py logs those URLs at debug level): scrub any such URL's token.
_WEBHOOK_URL = re.compile(r"(/webhooks/\d{1,20}/)[A-Za-z\d_-]{8,100}")


def register_secret(value: str | None) -> None:
    """Make `value` disappear from every formatted log line from now on."""
    if value and len(value) >= 4:
        _SECRETS.add(value)


def redact(text: str) -> str:
    for secret in _SECRETS:
        text = text.replace(secret, "********")
    return _WEBHOOK_URL.sub(r"\1********", _TOKEN_SHAPE.sub("********", text))


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


# Newsdesk's own packages: LOG_LEVEL applies to these; everything else logs at LOG_LEVEL_LIBRARIES.
OWN_LOGGERS = ("bot", "cogs", "newsdesk", "emulator", "demo")
# Start-up, connection and shutdown lines: shown at the default level, so a running bot says it runs.
STATUS_LOGGER = "newsdesk.status"
# The article extractor logs an ERROR for every page it cannot parse; Newsdesk reports those itself.
_EXTRACTOR_LOGGERS = ("trafilatura", "htmldate", "courlan", "justext")


def configure_logging(level: str = "warning", libraries: str = "warning") -> None:
    """Newsdesk's loggers at `level`, third-party ones at `libraries` (so LOG_LEVEL=debug is Newsdesk's
    debug output, not aiosqlite's), status lines always unless `level` is error."""
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(libraries.upper())
    own = logging.getLevelName(level.upper())
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(own)
    logging.getLogger(STATUS_LOGGER).setLevel(min(own, logging.INFO) if own < logging.ERROR else own)
    quiet_extractor = logging.getLevelName(libraries.upper()) >= logging.WARNING
    for name in _EXTRACTOR_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL if quiet_extractor else libraries.upper())
    # Set by an earlier configure_logging in this process (tests, the sandbox): the root level rules now.
    logging.getLogger("discord").setLevel(logging.NOTSET)
