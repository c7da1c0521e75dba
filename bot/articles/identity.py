"""When two links or two stories are the same article: canonical URLs, title keys and text similarity.

Below both the feed readers (which canonicalise what they parse) and the article store (which dedupes on
these when it ingests), so neither imports the other for them.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

__all__ = ["TRACKING_PARAMS", "canonical_url", "text_similarity", "title_key"]

# Query parameters that only say where a click came from; the article is the same without them.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid", "li_fat_id",
    "mc_cid", "mc_eid", "_hsenc", "_hsmi", "__hssc", "__hstc", "__hsfp", "hsctatracking", "igshid", "mkt_tok",
    "oly_anon_id", "oly_enc_id", "vero_conv", "vero_id", "wickedid", "rb_clickid", "s_cid", "ncid", "cmpid",
    "ocid", "_ga", "_gl", "spm", "ref_src", "ref_url", "sr_share", "at_medium", "at_campaign",
})
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "matomo_", "itm_")
_DEFAULT_PORTS = {"http": 80, "https": 443}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_WORD = re.compile(r"\w+", re.UNICODE)


def canonical_url(href: str | None, base: str | None = None, *, strip_tracking: bool = True) -> str | None:
    """`href` resolved against `base`, with tracking parameters, fragment and default port removed and the
    scheme and host lower-cased. None for anything that is not an http(s) URL."""
    if not href:
        return None
    href = _CONTROL.sub("", href).strip()
    if not href:
        return None
    try:
        absolute = urljoin(base, href) if base else href
        parts = urlsplit(absolute)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS or not parts.hostname:
            return None
        host = parts.hostname.lower().rstrip(".")
        if ":" in host:  # IPv6 literal
            host = f"[{host}]"
        port = parts.port
    except ValueError:  # bad port, bad IPv6 literal
        return None
    # Credentials in a feed's links are a mistake or a trick: they are never kept (netloc is rebuilt).
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = parts.query
    if strip_tracking and query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if k.lower() not in TRACKING_PARAMS
                and not k.lower().startswith(_TRACKING_PREFIXES)]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    path = parts.path.replace(" ", "%20") or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def title_key(title: str) -> str:
    """A title reduced for near-duplicate matching: accents, case, punctuation and spacing ignored."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", title) if not unicodedata.combining(c))
    return " ".join(_WORD.findall(folded.casefold()))[:300]


def _shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.casefold())
    if len(words) < n:
        return {tuple(words)} if words else set()
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def text_similarity(a: str, b: str) -> float:
    """Jaccard similarity of word 3-gram sets, 0..1 (two empty texts are identical)."""
    sa, sb = _shingles(a), _shingles(b)
    if not sa and not sb:
        return 1.0
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)
