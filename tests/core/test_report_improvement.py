"""The customer-facing improvement report: content, HTML and the announcement text."""

from __future__ import annotations

import html.parser

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
    from cxdesk.core.analysis import trends
    from cxdesk.core.evaluation import evaluate_action

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
    # What customers said: counted over the evaluation's before-window, by the trends module.
    (voice,) = story.voices
    assert (voice.period_from, voice.period_to) == (ev.before.start, ev.before.end)
    rank = {r.name: r for r in trends.topic_ranking(
        db, trends.FeedbackFilter(date_from=ev.before.start, date_to=ev.before.end))}
    assert voice.negative == rank["上菜速度"].negative_mentions > 0
    assert 2 <= len(story.quotes) <= 3
    assert all(q.text in {"上菜太慢了，等了四十分钟", "点完菜半天不上，催了好几次", "出餐太慢，饿得不行"} for q in story.quotes)
    assert "降到了" in story.result and f"{ev.after.negative_rate * 100:.1f}%" in story.result
    assert story.owner_note   # the evaluation's own sentence, with the interval


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
    assert result["sheets"] == ["概览", "趋势", "主题", "改进措施", "预警", "明细"]
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
