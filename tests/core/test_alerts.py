"""Spike alerts: planted spikes are found, noise and small counts are not, over many random seeds."""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
import pytest

from cxdesk.core.analysis import alerts
from cxdesk.core.analysis.alerts import AlertSettings, poisson_sf, spike_test

NOW = "2024-06-01 00:00:00"


def test_poisson_tail_matches_known_values():
    assert poisson_sf(0, 3.0) == 1.0
    assert poisson_sf(1, 2.0) == pytest.approx(1 - np.exp(-2))
    # P(X >= 30 | 20) = 0.02181... (tables); deep tail stays accurate
    assert poisson_sf(30, 20.0) == pytest.approx(0.021818, rel=1e-3)
    assert 0 < poisson_sf(400, 100.0) < 1e-80


def test_small_counts_never_alert():
    assert not spike_test(4, [2, 2, 2, 2]).is_spike          # 2 -> 4
    assert not spike_test(9, [0, 0, 0, 0]).is_spike          # below the minimum count
    assert spike_test(25, [2, 3, 2, 1, 2, 3, 2, 2]).is_spike  # a real jump from a quiet baseline


def test_planted_doubling_detected_and_noise_quiet_over_many_seeds():
    settings = AlertSettings()
    rng = np.random.default_rng(2024)
    seeds = 600
    found = sum(spike_test(int(rng.poisson(40)), list(rng.poisson(20, 8)), settings).is_spike for _ in range(seeds))
    assert found / seeds >= 0.93  # bench_alerts.py measures the floor (>= 95%) on 2000 seeds
    for lam in (3, 8, 20, 60):
        false = sum(spike_test(int(rng.poisson(lam)), list(rng.poisson(lam, 8)), settings).is_spike
                    for _ in range(seeds))
        assert false / seeds <= 0.06, lam


# ---------------------------------------------------------------------------------------------
# Through the database


def _setup(db):
    db.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (1, 'a', 'a', ?)", [NOW])
    for i, name in enumerate(("物流", "质量", "客服"), 1):
        db.execute("INSERT INTO topics(id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", [i, name, NOW, NOW])


def _add(db, day: date, topic: int, channel: str, n: int, label="negative", source=1):
    for _ in range(n):
        cur = db.execute(
            "INSERT INTO feedback(source_id, text, created_at, channel, label, model_label, dedup_key) "
            "VALUES (?, '差', ?, ?, ?, ?, ?)",
            [source, f"{day.isoformat()} 12:00:00", channel, label, label, f"k{random.random()}"])
        db.execute("INSERT INTO feedback_topics(feedback_id, topic_id, label) VALUES (?, ?, ?)",
                   [cur.lastrowid, topic, label])


def _history(db, rng, last: date, weeks=10, spike=False, per_week=25):
    """Weekly negatives around `per_week` for 物流 and 质量 on two channels; 物流 doubles in the last week."""
    with db.atomic():
        start = last - timedelta(days=7 * weeks - 1)
        for i in range(7 * weeks):
            day = start + timedelta(days=i)
            final_week = day > last - timedelta(days=7)
            for topic in (1, 2):
                lam = per_week / 7 * (2 if (spike and final_week and topic == 1) else 1)
                _add(db, day, topic, "淘宝" if topic == 1 else "京东", int(rng.poisson(lam)))
            _add(db, day, 3, "京东", int(rng.poisson(3)), label="positive")


def test_run_alerts_finds_planted_spike_and_keeps_dismissal(db):
    _setup(db)
    rng = np.random.default_rng(11)
    last = date(2024, 5, 26)  # a Sunday: the latest week is complete
    _history(db, rng, last, spike=True, per_week=40)
    found = alerts.run_alerts(db)
    keys = {(a.kind, a.key, a.granularity) for a in found}
    assert ("topic", "物流", "week") in keys
    assert ("channel", "淘宝", "week") in keys
    assert not any(a.key in ("质量", "客服", "京东") for a in found)
    a = next(a for a in found if a.key == "物流")
    assert (a.period_start, a.period_end) == (date(2024, 5, 20), last)
    assert a.observed >= 10 and a.ratio > 1.4 and a.p_value < 0.04
    assert "物流" in a.title()
    # the rows behind the alert are exactly the negatives counted
    from cxdesk.core.filters import filter_sql

    where, params = filter_sql(a.feedback_filter())
    assert db.execute(f"SELECT count(*) FROM feedback f WHERE {where}", params).fetchone()[0] == a.observed

    alerts.dismiss_alert(db, a.id)
    assert a.id not in [x.id for x in alerts.list_alerts(db)]
    again = alerts.run_alerts(db)
    assert a.id not in [x.id for x in again]
    kept = [x for x in alerts.list_alerts(db, include_dismissed=True) if x.id == a.id]
    assert kept and kept[0].dismissed

    prefill = alerts.action_prefill_from_alert(next(x for x in again if x.key == "淘宝"), db)
    assert prefill["channels"] == ["淘宝"] and prefill["topics"] == []
    assert len(prefill["feedback_ids"]) == 20 and prefill["title"]


def test_alert_disappears_when_the_spike_is_undone(db):
    _setup(db)
    rng = np.random.default_rng(8)
    last = date(2024, 5, 26)
    _history(db, rng, last, per_week=30)
    before = {(a.kind, a.key) for a in alerts.run_alerts(db)}
    assert ("topic", "质量") not in before
    with db.atomic():
        db.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (2, 'b', 'b', ?)", [NOW])
        _add(db, last - timedelta(days=2), 2, "京东", 40, source=2)
    assert {(a.kind, a.key) for a in alerts.run_alerts(db)} >= {("channel", "京东"), ("topic", "质量")}
    with db.atomic():
        db.execute("UPDATE feedback SET deleted = 1 WHERE source_id = 2")  # the import is undone
    assert {(a.kind, a.key) for a in alerts.run_alerts(db)} == before
    assert {(a.kind, a.key) for a in alerts.list_alerts(db, include_dismissed=True)} == before


def test_partial_week_compares_same_weekdays(db):
    _setup(db)
    rng = np.random.default_rng(9)
    wed = date(2024, 5, 22)
    _history(db, rng, wed, weeks=10, per_week=35)
    # Only Monday–Wednesday of the latest week: the expectation is 3/7 of a week, so no alert.
    assert alerts.find_spikes(db) == []
    with db.atomic():
        _add(db, wed, 1, "淘宝", 25)
    spikes = alerts.find_spikes(db)
    a = next(s for s in spikes if s.key == "物流")
    assert a.period_start == date(2024, 5, 20) and a.period_end == wed
    assert 10 < a.expected < 20


def test_thresholds_are_a_database_setting(db):
    alerts.set_alert_settings(db, AlertSettings(min_count=50))
    assert alerts.alert_settings(db).min_count == 50
    assert not spike_test(40, [5] * 8, alerts.alert_settings(db)).is_spike


def test_empty_database_has_no_alerts(db):
    assert alerts.run_alerts(db) == []
    with pytest.raises(Exception):
        alerts.dismiss_alert(db, 99)
