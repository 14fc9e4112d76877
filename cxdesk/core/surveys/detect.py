"""Recognise a questionnaire export and guess what each of its columns asks.

Survey tools export one row per response: a block of bookkeeping columns (问卷星: 序号 / 提交答卷时间 /
所用时间 / 来源 / 来源详情 / 来自IP; 腾讯问卷: 编号 / 开始答题时间 / 结束答题时间 / 答题时长; 金数据: 序号 /
提交人 / 提交时间 / 填写设备; Google Forms: Timestamp or 时间戳记) and then the questions as headers,
often numbered (`3、您对本次用餐的满意度`). The recommend question (0–10), the satisfaction question(s)
and the open question(s) are guessed from the wording (推荐, 满意, 建议, 意见, recommend, satisfied, ...)
and from the values; the owner confirms or corrects the guess (`SurveyPlan.with_kinds`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from cxdesk.core.errors import InvalidValueError
from cxdesk.core.importers.columns import normalize_header
from cxdesk.core.importers.readers import cell_text
from cxdesk.core.importers.sniff import ImportPlan
from cxdesk.i18n import N_, _

# What a column of a questionnaire is: the kinds the owner can choose in the wizard.
KINDS = ("nps", "csat", "open", "time", "id", "channel", "other")
KIND_LABELS = {
    "nps": N_("Recommend (0–10)"), "csat": N_("Satisfaction"), "open": N_("Open question"),
    "time": N_("Submitted at"), "id": N_("Response number"), "channel": N_("Store / channel"),
    "other": N_("Keep only"),
}
SINGLE_KINDS = ("nps", "time", "id", "channel")   # at most one column each

# Bookkeeping headers of the survey tools, after `normalize_header`.
_META = {
    "序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自ip", "ip", "ip地址", "编号", "开始答题时间",
    "结束答题时间", "答题时长", "地理位置国家和地区", "地理位置省", "地理位置市", "自定义字段", "提交人", "提交时间",
    "修改时间", "填写设备", "操作系统", "浏览器", "填写地区", "timestamp", "时间戳记", "时间戳", "emailaddress",
    "电子邮件地址", "总分", "答卷编号", "用户id", "微信昵称", "填写时间", "填写时长", "答题时间", "responseid",
    "submittedat", "submissiontime", "完成时间", "开始时间", "结束时间", "填写人", "openid",
}
_TIME_HEADERS = ("提交答卷时间", "提交时间", "结束答题时间", "timestamp", "时间戳记", "时间戳", "submittedat",
                 "submissiontime", "完成时间", "结束时间", "填写时间", "答题时间", "开始答题时间", "日期", "时间",
                 "date", "time", "就餐日期", "消费日期")
_ID_HEADERS = ("序号", "答卷编号", "编号", "responseid", "id", "no", "no.")
_STORE_WORDS = ("门店", "分店", "店铺", "哪家店", "哪个店", "store", "branch", "location", "渠道", "channel")
_NPS_WORDS = ("推荐", "推薦", "recommend", "nps", "介绍给", "介紹給", "refer")
_CSAT_WORDS = ("满意", "滿意", "satisf", "csat", "体验打分", "整体评价", "总体评价", "overallrating")
_OPEN_WORDS = ("建议", "建議", "意见", "意見", "原因", "为什么", "為什麼", "其他", "想说", "想對", "想对", "改进",
               "改進", "评价", "留言", "补充", "comment", "suggest", "why", "improve", "feedback", "anything",
               "reason", "tellus", "other")
_RX_NUMBERED = re.compile(r"^\s*(?:[Qq]\s*)?\d{1,3}\s*[、.．:：)）]\s*\S")
_RX_SCALE_HINT = re.compile(r"(\d{1,2})\s*(?:分)?\s*[-–—~～至到]\s*(\d{1,2})")
_RX_SCORE = re.compile(r"^\s*(\d{1,2}(?:\.0+)?)\s*(?:分|points?|pts?)?\s*(?:[-–—(（:：\s]\D*)?$", re.I)
_RX_ZERO_TO_TEN = re.compile(r"0(?:分)?[-–—~～至到]10")
SKIPPED = {"(跳过)", "（跳过）", "(空)", "（空）", "-3", "(skipped)", "n/a", "-", "--", "—"}
# Open answers that say there is nothing to say: kept with the response, never analysed as feedback.
NOTHING_TO_SAY = {"无", "没有", "暂无", "无建议", "没有建议", "无意见", "没有意见", "没有了", "暂时没有", "都挺好", "无无",
                  "nothing", "none", "no", "nope", "n/a", "na", "/", ".", "。", "...", "……", "0"}
# Satisfaction answered in words (5-point scale).
CSAT_WORDS_5 = {
    "非常满意": 5, "很满意": 5, "满意": 4, "比较满意": 4, "较满意": 4, "一般": 3, "基本满意": 3, "不太满意": 2,
    "比较不满意": 2, "不满意": 2, "非常不满意": 1, "很不满意": 1, "verysatisfied": 5, "satisfied": 4,
    "neutral": 3, "dissatisfied": 2, "unsatisfied": 2, "verydissatisfied": 1, "veryunsatisfied": 1,
}


@dataclass(frozen=True)
class Question:
    column: int           # index in the plan's columns
    text: str             # the header as exported, numbering included
    kind: str             # one of KINDS

    @property
    def label(self) -> str:
        """The question without its number: `3、您对本次用餐的满意度` -> `您对本次用餐的满意度`."""
        return question_label(self.text)


@dataclass(frozen=True)
class SurveyPlan:
    questions: tuple[Question, ...]
    csat_scale: int = 5                 # top of the satisfaction scale: 5, 7 or 10
    tool: str = "excel"                 # wjx | tencent | jinshuju | google | excel

    def columns_of(self, kind: str) -> list[int]:
        return [q.column for q in self.questions if q.kind == kind]

    def column_of(self, kind: str) -> int | None:
        cols = self.columns_of(kind)
        return cols[0] if cols else None

    def kinds(self) -> dict[int, str]:
        return {q.column: q.kind for q in self.questions}

    def with_kinds(self, kinds: dict[int, str], *, csat_scale: int | None = None) -> "SurveyPlan":
        """The plan with some columns' kinds changed (the owner's corrections); checks the result."""
        for col, kind in kinds.items():
            if kind not in KINDS:
                raise InvalidValueError(_("Unknown question kind “{kind}”; use one of: {kinds}.").format(
                    kind=kind, kinds=", ".join(KINDS)))
            if not any(q.column == col for q in self.questions):
                raise InvalidValueError(_("There is no column number {n}.").format(n=int(col) + 1))
        for kind in SINGLE_KINDS:
            # A newly chosen single-kind column takes the kind from the column that had it.
            if kind in kinds.values():
                kinds = {**{c: "other" for c, k in self.kinds().items() if k == kind and c not in kinds}, **kinds}
        questions = tuple(replace(q, kind=kinds.get(q.column, q.kind)) for q in self.questions)
        scale = csat_scale if csat_scale is not None else self.csat_scale
        if scale not in (5, 7, 10):
            raise InvalidValueError(_("The satisfaction scale must be 1–5, 1–7 or 1–10."))
        return replace(self, questions=questions, csat_scale=scale)

    def to_json(self) -> dict:
        return {"tool": self.tool, "csat_scale": self.csat_scale,
                "questions": [{"column": q.column, "text": q.text, "kind": q.kind} for q in self.questions]}


def question_label(text: str) -> str:
    return re.sub(r"^\s*(?:[Qq]\s*)?\d{1,3}\s*[、.．:：)）]\s*", "", text or "").strip() or (text or "")


def is_skipped(value) -> bool:
    if value is None:
        return True
    s = cell_text(value).strip()
    return not s or s.lower() in SKIPPED


def score_of(value) -> int | None:
    """A whole-number answer 0..10 (`9`, `9.0`, `9分`, `10 - 极有可能`, full-width `９`), else None."""
    if isinstance(value, bool) or is_skipped(value):
        return None
    if isinstance(value, (int, float)):
        return int(value) if float(value).is_integer() and 0 <= value <= 10 else None
    m = _RX_SCORE.match(unicodedata.normalize("NFKC", str(value)))
    if not m:
        return None
    n = float(m.group(1))
    return int(n) if 0 <= n <= 10 else None


def csat_of(value, scale: int) -> int | None:
    """A satisfaction answer on its scale (a number 1..scale, or words such as 满意 on 1–5)."""
    n = score_of(value)
    if n is not None:
        return n if 1 <= n <= scale else None
    if scale == 5 and not is_skipped(value):
        return CSAT_WORDS_5.get(re.sub(r"[\s_\-]", "", unicodedata.normalize("NFKC", cell_text(value))).lower())
    return None


def _has(h: str, words) -> bool:
    return any(w in h for w in words)


def _scale_hint(header: str) -> int | None:
    m = _RX_SCALE_HINT.search(unicodedata.normalize("NFKC", header))
    return int(m.group(2)) if m and int(m.group(2)) in (5, 7, 10) else None


def _column_values(data: list[list], col: int) -> list:
    return [r[col] for r in data if col < len(r) and not is_skipped(r[col])]


def _looks_open(values: list) -> bool:
    texts = [cell_text(v).strip() for v in values if score_of(v) is None]
    if len(texts) < max(1, len(values) // 2):
        return False
    mean_len = sum(len(t) for t in texts) / len(texts)
    distinct = len(set(texts)) / len(texts)
    return mean_len >= 6 and distinct >= 0.5


def _guess_kind(header: str, values: list) -> str:
    h = normalize_header(header)
    scores = [score_of(v) for v in values]
    numeric = [s for s in scores if s is not None]
    mostly_numbers = bool(values) and len(numeric) >= 0.8 * len(values)
    if mostly_numbers and (_has(h, _NPS_WORDS) and (min(numeric) == 0 or max(numeric) > 7 or _scale_hint(header) == 10)
                           or not _has(h, _CSAT_WORDS) and _RX_ZERO_TO_TEN.search(h) and min(numeric) == 0):
        return "nps"
    words = [v for v in values if csat_of(v, 5) is not None and score_of(v) is None]
    if _has(h, _CSAT_WORDS) and (mostly_numbers and min(numeric) >= 1 or words and len(words) >= 0.8 * len(values)):
        return "csat"
    if h in _TIME_HEADERS:
        return "time"
    if h in _ID_HEADERS:
        return "id"
    if h in _META:
        return "other"
    if _has(h, _STORE_WORDS) and not _looks_open(values):
        return "channel"
    if mostly_numbers or _multiple_choice(values):
        return "other"
    if _looks_open(values) or (_has(h, _OPEN_WORDS) and values and _mean_length(values) >= 3):
        return "open"
    return "other"


def _multiple_choice(values: list) -> bool:
    """问卷星 and 腾讯问卷 join the options of a multiple-choice answer with ┋ or |."""
    joined = sum(1 for v in values if re.search(r"[┋|｜]", cell_text(v)))
    return bool(values) and joined >= 0.3 * len(values)


def _mean_length(values: list) -> float:
    """Choice answers are short (男/女, 午餐/晚餐); written answers are longer."""
    return sum(len(cell_text(v).strip()) for v in values) / len(values)


def _priority(kind: str, header: str) -> int:
    h = normalize_header(header)
    if kind == "channel":   # the store asked about beats the channel the link was shared on
        return next((i for i, w in enumerate(_STORE_WORDS) if w in h), len(_STORE_WORDS))
    order = {"time": _TIME_HEADERS, "id": _ID_HEADERS}.get(kind, ())
    return order.index(h) if h in order else len(order)


def _tool_of(headers: set[str]) -> str:
    if {"提交答卷时间", "所用时间"} & headers or "来自ip" in headers:
        return "wjx"
    if {"开始答题时间", "结束答题时间", "答题时长"} & headers:
        return "tencent"
    if {"提交人", "填写设备"} & headers:
        return "jinshuju"
    if {"timestamp", "时间戳记"} & headers:
        return "google"
    return "excel"


def _csat_scale(plan_values: list[list], header: str) -> int:
    hint = _scale_hint(header)
    if hint:
        return hint
    numbers = [s for s in (score_of(v) for v in plan_values) if s is not None]
    top = max(numbers, default=5)
    return 5 if top <= 5 else 7 if top <= 7 else 10


def guess_survey(columns: list[str], data: list[list]) -> SurveyPlan:
    """Every column's kind as guessed from its header and values (whether or not it is a survey)."""
    kinds = [_guess_kind(name, _column_values(data, i)) for i, name in enumerate(columns)]
    for kind in SINGLE_KINDS:
        found = [i for i, k in enumerate(kinds) if k == kind]
        # Of two time columns the submission time wins (腾讯问卷: 结束答题时间 over 开始答题时间).
        keep = min(found, key=lambda i: _priority(kind, columns[i]), default=None)
        for i in found:
            kinds[i] = kind if i == keep else "other"
    questions = [Question(i, name, kind) for i, (name, kind) in enumerate(zip(columns, kinds))]
    csat = [q for q in questions if q.kind == "csat"]
    scale = _csat_scale(_column_values(data, csat[0].column), csat[0].text) if csat else 5
    return SurveyPlan(tuple(questions), scale, _tool_of({normalize_header(c) for c in columns}))


