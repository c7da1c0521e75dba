"""The story template language (bot/templates/language.py), the styles (styled.py), the values of an article
(values.py), the server's times (bot/times.py) and StoryTemplates on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.articles.records import FeedItem
from bot.posting.format import LIMITS, build_story_post
from bot.storage.articles import ArticleStore
from bot.storage.database import Database
from bot.storage.engines import open_database
from bot.storage.feeds import FeedStore, SubscriptionStore
from bot.storage.guilds import GuildSettingsError, GuildSettingsStore
from bot.templates.language import MAX_PLACEHOLDERS, TemplateError, parse
from bot.templates.service import StoryTemplates
from bot.templates.styled import STARTERS, check_template, styled_post
from bot.templates.values import SAMPLE_ARTICLE, keywords, story_values
from bot.times import TimeSettingError, TimeStyle, check_time_format, check_time_zone, format_time

VALUES = story_values(SAMPLE_ARTICLE, outlet="Harbour Times")


def render(source: str, values: dict[str, object] | None = None, limit: int = 2000) -> str:
    return parse(source).render(VALUES if values is None else values, limit)


# --- the language -----------------------------------------------------------------------------------------------

def test_fields_are_replaced_and_literal_text_kept() -> None:
    assert render("{title} — {outlet}") == "Harbour bridge reopens after a year of repairs — Harbour Times"
    assert render("{link}") == SAMPLE_ARTICLE.url
    assert render("{tags}") == "Local, Transport"
    assert render("{author} / {image}") == "Sam Reporter / https://news.example/images/bridge.jpg"


def test_every_field_has_a_value_for_a_full_article() -> None:
    from bot.templates.language import FIELDS

    values = story_values(SAMPLE_ARTICLE, outlet="Harbour Times", summary="A short summary.")
    for name in FIELDS:
        assert render(f"{{{name}}}", values), name


def test_fallbacks_take_the_first_field_with_a_value_then_the_quoted_text() -> None:
    values = {"summary": "", "excerpt": "The teaser.", "author": None}
    assert render("{summary|excerpt}", values) == "The teaser."
    assert render("{summary | excerpt}", {"summary": "Made.", "excerpt": "Teaser"}) == "Made."
    assert render('{author|"Staff"}', values) == "Staff"
    assert render('By {author|"the *desk*"}', values) == "By the *desk*"  # the template's own markdown stays
    assert render("[{author}]", values) == "[]"  # nothing at all: empty, never "None"
    assert render('{author|"a|b}c"}', values) == "a|b}c"  # quoted text may hold | and }


def test_a_length_limit_cuts_at_a_word_boundary_with_an_ellipsis() -> None:
    out = render("{excerpt:40}")
    assert out == "The bridge carries its first traffic…"
    assert len(out) <= 40
    assert render("{title:500}") == SAMPLE_ARTICLE.title  # under the limit: untouched
    assert render('{summary|excerpt:12}', {"excerpt": "Breaking news tonight"}) == "Breaking…"


def test_the_limit_counts_what_is_shown_after_escaping() -> None:
    out = render("{title:20}", {"title": "*a* _b_ *c* _d_ *e* _f_"})
    assert len(out) <= 20 and out.startswith("\\*a\\*") and out.endswith("…")


def test_braces_are_escaped_by_doubling_and_backslash_n_breaks_a_line() -> None:
    assert render("{{title}} is {title:8}") == "{title} is Harbour…"
    assert render("a}}b{{c") == "a}b{c"
    assert render("{title:7}\\n{outlet}") == "Harbou…\nHarbour Times"


def test_markdown_in_values_is_escaped_but_links_are_not() -> None:
    values = {"title": "**Bold** _claim_ [x](https://evil.example)", "link": "https://a.example/x_y_(1)"}
    out = render("{title} {link}", values)
    assert "\\*\\*Bold\\*\\*" in out and "\\_claim\\_" in out and "\\[x\\]" in out
    assert "https://a.example/x_y_(1%29" in out  # a ")" would end a masked link early
    assert render("{link}", {"link": "javascript:alert(1)"}) == ""  # only web links are shown


@pytest.mark.parametrize("text", ["@everyone", "@here", "<@123>", "<@!123>", "<@&456>", "<#789>", "@EVERYONE"])
def test_mentions_are_neutralised_in_values_and_in_the_template_itself(text: str) -> None:
    from_value = render("{title}", {"title": f"Alert {text} now"})
    from_template = render(f"{text} {{title}}", {"title": "x"})
    for out in (from_value, from_template):
        assert text not in out  # broken by a zero-width space, or by markdown escapes (`<\\#789\\>`)


def test_rendering_never_raises_on_odd_values() -> None:
    class Hostile:
        def __str__(self) -> str:
            raise RuntimeError("no")

    values = {"title": Hostile(), "summary": 42, "excerpt": ["a", None, "b"], "author": "\x00", "image": "ftp://x",
              "tags": (), "keywords": {"k"}}
    out = render("{title|\"t\"} {summary} {excerpt} {author|\"none\"} {image} {tags|\"no tags\"} {keywords}", values)
    assert out == 't 42 a, b none  no tags k'


def test_an_article_with_odd_data_still_renders() -> None:
    odd = dataclasses.replace(SAMPLE_ARTICLE, title="", published=None, image="data:image/png;base64,AA",
                              author=None, excerpt=None, categories=(), language="xx-nonsense")
    values = story_values(odd, outlet="")
    out = parse("{title}|{published|\"undated\"}|{image}|{author}|{keywords}|{published_relative}").render(values, 500)
    assert out == f"{odd.url}|undated||||"


def test_the_whole_output_is_cut_to_the_limit() -> None:
    out = render("{excerpt} {excerpt} {excerpt}", limit=50)
    assert len(out) <= 50 and out.endswith("…")


@pytest.mark.parametrize(("source", "says"), [
    ("{titel}", "no field `titel` (did you mean `title`?)"),
    ("{nonsense}", "fields are: title, link"),
    ("Hi {title", "never closed"),
    ("Hi {title\n}", "never closed"),
    ("a } b", "closes nothing; write `}}`"),
    ("{}", "is empty"),
    ("{title||excerpt}", "empty choice"),
    ("{title:0}", "from 1 to 4000"),
    ("{title:abc}", "from 1 to 4000"),
    ('{"x"|title}', "must be the last choice"),
    ('{author|"unclosed}', "never closed"),
    ("{title:9999}", "from 1 to 4000"),
])
def test_errors_say_what_is_wrong_and_where(source: str, says: str) -> None:
    with pytest.raises(TemplateError) as caught:
        parse(source)
    assert says in str(caught.value)


def test_errors_give_the_position() -> None:
    with pytest.raises(TemplateError, match="character 7"):
        parse("Hello {titel}")


def test_templates_over_the_style_limit_are_refused() -> None:
    with pytest.raises(TemplateError, match="2,001 characters; this style takes at most 2,000"):
        check_template("x" * 2001, "text")
    check_template("x" * 2000, "text")
    check_template("x" * 4000, "card")
    with pytest.raises(TemplateError, match="at most 4,096"):
        check_template("x" * 4097, "embed")
    with pytest.raises(TemplateError, match=f"at most {MAX_PLACEHOLDERS} placeholders"):
        parse("{title}" * (MAX_PLACEHOLDERS + 1))
    with pytest.raises(TemplateError, match="style must be one of"):
        check_template("{title}", "fancy")


def test_the_starters_parse() -> None:
    for style, source in STARTERS.items():
        check_template(source, style)


# --- styles -----------------------------------------------------------------------------------------------------

def _base(**extra: object) -> object:
    a = SAMPLE_ARTICLE
    return build_story_post(title=a.title, url=a.url, source="Harbour Times", excerpt=a.excerpt, author=a.author,
                            published=a.published, image_url=a.image, **extra)  # type: ignore[arg-type]


def test_the_embed_style_without_a_template_is_todays_embed_exactly() -> None:
    base = _base()
    assert styled_post(base, style="embed", template=None, values=VALUES) is base  # type: ignore[arg-type]


def test_an_embed_template_sets_the_description_within_the_embed_limits() -> None:
    base = _base(also_reported=[("Other", "https://o.example/" + "x" * 900)] * 3)
    post = styled_post(base, style="embed", template=parse("{excerpt} " * 50), values=VALUES)  # type: ignore[arg-type]
    assert post.style == "embed" and post.embed.description.startswith("The bridge carries")
    assert len(post.embed.description) <= LIMITS["embed_description"]
    assert post.embed.total_length() <= LIMITS["embed_total"]
    assert post.embed.title == base.embed.title  # type: ignore[attr-defined]


def test_a_text_post_is_the_content_with_the_role_mention_first_and_the_extras_within_2000() -> None:
    base = _base(mention_role_id=77, also_reported=[(f"Outlet {n}", f"https://o{n}.example/a") for n in range(60)],
                 featured=[("Ann", "Great point " * 30)])
    post = styled_post(base, style="text", template=parse("**{title}**\\n{excerpt}\\n" * 20),  # type: ignore[arg-type]
                       values=VALUES)
    assert post.style == "text" and post.content is not None
    assert post.content.startswith("<@&77>\n**Harbour bridge")
    assert len(post.content) <= LIMITS["content"]
    assert "**Also reported by**\n[Outlet 0](https://o0.example/a)" in post.content
    assert "**Featured**" in post.content


def test_an_outlet_too_long_to_list_in_a_plain_post_is_counted() -> None:
    base = _base(also_reported=[("Other", "https://o.example/" + "x" * 1000)])
    post = styled_post(base, style="text", template=parse("{title}"), values=VALUES)  # type: ignore[arg-type]
    assert post.content == f"{SAMPLE_ARTICLE.title}\n**Also reported by**\nand 1 more"


def test_a_card_carries_text_image_extras_and_mention_within_4000() -> None:
    base = _base(mention_role_id=5, also_reported=[("Other", "https://o.example/a")])
    for style, compact in (("card", False), ("compact", True)):
        post = styled_post(base, style=style, template=parse("{excerpt}\\n" * 60), values=VALUES)  # type: ignore[arg-type]
        card = post.card
        assert post.style == style and card is not None and card.compact is compact
        assert card.image_url == SAMPLE_ARTICLE.image and card.mention == "<@&5>"
        assert card.extras == (("Also reported by", "[Other](https://o.example/a)"),)
        total = len(card.text) + sum(len(a) + len(b) + 8 for a, b in card.extras) + len(card.mention or "")
        assert total <= LIMITS["card_text"]


def test_a_style_without_a_template_uses_its_starter() -> None:
    post = styled_post(_base(), style="card", template=None, values=VALUES)  # type: ignore[arg-type]
    assert post.card is not None
    assert post.card.text.startswith(f"### [Harbour bridge reopens after a year of repairs]({SAMPLE_ARTICLE.url})")


# --- values and times -------------------------------------------------------------------------------------------

def test_published_is_written_in_the_guilds_zone_and_format() -> None:
    when = datetime(2026, 7, 1, 22, 15, tzinfo=UTC)
    assert format_time(when, TimeStyle()) == "01 Jul 2026, 22:15 UTC"
    assert format_time(when, TimeStyle("America/New_York", "%Y-%m-%d %I:%M %p %Z")) == "2026-07-01 06:15 PM EDT"
    assert format_time(when, TimeStyle("Europe/Paris", "%A %d %B, %H:%M")) == "Thursday 02 July, 00:15"
    assert format_time(when, TimeStyle("Not/AZone", "%H")) == "2026-07-01 22:15 UTC"  # a bad stored value
    assert format_time(None, TimeStyle()) == ""
    values = story_values(dataclasses.replace(SAMPLE_ARTICLE, published=when), outlet="x",
                          time_style=TimeStyle("Asia/Tokyo", "%H:%M %Z"))
    assert values["published"] == "07:15 JST"
    assert values["published_relative"] == f"<t:{int(when.timestamp())}:R>"


def test_time_settings_are_checked() -> None:
    assert check_time_zone(" Europe/Paris ") == "Europe/Paris"
    for bad in ("Mars/Olympus", "../etc/passwd", "", "x" * 80):
        with pytest.raises(TimeSettingError, match="not a time zone"):
            check_time_zone(bad)
    assert check_time_format("%d/%m/%Y %H:%M") == "%d/%m/%Y %H:%M"
    with pytest.raises(TimeSettingError, match="%c is not supported"):
        check_time_format("%c")
    with pytest.raises(TimeSettingError, match="1 to 64"):
        check_time_format("%H" * 40)


def test_keywords_skip_stop_words_and_keep_the_titles_spelling() -> None:
    assert keywords("Harbour bridge reopens after a year of repairs",
                    "The bridge carries its first traffic since the storm.")[:2] == ["bridge", "Harbour"]
    assert keywords("", "") == []
    assert keywords("Le pont du port rouvre après des réparations", "", "fr")[0] == "pont"


# --- on a real database -----------------------------------------------------------------------------------------

@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = await open_database(database_url)  # each test runs on SQLite and on PostgreSQL
    yield database
    await database.close()


async def test_templates_are_previewed_and_saved_per_subscription(db: Database) -> None:
    feeds, subs, articles, guilds = FeedStore(db), SubscriptionStore(db), ArticleStore(db), GuildSettingsStore(db)
    feed = await feeds.get_or_create("https://outlet.example/feed")
    sub = await subs.add(feed.id, guild_id=1, channel_id=2)
    assert (sub.template, sub.card_style) == (None, "embed")
    asked: list[int] = []

    async def summary(article_id: int) -> str | None:
        asked.append(article_id)
        return "Newsdesk's summary."

    templates = StoryTemplates(subscriptions=subs, feeds=feeds, articles=articles, guilds=guilds, summary=summary)
    # No stored article yet: the preview uses the sample, and asks no summary for it.
    preview = await templates.preview(sub, style="text", template="{title} | {summary|excerpt:30}")
    assert preview.sample and preview.post.content == f"{SAMPLE_ARTICLE.title} | The bridge carries its first…"
    item = FeedItem(guid="g", url="https://outlet.example/a", title="Stored @everyone story", excerpt="Teaser.",
                    published=datetime(2026, 12, 6, 8, 0, tzinfo=UTC), author=None, image=None, language="en",
                    content_hash="h")
    stored = (await articles.ingest(feed.id, [item]))[0].article
    await guilds.update(1, time_zone="Europe/Paris", time_format="%H:%M")
    preview = await templates.preview(sub, style="text", template="{title} {summary|excerpt} {published}")
    assert not preview.sample and preview.post.content == "Stored @\u200beveryone story Newsdesk's summary. 09:00"
    assert asked == [stored.id]
    with pytest.raises(TemplateError):
        await templates.preview(sub, style="text", template="{nope}")
    saved = await templates.save(sub.id, style="card", template="{title}")
    assert saved is not None and (saved.template, saved.card_style) == ("{title}", "card")
    base = build_story_post(title=stored.title, url=stored.url, source="Outlet")
    shown = await templates.present(base, stored, saved, "Outlet")
    assert shown.card is not None and shown.card.text == "Stored @\u200beveryone story"
    reset = await templates.save(sub.id, style="embed", template=None)
    assert reset is not None and await templates.present(base, stored, reset, "Outlet") is base
    # A template stored by an older version that no longer parses: the style's default, never an error.
    await subs.update(sub.id, template="{gone_field}", card_style="text")
    broken = await subs.get(sub.id)
    shown = await templates.present(base, stored, broken, "Outlet")
    assert shown.style == "text" and shown.content is not None and shown.content.startswith("**Stored")


async def test_guild_time_settings_are_validated_on_save(db: Database) -> None:
    guilds = GuildSettingsStore(db)
    with pytest.raises(GuildSettingsError, match="not a time zone"):
        await guilds.update(1, time_zone="Moon/Base")
    with pytest.raises(GuildSettingsError, match="not supported"):
        await guilds.update(1, time_format="%Q")
    settings = await guilds.update(1, time_zone="UTC", time_format="%H:%M")
    assert (settings.time_zone, settings.time_format) == ("UTC", "%H:%M")
    assert (await guilds.update(1, time_zone=None)).time_zone is None
