"""The extractive summarizer: budgets, order, verbatim output, boilerplate, languages and bad input."""

from __future__ import annotations

import re

import pytest

from bot.summarize.clean import InputError, clean_text, decode_input, is_boilerplate_sentence
from bot.summarize.extractive import ExtractiveSummarizer
from bot.summarize.language import detect_language, normalize_language, stop_words
from bot.summarize.result import SummaryOptions, SummaryResult

ARTICLE = """(CNN)A powerful earthquake struck the coastal city of Valdora on Monday, killing at least 40 people and
leaving thousands without shelter, officials said.
The magnitude 7.1 quake hit at 3:15 a.m. local time, when most residents were asleep, according to the national
seismological service.
Rescue teams from three neighbouring countries arrived on Tuesday to search collapsed buildings for survivors.
"We are working around the clock," said Maria Lopez, the head of the regional emergency agency.
The city's main hospital was damaged and patients were moved to field clinics set up in a football stadium.
Aftershocks continued through the night, the strongest measuring 5.4.
Was the city prepared?
Engineers said many older buildings in Valdora had never been reinforced despite warnings after a 1998 quake.
The government declared a state of emergency and promised 200 million dollars in reconstruction aid.
Schools will remain closed for at least two weeks while inspectors check their structures.
International aid groups appealed for donations of tents, water and medical supplies.
"""


@pytest.fixture(scope="module")
def summarizer() -> ExtractiveSummarizer:
    return ExtractiveSummarizer()


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("count", [1, 2, 3, 5])
def test_sentence_budget_order_and_verbatim(summarizer: ExtractiveSummarizer, count: int) -> None:
    result = summarizer.summarize(ARTICLE, SummaryOptions(sentences=count))
    assert len(result.sentences) == count
    source = _normalised(ARTICLE)
    positions = [source.index(s) for s in result.sentences]  # raises if a sentence is not verbatim
    assert positions == sorted(positions)
    assert result.summary == " ".join(result.sentences)
    assert result.method == "extractive" and result.fallback_reason is None


@pytest.mark.parametrize("words", [20, 45, 80])
def test_word_budget_is_respected(summarizer: ExtractiveSummarizer, words: int) -> None:
    result = summarizer.summarize(ARTICLE, SummaryOptions(words=words))
    assert result.sentences
    assert sum(len(s.split()) for s in result.sentences) <= words


def test_word_budget_smaller_than_any_sentence_gives_one_whole_sentence(summarizer: ExtractiveSummarizer) -> None:
    result = summarizer.summarize(ARTICLE, SummaryOptions(words=5))
    assert len(result.sentences) == 1 and result.sentences[0] in _normalised(ARTICLE)


def test_named_lengths_grow(summarizer: ExtractiveSummarizer) -> None:
    sizes = [len(summarizer.summarize(ARTICLE, SummaryOptions(length=n)).sentences) for n in ("short", "medium", "long")]
    assert sizes == sorted(sizes) and sizes[0] < sizes[2]


def test_news_lead_is_chosen_and_questions_are_not(summarizer: ExtractiveSummarizer) -> None:
    result = summarizer.summarize(ARTICLE, SummaryOptions(sentences=3))
    assert result.sentences[0].startswith("A powerful earthquake struck")  # "(CNN)" dateline removed
    assert "Was the city prepared?" not in result.sentences


def test_bullets_style(summarizer: ExtractiveSummarizer) -> None:
    result = summarizer.summarize(ARTICLE, SummaryOptions(sentences=3, style="bullets"))
    assert result.summary.splitlines() == [f"• {s}" for s in result.sentences]
    assert result.style == "bullets"


def test_reduced_by_and_keywords(summarizer: ExtractiveSummarizer) -> None:
    result = summarizer.summarize(ARTICLE, SummaryOptions(sentences=2))
    expected = 1 - len(" ".join(result.sentences)) / len(clean_text(ARTICLE))
    assert 0 < result.reduced_by < 1 and result.reduced_by == pytest.approx(expected, abs=1e-3)
    assert "Valdora" in result.keywords
    assert len(result.keywords) <= 8 and len(set(result.keywords)) == len(result.keywords)


def test_result_round_trips_through_a_dict(summarizer: ExtractiveSummarizer) -> None:
    result = summarizer.summarize(ARTICLE)
    assert SummaryResult.from_dict(result.as_dict()) == result


@pytest.mark.parametrize(
    "kwargs", [{"sentences": 0}, {"sentences": 3, "words": 50}, {"words": 2}, {"length": "huge"}, {"style": "poem"}]
)
def test_invalid_options_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        SummaryOptions(**kwargs)  # type: ignore[arg-type]


