"""Story matching (`bot.stories`): one story across outlets, related stories apart, the window, languages."""

from __future__ import annotations

from bot.stories import StoryArticle, StoryIndex
from bot.stories.terms import extract_terms, guess_language, lead_of

HOUR = 3600.0


def _feed(index: StoryIndex, items: list[tuple[str, str, float]]) -> dict[str, str]:
    """id -> story id, for (id, title, hours) fed in order."""
    stories: dict[str, str] = {}
    for article_id, title, hours in items:
        match = index.assign(StoryArticle(id=article_id, title=title, at=hours * HOUR))
        stories[article_id] = article_id if match is None else str(match.story_id)
    return stories


def test_three_outlets_one_story_and_a_different_story_apart() -> None:
    stories = _feed(StoryIndex(), [
        ("reuters", "Magnitude 7.1 earthquake strikes off the coast of Japan", 0),
        ("apple", "Apple unveils its new iPhone at September event", 0.1),
        ("ap", "Japan earthquake: 7.1 magnitude quake hits off coast, tsunami warning issued", 0.3),
        ("bbc", "Strong 7.1 earthquake off Japan coast triggers tsunami warning", 0.5),
        ("chile", "Magnitude 6.2 earthquake strikes central Chile", 0.6),
    ])
    assert stories["ap"] == stories["bbc"] == "reuters"
    assert stories["apple"] == "apple"
    assert stories["chile"] == "chile"  # an earthquake, but another one: never merged


def test_match_reports_story_size_and_score() -> None:
    index = StoryIndex()
    assert index.assign(StoryArticle("a", "Central bank raises interest rates to 5 percent", 0)) is None
    match = index.assign(StoryArticle("b", "Central bank raises interest rates to 5 percent amid inflation", 60))
    assert match is not None
    assert (match.story_id, match.size) == ("a", 2)
    assert 0.42 <= match.score <= 1.0


def test_follow_up_with_other_figures_is_not_merged() -> None:
    stories = _feed(StoryIndex(), [
        ("q1", "Acme reports first quarter profit of 2.1 billion dollars", 0),
        ("q1b", "Acme first quarter profit 2.1 billion dollars beats forecasts", 1),
        ("layoffs", "Acme to cut 4,000 jobs in restructuring", 2),
    ])
    assert stories["q1b"] == "q1"
    assert stories["layoffs"] == "layoffs"


def test_window_closes_a_story() -> None:
    index = StoryIndex(window_seconds=36 * HOUR)
    title = "Wildfire forces evacuation of thousands in northern California"
    assert index.assign(StoryArticle("first", title, 0)) is None
    late = index.assign(StoryArticle("late", title, 37 * HOUR))
    assert late is None  # the first story was opened more than 36 h ago: a new story
    again = index.assign(StoryArticle("again", title, 38 * HOUR))
    assert again is not None and again.story_id == "late"
    assert len(index) == 1  # the expired story left the index


def test_restore_replays_earlier_decisions() -> None:
    index = StoryIndex()
    index.restore(StoryArticle("a", "Parliament passes new climate law after long debate", 0), None)
    index.restore(StoryArticle("b", "Climate law passed by parliament", 10), "a")
    match = index.assign(StoryArticle("c", "Parliament passes climate law", 20))
    assert match is not None and match.story_id == "a" and match.size == 3


def test_german_titles_are_stemmed_and_matched() -> None:
    stories = _feed(StoryIndex(), [
        ("d1", "Erdbeben der Stärke 7,1 erschüttert die Küste Japans", 0),
        ("d2", "Schweres Erdbeben vor der Küste Japans: Stärke 7,1", 0.2),
        ("d3", "Bundestag beschließt neues Heizungsgesetz", 0.3),
    ])
    assert stories["d2"] == "d1"
    assert stories["d3"] == "d3"


def test_language_guess_needs_evidence_and_prefers_the_channel_language() -> None:
    assert guess_language("Magnitude 7.1 earthquake hits Japan coast") is None  # too few stop words
    assert guess_language("Le président a annoncé une réforme des retraites") == "fr"
    assert guess_language("Erdbeben der Stärke 7,1 erschüttert die Küste Japans") == "de"
    terms = extract_terms("Magnitude earthquake hits Japan coast", fallback_language="en")
    assert terms.language == "en" and "japan" in terms.weights and "earthquak" in terms.weights


def test_terms_drop_stop_and_news_words_and_keep_numbers_apart() -> None:
    terms = extract_terms("UPDATE: Obama says the U.S. will send 300 advisers to Iraq")
    assert "updat" not in terms.weights and "say" not in terms.weights and "the" not in terms.weights
    assert {"obama", "iraq"} <= set(terms.weights)
    assert terms.numbers == frozenset({"300"})


def test_lead_counts_less_than_title_and_is_cut() -> None:
    terms = extract_terms("Storm hits coast", "Storm damage along the coast and power cuts", lead_weight=0.5)
    assert terms.weights["storm"] == 1.5 and terms.weights["damag"] == 0.5
    long = "word " * 300
    assert len(lead_of(long)) <= 400 and not lead_of(long).endswith(" ")
    assert lead_of(None) == ""


def test_summary_helps_a_short_title_find_its_story() -> None:
    index = StoryIndex()
    summary = "A magnitude 7.1 earthquake struck off the coast of Japan on Friday, triggering a tsunami warning."
    assert index.assign(StoryArticle("a", "Japan earthquake", 0, summary=summary)) is None
    match = index.assign(StoryArticle("b", "Tsunami warning after strong quake", 600, summary=summary))
    assert match is not None and match.story_id == "a"
    without = StoryIndex()
    without.assign(StoryArticle("a", "Japan earthquake", 0))
    assert without.assign(StoryArticle("b", "Tsunami warning after strong quake", 600)) is None


def test_declared_language_is_normalised_and_becomes_the_channel_language() -> None:
    index = StoryIndex()
    first = index.terms_of(StoryArticle("a", "Regierung beschließt neue Regeln", 0, language="de-DE"))
    assert first.language == "de" and "regier" in first.weights
    # No stop words to guess from: the channel's usual language (German now) is taken, so the stems meet.
    second = index.terms_of(StoryArticle("b", "Neue Regeln beschlossen", 0))
    assert second.language == "de"
    assert set(first.weights) & set(second.weights) >= {"regel"}
