"""Complaints no topic covers (还没归类的抱怨): negative clauses that name no topic, grouped by key phrase.

How they are found and counted:

- During each analysis (by `analyze` itself, in its worker processes too; `refresh` catches up on
  any left), every review the model did not call positive is read clause by clause (`topics.analyze_clauses`). A clause that is negative and about no topic
  (neither names one, implies one (太慢了, see `implied.py`) nor goes on about one named just before it) is stored with its words
  (jieba words for Chinese, words for English) in `complaint_clauses`. A review scored again (new
  model, new topic words) is read again, so a phrase made into a topic leaves the list.
- A query (`uncovered_complaints`) groups the stored clauses of the period by key phrase. The
  candidates of a clause are its runs of one to five whole words that hold a word naming something
  (not a bare verdict such as 差, 失望, terrible, nor a degree word, pronoun, particle or number), with
  no number, at most one function word inside, none at the start and at the end only where the
  clause ends (汤汁漏得到处都是; never a particle such as 了) (2-8 characters in Chinese). Each clause takes the candidate shared
  by the most reviews, or a longer one shared by at least half as many (发错货 rather than 发错).
- `count` is the number of reviews of the period with such a complaint, `recent` how many of them
  fall in the last 30 days of the period, and growth is `recent` minus the monthly rate of the 90
  days before. The list is ranked by recent + growth (a complaint that is new and frequent comes
  first), then by count. Phrases of a single review are left out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Iterable, Sequence

from cxdesk.core.changes import Changes
from cxdesk.core.progress import Progress, no_progress
from cxdesk.i18n import _

# Bump when the way clauses are picked or cut into words changes, so every review is read again.
UNCOVERED_VERSION = "u1"
RECENT_DAYS = 30
BASELINE_DAYS = 90
MIN_REVIEWS = 2
MAX_EXAMPLES = 5
MAX_SPAN_WORDS = 5
MAX_SPAN_CHARS = 8
LONGER_SHARE = 0.5        # a longer candidate wins when it is shared by at least this share of the best
BATCH = 500
ELIGIBLE_LABELS = ("negative", "neutral")   # a positive review has no complaint clause (see review_label)


@dataclass(frozen=True)
class UncoveredComplaint:
    phrase: str
    count: int                     # reviews of the period with a complaint under this phrase
    recent: int                    # of those, reviews in the last RECENT_DAYS days of the period
    growth: float                  # recent minus the rate of the BASELINE_DAYS days before, per RECENT_DAYS
    examples: tuple[int, ...]      # feedback ids, newest first
    clauses: tuple[str, ...]       # a few of the clauses, as customers wrote them


# ---------------------------------------------------------------------------------------------
# Words of a clause

_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[a-z][a-z']*|[0-9]+")
_NUMBER = re.compile(r"^[0-9０-９.]+$|^[0-9一二两三四五六七八九十百几半]+[个次份件天块元斤点号位只张杯碗盒袋瓶箱包根颗条双套]?$")
_PUNCT = re.compile(r"^[\W_]+$")
_NEGATORS_ZH = frozenset("不 没 没有 无 未 别 不太 不够 不是 不能 不会 没法 无法".split())
_DEGREE_ZH = frozenset("太 很 非常 有点 有些 特别 超 超级 好 真 挺 比较 极 极其 十分 偏 略 巨 贼 最 更 太过 过于 相当 蛮 忒 这么 那么 如此".split())
# Words that carry no subject of their own: pronouns, particles, conjunctions, time and sequence
# adverbs, and nouns every review uses (东西, 商家, 体验). They may sit inside a phrase, never at its edge.
_FUNCTION_ZH = frozenset("""
    我 我们 你 你们 您 他 他们 她 她们 它 它们 咱 咱们 自己 大家 人家 别人 这 那 这个 那个 这些 那些 这次 那次 这里 那里
    这边 那边 这种 那种 这样 那样 这家 那家 这家店 一家 哪 哪个 什么 怎么 为什么 为啥 啥 谁
    的 地 得 了 着 过 吗 呢 吧 啊 呀 哦 噢 喔 嘛 啦 哈 呵 哎 唉 呐 哇 滴 咯 么 嗯 额 呃
    又 还 都 就 也 才 再 却 竟然 居然 真的 真是 实在 简直 总是 老是 一直 每次 每回 经常 常常 已经 还是 然后 而且
    并且 但是 但 可是 不过 只是 就是 可惜 唯一 而 和 跟 与 及 或 或者 以及 因为 所以 如果 虽然 尽管 结果 最后 终于
    感觉 觉得 认为 发现 表示 说 知道 以为 看 看到 看了 算 算是 应该 可能 好像 似乎 估计 一下 一点 有点儿 一些
    东西 商品 产品 宝贝 商家 店家 卖家 店铺 店 老板 体验 感受 问题 情况 事情 时候 地方 样子 方面 部分
    是 在 有 被 把 给 让 对 从 到 向 往 于 为 以 比 等 等等 之 其 其他 其它 另外 还有 之前 之后 以后 以前 时 后 前
    个 只 件 次 份 块 斤 箱 盒 袋 瓶 张 条 双 套 把 位 顿 口 回 遍 下 种 样 些 点
    第一 第一次 一次 这次 上次 下次 每次 开始 起来 根本 看着 看起来 吃起来 用起来 穿起来 简直是
    买 买了 购买 购物 网购 下单 收到 拿到 到手 消费 消费者 顾客 客人 用户 朋友 家人 孩子 老公 老婆
    京东 淘宝 天猫 美团 饿了么 大众点评 点评 拼多多 抖音 平台 官方 自营 旗舰店
    这是 那是 慢慢 不想 一看 中间 似的 买到 令人 让人 使人 感到 变得 显得 有些 以为 原以为 本来 原来
    全是 都是 反正 里面 外面 上面 下面 个人 整个 其中 有的 有些 偶尔
