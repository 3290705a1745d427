"""Keyphrases per item and per group (Chinese-aware), for word clouds and theme labels.

Chinese text is cut by jieba (fast path, no HMM-POS pass); each word's part of speech is looked
up in jieba's own dictionary, and candidates follow a few patterns: noun runs (手机屏幕),
noun + degree/negation adverbs + adjective or verb (物流很快, 屏幕不清楚), verb + noun
(发货速度), and standalone two-character adjectives (好用). English candidates are runs of
non-stopwords up to three words. Words are weighted by how rare they are in jieba's frequency
table, so an item's keyphrases do not depend on the rest of its batch.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from voxloop.analysis import text as textmod

# --- word lists (our own) ------------------------------------------------------------------


# Function words, pronouns, particles, light verbs and fillers that never make a keyphrase
# on their own and break a phrase when they occur inside one.
def _wordlist(words: str) -> frozenset[str]:
    return frozenset(words.split())


ZH_STOPWORDS = _wordlist(
    """
    的 地 得 了 着 过 吗 呢 吧 啊 呀 哦 哈 嘛 啦 哇 喔 嗯 噢 么 呗 咯 哎 唉 嘿 哟 诶
    我 你 您 他 她 它 我们 你们 他们 她们 它们 咱 咱们 自己 大家 别人 人家 本人 俺
    这 那 这个 那个 这些 那些 这样 那样 这么 那么 这种 那种 这里 那里 这儿 那儿 这次 那次
    哪 哪个 哪里 哪儿 什么 怎么 怎样 怎么样 为什么 为何 如何 多少 几 谁 啥 咋
    是 有 在 和 与 及 以及 或 或者 还是 而 而且 并且 并 但 但是 可是 不过 然而 只是 就是
    因为 所以 因此 由于 如果 要是 假如 虽然 尽管 即使 既然 然后 接着 于是 之后 以后 以前
    之前 的话 而已 罢了 一下 一点 一些 有些 有点 有的 一样 一直 一般 一定 一共 一起
    也 都 还 就 才 又 再 已 已经 曾经 正在 将 会 能 能够 可以 可能 应该 应当 需要 要 想
    很 太 挺 蛮 超 极 较 比较 非常 特别 十分 相当 真 真的 实在 确实 简直 更 最 越 越来越
    稍微 有点儿 好像 似乎 大概 也许 或许 肯定 当然 其实 反正 总之 总的来说 总体 基本 基本上
    不 没 没有 别 无 未 不是 不会 不能 不要 没什么
    个 只 件 次 下 把 被 让 给 对 向 从 到 跟 比 为 以 于 用 按 据 至 连 由 替 除了
    上 中 里 外 前 后 内 时 时候 的时候 地方 东西 事情 情况 方面 问题点 左右
    说 看 做 弄 搞 去 来 用了 买了 收到了 觉得 感觉 认为 知道 发现 表示 希望 还有 就是说
    这是 那是 也是 都是 还是 真是 就是 个人 本来 原来 以为 结果 终于 居然 竟然 果然 只能
    亲 呵呵 哈哈 嘻嘻 哈哈哈 嗯嗯 好吧 好的 谢谢 感谢 总之 之类 等等 等 啥的
    一 二 三 四 五 六 七 八 九 十 百 千 万 两 第一 第二 一个 一次 一天 一下子 不了 得了 行了
    """
)

# Adverbs that may sit between a noun and its adjective inside one phrase (物流很快, 屏幕不清楚).
ZH_LINKING_ADVERBS = _wordlist(
    "很 太 挺 蛮 超 较 比较 非常 特别 十分 相当 真 真的 实在 更 最 不 没 没有 不太 有点 有点儿"
)

EN_STOPWORDS = _wordlist(
    """
    a an the and or but nor so yet for of to in on at by with from into onto over under about
    above below after before during through across against between within without
    behind beyond around among via per
    up down out off than then too very just also only even still again ever once
    i me my mine myself we us our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves one ones
    this that these those there here where when why how what which who whom whose whoever
    is am are was were be been being do does did done doing have has had having get gets got
    getting gotten go goes went gone going make makes made making take took taken come came
    will would shall should can could may might must ought need needs needed let lets
    not no nor never none nothing n't dont doesnt didnt isnt wasnt arent werent wont cant
    couldnt wouldnt shouldnt havent hasnt hadnt im ive id youre theyre thats whats theres
    if because as until while since though although unless whether either neither both each
    every all any some such many much more most less least few lot lots other another same
    own really quite rather pretty somewhat kind sort bit thing things stuff something anything
    everything someone anyone everyone way ways time times day days etc ok okay yes yeah oh
    well like said say says think thought know knew feel felt seem seems seemed look looks
    looked use used using try tried want wanted give gave put see saw seen tell told
    again already always usually often sometimes maybe perhaps probably definitely actually
    basically literally totally completely absolutely simply highly extremely truly
    i'm i've i'd i'll you're you've we're we've they're they've it's that's there's don't
    doesn't didn't isn't wasn't aren't weren't won't can't couldn't wouldn't shouldn't
    haven't hasn't hadn't let's what's who's he's she's
    """
)

# Parts of speech (jieba / ICTCLAS tags) by role in a phrase.
_NOUN_TAGS = _wordlist("n nr nrfg nrt ns nt nz ng vn an nw eng i l j")
_ADJ_TAGS = _wordlist("a ad ag z b")
_VERB_TAGS = _wordlist("v vd vg vi")

_NEGATIONS = frozenset(("不", "没", "不太", "没有"))
_CLAUSE_BREAK = re.compile(r"[，,。．.!！?？;；:：\n…~～、()（）\[\]【】「」“”\"'《》<>/|]")
_EN_TOKEN = re.compile(r"[a-z0-9][a-z0-9'’\-]*|[^\sa-z0-9]")
_HAN = re.compile(r"[\u3400-\u9fff]")
_MAX_CHARS = 2_000  # keyphrases of a long text come from its head


@lru_cache(maxsize=1)
def _lexicon() -> tuple[dict[str, str], dict[str, float], float]:
    """Word -> POS tag and word -> rarity weight, from jieba's own dictionary file."""
    import jieba

    tags: dict[str, str] = {}
    freq: dict[str, int] = {}
    path = Path(jieba.__file__).parent / "dict.txt"
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3:
                tags[parts[0]] = parts[2]
                freq[parts[0]] = int(parts[1])
    total = float(sum(freq.values()))
    weights = {w: math.log(total / max(f, 1)) for w, f in freq.items()}
    unknown = math.log(total / 3.0)  # words jieba found by HMM: as rare as the rarest entries
    return tags, weights, unknown


