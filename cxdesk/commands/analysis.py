"""CLI commands of the analysis: analyze, topics (figures and dictionary edits), learn."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time

from cxdesk.commands.common import add_command, open_database, print_json
from cxdesk.core.formatting import parse_day
from cxdesk.core.errors import InvalidValueError
from cxdesk.i18n import _, ngettext


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = add_command(sub, parent, "analyze", cmd_analyze, _("score sentiment and topics of feedback not yet analyzed"))
    p.add_argument("--force", action="store_true", help=_("analyze every row again, even rows already analyzed"))

    p = add_command(sub, parent, "topics", cmd_topics,
                    _("show topics with mentions, negative share and keywords; edit the topic dictionary"))
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help=_("only feedback from this day on"))
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help=_("only feedback up to this day"))
    p.add_argument("--examples", metavar="TOPIC", help=_("show the latest reviews that mention TOPIC"))
    p.add_argument("--uncovered", action="store_true",
                   help=_("list complaints no topic covers, grouped by key phrase, new and growing ones first"))
    p.add_argument("-n", type=int, default=5, metavar="N", help=_("how many examples or keywords (default 5)"))
    p.add_argument("--templates", action="store_true", help=_("list the topic templates"))
    p.add_argument("--install", metavar="TEMPLATE", help=_("add the topics of a template (e.g. 酒店/民宿)"))
    p.add_argument("--business", metavar="TEMPLATE",
                   help=_("set the kind of business (a template name) and add its topics"))
    p.add_argument("--add", metavar="TOPIC", help=_("add a topic"))
    p.add_argument("--words", metavar="WORDS",
                   help=_("with --add or --set-words: words that mean the topic, separated by commas"))
    p.add_argument("--set-words", metavar="TOPIC", help=_("replace the words of TOPIC with --words"))
    p.add_argument("--rename", nargs=2, metavar=("OLD", "NEW"), help=_("rename a topic"))
    p.add_argument("--merge", nargs="+", metavar="TOPIC", help=_("merge these topics into --into"))
    p.add_argument("--into", metavar="TOPIC", help=_("with --merge: the topic that remains"))
    p.add_argument("--delete", metavar="TOPIC", help=_("delete a topic and its mentions"))
    p.add_argument("--disable", metavar="TOPIC", help=_("stop assigning a topic (kept, can be enabled again)"))
    p.add_argument("--enable", metavar="TOPIC", help=_("assign a disabled topic again"))
    p.add_argument("--user-words", action="store_true", help=_("list the shop's own words"))
    p.add_argument("--add-word", metavar="WORD", help=_("add a shop word (product, dish) that must stay whole"))
    p.add_argument("--remove-word", metavar="WORD", help=_("remove a shop word"))
    p.add_argument("--no-analyze", action="store_true", help=_("after an edit, do not analyze again right away"))

    p = add_command(sub, parent, "learn", cmd_learn,
                    _("adapt the sentiment model to this shop from ratings and corrections, then analyze again"))


# ---------------------------------------------------------------------------------------------


class _TerminalProgress:
    """Progress on stderr: one rewritten line on a terminal, nothing when redirected."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int, message: str) -> None:
        if not self.tty:
            return
        now = time.monotonic()
        if now - self.last < 0.2 and done < total:
            return
        self.last = now
        pct = int(100 * done / total) if total else 0
        sys.stderr.write(f"\r{message} ({pct}%)\033[K")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _run_analyze(db, force: bool = False):
    from cxdesk.core.analysis import analyze

    progress = _TerminalProgress()
    try:
        return analyze(db, progress, force=force)
    finally:
        progress.close()


def _result_dict(result) -> dict:
    return {"scored": result.scored, "skipped": result.skipped, "topics_assigned": result.topics_assigned,
            "version": result.version, "seconds": round(result.seconds, 3)}


