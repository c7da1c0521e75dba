"""The summarizer on real CNN/DailyMail articles from the shared data (skipped when it is absent)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from bot.summarize.extractive import ExtractiveSummarizer
from bot.summarize.result import SummaryOptions

DATA = Path(os.environ.get("NEWSDESK_SHARED_DATA", "../shared/data")) / "summarization/cnndm_validation_1000.jsonl"


@pytest.fixture(scope="module")
def articles() -> list[str]:
    if not DATA.is_file():
        pytest.skip(f"shared data not found at {DATA} (set NEWSDESK_SHARED_DATA)")
    with DATA.open(encoding="utf-8") as handle:
        return [json.loads(line)["article"] for _, line in zip(range(40), handle, strict=False)]


def test_real_articles_give_three_verbatim_sentences_in_order(articles: list[str]) -> None:
    summarizer = ExtractiveSummarizer()
    for article in articles:
        result = summarizer.summarize(article, SummaryOptions(sentences=3), language="en")
        source = re.sub(r"\s+", " ", article)
        positions = [source.index(s) for s in result.sentences]
        assert len(result.sentences) == 3 and positions == sorted(positions)
        assert not any(s.startswith("(CNN)") for s in result.sentences)
        assert 0 < result.reduced_by < 1 and result.keywords
