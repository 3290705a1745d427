"""Near-duplicate detection for Chinese and English feedback: fingerprints and an incremental MinHash-LSH index.

Similarity (what "85 % similar" means here) is computed on fingerprints, the normalised text
in simplified Chinese, lowercased, with punctuation and whitespace removed:

    similarity(a, b) = max(indel_ratio(fp(a), fp(b)), indel_ratio(sorted_clauses(a), sorted_clauses(b)))

``indel_ratio`` is rapidfuzz's ``fuzz.ratio`` / 100 = 1 - (insertions + deletions) / (len(a) +
len(b)): the share of characters the two texts have in common, in order. It reads the same for
Chinese (one character ~ one morpheme) and English, counts a typo as a small edit, and an
inserted "真的" / "really" by its length. The second term compares the clause fingerprints
sorted, so that "A，B" and "B，A" are the same review. Punctuation-only edits give identical
fingerprints (similarity 1.0).

Candidates come from MinHash over character shingles of the fingerprint (bigrams,
hashed in numpy for a whole batch at once) and banded LSH; every candidate is then verified with
the exact similarity, so a reported duplicate is always >= threshold. Exact fingerprint repeats
skip the LSH entirely.
"""

from __future__ import annotations

import json
import re
import struct
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz

from voxloop.analysis.text import normalize, t2s_char_table

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_SEED = 20240607
_SHINGLE = 2  # character bigrams of the fingerprint: best recall per second in bench/dedupe.py
_BUCKET_CAP = 256  # a bucket keeps its first (earliest) rows only: bounds spam floods
_MAX_SHINGLES_PER_CHUNK = 60_000  # bounds the (num_perm x shingles) temporary
_FORMAT = b"VOXLOOP-DEDUPE\x001\n"

_CLAUSE_BREAK = re.compile(r"[，,。.!！?？;；:：\n…~～、]+")


@lru_cache(maxsize=1)
def _fingerprint_table() -> dict[int, str | None]:
    """One translate table: drop punctuation/space/symbol marks, traditional -> simplified."""
    table: dict[int, str | None] = {}
    for cp in range(0x30000):
        cat = unicodedata.category(chr(cp))
        if (cat[0] in "PZC" and cat not in ("Co", "Cn")) or cat in ("Sk", "Sm"):
            table[cp] = None
    for cp, target in t2s_char_table().items():
        table.setdefault(cp, target)
    return table


def _fp_of_normalized(text: str) -> str:
    return text.lower().translate(_fingerprint_table())


def fingerprint(text: str) -> str:
    """Canonical form for exact-duplicate checks.

    Normalised, simplified Chinese, lowercase, without punctuation and whitespace.
    """
    return _fp_of_normalized(normalize(text))


def _forms(text: str) -> tuple[str, str]:
    """(fingerprint, sorted-clause fingerprint or "" when the text has a single clause)."""
    norm = normalize(text)
    fp = _fp_of_normalized(norm)
    if not fp:
        return "", ""
    parts = [p for p in (_fp_of_normalized(c) for c in _CLAUSE_BREAK.split(norm)) if p]
    if len(parts) < 2:
        return fp, ""
    parts.sort()
    return fp, "".join(parts)


def similarity(a: str, b: str) -> float:
    """The similarity the index verifies with, in [0, 1] (see the module docstring)."""
    fa, ca = _forms(a)
    fb, cb = _forms(b)
    if not fa or not fb:
        return 1.0 if fa == fb and not fa and (a.strip() == b.strip()) else 0.0
    return _similarity(fa, ca, fb, cb, 0.0)


def _similarity(fa: str, ca: str, fb: str, cb: str, cutoff: float) -> float:
    if fa == fb:
        return 1.0
    score = fuzz.ratio(fa, fb, score_cutoff=cutoff)
    if ca or cb:
        score = max(score, fuzz.ratio(ca or fa, cb or fb, score_cutoff=cutoff))
    return float(score) / 100.0


# --- MinHash --------------------------------------------------------------------------------


