"""The ledger's error family; the HTTP door maps each kind to a status (api/errors.py).

    LedgerError                 something the ledger refuses
    ├── CaseNotFound            no such case (or not one the caller may see)
    ├── ReferralNotFound        no such referral
    ├── TokenNotFound           no such token
    ├── PolicyVersionNotFound   no policy set stored by that version
    ├── AssessmentNotFound      no such assessment of that case
    ├── Conflict                the request conflicts with what the ledger holds
    │   ├── DuplicateCase       the resident ID already has a case (`case_id` when visible)
    │   ├── IdempotencyKeyReused the key was used for a different request
    │   ├── ForbiddenTransition the referral's life cycle does not allow this move
    │   ├── CaseClosed          the case is closed; reopen it first
    │   └── AlreadyRevoked      the token is already revoked
    ├── VersionMismatch         If-Match names a version that is no longer current
    └── InvalidInput            a field of the request is invalid (`problems` names each)

Every message is Chinese first and never repeats a value of the profile. The names are
kinds, not `…Error`s: the HTTP door answers them as `{"error": kind, "detail": …}`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine import FieldError


class LedgerError(Exception):
    """Base of everything the ledger refuses on purpose."""

    def __init__(self, zh: str, en: str, **extra: Any) -> None:
        self.zh, self.en = zh, en
        self.extra = {k: v for k, v in extra.items() if v is not None}
        super().__init__(type(self).__name__)

    @property
    def detail(self) -> dict[str, Any]:
        """The Chinese-first message and what it refers to (`case_id`, `status`, `version`)."""
        return {"zh": self.zh, "en": self.en, **self.extra}


class NotFound(LedgerError):
    """Nothing by that id (or nothing the caller may see)."""


class CaseNotFound(NotFound):
    """No such case."""

    def __init__(self) -> None:
        super().__init__("没有这个个案", "No such case")


class ReferralNotFound(NotFound):
    """No such referral."""

    def __init__(self) -> None:
        super().__init__("没有这个转介", "No such referral")


class TokenNotFound(NotFound):
    """No such token."""

    def __init__(self) -> None:
        super().__init__("没有这个令牌", "No such token")


class PolicyVersionNotFound(NotFound):
    """No policy set of that version was ever served (or stored)."""

    def __init__(self) -> None:
        super().__init__("没有这个政策版本", "No such policy version")


class AssessmentNotFound(NotFound):
    """No assessment by that id in that case."""

    def __init__(self) -> None:
        super().__init__("该个案没有这份评估", "No such assessment of this case")


class Conflict(LedgerError):
    """The request conflicts with what the ledger holds."""


class DuplicateCase(Conflict):
    """The resident ID already has a case."""

    def __init__(self, case_id: str | None, *, region_code: str | None = None) -> None:
        super().__init__("该身份证号已有个案", "A case with this ID number exists", case_id=case_id)
        self.case_id = case_id
        self.region_code = region_code  # not in `detail`: whoever answers decides what to show


class IdempotencyKeyReused(Conflict):
    """The Idempotency-Key was used for a different request."""

    def __init__(self, case_id: str | None, *, region_code: str | None = None) -> None:
        super().__init__(
            "该 Idempotency-Key 已用于另一个不同的请求",
            "This Idempotency-Key was used for a different request",
            case_id=case_id,
        )
        self.case_id = case_id
        self.region_code = region_code


class ForbiddenTransition(Conflict):
    """The referral (or case) cannot make this move from its current status."""


class CaseClosed(Conflict):
    """The case is closed: it refuses changes until reopened."""


class AlreadyRevoked(Conflict):
    """The token is already revoked."""

    def __init__(self) -> None:
        super().__init__("令牌已撤销", "The token is already revoked")


class VersionMismatch(LedgerError):
    """If-Match names a version that is no longer current."""

    def __init__(self, current: int, *, what: str = "case") -> None:
        zh = "转介已被他人变更" if what == "referral" else "个案已被他人修改"
        super().__init__(
            f"{zh}，请刷新后重试", f"The {what} changed; reload and retry", version=current
        )
        self.current = current


class InvalidInput(LedgerError):
    """One or more fields of the request are invalid."""

    def __init__(self, problems: Sequence[FieldError]) -> None:
        super().__init__("请求有误", "Invalid request")
        self.problems = list(problems)
