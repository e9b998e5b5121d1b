"""The Jinja2 templates of the workbench and the filters they share (dates in Chinese,
Beijing time, status words)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.web.assets import ASSETS
from ledger.case_numbers import BEIJING
from ledger.referrals import STATUS_ZH as REFERRAL_STATUS_ZH

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")

STATUS_ZH = {
    "urgent": "紧急",
    "choose_higher": "择高申领",
    "eligible": "符合条件",
    "refer_for_assessment": "转介评估",
    "obligation": "部门职责",
    "info": "告知",
    "needs_info": "需补充信息",
}


def zh_date(value: date | datetime | str | None) -> str:
    """2025-06-01 → 2025年6月1日 (a datetime is first put in Beijing time)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(BEIJING).date() if value.tzinfo else value.date()
    return f"{value.year}年{value.month}月{value.day}日"


def beijing(value: datetime | str | None) -> str:
    """A UTC time stamp as Beijing time: 2025年6月1日 16:05（北京时间）."""
    if value is None or value == "":
        return ""
    stamp = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = stamp.astimezone(BEIJING)
    return f"{zh_date(local.date())} {local:%H:%M}（北京时间）"


templates.env.filters["zh_date"] = zh_date
templates.env.filters["beijing"] = beijing
templates.env.globals["STATUS_ZH"] = STATUS_ZH
templates.env.globals["REFERRAL_ZH"] = REFERRAL_STATUS_ZH
templates.env.globals["asset"] = ASSETS.__getitem__


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page (or an htmx fragment) with the signed-in person, the navigation and CSRF token."""
    from api.web.auth import page_context

    page = page_context(request)
    return templates.TemplateResponse(
        request,
        template,
        {"page": page, "nav": page.nav if page else [], **context},
        status_code=status_code,
    )
