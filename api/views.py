"""What the ledger routes answer, as response models: cases, referrals, the review queue,
the summary report, tokens and the audit log (the ledger builds the data, api/routes hands
it to FastAPI, which checks it against these models and describes them in /openapi.json)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine import EvaluationResult
from ledger.principal import Role

CaseStatus = Literal["open", "closed"]
ReferralStatus = Literal[
    "open", "accepted", "in_progress", "completed", "declined", "withdrawn", "no_longer_indicated"
]
Stamp = str  # an ISO 8601 time stamp (UTC), as the ledger stored it
STAMP = Field(description="时间（ISO 8601，UTC）/ a time stamp")


class _Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class Identity(_Out):
    """Identity as shown: the masked name and the last four characters of the ID number."""

    name: str | None = Field(description="脱敏姓名 / masked name")
    id_last4: str | None = Field(description="身份证号后四位 / last four of the ID")


class CaseSummary(_Out):
    """A case as listed."""

    id: str
    number: str | None = Field(
        default=None, description="个案号（如 430121-2025-000123）/ the case's short number"
    )
    region_code: str | None = Field(description="行政区划代码 / region code")
    village: str
    identity: Identity
    status: CaseStatus
    version: int = Field(description="画像版本（If-Match 用）/ profile version (If-Match)")
    hardship: bool = Field(description="是否困难群体 / in the hardship group")
    next_review_due: dt.date | None
    created_at: Stamp = STAMP
    updated_at: Stamp = STAMP


class HistoryEntry(_Out):
    """One move of a referral."""

    from_: ReferralStatus | None = Field(alias="from")
    to: ReferralStatus
    note: str | None
    actor: str
    at: Stamp = STAMP


class ReferralOut(_Out):
    """A referral as shown (with its history in a case and after a transition)."""

    id: str
    case_id: str
    department: str
    region_code: str | None = Field(description="行政区划代码 / region code")
    codes: list[str]
    status: ReferralStatus
    urgent: bool
    created_at: Stamp = STAMP
    updated_at: Stamp = STAMP
    version: int | None = Field(
        default=None, description="转介版本（其经过的步数；转介的 If-Match）/ its ETag"
    )
    history: list[HistoryEntry] | None = None


class AssessmentOut(_Out):
    """An assessment receipt: the result as it was recorded (EvaluationResult)."""

    id: int
    profile_version: int
    as_of: dt.date
    policy_version: str
    reason: str
    created_at: Stamp = STAMP
    actor: str
    result: dict[str, Any] = Field(description="当时的评估结果（EvaluationResult）")


class CaseDetail(CaseSummary):
    """A case: its current profile, every assessment, every referral and its history."""

    profile: dict[str, Any] = Field(description="当前画像（不含姓名、身份证号）/ the profile")
    assessments: list[AssessmentOut]
    referrals: list[ReferralOut]


class DepartmentCaseView(_Out):
    """What a department sees of a case referred to it: the facts its codes read."""

    id: str
    region_code: str | None = Field(description="行政区划代码 / region code")
    village: str
    identity: Identity
    status: CaseStatus
    profile: dict[str, Any] = Field(description="本部门转介事项所需的事实 / facts read")
    results: list[dict[str, Any]] = Field(description="本部门事项的评估结果 / results")
    referrals: list[ReferralOut]


class OpenedReferral(_Out):
    """A referral a create, update or reassess opened or kept."""

    id: str
    department: str
    codes: list[str]
    status: ReferralStatus
    urgent: bool


class CodeChange(_Out):
    """A code whose status changed."""

    code: str
    from_: str = Field(alias="from")
    to: str


class Changes(_Out):
    """What a new profile version or reassessment changed."""

    gained: list[str]
    lost: list[str]
    changed: list[CodeChange]


class CaseOutcome(_Out):
    """A case created, updated or reassessed: its assessment and referrals."""

    id: str
    version: int
    assessment: EvaluationResult
    referrals: list[OpenedReferral]
    next_review_due: dt.date | None
    changes: Changes | None = Field(description="与上一版本相比 / against the last version")


class CasePage(_Out):
    """One page of cases."""

    items: list[CaseSummary]
    total: int
    page: int
    page_size: int


class ReferralPage(_Out):
    """One page of referrals."""

    items: list[ReferralOut]
    total: int
    page: int
    page_size: int


class DueCase(CaseSummary):
    """A case whose review is due."""

    days_overdue: int


class ReviewQueue(_Out):
    """Hardship cases whose review is due."""

    items: list[DueCase]
    total: int


class CaseCounts(BaseModel):
    """Cases by status (each a count, or null where suppressed)."""

    model_config = ConfigDict(extra="allow")

    total: int | None


class SummaryOut(_Out):
    """Counts for a region (cells below the suppression threshold are hidden from roles
    that may not see cases)."""

    region: str | None
    as_of: dt.date
    cases: CaseCounts
    classifications: dict[str, dict[str, int | None]]
    codes: dict[str, dict[str, int | None]]
    referrals: dict[str, dict[str, int | None]]
    overdue_reviews: int | None
    suppressed_below: int | None = Field(
        description="小于此数的计数显示为 null（政策角色）/ counts below this are null"
    )


class TokenOut(_Out):
    """A token's record, never the token."""

    id: str
    name: str
    role: Role
    region: str | None
    department: str | None
    created_at: Stamp = STAMP
    created_by: str
    revoked_at: Stamp | None = STAMP


class TokenIssued(_Out):
    """A new token: shown this once; only its hash is kept."""

    token: str = Field(description="令牌（只显示这一次）/ the token, shown once")
    id: str
    role: Role
    region: str | None
    department: str | None


class TokenRevoked(_Out):
    """A revoked token."""

    id: str
    revoked_at: Stamp | None = STAMP


class AuditEntryOut(_Out):
    """One audit entry."""

    id: int
    at: Stamp = STAMP
    actor: str
    role: str
    action: str
    case_id: str | None
    referral_id: str | None
    fields: list[str]
    detail: dict[str, Any]


class AuditPage(_Out):
    """Audit entries, newest first."""

    items: list[AuditEntryOut]
    total: int
    page: int
    page_size: int
