"""One day formatter for the window and the command line: ISO days in Chinese, “5 Dec 2026” in English,
never the ambiguous 12/5/2026."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from cxdesk import i18n
from cxdesk.core import formatting as F


@pytest.fixture
def english():
    before = i18n.language()
    i18n.set_language("en")
    yield
    i18n.set_language(before)


def test_chinese_days_and_times():
    assert i18n.language().startswith("zh")
    assert F.day_text(date(2026, 12, 5)) == "2026-12-05"
    assert F.day_text("2026-12-05 14:30:00") == "2026-12-05"
    assert F.time_text("2026-12-05 14:30:00") == "2026-12-05 14:30"
    assert F.time_text(datetime(2026, 3, 1, 9, 5)) == "2026-03-01 09:05"
    assert F.day_range(date(2024, 3, 1), date(2024, 3, 31)) == "2024-03-01 – 2024-03-31"
    assert F.qt_date_format() == "yyyy-MM-dd"


def test_english_days_are_unambiguous(english):
    assert F.day_text(date(2026, 12, 5)) == "5 Dec 2026"
    assert F.time_text("2026-12-05 14:30") == "5 Dec 2026 14:30"
    assert F.day_range(date(2024, 3, 1), date(2024, 3, 31)) == "1 Mar 2024 – 31 Mar 2024"
    assert F.qt_date_format() == "d MMM yyyy"


def test_missing_and_unreadable_values():
    assert F.day_text(None) == F.NONE and F.day_text("") == F.NONE
    assert F.day_text("昨天 10:21") == "昨天 10:21"         # shown as stored, never a traceback
    assert F.time_text("2026-12-05") == "2026-12-05"
    assert F.score_of_100(0.734) == "73/100" and F.score_of_100(None) == F.NONE


def test_short_days_for_ranges_in_tables():
    assert F.short_day_text(date(2026, 12, 5)) == "12-05"
    i18n.set_language("en")
    try:
        assert F.short_day_text(date(2026, 12, 5)) == "5 Dec"
        assert F.short_day_text("2026-03-01 09:00:00") == "1 Mar"
    finally:
        i18n.set_language("zh_CN")


def test_evaluation_table_and_customer_report_never_write_month_slash_day(english):
    from cxdesk.core.reports.improvement_page import long_date

    assert long_date(date(2026, 12, 5)) == "5 Dec 2026"
    i18n.set_language("zh_CN")
    assert long_date(date(2026, 12, 5)) == "2026年12月5日"
