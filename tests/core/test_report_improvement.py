"""The customer-facing improvement report: content, HTML and the announcement text."""

from __future__ import annotations

import html.parser
from datetime import date

import pytest

from cxdesk.core.errors import InvalidValueError, NotFoundError
from cxdesk.core.reports.improvement import announcement_text, build_improvement_report, render_html
from tests.conftest import has_cjk_font
from tests.core.report_fixtures import LIVE, fill_shop


@pytest.fixture
def shop(db):
    info = fill_shop(db)
    return db, info


def test_story_of_a_live_action_uses_the_evaluation(shop):
    db, info = shop
    from cxdesk.core.evaluation import evaluate_action, list_snapshots

    a1, _a2 = info["actions"]
    report = build_improvement_report(db, [a1], shop_name="小满私房菜")
    assert report.shop_name == "小满私房菜"
    (story,) = report.stories
    ev = evaluate_action(db, a1)
    assert story.verdict == ev.verdict == "improved"
    assert story.before_rate == pytest.approx(ev.before.negative_rate, abs=1e-6)
    assert story.after_rate == pytest.approx(ev.after.negative_rate, abs=1e-6)
    assert story.done == "午市和晚市高峰增加两名后厨，提前备好常点菜品。"
    assert story.live_date == LIVE
    assert story.metric == "关于上菜速度的差评 占全部反馈"
    # The numbers come from one saved evaluation, with its date.
    (snap,) = list_snapshots(db, a1)
    assert story.evaluated_at == snap.created_at and story.evaluation_id == snap.id
    assert (story.before.total, story.before.topic_negative) == (ev.before.total, ev.before.topic_negative)
    assert 2 <= len(story.quotes) <= 3
    # Each quote is one of the slow-service complaints, or its part about the topic ("出餐太慢").
    slow = ("上菜太慢了，等了四十分钟", "点完菜半天不上，催了好几次", "出餐太慢，饿得不行")
    assert all(any(q.text in text for text in slow) for q in story.quotes)
    assert "降到了" in story.result and f"{ev.after.negative_rate * 100:.1f}%" in story.result and "减少了" in story.result
    assert story.owner_note   # the evaluation's own sentence
    d = date.fromisoformat(snap.created_at[:10])
    assert f"数字来自我们 {d.year}年{d.month}月{d.day}日 的评估" in render_html(report)
    # Built again with the same feedback: the same saved evaluation, no new one.
    again = build_improvement_report(db, [a1]).stories[0]
    assert again.evaluation_id == snap.id and len(list_snapshots(db, a1)) == 1
    # New feedback in the windows changes the numbers: a fresh evaluation is saved, and stated.
    db.execute("UPDATE feedback SET deleted = 1 WHERE id = (SELECT min(id) FROM feedback WHERE created_at >= ?)",
               [f"{LIVE} 00:00:00"])
    fresh = build_improvement_report(db, [a1]).stories[0]
    assert fresh.evaluation_id != snap.id and len(list_snapshots(db, a1)) == 2
    # A preview never writes.
    db.execute("UPDATE feedback SET deleted = 0")
    preview = build_improvement_report(db, [a1], save=False).stories[0]
    assert preview.evaluation_id is None and len(list_snapshots(db, a1)) == 2


def _add_rows(db, rows):
    """rows: (text, created_at, label, topic_id or None, topic_label)."""
    start = db.execute("SELECT max(id) FROM feedback").fetchone()[0] + 1
    for i, (text, created, label, topic, tlabel) in enumerate(rows):
        fid = start + i
        db.execute("INSERT INTO feedback(id, source_id, text, created_at, dedup_key, model_label, label) "
                   "VALUES (?, 1, ?, ?, ?, ?, ?)", [fid, text, created, f"extra{fid}", label, label])
        if topic:
            db.execute("INSERT INTO feedback_topics(feedback_id, topic_id, label, sentiment) VALUES (?, ?, ?, 0.01)",
                       [fid, topic, tlabel])
    return list(range(start, start + len(rows)))