# --- boilerplate ---------------------------------------------------------------------------------------

BOILERPLATE_ARTICLE = """By . Daily Mail Reporter . PUBLISHED: . 08:12 EST, 3 May 2014 . | . UPDATED: . 10:40 EST, 3 May 2014 .
By JANE SMITH and John Doe, CNN
Updated 12:34 PM ET, Tue May 5, 2015
The city council approved a new budget for public libraries on Thursday after a long debate.
Photo: Getty Images
Image caption The library in the town centre
Story continues below advertisement
Media playback is not supported on this device
The budget adds 2 million dollars for longer opening hours and new books.
Share this article
Subscribe to our newsletter for more stories like this
Read more: Library closures hit rural towns
Council members voted 9 to 2 in favour of the plan, which takes effect in July.
Leave a Reply
Click here to follow us on Twitter
"""


def test_boilerplate_is_dropped_before_ranking(summarizer: ExtractiveSummarizer) -> None:
    sentences, _, _ = summarizer.prepare(BOILERPLATE_ARTICLE)
    assert sentences == [
        "The city council approved a new budget for public libraries on Thursday after a long debate.",
        "The budget adds 2 million dollars for longer opening hours and new books.",
        "Council members voted 9 to 2 in favour of the plan, which takes effect in July.",
    ]


@pytest.mark.parametrize(
    "sentence",
    ["Read more: Ten things to know.", "The views expressed in this commentary are solely those of the writer.",
     "CNN's Jane Doe contributed to this report.", "Scroll down for video.", "Follow us on Twitter."],
)
def test_boilerplate_sentences(sentence: str) -> None:
    assert is_boilerplate_sentence(sentence)


