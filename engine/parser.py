"""The condition language's parser: catalogue notation → the expression tree of engine/expr.py.

The notation is a subset of Python's expression syntax, so it is parsed with Python's own
`ast` and then type-checked against the catalogue (a fact compared with a value it cannot
take, a non-boolean fact used as a condition, an unknown name: each is an ExprError).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.catalog import Catalog
from engine.expr import (
    FLIPPED,
    And,
    Compare,
    Const,
    Derived,
    Emitted,
    ExprError,
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

_OPS: dict[type[ast.cmpop], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}


@dataclass
class _Parser:
    catalog: Catalog
    codes_with_rules: frozenset[str]
    unknown_values: Mapping[str, frozenset[Any]]
    names: set[str] = field(default_factory=set)

    def parse(self, text: str) -> Node:
        try:
            tree = ast.parse(" ".join(text.split()), mode="eval")
        except SyntaxError as exc:
            raise ExprError(f"条件无法解析 (cannot parse condition): {exc.msg}") from exc
        node = self.node(tree.body)
        self.check_bool(node)
        return node

    # -- building -----------------------------------------------------------
    def node(self, e: ast.expr) -> Node:
        if isinstance(e, ast.BoolOp):
            items = tuple(self.node(v) for v in e.values)
            for item in items:
                self.check_bool(item)
            return And(items) if isinstance(e.op, ast.And) else Or(items)
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Not):
            operand = self.node(e.operand)
            self.check_bool(operand)
            return Not(operand)
        if isinstance(e, ast.Compare):
            return self.compare(e)
        if isinstance(e, ast.Call):
            return self.call(e)
        if isinstance(e, ast.Attribute):
            return self.ref(e)
        if (
            isinstance(e, ast.Constant)
            and isinstance(e.value, str)
            and e.value in ("true", "false")
        ):
            return Const(e.value == "true")
        if isinstance(e, ast.Name) and e.id in ("true", "false"):
            return Const(e.id == "true")
        raise ExprError(f"不支持的表达式 (unsupported expression): {ast.unparse(e)}")

    def ref(self, e: ast.Attribute) -> Fact | Param | Derived:
        if not isinstance(e.value, ast.Name) or e.value.id not in ("f", "d", "p"):
            raise ExprError(
                f"引用须写作 f.x、d.x 或 p.x (reference must be f./d./p.): {ast.unparse(e)}"
            )
        kind, name = e.value.id, e.attr
        if kind == "f":
            if name not in self.catalog.facts:
                raise ExprError(f"未知事实 (unknown fact) f.{name}")
            return Fact(name, self.unknown_values.get(name, frozenset()))
        if kind == "d":
            if name not in self.catalog.classifications:
                raise ExprError(f"未知分类 (unknown classification) d.{name}")
            return Derived(name)
        if name not in self.catalog.parameters:
            raise ExprError(f"未知参数 (unknown parameter) p.{name}")
        return Param(name)

    def call(self, e: ast.Call) -> Node:
        fn = e.func.id if isinstance(e.func, ast.Name) else ""
        if fn == "known" and len(e.args) == 1:
            target = self.node(e.args[0])
            if not isinstance(target, Fact):
                raise ExprError("known() 只接受事实 (known() takes a fact)")
            return Known(target)
        if fn == "has" and len(e.args) == 2:
            target = self.node(e.args[0])
            if not isinstance(target, Fact) or self.catalog.facts[target.name].type != "list":
                raise ExprError("has() 的第一个参数须为列表事实 (has() needs a list fact)")
            value = self.literal(e.args[1])
            self.check_value(target, value)
            return Has(target, str(value))
        if fn == "emitted" and len(e.args) == 1 and isinstance(e.args[0], ast.Name):
            code = e.args[0].id
            if code not in self.catalog.codes:
                raise ExprError(f"未知代码 (unknown code) {code}")
            return Emitted(code)
        raise ExprError(f"未知函数或参数个数错误 (unknown function or arity): {ast.unparse(e)}")

    def literal(self, e: ast.expr) -> Any:
        if isinstance(e, ast.Name):
            if e.id in ("true", "false"):
                return e.id == "true"
            return e.id
        if isinstance(e, ast.Constant) and isinstance(e.value, int | float | str):
            return e.value
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.USub):
            inner = self.literal(e.operand)
            if isinstance(inner, int | float) and not isinstance(inner, bool):
                return -inner
        raise ExprError(f"需要字面值 (a literal value is needed): {ast.unparse(e)}")

    def term(self, e: ast.expr) -> Term:
        if isinstance(e, ast.Attribute):
            ref = self.ref(e)
            if isinstance(ref, Derived):
                raise ExprError(f"分类不能比较 (a classification cannot be compared): d.{ref.name}")
            return ref
        if isinstance(e, ast.BinOp) and isinstance(e.op, ast.Mult):
            left, right = self.term(e.left), self.term(e.right)
            for side in (left, right):
                if self.term_type(side) not in ("integer", "number"):
                    raise ExprError(f"乘法只用于数值 (* needs numbers): {ast.unparse(e)}")
            return Mul(left, right)
        return Const(self.literal(e))

    def compare(self, e: ast.Compare) -> Node:
        parts: list[Node] = []
        left_expr = e.left
        for op, right_expr in zip(e.ops, e.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                target = self.term(left_expr)
                if not isinstance(target, Fact) or not isinstance(right_expr, ast.List | ast.Tuple):
                    raise ExprError(f"`in` 需写作 f.x in [a, b]: {ast.unparse(e)}")
                values = tuple(self.literal(v) for v in right_expr.elts)
                for value in values:
                    self.check_value(target, value)
                node: Node = In(target, values)
                parts.append(Not(node) if isinstance(op, ast.NotIn) else node)
            elif type(op) in _OPS:
                left, right = self.term(left_expr), self.term(right_expr)
                parts.append(self.typed_compare(_OPS[type(op)], left, right, e))
            else:
                raise ExprError(f"不支持的比较 (unsupported comparison): {ast.unparse(e)}")
            left_expr = right_expr
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def typed_compare(self, op: str, left: Term, right: Term, e: ast.Compare) -> Compare:
        if isinstance(left, Const) and isinstance(right, Const):
            raise ExprError(f"比较两侧都是常量 (comparing two constants): {ast.unparse(e)}")
        if isinstance(left, Const):  # keep a reference on the left
            left, right, op = right, left, FLIPPED[op]
        ltype = self.term_type(left)
        if isinstance(right, Const):
            self.check_const(left, ltype, right.value)
        else:
            rtype = self.term_type(right)
            numeric = {"integer", "number"}
            if ltype != rtype and not (ltype in numeric and rtype in numeric):
                raise ExprError(f"类型不一致 (type mismatch {ltype} vs {rtype}): {ast.unparse(e)}")
        if op not in ("==", "!=") and ltype not in ("integer", "number"):
            raise ExprError(f"大小比较只用于数值 (ordering needs numbers): {ast.unparse(e)}")
        return Compare(op, left, right)

    def term_type(self, t: Term) -> str:
        if isinstance(t, Fact):
            return self.catalog.facts[t.name].type
        if isinstance(t, Param):
            return self.catalog.parameters[t.name].type
        if isinstance(t, Mul):
            return "number"
        if isinstance(t.value, bool):
            return "boolean"
        if isinstance(t.value, int | float):
            return "number"
        return "enum"

    def check_const(self, left: Term, ltype: str, value: Any) -> None:
        if ltype == "boolean":
            if not isinstance(value, bool):
                raise ExprError(
                    f"布尔事实只能与 true/false 比较 (boolean needs true/false): {value!r}"
                )
        elif ltype in ("integer", "number"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ExprError(f"数值事实需要数字 (a number is needed): {value!r}")
            if isinstance(left, Fact) and self.catalog.facts[left.name].values:
                self.check_value(left, value)
        elif ltype == "enum" and isinstance(left, Fact):
            self.check_value(left, value)
        else:
            raise ExprError(f"不能与常量比较的类型 (cannot compare {ltype} with a constant)")

    def check_value(self, fact: Fact, value: Any) -> None:
        fdef = self.catalog.facts[fact.name]
        if fdef.values is not None and str(value) not in fdef.values:
            allowed = ", ".join(fdef.values)
            raise ExprError(f"f.{fact.name} 没有取值 {value!r} (allowed: {allowed})")
        if fdef.type in ("integer", "number") and (
            isinstance(value, bool) or not isinstance(value, int | float)
        ):
            raise ExprError(f"f.{fact.name} 需要数字 (needs a number): {value!r}")

    def check_bool(self, node: Node) -> None:
        if isinstance(node, Fact) and self.catalog.facts[node.name].type != "boolean":
            raise ExprError(f"f.{node.name} 不是布尔事实，不能单独作条件 (not a boolean fact)")
        if isinstance(node, Param) and self.catalog.parameters[node.name].type != "boolean":
            raise ExprError(f"p.{node.name} 不是布尔参数，不能单独作条件 (not a boolean parameter)")
        if isinstance(node, Const) and not isinstance(node.value, bool):
            raise ExprError(f"条件需要真假值 (a condition must be true/false): {node.value!r}")


def parse_condition(
    text: str | bool,
    catalog: Catalog,
    unknown_values: Mapping[str, frozenset[Any]] | None = None,
) -> Node:
    """Parse and type-check one condition against the catalog."""
    if isinstance(text, bool):
        return Const(text)
    return _Parser(catalog, frozenset(), unknown_values or {}).parse(text)


def parse_value(text: str, catalog: Catalog) -> Term:
    """Parse an `outputs:` value expression: a fact, a parameter or a literal."""
    parser = _Parser(catalog, frozenset(), {})
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"无法解析 (cannot parse): {exc.msg}") from exc
    return parser.term(tree.body)
