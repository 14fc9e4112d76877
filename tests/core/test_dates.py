"""Every time form the importer promises, parsed to exact values and precisions."""

from datetime import date, datetime, timedelta, timezone

import pytest

from cxdesk.core.importers.dates import TimeParseError, from_excel_serial, guess_day_first, parse_time

REF = datetime(2024, 3, 10, 15, 30, 0)


def p(value, **kw):
    parsed = parse_time(value, REF, **kw)
    return (parsed.text(), parsed.precision) if parsed else None


@pytest.mark.parametrize("value, expected", [
    ("2024-03-05", ("2024-03-05 00:00:00", "day")),
    ("2024-03-05 14:02", ("2024-03-05 14:02:00", "minute")),
    ("2024-03-05 14:02:33", ("2024-03-05 14:02:33", "second")),
    ("2024-03-05T14:02:33", ("2024-03-05 14:02:33", "second")),
    ("2024-03-05T14:02:33.789", ("2024-03-05 14:02:33", "second")),
    ("2024/3/5 14:02", ("2024-03-05 14:02:00", "minute")),
    ("2024/03/05", ("2024-03-05 00:00:00", "day")),
    ("2024.3.5", ("2024-03-05 00:00:00", "day")),
    ("2024年3月5日 14:02", ("2024-03-05 14:02:00", "minute")),
    ("2024年3月5日", ("2024-03-05 00:00:00", "day")),
    ("2024年03月05日 下午2:02", ("2024-03-05 14:02:00", "minute")),
    ("2024年3月5日14时02分", ("2024-03-05 14:02:00", "minute")),
    ("２０２４年３月５日　１４：０２", ("2024-03-05 14:02:00", "minute")),
    ("2024年3月", ("2024-03-01 00:00:00", "month")),
    ("3月5日 14:02", ("2024-03-05 14:02:00", "minute")),
    ("03-05 14:02", ("2024-03-05 14:02:00", "minute")),
    ("3月5日", ("2024-03-05 00:00:00", "day")),
    # after the reference day: last year, never the future
    ("3月12日 09:00", ("2023-03-12 09:00:00", "minute")),
    ("12-24 20:00", ("2023-12-24 20:00:00", "minute")),
    ("昨天 10:21", ("2024-03-09 10:21:00", "minute")),
    ("今天 08:00", ("2024-03-10 08:00:00", "minute")),
    ("前天", ("2024-03-08 00:00:00", "day")),
    ("前天 23:59", ("2024-03-08 23:59:00", "minute")),
    ("3小时前", ("2024-03-10 12:30:00", "hour")),
    ("5分钟前", ("2024-03-10 15:25:00", "minute")),
    ("2天前", ("2024-03-08 00:00:00", "day")),
    ("半小时前", ("2024-03-10 15:00:00", "hour")),
    ("刚刚", ("2024-03-10 15:30:00", "minute")),
    ("1周前", ("2024-03-03 00:00:00", "week")),
    ("上周", ("2024-02-26 00:00:00", "week")),
    ("2023-08-13 更新于2023-08-14", ("2023-08-13 00:00:00", "day")),
    ("2023-08-13 10:00 追评", ("2023-08-13 10:00:00", "minute")),
    ("24-3-5", ("2024-03-05 00:00:00", "day")),
    ("20240305", ("2024-03-05 00:00:00", "day")),
    ("45356.58472222222", ("2024-03-05 14:02:00", "minute")),
    ("2024-03-05 02:02 PM", ("2024-03-05 14:02:00", "minute")),
])
def test_text_forms(value, expected):
    assert p(value) == expected


def test_iso_with_zone_converts_to_local_time():
    value = "2024-03-05T14:02:00+08:00"
    expected = datetime(2024, 3, 5, 6, 2, tzinfo=timezone.utc).astimezone().replace(tzinfo=None)
    assert p(value) == (expected.isoformat(sep=" "), "second")
    expected_z = datetime(2024, 3, 5, 14, 2, tzinfo=timezone.utc).astimezone().replace(tzinfo=None)
    assert p("2024-03-05 14:02:00Z")[0] == expected_z.isoformat(sep=" ")


def test_excel_serials_1900_and_1904():
    # 45356.5847222 is 2024-03-05 14:02 in the 1900 system; the same date is 1462 days less in 1904.
    assert p(45356.58472222222) == ("2024-03-05 14:02:00", "minute")
    assert p(45356.58472222222 - 1462, epoch1904=True) == ("2024-03-05 14:02:00", "minute")
    assert p(45356) == ("2024-03-05 00:00:00", "day")
    assert from_excel_serial(1.5, epoch1904=True) == datetime(1904, 1, 2, 12, 0)


def test_epoch_seconds_and_milliseconds():
    seconds = datetime(2024, 3, 5, 14, 2, 3).timestamp()
    assert p(int(seconds)) == ("2024-03-05 14:02:03", "second")
    assert p(str(int(seconds))) == ("2024-03-05 14:02:03", "second")
    assert p(int(seconds * 1000)) == ("2024-03-05 14:02:03", "second")


def test_datetime_and_date_cells():
    assert p(datetime(2024, 3, 5, 14, 2, 0, 400000)) == ("2024-03-05 14:02:00", "minute")
    assert p(date(2024, 3, 5)) == ("2024-03-05 00:00:00", "day")


def test_day_or_month_first():
    assert p("03/05/2024") == ("2024-03-05 00:00:00", "day")           # month first by default
    assert p("03/05/2024", day_first=True) == ("2024-05-03 00:00:00", "day")
    assert p("25/12/2023") == ("2023-12-25 00:00:00", "day")           # only possible day first
    assert guess_day_first(["03/05/2024", "25/12/2023"]) is True
    assert guess_day_first(["12/25/2023"]) is False
    assert guess_day_first(["2024-03-05"]) is None


def test_empty_is_none_not_an_error():
    assert parse_time(None, REF) is None
    assert parse_time("   ", REF) is None


@pytest.mark.parametrize("value", ["明年", "abc", "2024-13-45", "2023-02-29", "25:61", "12", "好评", True])
def test_not_times(value):
    with pytest.raises(TimeParseError) as info:
        parse_time(value, REF)
    assert info.value.reason


def test_year_less_feb_29_steps_to_a_leap_year():
    assert parse_time("2月29日", datetime(2025, 3, 1)).value == datetime(2024, 2, 29)
    ref = datetime(2024, 3, 1)
    assert parse_time("2月29日", ref).value == datetime(2024, 2, 29)


def test_relative_never_in_future():
    for value in ("刚刚", "3小时前", "昨天 23:59", "2天前", "上周"):
        assert parse_time(value, REF).value <= REF
    assert parse_time("12-31", REF).value < REF
    assert REF - parse_time("12-31", REF).value < timedelta(days=366)
