"""Which row of a file is its header, what its columns are called, and which role each column plays."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from cxdesk.core.analysis.text import to_simplified
from cxdesk.core.importers import readers
from cxdesk.core.importers.dates import TimeParseError, parse_time
from cxdesk.core.importers.ratings import looks_like_rating
from cxdesk.i18n import _

# Header words per role, compared after NFKC, lower-casing and removing spaces. A header that
# ends with a word ("评论时间") is a stronger hint than one merely containing it ("时间评论").
_KEYWORDS: dict[str, tuple[str, ...]] = {
    "id": ("评论id", "评价id", "评论编号", "评价编号", "留言id", "反馈id", "反馈编号", "工单号", "工单编号",
           "订单号", "订单编号", "订单id", "id", "reviewid", "commentid", "feedbackid", "ticketid", "ticket",
           "orderid", "orderno"),
    "time": ("时间", "日期", "评论时间", "评价时间", "发布时间", "创建时间", "提交时间", "留言时间", "反馈时间",
             "发表时间", "下单时间", "日期时间", "date", "time", "datetime", "timestamp", "createdat", "created",
             "createtime", "submitted", "posted", "postedat", "reviewdate", "commentdate", "创建日期"),
    "rating": ("评分", "星级", "打分", "分数", "评级", "满意度", "星数", "得分", "评分等级", "商品评分", "总体评分",
               "综合评分", "rating", "score", "stars", "star", "rate", "grade", "评价等级", "好中差评"),
    "channel": ("渠道", "平台", "来源", "来源平台", "店铺", "门店", "分店", "渠道来源", "来源渠道", "channel",
                "platform", "source", "store", "shop", "site"),
    "author": ("用户", "用户名", "昵称", "用户昵称", "买家", "买家昵称", "客户", "客户名称", "顾客", "作者", "会员名",
               "会员昵称", "评论人", "评价人", "留言人", "姓名", "author", "user", "username", "nickname",
               "customer", "reviewer", "name", "buyer"),
    "text": ("评论", "评价", "内容", "评论内容", "评价内容", "反馈", "反馈内容", "留言", "留言内容", "意见", "建议",
             "意见建议", "评语", "买家评价", "评价详情", "心得", "问题描述", "描述", "正文", "text", "review",
             "comment", "comments", "content", "feedback", "message", "body", "reviewtext", "commenttext",
             "remark", "remarks"),
}
# The shop's own reply to the review, as merchant-centre exports carry it (美团, 点评, 淘宝, 京东).
_KEYWORDS.update({
    "reply_text": ("商家回复", "回复内容", "商家回复内容", "店家回复", "掌柜回复", "卖家回复", "客服回复", "回复",
                   "reply", "replytext", "merchantreply", "ownerreply", "ownerresponse", "sellerreply"),
    "reply_time": ("回复时间", "商家回复时间", "回复日期", "replytime", "repliedat", "replydate", "responsedate"),
    "reply_status": ("回复状态", "是否回复", "商家回复状态", "replystatus", "replied"),
})
# Headers that look like ids but only number the rows of this file; never an identity.
_NOT_ID = ("序号", "行号", "no", "no.", "#", "index", "编号序号")
_ROLE_SUFFIX_PRIORITY = ("reply_time", "reply_status", "reply_text", "id", "time", "rating", "author", "channel", "text")


def normalize_header(name: str) -> str:
    s = unicodedata.normalize("NFKC", name or "")
    s = re.sub(r"[\s\u200b\u200c\u200d\u2060\ufeff_\-:：()（）\[\]【】*]", "", s)
    return s.lower()


# ------------------------------------------------------------------------------------------
# Header row and roles


def is_blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _keyword_role(name: str) -> tuple[str | None, float]:
    # Exports from Taiwan and Hong Kong shops name their columns in traditional characters (評價內容).
    h = normalize_header(to_simplified(name) if name and not name.isascii() else name)
    if not h or h in _NOT_ID:
        return None, 0.0
    best: tuple[str | None, float] = (None, 0.0)
    for role in _ROLE_SUFFIX_PRIORITY:
        for kw in _KEYWORDS[role]:
            if h == kw:
                score = 3.0
            elif h.endswith(kw) and (not kw.isascii() or len(kw) > 2):
                score = 2.0 + len(kw) / 100
            elif kw in h and not kw.isascii() and len(kw) >= 2:
                score = 1.0 + len(kw) / 100
            else:
                continue
            if score > best[1]:
                best = (role, score)
    return best


def _label_like(v) -> bool:
    if not isinstance(v, str):
        return False
    s = v.strip()
    if not s or len(s) > 30:
        return False
    if re.fullmatch(r"[\d.,:/\-\s%]+", s):
        return False
    return True


def detect_header_row(rows: list[list]) -> int:
    """Index of the header row below any title or notes rows; -1 when the file has no header."""
    filled = [sum(0 if is_blank(v) else 1 for v in r) for r in rows]
    nonzero = [f for f in filled if f]
    if not nonzero:
        return 0
    counts: dict[int, int] = {}
    for f in nonzero:
        counts[f] = counts.get(f, 0) + 1
    width = max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
    best_i, best_score = -1, 0.0
    for i, row in enumerate(rows[:25]):
        if filled[i] == 0 or filled[i] < max(1, min(2, width), int(width * 0.5)):
            continue
        cells = [v for v in row if not is_blank(v)]
        hits = sum(1 for v in cells if isinstance(v, str) and _keyword_role(v)[0])
        labels = sum(1 for v in cells if _label_like(v)) / len(cells)
        distinct = len({str(v).strip() for v in cells}) == len(cells)
        score = hits * 3 + labels * 2 + (0.5 if distinct else 0)
        if hits == 0 and labels < 0.6:
            continue
        if hits == 0 and width <= 2:
            # One or two columns and no header word: a header only if short above longer lines.
            own = sum(len(str(v)) for v in cells) / len(cells)
            below = [len(str(v)) for r in rows[i + 1:i + 20] for v in r if not is_blank(v)]
            if own > 8 or not below or sum(below) / len(below) < 1.5 * own:
                continue
        if score > best_score + 1e-9:
            best_i, best_score = i, score
        if hits >= 2:
            break
    if best_i >= 0:
        return best_i
    return -1


def header_names(row: list, width: int) -> list[str]:
    names: list[str] = []
    seen: dict[str, int] = {}
    for i in range(width):
        raw = readers.cell_text(row[i]).strip() if i < len(row) else ""
        raw = raw.replace("\ufeff", "").replace("\u200b", "").strip()
        name = raw or _("Column {n}").format(n=i + 1)
        key = normalize_header(name) or name
        if key in seen:
            seen[key] += 1
            name = f"{name}_{seen[key]}"
        else:
            seen[key] = 1
        names.append(name)
    return names


def guess_roles(columns: list[str], data: list[list], *, reference: datetime, epoch1904: bool) -> dict[str, int]:
    roles: dict[str, int] = {}
    scored = []
    for idx, name in enumerate(columns):
        role, score = _keyword_role(name)
        if role:
            scored.append((score, -idx, role, idx))
    for score, _neg, role, idx in sorted(scored, reverse=True):
        if role not in roles and idx not in roles.values():
            roles[role] = idx
    values = [[row[i] if i < len(row) else None for row in data] for i in range(len(columns))]
    free = [i for i in range(len(columns)) if i not in roles.values()]
    if "time" not in roles:
        for i in free:
            vals = [v for v in values[i] if not is_blank(v)]
            if len(vals) < 2:
                continue
            ok = 0
            for v in vals:
                if isinstance(v, (int, float)) and not isinstance(v, bool) and not (10_000 <= v <= 100_000):
                    continue  # bare numbers are times only when they look like Excel dates
                try:
                    if parse_time(v, reference, epoch1904=epoch1904):
                        ok += 1
                except TimeParseError:
                    pass
            if ok >= 0.8 * len(vals):
                roles["time"] = i
                free.remove(i)
                break
    if "rating" not in roles:
        for i in free:
            if looks_like_rating(values[i]):
                roles["rating"] = i
                free.remove(i)
                break
    if "text" not in roles:
        best, best_len = None, 0.0
        for i in free:
            strings = [v for v in values[i] if isinstance(v, str) and v.strip()]
            if not strings:
                continue
            texty = [s for s in strings if re.search(r"[\u4e00-\u9fffA-Za-z]", s)]
            if len(texty) < 0.5 * len(strings):
                continue
            avg = sum(len(s) for s in strings) / max(len(values[i]), 1)
            if avg > best_len:
                best, best_len = i, avg
        if best is not None and best_len >= 2:
            roles["text"] = best
    return roles