def _en_weight(word: str) -> float:
    # No English frequency table ships with our dependencies: longer words are rarer.
    return 8.0 + min(len(word), 12) * 0.4


# --- candidates ----------------------------------------------------------------------------

_WORDS: dict[str, tuple[str, float]] = {}  # word -> (role, weight), filled as words are seen
_WORDS_MAX = 300_000


def _zh_word(word: str) -> tuple[str, float]:
    """Role and weight of a Chinese-text token.

    Roles: 'N' noun-like, 'A' adjective, 'V' verb, 'L' linking adverb, 'S' stop, 'X' other.
    """
    hit = _WORDS.get(word)
    if hit is not None:
        return hit
    tags, weights, unknown = _lexicon()
    tag = tags.get(word)
    role = "X"
    if word in ZH_LINKING_ADVERBS:
        role = "L"
    elif word in ZH_STOPWORDS or word in EN_STOPWORDS or word.isdigit():
        role = "S"
    elif _CLAUSE_BREAK.fullmatch(word) or not any(ch.isalnum() for ch in word):
        role = "P"
    elif tag is None:
        if word[0] in ZH_LINKING_ADVERBS and tags.get(word[1:]) in _ADJ_TAGS:
            role = "A"  # an HMM-found word like 很差 / 超好 is an intensified adjective
        elif len(word) >= 2 and (word.isalpha() or _HAN.search(word)):
            role = "N"
    elif tag in _NOUN_TAGS:
        role = "N"
    elif tag in _ADJ_TAGS:
        role = "A"
    elif tag in _VERB_TAGS:
        role = "V"
    weight = weights.get(word, unknown)
    if role == "A" and len(word) >= 2 and word[0] in ZH_LINKING_ADVERBS:
        weight = weights.get(word[1:], weight)  # 太慢 / 很差 weigh as 慢 / 差
    result = (role, weight)
    if len(_WORDS) >= _WORDS_MAX:
        _WORDS.clear()
    _WORDS[word] = result
    return result


