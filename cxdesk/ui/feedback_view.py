"""How the feedback browser shows a row: the sentiment chip in the table and the detail pane's HTML."""

from __future__ import annotations

import html

from PySide6.QtCore import QModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from cxdesk.core import feedback as fb
from cxdesk.core.formatting import time_text
from cxdesk.core.search import match_spans
from cxdesk.i18n import _
from cxdesk.ui import theme
from cxdesk.ui.models.feedback_table import RAW_ROLE, ROW_ROLE


class SentimentChipDelegate(QStyledItemDelegate):
    """Paints the sentiment as a small coloured chip; a pencil marks the owner's corrections.

    It draws the cell background with `drawPrimitive` and never calls `initStyleOption` or
    `QStyledItemDelegate.paint` from Python: with PySide6 6.12 on Python 3.11 those calls drop one
    reference to None per painted cell, which ends in a crash after enough repaints.
    """

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PE_PanelItemViewRow, option, painter, widget)
        style.drawPrimitive(QStyle.PE_PanelItemViewItem, option, painter, widget)
        label = index.data(RAW_ROLE)
        if not label:
            return
        text = index.data(Qt.DisplayRole) or ""
        row = index.data(ROW_ROLE)
        if row is not None and row.manual_label:
            text += " ✎"
        colours = theme.sentiment(label)
        bg, fg = colours.chip_bg, colours.chip_fg
        fm = option.fontMetrics
        width = min(fm.horizontalAdvance(text) + 16, option.rect.width() - 6)
        height = min(fm.height() + 4, option.rect.height() - 4)
        center = option.rect.center()
        rect = QRectF(center.x() - width / 2, center.y() - height / 2, width, height)
        painter.save()
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(Qt.NoPen)
        painter.setBrush(QColor(bg))
        painter.drawRoundedRect(rect, height / 2, height / 2)
        painter.setPen(QColor(fg))
        painter.drawText(rect, Qt.AlignCenter, text)
        painter.restore()


def detail_html(detail: fb.FeedbackDetail, search: str, palette: QPalette | None = None) -> str:
    """The detail pane: when/where/rating, the full text with topic words and search hits marked."""
    row = detail.row
    esc = html.escape
    meta = [time_text(row.created_at) if row.created_at else _("time unknown"), row.channel or _("no channel")]
    if row.rating is not None:
        meta.append(f"{row.rating:g} ★")
    if row.author:
        meta.append(row.author)
    label = row.label or "unknown"
    colours = theme.sentiment(label)
    chip = (f"<span style='background:{colours.chip_bg}; color:{colours.chip_fg}; padding:1px 6px;'>&nbsp;{esc(fb.label_name(label))}&nbsp;</span>")
    if row.manual_label:
        chip += " <small>" + esc(_("(corrected by you)")) + "</small>"
    parts = [f"<p style='color:gray'>{esc(' · '.join(meta))}</p>", f"<p>{chip}</p>"]
    if detail.survey_question:
        parts.append("<p>" + esc(_("Survey question: {question}").format(question=detail.survey_question)) + "</p>")

    # Mark topic words (coloured by the mention's sentiment) and search hits (underlined).
    marks: list[tuple[int, int, str]] = []
    for h in detail.highlights:
        colours = theme.sentiment(h.label)
        marks.append((h.start, h.end, f"background:{colours.chip_bg}; color:{colours.chip_fg}; font-weight:bold"))
    for start, end in match_spans(row.text, search or ""):
        marks.append((start, end, f"background:{theme.SEARCH_MARK_BG}; color:{theme.SEARCH_MARK_FG}; "
                                  "text-decoration:underline"))
    text = row.text
    styles = [""] * len(text)
    for start, end, style in marks:
        for i in range(start, min(end, len(text))):
            styles[i] = style if not styles[i] else styles[i] + "; text-decoration:underline"
    out, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and styles[j] == styles[i]:
            j += 1
        chunk = esc(text[i:j]).replace("\n", "<br>")
        out.append(f"<span style='{styles[i]}'>{chunk}</span>" if styles[i] else chunk)
        i = j
    body = "".join(out) if text else f"<i style='color:gray'>{esc(_('(no text)'))}</i>"
    parts.append(f"<p style='font-size:large; line-height:150%'>{body}</p>")
    if detail.mentions:
        items = []
        for m in detail.mentions:
            colours = theme.sentiment(m.label)
            hand = " ✎" if m.manual else ""
            items.append(f"<span style='background:{colours.chip_bg}; color:{colours.chip_fg};'>&nbsp;{esc(m.topic)} · "
                         f"{esc(fb.label_name(m.label or 'unknown'))}{hand}&nbsp;</span>")
        parts.append(f"<p><b>{esc(_('Topics'))}</b>　" + "　".join(items) + "</p>")
    source = detail.source_name or ""
    where = _("From {file}, row {row}").format(file=source, row=row.source_row) if row.source_row else source
    if where:
        parts.append(f"<p style='color:gray'><small>{esc(where)}</small></p>")
    return "".join(parts)


class SearchHitDelegate(QStyledItemDelegate):
    """Paints the review text on one line with the search words marked, as in the detail pane.

    Like the chip delegate it draws everything itself (no `initStyleOption` from Python).
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.query = ""

    def set_query(self, query: str) -> None:
        self.query = query or ""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PE_PanelItemViewRow, option, painter, widget)
        style.drawPrimitive(QStyle.PE_PanelItemViewItem, option, painter, widget)
        text = index.data(Qt.DisplayRole) or ""
        if not text:
            return
        fm = option.fontMetrics
        rect = option.rect.adjusted(4, 0, -4, 0)
        shown = fm.elidedText(text, Qt.ElideRight, rect.width())
        selected = bool(option.state & QStyle.State_Selected)
        painter.save()
        spans = match_spans(shown, self.query) if self.query.strip() else []
        top, height = rect.center().y() - fm.height() / 2, fm.height()
        boxes = [(QRectF(rect.left() + fm.horizontalAdvance(shown[:a]), top, fm.horizontalAdvance(shown[a:b]), height),
                  shown[a:b]) for a, b in spans]
        role = QPalette.HighlightedText if selected else QPalette.Text
        painter.setPen(option.palette.color(role))
        painter.drawText(rect, Qt.AlignVCenter | Qt.AlignLeft, shown)
        painter.setPen(QColor(theme.SEARCH_MARK_FG))     # the marked words stay readable on a selected row
        for box, word in boxes:
            painter.fillRect(box, QColor(theme.SEARCH_MARK_BG))
            painter.drawText(box, Qt.AlignVCenter | Qt.AlignLeft, word)
        painter.restore()
