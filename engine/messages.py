"""Profile validation errors in Chinese and English, one per field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from engine.errors import FieldError

_ZH: dict[str, str] = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不允许的字段：画像中没有这个事实",
    "bool_type": "应为 true 或 false",
    "int_type": "应为整数（不能是文本、小数或真假值）",
    "float_type": "应为数字（不能是文本或真假值）",
    "finite_number": "应为有限的数字",
    "string_type": "应为文本",
    "list_type": "应为列表",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "union_tag_invalid": "取值不在允许范围内",
    "union_tag_not_found": "缺少必填字段",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "string_pattern_mismatch": "格式不正确",
    "string_too_short": "不能为空",
    "string_too_long": "过长",
    "date_type": "应为日期 YYYY-MM-DD",
    "date_parsing": "应为日期 YYYY-MM-DD",
    "date_from_datetime_parsing": "应为日期 YYYY-MM-DD",
    "date_from_datetime_inexact": "应为日期 YYYY-MM-DD（不含时间）",
    "model_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象",
    "value_error": "值无效",
}

NUL_MESSAGE = "must not contain NUL characters"
SEX_CONTRADICTS_ID = "contradicts the sex shown by the ID number (its 17th digit)"


def refuse_nul(value: Any) -> Any:
    """A pydantic validator: text with a NUL character is refused (PostgreSQL cannot store it,
    and no name, village or note has one)."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError(NUL_MESSAGE)
    return value


_VALUE_ERRORS_ZH = {
    "must be 17 digits followed by a digit or X": "身份证号应为17位数字加1位数字或X",
    "check digit does not match": "身份证号校验位不正确",
    "birth date inside it is not a real date": "身份证号中的出生日期无效",
    "must be a date YYYY-MM-DD": "应为日期 YYYY-MM-DD",
    "must be a real date YYYY-MM-DD": "应为真实存在的日期 YYYY-MM-DD",
    NUL_MESSAGE: "不得包含空字符（NUL）",
    SEX_CONTRADICTS_ID: "与身份证号（第17位）所示的性别不一致",
    "must be a date from 1900-01-01 to 2199-12-31": "日期应在 1900-01-01 至 2199-12-31 之间",
    "must be a time YYYY-MM-DDTHH:MM:SS": "应为时间 YYYY-MM-DDTHH:MM:SS（可带时区）",
}


def sex_contradicts_id(field: str) -> FieldError:
    """The refusal of a stated sex that the ID number's 17th digit contradicts: the number is
    never part of it."""
    return FieldError(field, _VALUE_ERRORS_ZH[SEX_CONTRADICTS_ID], SEX_CONTRADICTS_ID)


_PATTERNS_ZH = {
    "id_number": "身份证号应为17位数字加1位数字或X",
    "region_code": "行政区划代码应为6位数字（如 430121）",
}


def _detail_zh(err: dict[str, Any]) -> str:
    kind = err["type"]
    field = str(err["loc"][-1]) if err["loc"] else ""
    pattern = str((err.get("ctx") or {}).get("pattern"))
    if kind == "string_pattern_mismatch" and pattern in (r"^[^\x00]*$", r"^[^\x00]+$"):
        return "不能包含空字符（NUL）"
    if kind == "string_pattern_mismatch" and r"[^\s\x00]" in pattern:
        return "不能为空（须说明原因）"
    if kind == "string_pattern_mismatch" and field in _PATTERNS_ZH:
        return _PATTERNS_ZH[field]
    base = _ZH.get(kind, "值无效")
    ctx = err.get("ctx") or {}
    if kind == "value_error":
        message = str(ctx.get("error", ""))
        return _VALUE_ERRORS_ZH.get(message, base)
    if kind == "literal_error" and "expected" in ctx:
        return f"{base}，可选：{ctx['expected']}"
    if kind == "greater_than_equal" and "ge" in ctx:
        return f"不能小于 {ctx['ge']}"
    if kind == "less_than_equal" and "le" in ctx:
        return f"不能大于 {ctx['le']}"
    if kind == "string_pattern_mismatch" and "pattern" in ctx:
        return f"{base}（应匹配 {ctx['pattern']}）"
    return base


def field_errors(exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> list[FieldError]:
    """One FieldError per pydantic error, naming the field (dotted path) and the reason."""
    return problems_of(exc.errors(include_url=False), prefix)


def problems_of(
    errors: Iterable[Mapping[str, Any]], prefix: tuple[str | int, ...] = ()
) -> list[FieldError]:
    """One FieldError per pydantic error dict (from a ValidationError or FastAPI's
    RequestValidationError), naming the field (dotted path) and the reason."""
    out = []
    for err in errors:
        path = ".".join(str(p) for p in (*prefix, *err["loc"])) or "profile"
        en = str(err["msg"])
        if err["type"] == "value_error":
            en = en.removeprefix("Value error, ")
        out.append(FieldError(field=path, zh=_detail_zh(dict(err)), en=en))
    return out