def test_quotes_are_from_the_before_window_about_the_topic_negative_and_clean(shop):
    db, info = shop
    from cxdesk.core.evaluation import evaluate_action

    a1, _a2 = info["actions"]
    ev = evaluate_action(db, a1)
    inside = f"{ev.before.start} 12:00:00"
    phone, insult, after, praise, other, early = _add_rows(db, [
        ("上菜太慢了，打 13812345678 也没人接，订单号 2024031512345678 等了一小时", inside, "negative", 1, "negative"),
        ("上菜慢得要死，傻逼店", inside, "negative", 1, "negative"),
        ("上菜太慢了，上线后的差评", f"{LIVE} 12:00:00", "negative", 1, "negative"),
        ("上菜很快，点赞", inside, "positive", 1, "positive"),
        ("菜做得很难吃", inside, "negative", None, None),
        ("上菜太慢了，很久以前", "2023-06-01 12:00:00", "negative", 1, "negative"),
    ])
    story = build_improvement_report(db, [a1]).stories[0]
    ids = {q.feedback_id for q in story.candidates}
    assert phone in ids
    assert not ids & {insult, after, praise, other, early}
    for q in story.candidates:
        assert str(ev.before.start) <= q.created_at[:10] <= str(ev.before.end)
        assert db.execute("SELECT 1 FROM feedback_topics WHERE feedback_id = ? AND topic_id = 1 AND label = 'negative'",
                          [q.feedback_id]).fetchone()
    masked = next(q for q in story.candidates if q.feedback_id == phone)
    assert "13812345678" not in masked.text and "2024031512345678" not in masked.text and "***" in masked.text
    # The owner picks the quotes: only those are printed.
    picked = build_improvement_report(db, [a1], quotes={a1: [phone]}).stories[0]
    assert [q.feedback_id for q in picked.quotes] == [phone]
    assert "13812345678" not in render_html(build_improvement_report(db, [a1], quotes={a1: [phone]}))


def test_keyword_action_quotes_only_negative_mentions_of_the_keyword(shop):
    db, _info = shop
    from cxdesk.core.actions import create_action

    salty, fine, oily, later = _add_rows(db, [
        ("菜太咸了，喝了三杯水", "2024-03-20 12:00:00", "negative", 2, "negative"),
        ("服务太差，不过菜不咸，味道刚好", "2024-03-21 12:00:00", "negative", 2, "negative"),
        ("菜太油了", "2024-03-22 12:00:00", "negative", None, None),
        ("还是很咸，难吃", "2024-04-20 12:00:00", "negative", None, None),
    ])
    (long,) = _add_rows(db, [("第二次来了，环境不错，服务员也很热情，点了招牌菜和几个小炒，上菜挺快，可惜这次的"
                              "小炒黄牛肉做得太咸了，喝了好几杯水，希望后厨注意一下，下次再来看看有没有改进，毕竟离家很近也方便", "2024-03-23 12:00:00", "negative",
                              None, None)])
    aid = create_action(db, "少放盐", keywords=["咸"], live_date=LIVE)
    story = build_improvement_report(db, [aid]).stories[0]
    assert [q.feedback_id for q in story.candidates] == [salty, long]
    # A long review is cut to the part about the keyword, and the keyword stays in the quote.
    assert all("咸" in q.text and len(q.text) <= 70 for q in story.candidates)
    assert "环境不错" not in story.candidates[1].text
    assert story.metric == "关于“咸”的差评 占全部反馈"


def test_wording_depends_on_the_verdict(shop):
    db, info = shop
    from cxdesk.core.actions import create_action

    from cxdesk.core.actions import get_action
    from cxdesk.core.reports.improvement import _result_words

    # Service complaints take a larger share once serving complaints fall: worse, told without numbers.
    aid = create_action(db, "服务员培训", topics=["服务"], live_date=LIVE)
    story = build_improvement_report(db, [aid]).stories[0]
    assert story.verdict == "worsened"
    assert "%" not in story.result and "找原因" in story.result
    # No clear change: what was done and what is watched, without statistics.
    text = _result_words(get_action(db, aid), "no_significant_change", "服务", story.before, story.after, -0.1)
    assert "%" not in text and "持续留意" in text and "2024" in text
    page = render_html(build_improvement_report(db, [aid]))
    assert "置信" not in page and "p =" not in page
    # Still collecting: too early, said so.
    late = create_action(db, "新菜单", topics=["服务"], live_date="2024-06-20")
    story = build_improvement_report(db, [late]).stories[0]
    assert story.verdict == "insufficient_data" and "为时过早" in story.result and "%" not in story.result


def test_logo_colour_chart_and_keep_with_next(shop, tmp_path):
    db, info = shop
    import re

    logo = tmp_path / "logo.png"
    logo.write_bytes(bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                                   "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"))
    report = build_improvement_report(db, [info["actions"][0]], logo=logo, colour="#aa3300")
    page = render_html(report)
    assert 'src="data:image/png;base64,' in page and "#aa3300" in page
    assert page.count('bgcolor="#aa3300"') == 1            # the after bar of the chart
    # Every heading opens a section with the content after it, kept together in a browser.
    for m in re.finditer(r"<h[23]>", page):
        opened = page.rfind('<div class="block"', 0, m.start())
        assert opened > page.rfind("</div>", 0, m.start())
    assert "break-inside: avoid" in page
    with pytest.raises(InvalidValueError, match="颜色"):
        build_improvement_report(db, [info["actions"][0]], colour="red")
    with pytest.raises(InvalidValueError, match="图片"):
        build_improvement_report(db, [info["actions"][0]], logo=tmp_path / "logo.txt")


