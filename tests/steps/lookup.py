"""Chinese labels written in feature files → the policy's names and typed values.

Labels come from the loaded policy (policies/catalog/*.yaml), never from a table here, so a
feature reads `"持有《中华人民共和国残疾人证》"` or `"劳动能力"` where the profile says
`has_disability_certificate` or `labour_capacity`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol

# Typographic quotes are easy to mistype in a feature file; they never tell two names apart.
_QUOTES = str.maketrans("", "", "“”‘’「」\"'")
_TRAILING_NOTE = re.compile(r"（[^（）]*）$")
_NOTE_CHOICES = re.compile(r"（([^（）]*/[^（）]*)）$")
# Items are separated by ，: value labels themselves contain 、 (请求给付赡养费、抚养费、扶养费).
_LIST_SEPARATORS = re.compile(r"[，,]")
_CN_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4}
_BOOLEANS = {"是": True, "否": False, "true": True, "false": False}
STATUSES = {
    "紧急": "urgent",
    "择高申领": "choose_higher",
    "符合条件": "eligible",
    "转介评估": "refer_for_assessment",
    "部门职责": "obligation",
    "告知": "info",
    "需补充信息": "needs_info",
}
NOT_LISTED = "不列出"
TRUTH = {"是": True, "否": False, "未知": None}


class Labelled(Protocol):
    """Anything with a Chinese name: a code, classification, department or value label."""

    @property
    def zh(self) -> str: ...


class FactLike(Protocol):
    """What the steps need of a fact definition."""

    @property
    def zh(self) -> str: ...

    @property
    def type(self) -> str: ...

    @property
    def values(self) -> Mapping[Any, Labelled] | None: ...


class PolicyLike(Protocol):
    """What the steps need of a loaded policy: its labelled tables."""

    @property
    def facts(self) -> Mapping[str, FactLike]: ...

    @property
    def codes(self) -> Mapping[str, Labelled]: ...

    @property
    def classifications(self) -> Mapping[str, Labelled]: ...

    @property
    def departments(self) -> Mapping[str, Labelled]: ...


def plain(text: str) -> str:
    """`text` without typographic quotes or surrounding blanks."""
    return text.translate(_QUOTES).strip()


def forms(zh: str) -> set[str]:
    """The ways a feature may write a label: whole, or without its trailing （note）."""
    whole = plain(zh)
    return {whole, _TRAILING_NOTE.sub("", whole).strip()}


def find(text: str, table: Mapping[str, Labelled]) -> str | None:
    """The name in `table` that `text` denotes (by name or Chinese label), or None."""
    wanted = plain(text)
    if wanted in table:
        return wanted
    hits = sorted(name for name, item in table.items() if wanted in forms(item.zh))
    if len(hits) > 1:
        raise LookupError(f"「{text}」有歧义 (ambiguous): {', '.join(hits)}")
    return hits[0] if hits else None


def resolve(text: str, table: Mapping[str, Labelled], what: str) -> str:
    """Like `find`, but a name nobody defined is a mistake in the feature file."""
    name = find(text, table)
    if name is None:
        known = "、".join(item.zh for item in table.values())
        raise LookupError(f"没有名为「{text}」的{what}。可用：{known}")
    return name


def fact_name(policy: PolicyLike, text: str) -> str:
    """The profile field a feature names by its label (or by its field name)."""
    return resolve(text, policy.facts, "事实")


def parse_value(fact: FactLike, text: str) -> object:
    """A feature's value text as the profile's JSON value for `fact`."""
    text = text.strip()
    if fact.type == "boolean":
        if text not in _BOOLEANS:
            raise ValueError(f"「{fact.zh}」的值应为 是/否，而不是「{text}」")
        return _BOOLEANS[text]
    if fact.type == "integer":
        return _integer(fact, text)
    if fact.type == "number":
        number = float(text)
        return int(number) if number.is_integer() and "." not in text else number
    if fact.type == "enum":
        return _choice(fact, text)
    if fact.type == "list":
        items = [item for item in _LIST_SEPARATORS.split(text) if item.strip()]
        return [_choice(fact, item) for item in items if item not in ("", "无")]
    return text


def _integer(fact: FactLike, text: str) -> int:
    if re.fullmatch(r"\d+", text):
        return int(text)
    if fact.values:
        return int(_choice(fact, text))
    number = text.removesuffix("级")
    if number in _CN_NUMBERS:
        return _CN_NUMBERS[number]
    raise ValueError(f"「{fact.zh}」的值应为整数，而不是「{text}」")


def _choice(fact: FactLike, text: str) -> str:
    """An enum or list value by its label, its own spelling or the fact label's （a/b/c）."""
    values = dict(fact.values or {})
    wanted = plain(text)
    spellings: dict[str, set[str]] = {
        str(key): {str(key), *forms(label.zh)} for key, label in values.items()
    }
    # `丈夫外出原因（务工/经商/其他）`: the label lists the values' Chinese names in order.
    choices = _NOTE_CHOICES.search(plain(fact.zh))
    if choices:
        names = choices.group(1).split("/")
        if len(names) == len(spellings):
            for key, name in zip(spellings, names, strict=True):
                spellings[key].add(name)
    exact = [key for key, spelt in spellings.items() if wanted in spelt]
    if len(exact) == 1:
        return exact[0]
    close = [key for key, spelt in spellings.items() if any(wanted in s for s in spelt)]
    if len(exact) == 0 and len(close) == 1:
        return close[0]
    known = "、".join(sorted(s for spelt in spellings.values() for s in spelt))
    raise ValueError(f"「{fact.zh}」没有唯一的取值「{text}」。可用：{known}")
