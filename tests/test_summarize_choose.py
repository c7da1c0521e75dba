"""The set chooser: LEAD-k unless the model expects a better coherent set of k sentences."""

from __future__ import annotations

import pytest

from bot.summarize.choose import SET_FEATURE_NAMES, WINDOW, candidate_sets, choose_set, set_features
from bot.summarize.extractive import ExtractiveSummarizer
from bot.summarize.language import Language
from bot.summarize.rank import FEATURE_NAMES, ExtractiveRanker, Model, load_model
from bot.summarize.result import SummaryOptions

ARTICLE = [
    "The city council voted on Tuesday to keep the night bus network after a two-year trial.",
    "The weather was mild for the time of year.",
    "A choir sang in the old concert hall.",
    "The night bus network carried 1.2 million passengers during the two-year trial.",
    "But the bus network will cost the council 4 million a year.",
    "A local bakery opened a new shop.",
    "Night bus passengers praised the council vote on the network.",
]


def _stats(sentences: list[str]):  # type: ignore[no-untyped-def]
    ranker = ExtractiveRanker()
    return ranker.features(sentences, Language.for_text(" ".join(sentences), "en").stops)


def test_candidates_open_with_the_lede_and_keep_dependent_sentences_with_their_antecedent() -> None:
    dependent = [False, False, False, False, True, False, False]
    sets = candidate_sets(dependent, 3)
    assert sets and all(s[0] == 0 and len(s) == 3 for s in sets)
    assert (0, 1, 2) in sets and (0, 3, 4) in sets
    assert not any(4 in s and 3 not in s for s in sets)  # "But…" only right after its antecedent
    assert max(i for s in sets for i in s) == WINDOW - 1
    assert candidate_sets([True, *dependent[1:]], 3) == []  # a lede that leans on nothing before it
    assert candidate_sets(dependent[:3], 3) == []  # no choice to make


def test_the_lead_wins_ties_and_the_best_scoring_coherent_set_wins() -> None:
    rows, stats = _stats(ARTICLE)
    zero_sentence = [0.0] * len(rows)
    flat = [0.0] * len(SET_FEATURE_NAMES)
    assert choose_set(stats, zero_sentence, flat, 3) is None  # no set weights: the caller falls back
    against_swaps = [-1e-9 if name == "swaps" else 0.0 for name in SET_FEATURE_NAMES]
    assert choose_set(stats, zero_sentence, against_swaps, 3) == [0, 1, 2]
    # Sentence 4 ("But the bus network will cost…") scores best, so it comes with the sentence it answers.
    scores = [1.0 if i == 4 else 0.0 for i in range(len(rows))]
    assert choose_set(stats, scores, against_swaps, 3) == [0, 3, 4]
    # A model that wants short summaries takes the shortest coherent set.
    short = [-1.0 if name == "log_words" else 0.0 for name in SET_FEATURE_NAMES]
    shortest = min(candidate_sets(stats.dependent, 3), key=lambda c: sum(stats.words[i] for i in c))
    assert choose_set(stats, zero_sentence, short, 3) == list(shortest)
    assert list(shortest) != [0, 1, 2]


def test_set_features_are_named_and_count_swaps() -> None:
    _, stats = _stats(ARTICLE)
    lead, swapped = set_features(stats, (0, 1, 2), 3), set_features(stats, (0, 3, 6), 3)
    assert len(lead) == len(swapped) == len(SET_FEATURE_NAMES)
    swaps = SET_FEATURE_NAMES.index("swaps")
    assert (lead[swaps], swapped[swaps]) == (0.0, 2.0)


@pytest.mark.parametrize("count", [2, 3, 4])
def test_the_product_returns_a_coherent_set_of_the_asked_size(count: int) -> None:
    text = "\n".join(ARTICLE)
    result = ExtractiveSummarizer().summarize(text, SummaryOptions(sentences=count), language="en")
    assert len(result.sentences) == count
    assert result.sentences[0] == ARTICLE[0]
    for sentence in result.sentences:
        if sentence.startswith("But"):
            assert result.sentences[result.sentences.index(sentence) - 1] == ARTICLE[3]


def test_shipped_set_weights_round_trip_and_an_older_file_still_loads() -> None:
    model = load_model()
    assert any(model.set_summary) and any(model.set_sentence)
    assert Model.from_dict(model.as_dict()) == model
    older = {key: value for key, value in model.as_dict().items() if not key.startswith("set_")}
    legacy = Model.from_dict(older)
    assert not any(legacy.set_summary) and len(legacy.set_sentence) == len(FEATURE_NAMES)
    # Without set weights a 3-sentence summary still works, through the greedy selection.
    ranker = ExtractiveRanker(legacy)
    ranked = ranker.rank(ARTICLE, Language.for_text(" ".join(ARTICLE), "en").stops, max_sentences=3)
    assert len(ranked.chosen) == 3 and ranked.chosen[0] == 0


def test_an_article_opening_with_a_pronoun_is_summarized_from_its_first_standing_sentence() -> None:
    opening = "She has lived in New York for a year now, and Princess Eugenie seems at home in the city."
    text = "\n".join([opening, *ARTICLE])
    _, stats = _stats([opening, *ARTICLE])
    assert stats.dependent[0] and stats.standing_start() == 1
    shifted = stats.starting_at(1)
    assert list(shifted.words) == list(stats.words[1:]) and shifted.idf is stats.idf
    result = ExtractiveSummarizer().summarize(text, SummaryOptions(sentences=3), language="en")
    assert len(result.sentences) == 3 and opening not in result.sentences
    assert result.sentences[0] == ARTICLE[0]
