"""Reasons: short Chinese sentences naming the facts and values that decided a condition."""

from __future__ import annotations

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
)
from engine.kleene import Env, evaluate, term_value

_WORDS = {"==": "等于", "!=": "不等于", "<": "低于", "<=": "不高于", ">": "高于", ">=": "不低于"}


class Explainer:
    """Explains why a condition has the value it has, in the catalog's Chinese labels."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def why(self, node: Node, env: Env) -> list[str]:
        """Sentences for a condition that is true (or false): the facts that made it so."""
        value = evaluate(node, env)
        if value is None:
            return []
        out: list[str] = []
        self._explain(node, env, value, out)
        return list(dict.fromkeys(out))

    def missing(self, facts: list[str], params: list[str]) -> list[str]:
        """Sentences for a condition that is unknown: what is missing."""
        out = [f"缺少：{self.catalog.facts[f].zh}" for f in facts]
        out += [f"缺少地区参数：{self.catalog.parameters[p].zh}" for p in params]
        return out

    def _explain(self, node: Node, env: Env, value: bool, out: list[str]) -> None:
        c = self.catalog
        if isinstance(node, And | Or):
            every = isinstance(node, And) == value  # an AND that holds / an OR that fails
            for operand in node.operands:
                v = evaluate(operand, env)
                if v is not None and (every or v is value):
                    self._explain(operand, env, v, out)
        elif isinstance(node, Not):
            self._explain(node.operand, env, not value, out)
        elif isinstance(node, Fact):
            out.append(f"{c.facts[node.name].zh}：{'是' if value else '否'}")
        elif isinstance(node, Param):
            out.append(f"地区参数“{c.parameters[node.name].zh}”：{'是' if value else '否'}")
        elif isinstance(node, Derived):
            cls = c.classifications[node.name]
            out.append(cls.true_zh if value else cls.false_zh)
        elif isinstance(node, Emitted):
            code = c.codes[node.code].zh
            out.append(f"符合“{code}”的条件" if value else f"不符合“{code}”的条件")
        elif isinstance(node, Known):
            zh = c.facts[node.fact.name].zh
            out.append(f"已提供“{zh}”" if value else f"未提供“{zh}”")
        elif isinstance(node, Has):
            fdef = c.facts[node.fact.name]
            verb = "包括" if value else "不包括"
            out.append(f"{fdef.zh}{verb}“{fdef.value_label(node.value)}”")
        elif isinstance(node, In):
            fdef = c.facts[node.fact.name]
            actual = fdef.value_label(env.facts.get(node.fact.name))
            options = "或".join(fdef.value_label(v) for v in node.values)
            out.append(f"{fdef.zh}为{actual}（{'属于' if value else '不属于'}{options}）")
        elif isinstance(node, Compare):
            out.append(self._compare(node, env, value))
        elif isinstance(node, Const):
            return

    def _compare(self, node: Compare, env: Env, value: bool) -> str:
        left, right, op = node.left, node.right, node.op if value else NEGATED[node.op]
        if isinstance(left, Fact) and isinstance(right, Const):
            fdef = self.catalog.facts[left.name]
            actual = term_value(left, env)
            if isinstance(right.value, bool) or op in ("==", "!="):
                return f"{fdef.zh}：{fdef.value_label(actual)}"
            bound = fdef.value_label(right.value)
            return f"{fdef.zh}为{fdef.value_label(actual)}，{_WORDS[op]}{bound}"
        return f"{self._term(left, env)}{_WORDS[op]}{self._term(right, env)}"

    def _term(self, term: Term, env: Env) -> str:
        value = term_value(term, env)
        shown = self._number(value)
        if isinstance(term, Fact):
            return f"{self.catalog.facts[term.name].zh}（{shown}）"
        if isinstance(term, Param):
            return f"{self.catalog.parameters[term.name].zh}（{shown}）"
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