""".split())
# Verdicts without a subject: they say that the customer is unhappy, not about what.
_GENERIC_ZH = frozenset("""
    差 很差 太差 真差 超差 好差 差劲 差评 垃圾 太垃圾 坑 坑爹 坑人 失望 很失望 太失望 后悔 糟糕 恶心 无语 呵呵 醉了
    服了 一般 不行 不好 不满意 烂 太烂 骗人 骗子 上当 上当受骗 黑心 无良 不值 不值得 生气 气死 郁闷 不爽 难受 心塞
    吐槽 投诉 不推荐 不会再来 再也 再也不 不来 拉黑 避雷 踩雷 劝退 千万别 别买 慎买 慎入 不建议 差差差 不靠谱 离谱
    太离谱 过分 太过分 无奈 遗憾 可惜 扫兴 闹心 糟心 崩溃 倒霉 晦气 窝火 坑货 麻烦 很麻烦 太麻烦 严重 很严重 不方便
    太坑 不怎么样 令人失望 不敢恭维 垃圾货 不如 还不如 不太好 不好看 难看 可怜 一星 零分 差远了 差很多 上当了
    太多 太少 太大 太小 有点小 有点大 不够 不足 不好用 不能用 没用 一言难尽 无力吐槽 不想说 最差 最烂 最垃圾
    希望 希望改进 改进 改善 建议 加油 注意 提高 努力 再也不会 再也不买 不会再买
""".split())
_PARTICLES = frozenset("的 地 得 了 着 过 吗 呢 吧 啊 呀 哦 噢 喔 嘛 啦 哈 呵 哎 唉 呐 哇 滴 咯 么 嗯 额 呃".split())
_NEGATORS_EN = frozenset("not no never n't without nothing".split())
_GENERIC_EN = frozenset("""
    bad terrible awful horrible worst poor poorly disappointed disappointing disappointment hate hated waste junk
    garbage crap sucks sucked useless avoid unhappy upset angry ridiculous pathetic shame sad unacceptable annoying
    annoyed frustrating frustrated mediocre meh okay ok regret complaint complain complained problem problems issue
    issues thing things stuff experience place product item order time times star stars review
