"""/app/referrals/{id}/print — the 转介单: one A4 page (print stylesheet) with the case number,
the receiving department, the referred codes with their reasons and citations, what the
department is asked to do, the caseworker and how to reach her, a QR code that opens the
referral in the department's inbox (after signing in), and boxes for signature and seal.
Every printing is audited (`referral_printed`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from api.access import visible_referral
from api.deps import PolicyDep, SessionDep
from api.routes.cases import case as read_case
from api.web.auth import PageDep
from api.web.history import department_name
from api.web.templating import render
from ledger.audit import record
from ledger.case_numbers import BEIJING
from ledger.cases import find_case
from ledger.inbox import referral_events
from ledger.referrals import find_referral

router = APIRouter(prefix="/app/referrals/{referral_id}", include_in_schema=False)
ASKED = {  # what the department is asked to do, by the code's status in the assessment
    "urgent": "立即响应：核实情况，依法采取保护措施",
    "eligible": "依规受理并办理",
    "choose_higher": "依规受理，就高享受一项",
    "refer_for_assessment": "开展评估，确认是否符合条件并告知结果",
    "obligation": "依职责落实",
    "info": "告知相关政策",
    "needs_info": "核实尚缺的信息后评估",
}


def qr_code(url: str) -> str:
    """The QR code of a URL as an SVG data URI (an <img>: the CSP allows img-src data:)."""
    import segno  # only when a sheet is printed

    uri: str = segno.make(url, error="m").svg_data_uri(scale=4, border=2)
    return uri


def _results(case: dict[str, Any], codes: list[str]) -> list[dict[str, Any]]:
    """The latest assessment's results for the referred codes (reasons and citations)."""
    if "results" in case:  # the department view
        found: list[dict[str, Any]] = case["results"]
    else:
        latest = case["assessments"][-1]["result"] if case.get("assessments") else {}
        found = latest.get("results", [])
    return [r for r in found if r["code"] in codes]


@router.get("/print")
def print_referral(
    referral_id: str,
    page: PageDep,
    session: SessionDep,
    policy: PolicyDep,
    phone: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """转介单（A4，打印）."""
    page.require("caseworker", "admin", "department")
    referral = visible_referral(page.principal, find_referral(session, referral_id))
    case = read_case(referral.case_id, session, policy, page.principal)
    number = find_case(session, referral.case_id).number or referral.case_id[:8]
    events = referral_events(session, referral.id)
    opener = next((e.actor for e in events if e.from_status is None), "")
    results = _results(case, list(referral.codes))
    link = f"{str(page.request.base_url).rstrip('/')}/app/inbox/{referral.id}"
    record(
        session,
        page.principal,
        "referral_printed",
        case_id=referral.case_id,
        referral_id=referral.id,
        fields=["identity.name", "identity.id_last4"],
    )
    return render(
        page.request,
        "print.html",
        title=f"转介单 {number}",
        number=number,
        referral=referral,
        case=case,
        department=department_name(policy, referral.department),
        results=results,
        asked=[(r["name"]["zh"], ASKED.get(r["status"], "依职责办理")) for r in results],
        caseworker=opener if page.principal.role == "department" else page.principal.name,
        phone="".join(ch for ch in phone if ch.isdigit() or ch in "-+ ()"),
        qr=qr_code(link),
        link=link,
        today=datetime.now(BEIJING).date(),  # the printing day where it is printed
    )