def _analyze_sentence(result) -> str:
    if not result.scored:
        return ngettext("Nothing to analyze: {n} row is up to date.",
                        "Nothing to analyze: all {n} rows are up to date.", result.skipped).format(n=result.skipped)
    return ngettext("Analyzed {n} row ({mentions} topic mentions) in {seconds:.1f} s; {skipped} were up to date.",
                    "Analyzed {n} rows ({mentions} topic mentions) in {seconds:.1f} s; {skipped} were up to date.",
                    result.scored).format(n=result.scored, mentions=result.topics_assigned,
                                          seconds=result.seconds, skipped=result.skipped)


def cmd_analyze(args: argparse.Namespace) -> int:
    db = open_database(args)
    result = _run_analyze(db, force=args.force)
    if args.json:
        print_json(_result_dict(result))
    else:
        print(_analyze_sentence(result))
    return 0


def _edit_topics(db, args: argparse.Namespace) -> list[str]:
    """Apply the editing options; returns one sentence per change made."""
    from cxdesk.core.analysis import topics as T
    from cxdesk.core.storage import set_setting

    done: list[str] = []
    if args.business:
        from cxdesk.core.shop import resolve_business, set_business_type

        name = resolve_business(args.business)
        set_business_type(db, name)   # the previous business template's topics are switched off
        done.append(_("Business type set to {name}; its topics were added.").format(name=name))
    if args.install:
        name = T.resolve_template(args.install)
        T.install_template(db, name)
        done.append(_("Topics of the template {name} were added.").format(name=name))
    if args.add:
        T.add_topic(db, args.add, args.words or ())
        done.append(_("Topic “{name}” added.").format(name=args.add.strip()))
    if args.set_words:
        if args.words is None:
            raise InvalidValueError(_("--set-words needs --words with the new words."))
        T.set_synonyms(db, args.set_words, args.words)
        done.append(_("Words of topic “{name}” replaced.").format(name=args.set_words))
    if args.rename:
        T.rename_topic(db, args.rename[0], args.rename[1])
        done.append(_("Topic “{old}” renamed to “{new}”.").format(old=args.rename[0], new=args.rename[1].strip()))
    if args.merge:
        if not args.into:
            raise InvalidValueError(_("--merge needs --into with the topic that remains."))
        T.merge_topics(db, args.merge, args.into)
        done.append(_("Merged {sources} into “{target}”.").format(sources="、".join(args.merge), target=args.into))
    if args.delete:
        T.delete_topic(db, args.delete)
        done.append(_("Topic “{name}” deleted.").format(name=args.delete))
    if args.disable:
        T.set_topic_enabled(db, args.disable, False)
        done.append(_("Topic “{name}” is no longer assigned.").format(name=args.disable))
    if args.enable:
        T.set_topic_enabled(db, args.enable, True)
        done.append(_("Topic “{name}” is assigned again.").format(name=args.enable))
    if args.add_word:
        T.add_user_word(db, args.add_word)
        done.append(_("Word “{word}” added.").format(word=args.add_word.strip()))
    if args.remove_word:
        T.remove_user_word(db, args.remove_word)
        done.append(_("Word “{word}” removed.").format(word=args.remove_word.strip()))
    return done


