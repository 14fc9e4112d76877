"""Questionnaire exports written by code for the survey tests: 问卷星, 腾讯问卷, Google Forms, a typed-in Excel card.

`make_responses` draws a seeded, realistic set of responses (time, store, 0–10 recommend answer, 1–5
satisfaction, two open answers whose wording follows the score); the writers lay them out the way each
tool exports them. The expected NPS per month is counted by hand from the same responses in the tests.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl

GOOD = ["菜品很新鲜，服务员很热情", "环境干净，上菜快", "味道正宗，下次还来", "性价比高，分量足",
        "Great food and friendly staff", "服务周到，孩子很喜欢"]
MEH = ["还可以吧，就是等位有点久", "味道一般，价格偏贵", "环境还行，停车不方便"]
BAD = ["上菜太慢了，等了四十分钟", "服务员态度很差，叫了好几次没人理", "菜是凉的，还有头发", "太贵了，分量很少",
       "卫生间很脏"]
TIPS = ["希望增加儿童座椅", "建议延长营业时间", "可以多出一些新菜", "停车位太少了", "", "", "无"]
STORES = ["五道口店", "望京店", "国贸店"]


@dataclass(frozen=True)
class Response:
    number: int
    submitted: datetime
    seconds: int
    store: str
    nps: int | None
    csat: int | None
    why: str
    tip: str


def make_responses(n: int = 120, *, seed: int = 7, start: datetime = datetime(2024, 1, 3, 9, 0),
                   days: int = 90, skip_nps: int = 0) -> list[Response]:
    """`n` responses over `days` days; the first `skip_nps` answered no recommend question."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        when = start + timedelta(minutes=rng.randrange(days * 24 * 60))
        nps = rng.choices(range(11), weights=[2, 1, 1, 2, 2, 3, 4, 8, 10, 12, 14])[0]
        csat = max(1, min(5, round(nps / 2.2 + rng.choice([-1, 0, 0, 1]))))
        why = rng.choice(GOOD if nps >= 9 else MEH if nps >= 7 else BAD)
        out.append(Response(i + 1, when.replace(second=rng.randrange(60)), rng.randrange(40, 600),
                            rng.choice(STORES), None if i < skip_nps else nps, csat, why, rng.choice(TIPS)))
    out.sort(key=lambda r: r.submitted)
    return [Response(k + 1, *(getattr(r, f) for f in ("submitted", "seconds", "store", "nps", "csat", "why", "tip")))
            for k, r in enumerate(out)]


WJX_HEADER = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "1、您就餐的门店",
              "2、您有多大可能向朋友推荐我们？", "3、您对本次用餐的满意度", "4、您给出这个分数的主要原因是？",
              "5、您对我们还有什么建议或意见？"]


def _wjx_row(r: Response) -> list:
    return [r.number, r.submitted.strftime("%Y/%m/%d %H:%M:%S"), f"{r.seconds}秒", "微信", "N/A",
            f"120.{r.number % 250}.3.{r.number % 7}(北京-北京)", r.store,
            "(跳过)" if r.nps is None else r.nps, r.csat, r.why, r.tip or "(跳过)"]


def write_wjx_xlsx(path: Path, responses: list[Response]) -> Path:
    """问卷星 "按选项序号下载" export: the bookkeeping block, then numbered questions."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(WJX_HEADER)
    for r in responses:
        ws.append(_wjx_row(r))
    wb.save(path)
    return path


def write_wjx_csv(path: Path, responses: list[Response], encoding: str = "gb18030") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(WJX_HEADER)
        for r in responses:
            w.writerow(_wjx_row(r))
    return path


def write_google_csv(path: Path, responses: list[Response]) -> Path:
    """Google Forms "Download responses (.csv)": Timestamp in US order, plain English questions."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Timestamp", "Which store did you visit?",
                    "How likely are you to recommend us to a friend or colleague?",
                    "Overall, how satisfied were you with your visit?", "What is the main reason for your score?"])
        for r in responses:
            w.writerow([r.submitted.strftime("%m/%d/%Y %H:%M:%S"), r.store, "" if r.nps is None else r.nps, r.csat,
                        r.why])
    return path


def write_tencent_xlsx(path: Path, responses: list[Response]) -> Path:
    """腾讯问卷 export: 编号 / 开始答题时间 / 结束答题时间 / 答题时长 / 地理位置..., satisfaction in words."""
    words = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意"}
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["编号", "开始答题时间", "结束答题时间", "答题时长", "地理位置国家和地区", "地理位置省", "地理位置市",
               "自定义字段", "1.您有多大可能向朋友推荐本店？(0-10分)", "2.您对本次服务满意吗？",
               "3.您还有什么想对我们说的？"])
    for r in responses:
        started = r.submitted - timedelta(seconds=r.seconds)
        ws.append([r.number, started.strftime("%Y-%m-%d %H:%M:%S"), r.submitted.strftime("%Y-%m-%d %H:%M:%S"),
                   f"{r.seconds}秒", "中国", "北京", "北京", "", "" if r.nps is None else str(r.nps), words[r.csat],
                   r.why])
    wb.save(path)
    return path


def write_paper_cards(path: Path, responses: list[Response]) -> Path:
    """Comment cards typed into Excel by the staff: a date, a 0–10 score written as `9分`, words for satisfaction."""
    words = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意"}
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["日期", "门店", "推荐意愿(0-10)", "满意度", "意见建议"])
    for r in responses:
        ws.append([r.submitted.date(), r.store, "" if r.nps is None else f"{r.nps}分", words[r.csat], r.why])
    wb.save(path)
    return path


def hand_nps(scores: list[int]) -> float:
    """NPS counted the plain way, for comparison."""
    scores = [s for s in scores if s is not None]
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return 100.0 * (promoters - detractors) / len(scores)
