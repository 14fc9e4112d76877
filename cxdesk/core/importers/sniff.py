"""First look at a feedback file: type, encoding, delimiter, sheet, header row and column roles.

`sniff_file(path)` returns an `ImportPlan` the owner can correct in the preview (or with CLI
options) before `import_file` commits it. Nothing here writes to the database except
`remember_mapping`, which stores a confirmed mapping under the file's header signature so the
next export with the same columns is mapped the same way.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from cxdesk.core.errors import EmptyFileError, InvalidValueError, UnreadableFileError
from cxdesk.core.importers import readers
from cxdesk.core.importers.dates import TimeParseError, guess_day_first, parse_time
from cxdesk.core.importers.labels import file_type_label, role_label
from cxdesk.core.importers.ratings import (RatingParseError, detect_scale, looks_like_rating,
                                           parse_rating)
from cxdesk.i18n import _, ngettext

ROLES = ("text", "time", "rating", "channel", "author", "id", "reply_text", "reply_time", "reply_status")
PREVIEW_ROWS = 50
SAMPLE_BYTES = 1 << 20
ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "big5", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp932", "cp949")

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


@dataclass(frozen=True)
class ImportPlan:
    path: Path
    file_name: str
    sha256: str
    file_type: str                      # xlsx | xls | html | csv
    encoding: str | None
    delimiter: str | None
    sheets: list[str]
    sheet: str | None
    header_row: int                     # 0-based index in the raw rows; -1 = no header row
    columns: list[str]
    roles: dict[str, int]               # role -> column index
    reference_time: datetime
    raw_preview: list[list[str]]
    warnings: list[str]
    encodings_possible: list[str]
    epoch1904: bool = False
    day_first: bool | None = None
    rating_scale: str = "5"
    hidden_sheets: list[str] = field(default_factory=list)
    size: int = 0
    preview_values: list[list] = field(default_factory=list, repr=False, compare=False)
    quote_none: bool = False            # a CSV whose quotation marks are text (they do not pair up)
    channel: str | None = None          # platform given to rows without a channel of their own

    @property
    def header_signature(self) -> str:
        return header_signature(self.columns)

    @property
    def mapping(self) -> dict[str, str]:
        """role -> column name."""
        return {role: self.columns[idx] for role, idx in self.roles.items() if 0 <= idx < len(self.columns)}

    def with_changes(self, **changes) -> "ImportPlan":
        """A new plan; changing encoding, delimiter, sheet or header row reads the file again."""
        reread = {"encoding", "delimiter", "sheet", "header_row", "reference_time"}
        if reread & changes.keys():
            kw = {
                "encoding": changes.get("encoding", self.encoding if self.file_type in ("csv", "html") else None),
                "delimiter": changes.get("delimiter", self.delimiter if self.file_type == "csv" else None),
                "sheet": changes.get("sheet", self.sheet),
                "reference_time": changes.get("reference_time", self.reference_time),
            }
            if "header_row" in changes:
                kw["header_row"] = changes["header_row"]
            elif not ({"encoding", "delimiter", "sheet"} & changes.keys()):
                kw["header_row"] = self.header_row
            new = _sniff(self.path, sha256=self.sha256, **kw)
            roles = dict(new.roles)
            for role, idx in self.roles.items():
                if 0 <= idx < len(self.columns) and self.columns[idx] in new.columns:
                    target = new.columns.index(self.columns[idx])
                    roles = {r: i for r, i in roles.items() if i != target and r != role}
                    roles[role] = target
            new = new.with_changes(roles=roles, channel=self.channel)
            rest = {k: v for k, v in changes.items() if k not in reread}
            return new.with_changes(**rest) if rest else new
        if "channel" in changes:
            from cxdesk.core.importers.channels import clean_channel

            changes["channel"] = clean_channel(changes["channel"])
        if "roles" in changes:
            changes["roles"] = _validated_roles(changes["roles"], self.columns)
            # The rating scale and day/month order belong to the columns now chosen.
            derived = _derived(self.preview_values[self.header_row + 1:], changes["roles"])
            for key, value in derived.items():
                changes.setdefault(key, value)
        return replace(self, **changes)


def _derived(data: list[list], roles: dict[str, int]) -> dict:
    out: dict = {"day_first": None, "rating_scale": "5"}
    if "time" in roles:
        out["day_first"] = guess_day_first(r[roles["time"]] for r in data if roles["time"] < len(r))
    if "rating" in roles:
        out["rating_scale"] = detect_scale(r[roles["rating"]] for r in data if roles["rating"] < len(r))
    return out


def _validated_roles(roles: dict, columns: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    used: set[int] = set()
    for role, idx in roles.items():
        if role not in ROLES:
            raise InvalidValueError(_("Unknown column role “{role}”; use one of: {roles}.").format(
                role=role, roles=", ".join(ROLES)))
        if idx is None:
            continue
        if not (0 <= int(idx) < len(columns)):
            raise InvalidValueError(_("There is no column number {n}.").format(n=int(idx) + 1))
        if int(idx) in used:
            raise InvalidValueError(_("Column “{column}” cannot have two roles.").format(column=columns[int(idx)]))
        used.add(int(idx))
        out[role] = int(idx)
    return out


def normalize_header(name: str) -> str:
    s = unicodedata.normalize("NFKC", name or "")
    s = re.sub(r"[\s\u200b\u200c\u200d\u2060\ufeff_\-:：()（）\[\]【】*]", "", s)
    return s.lower()


def header_signature(columns: list[str]) -> str:
    joined = "\x1f".join(normalize_header(c) for c in columns)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:20]


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ------------------------------------------------------------------------------------------
# Encoding


@lru_cache(maxsize=65536)
def _common_cjk(ch: str) -> bool:
    """In GB2312 level 1 (the 3755 common simplified characters) or Big5's common range."""
    try:
        b = ch.encode("gb2312")
        if 0xB0 <= b[0] <= 0xD7:
            return True
    except UnicodeEncodeError:
        pass
    try:
        b = ch.encode("big5")
        code = (b[0] << 8) | b[1]
        return 0xA440 <= code <= 0xC67E
    except (UnicodeEncodeError, IndexError):
        return False