def _splitmix64(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


class _Hasher:
    """Deterministic MinHash signatures (multiply-shift hashing of 32-bit shingle hashes)."""

    def __init__(self, num_perm: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.a = (
            rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) << np.uint64(1)
        ) | np.uint64(1)
        self.b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
        self.num_perm = num_perm

    def signatures(self, fps: Sequence[str]) -> NDArray[np.uint32]:
        out = np.empty((len(fps), self.num_perm), dtype=np.uint32)
        start = 0
        while start < len(fps):
            stop, total = start, 0
            while stop < len(fps) and (
                stop == start or total + len(fps[stop]) <= _MAX_SHINGLES_PER_CHUNK
            ):
                total += len(fps[stop])
                stop += 1
            out[start:stop] = self._chunk(fps[start:stop])
            start = stop
        return out

    def _chunk(self, fps: Sequence[str]) -> NDArray[np.uint32]:
        q = _SHINGLE
        padded = [f if len(f) >= q else f + "\x00" * (q - len(f)) for f in fps]
        lengths = np.fromiter((len(f) for f in padded), dtype=np.int64, count=len(padded))
        codes = np.frombuffer("".join(padded).encode("utf-32-le"), dtype=np.uint32).astype(
            np.uint64
        )
        ends = np.cumsum(lengths)
        # q-gram values over the concatenation; keep those that do not cross a text boundary.
        grams = codes[: len(codes) - q + 1].copy()
        for i in range(1, q):
            grams = (grams << np.uint64(21)) | codes[i : len(codes) - q + 1 + i]
        counts = lengths - q + 1
        valid = np.ones(len(grams), dtype=bool)
        for i in range(1, q):
            # positions ends - q + i (for i in 1..q-1) start a gram that crosses into the next text
            idx = ends - q + i
            idx = idx[(idx >= 0) & (idx < len(grams))]
            valid[idx] = False
        grams = grams[valid]
        seg_starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        x = _splitmix64(grams) >> np.uint64(32)
        hashed = (self.a[:, None] * x[None, :] + self.b[:, None]) >> np.uint64(32)
        mins = np.minimum.reduceat(hashed, seg_starts, axis=1)
        return np.ascontiguousarray(mins.T.astype(np.uint32))


def _band_keys(sigs: NDArray[np.uint32], bands: int, rows: int) -> list[list[int]]:
    """One 64-bit key per (item, band): a hash of that band's ``rows`` signature values."""
    sig = sigs[:, : bands * rows].astype(np.uint64).reshape(len(sigs), bands, rows)
    h = np.zeros((len(sigs), bands), dtype=np.uint64)
    for r in range(rows):
        h = _splitmix64(h ^ sig[:, :, r])
    result: list[list[int]] = h.tolist()
    return result


def _lsh_shape(num_perm: int, threshold: float) -> tuple[int, int]:
    """(bands, rows). Three rows per band: a pair whose shingle sets overlap by Jaccard 0.5
    (roughly an 85 %-similar text with scattered typos) is a candidate with probability
    1 - (1 - 0.5**3) ** 21 = 0.94, at 0.6 it is 0.99; unrelated reviews (Jaccard ~ 0.05) collide
    with probability ~ 0.003. Stricter thresholds use four rows."""
    rows = 3 if threshold < 0.9 else 4
    return max(1, num_perm // rows), rows


# --- the index ------------------------------------------------------------------------------


class DedupeIndex:
    """Incremental near-duplicate index over a workspace's history (keys are item ids)."""

    def __init__(self, threshold: float = 0.85, num_perm: int = 64) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        if num_perm < 4:
            raise ValueError("num_perm must be at least 4")
        self.threshold = float(threshold)
        self.num_perm = int(num_perm)
        self._bands, self._rows = _lsh_shape(self.num_perm, self.threshold)
        self._hasher = _Hasher(self.num_perm, _SEED)
        self._cutoff = self.threshold * 100.0 - 1e-9
        self._count = 0
        self._monotonic = True
        self._last_key: int | None = None
        # One row per distinct fingerprint; its key is the lowest key that had it.
        self._keys: list[int] = []
        self._fps: list[str] = []
        self._cls: list[str] = []
        self._sigs: list[NDArray[np.uint32]] = []
        self._match: list[tuple[int, float] | None] = []  # the row's own answer when added
        self._extra: dict[int, list[int]] = {}  # row -> later keys with the same fingerprint
        self._exact: dict[str, int] = {}
        self._buckets: list[dict[int, list[int]]] = [{} for _ in range(self._bands)]

    def __len__(self) -> int:
        return self._count

    # -- public API --

    def add(self, key: int, text: str) -> None:
        self.add_batch([key], [text])

    def query(self, text: str, exclude: int | None = None) -> tuple[int, float] | None:
        fp, cl = _forms(text)
        if not fp:
            return None
        sig = self._hasher.signatures([fp])
        bands = _band_keys(sig, self._bands, self._rows)[0]
        return self._lookup(fp, cl, bands, exclude)

    def add_batch(
        self, keys: Sequence[int], texts: Sequence[str]
    ) -> list[tuple[int, float] | None]:
        if len(keys) != len(texts):
            raise ValueError("keys and texts must have the same length")
        forms = [_forms(t) for t in texts]
        todo = [i for i, (fp, _) in enumerate(forms) if fp and fp not in self._exact]
        band_rows: dict[int, list[int]] = {}
        sig_rows: dict[int, NDArray[np.uint32]] = {}
        if todo:
            sigs = self._hasher.signatures([forms[i][0] for i in todo])
            bands = _band_keys(sigs, self._bands, self._rows)
            for j, i in enumerate(todo):
                band_rows[i] = bands[j]
                sig_rows[i] = sigs[j]
        results: list[tuple[int, float] | None] = []
        for i, key in enumerate(keys):
            key = int(key)
            fp, cl = forms[i]
            self._note_key(key)
            self._count += 1
            if not fp:
                results.append(None)
                continue
            row = self._exact.get(fp)
            if row is not None:
                results.append(self._add_exact(row, key))
                continue
            if i not in band_rows:  # same fingerprint appeared earlier in this batch
                sig = self._hasher.signatures([fp])
                band_rows[i] = _band_keys(sig, self._bands, self._rows)[0]
                sig_rows[i] = sig[0]
            match = self._lookup(fp, cl, band_rows[i], None)
            results.append(match)
            self._insert(key, fp, cl, sig_rows[i], band_rows[i], match)
        return results

    # -- persistence --

    def to_bytes(self) -> bytes:
        n = len(self._keys)
        sigs = np.stack(self._sigs) if n else np.zeros((0, self.num_perm), dtype=np.uint32)
        has_match = np.array([m is not None for m in self._match], dtype=np.uint8)
        match_key = np.array([m[0] if m else 0 for m in self._match], dtype=np.int64)
        match_sim = np.array([m[1] if m else 0.0 for m in self._match], dtype=np.float64)
        extra_rows = [r for r, ks in self._extra.items() for _ in ks]
        extra_keys = [k for ks in self._extra.values() for k in ks]
        blobs: list[tuple[str, bytes]] = [
            ("keys", np.array(self._keys, dtype=np.int64).tobytes()),
            ("sigs", np.ascontiguousarray(sigs, dtype=np.uint32).tobytes()),
            ("has_match", has_match.tobytes()),
            ("match_key", match_key.tobytes()),
            ("match_sim", match_sim.tobytes()),
            ("extra_rows", np.array(extra_rows, dtype=np.int64).tobytes()),
            ("extra_keys", np.array(extra_keys, dtype=np.int64).tobytes()),
            ("fps", "\x00".join(self._fps).encode("utf-8")),
            ("cls", "\x00".join(self._cls).encode("utf-8")),
        ]
        header = {
            "version": 1,
            "threshold": self.threshold,
            "num_perm": self.num_perm,
            "shingle": _SHINGLE,
            "seed": _SEED,
            "rows": n,
            "count": self._count,
            "monotonic": self._monotonic,
            "last_key": self._last_key,
            "blobs": [[name, len(data)] for name, data in blobs],
        }
        head = json.dumps(header).encode("utf-8")
        return b"".join([_FORMAT, struct.pack("<I", len(head)), head, *(d for _, d in blobs)])

    @classmethod
    def from_bytes(cls, data: bytes) -> DedupeIndex:
        try:
            return cls._from_bytes(data)
        except (ValueError, KeyError, TypeError, struct.error, UnicodeDecodeError) as exc:
            raise ValueError(f"not a valid DedupeIndex: {exc}") from exc

    @classmethod
    def _from_bytes(cls, data: bytes) -> DedupeIndex:
        if not data.startswith(_FORMAT):
            raise ValueError("bad magic")
        pos = len(_FORMAT)
        (head_len,) = struct.unpack_from("<I", data, pos)
        pos += 4
        header: dict[str, Any] = json.loads(data[pos : pos + head_len].decode("utf-8"))
        pos += head_len
        if header["version"] != 1 or header["shingle"] != _SHINGLE or header["seed"] != _SEED:
            raise ValueError("incompatible version")
        blobs: dict[str, bytes] = {}
        for name, size in header["blobs"]:
            blobs[str(name)] = data[pos : pos + int(size)]
            pos += int(size)
        if pos != len(data):
            raise ValueError("length mismatch")
        index = cls(float(header["threshold"]), int(header["num_perm"]))
        n = int(header["rows"])
        keys = np.frombuffer(blobs["keys"], dtype=np.int64)
        sigs = np.frombuffer(blobs["sigs"], dtype=np.uint32).reshape(n, index.num_perm)
        has_match = np.frombuffer(blobs["has_match"], dtype=np.uint8)
        match_key = np.frombuffer(blobs["match_key"], dtype=np.int64)
        match_sim = np.frombuffer(blobs["match_sim"], dtype=np.float64)
        fps = blobs["fps"].decode("utf-8").split("\x00") if n else []
        cls_ = blobs["cls"].decode("utf-8").split("\x00") if n else []
        if not (len(keys) == len(has_match) == len(fps) == len(cls_) == n):
            raise ValueError("row count mismatch")
        index._keys = [int(k) for k in keys.tolist()]
        index._fps = fps
        index._cls = cls_
        index._sigs = list(sigs.copy())
        index._match = [
            (int(k), float(s)) if h else None
            for h, k, s in zip(
                has_match.tolist(), match_key.tolist(), match_sim.tolist(), strict=True
            )
        ]
        for r, k in zip(
            np.frombuffer(blobs["extra_rows"], dtype=np.int64).tolist(),
            np.frombuffer(blobs["extra_keys"], dtype=np.int64).tolist(),
            strict=True,
        ):
            index._extra.setdefault(int(r), []).append(int(k))
        index._exact = {fp: row for row, fp in enumerate(fps)}
        index._count = int(header["count"])
        index._monotonic = bool(header["monotonic"])
        index._last_key = None if header["last_key"] is None else int(header["last_key"])
        if n:
            for row, bands in enumerate(_band_keys(sigs, index._bands, index._rows)):
                index._bucket_insert(row, bands)
        return index

    # -- internals --

    def _note_key(self, key: int) -> None:
        if self._last_key is not None and key < self._last_key:
            self._monotonic = False
        self._last_key = key if self._last_key is None else max(self._last_key, key)

    def _add_exact(self, row: int, key: int) -> tuple[int, float] | None:
        """An exact fingerprint repeat: its answer is the first holder's answer, or that holder."""
        if key < self._keys[row]:
            # An out-of-order key becomes the row's key; the old key is remembered.
            self._extra.setdefault(row, []).append(self._keys[row])
            self._keys[row] = key
            self._monotonic = False
            return self._lookup(self._fps[row], self._cls[row], self._row_bands(row), key)
        self._extra.setdefault(row, []).append(key)
        own = self._match[row]
        if self._monotonic and own is not None:
            return own
        if self._monotonic:
            return (self._keys[row], 1.0)
        return self._lookup(self._fps[row], self._cls[row], self._row_bands(row), key)

    def _row_bands(self, row: int) -> list[int]:
        return _band_keys(self._sigs[row][None, :], self._bands, self._rows)[0]

    def _lookup(
        self, fp: str, cl: str, bands: list[int], exclude: int | None
    ) -> tuple[int, float] | None:
        cands: set[int] = set()
        for band, bucket_key in zip(self._buckets, bands, strict=True):
            hit = band.get(bucket_key)
            if hit is not None:
                cands.update(hit)
        exact = self._exact.get(fp)
        if exact is not None:
            cands.add(exact)
        if not cands:
            return None
        keys = self._keys
        order = sorted(cands) if self._monotonic else sorted(cands, key=keys.__getitem__)
        cutoff = self._cutoff
        fps, cls_ = self._fps, self._cls
        for row in order:
            key = keys[row]
            if key == exclude:
                alt = self._extra.get(row)
                if fps[row] == fp and alt:
                    others = [k for k in alt if k != exclude]
                    if others:
                        return (min(others), 1.0)
                continue
            score = _similarity(fp, cl, fps[row], cls_[row], cutoff)
            if score * 100.0 >= cutoff:
                return (key, score)
        return None

    def _insert(
        self,
        key: int,
        fp: str,
        cl: str,
        sig: NDArray[np.uint32],
        bands: list[int],
        match: tuple[int, float] | None,
    ) -> None:
        row = len(self._keys)
        self._keys.append(key)
        self._fps.append(fp)
        self._cls.append(cl)
        self._sigs.append(sig)
        self._match.append(match)
        self._exact[fp] = row
        self._bucket_insert(row, bands)

    def _bucket_insert(self, row: int, bands: list[int]) -> None:
        for band, bucket_key in zip(self._buckets, bands, strict=True):
            hit = band.get(bucket_key)
            if hit is None:
                band[bucket_key] = [row]
            elif len(hit) < _BUCKET_CAP:
                hit.append(row)