def _zh_clause_candidates(
    words: list[str], roles: list[str], weights: list[float], out: list[tuple[str, float]]
) -> None:
    n = len(words)
    i = 0
    while i < n:
        role = roles[i]
        if role == "N":
            j = i
            while j < n and roles[j] == "N" and j - i < 3:
                j += 1
            # Every contiguous sub-run of the noun run (a long run is usually a compound).
            for a in range(i, j):
                total = 0.0
                for b in range(a, j):
                    total += weights[b]
                    if b > a or len(words[a]) >= 2:
                        out.append(("".join(words[a : b + 1]), total))
            # Noun + linking adverbs + adjective / verb: 物流很快, 屏幕不清楚.
            k = j
            while k < n and roles[k] == "L" and k - j < 2:
                k += 1
            head = words[j - 1]
            if k < n and roles[k] in "AV" and len(head) >= 2:
                out.append(
                    (head + "".join(words[j:k]) + words[k], weights[j - 1] + 0.8 * weights[k])
                )
            i = j
            continue
        if role == "V" and len(words[i]) >= 2:
            # Verb + noun: 发货速度, 退换货服务. jieba tags many service nouns as verbs
            # (快递, 发货, 包装), so a verb also heads "verb + adverbs + adjective": 发货很快.
            if i + 1 < n and roles[i + 1] == "N":
                out.append((words[i] + words[i + 1], weights[i] + weights[i + 1]))
            else:
                out.append((words[i], 0.8 * weights[i]))
                k = i + 1
                while k < n and roles[k] == "L" and k - i <= 2:
                    k += 1
                if k < n and roles[k] == "A":
                    out.append(("".join(words[i : k + 1]), weights[i] + 0.8 * weights[k]))
        elif role == "A" and len(words[i]) >= 2:
            # An adjective on its own keeps a negation before it: 不好用, 方便.
            neg = i > 0 and words[i - 1] in _NEGATIONS
            out.append(((words[i - 1] + words[i]) if neg else words[i], 0.7 * weights[i]))
        i += 1


def _en_clause_candidates(words: list[str], out: list[tuple[str, float]]) -> None:
    run: list[str] = []
    for word in [*words, ""]:
        if word and word not in EN_STOPWORDS and not word.isdigit() and len(word) > 1:
            run.append(word)
            continue
        for a in range(len(run)):
            for b in range(a + 1, min(a + 3, len(run)) + 1):
                gram = run[a:b]
                if b - a == 1 and len(gram[0]) < 3:
                    continue
                out.append((" ".join(gram), sum(_en_weight(w) for w in gram)))
        run = []


def candidates(text: str, userdict: Sequence[str] = ()) -> list[tuple[str, float]]:
    """Every candidate phrase occurrence in ``text`` with its weight (repeats kept)."""
    text = textmod.normalize(text)[:_MAX_CHARS]
    if not text:
        return []
    out: list[tuple[str, float]] = []
    if _HAN.search(text) is None:
        for clause in _CLAUSE_BREAK.split(text.lower()):
            tokens = [w.strip("'’-") for w in _EN_TOKEN.findall(clause)]
            _en_clause_candidates([w for w in tokens if w], out)
        return out
    tokenizer = textmod._tokenizer(frozenset(userdict))
    words: list[str] = []
    roles: list[str] = []
    weights: list[float] = []
    for raw in tokenizer.cut(text, HMM=True):
        word = raw.strip().lower()
        if not word:
            continue
        role, weight = _zh_word(word)
        if role != "P":
            words.append(word)
            roles.append(role)
            weights.append(weight)
        elif words:
            _zh_clause_candidates(words, roles, weights, out)
            words, roles, weights = [], [], []
    if words:
        _zh_clause_candidates(words, roles, weights, out)
    return out


