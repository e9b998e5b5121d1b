"""Reasons: short Chinese sentences naming the facts and values that decided a condition."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from engine.catalog import Catalog
from engine.expr import (
    NEGATED,
    And,
    Compare,
    Const,
    Derived,
    Emitted,
    Fact,
    Has,
    In,
    Known,
    Mul,
    Node,
    Not,
    Or,
    Param,
    Term,
    Tri,
)
from engine.kleene import Env, evaluate, term_value

_WORDS = {"==": "等于", "!=": "不等于", "<": "低于", "<=": "不高于", ">": "高于", ">=": "不低于"}
_NOTE = re.compile(r"（[^（）]*）$")
UNPROVIDED = "未提供“"

Expand = Callable[[str, str], Node | None]


def short(label: str) -> str:
    """A label without its trailing （note）: 丈夫连续外出月数（春节…） → 丈夫连续外出月数."""
    return _NOTE.sub("", label) or label


@dataclass
class Memo:
    """What explaining conditions on one environment has already found: the value of each
    condition node (by identity: rule trees live as long as the policy) and each
    classification's sentence. Share one across calls on the same environment and options."""

    values: dict[int, Tri] = field(default_factory=dict)
    sentences: dict[tuple[str, bool], str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class _How:
    deep: bool
    skip: frozenset[str]
    memo: Memo


class Explainer:
    """Explains why a condition has the value it has, in the catalog's Chinese labels.

    `deep` (for `"explain": "all"`) also says why a classification or code named in the
    condition is false, so every sentence chain ends in facts and values. `skip` leaves out
    classifications the caller has set aside (the left-behind condition, outside the programme).
    """

    def __init__(self, catalog: Catalog, expand: Expand | None = None) -> None:
        self.catalog = catalog
        self.expand = expand

    def why(
        self,
        node: Node,
        env: Env,
        *,
        deep: bool = False,
        skip: frozenset[str] = frozenset(),
        memo: Memo | None = None,
    ) -> list[str]:
        """Sentences for a condition that is true (or false): the facts that made it so.
        `memo` may be shared by calls on the same environment with the same options."""
        return self._why(node, env, _How(deep, skip, Memo() if memo is None else memo))

    @staticmethod
    def _value(node: Node, env: Env, how: _How) -> Tri:
        values = how.memo.values
        key = id(node)
        if key not in values:
            values[key] = evaluate(node, env)
        return values[key]

    def _why(self, node: Node, env: Env, how: _How) -> list[str]:
        value = self._value(node, env, how)
        if value is None:
            return []
        out: list[str] = []
        self._explain(node, env, value, out, how)
        return list(dict.fromkeys(out))

    def _inner(self, kind: str, name: str, env: Env, how: _How) -> list[str]:
        """Why the classification or code `name` has its value."""
        inner = self.expand(kind, name) if self.expand else None
        return [] if inner is None else self._why(inner, env, how)

    def _derived(self, name: str, env: Env, value: bool, how: _How) -> str | None:
        sentences = how.memo.sentences
        if (name, value) not in sentences:
            sentences[name, value] = self._classification(name, env, value, how)
        return sentences[name, value]

    def _classification(self, name: str, env: Env, value: bool, how: _How) -> str | None:
        if name in how.skip:
            return None
        cls = self.catalog.classifications[name]
        if value:
            return cls.true_zh
        inner = self._inner("d", name, env, how)
        unprovided = [r for r in inner if r.startswith(UNPROVIDED)]
        # A one-way known(): the classification is false, but only because a fact is missing.
        head = f"尚不能确定是否属于{short(cls.zh)}" if unprovided else cls.false_zh
        shown = inner if how.deep else unprovided
        return f"{head}（{'；'.join(shown)}）" if shown else head

    def missing(self, facts: list[str], params: list[str]) -> list[str]:
        """Sentences for a condition that is unknown: what is missing."""
        out = [f"缺少：{self.catalog.facts[f].zh}" for f in facts]
        out += [f"缺少地区参数：{self.catalog.parameters[p].zh}" for p in params]
        return out

    def _explain(self, node: Node, env: Env, value: bool, out: list[str], how: _How) -> None:
        c = self.catalog
        if isinstance(node, And | Or):
            every = isinstance(node, And) == value  # an AND that holds / an OR that fails
            for operand in node.operands:
                v = self._value(operand, env, how)
                if v is not None and (every or v is value):
                    self._explain(operand, env, v, out, how)
        elif isinstance(node, Not):
            self._explain(node.operand, env, not value, out, how)
        elif isinstance(node, Fact):
            out.append(f"{short(c.facts[node.name].zh)}：{'是' if value else '否'}")
        elif isinstance(node, Param):
            out.append(f"地区参数“{c.parameters[node.name].zh}”：{'是' if value else '否'}")
        elif isinstance(node, Derived):
            sentence = self._derived(node.name, env, value, how)
            if sentence:
                out.append(sentence)
        elif isinstance(node, Emitted):
            code = c.codes[node.code].zh
            head = f"符合“{code}”的条件" if value else f"不符合“{code}”的条件"
            inner = self._inner("c", node.code, env, how) if how.deep and not value else []
            out.append(f"{head}（{'；'.join(inner)}）" if inner else head)
        elif isinstance(node, Known):
            zh = c.facts[node.fact.name].zh
            out.append(f"已提供“{zh}”" if value else f"{UNPROVIDED}{zh}”")
        elif isinstance(node, Has):
            fdef = c.facts[node.fact.name]
            verb = "包括" if value else "不包括"
            out.append(f"{short(fdef.zh)}{verb}“{fdef.value_label(node.value)}”")
        elif isinstance(node, In):
            fdef = c.facts[node.fact.name]
            actual = fdef.value_label(env.facts.get(node.fact.name))
            options = "或".join(fdef.value_label(v) for v in node.values)
            verdict = "属于" if value else "不属于"
            out.append(f"{short(fdef.zh)}为{actual}（{verdict}{options}）")
        elif isinstance(node, Compare):
            out.append(self._compare(node, env, value))

    def _compare(self, node: Compare, env: Env, value: bool) -> str:
        left, right, op = node.left, node.right, node.op if value else NEGATED[node.op]
        if isinstance(left, Fact) and isinstance(right, Const):
            fdef = self.catalog.facts[left.name]
            actual = term_value(left, env)
            if isinstance(right.value, bool) or op in ("==", "!="):
                return f"{short(fdef.zh)}：{fdef.value_label(actual)}"
            bound = fdef.value_label(right.value)
            return f"{short(fdef.zh)}为{fdef.value_label(actual)}，{_WORDS[op]}{bound}"
        return f"{self._term(left, env)}{_WORDS[op]}{self._term(right, env)}"

    def _term(self, term: Term, env: Env) -> str:
        value = term_value(term, env)
        shown = self._number(value)
        if isinstance(term, Fact):
            return f"{short(self.catalog.facts[term.name].zh)}（{shown}）"
        if isinstance(term, Param):
            return f"{short(self.catalog.parameters[term.name].zh)}（{shown}）"
        if isinstance(term, Mul):
            return f"{self._term(term.left, env)}×{self._term(term.right, env)}（{shown}）"
        return shown

    @staticmethod
    def _number(value: object) -> str:
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else f"{value:g}"
        return str(value)