def cmd_topics(args: argparse.Namespace) -> int:
    from cxdesk.core.analysis import topics as T
    from cxdesk.core.filters import FeedbackFilter

    from cxdesk.core.storage import is_read_only

    db = open_database(args)
    date_from, date_to = parse_day(args.date_from, "--from"), parse_day(args.date_to, "--to")
    if date_from and date_to and date_from > date_to:
        raise InvalidValueError(_("--from {start} is after --to {end}.").format(start=date_from, end=date_to))
    flt = FeedbackFilter(date_from=date_from, date_to=date_to)

    if args.templates:
        data = [{"name": name, "label": T.template_label(name), "topics": list(topics)}
                for name, topics in T.TEMPLATES.items()]
        if args.json:
            print_json(data)
        else:
            for item in data:
                print(f"{item['name']} ({item['label']}): {'、'.join(item['topics'])}")
        return 0

    if args.user_words:
        words = T.list_user_words(db)
        if args.json:
            print_json(words)
        else:
            print("\n".join(words) if words else _("No shop words yet; add one with --add-word."))
        return 0

    edits = _edit_topics(db, args)
    analyzed = None
    if edits and not args.no_analyze:
        analyzed = _run_analyze(db)
    elif not edits and is_read_only(db):
        sys.stderr.write(_("The database is read-only, so feedback not analyzed yet is not in these figures.") + "\n")
    elif not edits:
        analyzed = _run_analyze(db)  # figures must reflect every row; cheap when nothing is pending

    if args.examples:
        examples = T.topic_examples(db, args.examples, args.n, flt)
        if args.json:
            print_json([dataclasses.asdict(e) for e in examples])
        else:
            if not examples:
                print(_("No reviews mention “{name}” yet.").format(name=args.examples))
            for e in examples:
                print(f"[{e.created_at or '-'}] [{_label_text(e.label)}] {e.text}")
        return 0

    if args.uncovered:
        return _print_uncovered(db, flt, args)

    if edits and args.json:
        print_json({"changes": edits, "analysis": _result_dict(analyzed) if analyzed else None})
        return 0
    if edits:
        for line in edits:
            print(line)
        if analyzed is not None and analyzed.scored:
            print(_analyze_sentence(analyzed))
        return 0

    stats = T.topic_stats(db, flt, top_k=args.n)
    topics = {t.name: t for t in T.list_topics(db)}
    if args.json:
        print_json([{
            "topic": s.name, "mentions": s.mentions, "negative": s.negative, "positive": s.positive,
            "neutral": s.neutral, "negative_share": s.negative_share, "keywords": list(s.keywords),
            "synonyms": list(topics[s.name].synonyms) if s.name in topics else [],
        } for s in stats])
        return 0
    if not stats:
        print(_("There are no topics yet."))
        return 0
    header = (_("Topic"), _("Mentions"), _("Negative share"), _("Keywords"))
    rows = [(s.name, str(s.mentions), f"{s.negative_share:.0%}" if s.mentions else "-", "、".join(s.keywords))
            for s in stats]
    _print_table(header, rows)
    return 0


def _print_uncovered(db, flt, args: argparse.Namespace) -> int:
    from cxdesk.core.analysis.uncovered import RECENT_DAYS, uncovered_complaints

    found = uncovered_complaints(db, flt)
    if args.json:
        print_json([{"phrase": u.phrase, "count": u.count, "recent": u.recent, "examples": list(u.examples)}
                    for u in found])
        return 0
    if not found:
        print(_("No complaints outside the topics: every complaint of this period names a topic."))
        return 0
    header = (_("Complaint"), _("Reviews"), _("Last {n} days").format(n=RECENT_DAYS), _("For example"))
    rows = [(u.phrase, str(u.count), str(u.recent), " / ".join(u.clauses[:2])) for u in found]
    _print_table(header, rows)
    print(_("Make one a topic: cxdesk topics --add PHRASE; or add it to a topic's words with --set-words."))
    return 0


def _label_text(label: str | None) -> str:
    names = {"positive": _("positive"), "neutral": _("neutral"), "negative": _("negative"), "unknown": _("unknown")}
    return names.get(label or "unknown", label or "")


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _print_table(header: tuple, rows: list[tuple]) -> None:
    widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = []
        for i, cell in enumerate(row):
            pad = widths[i] - _width(str(cell))
            cells.append((" " * pad + str(cell)) if i in (1, 2) else (str(cell) + " " * pad))
        print("  ".join(cells).rstrip())


def cmd_learn(args: argparse.Namespace) -> int:
    from cxdesk.core.analysis.learn import learn_from_owner

    db = open_database(args)
    progress = _TerminalProgress()
    try:
        learned = learn_from_owner(db, progress)
    finally:
        progress.close()
    result = _run_analyze(db)
    if args.json:
        learned_data = {k: v for k, v in dataclasses.asdict(learned).items() if _plain(v)}
        print_json({"learn": learned_data, "analysis": _result_dict(result)})
        return 0
    print(learned.message)
    print(_analyze_sentence(result))
    return 0


def _plain(value) -> bool:
    return isinstance(value, (str, int, float, bool, type(None), list, dict, tuple))
