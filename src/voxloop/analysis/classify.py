"""Taxonomy classification: multi-label, with confidence, evidence and where the hit came from.

Day one a workspace has only its taxonomy: names (zh/en), a few keywords or patterns and a few
example phrases per node. Three signals are combined:

- **keyword** — a node's names and keywords found in the text (``re:`` prefix = a regular
  expression). Evidence: the clause holding the match.
- **example** — similarity, in the multilingual embedding space, between the text and the node's
  prototypes (its names and examples): Chinese examples match English feedback and back.
- **model** — once people have corrected topics, :func:`fit_topics` trains a per-workspace
  one-vs-rest logistic model on those corrections (plus the node examples) and its
  probabilities take the lead; the model is versioned with its training size and held-out
  accuracy.

A child hit implies its parent (and grandparent), with the same evidence.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from voxloop.analysis import text as textmod
from voxloop.analysis.sentiment import clauses as clause_cache
from voxloop.analysis.types import Span, Taxonomy, TaxonomyNode, TopicHit

# Similarity (cosine of unit USE vectors) at which a prototype match counts: calibrated on our
# own seed phrases; texts whose best node is far below this get no example hit.
PROTO_THRESHOLD = 0.42
PROTO_SCALE = 0.06  # confidence = sigmoid((sim - threshold) / scale)
MODEL_THRESHOLD = 0.5
MAX_HITS = 5
KEYWORD_CONFIDENCE = 0.9
NAME_CONFIDENCE = 0.8


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


# --- keyword matching ------------------------------------------------------------------------


def _term_pattern(term: str) -> str | None:
    term = term.strip()
    if not term:
        return None
    if term.startswith("re:"):
        try:
            re.compile(term[3:])
        except re.error:
            return None
        return f"(?:{term[3:]})"
    escaped = re.escape(textmod.normalize(term).lower())
    if term.isascii() and term[:1].isalnum():
        return rf"\b{escaped}s?\b" if term[-1:].isalpha() else rf"\b{escaped}\b"
    return escaped


@dataclass
class _Compiled:
    keys: list[str]
    parents: dict[str, str | None]
    patterns: dict[str, list[tuple[re.Pattern[str], bool]]]  # key -> (pattern, is_name)
    userdict: tuple[str, ...]


_compiled_cache: OrderedDict[str, _Compiled] = OrderedDict()


def _compile(taxonomy: Taxonomy) -> _Compiled:
    digest = _taxonomy_digest(taxonomy) + repr([n.keywords for n in taxonomy.nodes])
    with _proto_lock:
        hit = _compiled_cache.get(digest)
        if hit is not None:
            return hit
    compiled = _compile_uncached(taxonomy)
    with _proto_lock:
        _compiled_cache[digest] = compiled
        while len(_compiled_cache) > 16:
            _compiled_cache.popitem(last=False)
    return compiled


def _compile_uncached(taxonomy: Taxonomy) -> _Compiled:
    patterns: dict[str, list[tuple[re.Pattern[str], bool]]] = {}
    words: list[str] = []
    for node in taxonomy.nodes:
        found: list[tuple[re.Pattern[str], bool]] = []
        for term, is_name in [(node.name_zh, True), (node.name_en, True)] + [
            (k, False) for k in node.keywords
        ]:
            pat = _term_pattern(term or "")
            if pat is None:
                continue
            try:
                found.append((re.compile(pat, re.IGNORECASE), is_name))
            except re.error:
                continue
            if term and not term.startswith("re:") and not term.isascii():
                words.append(term.strip())
        patterns[node.key] = found
    return _Compiled(
        keys=[n.key for n in taxonomy.nodes],
        parents={n.key: n.parent for n in taxonomy.nodes},
        patterns=patterns,
        userdict=tuple(sorted(set(words))),
    )


def _clause_of(spans: list[Span], start: int, end: int) -> Span | None:
    for span in spans:
        if span.start <= start and end <= span.end:
            return span
    return None


# --- prototypes ------------------------------------------------------------------------------


@dataclass
class Prototypes:
    keys: list[str]
    vectors: np.ndarray  # (m, 512)
    owner: np.ndarray  # (m,) index into keys
    is_name: np.ndarray  # (m,) bool
    texts: list[str]


def _prototype_texts(node: TaxonomyNode) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for name in (node.name_zh, node.name_en):
        if name and name.strip() and (name.strip(), True) not in out:
            out.append((name.strip(), True))
    for example in node.examples:
        if example and example.strip():
            out.append((textmod.normalize(example), False))
    return out


_proto_lock = threading.Lock()
_proto_cache: OrderedDict[str, Prototypes] = OrderedDict()


def _taxonomy_digest(taxonomy: Taxonomy) -> str:
    h = hashlib.sha1(usedforsecurity=False)
    for n in taxonomy.nodes:
        h.update(repr((n.key, n.name_zh, n.name_en, n.parent, n.examples)).encode())
    return h.hexdigest()


def prototypes(taxonomy: Taxonomy) -> Prototypes:
    """Embedded names and examples of every node (cached per taxonomy content)."""
    digest = _taxonomy_digest(taxonomy)
    with _proto_lock:
        hit = _proto_cache.get(digest)
        if hit is not None:
            _proto_cache.move_to_end(digest)
            return hit
    from voxloop.analysis.embed import embed

    keys = [n.key for n in taxonomy.nodes]
    texts: list[str] = []
    owner: list[int] = []
    is_name: list[bool] = []
    for i, node in enumerate(taxonomy.nodes):
        for t, name in _prototype_texts(node):
            texts.append(t)
            owner.append(i)
            is_name.append(name)
    vectors = embed(texts) if texts else np.zeros((0, 512), dtype=np.float32)
    protos = Prototypes(keys, vectors, np.array(owner, dtype=int), np.array(is_name), texts)
    with _proto_lock:
        _proto_cache[digest] = protos
        while len(_proto_cache) > 16:
            _proto_cache.popitem(last=False)
    return protos


def prototype_scores(protos: Prototypes, vectors: np.ndarray) -> np.ndarray:
    """(n, nodes) similarity: best of the node's examples, names counted a little lower.

    A node with examples also gets the similarity to its example centroid (less noisy than the
    single best example when there are several).
    """
    n, k = vectors.shape[0], len(protos.keys)
    out = np.full((n, k), -1.0, dtype=np.float32)
    if not len(protos.owner) or not n:
        return out
    sims = vectors @ protos.vectors.T
    sims = np.where(protos.is_name[None, :], sims - 0.05, sims)
    for j in range(k):
        cols = np.flatnonzero(protos.owner == j)
        if not len(cols):
            continue
        best = sims[:, cols].max(axis=1)
        examples = cols[~protos.is_name[cols]]
        if len(examples) >= 2:
            centroid = protos.vectors[examples].mean(axis=0)
            centroid /= max(float(np.linalg.norm(centroid)), 1e-9)
            best = np.maximum(best, vectors @ centroid + 0.02)
        out[:, j] = best
    return out


# --- the learned model -----------------------------------------------------------------------


@dataclass
class TopicModel:
    """One-vs-rest logistic regression over embeddings, learned from a workspace's corrections."""

    keys: list[str]
    coef: np.ndarray  # (k, 512)
    intercept: np.ndarray  # (k,)
    version: str
    trained_on: int
    heldout_accuracy: float | None = None

    def proba(self, vectors: np.ndarray) -> np.ndarray:
        return _sigmoid(vectors @ self.coef.T + self.intercept)

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        meta = {
            "keys": self.keys,
            "version": self.version,
            "trained_on": self.trained_on,
            "heldout_accuracy": self.heldout_accuracy,
        }
        np.savez_compressed(
            buf,
            meta=np.array(json.dumps(meta)),
            coef=self.coef.astype(np.float32),
            intercept=self.intercept.astype(np.float32),
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> TopicModel:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            meta = json.loads(str(npz["meta"]))
            return cls(
                keys=list(meta["keys"]),
                coef=np.asarray(npz["coef"]),
                intercept=np.asarray(npz["intercept"]),
                version=str(meta["version"]),
                trained_on=int(meta["trained_on"]),
                heldout_accuracy=meta.get("heldout_accuracy"),
            )


def _ancestors(taxonomy: Taxonomy) -> dict[str, list[str]]:
    parents = {n.key: n.parent for n in taxonomy.nodes}
    out: dict[str, list[str]] = {}
    for key in parents:
        chain: list[str] = []
        p = parents.get(key)
        while p is not None and p in parents and p not in chain and len(chain) < 3:
            chain.append(p)
            p = parents.get(p)
        out[key] = chain
    return out


def _train_ovr(x: np.ndarray, y: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-class logistic regressions; a class with no positive gets a strongly negative bias."""
    from sklearn.linear_model import LogisticRegression

    k = y.shape[1]
    coef = np.zeros((k, x.shape[1]), dtype=np.float32)
    intercept = np.full(k, -6.0, dtype=np.float32)
    for j in range(k):
        col = y[:, j]
        if col.min() == col.max():
            if col.max() == 1:
                intercept[j] = 6.0
            continue
        clf = LogisticRegression(C=c, max_iter=500, class_weight="balanced")
        clf.fit(x, col)
        coef[j] = clf.coef_[0]
        intercept[j] = clf.intercept_[0]
    return coef, intercept


def fit_topics(
    texts: Sequence[str],
    label_lists: Sequence[Sequence[str]],
    taxonomy: Taxonomy,
    *,
    embeddings: np.ndarray | None = None,
    holdout: float = 0.2,
    c: float = 4.0,
    seed: int = 0,
) -> TopicModel:
    """Train the workspace's topic model from corrected items (node keys per text).

    Node examples join the training data as positives. Held-out accuracy (exact match of the
    top node against the corrected labels, on ``holdout`` of the corrections) is measured
    before the final fit on everything.
    """
    from voxloop.analysis.embed import embed

    keys = [n.key for n in taxonomy.nodes]
    index = {k: i for i, k in enumerate(keys)}
    ancestors = _ancestors(taxonomy)
    vectors = embeddings if embeddings is not None else embed([textmod.normalize(t) for t in texts])
    y = np.zeros((len(texts), len(keys)), dtype=np.int8)
    for i, labels in enumerate(label_lists):
        for label in labels:
            for key in [label, *ancestors.get(label, [])]:
                if key in index:
                    y[i, index[key]] = 1
    extra_text: list[str] = []
    extra_y: list[int] = []
    for node in taxonomy.nodes:
        for ex in node.examples:
            extra_text.append(textmod.normalize(ex))
            extra_y.append(index[node.key])
    if extra_text:
        ex_vec = embed(extra_text)
        ex_y = np.zeros((len(extra_text), len(keys)), dtype=np.int8)
        for row, j in enumerate(extra_y):
            ex_y[row, j] = 1
            for anc in ancestors.get(keys[j], []):
                ex_y[row, index[anc]] = 1
    else:
        ex_vec = np.zeros((0, vectors.shape[1]), dtype=np.float32)
        ex_y = np.zeros((0, len(keys)), dtype=np.int8)
    heldout: float | None = None
    n = len(texts)
    if n >= 10 and holdout > 0:
        rng = np.random.default_rng(seed)
        order = rng.permutation(n)
        cut = max(1, round(n * holdout))
        test, train = order[:cut], order[cut:]
        coef, intercept = _train_ovr(
            np.vstack([vectors[train], ex_vec]), np.vstack([y[train], ex_y]), c
        )
        probs = _sigmoid(vectors[test] @ coef.T + intercept)
        correct = 0
        for row, i in enumerate(test):
            truth = set(np.flatnonzero(y[i]))
            predicted = {j for j in np.flatnonzero(probs[row] >= MODEL_THRESHOLD)}
            correct += predicted == truth
        heldout = round(correct / len(test), 4)
    coef, intercept = _train_ovr(np.vstack([vectors, ex_vec]), np.vstack([y, ex_y]), c)
    digest = hashlib.sha1(coef.tobytes(), usedforsecurity=False).hexdigest()[:8]
    return TopicModel(
        keys=keys,
        coef=coef,
        intercept=intercept,
        version=f"t{n}-{digest}",
        trained_on=n,
        heldout_accuracy=heldout,
    )


MIN_EXAMPLE_NODES = 2  # an examples model needs at least this many nodes with examples
_examples_lock = threading.Lock()
_examples_cache: OrderedDict[str, tuple[TopicModel, np.ndarray] | None] = OrderedDict()


def examples_model(taxonomy: Taxonomy) -> tuple[TopicModel, np.ndarray] | None:
    """A topic model trained on the taxonomy's example phrases alone, before any correction.

    Returns the model and a mask of the nodes it knows (those with examples, and their
    ancestors); None when fewer than MIN_EXAMPLE_NODES nodes have examples. Cached per
    taxonomy content. A workspace model fitted on corrections (:func:`fit_topics`) includes
    the same examples and replaces this one.
    """
    digest = _taxonomy_digest(taxonomy)
    with _examples_lock:
        if digest in _examples_cache:
            _examples_cache.move_to_end(digest)
            return _examples_cache[digest]
    with_examples = [n.key for n in taxonomy.nodes if any(e.strip() for e in n.examples)]
    result: tuple[TopicModel, np.ndarray] | None = None
    if len(with_examples) >= MIN_EXAMPLE_NODES:
        model = fit_topics([], [], taxonomy, embeddings=np.zeros((0, 512), dtype=np.float32))
        ancestors = _ancestors(taxonomy)
        known_keys = set(with_examples)
        for key in with_examples:
            known_keys.update(ancestors.get(key, []))
        known = np.array([k in known_keys for k in model.keys], dtype=bool)
        model.version = f"examples-{digest[:8]}"
        result = (model, known)
    with _examples_lock:
        _examples_cache[digest] = result
        while len(_examples_cache) > 16:
            _examples_cache.popitem(last=False)
    return result


# --- classify --------------------------------------------------------------------------------


def _bigrams(s: str) -> set[str]:
    s = s.lower()
    return {s[i : i + 2] for i in range(len(s) - 1)} or {s}


def _best_clause(text: str, spans: list[Span], terms: Sequence[str]) -> Span | None:
    """The clause sharing the most character bigrams with the node's names and examples."""
    if not spans:
        return None
    if len(spans) == 1:
        return spans[0]
    grams: set[str] = set()
    for t in terms:
        grams |= _bigrams(t)
    scored = [(len(_bigrams(s.text) & grams), -i, s) for i, s in enumerate(spans)]
    best = max(scored, key=lambda item: (item[0], item[1]))
    return best[2] if best[0] > 0 else None


def classify(
    texts: Sequence[str],
    taxonomy: Taxonomy | None,
    *,
    model: TopicModel | None = None,
    embeddings: np.ndarray | None = None,
    threshold: float = PROTO_THRESHOLD,
) -> list[list[TopicHit]]:
    """Topics of each (normalised) text, best first; empty lists without a taxonomy."""
    if not texts:
        return []
    if taxonomy is None or not taxonomy.nodes:
        return [[] for _ in texts]
    compiled = _compile(taxonomy)
    keys = compiled.keys
    ancestors = _ancestors(taxonomy)
    protos = prototypes(taxonomy)
    if embeddings is None:
        from voxloop.analysis.embed import embed

        embeddings = embed(list(texts))
    sims = prototype_scores(protos, embeddings)
    conf_proto = _sigmoid((sims - threshold) / PROTO_SCALE)
    model_p: np.ndarray | None = None
    gate = np.ones(len(keys), dtype=bool)  # nodes whose prototype hits the model may veto
    if model is None:
        from_examples = examples_model(taxonomy)
        if from_examples is not None:
            model, gate = from_examples
    if model is not None and model.keys:
        model_p = np.zeros((len(texts), len(keys)), dtype=np.float32)
        probs = model.proba(embeddings)
        col = {k: i for i, k in enumerate(model.keys)}
        for j, key in enumerate(keys):
            if key in col:
                model_p[:, j] = probs[:, col[key]]
    node_terms = {
        n.key: [t for t, _ in _prototype_texts(n)] + list(n.keywords) for n in taxonomy.nodes
    }
    out: list[list[TopicHit]] = []
    for i, text in enumerate(texts):
        if not text.strip():
            out.append([])
            continue
        spans = clause_cache(text)
        lowered = text.lower()
        hits: dict[str, TopicHit] = {}
        for j, key in enumerate(keys):
            for pattern, is_name in compiled.patterns[key]:
                m = pattern.search(lowered)
                if m is None:
                    continue
                clause = _clause_of(spans, m.start(), m.end())
                evidence = [Span(m.start(), m.end(), "keyword", text[m.start() : m.end()])]
                if clause is not None:
                    evidence.insert(0, clause)
                conf = NAME_CONFIDENCE if is_name else KEYWORD_CONFIDENCE
                if model_p is not None and model.trained_on >= 20:  # type: ignore[union-attr]
                    conf = float(0.5 * conf + 0.5 * max(model_p[i, j], 0.3))
                hits[key] = TopicHit(key, round(conf, 4), evidence=evidence, source="keyword")
                break
        order = np.argsort(-conf_proto[i])
        for rank, j in enumerate(order[:MAX_HITS]):
            key = keys[j]
            c_model = float(model_p[i, j]) if model_p is not None else None
            c_proto = float(conf_proto[i, j])
            # the top prototype counts at a lower bar when it clearly beats the runner-up
            if rank == 0 and len(order) > 1 and sims[i, j] - sims[i, order[1]] >= 0.05:
                c_proto = max(
                    c_proto,
                    float(_sigmoid(np.array((sims[i, j] - threshold + 0.05) / PROTO_SCALE))),
                )
            if key in hits:
                continue
            if c_model is not None and c_model >= MODEL_THRESHOLD:
                continue  # the model pass below takes it
            if c_proto >= 0.5 and (c_model is None or not gate[j] or c_model >= 0.15):
                clause = _best_clause(text, spans, node_terms[key])
                hits[key] = TopicHit(
                    key,
                    round(c_proto, 4),
                    evidence=[clause] if clause is not None else [],
                    source="example",
                )
        if model_p is not None:
            for jj in np.flatnonzero(model_p[i] >= MODEL_THRESHOLD):
                key = keys[int(jj)]
                if key in hits:
                    continue
                clause = _best_clause(text, spans, node_terms[key])
                hits[key] = TopicHit(
                    key,
                    round(float(model_p[i, jj]), 4),
                    evidence=[clause] if clause is not None else [],
                    source="model",
                )
        for key, hit in list(hits.items()):
            for parent in ancestors.get(key, []):
                if parent not in hits or hits[parent].confidence < hit.confidence:
                    hits[parent] = TopicHit(
                        parent, hit.confidence, evidence=list(hit.evidence), source=hit.source
                    )
        ranked = sorted(hits.values(), key=lambda h: -h.confidence)
        out.append(ranked)
    return out


def top_node(
    texts: Sequence[str],
    taxonomy: Taxonomy,
    *,
    model: TopicModel | None = None,
    embeddings: np.ndarray | None = None,
) -> list[str]:
    """Single-label view for evaluation: the best node by day-one score plus the model's."""
    if embeddings is None:
        from voxloop.analysis.embed import embed

        embeddings = embed(list(texts))
    keys, score = day_one_scores(texts, taxonomy, embeddings)
    if model is None:
        from_examples = examples_model(taxonomy)
        model = from_examples[0] if from_examples is not None else None
    if model is not None:
        probs = model.proba(embeddings)
        col = {k: i for i, k in enumerate(model.keys)}
        for j, key in enumerate(keys):
            if key in col:
                score[:, j] += 2.0 * probs[:, col[key]]
    return [keys[int(j)] for j in score.argmax(axis=1)]


def day_one_scores(
    texts: Sequence[str], taxonomy: Taxonomy, embeddings: np.ndarray
) -> tuple[list[str], np.ndarray]:
    """(node keys, (n, k) scores): prototype similarity plus a bonus per keyword found."""
    compiled = _compile(taxonomy)
    score = prototype_scores(prototypes(taxonomy), embeddings).astype(np.float64)
    for i, text in enumerate(texts):
        lowered = text.lower()
        for j, key in enumerate(compiled.keys):
            if any(p.search(lowered) for p, _ in compiled.patterns[key]):
                score[i, j] += 0.15
    return compiled.keys, score


def bootstrap(
    texts: Sequence[str],
    taxonomy: Taxonomy,
    *,
    embeddings: np.ndarray,
    share: float = 0.4,
    c: float = 1.0,
) -> TopicModel | None:
    """Self-training: a topic model from a workspace's own *unlabelled* feedback.

    The day-one answers (names, keywords, examples) on ``texts`` are ranked by their margin
    over the runner-up; the most confident ``share`` become pseudo-labels (with the node
    examples) for a one-vs-rest model, which then generalises to the less obvious items. No
    human label is used; corrections (:func:`fit_topics`) supersede it.
    """
    from sklearn.linear_model import LogisticRegression

    if len(texts) < 20 or len(taxonomy.nodes) < 2:
        return None
    keys, score = day_one_scores(texts, taxonomy, embeddings)
    ordered = np.sort(score, axis=1)
    margin = ordered[:, -1] - ordered[:, -2]
    top = score.argmax(axis=1)
    # the most confident share *within each predicted node*, so no node is crowded out
    confident = np.zeros(len(texts), dtype=bool)
    for j in np.unique(top):
        members = np.flatnonzero(top == j)
        cut = np.quantile(margin[members], 1 - share)
        confident[members[margin[members] >= cut]] = True
    xs = [embeddings[confident]]
    ys = [top[confident]]
    protos = prototypes(taxonomy)
    examples = ~protos.is_name
    if examples.any():
        xs.append(protos.vectors[examples])
        ys.append(protos.owner[examples])
    x, y = np.vstack(xs), np.concatenate(ys)
    present = np.unique(y)
    if len(present) < 2:
        return None
    clf = LogisticRegression(C=c, max_iter=1000, class_weight="balanced").fit(x, y)
    coef = np.zeros((len(keys), x.shape[1]), dtype=np.float32)
    intercept = np.full(len(keys), -6.0, dtype=np.float32)
    # softmax scores as one-vs-rest logits: log-odds against the rest of the classes
    for row, j in enumerate(clf.classes_):
        coef[int(j)] = (
            clf.coef_[row] if len(clf.classes_) > 2 else (clf.coef_[0] * (1 if row else -1))
        )
        intercept[int(j)] = (
            clf.intercept_[row] if len(clf.classes_) > 2 else clf.intercept_[0] * (1 if row else -1)
        )
    return TopicModel(
        keys=keys,
        coef=coef,
        intercept=intercept,
        version=f"bootstrap-{int(confident.sum())}",
        trained_on=0,
    )
