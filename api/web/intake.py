"""The intake form, generated from the fact catalogue: its groups (as the document orders
them), one field per fact, and the posted form read back into a profile.

A field's `name` is the fact id and its label the fact's Chinese label; a fact that may be
unknown (`absent: unknown`) offers “不清楚”, which leaves it out of the profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData

from engine import Policy
from engine.catalog import FactDef

GROUPS: list[tuple[str, tuple[str, ...]]] = [
    (
        "基本情况",
        (
            "sex",
            "age_years",
            "marital_status",
            "husband_away",
            "husband_away_reason",
            "husband_away_continuous_months",
            "residence_area",
            "region_code",
        ),
    ),
    (
        "家庭经济",
        (
            "dibao_recipient",
            "tekun_recipient",
            "dibao_edge_family",
            "rigid_expenditure_family",
            "household_income_pc_monthly",
            "household_assets_within_limit",
            "household_rigid_expenditure_12m",
            "household_income_12m",
            "has_fixed_living_source",
            "legal_supporters_able",
            "sudden_hardship_event",
            "has_serious_illness",
        ),
    ),
    ("残疾", ()),  # filled below: every disability fact in catalogue order
    (
        "权益",
        (
            "rights_infringed",
            "infringement_types",
            "domestic_violence_ongoing",
            "needs_shelter",
            "legal_capacity_limited",
            "has_legal_matter",
            "legal_matter_types",
            "economically_eligible_for_legal_aid",
            "has_civil_dispute",
            "collective_member_confirmed",
        ),
    ),
    (
        "就业与文化",
        (
            "labour_capacity",
            "wants_employment",
            "engaged_in_farming",
            "has_craft_skill",
            "needs_fitness_guidance",
        ),
    ),
    (
        "家庭",
        (
            "needs_psychological_support",
            "needs_marriage_family_service",
            "has_minor_children",
            "needs_family_education_support",
        ),
    ),
]
DISABILITY = (
    "has_disability_certificate",
    "disability_category",
    "disability_grade",
    "multiple_includes_intellectual_or_mental",
    "needs_long_term_care",
    "receives_work_injury_nursing_fee",
    "receives_other_welfare_living_allowance",
    "receives_other_welfare_care_allowance",
    "wants_rehabilitation",
)
UNKNOWN = ""  # the value of “不清楚” (and of an empty number)


@dataclass(frozen=True)
class Field:
    """One input of the intake form."""

    fact: str
    label: str
    help: str
    kind: str  # boolean | enum | integer | number | list | string
    options: list[tuple[str, str]]  # (value, Chinese label)
    may_be_unknown: bool
    unit: str | None


@dataclass(frozen=True)
class Group:
    """A titled group of fields."""

    title: str
    fields: list[Field]


def _field(name: str, fdef: FactDef) -> Field:
    options = [(v, label.zh) for v, label in (fdef.values or {}).items()]
    if fdef.type == "boolean":
        options = [("true", "是"), ("false", "否")]
    return Field(
        fact=name,
        label=fdef.zh,
        help=fdef.question.zh if fdef.question else "",
        kind=fdef.type,
        options=options,
        may_be_unknown=fdef.absent == "unknown",
        unit={"CNY": "元"}.get(fdef.unit or "", fdef.unit),
    )


def form_groups(policy: Policy) -> list[Group]:
    """The intake's groups; a fact the groups do not name goes to the group “其他”."""
    facts = policy.catalog.facts
    placed: set[str] = set()
    groups: list[Group] = []
    for title, names in GROUPS:
        members = DISABILITY if title == "残疾" else names
        fields = [_field(n, facts[n]) for n in members if n in facts]
        placed.update(f.fact for f in fields)
        groups.append(Group(title, fields))
    rest = [_field(n, f) for n, f in facts.items() if n not in placed]
    if rest:
        groups.append(Group("其他", rest))
    return groups


def _number(text: str, integer: bool) -> int | float | None:
    cleaned = text.strip().replace(",", "").replace("，", "")
    if integer:
        return int(cleaned) if cleaned.isdigit() else None
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None  # no NaN, no inf


def read_profile(
    policy: Policy, form: FormData
) -> tuple[dict[str, Any], dict[str, str], list[tuple[str, str]]]:
    """The profile the form describes, the raw answers (to show again) and the problems
    found (fact, Chinese message)."""
    profile: dict[str, Any] = {}
    answers: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    for name, fdef in policy.catalog.facts.items():
        if fdef.type == "list":
            chosen = [str(v) for v in form.getlist(name) if str(v) in (fdef.values or {})]
            answers[name] = ",".join(chosen)
            if chosen:
                profile[name] = chosen
            continue
        raw = form.get(name)
        text = raw.strip() if isinstance(raw, str) else ""
        answers[name] = text
        if text == UNKNOWN:
            continue
        if fdef.type == "boolean":
            if text in ("true", "false"):
                profile[name] = text == "true"
            else:
                problems.append((name, f"{fdef.zh}：请选择“是”“否”或“不清楚”"))
        elif fdef.type == "enum":
            if text in (fdef.values or {}):
                profile[name] = text
            else:
                problems.append((name, f"{fdef.zh}：请从列表中选择"))
        elif fdef.type in ("integer", "number"):
            value = _number(text, fdef.type == "integer")
            if value is None or value < 0:
                kind = "整数" if fdef.type == "integer" else "数字"
                problems.append((name, f"{fdef.zh}：请填写不小于0的{kind}，不清楚请留空"))
            else:
                profile[name] = value
        else:
            profile[name] = text
    return profile, answers, problems
