"""OPML on plain data (bot/feeds/opml.py): a reader's export is read, Newsdesk's own export reads back the same,
and malformed or hostile files (entities, external entities, DTDs, huge files, thousands of outlines) get one
clear OpmlProblem."""

from __future__ import annotations

import pytest

from bot.feeds.opml import MAX_OPML_BYTES, OpmlFeed, OpmlProblem, build_opml, parse_opml

READER_EXPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0"><head><title>My feeds</title></head><body>
  <outline text="News" title="News">
    <outline type="rss" text="City Desk" title="City Desk" xmlUrl="https://city.example/feed.xml" htmlUrl="https://city.example/"/>
    <outline type="rss" text="Science" xmlUrl="http://science.example/rss"/>
  </outline>
  <outline type="rss" text="City Desk again" xmlUrl="https://city.example/feed.xml"/>
  <outline type="rss" text="Mail" xmlUrl="mailto:someone@example.org"/>
</body></opml>"""


def test_a_readers_export_lists_each_feed_once_in_order() -> None:
    doc = parse_opml(READER_EXPORT)
    assert doc.feeds == (OpmlFeed("https://city.example/feed.xml", "City Desk"),
                         OpmlFeed("http://science.example/rss", "Science"))
    assert doc.skipped == ("Mail: not a web address (mailto:someone@example.org)",)


def test_newsdesks_export_reads_back_with_channels_and_modes() -> None:
    feeds = [OpmlFeed("https://city.example/feed.xml", "City & <Desk>", 123, "thread"),
             OpmlFeed("https://science.example/rss", "", 456, "forum")]
    data = build_opml(feeds)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    back = parse_opml(data).feeds
    assert back == (feeds[0], OpmlFeed("https://science.example/rss", "https://science.example/rss", 456, "forum"))


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<opml version="2.0"><body><outline text="&lol3;" xmlUrl="https://a.example/feed"/></body></opml>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><body><outline text="&secret;" xmlUrl="https://a.example/feed"/></body></opml>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE opml SYSTEM "http://127.0.0.1:1/evil.dtd">
<opml version="2.0"><body><outline text="x" xmlUrl="https://a.example/feed"/></body></opml>"""
MANY_OUTLINES = (b'<opml version="2.0"><body>'
                 + b"".join(b'<outline text="f%d" xmlUrl="https://a.example/%d"/>' % (i, i) for i in range(5000))
                 + b"</body></opml>")
DEEP = b'<opml version="2.0"><body>' + b"<outline>" * 20000 + b"</outline>" * 20000 + b"</body></opml>"


@pytest.mark.parametrize(("data", "says"), [
    (BILLION_LAUGHS, "declares a DTD or entities"),
    (EXTERNAL_ENTITY, "declares a DTD or entities"),
    (EXTERNAL_DTD, "declares a DTD or entities"),
    (MANY_OUTLINES, "more than 1,000 outlines"),
    (DEEP, "more than 1,000 outlines"),
    (b"<opml><body><outline xmlUrl='https://a.example/feed'></body>", "not well-formed XML"),
    (b"\xff\xfe garbage", "not well-formed XML"),
    (b"", "The file is empty"),
    (b'<rss version="2.0"><channel/></rss>', "not an OPML file"),
    (b'<opml version="2.0"><body><outline text="folder"/></body></opml>', "lists no feeds"),
    (b"<opml>" + b" " * MAX_OPML_BYTES + b"</opml>", "limited to 1 MB"),
])
def test_malformed_and_hostile_files_get_one_clear_error(data: bytes, says: str) -> None:
    with pytest.raises(OpmlProblem, match=says):
        parse_opml(data)