def test_report_json_equals_evaluate_json(shop, tmp_path):
    import json

    from tests.conftest import run_cli

    db, info = shop
    db_path = str(tmp_path / "shop.db")
    a1, _a2 = info["actions"]
    out = run_cli("--db", db_path, "evaluate", str(a1), "--json")
    assert out.returncode == 0, out.stderr
    ev = json.loads(out.stdout)
    target = tmp_path / "r.json"
    out = run_cli("--db", db_path, "report", "--action", str(a1), "--out", str(target), "--shop", "小满私房菜")
    assert out.returncode == 0, out.stderr
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["shop"] == "小满私房菜" and data["generated_at"]
    (a,) = data["actions"]
    assert a["id"] == a1 and a["topics"] == ["上菜速度"] and a["keywords"] == []
    assert a["verdict"] == ev["verdict"] == "improved" and a["metric"] == ev["metric"]
    assert a["live_date"] == ev["live_date"] and a["evaluated_at"]
    for side in ("before", "after"):
        for key in ("start", "end", "total", "topic_negative", "negative_rate"):
            assert a[side][key] == ev[side][key], (side, key)
    assert a["text"] and a["quotes"]
    for q in a["quotes"]:
        assert ev["before"]["start"] <= q["created_at"][:10] <= ev["before"]["end"]
        assert set(q) == {"feedback_id", "text", "created_at"}
    # Another window: the report follows it, and still equals evaluate --json with that window.
    ev14 = json.loads(run_cli("--db", db_path, "evaluate", str(a1), "--window", "14", "--json").stdout)
    out = run_cli("--db", db_path, "report", "--action", str(a1), "--window", "14", "--out", str(target))
    assert out.returncode == 0, out.stderr
    (a,) = json.loads(target.read_text(encoding="utf-8"))["actions"]
    assert a["before"] == {k: ev14["before"][k] for k in ("start", "end", "total", "topic_negative", "negative_rate")}
    assert a["after"]["total"] == ev14["after"]["total"] and a["verdict"] == ev14["verdict"]


def test_action_not_live_yet_and_unknown_ids(shop):
    db, info = shop
    _a1, a2 = info["actions"]
    (story,) = build_improvement_report(db, [a2]).stories
    assert story.verdict == "" and story.after_rate is None
    assert story.result == "我们正在改进中，完成后会第一时间告诉大家。"
    # Quotes never show formula-looking text, phone numbers or @handles.
    for q in story.quotes:
        assert q.text[:1] not in "=+-@" and "138" not in q.text
    with pytest.raises(NotFoundError):
        build_improvement_report(db, [999])
    with pytest.raises(InvalidValueError):
        build_improvement_report(db, [])


def test_shop_name_from_settings(shop):
    db, info = shop
    from cxdesk.core.storage import set_setting

    set_setting(db, "shop_name", "老王面馆")
    report = build_improvement_report(db, info["actions"])
    assert report.shop_name == "老王面馆"
    assert [s.id for s in report.stories] == list(info["actions"])


