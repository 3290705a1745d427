"""Sentiment: positive / neutral / negative with a score in [-1, 1], evidence and `mixed`.

How a text is scored
--------------------
1. **Lexicon, clause by clause.** Chinese uses our own lexicon (``resources/zh_sentiment.txt``,
   written for VoxLoop) with negation (不, 没有, 并不 ...) and degree words (很, 太, 有点 ...)
   looked up just before each hit; English uses VADER's lexicon and rules (MIT) per clause.
   Clauses come from :func:`voxloop.analysis.text.clauses`; a clause opened by a contrast word
   (但是 / 不过 / 可是 / but / however) weighs more than the clause before it, and a text with a
   clearly positive and a clearly negative clause is marked ``mixed``.
2. **A logistic head on the multilingual embedding** (``resources/sentiment_head.npz``): one
   512-weight vector, so English training data teaches the Chinese side too.
3. **A combiner per language** (three numbers) adds the head's logit and the lexicon score.

Provenance of the shipped head (``python -m voxloop.analysis.sentiment build --data DIR``):
trained only on data we may ship — MAMS-ACSA train sentences whose aspects agree in polarity
(Apache-2.0, siat-nlp/MAMS-for-ABSA), ASAP restaurant-review samples with their star ratings
(Apache-2.0, Meituan-Dianping/asap) and VoxLoop's own seed sentences
(``resources/sentiment_seeds.tsv``). The UCI sentences (CC BY 4.0, Kotzias et al., KDD 2015) are
deliberately left out so that the English figure on them is measured without training on them.
No unlicensed set (ChnSentiCorp, online_shopping_10_cats) is used for anything that ships.

Learning: :func:`fit` refits a residual softmax layer on top of the default from a workspace's
corrections (texts + labels); with a few hundred corrections it takes well under a second.
"""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from voxloop.analysis import text as textmod
from voxloop.analysis.types import SENTIMENT_LABELS, Sentiment, SentimentLabel, Span

RESOURCES = Path(__file__).parent / "resources"
HEAD_FILE = RESOURCES / "sentiment_head.npz"
MIXED_MIN = 0.8  # a clause must reach this lexicon weight on each side to call a text mixed
EVIDENCE_MIN = 0.9

# --- Chinese lexicon -------------------------------------------------------------------------

_ZH_NEGATORS = ("不", "没", "无", "别", "非", "未", "勿", "莫", "没有", "并不", "毫不", "从不")
_ZH_NEG_RE = re.compile(
    r"(?:不是很|不是太|不太|不够|不怎么|不算|并不|并没有|毫不|从不|从来不|从没|没有|没那么|没|不|无|别|未|非|勿)"
    r"(?:太|很|那么|怎么|算|够|是很|是|非常|特别|大|够)?$"
)
_ZH_UP = re.compile(r"(?:非常|特别|十分|相当|极其|极为|超级|超|太|很|挺|真|好|最|特|巨|贼|蛮|老)$")
_ZH_DOWN = re.compile(r"(?:有点儿|有点|有些|稍微|稍|略微|略|比较|较|不太)$")
_CONTRAST_HEAD = re.compile(
    r"^(?:但是|可是|不过|然而|只是|就是|但|可惜|but\b|however\b|though\b|although\b|yet\b)",
    re.IGNORECASE,
)
_CONCESSIVE_HEAD = re.compile(r"^(?:虽然|尽管|虽|although|though|while)", re.IGNORECASE)


