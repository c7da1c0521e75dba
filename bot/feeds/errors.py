"""Typed fetch errors. Each one's `str()` is a single line for the user: what went wrong and what to do.

The scheduler treats them all as one failed poll of a feed; `GoneError` pauses the feed at once and
`RateLimitedError.retry_after` pushes the next poll back. Nothing else needs to tell them apart, but the
CLI and the bot show the message as is, so the messages are written for people running a Discord server.
"""

from __future__ import annotations

__all__ = [
    "SHOWN_URL_CHARS",
    "BlockedAddressError",
    "BodyTooLargeError",
    "ConnectFailedError",
    "ContentDecodingError",
    "DnsError",
    "FetchError",
    "FetchTimeoutError",
    "GoneError",
    "HttpStatusError",
    "InvalidUrlError",
    "RateLimitedError",
    "RedirectLimitError",
    "TlsError",
    "UnsupportedSchemeError",
    "shown_url",
]

# Longest URL (or host, or server-chosen text) echoed whole in a message: a URL may be 100,000 characters, and a
# message that long is no longer one line (Discord refuses it outright past 2,000).
SHOWN_URL_CHARS = 200


def shown_url(url: object, limit: int = SHOWN_URL_CHARS) -> str:
    """`url` as text for a message: whole when short, else its start and end around "…" (`limit` characters)."""
    text = str(url)
    if len(text) <= limit:
        return text
    tail = limit // 5
    return f"{text[:limit - tail - 1]}…{text[-tail:]}"


class FetchError(Exception):
    """A fetch failed for a reason worth telling the user; `url` is the address that failed."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url

    @property
    def message(self) -> str:
        return str(self.args[0])


class InvalidUrlError(FetchError):
    """The URL cannot be fetched at all (no host, malformed)."""


class UnsupportedSchemeError(FetchError):
    """Only http and https are fetched: file:, ftp:, gopher: and friends are refused."""


class BlockedAddressError(FetchError):
    """The SSRF guard refused an address; `rule` names the rule (e.g. 'loopback', 'cloud-metadata')."""

    def __init__(self, message: str, *, url: str | None = None, rule: str, address: str) -> None:
        super().__init__(message, url=url)
        self.rule = rule
        self.address = address


class DnsError(FetchError):
    """The host name does not resolve."""


class ConnectFailedError(FetchError):
    """No TCP connection could be made (refused, unreachable, timed out)."""


class TlsError(FetchError):
    """The TLS handshake failed (bad or expired certificate, wrong protocol)."""


class FetchTimeoutError(FetchError):
    """The server was too slow: a read stalled or the whole fetch took longer than allowed."""


class RedirectLimitError(FetchError):
    """Too many redirects, or a redirect loop."""


class BodyTooLargeError(FetchError):
    """The (decompressed) body is larger than the configured maximum; reading stopped there."""


class ContentDecodingError(FetchError):
    """The body claims a compression it does not have, or uses one we do not support."""


class HttpStatusError(FetchError):
    """The server answered with an error status."""

    def __init__(self, message: str, *, url: str | None = None, status: int) -> None:
        super().__init__(message, url=url)
        self.status = status


class GoneError(HttpStatusError):
    """410 Gone: the feed was removed on purpose; polling it again is pointless."""


class RateLimitedError(HttpStatusError):
    """429 or 503; `retry_after` (seconds, or None) is when the server asked us to come back."""

    def __init__(self, message: str, *, url: str | None = None, status: int, retry_after: float | None) -> None:
        super().__init__(message, url=url, status=status)
        self.retry_after = retry_after