def detect_survey(plan: ImportPlan) -> SurveyPlan | None:
    """The survey plan when `plan`'s file is a questionnaire export, else None (an ordinary review file)."""
    if plan.header_row < 0:
        return None
    data = [r for r in plan.preview_values[plan.header_row + 1:] if any(not is_skipped(v) for v in r)]
    survey = guess_survey(plan.columns, data)
    headers = {normalize_header(c) for c in plan.columns}
    meta = len(headers & _META)
    numbered = sum(1 for c in plan.columns if _RX_NUMBERED.match(c or ""))
    kinds = set(survey.kinds().values())
    if "nps" in kinds or (meta >= 2 and numbered >= 2) or (meta >= 2 and numbered >= 1 and "csat" in kinds):
        return survey
    return None


def survey_for_columns(plan: ImportPlan, *, nps: str | None = None, csat: str | None = None,
                       column_index) -> SurveyPlan:
    """The plan for `cxdesk import --nps-column/--csat-column`: the guess with the named columns set."""
    data = [r for r in plan.preview_values[plan.header_row + 1:]]
    survey = detect_survey(plan) or guess_survey(plan.columns, data)
    kinds: dict[int, str] = {}
    if nps:
        kinds[column_index(plan, nps)] = "nps"
    if csat:
        idx = column_index(plan, csat)
        kinds = {**{c: "other" for c in survey.columns_of("csat")}, **kinds, idx: "csat"}
        survey = survey.with_kinds(kinds, csat_scale=_csat_scale(_column_values(data, idx), plan.columns[idx]))
        return survey
    return survey.with_kinds(kinds)
