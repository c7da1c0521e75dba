"""Summaries read as whole sentences: no sentence whose antecedent was left out, no headline, byline or dateline."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.summarize.coherence import depends_on_previous, opens_with_reference
from bot.summarize.extractive import ExtractiveSummarizer
from bot.summarize.rank import FEATURE_NAMES, Model, load_model
from bot.summarize.result import SummaryOptions

DATA = Path(os.environ.get("NEWSDESK_SHARED_DATA", "../shared/data")) / "summarization/cnndm_validation_1000.jsonl"

# The demo's QuanTalk story, cut down: "Instead it prohibits…" answers the sentence before it.
BAN = """The United States has banned American companies from doing business with QuanTalk, the Chinese messaging app used by 19 million people in the country.
The order takes effect in 45 days and cites the risk that data about American users could be handed to the Chinese government.
The ban does not switch the app off.
Instead it prohibits "any transaction" with QuanTalk's parent company, which means app stores can no longer distribute the app, payment processors must stop handling in-app payments and American cloud firms must end their contracts with QuanTalk.
Existing installations will keep working, but without updates the app will grow less secure over time.
Users who want to leave can export their chats from the settings menu before the deadline.
"""


@pytest.mark.parametrize(
    "sentence",
    [
        "Instead it prohibits any transaction with the company.",
        "But the council said no.",
        "That may sound like an esoteric adage.",
        "It was the first time the law had been used.",
        "They were taken from Afghan sources.",
        '"We will appeal," he said.',
        "However, the ban does not cover existing users.",
        "His lawyer said the charges would be contested.",
    ],
)
def test_sentences_that_lean_on_the_previous_one(sentence: str) -> None:
    assert opens_with_reference(sentence, "en")


@pytest.mark.parametrize(
    "sentence",
    [
        "The ban does not switch the app off.",
        "Italy won the match 2-1.",
        "Thesis defences were postponed.",
        "Both teams agreed to a replay next week.",
        "Last year, 40 people died on the road.",
        '"We will appeal," said Maria Lopez, the party\'s lawyer.',
    ],
)
def test_sentences_that_stand_alone(sentence: str) -> None:
    assert not opens_with_reference(sentence, "en")


def test_a_quotation_continued_in_the_next_sentence_depends_on_it() -> None:
    flags = depends_on_previous(['The minister said: "We have done everything we could.',
                                 'Nobody could have predicted this storm."', "Rain fell all week."])
    assert flags == [False, True, False]


def test_a_dependent_sentence_brings_its_antecedent_or_is_left_out() -> None:
    summarizer = ExtractiveSummarizer()
    for count in (1, 2, 3, 4):
        sentences = summarizer.summarize(BAN, SummaryOptions(sentences=count)).sentences
        assert sentences
        for sentence in sentences:
            if sentence.startswith("Instead"):
                assert sentences[sentences.index(sentence) - 1] == "The ban does not switch the app off."
        assert not sentences[0].startswith("Instead")


def _dangling(summary: list[str], article_sentences: list[str], flags: list[bool]) -> list[str]:
    """Summary sentences that depend on an article sentence the summary does not show just before them
    (`flags`: `depends_on_previous(article_sentences)`)."""
    found = []
    for k, sentence in enumerate(summary):
        i = article_sentences.index(sentence)
        if flags[i] and (i == 0 or k == 0 or summary[k - 1] != article_sentences[i - 1]):
            found.append(sentence)
    return found


def test_no_summary_of_the_shared_sample_has_a_dangling_sentence() -> None:
    """Every article at 1 and 3 sentences (issue 17). Each article is cleaned and segmented once and both
    lengths ranked from that, as `summarize` does; `summarize` itself is checked to choose the same sentences
    on the first articles, so this stays the summary readers get (1/3 of the time of summarizing twice)."""
    if not DATA.is_file():
        pytest.skip(f"shared data not found at {DATA} (set NEWSDESK_SHARED_DATA)")
    summarizer = ExtractiveSummarizer()
    with DATA.open(encoding="utf-8") as handle:
        articles = [json.loads(line)["article"] for line in handle if line.strip()]
    dangling: list[str] = []
    checked = 0
    for n, article in enumerate(articles):
        sentences, lang, _ = summarizer.prepare(article, "en")
        candidates = sentences[: summarizer.ranker.max_candidates]
        flags = depends_on_previous(candidates, "en")
        for count in (1, 3):
            ranked = summarizer.ranker.rank(sentences, lang.stops, max_sentences=count, language=lang.code)
            summary = [sentences[i] for i in ranked.chosen]
            if n < 40:
                assert summarizer.summarize(article, SummaryOptions(sentences=count), language="en").sentences == summary
            assert 1 <= len(summary) <= count
            dangling += _dangling(summary, candidates, flags)
            checked += 1
    assert len(articles) == 1000 and checked == 2000
    assert dangling == []


HEADLINE = "Council votes to keep night buses after two-year trial"
PAGE = f"""<!DOCTYPE html><html><head><title>{HEADLINE} | Demo Wire</title>
<meta property="og:title" content="{HEADLINE}"></head>
<body><article><h1>{HEADLINE}</h1>
<p class="byline">By Ana Ruiz · Local reporter</p>
<p>RIVERSIDE (Reuters) - The city council voted 9 to 4 on Tuesday to make its overnight bus network permanent, ending a two-year trial that carried 1.2 million passengers.</p>
<p>Six routes will run every night of the week from March, linking the hospital district and the port with the city centre.</p>
<p>The service will be paid for by a levy on private parking spaces at large employers, about 4 million a year.</p>
<p>Opponents said the money would be better spent on daytime services.</p>
</article></body></html>"""


@pytest.mark.parametrize("as_html", [True, False])
def test_headline_byline_and_dateline_never_appear(as_html: bool) -> None:
    text = PAGE if as_html else (
        f"{HEADLINE}\n\nBy Ana Ruiz · Local reporter\n\n"
        + "\n\n".join(p.split(">", 1)[1].split("</p")[0] for p in PAGE.split("<p")[2:])
    )
    for count in (1, 3, 5):
        result = ExtractiveSummarizer().summarize(text, SummaryOptions(sentences=count))
        assert HEADLINE not in result.summary
        assert "Ana Ruiz" not in result.summary and "(Reuters)" not in result.summary
        assert result.sentences[0].startswith(("The city council", "Six routes", "The service"))


def test_the_feed_title_is_never_a_summary_sentence() -> None:
    text = f"{HEADLINE}.\n" + "The city council voted 9 to 4 on Tuesday to keep the buses. Six routes will run nightly."
    result = ExtractiveSummarizer().summarize(text, SummaryOptions(sentences=3), title=HEADLINE)
    assert all(HEADLINE not in s for s in result.sentences)


def test_the_shipped_weights_load_without_any_download() -> None:
    model = load_model()
    assert len(model.one) == len(model.many) == len(FEATURE_NAMES)
    assert Model.from_dict(model.as_dict()) == model
    with pytest.raises(ValueError):
        Model((1.0,), (1.0,))


@pytest.mark.parametrize("count", [2, 3, 5])
def test_a_summary_of_several_sentences_opens_with_the_lede(count: int) -> None:
    from demo.content import DemoContent

    story = DemoContent.load().story("riverside-night-buses")
    result = ExtractiveSummarizer().summarize(story.html, SummaryOptions(sentences=count))
    # "Supporters of the plan said the trial showed…" means nothing without the lede that names the trial.
    assert result.sentences[0].startswith("Riverside's city council voted 9 to 4 on Tuesday")
    assert len(result.sentences) == count


@pytest.mark.parametrize("dateline", ["WASHINGTON — ", "SAN FRANCISCO, Calif. – ", "LONDON (Reuters) - ", "(CNN) -- "])
def test_a_dateline_after_the_headline_is_dropped(dateline: str) -> None:
    text = (f"{HEADLINE}\n\n{dateline}The city council voted 9 to 4 on Tuesday to keep the night buses.\n\n"
            "Six routes will run every night from March. The levy raises 4 million a year.")
    result = ExtractiveSummarizer().summarize(text, SummaryOptions(sentences=3))
    assert result.sentences[0].startswith("The city council voted")


@pytest.mark.parametrize(
    ("sentence", "language", "depends"),
    [
        ("Das Parlament stimmte am Dienstag dem Gesetz zu.", "de", False),  # "das" is also the article
        ("Stattdessen verbietet es jede Transaktion.", "de", True),
        ("Mais le conseil a refusé.", "fr", True),
        ("Le conseil a voté mardi.", "fr", False),
        ("Sin embargo, el consejo votó en contra.", "es", True),
    ],
)
def test_other_languages(sentence: str, language: str, depends: bool) -> None:
    assert opens_with_reference(sentence, language) is depends