_COMMON_PUNCT = set("，。！？、：；“”‘’（）《》【】…—～·％＋－／０１２３４５６７８９ \u3000")


def plausibility(text: str) -> float:
    """How much a decoded sample looks like real Chinese/ASCII text (1.0 = entirely)."""
    good = bad = 0
    for ch in text:
        o = ord(ch)
        if o < 128:
            if o < 32 and ch not in "\r\n\t":
                bad += 1
            continue
        if ch in _COMMON_PUNCT:
            good += 1
        elif 0x4E00 <= o <= 0x9FFF:
            if _common_cjk(ch):
                good += 1
            else:
                bad += 1
        elif 0x1F300 <= o <= 0x1FAFF or 0x2600 <= o <= 0x27BF or ch in "★☆":
            good += 1  # emoji and stars are common in reviews
        else:
            bad += 1
    return good / (good + bad) if good + bad else 1.0


def _decode_sample(data: bytes, encoding: str, *, complete: bool) -> str | None:
    try:
        dec = codecs.getincrementaldecoder(encoding)(errors="strict")
        return dec.decode(data, final=complete)
    except (UnicodeDecodeError, LookupError):
        return None


# Characters that make up much of any Chinese text (from word frequencies); Korean or Japanese bytes
# read as GB18030 give rare characters instead.
_FREQUENT_HANZI = frozenset(
    "一是人了不在有大中国和为这上他个地年来我会以到时要出的生学说道民家子也成行下们于后就发自之对得主长可过天作"
    "分方用多你着部能市等业全里工公经本都而高政法面门动日进区事代那去心小同北定开产前其军还然起种所如现理机体表力"
    "好外与文当两实重新三么只山水关明从化平建又制南内西没此将员名手最东头者月间无安看见各城十相但已些正口通想度加"
    "第她合院物性战由位常点海意场武使次二向治因立数样身情入原问把路被并利石老教万知级量任江及应省资委务元美特期世"
    "湖回系比气汉总展电科金先声提品设或义王社很统处四首共马形己儿司太目基领队直计别女权话少流命至报米给打变果书清"
    "活几州华解议更称程今决张导术府才保交放管结师便走达族反再题色五京河接条规式县白它改风光运信受什组听布百济党指"
    "论强做取技黄神选记斯真却职号界件花类何眼兵传带空干农边据集联古广完质阳难增历史专官每住商即步认车台林必死游举"
    "线言皇土团收考求德叫近备研争非具李众连调感转笑革该持始英克士尔让拉思根格造较际亲单朝红型价校约器字段周亚深候"
    "则功属积快图火千准究往极育装许参半令吃观鱼精办像帝八复影告远群包整构料随划算象容示投势热值夫网望源息语股铁断"
    "派速怎需片爱律纪支早况病境证编味错太慢差评送货服务态度满意喜欢推荐便宜贵菜店")
