"""Which platform or channel a file came from: guessed from its name and columns, remembered for the
same column layout, and given to every row that has no channel of its own."""

from __future__ import annotations

import json
import re
import unicodedata

from cxdesk.core.errors import InvalidValueError
from cxdesk.i18n import _

CHANNELS: tuple[str, ...] = ("美团", "大众点评", "饿了么", "淘宝", "天猫", "京东", "拼多多", "抖音", "小红书", "微信",
                             "问卷", "门店", "其他")
"""Offered in the import wizard, in this order; any other name may be typed."""

UNSPECIFIED = "未指定"   # how rows without a channel are listed in channel filters
MAX_CHANNEL_LENGTH = 30
CHANNEL_KEY = "__channel__"   # beside the roles in the remembered mapping of a column layout

# Words in a file name (lower case, NFKC) that name a platform. Longer, more specific names first.
_NAME_HINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("大众点评", ("大众点评", "点评", "dianping")),
    ("美团", ("美团", "meituan")),
    ("饿了么", ("饿了么", "饿了吗", "eleme", "ele.me")),
    ("天猫", ("天猫", "tmall")),
    ("淘宝", ("淘宝", "taobao", "千牛")),
    ("京东", ("京东", "jingdong", "jd")),
    ("拼多多", ("拼多多", "pinduoduo", "pdd")),
    ("抖音", ("抖音", "抖店", "douyin", "tiktok")),
    ("小红书", ("小红书", "xiaohongshu", "xhs", "rednote")),
    ("微信", ("微信", "wechat", "weixin", "小程序")),
    ("问卷", ("问卷", "survey", "questionnaire", "wjx")),
    ("门店", ("门店", "到店", "store")),
)

# Column headers (normalized) that only one platform's export has.
_COLUMN_HINTS: tuple[tuple[str, frozenset[str]], ...] = (
    ("淘宝", frozenset({"宝贝名称", "宝贝id", "宝贝链接", "追评内容", "追加评论"})),
    ("京东", frozenset({"商品编号", "京东订单号", "sku编号"})),
    ("拼多多", frozenset({"拼单号", "拼多多订单号"})),
    ("美团", frozenset({"美团订单号", "团购券"})),
    ("饿了么", frozenset({"饿了么订单号", "骑手评价"})),
    ("大众点评", frozenset({"人均", "人均消费", "点评内容", "点评星级"})),
    ("问卷", frozenset({"答卷编号", "提交答卷时间", "序号提交答卷时间", "答题时间", "所用时间"})),
    ("抖音", frozenset({"抖音订单号", "达人昵称"})),
    ("小红书", frozenset({"笔记标题", "笔记链接"})),
)

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def clean_channel(name: str | None) -> str | None:
    """A channel name as typed → stored form (None for empty). 未指定 means none."""
    text = re.sub(r"\s+", " ", _CONTROL.sub("", unicodedata.normalize("NFC", str(name or "")))).strip()
    if not text or text == UNSPECIFIED:
        return None
    if len(text) > MAX_CHANNEL_LENGTH:
        raise InvalidValueError(_("A channel name can be at most {n} characters long.").format(n=MAX_CHANNEL_LENGTH))
    return text


def guess_channel(file_name: str, columns: list[str]) -> str | None:
    """The platform a file most likely came from, by its name first, then by its column headers."""
    from cxdesk.core.importers.columns import normalize_header

    name = _norm(file_name)
    for channel, hints in _NAME_HINTS:
        for hint in hints:
            # Latin names count as whole words only ("jd" is not in "adjust").
            if re.search(rf"(?<![a-z]){re.escape(hint)}(?![a-z])", name) if hint.isascii() else hint in name:
                return channel
    headers = {normalize_header(c) for c in columns}
    for channel, hints in _COLUMN_HINTS:
        if headers & hints:
            return channel
    return None


def recall_channel(db, signature: str) -> str | None:
    """The channel the owner chose last time for a file with this column layout."""
    row = db.execute("SELECT mapping FROM mappings WHERE signature = ?", [signature]).fetchone()
    if not row:
        return None
    try:
        value = json.loads(row[0]).get(CHANNEL_KEY)
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and value else None


__all__ = ["CHANNELS", "UNSPECIFIED", "clean_channel", "guess_channel", "recall_channel"]
