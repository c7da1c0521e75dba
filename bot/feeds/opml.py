"""OPML, the feed readers' exchange format: read the feeds a file lists (`/feed import`, `newsdesk feed import`)
and write a guild's subscriptions as one (`/feed export`, `newsdesk feed export`).

A file comes from outside, so reading is bounded and refuses anything hostile with one `OpmlProblem`
before anything is followed: at most `MAX_OPML_BYTES`, parsed by defusedxml with DTDs, entity declarations and
external references forbidden (no billion laughs, no file or network reads), at most `MAX_OUTLINES` outlines.
Newsdesk's own export adds `newsdeskChannel` and `newsdeskMode` to each outline, so an export imported again
(from the command line, without --channel) follows each feed in the channel it came from.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # only to *write* OPML; reading goes through defusedxml
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.etree.ElementTree import ParseError  # what defusedxml raises on malformed XML

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from bot.feeds.errors import shown_url
from bot.formats import plural

__all__ = ["MAX_OPML_BYTES", "MAX_OUTLINES", "OpmlDocument", "OpmlFeed", "OpmlProblem", "build_opml", "parse_opml"]

MAX_OPML_BYTES = 1_000_000   # a reader's export of a few hundred feeds is tens of kilobytes
MAX_OUTLINES = 1_000         # folders included; more is not a feed list a channel should take at once
_MAX_URL = 2_000


class OpmlProblem(ValueError):
    """Why an OPML file cannot be imported, in one sentence saying what to do."""


@dataclass(frozen=True)
class OpmlFeed:
    url: str
    title: str
    channel_id: int | None = None   # Newsdesk's own exports say where each feed was followed
    mode: str | None = None


@dataclass(frozen=True)
class OpmlDocument:
    feeds: tuple[OpmlFeed, ...]
    skipped: tuple[str, ...]        # outlines that are not usable feeds, and why


def parse_opml(data: bytes) -> OpmlDocument:
    """The feeds an OPML file lists, each once, in file order. Raises OpmlProblem (nothing is partial)."""
    if len(data) > MAX_OPML_BYTES:
        raise OpmlProblem(f"The file is {len(data) // 1000:,} KB; an OPML import is limited to "
                          f"{MAX_OPML_BYTES // 1_000_000} MB. Split it, or export fewer feeds.")
    if not data.strip():
        raise OpmlProblem("The file is empty; attach the .opml file your feed reader exported.")
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise OpmlProblem("The file declares a DTD or entities, which OPML never needs and which can be used to "
                          "attack a server; export it again from your feed reader.") from None
    except ParseError as exc:
        raise OpmlProblem(f"The file is not well-formed XML ({exc}); attach the .opml file your feed reader "
                          "exported, unedited.") from None
    if _local(root.tag) != "opml":
        raise OpmlProblem(f"This is not an OPML file (its root element is <{_local(root.tag)[:40]}>, not <opml>).")
    feeds: list[OpmlFeed] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for count, outline in enumerate((e for e in root.iter() if _local(e.tag) == "outline"), start=1):
        if count > MAX_OUTLINES:
            raise OpmlProblem(f"The file has more than {MAX_OUTLINES:,} outlines; import at most that many at "
                              "once (split the file by folder).")
        attrs = {_local(k).lower(): v for k, v in outline.attrib.items()}
        url = (attrs.get("xmlurl") or "").strip()
        title = (attrs.get("title") or attrs.get("text") or "").strip()[:200]
        if not url:
            continue  # a folder
        if not url.lower().startswith(("http://", "https://")) or len(url) > _MAX_URL:
            skipped.append(f"{title or shown_url(url)}: not a web address ({shown_url(url)})")
            continue
        if url in seen:
            continue
        seen.add(url)
        channel = attrs.get("newsdeskchannel", "")
        mode = attrs.get("newsdeskmode")
        feeds.append(OpmlFeed(url, title, int(channel) if channel.isdigit() else None,
                              mode if mode in ("thread", "forum", "plain") else None))
    if not feeds:
        raise OpmlProblem("The file lists no feeds (no outline has an xmlUrl)"
                          + (f"; {plural(len(skipped), 'outline')} had no web address." if skipped else "."))
    return OpmlDocument(tuple(feeds), tuple(skipped))


def _local(tag: object) -> str:
    """A tag or attribute name without its namespace."""
    text = str(tag)
    return text.rsplit("}", 1)[-1]


def build_opml(feeds: Sequence[OpmlFeed], *, title: str = "Newsdesk feeds", now: datetime | None = None) -> bytes:
    """An OPML 2.0 document listing `feeds` (with Newsdesk's channel and mode attributes when known)."""
    opml = ET.Element("opml", version="2.0")
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now or datetime.now(UTC), usegmt=True)
    body = ET.SubElement(opml, "body")
    for feed in feeds:
        attrs = {"type": "rss", "text": feed.title or feed.url, "title": feed.title or feed.url, "xmlUrl": feed.url}
        if feed.channel_id is not None:
            attrs["newsdeskChannel"] = str(feed.channel_id)
        if feed.mode:
            attrs["newsdeskMode"] = feed.mode
        ET.SubElement(body, "outline", attrs)
    ET.indent(opml)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(opml, encoding="unicode") + "\n").encode()