# Hangul syllables that make up much of any Korean text.
_FREQUENT_HANGUL = frozenset(
    "이다는에의가을고하지요서기도로리사은어한자를아나수있시대내니게해보정만라없주국면네부제거들인구상우것장습일전"
    "여적생학성데으께었였세마무음식맛좋너늦배달또올말짜점평뷰분안그저더잘않했겠같죠까봐와과중물번위때비경동미후오소"
    "개모문연원신각관결실방공입계간날두러려며명발본새싸쓰야영외용운월유재조좀진차처체초추친타통트편품피필합행현화확회")


def _share(text: str, pick, frequent: frozenset) -> tuple[int, float]:
    chars = [ch for ch in text if pick(ch)]
    return len(chars), (sum(1 for ch in chars if ch in frequent) / len(chars) if chars else 0.0)


def _is_hanzi(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _is_hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3"


def _japanese_or_korean(sample: bytes, *, complete: bool) -> str | None:
    """cp932 (Shift-JIS) or cp949 (EUC-KR) when the bytes are clearly Japanese or Korean text.

    Both decode as GB18030 "successfully" into nonsense (BAD_INPUTS #18, #21): Japanese is told by
    its kana, Korean by its frequent syllables, and either only when the GB18030 reading does not
    look like Chinese.
    """
    gb = _decode_sample(sample, "gb18030", complete=complete)
    if gb is not None:
        n, frequent = _share(gb[:20000], _is_hanzi, _FREQUENT_HANZI)
        if n >= 4 and frequent >= 0.3:
            return None
    ja = _decode_sample(sample, "cp932", complete=complete)
    if ja is not None:
        wide = [ch for ch in ja[:20000] if ord(ch) > 127]
        kana = sum(1 for ch in wide if "\u3041" <= ch <= "\u30ff")
        if wide and kana >= 2 and kana >= 0.2 * len(wide):
            return "cp932"
    ko = _decode_sample(sample, "cp949", complete=complete)
    if ko is not None:
        n, frequent = _share(ko[:20000], _is_hangul, _FREQUENT_HANGUL)
        wide = sum(1 for ch in ko[:20000] if ord(ch) > 127)
        if n >= 2 and n >= 0.6 * wide and frequent >= 0.4:
            return "cp949"
    return None


def detect_encoding(sample: bytes, *, complete: bool, bom: str | None = None) -> tuple[str, list[str]]:
    """The encoding to use and the ones that decode the sample at all, best first."""
    if bom:
        return bom, [bom]
    utf32 = readers.utf32_without_bom(sample[:4096])
    if utf32:
        return utf32, [utf32]
    if sample.count(b"\x00") > len(sample) // 4:
        even, odd = sample[0::2].count(b"\x00"), sample[1::2].count(b"\x00")
        guess = "utf-16-le" if odd > even else "utf-16-be"
        return guess, [guess]
    if _decode_sample(sample, "utf-8", complete=complete) is not None:
        others = [e for e in ("gb18030", "big5") if not sample.isascii()
                  and _decode_sample(sample, e, complete=complete) is not None]
        return "utf-8", ["utf-8", *others]
    other = _japanese_or_korean(sample, complete=complete)
    if other:
        return other, [other, "gb18030", "big5"]
    scored = []
    for enc in ("gb18030", "big5"):
        text = _decode_sample(sample, enc, complete=complete)
        if text is not None:
            scored.append((plausibility(text[:20000]), enc == "gb18030", enc))
    if not scored:
        # Nothing decodes the whole sample (mixed encodings, BAD_INPUTS #22): take the encoding that
        # reads the start most plausibly, so the error names the first line in another encoding.
        best = ("utf-8", -1.0)
        for enc in ("utf-8", "gb18030", "big5"):
            try:
                sample.decode(enc)
            except UnicodeDecodeError as exc:
                prefix = sample[:exc.start].decode(enc, errors="replace")
                score = plausibility(prefix[:20000]) if prefix.strip() else 0.0
                if score > best[1] + 1e-9:
                    best = (enc, score)
        return best[0], [best[0]]
    scored.sort(reverse=True)
    return scored[0][2], [s[2] for s in scored] + (["utf-8"] if "utf-8" not in [s[2] for s in scored] else [])


# ------------------------------------------------------------------------------------------
# Delimiter


def detect_delimiter(text: str) -> str:
    """Sniff on the first lines: the candidate giving the most, most consistent fields (not csv.Sniffer)."""
    best, best_score = ",", 0.0
    sample = "\n".join(text.splitlines()[:40])
    for delim in (",", "\t", ";", "|"):
        if delim not in sample:
            continue
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delim) if any(c.strip() for c in r)]
        except csv.Error:
            continue
        if not rows:
            continue
        counts: dict[int, int] = {}
        for r in rows:
            counts[len(r)] = counts.get(len(r), 0) + 1
        width, freq = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        if width < 2:
            continue
        score = width ** 0.5 * freq / len(rows)
        if score > best_score:
            best, best_score = delim, score
    return best


