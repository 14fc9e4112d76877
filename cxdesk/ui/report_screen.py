"""报告: export the Excel summary for a date range and filter, and the improvement report for customers.

The screen only collects choices; `core.reports` builds everything in a background task. Qt renders
the improvement report to PDF on the GUI thread (fast; Qt's text engine belongs there). After an
export the message bar offers to open the folder.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (QColorDialog, QFileDialog, QFrame, QGroupBox, QLabel, QListWidgetItem, QScrollArea,
                               QVBoxLayout, QWidget)

from cxdesk.core.reports.improvement_page import DEFAULT_COLOUR
from cxdesk.core.formatting import day_text
from cxdesk.i18n import _
from cxdesk.ui import settings as ui_settings
from cxdesk.ui import theme
from cxdesk.ui.report_parts import StoryBox, SummaryBox, facts_html, fill_quote_list, safe_file_name
from cxdesk.ui.tasks import show_delayed_progress
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


class _PlainHeightLayout(QVBoxLayout):
    """A column the scroll area sizes by its minimum: with height-for-width (the wrapped numbers label),
    QScrollArea would give every list its preferred height and scroll a page that fits."""

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return False


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
        title.setFont(theme.scaled_font(title.font(), 1.4))
        intro = QLabel(_("Share your results: an Excel summary for partners, staff or your accountant, and a "
                         "short report that tells customers what you changed because of their feedback."), self)
        intro.setWordWrap(True)

        self.summary_box = SummaryBox(self)
        self.summary_box.changed.connect(self._update_buttons)
        self.summary_box.excel_button.clicked.connect(self._on_excel_clicked)
        excel_box = self.summary_box
        (self.date_range, self.channel_combo, self.granularity_combo, self.section_checks,
         self.excel_button) = (excel_box.date_range, excel_box.channel_combo, excel_box.granularity_combo,
                               excel_box.section_checks, excel_box.excel_button)

        story_box = self._build_story_box()
        # Below the message bar the page scrolls: with the window's own bar too, at 125 % on 1366×768,
        # there is less room than the two boxes need.
        content = QWidget(self)
        body = _PlainHeightLayout(content)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(title)
        body.addWidget(intro)
        body.addWidget(excel_box)
        body.addWidget(story_box, 1)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.NoFrame)
        self.scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.scroll, 1)

        ctx.data_changed.connect(self._on_data_changed)
        ctx.database_changed.connect(self._on_database_changed)
        self.reload()

    def _build_story_box(self) -> QGroupBox:
        box = StoryBox(self)
        (self.action_list, self.shop_edit, self.logo_button, self.logo_clear, self.colour_button, self.numbers_label,
         self.quote_list, self.pdf_button, self.html_button, self.copy_button, self.preview) = (
            box.action_list, box.shop_edit, box.logo_button, box.logo_clear, box.colour_button, box.numbers_label,
            box.quote_list, box.pdf_button, box.html_button, box.copy_button, box.preview)
        self.action_list.itemChanged.connect(self._on_actions_changed)
        self.shop_edit.editingFinished.connect(self._schedule_preview)
        self.logo_button.clicked.connect(self._on_logo_clicked)
        self.logo_clear.clicked.connect(lambda: self.set_logo(""))
        self.colour_button.clicked.connect(self._on_colour_clicked)
        self.quote_list.itemChanged.connect(self._on_quote_toggled)
        self.pdf_button.clicked.connect(lambda: self._on_story_export("pdf"))
        self.html_button.clicked.connect(lambda: self._on_story_export("html"))
        self.copy_button.clicked.connect(self._on_copy_clicked)
        return box

    # ---------------------------------------------------------------- state

    def reload(self) -> None:
        """Refill channels and actions from the database (keeps the owner's choices where possible)."""
        from cxdesk.core import actions as actions_core
        from cxdesk.core.analysis import trends
        from cxdesk.core.storage import get_setting

        db = self.ctx.read_db()
        self.summary_box.fill_channels(trends.list_channels(db))
        checked = set(self.chosen_actions()) if self.action_list.count() else None
        self.action_list.blockSignals(True)
        self.action_list.clear()
        for a in actions_core.list_actions(db):
            if a.status == "dropped":
                continue
            label = f"{a.title}  ·  {actions_core.status_name(a.status)}"
            if a.live_date:
                label += f"  ·  {day_text(a.live_date)}"
            item = QListWidgetItem(label, self.action_list)
            item.setData(Qt.UserRole, a.id)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            on = (a.id in checked) if checked is not None else a.status in ("live", "evaluated")
            item.setCheckState(Qt.Checked if on else Qt.Unchecked)
        self.action_list.blockSignals(False)
        if not self.shop_edit.text():
            self.shop_edit.setText(str(get_setting(db, "shop_name", "") or ""))
        from cxdesk.core.reports.improvement import COLOUR_KEY, LOGO_KEY

        if not self.logo_path:
            self.logo_path = str(get_setting(db, LOGO_KEY, "") or "")
        if not self.colour:
            self.colour = str(get_setting(db, COLOUR_KEY, "") or DEFAULT_COLOUR)
        self._show_look()
        self._update_buttons()
        self._schedule_preview()

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
        self.excel_button.setEnabled(not busy and bool(self.summary_box.chosen_sections()))
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

    # ---------------------------------------------------------------- Excel summary

    def _on_excel_clicked(self) -> None:
        path = self._ask_save_path(self.summary_box.file_name(), _("Excel workbook (*.xlsx)"))
        if path is not None:
            self.export_excel(path)

    def export_excel(self, path: Path):
        """Write the summary to `path` in a background task; returns the task."""
        from cxdesk.core.reports.excel import build_summary

        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        flt = self.summary_box.summary_filter()
        sections = self.summary_box.chosen_sections()
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
        if result.detail_rows == 0 and "details" in self.summary_box.chosen_sections():
            self.message_bar.show_warning(
                _("Saved “{name}”, but there is no feedback in these dates. Choose another date range or channel.").format(
                    name=result.path.name), action_text=_("Open folder"), on_action=lambda: self.open_folder(result.path))

    # ---------------------------------------------------------------- improvement report

    def _shop_name(self) -> str:
        return self.shop_edit.text().strip()

    def _story_name(self, ext: str) -> str:
        return safe_file_name(_("Improvement report") + f"_{date.today().isoformat()}") + ext

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
        colour = self.colour or DEFAULT_COLOUR
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
        colour = QColorDialog.getColor(QColor(self.colour or DEFAULT_COLOUR), self, _("Colour of the report"))
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
        self.numbers_label.setText(facts_html(report))
        fill_quote_list(self.quote_list, report, self.quote_choice)

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
            self.preview.setHtml(f"<p style='color:{theme.REPORT_MUTED}'>{_('Tick one or more actions to see the report here.')}</p>")
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
