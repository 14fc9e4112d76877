"""Colours, fonts and spacing of the window, named once; screens take them from here, never as hex literals.

Colours are strings (`"#1b5e20"`), usable in style sheets, `QColor(...)` and `pg.mkPen(...)` alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QFont, QGuiApplication, QPalette


@dataclass(frozen=True)
class SentimentColours:
    chart: str      # lines, bars and pie slices on the overview
    chip_bg: str    # background of the label chip in the feedback list and the detail pane
    chip_fg: str    # its text
    text: str       # a label written as coloured text (topic lists)


SENTIMENT: dict[str, SentimentColours] = {
    "positive": SentimentColours(chart="#43a047", chip_bg="#dff3e4", chip_fg="#1b5e20", text="#2e7d32"),
    "neutral": SentimentColours(chart="#9e9e9e", chip_bg="#e8eaed", chip_fg="#3c4043", text="#616161"),
    "negative": SentimentColours(chart="#e53935", chip_bg="#fde2e1", chip_fg="#a50e0e", text="#c62828"),
    "unknown": SentimentColours(chart="#bdbdbd", chip_bg="#f1f3f4", chip_fg="#5f6368", text="#424242"),
}


def sentiment(label: str | None) -> SentimentColours:
    """The colours of a sentiment label; an unknown or missing label gets the "unknown" ones."""
    return SENTIMENT.get(label or "unknown", SENTIMENT["unknown"])


# Overview charts
CHART_SHARE = "#c62828"               # the negative-share line
CHART_BAND = (229, 57, 53, 70)        # the band around the negative share (RGBA)
CHART_SCORE = "#1e88e5"               # the mean sentiment score
CHART_IMPACT = "#ef6c00"              # topic bars ranked by impact
CHART_CURSOR = "#90a4ae"              # the dashed line under the mouse
CHART_AXIS = "#616161"
CHART_AXIS_TEXT = "#424242"
CHART_EMPTY_TEXT = "#757575"

# Changes against the previous period: good, bad, or neither (a count that is neither good nor bad)
CHANGE_GOOD = "#2e7d32"
CHANGE_BAD = "#c62828"
CHANGE_NEUTRAL = "#1e63b5"
ALERT_TEXT = "#b71c1c"                # a topic that is rising sharply

# Text colours that read on a light and on a dark palette: (light, dark)
PARSED_TEXT = ("#2b6cb0", "#79b8ff")  # a time or rating as the import understood it
ERROR_TEXT = ("#c0392b", "#ff7b72")   # a value that could not be read
NOTE_TEXT = ("#4d4d4d", "#c8c8c8")  # an explaining note under a form row (8:1 on white, as on black)
WARNING_TEXT = "#9a6700"
REJECTED_COUNT = "#c0392b"

# Search hits marked inside a review text
SEARCH_MARK_BG = "#fff3b0"
SEARCH_MARK_FG = "#202124"

# Message bar: (background, text, border) per kind
MESSAGE: dict[str, tuple[str, str, str]] = {
    "error": ("#fdecea", "#8a1c12", "#e0a39b"),
    "warning": ("#fff4e0", "#7a4b00", "#e7c27a"),
    "info": ("#e8f1fd", "#12406f", "#9dbfe6"),
    "success": ("#e9f6ec", "#1c5b2c", "#9fd1ad"),
}

# Fonts and spacing
TITLE_SCALE = 1.15        # a screen's or dialog's title, relative to the application font
BIG_NUMBER_SCALE = 1.8    # the big counts of the import report
NAV_FONT_PX = 15          # the navigation list of the main window
PAGE_MARGIN = 8


def is_dark() -> bool:
    """True when the window's palette is dark (text colours then use their light variant)."""
    return QGuiApplication.palette().color(QPalette.Base).lightness() < 128


def scaled_font(base: QFont, scale: float, *, bold: bool = True) -> QFont:
    """`base` made `scale` times larger (and bold), for titles and big numbers."""
    font = QFont(base)
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(bold)
    return font

# Customer cases: an overdue case, an urgent one (食物中毒, 退款 ...), the complaint marked in the review
CASE_OVERDUE_BG = "#fdecea"
CASE_OVERDUE_FG = "#a50e0e"
CASE_URGENT_FG = "#b71c1c"
CASE_COMPLAINT_BG = "#fde2e1"

# Improvement actions: the stripe of a card per board column, and the verdict chip (background, text)
ACTION_STATUS: dict[str, str] = {
    "todo": "#8c8c8c", "doing": "#2f6fd0", "live": "#d08a1e", "evaluated": "#2e8b57", "dropped": "#b0b0b0",
}
ACTION_STATUS_OTHER = "#999999"
VERDICT: dict[str, tuple[str, str]] = {
    "improved": ("#e6f4ea", "#1e6b35"), "worsened": ("#fdecea", "#9b1c1c"),
    "no_significant_change": ("#eeeeee", "#444444"), "insufficient_data": ("#fff4e0", "#7a4b00"),
}
VERDICT_OTHER = ("#eeeeee", "#444444")

# Board cards and columns
@dataclass(frozen=True)
class CardColours:
    border: str
    background: str
    title: str
    topics: str
    meta: str      # owner and age
    change: str    # the change beside the verdict chip


CARD = CardColours(border="#cfcfcf", background="#ffffff", title="#1f1f1f", topics="#2f6fd0", meta="#6b6b6b",
                   change="#333333")
COLUMN_BORDER = "#dddddd"
HINT_TEXT = "#777777"     # a quiet hint under a title
DISABLED_TEXT = "#9e9e9e"  # a switched-off item in a list (a topic not in use)
NPS_LINE = "#6a1b9a"      # the net promoter score on the overview


# The evaluation: its chart lines and marks, and quiet text beside the verdict
@dataclass(frozen=True)
class EvaluationColours:
    topic: str          # the action's metric
    control: str        # other feedback
    to_come: str        # days of the after-period still to come
    mark: str           # the go-live line and its label
    window_label: str   # “before” / “after”


EVALUATION = EvaluationColours(topic="#d9480f", control="#7f7f7f", to_come="#2f9a5a", mark="#222222",
                               window_label="#555555")
EVALUATION_BANDS = {"before": (70, 120, 200, 40), "after": (40, 160, 90, 40), "to_come": (40, 160, 90, 60)}  # RGBA
CHART_LABEL_FILL = (255, 255, 255, 220)   # behind a label written over a chart (RGBA)
QUIET_TEXT = "#444444"    # the metric's name, the statistics sentences
STATS_TEXT = "#555555"

# The improvement report screen
REPORT_NUMBERS_BG = "#f6f8fa"
REPORT_NUMBERS_BORDER = "#dde3ea"
REPORT_MUTED = "#6b7785"          # dates and empty-preview hints