# ------------------------------------------------------------------------------------------
# Header row and roles


def _is_blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _keyword_role(name: str) -> tuple[str | None, float]:
    h = normalize_header(name)
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
    filled = [sum(0 if _is_blank(v) else 1 for v in r) for r in rows]
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
        cells = [v for v in row if not _is_blank(v)]
        hits = sum(1 for v in cells if isinstance(v, str) and _keyword_role(v)[0])
        labels = sum(1 for v in cells if _label_like(v)) / len(cells)
        distinct = len({str(v).strip() for v in cells}) == len(cells)
        score = hits * 3 + labels * 2 + (0.5 if distinct else 0)
        if hits == 0 and labels < 0.6:
            continue
        if hits == 0 and width <= 2:
            # One or two columns and no header word: a header only if short above longer lines.
            own = sum(len(str(v)) for v in cells) / len(cells)
            below = [len(str(v)) for r in rows[i + 1:i + 20] for v in r if not _is_blank(v)]
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
            vals = [v for v in values[i] if not _is_blank(v)]
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


# ------------------------------------------------------------------------------------------
# Reading the first rows


def _read_preview(path: Path, facts: readers.FileFacts, *, encoding: str | None, delimiter: str | None,
                  sheet: str | None) -> dict:
    out: dict = {"encoding": None, "delimiter": None, "sheets": [], "sheet": None, "hidden": [],
                 "rows": [], "possible": [], "warnings": [], "quote_none": False}
    if facts.file_type in ("xlsx", "xls"):
        infos = readers.workbook_sheets(path)
        usable = [s for s in infos if not s.chart]
        out["sheets"] = [s.name for s in usable]
        out["hidden"] = [s.name for s in usable if s.hidden]
        if not usable:
            raise EmptyFileError(_("“{file}” has no worksheets with data.").format(file=path.name))
        if sheet is not None:
            chosen = _match_sheet(path, sheet, out["sheets"])
            rows = list(readers.iter_workbook_rows(path, facts.file_type, chosen, preview=True, limit=PREVIEW_ROWS))
        else:
            chosen, rows = None, []
            for s in [s for s in usable if not s.hidden] + [s for s in usable if s.hidden]:
                rows = list(readers.iter_workbook_rows(path, facts.file_type, s.name, preview=True, limit=PREVIEW_ROWS))
                chosen = s.name
                if sum(1 for r in rows if any(not _is_blank(v) for v in r)) >= 2:
                    break
        out["sheet"], out["rows"] = chosen, rows
        return out
    if facts.file_type == "html":
        enc = encoding or _html_encoding(path, facts)
        text = readers.decode_whole(path, enc)
        tables = readers.parse_html_tables(text)
        if not tables:
            raise EmptyFileError(_("“{file}” is a web page without a table.").format(file=path.name))
        names = [_("Table {n}").format(n=i + 1) for i in range(len(tables))]
        out["sheets"] = names
        if sheet is not None:
            chosen = _match_sheet(path, sheet, names)
        else:
            chosen = names[max(range(len(tables)), key=lambda i: len(tables[i]))]
        out["sheet"] = chosen
        out["rows"] = tables[names.index(chosen)][:PREVIEW_ROWS]
        out["encoding"] = enc
        out["possible"] = [enc]
        return out
    # Delimited text
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
        complete = fh.read(1) == b""
    if encoding:
        enc = encoding
        try:
            codecs.lookup(enc)
        except LookupError:
            raise InvalidValueError(_("Unknown text encoding “{encoding}”.").format(encoding=enc)) from None
        _e, possible = detect_encoding(sample, complete=complete, bom=facts.bom_encoding)
    else:
        enc, possible = detect_encoding(sample, complete=complete, bom=facts.bom_encoding)
    text = _decode_sample(sample, enc, complete=complete)
    if text is None:
        # The sample does not decode: name the line (mixed encodings, BAD_INPUTS #22).
        readers.decode_whole(path, enc)
        text = ""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not complete:
        cut = text.rfind("\n")
        text = text[:cut + 1] if cut > 0 else text
    if enc.startswith(("utf-16", "utf-32")) and delimiter is None and "\t" in text[:4096].split("\n", 1)[0]:
        # Excel's "Unicode text" is tab-separated: a tab in the header line says so (a tab inside
        # a quoted review further down does not).
        delim = "\t"
    else:
        delim = delimiter or detect_delimiter(text)
    try:
        rows = _preview_records(path, text, delim, complete)
    except readers.UnclosedQuoteError:
        # A file that does not quote at all, with a quotation mark inside a review: each line is
        # one row. Anything else with an unpaired quote is refused, naming the line.
        first = text.split("\n", 1)[0]
        if not readers.lines_are_rows(text.splitlines(), delim, first.count(delim) + 1):
            raise
        width = first.count(delim) + 1
        rows = [r for r in readers.LineRecords(io.StringIO(text, newline=""), delim, width)][:PREVIEW_ROWS]
        out["quote_none"] = True
        out["warnings"].append(_("Quotation marks in “{file}” do not pair up; they were read as part of the text, one line per row.").format(
            file=path.name))
    out.update(encoding=enc, delimiter=delim, possible=possible or [enc], rows=rows)
    return out


