"""Typed results shared by every analysis step and by the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SentimentLabel = Literal["positive", "neutral", "negative"]
Kind = Literal["complaint", "suggestion", "praise", "question", "other"]
Language = Literal["zh", "en", "mixed", "other"]

SENTIMENT_LABELS: tuple[SentimentLabel, ...] = ("positive", "neutral", "negative")
KINDS: tuple[Kind, ...] = ("complaint", "suggestion", "praise", "question", "other")
URGENCY_FLAGS: tuple[str, ...] = ("safety", "legal", "churn", "media")


@dataclass(frozen=True, slots=True)
class Span:
    """A character range in the *normalised* text, with what it is."""

    start: int
    end: int
    kind: str
    text: str = ""


@dataclass(slots=True)
class Junk:
    score: float = 0.0  # 0 = clean, 1 = certainly junk
    reasons: list[str] = field(default_factory=list)

    @property
    def is_junk(self) -> bool:
        return self.score >= 0.5


@dataclass(slots=True)
class Sentiment:
    label: SentimentLabel = "neutral"
    score: float = 0.0  # in [-1, 1]
    evidence: list[Span] = field(default_factory=list)
    mixed: bool = False


@dataclass(slots=True)
class TopicHit:
    node: str  # taxonomy node key (the app passes its topic id as a string)
    confidence: float
    sentiment: Sentiment = field(default_factory=Sentiment)
    evidence: list[Span] = field(default_factory=list)
    source: Literal["keyword", "example", "model", "llm"] = "keyword"


@dataclass(slots=True)
class Analysis:
    """Everything VoxLoop understands about one piece of feedback."""

    text: str  # normalised text
    redacted: str  # normalised text with PII replaced by [KIND]
    language: Language = "other"
    junk: Junk = field(default_factory=Junk)
    pii: list[Span] = field(default_factory=list)
    duplicate_of: int | None = None  # index into the batch, or an id from `history`
    similarity: float | None = None
    sentiment: Sentiment = field(default_factory=Sentiment)
    topics: list[TopicHit] = field(default_factory=list)
    kind: Kind = "other"
    kind_confidence: float = 0.0
    urgency: list[str] = field(default_factory=list)
    keyphrases: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # The unit sentence embedding (numpy float32) the steps used, for callers that match the
    # item against stored vectors (open theme suggestions); None when it was not computed.
    embedding: Any = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class TaxonomyNode:
    """One node of a workspace's taxonomy (up to three levels)."""

    key: str
    name_zh: str
    name_en: str
    parent: str | None = None
    keywords: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Taxonomy:
    nodes: tuple[TaxonomyNode, ...] = ()
    version: str = ""  # changes when the nodes change (used for caching)
