"""What a summary request asks for (`SummaryOptions`) and what it returns (`SummaryResult`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["LENGTH_PRESETS", "STYLES", "SummaryOptions", "SummaryResult"]

# Sentences per named length: "medium" is the usual three-sentence news summary.
LENGTH_PRESETS: dict[str, int] = {"short": 2, "medium": 3, "long": 5}
STYLES = ("paragraph", "bullets")
MAX_SENTENCES = 50
MAX_WORDS = 5000


@dataclass(frozen=True)
class SummaryOptions:
    """How long and in what form. Give at most one of `sentences` and `words`; else `length` applies."""

    length: str = "medium"
    sentences: int | None = None
    words: int | None = None
    style: str = "paragraph"

    def __post_init__(self) -> None:
        if self.length not in LENGTH_PRESETS:
            raise ValueError(f"length must be one of {', '.join(LENGTH_PRESETS)}, not {self.length!r}")
        if self.style not in STYLES:
            raise ValueError(f"style must be paragraph or bullets, not {self.style!r}")
        if self.sentences is not None and self.words is not None:
            raise ValueError("give a sentence count or a word budget, not both")
        if self.sentences is not None and not 1 <= self.sentences <= MAX_SENTENCES:
            raise ValueError(f"sentences must be from 1 to {MAX_SENTENCES}")
        if self.words is not None and not 5 <= self.words <= MAX_WORDS:
            raise ValueError(f"words must be from 5 to {MAX_WORDS}")

    @property
    def max_sentences(self) -> int | None:
        if self.words is not None:
            return None
        return self.sentences if self.sentences is not None else LENGTH_PRESETS[self.length]

    @property
    def length_key(self) -> str:
        """The cache key for the length: 'short', 's4' (4 sentences) or 'w120' (120 words)."""
        if self.sentences is not None:
            return f"s{self.sentences}"
        if self.words is not None:
            return f"w{self.words}"
        return self.length


@dataclass
class SummaryResult:
    summary: str
    sentences: list[str]
    reduced_by: float
    keywords: list[str]
    method: str = "extractive"
    fallback_reason: str | None = None
    style: str = "paragraph"
    language: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SummaryResult:
        return cls(
            summary=str(data["summary"]),
            sentences=[str(s) for s in data.get("sentences", [])],
            reduced_by=float(data.get("reduced_by", 0.0)),
            keywords=[str(k) for k in data.get("keywords", [])],
            method=str(data.get("method", "extractive")),
            fallback_reason=data.get("fallback_reason"),
            style=str(data.get("style", "paragraph")),
            language=data.get("language"),
            extra=dict(data.get("extra") or {}),
        )


def render(sentences: list[str], style: str) -> str:
    if style == "bullets":
        return "\n".join(f"• {s}" for s in sentences)
    return " ".join(sentences)