@pytest.mark.parametrize(
    "sentence",
    ["Subscribers to the service rose 10%.", "Copyright law changed on Tuesday.", "He said he would share the prize.",
     "By Tuesday, the storm had passed.", "By 2030 the city wants zero emissions."],
)
def test_news_mentioning_furniture_words_is_kept(sentence: str) -> None:
    assert not is_boilerplate_sentence(sentence)
    assert clean_text(sentence) == sentence


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("WASHINGTON (CNN) -- The vote passed.", "The vote passed."),
     ("LONDON, England (Reuters) -- Prices rose.", "Prices rose."),
     ("BERLIN (dpa) - Die Preise steigen.", "Die Preise steigen."),
     ("(CNN)Share, and your gift will be multiplied.", "Share, and your gift will be multiplied.")],
)
def test_datelines_are_removed(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


# --- other languages -----------------------------------------------------------------------------------

GERMAN = """Die Bundesregierung hat am Mittwoch ein neues Klimaschutzgesetz beschlossen.
Das Gesetz sieht vor, dass Deutschland bis 2045 klimaneutral wird.
Umweltverbände begrüßten den Beschluss, forderten aber schnellere Maßnahmen im Verkehr.
Die Opposition kritisierte die hohen Kosten für Verbraucher und Unternehmen.
Der Bundestag soll im Herbst über das Gesetz abstimmen."""
FRENCH = """Le gouvernement a annoncé mardi une hausse du salaire minimum de 3 % à partir de janvier.
Cette mesure concerne environ deux millions de salariés, selon le ministère du Travail.
Les syndicats estiment que la hausse reste insuffisante face à l'inflation.
Le patronat s'inquiète de l'effet sur les petites entreprises.
Une nouvelle réunion est prévue le mois prochain."""
SPANISH = """El Gobierno aprobó el martes un plan de ayudas para los agricultores afectados por la sequía.
El plan incluye 500 millones de euros en subvenciones directas y créditos a bajo interés.
Las organizaciones agrarias consideran que las ayudas llegan tarde.
La sequía ha reducido la cosecha de cereales en un 40 % este año.
El ministro de Agricultura visitará las zonas más afectadas la próxima semana."""


@pytest.mark.parametrize(("text", "language"), [(GERMAN, "de"), (FRENCH, "fr"), (SPANISH, "es")])
def test_other_languages_are_detected_and_summarized(
    summarizer: ExtractiveSummarizer, text: str, language: str
) -> None:
    assert detect_language(text) == language
    result = summarizer.summarize(text, SummaryOptions(sentences=2))
    assert result.language == language
    assert len(result.sentences) == 2
    assert all(s in _normalised(text) for s in result.sentences)
    assert not {k.lower() for k in result.keywords} & stop_words(language)


def test_declared_language_wins_and_is_normalised(summarizer: ExtractiveSummarizer) -> None:
    assert normalize_language("de-AT") == "de" and normalize_language("??") is None
    assert summarizer.summarize(GERMAN, language="de_DE").language == "de"


def test_language_without_stop_words_still_works(summarizer: ExtractiveSummarizer) -> None:
    text = "これは最初の文です。政府は新しい法律を発表しました。多くの人が賛成しています。反対する人もいます。"
    result = summarizer.summarize(text, SummaryOptions(sentences=2))
    assert result.language == "ja" and len(result.sentences) == 2


# --- bad input ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "   \n\t ", "...", "<html><body><p></p></body></html>"])
def test_empty_input_is_a_clear_error(summarizer: ExtractiveSummarizer, text: str) -> None:
    with pytest.raises(InputError, match="no text"):
        summarizer.summarize(text)


def test_single_sentence_is_returned_as_is(summarizer: ExtractiveSummarizer) -> None:
    result = summarizer.summarize("Only one sentence here, and it matters.", SummaryOptions(sentences=3))
    assert result.sentences == ["Only one sentence here, and it matters."]
    assert result.reduced_by == 0.0


def test_html_given_as_text_is_stripped(summarizer: ExtractiveSummarizer) -> None:
    html = (
        "<html><head><style>p {color: red}</style><script>var x = 'Tracking code.';</script></head><body>"
        "<nav>Home | World | Sport</nav><article><h1>Flood warning</h1>"
        "<p>Heavy rain caused the river to burst its banks on Sunday.</p>"
        "<p>About 300 homes were evacuated &amp; roads were closed.</p></article></body></html>"
    )
    result = summarizer.summarize(html, SummaryOptions(sentences=3))
    joined = " ".join(result.sentences)
    assert "<" not in joined and "Tracking" not in joined and "color" not in joined and "Home |" not in joined
    assert "About 300 homes were evacuated & roads were closed." in result.sentences


def test_one_megabyte_is_bounded(summarizer: ExtractiveSummarizer) -> None:
    text = (ARTICLE + "\n") * (1_000_000 // len(ARTICLE) + 1)
    result = summarizer.summarize(text, SummaryOptions(sentences=3))
    assert len(result.sentences) == 3 and result.reduced_by > 0.99


def test_one_megabyte_without_punctuation_or_newlines(summarizer: ExtractiveSummarizer) -> None:
    for text in ("word " * 200_000, "ab" * 500_000, ("x" * 999 + ". ") * 1000):
        result = summarizer.summarize(text, SummaryOptions(sentences=3))
        assert len(result.sentences) == 3
        assert all(len(s) <= 1200 for s in result.sentences)
        assert result.reduced_by > 0.99


def test_binary_input_is_refused() -> None:
    with pytest.raises(InputError, match="binary"):
        decode_input(b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)) * 4)
    with pytest.raises(InputError, match="binary"):
        decode_input(bytes(range(128, 256)) * 50)
    with pytest.raises(InputError, match="binary"):
        ExtractiveSummarizer().summarize("text\x00with nul")


def test_utf8_with_bom_and_the_odd_bad_byte_is_accepted() -> None:
    assert decode_input("\ufeffCafé news.".encode()) == "Café news."
    assert decode_input(b"A sentence with one bad byte \xff here.").startswith("A sentence")


@pytest.mark.parametrize(
    "text",
    [
        "<p>Real news comes first here.</p><script>" * 60_000,  # unclosed blocks: once quadratic
        "<p>Real news comes first here.</p><!--" * 60_000,
        "Real news comes first here. " + "<div>" * 200_000,
        "Real news comes first here. " + "PUBLISHED: . 12:00 EST, 1 May 2014 . " * 30_000,
        "<html><body><p>Real news comes first here.</p>" + "<h1>" * 250_000,  # unclosed headlines
    ],
)
def test_pathological_markup_megabyte(summarizer: ExtractiveSummarizer, text: str) -> None:
    result = summarizer.summarize(text, SummaryOptions(sentences=3))
    assert result.sentences and all("Real news comes first here" in s for s in result.sentences)


def test_unclosed_script_drops_the_rest_but_keeps_what_came_before() -> None:
    assert clean_text("<p>Kept text.</p><script>var x = 'dropped';") == "Kept text."
    assert clean_text("<p>One.</p><!-- note --><p>Two.</p>") == "One.\n\nTwo."


def test_byline_pattern_cannot_backtrack_catastrophically() -> None:
    # 95 capitals without spaces once meant astronomically many ways to split them into "name" words.
    assert clean_text("By " + "A" * 95 + "!") == "By " + "A" * 95 + "!"
    assert clean_text("By JANE SMITH and John Doe, CNN\nThe story.") == "The story."
