"""Which sentences cannot stand alone: they lean on the sentence before them.

A summary is read without the article. A chosen sentence that opens with a connective ("Instead it
prohibits…", "But the ban…"), with a pronoun or demonstrative whose referent is earlier ("It", "They",
"That may sound…", "This year's…"), or that continues a quotation opened in the previous sentence, reads as a
fragment unless the sentence before it is in the summary too. `depends_on_previous` finds them with a few
anchored regexes (microseconds a sentence); the ranker then brings the antecedent along or skips the sentence.

English carries most of the word lists; German, French and Spanish have their commonest connectives and
pronouns so that the same mistakes are avoided there. Other languages fall back to the quotation rule only.
"""

from __future__ import annotations

import re

__all__ = ["depends_on_previous", "opens_with_reference"]

_OPENERS = {
    "en": r"""but|and|or|so|yet|nor|instead|however|still|also|meanwhile|moreover|furthermore|nevertheless
        |nonetheless|otherwise|therefore|thus|hence|then|besides|likewise|similarly|indeed|again|too|plus
        |in\ addition|as\ a\ result|by\ contrast|in\ contrast|on\ the\ other\ hand|even\ so|after\ all
        |at\ the\ same\ time|for\ (?:example|instance)|in\ (?:fact|turn|response|particular)|that\ is\ why
        |this|that|these|those|such|it|its|it's|they|them|their|theirs|he|she|his|her|him|hers
        |the\ (?:latter|former|same)|both|neither|either|another|others|the\ other|here|there\ (?:he|she|they|it)
        |later|afterwards|first|second|third|finally|last|lastly|now""",
    "de": r"""aber|und|oder|doch|jedoch|dennoch|trotzdem|stattdessen|außerdem|auch|deshalb|daher|darum|dann
        |dies|diese|dieser|dieses|es|er|sie|ihr|ihre|sein|seine|dabei|damit|danach|dort""",
    "fr": r"""mais|et|ou|donc|pourtant|cependant|toutefois|ainsi|alors|puis|aussi|en\ revanche|au\ contraire
        |ce|cet|cette|ces|cela|ça|il|elle|ils|elles|leur|leurs|son|sa|ses""",
    "es": r"""pero|y|o|sin\ embargo|además|así|entonces|luego|también|en\ cambio|por\ eso|por\ lo\ tanto
        |esto|esta|este|estos|estas|eso|esa|ese|ello|él|ella|ellos|ellas|su|sus""",
}
# The opener must be a whole word followed by a space or punctuation: "Italy", "Thesis" and "Heat" do not count.
_OPENER = {
    lang: re.compile(rf"""^[\s"'“‘«„(\[]*(?:{words})(?=[\s,;:.!?'’"”]|$)""", re.IGNORECASE | re.VERBOSE)
    for lang, words in _OPENERS.items()
}
# '"We will appeal," he said.' / '…, she added.': the speaker is someone named earlier.
_PRONOUN_SPEAKER = re.compile(
    r"""["”’]\s*,?\s*(?:he|she|they|it)\s+(?:said|says|added|adds|told|tells|explained|wrote|writes|continued
        |insisted|argued|warned|admitted|noted|claimed)\b""",
    re.IGNORECASE | re.VERBOSE,
)
# Determiners/quantifiers that are fine at a sentence start in English when a noun follows them directly:
# "That" in "That decision…" still points back, but "Both teams…" or "Another 20 people…" mostly introduce.
_INTRODUCING = re.compile(r"^[\s\"'“‘]*(?:both|another|first|second|third|last|now)\s+\w", re.IGNORECASE)


_QUOTE_MARK = re.compile("[\"“«„”»]")
_OPENS_STRAIGHT_QUOTE = frozenset(" \t([{:—–-")


def _quote_marks(sentence: str) -> list[bool]:
    """Each quotation mark in order: True for an opening one, False for a closing one. A straight quote
    opens when it starts the sentence or follows a space, bracket, colon or dash; otherwise it closes.
    (A regex finds the marks: a Python loop over every character was most of the summarizer's time.)"""
    marks = []
    for match in _QUOTE_MARK.finditer(sentence):
        ch, i = match.group(), match.start()
        if ch == '"':
            marks.append(i == 0 or sentence[i - 1] in _OPENS_STRAIGHT_QUOTE)
        else:
            marks.append(ch in "“«„")
    return marks


def _open_quote(marks: list[bool]) -> bool:
    """The sentence (its quotation marks) leaves a quotation open: a multi-sentence or multi-paragraph quote
    continues after it."""
    depth = 0
    for opening in marks:
        depth = depth + 1 if opening else max(0, depth - 1)
    return depth > 0


def _closes_quote(marks: list[bool]) -> bool:
    """The sentence (its quotation marks) ends a quotation it did not open: it is the second half of
    someone's words."""
    depth = 0
    for opening in marks:
        if not opening and depth == 0:
            return True
        depth = depth + 1 if opening else depth - 1
    return False


def opens_with_reference(sentence: str, language: str | None = "en") -> bool:
    """The sentence opens with a connective or an anaphoric pronoun/determiner, or names its speaker by pronoun."""
    code = (language or "en").replace("_", "-").split("-")[0].lower()
    pattern = _OPENER.get(code)
    if pattern is not None and pattern.match(sentence) and not _INTRODUCING.match(sentence):
        return True
    return code == "en" and _PRONOUN_SPEAKER.search(sentence) is not None


def depends_on_previous(sentences: list[str], language: str | None = "en") -> list[bool]:
    """For each sentence, whether it needs the sentence before it to be understood."""
    flags: list[bool] = []
    previous_open = False  # each sentence's quotation marks are found once
    for sentence in sentences:
        marks = _quote_marks(sentence)
        flags.append(previous_open or opens_with_reference(sentence, language) or _closes_quote(marks))
        previous_open = _open_quote(marks)
    return flags