""".split())
# Kinds of the clause word list that say how, not what (一般, 吗, 呵呵, 但是, 很, 不, 太, 咸, 高).
_NOT_SUBJECT_KINDS = frozenset(("+", "=", "neg", "deg", "ex", "q", "x", "con", "adj", "more", "less"))


def clause_words(clause: str) -> list[str]:
    """The words of a normalised clause: jieba words for Chinese, lower-case words for English."""
    text = clause.strip().lower()
    if _HAN.search(text):
        from cxdesk.core.analysis.keywords import cut

        return [w.strip() for w in cut(text) if w.strip() and not _PUNCT.match(w.strip())]
    return _LATIN_WORD.findall(text.replace("\u2019", "'"))


@lru_cache(maxsize=1)
def _stopwords_en() -> frozenset[str]:
    from importlib import resources

    text = (resources.files("cxdesk.core") / "data" / "stopwords_en.txt").read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip())


@lru_cache(maxsize=1)
def _opinion_words() -> tuple[dict, frozenset[str]]:
    """Chinese word-list kinds, and the English words VADER counts as praise."""
    from cxdesk.core.analysis import clauses, sentiment

    zh = {w: kind for w, (kind, _weight) in clauses._load().items()}
    en = frozenset(w for w, v in sentiment._load_vader().lexicon.items() if v > 0)
    return zh, en


def _kind(word: str) -> str:
    """content | stop | glue (negator or degree word: may open a phrase, never end it) | generic |
    number. A phrase needs a content word; generic verdicts (差, 失望, terrible) are not one."""
    if _NUMBER.match(word) or _PUNCT.match(word):
        return "number"
    opinion_zh, praise_en = _opinion_words()
    if _HAN.search(word):
        if word in _NEGATORS_ZH or word in _DEGREE_ZH:
            return "glue"
        if word in _FUNCTION_ZH:
            return "stop"
        if word in _GENERIC_ZH or opinion_zh.get(word) in _NOT_SUBJECT_KINDS:
            return "generic"
        return "content"
    if word in _NEGATORS_EN:
        return "glue"
    if word in _stopwords_en() or len(word) < 2:
        return "stop"
    if word in _GENERIC_EN or word in praise_en:
        return "generic"
    return "content"


@lru_cache(maxsize=16384)   # per process; each analysis worker holds its own
def candidates(words: str) -> tuple[str, ...]:
    """Key-phrase candidates of a clause given as its space-separated words (see the module text)."""
    seq = words.split(" ") if words else []
    kinds = [_kind(w) for w in seq]
    out: list[str] = []
    for i in range(len(seq)):
        if kinds[i] in ("stop", "number"):
            continue
        for j in range(i + 1, min(i + MAX_SPAN_WORDS, len(seq)) + 1):
            span_kinds = kinds[i:j]
            if "number" in span_kinds:
                break
            if "content" not in span_kinds or span_kinds[-1] == "glue":
                continue
            # A function word may end a phrase only where the clause ends (汤汁漏得到处都是), never
            # mid-clause, and a sentence-final particle (了, 啊) never.
            at_end = all(w in _PARTICLES for w in seq[j:])
            if not at_end and _HAN.search(seq[j - 1]) and all(k == "stop" for k in kinds[j:]):
                continue    # "汤汁漏得到处" of 汤汁漏得到处都是: the clause goes on, so it is a fragment
            if span_kinds[-1] == "stop" and (not at_end or seq[j - 1] in _PARTICLES or not _HAN.search(seq[j - 1])):
                continue
            if span_kinds[:-1].count("stop") > 1:
                continue
            han = any(_HAN.search(w) for w in seq[i:j])
            phrase = "".join(seq[i:j]) if han else " ".join(seq[i:j])
            if han and not 2 <= len(phrase) <= MAX_SPAN_CHARS:
                continue
            if not han and len(phrase) < 3:
                continue
            out.append(phrase)
    return tuple(dict.fromkeys(out))


def uncovered_clauses(text: str, matcher=None) -> list[tuple[str, str]]:
    """(clause, its space-separated words) of each negative clause of `text` that is about no topic."""
    from cxdesk.core.analysis.topics import analyze_clauses

    return _with_words(m.clause for m in analyze_clauses(text or "", matcher) if m.label == "negative" and not m.topics)


def _with_words(found: Iterable[str]) -> list[tuple[str, str]]:
    out = []
    for clause in found:
        words = clause_words(clause)
        if words and candidates(" ".join(words)):
            out.append((clause, " ".join(words)))
    return out


def clauses_of_review(text: str, lang: str | None, model_label: str | None, mentions) -> tuple[tuple[str, str], ...]:
    """What `refresh` would store for a review the analysis has just split into `mentions`
    (`analyze_clauses`), so the analysis stores it at once, in its workers too."""
    if model_label not in ELIGIBLE_LABELS or lang not in ("zh", "en") or not text:
        return ()
    return tuple(_with_words(m.clause for m in mentions if m.label == "negative" and not m.topics))


def has_tables(db) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = 'complaint_scan'").fetchone() is not None


def store(db, found: Sequence[tuple[int, Sequence[tuple[str, str]]]], version: str | None = None) -> None:
    """Replace the stored clauses of these reviews and mark them read; the caller holds the
    transaction. `version`: the analysis version the reviews carry (default: read from each row)."""
    ids = [fid for fid, _items in found]
    if not ids:
        return
    marks = ", ".join("?" * len(ids))
    db.execute(f"DELETE FROM complaint_clauses WHERE feedback_id IN ({marks})", ids)
    db.conn.executemany("INSERT INTO complaint_clauses(feedback_id, clause, words) VALUES (?, ?, ?)",
                        [(fid, clause, words) for fid, items in found for clause, words in items])
    if version is None:
        db.execute("INSERT OR REPLACE INTO complaint_scan(feedback_id, version) "
                   f"SELECT id, analysis_version || '+{UNCOVERED_VERSION}' FROM feedback WHERE id IN ({marks})", ids)
    else:
        db.conn.executemany("INSERT OR REPLACE INTO complaint_scan(feedback_id, version) VALUES (?, ?)",
                            [(fid, f"{version}+{UNCOVERED_VERSION}") for fid in ids])


# ---------------------------------------------------------------------------------------------
# Keeping the stored clauses current


def _stale_sql(where: str = "1") -> str:
    return ("SELECT f.id FROM feedback f LEFT JOIN complaint_scan s ON s.feedback_id = f.id "
            "WHERE f.analysis_version IS NOT NULL "
            f"AND (s.version IS NULL OR s.version != f.analysis_version || '+{UNCOVERED_VERSION}') AND {where}")


def _prepare_words(db):
    from cxdesk.core.analysis.keywords import sync_words
    from cxdesk.core.analysis.topics import jieba_words, matcher_for

    sync_words(jieba_words(db))
    return matcher_for(db)


def _read(db, ids: Sequence[int], matcher) -> dict[int, list[tuple[str, str]]]:
    marks = ", ".join("?" * len(ids))
    rows = db.execute(f"SELECT id, text, model_label, lang FROM feedback WHERE id IN ({marks})", list(ids)).fetchall()
    found: dict[int, list[tuple[str, str]]] = {}
    for fid, text, label, lang in rows:
        found[fid] = (uncovered_clauses(text, matcher)
                      if label in ELIGIBLE_LABELS and lang in ("zh", "en") and text else [])
    return found


def refresh(db, progress: Progress = no_progress) -> int:
    """Read the reviews analysed since the last call for complaints no topic covers; returns how many.

    `analyze` stores the clauses of the rows it scores itself (`clauses_of_review`, `store`) and
    calls this at its end for any left (a run cancelled earlier, rows analysed by an older version).
    Runs in batches, each in its own transaction, so a cancel keeps what was done.
    """
    return _refresh(db, progress)


def _refresh(db, progress: Progress) -> int:
    if not has_tables(db):
        return 0
    ids = [r[0] for r in db.execute(_stale_sql()).fetchall()]
    if not ids:
        return 0
    matcher = _prepare_words(db)
    message = _("Looking for complaints no topic covers")
    for start in range(0, len(ids), BATCH):
        progress(start, len(ids), message)
        chunk = ids[start:start + BATCH]
        found = _read(db, chunk, matcher)
        with db.atomic():
            store(db, [(fid, found.get(fid, ())) for fid in chunk])
    progress(len(ids), len(ids), message)
    return len(ids)


# ---------------------------------------------------------------------------------------------
# The list


def _rows(db, flt) -> list[tuple[int, str | None, str, str]]:
    """(feedback id, created_at, clause, words) of the complaints of the reviews `flt` selects: stored
    ones, and for reviews not read since their last analysis, read now (not stored)."""
    from cxdesk.core.filters import filter_sql

    where, params = filter_sql(flt)
    label_sql = f"f.model_label IN ({', '.join('?' * len(ELIGIBLE_LABELS))})"
    out = [tuple(r) for r in db.execute(
        "SELECT c.feedback_id, f.created_at, c.clause, c.words FROM complaint_clauses c "
        "JOIN complaint_scan s ON s.feedback_id = c.feedback_id JOIN feedback f ON f.id = c.feedback_id "
        f"WHERE s.version = f.analysis_version || '+{UNCOVERED_VERSION}' AND {where}", params).fetchall()]
    stale = [r[0] for r in db.execute(_stale_sql(f"{where} AND {label_sql}"), [*params, *ELIGIBLE_LABELS]).fetchall()]
    if stale:
        matcher = _prepare_words(db)
        dates = {}
        for start in range(0, len(stale), BATCH):
            chunk = stale[start:start + BATCH]
            marks = ", ".join("?" * len(chunk))
            dates.update(db.execute(f"SELECT id, created_at FROM feedback WHERE id IN ({marks})", chunk).fetchall())
            for fid, items in _read(db, chunk, matcher).items():
                out.extend((fid, dates.get(fid), clause, words) for clause, words in items)
    return out


def _period_end(db, flt) -> date | None:
    from cxdesk.core.filters import filter_sql

    if flt.date_to:
        return flt.date_to
    where, params = filter_sql(flt)
    last = db.execute(f"SELECT max(f.created_at) FROM feedback f WHERE {where}", params).fetchone()[0]
    try:
        return date.fromisoformat(str(last)[:10]) if last else None
    except ValueError:
        return None


def choose_phrases(clauses: Iterable[tuple[int, str]]) -> list[str]:
    """The key phrase of each (feedback id, words) clause, chosen against all of them together.

    Segmentation is not always the same ("给我发/错货"), so a Chinese phrase that is a candidate of two
    reviews or more also counts for every clause whose text contains it.
    """
    clauses = list(clauses)
    reviews: dict[str, set[int]] = defaultdict(set)
    for fid, words in clauses:
        for cand in candidates(words):
            reviews[cand].add(fid)
    shared = {c for c, fids in reviews.items() if len(fids) >= MIN_REVIEWS and _HAN.search(c)}
    extended: dict[str, tuple[str, ...]] = {}

    def options(words: str) -> tuple[str, ...]:
        found = extended.get(words)
        if found is None:
            own = candidates(words)
            extra: list[str] = []
            if shared and _HAN.search(words):
                text = words.replace(" ", "")
                for size in range(2, min(MAX_SPAN_CHARS, len(text)) + 1):
                    for start in range(len(text) - size + 1):
                        piece = text[start:start + size]
                        if piece in shared and piece not in own:
                            extra.append(piece)
            found = extended[words] = own + tuple(dict.fromkeys(extra))
        return found

    for fid, words in clauses:
        for cand in options(words)[len(candidates(words)):]:
            reviews[cand].add(fid)
    sizes = {c: len(fids) for c, fids in reviews.items()}
    picks: dict[str, str] = {}
    for words in {w for _fid, w in clauses}:
        cands = options(words)
        if not cands:
            picks[words] = ""
            continue
        best = max(sizes[c] for c in cands)
        floor = max(min(best, MIN_REVIEWS), LONGER_SHARE * best)
        picks[words] = max((c for c in cands if sizes[c] >= floor), key=lambda c: (len(c), sizes[c]))
    return [picks[words] for _fid, words in clauses]


def uncovered_complaints(db, flt=None, *, limit: int | None = 30) -> list[UncoveredComplaint]:
    """Complaints no topic covers among the reviews `flt` selects, grouped by key phrase and ranked
    (see the module text). `limit=None` returns every phrase of two reviews or more."""
    from cxdesk.core.filters import FeedbackFilter

    flt = flt or FeedbackFilter()
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'complaint_scan'").fetchone() is None:
        return []
    end = _period_end(db, flt)
    period = _rows(db, flt)
    window: list = []
    recent_from = baseline_from = None
    if end is not None:
        recent_from = (end - timedelta(days=RECENT_DAYS - 1)).isoformat()
        baseline_from = end - timedelta(days=RECENT_DAYS + BASELINE_DAYS - 1)
        if flt.date_from is not None and flt.date_from > baseline_from:   # the months before are outside
            window = _rows(db, flt.with_changes(date_from=baseline_from, date_to=end))
    end_day = end.isoformat() if end else ""
    baseline_day = baseline_from.isoformat() if baseline_from else ""
    in_period = {r[0] for r in period}
    rows = period + [r for r in window if r[0] not in in_period]
    phrases = choose_phrases((r[0], r[3]) for r in rows)
    groups: dict[str, dict] = {}
    for (fid, created, clause, _words), phrase in zip(rows, phrases):
        if not phrase:
            continue
        g = groups.setdefault(phrase, {"period": {}, "recent": set(), "baseline": set(), "clauses": []})
        day = (created or "")[:10]
        if recent_from and recent_from <= day <= end_day:
            g["recent"].add(fid)
        elif baseline_day and baseline_day <= day < recent_from:
            g["baseline"].add(fid)
        if fid in in_period:
            g["period"][fid] = created or ""
            if clause not in g["clauses"] and len(g["clauses"]) < 3:
                g["clauses"].append(clause)
    out = []
    for phrase, g in groups.items():
        count = len(g["period"])
        if count < MIN_REVIEWS:
            continue
        recent = len(g["recent"] & set(g["period"]))
        growth = recent - len(g["baseline"]) * RECENT_DAYS / BASELINE_DAYS
        newest = sorted(g["period"].items(), key=lambda kv: (kv[1], kv[0]), reverse=True)[:MAX_EXAMPLES]
        out.append(UncoveredComplaint(phrase, count, recent, round(growth, 2), tuple(fid for fid, _c in newest),
                                      tuple(g["clauses"])))
    out.sort(key=lambda u: (-(u.recent + max(u.growth, 0.0)), -u.count, u.phrase))
    return out if limit is None else out[:limit]


# ---------------------------------------------------------------------------------------------
# One click: a phrase becomes a topic, or a word of one


def make_topic(db, phrase: str) -> Changes:
    """A new topic named after the phrase (the name is its word)."""
    from cxdesk.core.analysis.topics import add_topic

    return add_topic(db, phrase)


def add_to_topic(db, phrase: str, topic: str) -> Changes:
    """The phrase becomes one more word of an existing topic."""
    from cxdesk.core.analysis.topics import get_topic, set_synonyms

    current = get_topic(db, topic)
    return set_synonyms(db, current.name, [*current.synonyms, phrase])


__all__ = ["UncoveredComplaint", "uncovered_complaints", "refresh", "uncovered_clauses", "clause_words",
           "candidates", "choose_phrases", "make_topic", "add_to_topic", "UNCOVERED_VERSION"]
