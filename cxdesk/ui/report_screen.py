"""报告: export the Excel summary for a date range and filter, and the improvement report for customers.

The screen only collects choices; `core.reports` builds everything in a background task. Qt renders
the improvement report to PDF on the GUI thread (fast; Qt's text engine belongs there). After an
export the message bar offers to open the folder.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (QCheckBox, QColorDialog, QComboBox, QFileDialog, QFormLayout, QGridLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QSplitter,
                               QTextBrowser, QVBoxLayout, QWidget)

from cxdesk.core.filters import FeedbackFilter
from cxdesk.core.reports.excel import SECTION_NAMES, SECTIONS
from cxdesk.i18n import _
from cxdesk.ui import settings as ui_settings
from cxdesk.ui.tasks import show_delayed_progress
from cxdesk.ui.widgets.date_range import DateRangePicker
from cxdesk.ui.widgets.message_bar import MessageBar


def _when_ended(widget: QWidget, task, handler) -> None:
    """Call `handler(task)` once when the task has ended, unless `widget` is gone by then.

    `ctx.run_task` starts the task before the caller can connect to it, so a quick task may have
    emitted its signals already; then the handler is queued directly instead.
    """
    state = {"done": False}

    def once() -> None:
        if not state["done"] and shiboken6.isValid(widget):
            state["done"] = True
            handler(task)

    task.signals.ended.connect(once)
    if task.done.is_set():
        QTimer.singleShot(0, widget, once)


def html_escape(text: str) -> str:
    import html

    return html.escape(text or "")


def _safe_file_name(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("_") or "report"


class ReportScreen(QWidget):
    """The 报告 page of the main window."""

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._task = None
        self._preview_task = None
        self._preview_again = False
        self.last_path: Path | None = None
        self.last_announcement = ""
        self.last_report = None                 # the report the preview shows (numbers, quotes)
        self.quote_choice: dict[int, set[int]] = {}   # per action: the quotes the owner ticked
        self.logo_path = ""
        self.colour = ""

        self.message_bar = MessageBar(self)
        title = QLabel(_("Reports"), self)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        intro = QLabel(_("Share your results: an Excel summary for partners, staff or your accountant, and a "
                         "short report that tells customers what you changed because of their feedback."), self)
        intro.setWordWrap(True)

        # ---------------------------------------------------------------- Excel summary
        excel_box = QGroupBox(_("Excel summary"), self)
        self.date_range = DateRangePicker(excel_box, preset="30d")
        self.channel_combo = QComboBox(excel_box)
        self.granularity_combo = QComboBox(excel_box)
        self.granularity_combo.addItem(_("By week"), "week")
        self.granularity_combo.addItem(_("By month"), "month")
        self.section_checks: dict[str, QCheckBox] = {}
        sections = QGridLayout()
        sections.setHorizontalSpacing(16)
        for i, key in enumerate(SECTIONS):
            box = QCheckBox(_(SECTION_NAMES[key]), excel_box)
            box.setChecked(True)
            box.toggled.connect(self._update_buttons)
            self.section_checks[key] = box
            sections.addWidget(box, i // 3, i % 3)
        self.excel_button = QPushButton(_("Export Excel summary…"), excel_box)
        self.excel_button.setDefault(True)
        self.excel_button.clicked.connect(self._on_excel_clicked)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldsStayAtSizeHint)
        form.addRow(_("Dates"), self.date_range)
        form.addRow(_("Channel"), self.channel_combo)
        form.addRow(_("Trend"), self.granularity_combo)
        form.addRow(_("Sheets"), sections)
        excel_layout = QVBoxLayout(excel_box)
        excel_layout.addLayout(form)
        excel_layout.addWidget(self.excel_button, 0, Qt.AlignLeft)

        # ---------------------------------------------------------------- improvement report
        story_box = QGroupBox(_("Improvement report for customers"), self)
        self.action_list = QListWidget(story_box)
        self.action_list.setToolTip(_("Tick the actions the report should tell customers about"))
        self.action_list.itemChanged.connect(self._on_actions_changed)
        self.shop_edit = QLineEdit(story_box)
        self.shop_edit.setPlaceholderText(_("Shop name printed on the report"))
        self.shop_edit.editingFinished.connect(self._schedule_preview)
        self.logo_button = QPushButton(_("Logo…"), story_box)
        self.logo_button.setToolTip(_("An image file (PNG or JPEG) printed at the top of the report"))
        self.logo_button.clicked.connect(self._on_logo_clicked)
        self.logo_clear = QPushButton(_("No logo"), story_box)
        self.logo_clear.clicked.connect(lambda: self.set_logo(""))
        self.colour_button = QPushButton(_("Colour…"), story_box)
        self.colour_button.clicked.connect(self._on_colour_clicked)
        self.numbers_label = QLabel(story_box)
        self.numbers_label.setWordWrap(True)
        self.numbers_label.setTextFormat(Qt.RichText)
        self.numbers_label.setStyleSheet("QLabel { background: #f6f8fa; border: 1px solid #dde3ea; border-radius: 4px; "
                                         "padding: 6px; }")
        self.quote_list = QListWidget(story_box)
        self.quote_list.setWordWrap(True)
        self.quote_list.setToolTip(_("Tick the customer quotes to print; untick any you would rather not show"))
        self.quote_list.itemChanged.connect(self._on_quote_toggled)
        self.pdf_button = QPushButton(_("Save as PDF…"), story_box)
        self.html_button = QPushButton(_("Save as web page…"), story_box)
        self.copy_button = QPushButton(_("Copy announcement text"), story_box)
        self.copy_button.setToolTip(_("A short post for WeChat Moments, Weibo or a review reply"))
        self.pdf_button.clicked.connect(lambda: self._on_story_export("pdf"))
        self.html_button.clicked.connect(lambda: self._on_story_export("html"))
        self.copy_button.clicked.connect(self._on_copy_clicked)
        self.preview = QTextBrowser(story_box)
        self.preview.setOpenLinks(False)
        self.preview.setMinimumHeight(220)
        left = QVBoxLayout()
        left.addWidget(QLabel(_("Actions to include"), story_box))
        left.addWidget(self.action_list, 1)
        shop_row = QHBoxLayout()
        shop_row.addWidget(QLabel(_("Shop name"), story_box))
        shop_row.addWidget(self.shop_edit, 1)
        left.addLayout(shop_row)
        look_row = QHBoxLayout()
        look_row.addWidget(self.logo_button)
        look_row.addWidget(self.logo_clear)
        look_row.addWidget(self.colour_button)
        look_row.addStretch(1)
        left.addLayout(look_row)
        left.addWidget(QLabel(_("Numbers in the report (from the saved evaluation)"), story_box))
        left.addWidget(self.numbers_label)
        left.addWidget(QLabel(_("Customer quotes"), story_box))
        left.addWidget(self.quote_list, 1)
        buttons = QHBoxLayout()
        for b in (self.pdf_button, self.html_button, self.copy_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        left.addLayout(buttons)
        left_widget = QWidget(story_box)
        left_widget.setLayout(left)
        splitter = QSplitter(Qt.Horizontal, story_box)
        splitter.addWidget(left_widget)
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        story_layout = QVBoxLayout(story_box)
        story_layout.addWidget(splitter)

        layout = QVBoxLayout(self)
        layout.addWidget(self.message_bar)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(excel_box)
        layout.addWidget(story_box, 1)

        ctx.data_changed.connect(self._on_data_changed)
        ctx.database_changed.connect(self._on_database_changed)
        self.reload()

    # ---------------------------------------------------------------- state

    def reload(self) -> None:
        """Refill channels and actions from the database (keeps the owner's choices where possible)."""
        from cxdesk.core import actions as actions_core
        from cxdesk.core.analysis import trends
        from cxdesk.core.storage import get_setting

        db = self.ctx.read_db()
        current = self.channel_combo.currentData()
        self.channel_combo.blockSignals(True)
        self.channel_combo.clear()
        self.channel_combo.addItem(_("All channels"), None)
        for name in trends.list_channels(db):
            self.channel_combo.addItem(name, name)
        self.channel_combo.addItem(_("Unspecified"), "")   # rows imported without a platform
        index = self.channel_combo.findData(current) if current is not None else 0
        self.channel_combo.setCurrentIndex(max(index, 0))
        self.channel_combo.blockSignals(False)

        checked = set(self.chosen_actions()) if self.action_list.count() else None
        self.action_list.blockSignals(True)
        self.action_list.clear()
        for a in actions_core.list_actions(db):
            if a.status == "dropped":
                continue
            label = f"{a.title}  ·  {actions_core.status_name(a.status)}"
            if a.live_date:
                label += f"  ·  {a.live_date.isoformat()}"
            item = QListWidgetItem(label, self.action_list)
            item.setData(Qt.UserRole, a.id)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            on = (a.id in checked) if checked is not None else a.status in ("live", "evaluated")
            item.setCheckState(Qt.Checked if on else Qt.Unchecked)
        self.action_list.blockSignals(False)
        if not self.shop_edit.text():
            self.shop_edit.setText(str(get_setting(db, "shop_name", "") or ""))
        from cxdesk.core.reports.improvement import COLOUR_KEY, DEFAULT_COLOUR, LOGO_KEY

        if not self.logo_path:
            self.logo_path = str(get_setting(db, LOGO_KEY, "") or "")
        if not self.colour:
            self.colour = str(get_setting(db, COLOUR_KEY, "") or DEFAULT_COLOUR)
        self._show_look()
        self._update_buttons()
        self._schedule_preview()

    def summary_filter(self) -> FeedbackFilter:
        date_from, date_to = self.date_range.range()
        channel = self.channel_combo.currentData()
        return FeedbackFilter(date_from=date_from, date_to=date_to, channels=(channel,) if channel is not None else ())

    def chosen_sections(self) -> list[str]:
        return [k for k, box in self.section_checks.items() if box.isChecked()]

    def chosen_actions(self) -> list[int]:
        out = []
        for i in range(self.action_list.count()):
            item = self.action_list.item(i)
            if item.checkState() == Qt.Checked:
                out.append(int(item.data(Qt.UserRole)))
        return out

    def set_actions_checked(self, ids) -> None:
        wanted = set(ids)
        for i in range(self.action_list.count()):
            item = self.action_list.item(i)
            item.setCheckState(Qt.Checked if item.data(Qt.UserRole) in wanted else Qt.Unchecked)

    def _busy(self) -> bool:
        return self._task is not None

    def _update_buttons(self) -> None:
        busy = self._busy()
        self.excel_button.setEnabled(not busy and bool(self.chosen_sections()))
        has_actions = bool(self.chosen_actions())
        for b in (self.pdf_button, self.html_button, self.copy_button):
            b.setEnabled(not busy and has_actions)

    def _on_data_changed(self, changes) -> None:
        if changes is None or changes.actions or changes.feedback or changes.topics:
            self.reload()

    def _on_database_changed(self, _path) -> None:
        # Another shop's database: its own name and actions (data_changed then reloads).
        self.shop_edit.clear()
        self.action_list.clear()
        self.quote_choice.clear()
        self.logo_path = self.colour = ""

    def _on_actions_changed(self, _item) -> None:
        self._update_buttons()
        self._schedule_preview()

    # ---------------------------------------------------------------- file names

    def _folder(self) -> Path:
        last = ui_settings.get(ui_settings.LAST_FOLDER)
        if last and Path(last).is_dir():
            return Path(last)
        return Path.home()

    def _ask_save_path(self, suggested: str, file_filter: str) -> Path | None:
        path, _sel = QFileDialog.getSaveFileName(self, _("Save report"), str(self._folder() / suggested), file_filter)
        return Path(path) if path else None

    def _summary_name(self) -> str:
        date_from, date_to = self.date_range.range()
        name = _("Feedback summary")
        if date_from or date_to:
            name += f"_{date_from or ''}_{date_to or date.today()}"
        return _safe_file_name(name) + ".xlsx"

    # ---------------------------------------------------------------- Excel summary

    def _on_excel_clicked(self) -> None:
        path = self._ask_save_path(self._summary_name(), _("Excel workbook (*.xlsx)"))
        if path is not None:
            self.export_excel(path)

    def export_excel(self, path: Path):
        """Write the summary to `path` in a background task; returns the task."""
        from cxdesk.core.reports.excel import build_summary

        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        flt = self.summary_filter()
        sections = self.chosen_sections()
        granularity = self.granularity_combo.currentData()

        def run(db, progress):
            return build_summary(db, path, flt, sections=sections, granularity=granularity, progress=progress)

        return self._start(run, _("Writing the Excel summary"), self._on_excel_done)

    def _on_excel_done(self, result) -> None:
        text = _("Saved “{name}”: {rows} feedback rows on {sheets} sheets.").format(
            name=result.path.name, rows=result.detail_rows, sheets=len(result.sheets))
        if result.cut_cells:
            text += " " + _("{n} very long texts were cut to fit Excel's cell limit.").format(n=result.cut_cells)
        self._saved(result.path, text)
        if result.detail_rows == 0 and "details" in self.chosen_sections():
            self.message_bar.show_warning(
                _("Saved “{name}”, but there is no feedback in these dates. Choose another date range or channel.").format(
                    name=result.path.name), action_text=_("Open folder"), on_action=lambda: self.open_folder(result.path))

    # ---------------------------------------------------------------- improvement report

    def _shop_name(self) -> str:
        return self.shop_edit.text().strip()

    def _story_name(self, ext: str) -> str:
        return _safe_file_name(_("Improvement report") + f"_{date.today().isoformat()}") + ext

    def _on_story_export(self, kind: str) -> None:
        if kind == "pdf":
            path = self._ask_save_path(self._story_name(".pdf"), _("PDF document (*.pdf)"))
        else:
            path = self._ask_save_path(self._story_name(".html"), _("Web page (*.html)"))
        if path is not None:
            self.export_story(path, kind)

    # ---------------------------------------------------------------- the shop's look and the quotes

    def _show_look(self) -> None:
        name = Path(self.logo_path).name if self.logo_path else ""
        self.logo_button.setText(_("Logo: {name}").format(name=name) if name else _("Logo…"))
        self.logo_clear.setEnabled(bool(self.logo_path))
        colour = self.colour or "#1f3b57"
        self.colour_button.setStyleSheet(f"QPushButton {{ border-left: 14px solid {colour}; padding: 3px 8px; }}")

    def _on_logo_clicked(self) -> None:
        path, _sel = QFileDialog.getOpenFileName(self, _("Choose the shop's logo"), str(self._folder()),
                                                 _("Images (*.png *.jpg *.jpeg *.gif *.bmp)"))
        if path:
            self.set_logo(path)

    def set_logo(self, path: str) -> None:
        self.logo_path = str(path or "")
        self._show_look()
        self._schedule_preview()

    def _on_colour_clicked(self) -> None:
        colour = QColorDialog.getColor(QColor(self.colour or "#1f3b57"), self, _("Colour of the report"))
        if colour.isValid():
            self.set_colour(colour.name())

    def set_colour(self, colour: str) -> None:
        self.colour = colour
        self._show_look()
        self._schedule_preview()

    def _quotes_arg(self) -> dict[int, list[int]]:
        return {aid: sorted(ids) for aid, ids in self.quote_choice.items()}

    def _on_quote_toggled(self, item: QListWidgetItem) -> None:
        aid, fid = item.data(Qt.UserRole)
        chosen = self.quote_choice.setdefault(aid, set())
        if item.checkState() == Qt.Checked:
            chosen.add(fid)
        else:
            chosen.discard(fid)
        self._schedule_preview()

    def _show_report_facts(self, report) -> None:
        """The numbers and the quotes of the report, as the owner checks them before export."""
        from cxdesk.core.evaluation import format_pct, format_relative, verdict_name

        lines = []
        for s in report.stories:
            head = f"<b>{html_escape(s.title)}</b>"
            if s.before is None:
                lines.append(head + "：" + html_escape(_("not live yet, no numbers")))
                continue
            when = (_("evaluation saved {at}").format(at=s.evaluated_at[:16]) if s.evaluation_id
                    else _("evaluated now; saved with the export"))
            after = (f"{format_pct(s.after.negative_rate)}（{s.after.topic_negative}/{s.after.total}）"
                     if s.after else _("no feedback yet"))
            change = f" {format_relative(s.relative_change)}" if s.relative_change is not None else ""
            lines.append(
                f"{head}：{html_escape(verdict_name(s.verdict))} · {html_escape(s.metric)} "
                f"{format_pct(s.before.negative_rate)}（{s.before.topic_negative}/{s.before.total}）→ {after}{change}"
                f"<br><span style='color:#6b7785'>{html_escape(when)}</span>")
        self.numbers_label.setText("<br>".join(lines))
        self.quote_list.blockSignals(True)
        self.quote_list.clear()
        for s in report.stories:
            printed = {q.feedback_id for q in s.quotes}
            if s.id not in self.quote_choice:
                self.quote_choice[s.id] = set(printed)
            if not s.candidates:
                item = QListWidgetItem(_("{title}: no quote from the period before go-live is about it and negative").format(
                    title=s.title), self.quote_list)
                item.setFlags(Qt.NoItemFlags)
            for q in s.candidates:
                item = QListWidgetItem(f"{s.title[:12]} · {q.created_at[:10]}  “{q.text}”", self.quote_list)
                item.setData(Qt.UserRole, (s.id, q.feedback_id))
                item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
                item.setCheckState(Qt.Checked if q.feedback_id in printed else Qt.Unchecked)
        self.quote_list.blockSignals(False)

    def _story_task(self, save: bool = True):
        from cxdesk.core.reports.improvement import (COLOUR_KEY, LOGO_KEY, announcement_text, build_improvement_report,
                                                     render_html)
        from cxdesk.core.storage import get_setting, set_setting

        ids = self.chosen_actions()
        shop = self._shop_name()
        quotes, logo, colour = self._quotes_arg(), self.logo_path, self.colour or None

        def run(db, progress):
            progress(0, 1, _("Preparing the report"))
            report = build_improvement_report(db, ids, shop_name=shop, quotes=quotes, save=save, logo=logo or "",
                                              colour=colour)
            if save:
                for key, value in (("shop_name", shop), (LOGO_KEY, logo), (COLOUR_KEY, colour or "")):
                    if value != (get_setting(db, key, "") or ""):
                        set_setting(db, key, value)
            return report, render_html(report), announcement_text(report)

        return run

    def export_story(self, path: Path, kind: str):
        """Write the improvement report as PDF or HTML; returns the task."""
        suffix = ".pdf" if kind == "pdf" else ".html"
        if path.suffix.lower() not in (suffix, ".htm"):
            path = path.with_name(path.name + suffix)

        def done(result) -> None:
            report, page, announcement = result
            self.last_announcement = announcement
            self.last_report = report
            self._show_report_facts(report)
            try:
                if kind == "pdf":
                    from cxdesk.render.pdf import html_to_pdf

                    html_to_pdf(page, path, title=report.title)
                else:
                    path.write_text(page, encoding="utf-8")
            except OSError as exc:
                self.message_bar.show_error(_("Cannot write “{path}”: {reason}").format(
                    path=path, reason=exc.strerror or exc))
                return
            except Exception as exc:  # noqa: BLE001 - CxdeskError from the PDF writer
                self.message_bar.show_error(str(exc))
                return
            self._saved(path, _("Saved “{name}”.").format(name=path.name))

        return self._start(self._story_task(), _("Writing the improvement report"), done)

    def _on_copy_clicked(self):
        return self.copy_announcement()

    def copy_announcement(self):
        """Put the announcement text on the clipboard; returns the task."""

        def done(result) -> None:
            _report, _page, announcement = result
            self.last_announcement = announcement
            QGuiApplication.clipboard().setText(announcement)
            self.message_bar.show_success(_("The announcement text is on the clipboard. Paste it where you post."),
                                          timeout_ms=8000)

        return self._start(self._story_task(), _("Preparing the report"), done)

    def _schedule_preview(self) -> None:
        """Show the report as customers will see it (computed off the GUI thread)."""
        if not self.chosen_actions():
            self.preview.setHtml(f"<p style='color:#6b7785'>{_('Tick one or more actions to see the report here.')}</p>")
            self.numbers_label.setText("")
            self.quote_list.clear()
            return
        if self._preview_task is not None:
            self._preview_again = True
            return
        task = self.ctx.run_task(self._story_task(save=False), write=False, title=_("Preparing the report"))
        self._preview_task = task
        _when_ended(self, task, self._on_preview_ended)

    def _on_preview_ended(self, task) -> None:
        self._preview_task = None
        if task.error:
            self.message_bar.show_error(task.error)
        elif task.result is not None and self.chosen_actions():
            report, page, _announcement = task.result
            self.last_report = report
            self._show_report_facts(report)
            self.preview.setHtml(page)
        if self._preview_again:
            self._preview_again = False
            self._schedule_preview()

    # ---------------------------------------------------------------- running and finishing

    def _start(self, fn, title: str, on_done):
        self.message_bar.dismiss()
        task = self.ctx.run_task(fn, write=True, title=title)
        self._task = task
        self._update_buttons()
        show_delayed_progress(task, self, title)
        _when_ended(self, task, lambda t: self._on_task_ended(t, on_done))
        return task

    def _on_task_ended(self, task, on_done) -> None:
        self._task = None
        self._update_buttons()
        # The progress dialog's close also "cancels" a finished task, so the result decides.
        if task.error:
            self.message_bar.show_error(task.error)
        elif task.result is None:
            self.message_bar.show_info(_("Cancelled; nothing was saved."))
        else:
            on_done(task.result)

    def _saved(self, path: Path, text: str) -> None:
        self.last_path = path
        ui_settings.set(ui_settings.LAST_FOLDER, str(path.parent))
        self.message_bar.show_success(text, action_text=_("Open folder"), on_action=lambda: self.open_folder(path))

    def open_folder(self, path: Path | None = None) -> bool:
        target = (path or self.last_path)
        if target is None:
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(target.parent)))
