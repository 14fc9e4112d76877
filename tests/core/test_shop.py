"""The shop's business type and name: stored in the database; the topics follow the business."""

from __future__ import annotations

import pytest

from cxdesk.core import shop
from cxdesk.core.analysis import topics as T
from cxdesk.core.errors import InvalidValueError
from cxdesk.core.storage import get_setting


def enabled(db) -> set[str]:
    return {t.name for t in T.list_topics(db) if t.enabled}


def test_new_database_needs_setup_and_choices_are_in_order(db):
    assert shop.needs_setup(db) is True
    assert shop.shop_profile(db) == shop.ShopProfile(None, "")
    assert shop.BUSINESS_CHOICES == ("餐饮", "电商/零售", "酒店/民宿", "美业/服务", "其他")


def test_ecommerce_first_run_gets_ecommerce_topics_not_restaurant_ones(db):
    changes = shop.set_business_type(db, "电商/零售")
    assert changes.topics
    names = enabled(db)
    assert set(T.TEMPLATES["电商/零售"]) <= names
    assert set(T.TEMPLATES[T.GENERAL_TEMPLATE]) <= names
    assert "上菜速度" not in names and "味道" not in names
    assert shop.needs_setup(db) is False
    assert get_setting(db, "business_type") == "电商/零售"


def test_switching_keeps_owner_topics_and_switching_back_restores(db):
    shop.set_business_type(db, "餐饮")
    T.add_topic(db, "停车", ["停车位"])
    assert "上菜速度" in enabled(db)
    shop.set_business_type(db, "retail")
    names = enabled(db)
    assert "停车" in names and "上菜速度" not in names and set(T.TEMPLATES["电商/零售"]) <= names
    assert "上菜速度" in {t.name for t in T.list_topics(db)}   # switched off, not deleted
    shop.set_business_type(db, "餐饮")
    names = enabled(db)
    assert "上菜速度" in names and "停车" in names
    assert not (set(T.TEMPLATES["电商/零售"]) - set(T.TEMPLATES["餐饮"]) - set(T.TEMPLATES[T.GENERAL_TEMPLATE])) & names


def test_other_business_has_general_topics_only(db):
    shop.set_business_type(db, "其他")
    assert enabled(db) == set(T.TEMPLATES[T.GENERAL_TEMPLATE])
    assert shop.shop_profile(db).business_type == "其他"


def test_unknown_business_is_refused(db):
    with pytest.raises(InvalidValueError):
        shop.set_business_type(db, "火箭发射")
    assert shop.needs_setup(db)


def test_shop_name_is_cleaned_and_stored(db):
    shop.set_shop_name(db, "  老王\u200b  面馆\n ")
    assert shop.shop_profile(db).shop_name == "老王 面馆"
    assert get_setting(db, "shop_name") == "老王 面馆"
    with pytest.raises(InvalidValueError):
        shop.set_shop_name(db, "店" * 41)
    assert shop.shop_profile(db).shop_name == "老王 面馆"


def test_logo_must_be_an_existing_picture(db, tmp_path):
    png = tmp_path / "logo.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n")
    shop.set_logo(db, str(png))
    assert shop.shop_profile(db).logo == str(png.resolve())
    assert get_setting(db, "report_logo") == str(png.resolve())
    with pytest.raises(InvalidValueError):
        shop.set_logo(db, str(tmp_path / "gone.png"))
    with pytest.raises(InvalidValueError):
        shop.set_logo(db, str(tmp_path / "notes.txt"))
    assert shop.shop_profile(db).logo == str(png.resolve())
    shop.set_logo(db, "")
    assert shop.shop_profile(db).logo == ""


def test_cli_shop_sets_and_shows(tmp_path, capsys):
    import json

    from cxdesk.cli import main
    from cxdesk.core.storage import open_db

    path = tmp_path / "s.db"
    assert main(["--db", str(path), "shop", "--business", "电商", "--name", "小美服饰", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["business_type"] == "电商/零售" and out["shop_name"] == "小美服饰" and out["logo"] == ""
    assert main(["--db", str(path), "topics", "--business", "餐饮", "--no-analyze"]) == 0
    capsys.readouterr()
    db = open_db(path)
    try:
        assert "物流" not in enabled(db) and "上菜速度" in enabled(db)
    finally:
        db.close()
    assert main(["--db", str(path), "shop", "--business", "火箭", "--lang", "en"]) == 1
    assert "no topic template" in capsys.readouterr().err
    assert main(["--db", str(path), "--lang", "en", "shop"]) == 0
    text = capsys.readouterr().out
    assert "小美服饰" in text and ("Restaurant" in text or "餐饮" in text)
