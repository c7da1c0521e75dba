"""Summarization: an extractive summarizer tuned for news, an optional LLM backend and a cached service.

`SummaryService` is the entry point for the bot and the CLI; nothing here imports discord.
"""

from bot.summarize.clean import InputError
from bot.summarize.extractive import ExtractiveSummarizer
from bot.summarize.llm import LLMError, LLMSummarizer
from bot.summarize.result import SummaryOptions, SummaryResult
from bot.summarize.service import SummaryService

__all__ = [
    "ExtractiveSummarizer",
    "InputError",
    "LLMError",
    "LLMSummarizer",
    "SummaryOptions",
    "SummaryResult",
    "SummaryService",
]
