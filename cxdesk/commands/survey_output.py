"""Survey parts of the `import` and `stats` commands: the --nps-column/--csat-column plan and NPS/CSAT output."""

from __future__ import annotations

import argparse

from cxdesk.core.formatting import percent
from cxdesk.i18n import _


def add_import_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--nps-column", metavar="COL",
                   help=_("the recommend question (answers 0–10) of a survey export: a header or a number from 1; "
                          "the file is then imported as survey responses"))
    p.add_argument("--csat-column", metavar="COL",
                   help=_("the satisfaction question (1–5, 1–7 or 1–10) of a survey export: a header or a number from 1"))


def survey_plan(plan, args: argparse.Namespace, column_index):
    """The survey plan of the file, or None for an ordinary review file.

    A questionnaire export is recognised by itself; --nps-column/--csat-column make any file one.
    """
    from cxdesk.core.surveys import detect_survey, survey_for_columns

    nps, csat = getattr(args, "nps_column", None), getattr(args, "csat_column", None)
    if nps or csat:
        _check_columns(plan, nps, csat, column_index)
        return survey_for_columns(plan, nps=nps, csat=csat, column_index=column_index)
    return detect_survey(plan)


class SurveyOptionError(Exception):
    """--nps-column/--csat-column that cannot work; the command prints the sentence and exits with 2."""


def _check_columns(plan, nps: str | None, csat: str | None, column_index) -> None:
    """Refuse one column for both scores, and a named column whose answers are not scores (a time, a text)."""
    from cxdesk.core.surveys.detect import csat_of, is_skipped, score_of

    data = plan.preview_values[plan.header_row + 1:]
    picked: dict[int, str] = {}
    for option, ref, read in (("--nps-column", nps, score_of),
                              ("--csat-column", csat, lambda v: csat_of(v, 10 if score_of(v) is not None else 5))):
        if not ref:
            continue
        idx = column_index(plan, ref)
        if idx in picked:
            raise SurveyOptionError(_("{first} and {second} name the same column “{column}”; the recommend and the "
                                      "satisfaction question are two different columns.").format(
                first=picked[idx], second=option, column=plan.columns[idx]))
        picked[idx] = option
        values = [r[idx] for r in data if idx < len(r) and not is_skipped(r[idx])]
        readable = sum(1 for v in values if read(v) is not None)
        if values and readable * 2 < len(values):
            sample = next(str(v) for v in values if read(v) is None)
            raise SurveyOptionError(_("{option} “{column}”: most answers are not scores (such as “{value}”); name the "
                                      "column that holds the 0–10 or satisfaction answers.").format(
                option=option, column=plan.columns[idx], value=sample[:40]))


def describe_survey(plan, survey) -> list[str]:
    """What the import will do with each question, as the import command prints it."""
    from cxdesk.core.surveys import KIND_LABELS

    lines = [_("File: {file}; read as a questionnaire export ({n} columns).").format(
        file=plan.file_name, n=len(plan.columns))]
    for q in survey.questions:
        if q.kind != "other":
            lines.append(_("{kind} ← “{column}”").format(kind=_(KIND_LABELS[q.kind]), column=q.text))
    if survey.column_of("csat") is not None:
        lines.append(_("Satisfaction scale: 1–{top}").format(top=survey.csat_scale))
    return lines


def add_survey_stats(db, out: dict, flt, granularity: str) -> None:
    """`stats --json`: `nps`, `csat`, `periods[].nps/csat` and the survey breakdowns, when there are responses."""
    from cxdesk.core.analysis import trends
    from cxdesk.core.surveys import by_channel, by_period, by_topic, has_responses, survey_figures

    if not has_responses(db):
        return
    kw = {"date_from": flt.date_from, "date_to": flt.date_to, "channels": flt.channels, "topics": flt.topics}
    total = survey_figures(db, **kw)
    out["nps"] = total.nps.to_dict()
    out["csat"] = total.csat.to_dict()
    periods = {p["start"]: p for p in out["periods"]}
    for pf in by_period(db, granularity, **kw):
        key = pf.start.isoformat()
        if key not in periods:
            periods[key] = trends.Bucket(pf.start, pf.end, trends.Counts()).to_dict()
        periods[key]["nps"] = pf.figures.nps.to_dict()
        periods[key]["csat"] = pf.figures.csat.to_dict()
    for p in periods.values():
        p.setdefault("nps", None)
        p.setdefault("csat", None)
    out["periods"] = [periods[k] for k in sorted(periods)]
    out["surveys"] = {
        "by_channel": {k: v.to_dict() for k, v in by_channel(db, **kw).items()},
        "by_topic": {k: v.to_dict() for k, v in by_topic(db, **kw).items()},
    }
    out.setdefault("definitions", {}).update({
        "nps": "promoters 9-10, passives 7-8, detractors 0-6; %promoters - %detractors",
        "nps_ci95": "normal approximation, multinomial variance (p+ + p- - (p+ - p-)^2) / n",
        "csat": "share of top-2-box answers (4-5 on 1-5, 6-7 on 1-7, 9-10 on 1-10)",
        "csat_ci95": "Wilson 95% interval",
    })


def print_survey_stats(db, flt, granularity: str = "month") -> None:
    """`stats` as text: NPS and CSAT, then the NPS per period, when there are responses."""
    from cxdesk.core.surveys import by_period, has_responses, survey_figures

    if not has_responses(db):
        return
    kw = {"date_from": flt.date_from, "date_to": flt.date_to, "channels": flt.channels, "topics": flt.topics}
    print(nps_sentence(survey_figures(db, **kw)))
    for p in by_period(db, granularity, **kw):
        nps = p.figures.nps
        if nps.value is not None:
            label = p.start.strftime("%Y-%m") if granularity == "month" else p.start.isoformat()
            print("  " + _("{period}: NPS {value:+.1f} ({low:+.1f} to {high:+.1f}), {n} responses").format(
                period=label, value=nps.value, low=nps.ci95[0], high=nps.ci95[1], n=nps.responses))


def nps_sentence(f) -> str:
    if f.nps.value is None:
        nps = _("NPS: no answers to the recommend question")
    else:
        lo, hi = f.nps.ci95
        nps = _("NPS {value:+.1f} (95% interval {low:+.1f} to {high:+.1f}) from {n} responses: "
                "{p} promoters, {a} passives, {d} detractors").format(
            value=f.nps.value, low=lo, high=hi, n=f.nps.responses, p=f.nps.promoters, a=f.nps.passives,
            d=f.nps.detractors)
    if f.csat.value is None:
        return _("{nps}.").format(nps=nps)
    csat = _("CSAT {value} of {n} answers").format(value=percent(f.csat.value / 100), n=f.csat.responses)
    return _("{nps}; {csat}.").format(nps=nps, csat=csat)