def _without_overlaps(ranked: Iterable[tuple[str, float]], top_k: int) -> list[tuple[str, float]]:
    """Best-first, skipping a phrase that contains or is contained in one already chosen."""
    chosen: list[tuple[str, float]] = []
    for phrase, score in ranked:
        if any(phrase in c or c in phrase for c, _ in chosen):
            continue
        chosen.append((phrase, score))
        if len(chosen) >= top_k:
            break
    return chosen


# --- per item ------------------------------------------------------------------------------


def _rank_item(cands: list[tuple[str, float]], top_k: int) -> list[str]:
    if not cands:
        return []
    scores: dict[str, float] = {}
    seen: Counter[str] = Counter()
    for phrase, weight in cands:
        seen[phrase] += 1
        scores[phrase] = max(scores.get(phrase, 0.0), weight)
    ranked = sorted(
        ((p, s * (1.0 + 0.5 * (seen[p] - 1))) for p, s in scores.items()),
        key=lambda ps: (-ps[1], ps[0]),
    )
    return [p for p, _ in _without_overlaps(ranked, top_k)]


def extract(texts: Sequence[str], top_k: int = 5, userdict: Sequence[str] = ()) -> list[list[str]]:
    """The ``top_k`` keyphrases of each text, best first (an empty list for empty text)."""
    return [_rank_item(candidates(t or "", userdict), top_k) for t in texts]


# --- per group -----------------------------------------------------------------------------


def phrase_sets(texts: Sequence[str], userdict: Sequence[str] = ()) -> list[dict[str, float]]:
    """For each text, its distinct candidate phrases with their weights (reusable by groups)."""
    out: list[dict[str, float]] = []
    for t in texts:
        found: dict[str, float] = {}
        for phrase, weight in candidates(t or "", userdict):
            if weight > found.get(phrase, 0.0):
                found[phrase] = weight
        out.append(found)
    return out


def weigh_group(
    group: Sequence[dict[str, float]],
    background: Sequence[dict[str, float]] | None = None,
    top_k: int = 10,
) -> list[tuple[str, float]]:
    """Weighted keyphrases of ``group`` (phrase sets from :func:`phrase_sets`), max weight 1.

    With a background, a phrase scores by its share of the group's items times the log of
    how much more often it occurs in the group than in the background (a class-based TF-IDF
    on document frequencies); without, times its rarity in general language.
    """
    n = len(group)
    if n == 0 or top_k <= 0:
        return []
    df: Counter[str] = Counter()
    rarity: dict[str, float] = {}
    for found in group:
        df.update(found.keys())
        for phrase, weight in found.items():
            rarity[phrase] = max(rarity.get(phrase, 0.0), weight)
    min_df = 2 if n >= 5 else 1
    scored: list[tuple[str, float]] = []
    if background is not None and len(background) > 0:
        bg_df: Counter[str] = Counter()
        for found in background:
            bg_df.update(found.keys())
        nb = len(background)
        for phrase, count in df.items():
            if count < min_df:
                continue
            share = count / n
            bg_share = (bg_df.get(phrase, 0) + 0.5) / (nb + 1.0)
            lift = math.log1p(share / bg_share)
            scored.append((phrase, share * lift * math.sqrt(rarity[phrase])))
    else:
        for phrase, count in df.items():
            if count >= min_df:
                scored.append((phrase, (count / n) * rarity[phrase]))
    if not scored:
        return []
    scored.sort(key=lambda ps: (-ps[1], ps[0]))
    chosen = _without_overlaps(scored, top_k)
    top = chosen[0][1] or 1.0
    return [(p, round(s / top, 4)) for p, s in chosen]


def for_group(
    texts: Sequence[str],
    top_k: int = 10,
    background: Sequence[str] | None = None,
    userdict: Sequence[str] = (),
) -> list[tuple[str, float]]:
    """Weighted keyphrases (weight in (0, 1], best first) for a group of texts.

    ``background`` is the wider set the group is compared with (for example the whole
    workspace's recent feedback); phrases common everywhere then rank low.
    """
    group_sets = phrase_sets(texts, userdict)
    bg_sets = phrase_sets(background, userdict) if background is not None else None
    return weigh_group(group_sets, bg_sets, top_k)