class _Collect(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_html_is_self_contained_and_escaped(shop):
    db, info = shop
    report = build_improvement_report(db, info["actions"], shop_name="<b>小满</b>")
    page = render_html(report)
    parser = _Collect()
    parser.feed(page)
    assert "script" not in parser.tags and "link" not in parser.tags and "img" not in parser.tags
    assert "<b>小满</b>" not in page and "&lt;b&gt;小满&lt;/b&gt;" in page
    text = "".join(parser.text)
    assert "我们听到了，我们改了" in text
    assert "高峰期加派后厨人手" in text and "=服务员培训" in text
    assert "大家说了什么" in text and "我们做了什么" in text and "效果如何" in text
    assert "http" not in page.replace("http-equiv", "")
    assert 'charset="utf-8"' in page and "Noto Sans CJK SC" in page


def test_announcement_is_short_and_plain(shop):
    db, info = shop
    a1, a2 = info["actions"]
    text = announcement_text(build_improvement_report(db, [a1, a2], shop_name="小满私房菜"))
    assert text.startswith("【我们听到了，我们改了】")
    assert "1. " in text and "2. " in text
    assert "高峰期" in text or "午市和晚市" in text
    assert "降到了" in text
    assert "置信区间" not in text and "p" not in text.lower().replace("http", "")
    assert text.endswith("—— 小满私房菜")
    assert len(text) <= 500


def test_english_report(shop):
    db, info = shop
    from cxdesk.i18n import set_language

    set_language("en")
    report = build_improvement_report(db, [info["actions"][0]])
    page = render_html(report)
    assert "We heard you, and we made changes" in page and 'lang="en"' in page
    assert "fell from" in announcement_text(report)


def test_cli_writes_summary_pdf_html_and_text(shop, tmp_path):
    import json

    from tests.conftest import run_cli

    db, info = shop
    db_path = str(tmp_path / "shop.db")
    a1, a2 = info["actions"]
    out = run_cli("--db", db_path, "report", "--out", str(tmp_path / "汇总.xlsx"), "--from", "2024-03-01",
                  "--to", "2024-03-31", "--granularity", "month", "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["sheets"] == ["本周要点", "概览", "趋势", "主题", "改进措施", "预警", "客户跟进", "明细"]
    assert result["detail_rows"] == db.execute(
        "SELECT count(*) FROM feedback WHERE created_at >= '2024-03-01' AND created_at < '2024-04-01'").fetchone()[0]
    for name in ("r.pdf", "r.html", "r.txt"):
        out = run_cli("--db", db_path, "report", "--action", str(a1), "--action", str(a2), "--shop", "小满私房菜",
                      "--out", str(tmp_path / name))
        if name == "r.pdf" and not has_cjk_font():
            # A PDF of Chinese text without a Chinese font would be blank: refused in one sentence.
            assert out.returncode == 1 and "中文字体" in out.stderr and "Traceback" not in out.stderr
            assert not (tmp_path / name).exists()
            continue
        assert out.returncode == 0, out.stderr
        assert (tmp_path / name).stat().st_size > 0
    if has_cjk_font():
        assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert "高峰期加派后厨人手" in (tmp_path / "r.html").read_text(encoding="utf-8")
    assert (tmp_path / "r.txt").read_text(encoding="utf-8").startswith("【我们听到了，我们改了】")
    out = run_cli("--db", db_path, "report", "--out", str(tmp_path / "two.xlsx"), "--sections", "overview,details",
                  "--channel", "美团", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["sheets"] == ["概览", "明细"]
    bad = run_cli("--db", db_path, "report", "--out", str(tmp_path / "x.xlsx"), "--sections", "charts")
    assert bad.returncode == 1 and "charts" in bad.stderr
    bad = run_cli("--db", db_path, "report", "--out", str(tmp_path / "x.csv"))
    assert bad.returncode == 1 and ".xlsx" in bad.stderr and "Traceback" not in bad.stderr
    bad = run_cli("--db", db_path, "report", "--out", str(tmp_path / "x.xlsx"), "--from", "2024-02-30")
    assert bad.returncode == 1 and "2024-02-30" in bad.stderr
    bad = run_cli("--db", db_path, "report", "--action", "999", "--out", str(tmp_path / "x.pdf"))
    assert bad.returncode == 1 and "999" in bad.stderr


def test_report_says_how_many_complainers_were_told(shop):
    """The customers marked notified on the action in 客户跟进 are counted in the report and its JSON."""
    db, info = shop
    from cxdesk.core import case_notify

    a1, _a2 = info["actions"]
    assert build_improvement_report(db, [a1], save=False).stories[0].customers_told is None
    listed = case_notify.notify_list(db, a1)
    assert len(listed) >= 2
    assert case_notify.mark_notified(db, a1, [n.feedback_id for n in listed[:2]]) == 2
    report = build_improvement_report(db, [a1], save=False)
    assert report.stories[0].customers_told == 2
    from cxdesk.core.reports.improvement import report_json

    assert report_json(report)["actions"][0]["customers_told"] == 2
    assert "告诉了反映过这个问题的 2 位顾客" in render_html(report)
    # Given explicitly, the caller's figure wins.
    assert build_improvement_report(db, [a1], save=False, customers_told={a1: 5}).stories[0].customers_told == 5


def test_a_quote_keeps_the_sentence_of_a_complaint_its_topic_word_only_implies():
    """催了好几次 implies slow serving; quoted alone it would not say what was slow, and would not read negative."""
    from cxdesk.core.analysis.topics import TopicMatcher
    from cxdesk.core.reports.quotes import _focus, _negative_about_topics

    matcher = TopicMatcher([("上菜速度", ["上菜速度"]), ("服务", ["服务"])])
    text = "点完菜半天不上，催了好几次。环境很好，服务员也热情周到，下次还会再来的，推荐大家来试试这里的招牌菜"
    focused = _focus(text, (), ("上菜速度",), matcher)
    assert focused == "点完菜半天不上，催了好几次"
    assert _negative_about_topics([focused], ("上菜速度",), matcher) == [True]