def _preview_records(path: Path, text: str, delim: str, complete: bool) -> list[list[str]]:
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    width = 1
    try:
        last_line = 0
        for row in reader:
            width = max(width, len(row)) if len(rows) < 5 else width
            if reader.line_num - last_line > 1 and readers.swallowed_lines(row, delim, width):
                raise readers.unclosed_quote_error(path, last_line + 1)
            if reader.line_num - last_line > 1 and width > 1 and readers.holds_row_like_lines(row, delim, width) \
                    and readers.lines_are_rows(text.splitlines(), delim, width):
                raise readers.unclosed_quote_error(path, last_line + 1)
            last_line = reader.line_num
            rows.append(row)
            if len(rows) >= PREVIEW_ROWS:
                break
        else:
            if complete and rows and any(v.endswith(("\n", "\r")) for v in rows[-1]) \
                    and readers.swallowed_lines(rows[-1], delim, width, at_end=True):
                raise readers.unclosed_quote_error(path, last_line)
    except csv.Error as exc:
        raise UnreadableFileError(_("Cannot import “{file}”: line {line} cannot be read as CSV ({reason}).").format(
            file=path.name, line=reader.line_num, reason=exc)) from None
    return rows


def _html_encoding(path: Path, facts: readers.FileFacts) -> str:
    if facts.bom_encoding:
        return facts.bom_encoding
    charset = (facts.html_charset or "").lower()
    data = path.read_bytes()[:SAMPLE_BYTES]
    if charset in ("gb2312", "gbk", "gb18030", "x-gbk"):
        return "gb18030"
    if charset in ("big5", "big5-hkscs"):
        return "big5"
    if charset:
        try:
            name = codecs.lookup(charset).name
            if _decode_sample(data, name, complete=False) is not None:
                return name
        except LookupError:
            pass
    return detect_encoding(data, complete=len(data) < SAMPLE_BYTES)[0]


def _match_sheet(path: Path, sheet: str, names: list[str]) -> str:
    if sheet in names:
        return sheet
    for n in names:
        if normalize_header(n) == normalize_header(sheet):
            return n
    if str(sheet).isdigit() and 1 <= int(sheet) <= len(names):
        return names[int(sheet) - 1]
    raise InvalidValueError(_("“{file}” has no sheet “{sheet}”. Sheets: {names}.").format(
        file=path.name, sheet=sheet, names="、".join(names)))


