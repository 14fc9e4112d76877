"""Before/after evaluation: the statistics, their calibration over many seeds, and the database path."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest

from cxdesk.core import actions, board, evaluation as ev
from cxdesk.core.errors import InvalidValueError

from eval_data import LIVE, plant

B0, B1 = LIVE - timedelta(days=28), LIVE - timedelta(days=1)
A0, A1 = LIVE, LIVE + timedelta(days=27)
LATER = LIVE + timedelta(days=60)


# --- pure statistics -------------------------------------------------------------------------

def test_wilson_known_values():
    lo, hi = ev.wilson_interval(10, 100)
    assert (round(lo, 4), round(hi, 4)) == (0.0552, 0.1744)
    assert ev.wilson_interval(0, 0) == (0.0, 1.0)


def test_newcombe_matches_published_example():
    # Newcombe (1998), Table II example (h): 56/70 vs 48/80 -> difference 0.2, interval 0.0524 to 0.3339
    lo, hi = ev.newcombe_interval(48, 80, 56, 70)
    assert (round(lo, 4), round(hi, 4)) == (0.0524, 0.3339)


def test_fisher_exact_known_value():
    # The tea-tasting table [[3, 1], [1, 3]]: two-sided p = 0.4857
    assert round(ev.fisher_exact(3, 4, 1, 4), 4) == 0.4857
    assert round(ev.fisher_exact(0, 10, 7, 10), 5) == round(ev.fisher_exact(7, 10, 0, 10), 5)
    assert ev.fisher_exact(0, 10, 7, 10) < 0.01


def test_small_counts_use_exact_test():
    assert ev.compare_proportions(1, 30, 6, 30)[1] == "fisher"
    assert ev.compare_proportions(200, 1000, 150, 1000)[1] == "z"


def test_z_test_matches_hand_computation():
    p = ev.two_proportion_z(200, 1000, 150, 1000)
    pooled = 0.175
    z = 0.05 / math.sqrt(pooled * (1 - pooled) * 2 / 1000)
    assert p == pytest.approx(math.erfc(z / math.sqrt(2)))


# --- calibration over seeds (counts drawn like the database would give them) -------------------

def _windows(rng, n, p_before, p_after, c_before, c_after, mention=0.05):
    """Multinomial rows per window: negative mention / positive mention / other (negative with prob c)."""
    out = []
    for p, c, (s, e) in ((p_before, c_before, (B0, B1)), (p_after, c_after, (A0, A1))):
        neg, pos, other = rng.multinomial(n, [p, mention, 1 - p - mention])
        cneg = rng.binomial(other, c)
        out.append(ev.window_stats(s, e, total=n, topic_negative=int(neg), topic_mentions=int(neg + pos),
                                   control_total=int(other), control_negative=int(cneg)))
    return out


def _run(seeds, n, pb, pa, cb, ca):
    rng = np.random.default_rng(20240601)
    covered, verdicts = 0, {}
    for _s in range(seeds):
        before, after = _windows(rng, n, pb, pa, cb, ca)
        c = ev.compare_windows(before, after, today=LATER, last_data=A1)
        covered += c.ci95[0] <= pa - pb <= c.ci95[1]
        verdicts[c.verdict] = verdicts.get(c.verdict, 0) + 1
    return covered / seeds, verdicts


def test_interval_covers_planted_effect_about_95_percent():
    coverage, verdicts = _run(400, 600, 0.06, 0.03, 0.15, 0.15)
    assert 0.92 <= coverage <= 0.98, coverage
    assert verdicts.get("worsened", 0) == 0


def test_no_effect_gives_no_significant_change():
    coverage, verdicts = _run(400, 600, 0.05, 0.05, 0.15, 0.15)
    assert verdicts.get("no_significant_change", 0) >= 0.95 * 400, verdicts
    assert 0.92 <= coverage <= 0.98


def test_halving_with_many_events_is_found():
    _cov, verdicts = _run(200, 2000, 0.05, 0.025, 0.15, 0.15)
    assert verdicts.get("improved", 0) >= 0.9 * 200, verdicts


def test_season_moving_everything_is_not_credited():
    # Everything halves after go-live (e.g. the holiday rush ended): the topic alone shows a clear drop.
    _cov, verdicts = _run(200, 1500, 0.08, 0.04, 0.20, 0.10)
    assert verdicts.get("improved", 0) <= 0.05 * 200, verdicts


# --- through the database ----------------------------------------------------------------------

@pytest.fixture
def planted(db):
    def make(seed=1, **kw):
        params = dict(n_before=800, n_after=800, p_before=0.08, p_after=0.08, c_before=0.15, c_after=0.15)
        params.update(kw)
        plant(db, seed, **params)
        if not db.execute("SELECT 1 FROM actions").fetchone():
            actions.create_action(db, "换快递", topics=["物流"], live_date=LIVE)
        return 1
    return make


def test_counts_from_database_are_exact(db, planted):
    aid = planted(p_before=0.1, p_after=0.05)
    r = ev.evaluate_action(db, aid, today=LATER)
    want = db.execute(
        "SELECT count(*), sum(EXISTS (SELECT 1 FROM feedback_topics ft WHERE ft.feedback_id = f.id "
        "AND ft.label = 'negative')), sum(EXISTS (SELECT 1 FROM feedback_topics ft WHERE ft.feedback_id = f.id)) "
        "FROM feedback f WHERE created_at >= ? AND created_at < ?", [f"{B0} 00:00:00", f"{LIVE} 00:00:00"]).fetchone()
    assert (r.before.total, r.before.topic_negative, r.before.topic_mentions) == tuple(want)
    assert r.before.start == B0 and r.before.end == B1 and r.after.start == A0 and r.after.end == A1
    assert r.before.total == 800 and r.after.total == 800
    assert r.verdict == "improved"
    assert r.ci95[0] < r.difference < r.ci95[1] < 0
    assert r.examples_before and all("物流" in e.text for e in r.examples_before)
    assert r.examples_before[0].label == "negative"
    data = r.to_json()
    for key in ("verdict", "before", "after", "difference", "ci95", "p_value", "did"):
        assert key in data
    for key in ("start", "end", "total", "topic_mentions", "topic_negative", "negative_rate"):
        assert key in data["before"]
    assert len(data["did"]["relative_ci95"]) == 2
    assert -1 <= data["did"]["relative_ci95"][0] <= data["did"]["relative"] <= data["did"]["relative_ci95"][1]


def test_deleted_rows_are_left_out(db, planted):
    aid = planted()
    n = ev.evaluate_action(db, aid, today=LATER).before.total
    db.execute("UPDATE feedback SET deleted = 1 WHERE id IN (SELECT id FROM feedback WHERE created_at < ? LIMIT 50)",
               [f"{LIVE} 00:00:00"])
    assert ev.evaluate_action(db, aid, today=LATER).before.total == n - 50


def test_season_in_database_not_credited(db, planted):
    credited = 0
    for seed in range(12):
        aid = planted(seed, n_before=1500, n_after=1500, p_before=0.08, p_after=0.04, c_before=0.2, c_after=0.1)
        r = ev.evaluate_action(db, aid, today=LATER)
        credited += r.verdict == "improved"
        if r.reason == "control_moved":
            assert "其他反馈" in ev.plain_verdict(r)
    assert credited <= 1


def test_after_window_not_complete_says_when(db, planted):
    aid = planted(p_before=0.1, p_after=0.02)
    r = ev.evaluate_action(db, aid, today=LIVE + timedelta(days=10))
    assert r.verdict == "insufficient_data" and r.reason == "after_window_incomplete"
    assert r.complete_on == LIVE + timedelta(days=28)
    assert "2024-06-28" in ev.plain_verdict(r) and "2024-06-29 起可以再评估" in ev.next_step(r)
    data = r.to_json()
    assert data["difference"] is not None and data["after"]["total"] > 0


def test_small_windows_give_insufficient_data(db, planted):
    aid = planted(n_before=20, n_after=20, p_before=0.3, p_after=0.0)
    r = ev.evaluate_action(db, aid, today=LATER)
    assert (r.verdict, r.reason) == ("insufficient_data", "too_few_rows")
    aid = planted(n_before=300, n_after=300, p_before=0.01, p_after=0.0)
    r = ev.evaluate_action(db, aid, today=LATER)
    assert (r.verdict, r.reason) == ("insufficient_data", "too_few_events")
    r = ev.evaluate_action(db, aid, window_days=3, today=LATER)
    assert r.verdict == "insufficient_data"


def test_no_recent_data(db, planted):
    aid = planted()
    db.execute("DELETE FROM feedback WHERE created_at >= ?", [f"{LIVE + timedelta(days=10)} 00:00:00"])
    r = ev.evaluate_action(db, aid, today=LATER)
    assert (r.verdict, r.reason) == ("insufficient_data", "no_recent_data")


def test_lag_moves_the_after_window(db, planted):
    aid = planted()
    r = ev.evaluate_action(db, aid, window_days=14, lag_days=7, today=LATER)
    assert r.after.start == LIVE + timedelta(days=7) and r.after.end == LIVE + timedelta(days=20)
    assert r.before.start == LIVE - timedelta(days=14)
    with pytest.raises(InvalidValueError):
        ev.evaluate_action(db, aid, window_days=0)


def test_keywords_and_channels(db, planted):
    planted(p_before=0.1, p_after=0.1)
    aid = actions.create_action(db, "少放盐", keywords=["味道"], live_date=LIVE)
    r = ev.evaluate_action(db, aid, today=LATER)
    want = db.execute("SELECT count(*) FROM feedback WHERE text LIKE '%味道%' AND created_at < ? AND created_at >= ?",
                      [f"{LIVE} 00:00:00", f"{B0} 00:00:00"]).fetchone()[0]
    assert r.before.topic_negative == want > 0
    db.execute("UPDATE feedback SET channel = CASE WHEN id % 2 THEN '美团' ELSE '抖音' END")
    cid = actions.create_action(db, "美团包装", topics=["物流"], channels=["美团"], live_date=LIVE)
    assert ev.evaluate_action(db, cid, today=LATER).before.total == 400


def test_unlinked_or_not_live_action_is_refused(db, planted):
    planted()
    with pytest.raises(InvalidValueError, match="主题或关键词"):
        actions.create_action(db, "无主题", live_date=LIVE)
    aid = actions.create_action(db, "无主题")
    with pytest.raises(InvalidValueError, match="主题或关键词"):
        board.move_action(db, aid, "live", date=LIVE)
    db.execute("UPDATE actions SET status = 'live', live_date = ? WHERE id = ?", [LIVE.isoformat(), aid])
    with pytest.raises(InvalidValueError):
        ev.evaluate_action(db, aid)   # an old database may hold one: refused in one sentence
    bid = actions.create_action(db, "未上线", topics=["物流"])
    with pytest.raises(InvalidValueError):
        ev.evaluate_action(db, bid)


def test_plain_verdict_sentence_in_chinese(db, planted):
    aid = planted(n_before=2000, n_after=2000, p_before=0.124, p_after=0.061)
    r = ev.evaluate_action(db, aid, today=LATER)
    text = ev.plain_verdict(r)
    assert r.metric == "关于物流的差评 占全部反馈"
    assert text.startswith("关于物流的差评 占全部反馈从 ")
    assert "降到" in text and "（−" in text
    assert ev.format_pp(-0.0891) == "−8.9" and ev.format_pp(0.012) == "+1.2" and ev.format_pp(0.0) == "0.0"
    assert ev.format_relative(-0.474) == "−47%" and ev.format_relative(0.25) == "+25%"
    details = " ".join(ev.detail_lines(r))
    assert "有 95% 的把握" in details and "个百分点之间" in details


def test_daily_series_and_snapshot(db, planted):
    aid = planted()
    s = ev.daily_series(db, aid, today=LATER)
    assert s.days[0] < B0 and s.days[-1] == A1   # stops at the newest feedback
    assert sum(s.total) == 1600
    assert len(s.topic_rate) == len(s.days) == len(s.control_rate)
    r = ev.evaluate_action(db, aid, today=LATER)
    inside = [i for i, d in enumerate(s.days) if B0 <= d <= B1]
    assert sum(s.topic_negative[i] for i in inside) == r.before.topic_negative
    assert sum(s.control_negative[i] for i in inside) == r.before.control_negative
    last = len(s.days) - 1
    assert s.topic_rate[last] == pytest.approx(sum(s.topic_negative[-7:]) / sum(s.total[-7:]))
    assert s.topic_rate[0] is None or s.total[0] > 0
    snap = ev.snapshot_evaluation(db, aid, today=LATER)
    stored = ev.list_snapshots(db, aid)
    assert len(stored) == 1 and stored[0].verdict == snap.verdict
    assert stored[0].result["before"]["total"] == 800


def test_badges(db, planted):
    aid = planted(p_before=0.1, p_after=0.03)
    badge = board.badge_for(db, actions.get_action(db, aid), today=LATER)
    assert badge.verdict == "improved" and badge.chip == "有改善" and "（−" in badge.text
    assert badge.metric == "关于物流的差评 占全部反馈"
    early = board.badge_for(db, actions.get_action(db, aid), today=LIVE + timedelta(days=3))
    assert early.verdict == "insufficient_data" and early.chip == "数据不足" and "06-29" in early.text


def test_saved_evaluation_names_its_metric_in_the_running_language(db, planted):
    """A result saved in Chinese keeps its topics, so an English window names the metric in English;
    a result that holds only the name as text keeps that text."""
    from cxdesk.core.reports.data import evaluation_for
    from cxdesk.i18n import language, set_language

    aid = planted(p_before=0.1, p_after=0.03)
    before = language()
    set_language("zh_CN")
    try:
        ev.snapshot_evaluation(db, aid, today=LATER)
        actions.update_action(db, aid, status="evaluated")
        saved = ev.list_snapshots(db, aid)[0].result
        assert saved["metric"] == "关于物流的差评 占全部反馈"
        set_language("en")
        action = actions.get_action(db, aid)
        english = "Negative feedback about 物流 as a share of all feedback"
        assert board.badge_for(db, action, today=LATER).metric == english
        assert evaluation_for(db, action).measure == english
        assert ev.saved_metric_name(saved) == english
        older = {"metric": "关于物流的差评 占全部反馈", "verdict": "improved"}   # the name only, as text
        assert ev.saved_metric_name(older, ("物流",)) == "关于物流的差评 占全部反馈"
        assert ev.saved_metric_name({}, ("物流",)) == english
    finally:
        set_language(before)


# --- verdicts on planted data, the next step and the power behind it ------------------------------

@pytest.mark.parametrize("kw, verdict", [
    (dict(p_before=0.10, p_after=0.04), "improved"),
    (dict(p_before=0.04, p_after=0.10), "worsened"),
    (dict(p_before=0.08, p_after=0.08), "no_significant_change"),
    (dict(n_before=25, n_after=25, p_before=0.3, p_after=0.0), "insufficient_data"),
])
def test_verdict_thresholds_on_planted_data(db, planted, kw, verdict):
    aid = planted(**kw)
    r = ev.evaluate_action(db, aid, today=LATER)
    assert r.verdict == verdict
    assert ev.next_step(r)
    data = r.to_json()
    assert data["verdict"] == verdict and data["next_step"] and data["sentence"] and data["details"]
    if verdict in ("improved", "worsened"):
        assert r.settle is None and (r.relative_change < 0) == (verdict == "improved")
    else:
        assert r.settle is not None


def test_rows_for_power_gives_80_percent_power():
    need = ev.rows_for_power(0.05, 0.3)
    # Fleiss' sample size for 5% vs 3.5%: about 2,830 rows per period.
    assert 2700 < need < 2950
    assert ev.power_of_test(0.05, 0.3, need) == pytest.approx(0.80, abs=0.01)
    assert ev.rows_for_power(0.05, 0.5) < need < ev.rows_for_power(0.05, 0.2)
    assert ev.rows_for_power(0.20, 0.3) < need
    assert ev.rows_for_power(0.0, 0.3) is None and ev.rows_for_power(0.05, 0.0) is None
    # Checked by simulation: the real test finds such a drop in about 80% of shops.
    rng = np.random.default_rng(7)
    found = 0
    for _i in range(400):
        x1, x2 = rng.binomial(need, 0.05), rng.binomial(need, 0.035)
        p, _test = ev.compare_proportions(int(x1), need, int(x2), need)
        found += p < 0.05 and x2 < x1
    assert 0.74 <= found / 400 <= 0.86


def test_no_clear_change_says_how_much_more_feedback_would_settle_it(db, planted):
    aid = planted(n_before=300, n_after=300, p_before=0.10, p_after=0.08)
    r = ev.evaluate_action(db, aid, today=LATER)
    assert r.verdict == "no_significant_change"
    st = r.settle
    assert st.effect in (0.2, 0.3, 0.4, 0.5, 0.6)   # the drop seen, rounded, 20–60% (30% if none)
    assert st.rows_needed == ev.rows_for_power(r.before.negative_rate, st.effect)
    assert st.more_rows == st.rows_needed - r.after.total > 0
    assert st.rows_per_day == pytest.approx(300 / 28)
    assert st.more_days == math.ceil(st.more_rows / st.rows_per_day)
    text = ev.next_step(r)
    assert text.startswith("再收集约 ") and f"才能分辨 {st.effect * 100:.0f}% 的下降。到时" in text
    assert f"{st.more_rows:,}" in text and f"上线前后各 {st.window_days} 天" in text


def test_settle_estimate_beyond_half_a_year_is_not_given_in_weeks(db, planted):
    from dataclasses import replace

    aid = planted(n_before=300, n_after=300, p_before=0.10, p_after=0.08)
    r = ev.evaluate_action(db, aid, today=LATER)
    # A shop with few reviews: 222 more days and a 222-day comparison would be needed.
    slow = replace(r, settle=replace(r.settle, more_days=222, window_days=222, more_rows=2_000))
    text = ev.next_step(slow)
    assert text.startswith("数据太少，约需半年以上")
    assert "周" not in text and "222" not in text
    assert "数据太少" in slow.to_json()["next_step"]
    # Within half a year the estimate is still given in weeks.
    soon = replace(r, settle=replace(r.settle, more_days=150, window_days=150, more_rows=1_500))
    assert ev.next_step(soon).startswith("再收集约 21 周")


def test_after_window_without_data_shows_no_changes(db, planted):
    aid = planted()
    db.execute("DELETE FROM feedback WHERE created_at >= ?", [f"{LIVE} 00:00:00"])
    r = ev.evaluate_action(db, aid, today=LIVE + timedelta(days=5))
    data = r.to_json()
    assert r.verdict == "insufficient_data" and not r.comparable
    assert data["difference"] is None and data["ci95"] is None and data["relative_change"] is None
    assert data["did"] is None and data["control"]["difference"] is None
    assert ev.next_step(r).startswith("再收集约 ")
    badge = board.badge_for(db, actions.get_action(db, aid), today=LIVE + timedelta(days=5))
    assert "→" not in badge.text and "06-29" in badge.text


def test_daily_series_has_no_part_window_values(db, planted):
    aid = planted()
    s = ev.daily_series(db, aid, today=LATER)
    first = min(i for i, t in enumerate(s.total) if t)
    # No value before the 7-day window is full of data, so no false spike or drop to zero at the start.
    assert all(v is None for v in s.topic_rate[:first + s.smooth_days - 1])
    assert all(v is None for v in s.control_rate[:first + s.smooth_days - 1])
    assert s.topic_rate[first + s.smooth_days - 1] is not None
    assert s.last_day == A1


def test_a_tiny_steady_control_does_not_hide_a_real_change():
    # A broad topic (服务) leaves few rows outside it: 7 and 4 negative ones cannot tell a season apart,
    # so the plain, significant fall counts. A control as large as the topic, moving the same way, does.
    before = ev.window_stats(B0, B1, total=500, topic_negative=101, control_total=146, control_negative=7)
    after = ev.window_stats(A0, A1, total=500, topic_negative=73, control_total=147, control_negative=4)
    c = ev.compare_windows(before, after, today=LATER, last_data=A1)
    assert c.p_value < 0.05 and c.did.ratio_ci95[1] > 1
    assert (c.verdict, c.reason) == ("improved", "significant")
    before = ev.window_stats(B0, B1, total=500, topic_negative=101, control_total=300, control_negative=150)
    after = ev.window_stats(A0, A1, total=500, topic_negative=73, control_total=300, control_negative=110)
    c = ev.compare_windows(before, after, today=LATER, last_data=A1)
    assert (c.verdict, c.reason) == ("no_significant_change", "control_moved")