@lru_cache(maxsize=1)
def _zh_lexicon() -> tuple[dict[str, float], re.Pattern[str]]:
    weights: dict[str, float] = {}
    for line in (RESOURCES / "zh_sentiment.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, weight = line.rpartition(" ")
        weights[word.strip()] = float(weight)
    words = sorted(weights, key=len, reverse=True)
    return weights, re.compile("|".join(re.escape(w) for w in words))


@dataclass(slots=True)
class _Hit:
    start: int
    end: int
    weight: float


def _zh_hits(text: str, start: int, end: int) -> list[_Hit]:
    weights, pattern = _zh_lexicon()
    hits: list[_Hit] = []
    last = start
    for m in pattern.finditer(text, start, end):
        w = weights[m.group(0)]
        if w == 0:
            last = m.end()
            continue
        before = text[max(last, m.start() - 5) : m.start()]
        if _ZH_NEG_RE.search(before):
            # 不好 -> negative; 不贵 / 不难吃 -> mildly positive (negated criticism is faint praise)
            w = -w * (0.9 if w > 0 else 0.6)
        elif _ZH_UP.search(before):
            w *= 1.4
        elif _ZH_DOWN.search(before):
            w *= 0.7 if w > 0 else 0.9
        after = text[m.end() : min(end, m.end() + 2)]
        if after.startswith(("了", "啊", "呀", "!", "！")) and w < 0 and "太" in before:
            w *= 1.2
        hits.append(_Hit(m.start(), m.end(), w))
        last = m.end()
    return hits


# --- English lexicon (VADER) -----------------------------------------------------------------

_EN_TOKEN = re.compile(r"[A-Za-z][A-Za-z']*|[:;=8][\-o']?[()\[\]dDpP/\\|]")
_vader_lock = threading.Lock()
_vader: Any = None


def _analyzer() -> Any:
    global _vader
    with _vader_lock:
        if _vader is None:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

            _vader = SentimentIntensityAnalyzer()
        return _vader


def _en_hits(text: str, start: int, end: int) -> tuple[float, list[_Hit]]:
    """VADER's compound score for the clause (scaled to lexicon weights) and its words."""
    analyzer = _analyzer()
    clause = text[start:end]
    compound = float(analyzer.polarity_scores(clause)["compound"])
    hits = []
    lexicon = analyzer.lexicon
    for m in _EN_TOKEN.finditer(clause):
        valence = lexicon.get(m.group(0).lower())
        if valence is not None and abs(valence) >= 1.0 and (valence > 0) == (compound > 0):
            hits.append(_Hit(start + m.start(), start + m.end(), float(valence)))
    return compound * 3.0, hits


# --- clause scoring --------------------------------------------------------------------------


@dataclass(slots=True)
class LexiconResult:
    score: float  # weighted sum over clauses (roughly -6 .. 6)
    positive: float  # strongest positive clause
    negative: float  # strongest negative clause (<= 0)
    evidence: list[Span] = field(default_factory=list)

    @property
    def mixed(self) -> bool:
        return self.positive >= MIXED_MIN and self.negative <= -MIXED_MIN


def _is_zh(chunk: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in chunk)


def clause_score(text: str, start: int, end: int) -> tuple[float, list[_Hit]]:
    """Lexicon score of one span of ``text`` (Chinese rules, or VADER for Latin text)."""
    chunk = text[start:end]
    if _is_zh(chunk):
        hits = _zh_hits(text, start, end)
        total = sum(h.weight for h in hits)
        if chunk.rstrip().endswith(("!", "！")) and total:
            total *= 1.15
        if re.search(r"[?？]\s*$", chunk) and not hits:
            total = 0.0
        return total, hits
    if not any(ch.isalpha() for ch in chunk):
        return 0.0, []
    return _en_hits(text, start, end)


def lexicon_score(text: str) -> LexiconResult:
    """Score a text clause by clause: contrast clauses weigh more, concessions less."""
    spans = clauses(text) if text else []
    total = 0.0
    best_pos = 0.0
    best_neg = 0.0
    evidence: list[tuple[float, _Hit]] = []
    for i, span in enumerate(spans):
        value, hits = clause_score(text, span.start, span.end)
        if value == 0:
            continue
        weight = 1.0
        if _CONTRAST_HEAD.match(span.text):
            weight = 1.5
        elif _CONCESSIVE_HEAD.match(span.text):
            weight = 0.6
        elif i + 1 < len(spans) and _CONTRAST_HEAD.match(spans[i + 1].text):
            weight = 0.7
        total += weight * value
        best_pos = max(best_pos, value)
        best_neg = min(best_neg, value)
        evidence.extend((abs(h.weight), h) for h in hits if abs(h.weight) >= EVIDENCE_MIN)
    evidence.sort(key=lambda pair: -pair[0])
    spans_out = [
        Span(h.start, h.end, "positive" if h.weight > 0 else "negative", text[h.start : h.end])
        for _, h in evidence[:5]
    ]
    spans_out.sort(key=lambda s: s.start)
    return LexiconResult(total, best_pos, best_neg, spans_out)


@lru_cache(maxsize=8192)
def _clauses(text: str) -> tuple[Span, ...]:
    return tuple(textmod.clauses(text))


def clauses(text: str) -> list[Span]:
    """:func:`voxloop.analysis.text.clauses`, cached: sentiment, topics and per-topic
    sentiment all split the same texts."""
    return list(_clauses(text))


# --- the model -------------------------------------------------------------------------------


def _lex_feature(value: float) -> float:
    return float(np.tanh(value / 3.0) * 3.0)


@dataclass
class SentimentModel:
    """The default head plus an optional residual layer learned from corrections."""

    coef: np.ndarray  # (512,) polarity head on the embedding
    intercept: float
    combiner: dict[str, tuple[float, float, float]]  # language -> (head, lexicon, bias)
    neutral_margin: float = 1.0  # |logit| below this is neutral (before corrections)
    residual_w: np.ndarray | None = None  # (3, 514) learned from corrections
    residual_b: np.ndarray | None = None  # (3,)
    version: str = "default"
    trained_on: int = 0
    heldout_accuracy: float | None = None

    # -- persistence
    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        meta = {
            "combiner": self.combiner,
            "intercept": self.intercept,
            "neutral_margin": self.neutral_margin,
            "version": self.version,
            "trained_on": self.trained_on,
            "heldout_accuracy": self.heldout_accuracy,
        }
        arrays: dict[str, Any] = {"coef": self.coef.astype(np.float32)}
        if self.residual_w is not None and self.residual_b is not None:
            arrays["residual_w"] = self.residual_w.astype(np.float32)
            arrays["residual_b"] = self.residual_b.astype(np.float32)
        np.savez_compressed(buf, meta=np.array(json.dumps(meta)), **arrays)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> SentimentModel:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            meta = json.loads(str(npz["meta"]))
            return cls(
                coef=np.asarray(npz["coef"], dtype=np.float32),
                intercept=float(meta["intercept"]),
                combiner={
                    k: (float(v[0]), float(v[1]), float(v[2])) for k, v in meta["combiner"].items()
                },
                neutral_margin=float(meta.get("neutral_margin", 1.0)),
                residual_w=np.asarray(npz["residual_w"]) if "residual_w" in npz else None,
                residual_b=np.asarray(npz["residual_b"]) if "residual_b" in npz else None,
                version=str(meta.get("version", "default")),
                trained_on=int(meta.get("trained_on", 0)),
                heldout_accuracy=meta.get("heldout_accuracy"),
            )

    # -- scoring
    def base_logits(
        self, vectors: np.ndarray, lex: Sequence[float], languages: Sequence[str]
    ) -> np.ndarray:
        head = vectors @ self.coef + self.intercept
        out = np.empty(len(lex), dtype=np.float64)
        for i, (h, lx, lang) in enumerate(zip(head, lex, languages, strict=True)):
            a, b, c = self.combiner.get(lang, self.combiner["zh" if lang == "mixed" else "en"])
            out[i] = a * h + b * _lex_feature(lx) + c
        return out

    def class_logits(
        self, vectors: np.ndarray, lex: Sequence[float], languages: Sequence[str]
    ) -> np.ndarray:
        """(n, 3) logits over SENTIMENT_LABELS (positive, neutral, negative)."""
        s = self.base_logits(vectors, lex, languages)
        z = np.stack([s / 2, self.neutral_margin - np.abs(s) / 2, -s / 2], axis=1)
        if self.residual_w is not None and self.residual_b is not None:
            z = z + _features(vectors, lex, s) @ self.residual_w.T + self.residual_b
        return z


def _features(vectors: np.ndarray, lex: Sequence[float], base: np.ndarray) -> np.ndarray:
    lexf = np.array([_lex_feature(v) for v in lex], dtype=np.float64)[:, None]
    return np.hstack([vectors.astype(np.float64), lexf / 3.0, base[:, None] / 4.0])


_default_lock = threading.Lock()
_default: SentimentModel | None = None


def default_model() -> SentimentModel:
    """The shipped head (resources/sentiment_head.npz)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = SentimentModel.from_bytes(HEAD_FILE.read_bytes())
        return _default


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def _languages(texts: Sequence[str], language: str | Sequence[str] | None) -> list[str]:
    if isinstance(language, str):
        return [language] * len(texts)
    if language is not None:
        return list(language)
    return [textmod.detect_language(t) for t in texts]


def score(
    texts: Sequence[str],
    *,
    language: str | Sequence[str] | None = None,
    model: SentimentModel | None = None,
    embeddings: np.ndarray | None = None,
) -> list[Sentiment]:
    """Score a batch of (normalised) texts; one :class:`Sentiment` per text, in order."""
    if not texts:
        return []
    model = model or default_model()
    langs = _languages(texts, language)
    if embeddings is None:
        from voxloop.analysis.embed import embed

        embeddings = embed(list(texts))
    lex = [lexicon_score(t) for t in texts]
    z = model.class_logits(embeddings, [r.score for r in lex], langs)
    probs = _softmax(z)
    out = []
    for t, r, p in zip(texts, lex, probs, strict=True):
        if not t.strip():
            out.append(Sentiment())
            continue
        label: SentimentLabel = SENTIMENT_LABELS[int(np.argmax(p))]
        value = float(np.clip(p[0] - p[2], -1.0, 1.0))
        evidence = [s for s in r.evidence if label == "neutral" or s.kind == label or r.mixed]
        out.append(Sentiment(label=label, score=round(value, 4), evidence=evidence, mixed=r.mixed))
    return out


def score_spans(
    text: str,
    spans: Sequence[Span],
    fallback: Sentiment,
    *,
    model: SentimentModel | None = None,
    embedding: np.ndarray | None = None,
) -> Sentiment:
    """Sentiment of the part of ``text`` covered by ``spans`` (per-topic sentiment).

    The lexicon scores the clauses that carry a topic's evidence; when they hold no sentiment
    word, the embedding of those clauses (if given) goes through the model; otherwise the
    item's own sentiment is used.
    """
    total = 0.0
    hits: list[_Hit] = []
    for span in spans:
        value, found = clause_score(text, span.start, span.end)
        total += value
        hits.extend(found)
    if embedding is not None and np.any(embedding):
        m = model or default_model()
        lang = "zh" if _is_zh(text) else "en"
        p = _softmax(m.class_logits(embedding[None, :], [total], [lang]))[0]
        label: SentimentLabel = SENTIMENT_LABELS[int(np.argmax(p))]
        value = float(p[0] - p[2])
    elif hits and abs(total) >= 0.5:
        label = "positive" if total > 0 else "negative"
        value = float(np.tanh(total / 3.0))
    else:
        return Sentiment(label=fallback.label, score=fallback.score)
    evidence = [
        Span(h.start, h.end, "positive" if h.weight > 0 else "negative", text[h.start : h.end])
        for h in hits
        if abs(h.weight) >= EVIDENCE_MIN
    ]
    return Sentiment(label=label, score=round(value, 4), evidence=evidence[:3])


# --- learning from corrections ---------------------------------------------------------------


def _fit_residual(
    x: np.ndarray, y: np.ndarray, base: np.ndarray, l2: float
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression with a fixed offset (L-BFGS on a small problem)."""
    from scipy.optimize import minimize

    n, d = x.shape
    k = base.shape[1]
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = theta[: k * d].reshape(k, d)
        b = theta[k * d :]
        z = base + x @ w.T + b
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        p = np.exp(logp)
        value = -(onehot * logp).sum() / n + l2 * (w * w).sum()
        g = (p - onehot) / n
        gw = g.T @ x + 2 * l2 * w
        gb = g.sum(axis=0)
        return float(value), np.concatenate([gw.ravel(), gb])

    theta0 = np.zeros(k * d + k)
    res = minimize(loss, theta0, jac=True, method="L-BFGS-B", options={"maxiter": 100})
    theta = res.x
    return theta[: k * d].reshape(k, d), theta[k * d :]


def fit(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    base: SentimentModel | None = None,
    embeddings: np.ndarray | None = None,
    languages: Sequence[str] | None = None,
    l2: float | None = None,
) -> SentimentModel:
    """Refine the default model with corrections (labels in positive/neutral/negative)."""
    base = base or default_model()
    names: list[str] = list(SENTIMENT_LABELS)
    pairs = [(i, names.index(lab)) for i, lab in enumerate(labels)]
    if not pairs:
        return base
    if embeddings is None:
        from voxloop.analysis.embed import embed

        embeddings = embed(list(texts))
    langs = list(languages) if languages is not None else _languages(texts, None)
    lex = [lexicon_score(t).score for t in texts]
    raw = base.base_logits(embeddings, lex, langs)
    z0 = np.stack([raw / 2, base.neutral_margin - np.abs(raw) / 2, -raw / 2], axis=1)
    x = _features(embeddings, lex, raw)
    y = np.array([p[1] for p in pairs])
    n = len(y)
    # Chosen on held-out corrections of public review sets: weaker than this overfits 50
    # corrections, stronger ignores 1,000.
    strength = l2 if l2 is not None else 0.1 / np.sqrt(max(n, 1))
    w, b = _fit_residual(x, y, z0, strength)
    return SentimentModel(
        coef=base.coef,
        intercept=base.intercept,
        combiner=dict(base.combiner),
        neutral_margin=base.neutral_margin,
        residual_w=w.astype(np.float32),
        residual_b=b.astype(np.float32),
        version=f"corrections-{n}",
        trained_on=n,
    )


# --- building the shipped head ---------------------------------------------------------------


def _seed_rows() -> list[tuple[str, str]]:
    rows = []
    for line in (RESOURCES / "sentiment_seeds.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, _, sentence = line.partition("\t")
            rows.append((label.strip(), sentence.strip()))
    return rows


def training_rows(data_dir: Path) -> list[tuple[str, str, str]]:
    """(text, label, language) rows we may ship a model from (see the module docstring)."""
    import csv

    rows: list[tuple[str, str, str]] = []
    with (data_dir / "mams_acsa" / "train.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            pols = {a["polarity"] for a in rec["aspect_categories"]} - {"neutral"}
            if len(pols) == 1:
                rows.append((rec["text"], pols.pop(), "en"))
    for split in ("train", "dev", "test"):
        path = data_dir / "asap_samples" / f"{split}_sample.csv"
        with path.open(encoding="utf-8-sig") as fh:
            for rec in csv.DictReader(fh):
                stars = float(rec["star"] or 0)
                if stars >= 4:
                    rows.append((rec["reviewbody"], "positive", "zh"))
                elif 0 < stars <= 2:
                    rows.append((rec["reviewbody"], "negative", "zh"))
    for label, sentence in _seed_rows():
        rows.append((sentence, label, textmod.detect_language(sentence)))
    return rows


def build(
    data_dir: Path,
    out: Path = HEAD_FILE,
    *,
    embedder: Callable[[Sequence[str]], np.ndarray] | None = None,
    version: str = "default",
    strengths: Sequence[float] = (0.5,),
) -> SentimentModel:
    """Train the shipped head and combiner from :func:`training_rows`; writes ``out``.

    ``embedder`` (default: :func:`voxloop.analysis.embed.embed`) and ``version`` let quality
    mode train its head for another encoder with the same rows and recipe. With more than one
    of ``strengths`` (the head's inverse L2 strength C), the one with the best 5-fold
    cross-validated accuracy on these training rows is used (ties: the strongest penalty).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict, cross_val_score

    from voxloop.analysis.embed import embed

    rows = training_rows(data_dir)
    polar = [r for r in rows if r[1] != "neutral"]
    vectors = (embedder or embed)([r[0] for r in polar])
    y = np.array([1 if r[1] == "positive" else 0 for r in polar])
    c = strengths[0]
    if len(strengths) > 1:
        cv_accuracy = {
            s: float(
                cross_val_score(
                    LogisticRegression(C=s, max_iter=3000, class_weight="balanced"),
                    vectors,
                    y,
                    cv=5,
                ).mean()
            )
            for s in sorted(strengths)
        }
        c = max(cv_accuracy, key=lambda s: (round(cv_accuracy[s], 4), -s))
    head = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(vectors, y)
    # The combiner sees out-of-fold head scores, so it does not learn to trust an overfit head.
    h = cross_val_predict(
        LogisticRegression(C=c, max_iter=3000, class_weight="balanced"),
        vectors,
        y,
        cv=5,
        method="decision_function",
    )
    lex = np.array([_lex_feature(lexicon_score(textmod.normalize(r[0])).score) for r in polar])
    combiner: dict[str, tuple[float, float, float]] = {}
    for lang in ("zh", "en"):
        mask = np.array([r[2] == lang for r in polar])
        feats = np.stack([h[mask], lex[mask]], axis=1)
        # No intercept: the training sets' class balance (ASAP is 90 % positive) says nothing
        # about a workspace's, so zero evidence stays at zero (neutral).
        comb = LogisticRegression(C=1.0, class_weight="balanced", fit_intercept=False)
        comb.fit(feats, y[mask])
        a, b = (float(v) for v in comb.coef_[0])
        combiner[lang] = (round(a, 4), round(b, 4), 0.0)
    model = SentimentModel(
        coef=head.coef_[0].astype(np.float32),
        intercept=float(head.intercept_[0]),
        combiner=combiner,
        version=version,
        trained_on=len(polar),
    )
    out.write_bytes(model.to_bytes())
    return model


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m voxloop.analysis.sentiment")
    parser.add_argument("command", choices=["build"])
    parser.add_argument("--data", type=Path, required=True, help="the shared data directory")
    args = parser.parse_args(argv)
    model = build(args.data)
    print(f"wrote {HEAD_FILE} (trained on {model.trained_on}); combiner {model.combiner}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