# ------------------------------------------------------------------------------------------
# The plan


def sniff_file(path, *, encoding: str | None = None, sheet: str | None = None, header_row: int | None = None,
               reference_time: datetime | None = None, delimiter: str | None = None, db=None) -> ImportPlan:
    """Look at `path` and propose how to import it; raises `UnreadableFileError` with one sentence."""
    plan = _sniff(Path(path), encoding=encoding, sheet=sheet, header_row=header_row,
                  reference_time=reference_time, delimiter=delimiter)
    from cxdesk.core.importers.channels import guess_channel, recall_channel

    channel = guess_channel(plan.file_name, plan.columns)
    if db is not None:
        remembered = recall_mapping(db, plan)
        if remembered:
            plan = plan.with_changes(roles=remembered)
        channel = recall_channel(db, plan.header_signature) or channel
    return plan.with_changes(channel=channel)


def _sniff(path: Path, *, encoding=None, sheet=None, header_row=None, reference_time=None, delimiter=None,
           sha256: str | None = None) -> ImportPlan:
    path = Path(path)
    facts = readers.detect_file(path)
    size = path.stat().st_size
    if reference_time is None:
        reference_time = datetime.fromtimestamp(int(os.path.getmtime(path)))
    elif reference_time.tzinfo is not None:
        reference_time = reference_time.astimezone().replace(tzinfo=None)
    info = _read_preview(path, facts, encoding=encoding, delimiter=delimiter, sheet=sheet)
    rows = info["rows"]
    warnings = list(facts.warnings) + info["warnings"]
    if not any(any(not _is_blank(v) for v in r) for r in rows):
        raise EmptyFileError(_("“{file}” has no data rows.").format(file=path.name))
    if header_row is None:
        header_row = detect_header_row(rows)
    elif header_row < -1 or header_row >= len(rows):
        raise InvalidValueError(_("The header row must be between 1 and {n}.").format(n=len(rows)))
    header = rows[header_row] if header_row >= 0 else []
    width = len(header)
    while width > 0 and _is_blank(header[width - 1]):
        width -= 1
    if width == 0:
        # No header (or an empty one): as wide as the data.
        width = max((len(r) for r in rows), default=0)
        while width > 0 and all(_is_blank(r[width - 1]) if len(r) >= width else True for r in rows):
            width -= 1
    columns = header_names(header, width)
    data = [r for r in rows[header_row + 1:] if any(not _is_blank(v) for v in r)]
    if header_row >= 0 and not data and len(rows) < PREVIEW_ROWS:
        raise EmptyFileError(_("“{file}” has a header row but no data rows.").format(file=path.name))
    roles = guess_roles(columns, data, reference=reference_time, epoch1904=facts.epoch1904)
    if "text" not in roles:
        warnings.append(_("No column looks like the feedback text; choose it in the preview."))
    language = {"cp932": _("Japanese (Shift-JIS)"), "cp949": _("Korean (EUC-KR)"),
                "utf-32": "UTF-32", "utf-32-le": "UTF-32", "utf-32-be": "UTF-32"}.get(info["encoding"] or "")
    if language:
        warnings.append(_("The text is in {encoding} encoding and was read as such; check the preview.").format(
            encoding=language))
    if info["hidden"]:
        warnings.append(_("Hidden sheets: {names}.").format(names="、".join(info["hidden"])))
    derived = _derived(data, roles)
    day_first, scale = derived["day_first"], derived["rating_scale"]
    return ImportPlan(
        path=path.resolve(), file_name=path.name, sha256=sha256 or file_sha256(path), file_type=facts.file_type,
        encoding=info["encoding"], delimiter=info["delimiter"], sheets=info["sheets"], sheet=info["sheet"],
        header_row=header_row, columns=columns, roles=roles, reference_time=reference_time.replace(microsecond=0),
        raw_preview=[[readers.cell_text(v) for v in r] for r in rows], warnings=warnings,
        encodings_possible=info["possible"], epoch1904=facts.epoch1904, day_first=day_first, rating_scale=scale,
        hidden_sheets=info["hidden"], size=size, preview_values=rows, quote_none=info["quote_none"],
    )


