"""The API's error family: one class per kind, each with its status (api/errors.py answers
them; api/error_models.py describes their bodies in /openapi.json).

    ApiError                  500 internal_error      a bug, never caused by the request
    ├── MalformedJSONError    400 malformed_json      the body is not JSON
    ├── UnauthorizedError     401 unauthorized        no token, or an unknown or revoked one
    ├── ForbiddenError        403 forbidden           the role may not do this
    ├── NotFoundError         404 not_found           no such path
    ├── MethodNotAllowedError 405 method_not_allowed  the path exists, the method does not
    ├── PolicyReloadError     409 policy_error        new policy files refused; old set serving
    ├── PayloadTooLargeError  413 payload_too_large   body over MAX_BODY_BYTES
    ├── UnsupportedMediaTypeError 415 unsupported_media_type  the body is not application/json
    ├── InvalidRequestError   422 validation_error    detail: one {field, zh, en} per bad field
    ├── RulesEngineError      500 engine_error        durable_rules failed (engine fault)
    ├── DatabaseUnavailableError 503 database_unavailable  the ledger's database is down
    ├── NotReadyError         503 not_ready           /readyz: starting, or refused a set
    │   the ledger:
    ├── ConflictError         409 conflict            duplicate case, transition not allowed
    ├── VersionMismatchError  412 version_mismatch    If-Match names an old version
    └── IfMatchRequiredError  428 if_match_required   an update without If-Match

Human-readable text is Chinese first: `detail` is a `Text` `{"zh": …, "en": …}` or a list
of `{"field", "zh", "en"}`. No message ever repeats a value from the profile.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine import FieldError

MAX_BODY_BYTES = 64 * 1024  # a profile is a few kilobytes
RETRY_AFTER_SECONDS = 5  # what a 503 asks the client to wait


class ApiError(Exception):
    """Base of every error the API answers on purpose."""

    status_code: int = 500
    kind: str = "internal_error"

    def __init__(self, detail: Any, headers: dict[str, str] | None = None) -> None:
        self.detail = detail
        self.headers = headers
        super().__init__(self.kind)


class MalformedJSONError(ApiError):
    """The request body is not JSON."""

    status_code = 400
    kind = "malformed_json"


class UnauthorizedError(ApiError):
    """No token, or one that is unknown or revoked."""

    status_code = 401
    kind = "unauthorized"


class ForbiddenError(ApiError):
    """The principal's role may not do this."""

    status_code = 403
    kind = "forbidden"


class NotFoundError(ApiError):
    """No such path."""

    status_code = 404
    kind = "not_found"


class MethodNotAllowedError(ApiError):
    """The path exists but not with this method."""

    status_code = 405
    kind = "method_not_allowed"


class PolicyReloadError(ApiError):
    """New policy files were refused; the last good set keeps serving."""

    status_code = 409
    kind = "policy_error"


class PayloadTooLargeError(ApiError):
    """The request body is too large."""

    status_code = 413
    kind = "payload_too_large"


class UnsupportedMediaTypeError(ApiError):
    """The body is not `application/json` in UTF-8."""

    status_code = 415
    kind = "unsupported_media_type"


class InvalidRequestError(ApiError):
    """The request or its profile is invalid; `detail` names every bad field."""

    status_code = 422
    kind = "validation_error"

    def __init__(self, problems: Sequence[FieldError]) -> None:
        super().__init__([p.as_dict() for p in problems])


class RulesEngineError(ApiError):
    """The rules engine failed: a fault of the service, never of the request."""

    status_code = 500
    kind = "engine_error"


class DatabaseUnavailableError(ApiError):
    """The ledger's database cannot be reached; try again after Retry-After seconds."""

    status_code = 503
    kind = "database_unavailable"


class NotReadyError(ApiError):
    """/readyz: this process should get no traffic yet (starting, or it refused the policy
    set the cluster put in service and still serves another)."""

    status_code = 503
    kind = "not_ready"


class ConflictError(ApiError):
    """The request conflicts with what the ledger holds (the detail says what)."""

    status_code = 409
    kind = "conflict"


class VersionMismatchError(ApiError):
    """If-Match names a version that is no longer current."""

    status_code = 412
    kind = "version_mismatch"


class IfMatchRequiredError(ApiError):
    """Updates must say which version they change (If-Match)."""

    status_code = 428
    kind = "if_match_required"
