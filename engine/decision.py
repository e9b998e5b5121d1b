"""What one evaluation decided, as data: durable_rules' fired rules, the evaluator's values,
and the environment they were computed in — handed to the assembler as is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from engine.expr import Node, Tri
from engine.kleene import Env
from engine.rulesets import rule_name

if TYPE_CHECKING:
    from engine.catalog import Catalog
    from engine.policy import Policy
    from engine.reasons import Explainer
    from engine.rules import Rule


@cache
def names_of(key: str) -> tuple[str, str, str, str]:
    """`C:CODE` → (kind, target, TRUE rule name, FALSE rule name)."""
    kind, target = key.split(":")
    return kind, target, rule_name(kind, target, True), rule_name(kind, target, False)


@dataclass(frozen=True)
class Decision:
    """What durable_rules fired and what the three-valued evaluator found, for one profile."""

    facts: dict[str, Any]
    params: dict[str, Any]
    fired: frozenset[str]
    kleene: dict[str, Tri]
    env: Env | None = None  # the evaluator's environment, memoised values included

    def durable_value(self, kind: str, target: str) -> Tri:
        """TRUE, FALSE or unknown as durable_rules decided it."""
        _, _, true, false = names_of(f"{kind}:{target}")
        if true in self.fired:
            return True
        if false in self.fired:
            return False
        return None

    def disagreements(self) -> list[str]:
        """Every compiled rule on which durable_rules and the evaluator differ (one pass)."""
        out = []
        fired = self.fired
        for name, expected in self.kleene.items():
            _, _, true, false = names_of(name)
            is_true, is_false = true in fired, false in fired
            got = True if is_true else False if is_false else None
            if got is not expected or (is_true and is_false):
                out.append(f"{name}: durable={got} evaluator={expected}")
        return out


class Engine(Protocol):
    """What the assembler reads of the evaluator (engine/evaluate.py implements it)."""

    @property
    def policy(self) -> Policy: ...

    @property
    def catalog(self) -> Catalog: ...

    @property
    def classification_rules(self) -> Mapping[str, Rule]: ...

    @property
    def code_rules(self) -> Mapping[str, Rule]: ...

    @property
    def explainer(self) -> Explainer: ...

    @property
    def code_order(self) -> dict[str, int]: ...

    @property
    def fact_order(self) -> dict[str, int]: ...

    def env(
        self,
        facts: Mapping[str, Any],
        params: Mapping[str, Any],
        day: date,
        override: Mapping[str, Tri] | None = None,
    ) -> Env: ...

    def expand(self, kind: str, name: str) -> Node | None: ...