# ------------------------------------------------------------------------------------------
# Preview with parsed values


@dataclass(frozen=True)
class PreviewRow:
    row: int                       # 1-based row number in the file
    values: list[str]
    text: str
    time: str | None               # parsed, 'YYYY-MM-DD HH:MM:SS'
    time_error: str | None
    rating: float | None           # 1..5
    rating_error: str | None


def preview_rows(plan: ImportPlan, n: int = PREVIEW_ROWS) -> list[PreviewRow]:
    """The first data rows as the import will read them: how times and ratings were understood."""
    out = []
    for i, raw in enumerate(plan.preview_values[plan.header_row + 1:], start=plan.header_row + 2):
        if len(out) >= n:
            break
        if not any(not _is_blank(v) for v in raw):
            continue
        values = [readers.cell_text(raw[c]) if c < len(raw) else "" for c in range(len(plan.columns))]
        t = terr = None
        r = rerr = None
        if "time" in plan.roles and plan.roles["time"] < len(raw):
            try:
                parsed = parse_time(raw[plan.roles["time"]], plan.reference_time, day_first=plan.day_first,
                                    epoch1904=plan.epoch1904)
                t = parsed.text() if parsed else None
                latest = max(plan.reference_time, datetime.now()) + timedelta(days=1)
                if parsed and not (datetime(2000, 1, 1) <= parsed.value <= latest):
                    # The import keeps such a review without a date; the preview says why.
                    t, terr = None, _("before 2000 or more than a day in the future")
            except TimeParseError as exc:
                terr = exc.reason
        if "rating" in plan.roles and plan.roles["rating"] < len(raw):
            try:
                pr = parse_rating(raw[plan.roles["rating"]], plan.rating_scale)
                r = pr.value if pr else None
            except RatingParseError as exc:
                rerr = exc.reason
        text = values[plan.roles["text"]] if "text" in plan.roles else ""
        out.append(PreviewRow(i, values, text, t, terr, r, rerr))
    return out


def describe_plan(plan: ImportPlan) -> list[str]:
    """Plain sentences about the plan for the CLI and the wizard's summary line."""
    lines = [_("File: {file} ({kind})").format(file=plan.file_name, kind=file_type_label(plan.file_type))]
    if plan.encoding:
        lines.append(_("Encoding: {encoding}").format(encoding=plan.encoding))
    if plan.sheet:
        lines.append(_("Sheet: {sheet}").format(sheet=plan.sheet))
    lines.append(_("Header row: {row}").format(row=plan.header_row + 1 if plan.header_row >= 0 else _("none")))
    for role in ROLES:
        if role in plan.roles:
            lines.append(_("{role} ← column “{column}”").format(role=role_label(role), column=plan.columns[plan.roles[role]]))
    if plan.channel:
        lines.append(_("Channel of rows that name none: {channel}").format(channel=plan.channel))
    n = len(plan.warnings)
    if n:
        lines.append(ngettext("{n} warning", "{n} warnings", n).format(n=n))
    return lines


# ------------------------------------------------------------------------------------------
# Remembered mappings


def remember_mapping(db, plan: ImportPlan) -> None:
    """Store the plan's roles under its header signature, for the next file with these columns."""
    from cxdesk.core.storage import now_text

    with db.atomic():
        db.execute(
            "INSERT INTO mappings(signature, mapping, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(signature) DO UPDATE SET mapping = excluded.mapping, updated_at = excluded.updated_at",
            [plan.header_signature, json.dumps(_remembered(plan), ensure_ascii=False), now_text()],
        )


def _remembered(plan: ImportPlan) -> dict[str, str]:
    from cxdesk.core.importers.channels import CHANNEL_KEY

    out = dict(plan.mapping)
    if plan.channel:
        out[CHANNEL_KEY] = plan.channel
    return out


def recall_mapping(db, plan: ImportPlan) -> dict[str, int] | None:
    row = db.execute("SELECT mapping FROM mappings WHERE signature = ?", [plan.header_signature]).fetchone()
    if not row:
        return None
    try:
        stored = json.loads(row[0])
    except ValueError:
        return None
    roles = {}
    for role, name in stored.items():
        if role in ROLES and name in plan.columns:
            roles[role] = plan.columns.index(name)
    return roles or None
