"""Sentence segmentation on news text, with the library and with the regex fallback."""

from __future__ import annotations

import pytest

from bot.summarize.segment import Segmenter, regex_split

BACKENDS = ["auto", "regex"]


@pytest.fixture(params=BACKENDS)
def segmenter(request: pytest.FixtureRequest) -> Segmenter:
    return Segmenter(request.param)


def test_auto_uses_sentencex_when_installed() -> None:
    pytest.importorskip("sentencex")
    assert Segmenter().backend == "sentencex"
    assert Segmenter("regex").backend == "regex"


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError):
        Segmenter("nltk")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'The U.S. Senate voted 52-48 on Tuesday. Sen. John Smith, R-Texas, said it was "a great day." '
            "Officials expect more.",
            ["The U.S. Senate voted 52-48 on Tuesday.", 'Sen. John Smith, R-Texas, said it was "a great day."',
             "Officials expect more."],
        ),
        (
            "Prices rose 3.2% in May. Analysts at J.P. Morgan Chase & Co. were surprised.",
            ["Prices rose 3.2% in May.", "Analysts at J.P. Morgan Chase & Co. were surprised."],
        ),
        (
            '"Is this real?" she asked. "Yes," he said. The end.',
            ['"Is this real?" she asked.', '"Yes," he said.', "The end."],
        ),
        (
            'He said: "We will win. We always win." Then he left.',
            ['He said: "We will win. We always win."', "Then he left."],
        ),
        (
            "He was born in 2014. The U.S. economy grew. It was the U.K. that shrank.",
            ["He was born in 2014.", "The U.S. economy grew.", "It was the U.K. that shrank."],
        ),
        (
            "Dr. Jane Doe, 45, arrived at 10:30. Mr. Brown left.",
            ["Dr. Jane Doe, 45, arrived at 10:30.", "Mr. Brown left."],
        ),
        (
            "The No. 1 seed lost on Jan. 5 at 9 p.m. EST. He said no. Then he left.",
            ["The No. 1 seed lost on Jan. 5 at 9 p.m. EST.", "He said no.", "Then he left."],
        ),
    ],
)
def test_news_sentences(segmenter: Segmenter, text: str, expected: list[str]) -> None:
    assert segmenter.split(text, "en") == expected


def test_lists_and_paragraphs_split_at_line_breaks(segmenter: Segmenter) -> None:
    text = "Key points:\n- Taxes rise in May\n- Schools reopen\n\n1. First item\n2. Second item"
    assert segmenter.split(text, "en") == [
        "Key points:", "- Taxes rise in May", "- Schools reopen", "1. First item", "2. Second item",
    ]


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("de", "Die Regierung hat am 3. Mai entschieden. Dr. Müller sagte, es sei z.B. ein Erfolg. Das ist gut.",
         ["Die Regierung hat am 3. Mai entschieden.", "Dr. Müller sagte, es sei z.B. ein Erfolg.", "Das ist gut."]),
        ("fr", "Le président a parlé à 20 h. M. Dupont n'était pas d'accord. C'est fini.",
         ["Le président a parlé à 20 h.", "M. Dupont n'était pas d'accord.", "C'est fini."]),
        ("es", "El Sr. García llegó tarde. ¿Por qué? Nadie lo sabe.",
         ["El Sr. García llegó tarde.", "¿Por qué?", "Nadie lo sabe."]),
        ("ja", "これはペンです。あれは本です。", ["これはペンです。", "あれは本です。"]),
    ],
)
def test_other_languages(segmenter: Segmenter, language: str, text: str, expected: list[str]) -> None:
    assert segmenter.split(text, language) == expected


def test_regex_split_keeps_closing_quotes() -> None:
    assert regex_split('She said "no." Then silence.') == ['She said "no."', "Then silence."]


def test_library_failure_falls_back_to_regex(monkeypatch: pytest.MonkeyPatch) -> None:
    segmenter = Segmenter()

    def broken(paragraph: str, language: str) -> list[str]:
        raise RuntimeError("library bug")

    monkeypatch.setattr(segmenter, "_library", broken)
    assert segmenter.split("One here. Two there.", "en") == ["One here.", "Two there."]


def test_scripts_the_regex_fallback_does_not_know() -> None:
    pytest.importorskip("sentencex")
    segmenter = Segmenter()
    assert segmenter.split("यह पहला वाक्य है। यह दूसरा वाक्य है।", "hi") == ["यह पहला वाक्य है।", "यह दूसरा वाक्य है।"]
    assert segmenter.split("هذه جملة أولى. هل هذه جملة ثانية؟ نعم.", "ar") == [
        "هذه جملة أولى.", "هل هذه جملة ثانية؟", "نعم."]


def test_a_sentence_ending_in_a_time_ends_there() -> None:
    segmenter = Segmenter()
    text = ("The trial carried 1.2 million passengers between midnight and 5 a.m. Six routes will run every night. "
            "Polls close at 9 p.m. Monday and results follow at 10 p.m. EST on the same night.")
    assert segmenter.split(text, "en") == [
        "The trial carried 1.2 million passengers between midnight and 5 a.m.",
        "Six routes will run every night.",
        "Polls close at 9 p.m. Monday and results follow at 10 p.m. EST on the same night.",
    ]
