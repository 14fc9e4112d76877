"""The 主题 screen's edits of the topic dictionary, the questions asked before them, and the background
re-analysis that follows: each edit is one core call from `cxdesk.core.analysis.topics` run as a task."""

from __future__ import annotations

from shiboken6 import isValid
from PySide6.QtWidgets import QMenu, QPushButton

from cxdesk.core.changes import Changes
from cxdesk.i18n import _
from cxdesk.ui.widgets import dialogs


def split_words(text: str) -> list[str]:
    """Words typed by the owner: any of ， 、 , ; ； spaces or new lines separates them."""
    import re

    return [w for w in re.split(r"[\s,，、;；]+", text or "") if w]


class TopicsEditsMixin:
    """Part of TopicsScreen (needs `ctx`, `message_bar`, `topics`, the selection helpers and `reload`)."""


    def _edit(self, fn, select: list[str] | None = None, message: str = ""):
        """Run a dictionary edit in the background; on success reload and re-analyse."""

        def work(db, progress):
            return fn(db)

        task = self.ctx.run_task(work, title=_("Saving topics"))
        self.last_task = task

        def done(changes) -> None:
            if not isValid(self):
                return
            if select is not None:
                self._pending_select = select
            if message:
                self.message_bar.show_success(message, timeout_ms=5000)
            self.ctx.notify(changes if isinstance(changes, Changes) else Changes(topics=True))
            self.reload()
            if isinstance(changes, Changes) and changes.any():
                self.schedule_analysis()
            self.edit_finished.emit(changes)

        task.signals.finished.connect(done)
        task.signals.failed.connect(self.message_bar.show_error)
        return task

    def add_topic(self, name: str, synonyms: list[str] | str = ()):
        from cxdesk.core.analysis import topics

        return self._edit(lambda db: topics.add_topic(db, name, synonyms), [name.strip()],
                          _("Topic “{name}” added.").format(name=name.strip()))

    def rename_selected(self, new: str):
        topic = self.current_topic()
        if topic is None:
            return None
        from cxdesk.core.analysis import topics

        return self._edit(lambda db: topics.rename_topic(db, topic.name, new), [new.strip()],
                          _("“{old}” is now called “{new}”; the old name stays one of its words.").format(
                              old=topic.name, new=new.strip()))

    def merge_selected_into(self, target: str):
        names = self.selected_names()
        if not names:
            return None
        from cxdesk.core.analysis import topics

        return self._edit(lambda db: topics.merge_topics(db, names, target), [target.strip()],
                          _("Merged into “{name}”.").format(name=target.strip()))

    def delete_selected(self):
        names = self.selected_names()
        if not names:
            return None
        from cxdesk.core.analysis import topics

        return self._edit(_for_each(topics.delete_topic, names), [], _("Deleted: {names}").format(names="、".join(names)))

    def save_synonyms(self):
        topic = self.current_topic()
        if topic is None:
            return None
        from cxdesk.core.analysis import topics

        words = split_words(self.synonyms_edit.toPlainText())
        return self._edit(lambda db: topics.set_synonyms(db, topic.name, words), [topic.name],
                          _("Words of “{name}” saved.").format(name=topic.name))

    def _on_enabled_clicked(self, checked: bool) -> None:
        self.set_selected_enabled(checked)

    def set_selected_enabled(self, enabled: bool):
        topic = self.current_topic()
        if topic is None:
            return None
        from cxdesk.core.analysis import topics

        return self._edit(lambda db: topics.set_topic_enabled(db, topic.name, enabled), [topic.name])

    def add_word(self, word: str):
        from cxdesk.core.analysis import topics

        return self._edit(lambda db: topics.add_user_word(db, word), None,
                          _("“{word}” will be read as one word.").format(word=word.strip()))

    def add_word_from_edit(self):
        word = self.word_edit.text().strip()
        if not word:
            return None
        self.word_edit.clear()
        return self.add_word(word)

    def remove_selected_words(self):
        words = [i.text() for i in self.user_words.selectedItems()]
        if not words:
            return None
        from cxdesk.core.analysis import topics

        return self._edit(_for_each(topics.remove_user_word, words), None)

    def set_business(self, business: str):
        """Another kind of business: its template's topics come in, the previous template's go quiet,
        the owner's own topics stay; the feedback is read again."""
        from cxdesk.core.shop import business_label, set_business_type

        return self._edit(lambda db: set_business_type(db, business), None,
                          _("Topics now follow “{business}”; the feedback is read again.").format(
                              business=business_label(business)))

    def make_topic_of(self, phrase: str):
        """A complaint no topic covers becomes a topic of its own."""
        from cxdesk.core.analysis import uncovered

        return self._edit(lambda db: uncovered.make_topic(db, phrase), [phrase],
                          _("“{phrase}” is now a topic; the feedback is read again.").format(phrase=phrase))

    def add_phrase_to_topic(self, phrase: str, topic: str):
        """A complaint no topic covers becomes one more word of `topic`."""
        from cxdesk.core.analysis import uncovered

        return self._edit(lambda db: uncovered.add_to_topic(db, phrase, topic), [topic],
                          _("“{phrase}” is now a word of “{topic}”; the feedback is read again.").format(
                              phrase=phrase, topic=topic))

    # ---------------------------------------------------------------- dialogs around the edits

    def _ask_add_to_topic(self, phrase: str, button: QPushButton) -> None:
        menu = QMenu(self)
        for name in sorted(n for n, t in self.topics.items() if t.enabled):
            menu.addAction(name, lambda n=name: self.add_phrase_to_topic(phrase, n))
        if menu.isEmpty():
            self.message_bar.show_error(_("There are no topics yet; make the phrase a topic instead."))
            return
        menu.exec(button.mapToGlobal(button.rect().bottomLeft()))

    def _ask_add(self) -> None:
        name, ok = dialogs.ask_text(self, _("New topic"), _("Name of the topic, e.g. 上菜速度:"))
        if ok and name.strip():
            self.add_topic(name)

    def _ask_rename(self) -> None:
        topic = self.current_topic()
        if topic is None:
            return
        name, ok = dialogs.ask_text(self, _("Rename topic"), _("New name for “{name}”:").format(name=topic.name),
                                    topic.name)
        if ok and name.strip() and name.strip() != topic.name:
            self.rename_selected(name)

    def _ask_merge(self) -> None:
        names = self.selected_names()
        if not names:
            return
        choices = sorted(self.topics)
        target, ok = dialogs.ask_item(
            self, _("Merge topics"),
            _("Merge {names} into (pick a topic or type a new name):").format(names="、".join(names)),
            choices, choices.index(names[0]) if names[0] in choices else 0)
        if ok and target.strip():
            self.merge_selected_into(target)

    def _ask_delete(self) -> None:
        names = self.selected_names()
        if not names:
            return
        if dialogs.ask_yes_no(
                self, _("Delete topics"),
                _("Delete {names}? Feedback stays; it is just no longer counted under these topics.").format(
                    names="、".join(names))):
            self.delete_selected()

    # ---------------------------------------------------------------- background re-analysis

    def schedule_analysis(self) -> None:
        """Re-read the feedback with the new dictionary (once more if edits arrive meanwhile)."""
        if self.analysis_task is not None and not self.analysis_task.done.is_set():
            self._analysis_pending = True
            return
        from cxdesk.core.analysis import analyze

        task = self.ctx.run_task(lambda db, p: analyze(db, p), title=_("Re-analysing feedback"))
        self.analysis_task = task
        self.analysis_label.setText(_("Re-reading the feedback with the new words…"))
        task.signals.progressed.connect(self._on_analysis_progress)
        task.signals.finished.connect(self._on_analysis_finished)
        task.signals.failed.connect(self._on_analysis_failed)
        task.signals.cancelled.connect(self._on_analysis_cancelled)
        task.signals.ended.connect(self._on_analysis_ended)

    def _on_analysis_progress(self, done: int, total: int, message: str) -> None:
        if not isValid(self):
            return  # the screen was closed while the task ran
        pct = int(100 * done / total) if total else 0
        self.analysis_label.setText(_("Re-reading the feedback with the new words… {pct}%").format(pct=pct))

    def _on_analysis_finished(self, _result) -> None:
        if not isValid(self):
            return  # the screen was closed while the task ran
        self.analysis_label.setText(_("All feedback has been read with the current words."))
        self.ctx.notify(Changes(feedback=True, topics=True, alerts=True))

    def _on_analysis_failed(self, message: str) -> None:
        if not isValid(self):
            return
        self.analysis_label.setText(_("The re-analysis stopped; the words are saved. Edit again or restart to retry."))
        self.message_bar.show_error(message)

    def _on_analysis_cancelled(self) -> None:
        if isValid(self):
            self.analysis_label.setText(_("The re-analysis was cancelled; the words are saved."))

    def _on_analysis_ended(self) -> None:
        if not isValid(self):
            return  # the screen was closed while the task ran
        self.analysis_task = None
        if self._analysis_pending:
            self._analysis_pending = False
            self.schedule_analysis()


def _for_each(edit, items: list[str]):
    """A database call that applies `edit(db, item)` to every item and returns all that changed."""
    def fn(db):
        changes = Changes()
        for item in items:
            changes = changes | edit(db, item)
        return changes

    return fn
