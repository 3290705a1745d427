"""Type (complaint / suggestion / praise / question / other) and urgency flags, zh + en.

Type comes from cue phrases (questions, suggestions) and the item's sentiment; urgency flags
(safety, legal, churn, media) from cue phrases with their spans as evidence. Both word lists are
our own. A workspace's corrections of type refine it through :func:`fit_kinds` (a small
logistic model over the embedding plus the cue features).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from voxloop.analysis.types import KINDS, Kind, Sentiment, Span

_I = re.IGNORECASE

QUESTION = re.compile(
    r"[?？]|吗[\s。.!！]*$|呢[\s。.!！]*$|请问|怎么[办样弄用]?|如何|为什么|为啥|能不能|可不可以|"
    r"是不是|是否|有没有|多久|什么时候|哪里|哪儿|几天|多少钱"
    r"|^(?:how|what|when|where|why|which|who|can|could|is|are|do|does|did|will|would|should)\b"
    r"|\b(?:how (?:do|can|long|much)|is there|are there|can i|could you tell)\b",
    _I,
)
SUGGESTION = re.compile(
    r"建议|希望|最好能|最好是|能否|可否|如果能|要是能|应该(?:增加|加|改|提供|有)|期待|期望|"
    r"能不能(?:增加|加|出|提供|改)|可以考虑|要是有|增加一个|加个|多一些|改进一下|改善一下|"
    r"\b(?:suggest|suggestion|recommend(?: that| you)|please add|would be (?:nice|great|good)|"
    r"it would help|could you add|you should|wish (?:it|you|there)|feature request|"
    r"consider adding|why not add|would love (?:to see|it if)|add an? option)\b",
    _I,
)
COMPLAINT = re.compile(
    r"投诉|差评|退款|退货|赔偿|太差|坏了|没收到|还没到|不满|失望|骗|垃圾|问题|故障|"
    r"\b(?:complain|complaint|refund|broken|never arrived|not received|terrible|awful|worst|"
    r"disappointed|unacceptable|doesn'?t work|not working|crash(?:es|ed|ing)?|charged twice)\b",
    _I,
)
PRAISE = re.compile(
    r"点赞|好评|感谢|谢谢|赞|满意|推荐|喜欢|\b(?:thank|thanks|love|great|excellent|awesome|"
    r"recommend|amazing|perfect|well done|kudos)\b",
    _I,
)

URGENCY: dict[str, re.Pattern[str]] = {
    "safety": re.compile(
        r"爆炸|炸了|起火|着火|冒烟|漏电|触电|烫伤|烧伤|受伤|划伤|中毒|过敏|拉肚子|腹泻|呕吐|住院|"
        r"送医|急诊|异物|玻璃渣|燃气泄漏|漏气|煤气|危险|安全隐患|窒息|"
        r"\b(?:fire|caught fire|smoke|smoking|explod\w*|burn(?:ed|t|s)?|injur\w*|hurt|"
        r"poison\w*|allergic|hospital\w*|electric shock|electrocut\w*|chok\w*|unsafe|"
        r"dangerous|hazard\w*|food poisoning|gas leak)\b",
        _I,
    ),
    "legal": re.compile(
        r"律师|起诉|法院|诉讼|12315|消协|消费者协会|工商局|市场监管|报警|警察|维权|仲裁|"
        r"法律途径|违法|欺诈|"
        r"\b(?:lawyer|attorney|sue|suing|lawsuit|legal action|court|small claims|"
        r"consumer protection|ftc|bbb|fraud|police)\b",
        _I,
    ),
    "churn": re.compile(
        r"退款|退钱|销户|注销|取消(?:订阅|会员|订单|自动续费)|不再(?:使用|购买|光顾)|"
        r"再也不(?:买|来|用|会)|换(?:一家|别家|平台)|卸载|转投|退会员|不续费|"
        r"\b(?:cancel (?:my|the) (?:account|subscription|membership|order|plan)|"
        r"close my account|delete my account|unsubscrib\w*|refund|money back|"
        r"switch(?:ing)? to|never (?:buy|order|come|use|shop)\w* (?:\w+ )?again|uninstall\w*|"
        r"not renew\w*|take my business elsewhere)\b",
        _I,
    ),
    "media": re.compile(
        r"曝光|媒体|记者|微博|发到网上|抖音|小红书|电视台|朋友圈|网上公开|上热搜|发帖|"
        r"\b(?:go viral|social media|twitter|tweet|reporter|journalist|the press|news|"
        r"post (?:this|it) (?:online|everywhere)|tiktok|expose)\b",
        _I,
    ),
}


def urgency(text: str) -> tuple[list[str], list[Span]]:
    """Urgency flags of one text, with the spans that raised them."""
    flags: list[str] = []
    evidence: list[Span] = []
    for flag, pattern in URGENCY.items():
        m = pattern.search(text)
        if m is not None:
            flags.append(flag)
            evidence.append(Span(m.start(), m.end(), flag, m.group(0)))
    return flags, evidence


def cue_features(text: str, sentiment: Sentiment) -> np.ndarray:
    """Cue and sentiment features used by the rules and by the learned model."""
    return np.array(
        [
            1.0 if QUESTION.search(text) else 0.0,
            1.0 if SUGGESTION.search(text) else 0.0,
            1.0 if COMPLAINT.search(text) else 0.0,
            1.0 if PRAISE.search(text) else 0.0,
            sentiment.score,
            1.0 if sentiment.label == "negative" else 0.0,
            1.0 if sentiment.label == "positive" else 0.0,
            1.0 if sentiment.mixed else 0.0,
        ],
        dtype=np.float32,
    )


def rule_kind(text: str, sentiment: Sentiment) -> tuple[Kind, float]:
    """The day-one type of a text and a confidence."""
    if not text.strip():
        return "other", 0.0
    f = cue_features(text, sentiment)
    question, suggestion, complaint, praise = f[0], f[1], f[2], f[3]
    neg = sentiment.label == "negative"
    pos = sentiment.label == "positive"
    if neg and (complaint or sentiment.score <= -0.5):
        return "complaint", 0.9 if complaint else 0.75
    if suggestion:
        return "suggestion", 0.8 if not neg else 0.6
    if question:
        return "question", 0.8 if not neg else 0.55
    if neg:
        return "complaint", 0.65
    if complaint and not pos:
        return "complaint", 0.55
    if pos:
        return "praise", 0.8 if praise else 0.65
    return "other", 0.5


@dataclass
class KindModel:
    """Multinomial logistic model over [embedding, cue features] learned from corrections."""

    classes: list[str]
    coef: np.ndarray
    intercept: np.ndarray
    version: str
    trained_on: int
    heldout_accuracy: float | None = None

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        z = x @ self.coef.T + self.intercept
        if z.shape[1] == 1:  # binary
            p1 = 1 / (1 + np.exp(-z[:, 0]))
            probs = np.stack([1 - p1, p1], axis=1)
        else:
            z = z - z.max(axis=1, keepdims=True)
            probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        return probs.argmax(axis=1), probs.max(axis=1)

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        meta = {
            "classes": self.classes,
            "version": self.version,
            "trained_on": self.trained_on,
            "heldout_accuracy": self.heldout_accuracy,
        }
        np.savez_compressed(
            buf, meta=np.array(json.dumps(meta)), coef=self.coef, intercept=self.intercept
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> KindModel:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            meta = json.loads(str(npz["meta"]))
            return cls(
                classes=list(meta["classes"]),
                coef=np.asarray(npz["coef"]),
                intercept=np.asarray(npz["intercept"]),
                version=str(meta["version"]),
                trained_on=int(meta["trained_on"]),
                heldout_accuracy=meta.get("heldout_accuracy"),
            )


def _rule_onehot(text: str, sentiment: Sentiment) -> np.ndarray:
    kind, conf = rule_kind(text, sentiment)
    out = np.zeros(len(KINDS), dtype=np.float32)
    out[KINDS.index(kind)] = 2.0 * conf
    return out


def _x(texts: Sequence[str], sentiments: Sequence[Sentiment], vectors: np.ndarray) -> np.ndarray:
    cues = np.array(
        [
            np.concatenate([cue_features(t, s), _rule_onehot(t, s)])
            for t, s in zip(texts, sentiments, strict=True)
        ],
        dtype=np.float32,
    ).reshape(len(texts), -1)
    return np.hstack([vectors.astype(np.float32), cues])


def classify_kinds(
    texts: Sequence[str],
    sentiments: Sequence[Sentiment],
    *,
    model: KindModel | None = None,
    embeddings: np.ndarray | None = None,
) -> list[tuple[Kind, float]]:
    """Type and confidence per text: rules, or the workspace model once it has corrections."""
    rules = [rule_kind(t, s) for t, s in zip(texts, sentiments, strict=True)]
    if model is None or embeddings is None or not texts:
        return rules
    idx, conf = model.predict(_x(texts, sentiments, embeddings))
    out: list[tuple[Kind, float]] = []
    for text, rule, j, c in zip(texts, rules, idx, conf, strict=True):
        if not text.strip():
            out.append(rule)
            continue
        label = model.classes[int(j)]
        known = next((k for k in KINDS if k == label), None)
        out.append((known, round(float(c), 4)) if known is not None else rule)
    return out


def fit_kinds(
    texts: Sequence[str],
    labels: Sequence[str],
    sentiments: Sequence[Sentiment],
    *,
    embeddings: np.ndarray,
    holdout: float = 0.2,
    seed: int = 0,
) -> KindModel | None:
    """Learn types from corrections; ``None`` when they hold fewer than two types."""
    from sklearn.linear_model import LogisticRegression

    classes = sorted(set(labels))
    if len(classes) < 2:
        return None
    x = _x(texts, sentiments, embeddings)
    y = np.array([classes.index(label) for label in labels])
    heldout = None
    n = len(y)
    if n >= 10 and holdout > 0:
        rng = np.random.default_rng(seed)
        order = rng.permutation(n)
        cut = max(1, round(n * holdout))
        test, train = order[:cut], order[cut:]
        if len(set(y[train])) >= 2:
            clf = LogisticRegression(C=2.0, max_iter=1000).fit(x[train], y[train])
            predicted = (
                clf.classes_[clf.decision_function(x[test]).reshape(len(test), -1).argmax(axis=1)]
                if len(clf.classes_) > 2
                else clf.predict(x[test])
            )
            heldout = round(float((predicted == y[test]).mean()), 4)
    clf = LogisticRegression(C=2.0, max_iter=1000).fit(x, y)
    present = [classes[int(c)] for c in clf.classes_]
    return KindModel(
        classes=present,
        coef=clf.coef_.astype(np.float32),
        intercept=clf.intercept_.astype(np.float32),
        version=f"k{n}",
        trained_on=n,
        heldout_accuracy=heldout,
    )
