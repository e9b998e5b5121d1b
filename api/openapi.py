"""/openapi.json: FastAPI's schema, with the profile described from the fact catalogue, and the
OpenAPI links that take a client (and schemathesis' stateful phase) from a new case to reading,
updating, reassessing it and moving its referrals."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from engine import Policy
from engine.catalog import FactDef

ABSENT = {
    "unknown": "未填写＝未知 (absent: unknown)",
    "false": "未填写＝否 (absent: false)",
    "empty": "未填写＝无 (absent: empty list)",
}
IDENTITY = {
    "name": "姓名（只存于台账，评估从不读取，处处脱敏）/ name: never read by rules",
    "id_number": (
        "居民身份证号（18位，校验位；第17位奇数为男、偶数为女，须与所填性别一致，未填性别即按此推定；"
        "只存其密钥哈希和后四位）/ resident ID number (its 17th digit: odd a man, even a woman; "
        "a stated sex must agree)"
    ),
    "birth_date": "出生日期 YYYY-MM-DD（未填年龄时用于计算年龄）/ birth date",
}

# -- links ------------------------------------------------------------------------------------
_CASE = {"case_id": "$response.body#/id"}
CASE_LINKS: dict[str, Any] = {
    "ReadCase": {"operationId": "case", "parameters": _CASE, "description": "读取该个案"},
    "UpdateProfile": {
        "operationId": "update_profile",
        "parameters": {**_CASE, "header.If-Match": "$response.header.ETag"},
        "description": "更新该个案的画像（If-Match 为当前版本）",
    },
    "Reassess": {"operationId": "reassess", "parameters": _CASE, "description": "重新评估"},
    "CloseCase": {"operationId": "close", "parameters": _CASE, "description": "关闭该个案"},
    "MoveFirstReferral": {
        "operationId": "move",
        "parameters": {"referral_id": "$response.body#/referrals/0/id"},
        "description": "变更该个案第一个转介的状态",
    },
}
LISTED_CASE_LINKS: dict[str, Any] = {
    "ReadFirstCase": {
        "operationId": "case",
        "parameters": {"case_id": "$response.body#/items/0/id"},
        "description": "读取列表中的第一个个案",
    },
}
REFERRAL_LINKS: dict[str, Any] = {
    "MoveAgain": {
        "operationId": "move",
        "parameters": {"referral_id": "$response.body#/id"},
        "description": "再次变更该转介的状态",
    },
    "ReadItsCase": {
        "operationId": "case",
        "parameters": {"case_id": "$response.body#/case_id"},
        "description": "读取该转介所属的个案",
    },
}
LISTED_REFERRAL_LINKS: dict[str, Any] = {
    "MoveFirstReferral": {
        "operationId": "move",
        "parameters": {"referral_id": "$response.body#/items/0/id"},
        "description": "变更列表中第一个转介的状态",
    },
}


_FIRST_VERSION = "$response.body#/versions/0/policy_version"
VERSION_LINKS: dict[str, Any] = {
    "ReadFirstVersion": {
        "operationId": "policy_version",
        "parameters": {"version": _FIRST_VERSION},
        "description": "读取第一个政策版本",
    },
    "DiffFirstVersion": {
        "operationId": "diff",
        "parameters": {"a": _FIRST_VERSION, "b": _FIRST_VERSION},
        "description": "第一个政策版本与自身的差异",
    },
}

ETAG = {
    "ETag": {
        "description": "个案当前版本，更新时作 If-Match / the case's version, for If-Match",
        "schema": {"type": "string", "pattern": '^"[0-9]+"$'},
    }
}


def links(status: int, table: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    """`responses=` entry giving a route's 2xx answer its links (a case's also its ETag)."""
    entry: dict[str, Any] = {"links": table}
    if table is CASE_LINKS:
        entry["headers"] = ETAG
    return {status: entry}


# -- the profile, from the catalogue ---------------------------------------------------------
def fact_description(name: str, fact: FactDef) -> str:
    """A fact's Chinese label, English label, allowed values with labels, unit and absence."""
    parts = [f"{fact.zh} / {fact.en}"]
    if fact.values:
        parts.append("可选值：" + "；".join(f"{v}＝{lab.zh}" for v, lab in fact.values.items()))
    if fact.unit:
        parts.append(f"单位：{fact.unit}")
    parts.append(ABSENT[fact.absent])
    return "。".join(parts)


def describe_profile(schema: dict[str, Any], policy: Policy) -> None:
    """Give every property of the Profile schema its description and title from the catalogue."""
    facts = policy.catalog.facts
    for key, component in schema.get("components", {}).get("schemas", {}).items():
        if key != "Profile" and not key.startswith("Profile-"):
            continue
        component["description"] = (
            "一位妇女的画像：每个事实都可不填（未填写的含义见各字段）。"
            "A woman's profile; every fact is optional."
        )
        for name, prop in component.get("properties", {}).items():
            fact = facts.get(name)
            if fact is not None:
                prop["title"] = fact.zh
                prop["description"] = fact_description(name, fact)
                if fact.values:
                    prop["x-labels"] = {
                        v: {"zh": lab.zh, "en": lab.en} for v, lab in fact.values.items()
                    }
            elif name in IDENTITY:
                prop["description"] = IDENTITY[name]
        id_number = component.get("properties", {}).get("id_number", {})
        for option in id_number.get("anyOf", [id_number]):
            if option.get("type") == "string":  # a pattern cannot say the check digit
                option.pop("pattern", None)
                option["format"] = "resident-id"  # GB 11643: 17 digits and a check character


def describe_tokens(schema: dict[str, Any], policy: Policy) -> None:
    """A department token names a department of the catalogue."""
    component = schema.get("components", {}).get("schemas", {}).get("DepartmentToken", {})
    department = component.get("properties", {}).get("department")
    if department is not None:
        department["enum"] = list(policy.catalog.departments)


def if_match_headers(schema: dict[str, Any]) -> None:
    """If-Match is text or absent, never JSON null; a profile update's is required (without
    it the answer is 428, not a default), a referral's optional."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") != "header" or parameter.get("name") != "if-match":
                    continue
                options = parameter["schema"].get("anyOf", [parameter["schema"]])
                parameter["schema"] = next(o for o in options if o.get("type") == "string")
                if operation.get("operationId") == "update_profile":
                    parameter["required"] = True


def install_openapi(app: FastAPI) -> None:
    """Serve /openapi.json built for the policy in service (rebuilt after a reload)."""
    built: dict[str, dict[str, Any]] = {}

    def openapi() -> dict[str, Any]:
        service = getattr(app.state, "policies", None)
        version = service.policy.version if service is not None else ""
        if version not in built:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            if service is not None:
                describe_profile(schema, service.policy)
                describe_tokens(schema, service.policy)
            if_match_headers(schema)
            built.clear()
            built[version] = schema
        return built[version]

    app.openapi = openapi  # type: ignore[method-assign]
