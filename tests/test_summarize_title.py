"""A page's headline, extracted as the first line of its text, never leads its own summary."""

from __future__ import annotations

from bot.feeds.extract import extract_article
from bot.summarize.extractive import ExtractiveSummarizer
from bot.summarize.result import SummaryOptions
from demo.content import DemoContent


def test_the_headline_is_not_a_summary_sentence() -> None:
    story = DemoContent.load().story("us-bans-quantalk-transactions")
    page = extract_article(story.html, "http://127.0.0.1/articles/x")
    assert page is not None and page.text.startswith(story.title)  # what extraction gives the summarizer
    result = ExtractiveSummarizer().summarize(page.text, SummaryOptions(style="bullets"), title=page.title)
    assert result.sentences and all(story.title not in s for s in result.sentences)
    assert "QuanTalk" in result.summary


def test_a_text_that_is_only_its_title_is_still_summarized() -> None:
    title = "Council approves the new transit plan after months of debate on Tuesday"
    result = ExtractiveSummarizer().summarize(title, SummaryOptions(), title=title)
    assert result.sentences == [title]
