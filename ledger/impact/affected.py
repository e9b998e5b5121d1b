"""Which decisions a draft can change, and a cheap check whether one case's did.

Two sets with the same catalog differ in parameter values and in rules. A decision (a
classification, a code's condition, its eligible_when / choose_higher_when) can only take
another value if its rule changed, or it reads a parameter whose values changed, or it reads
such a decision. For one case, those few conditions are evaluated under both sets (three-valued,
in the case's own world and in the world where she is taken as left-behind, §3a); when every
one comes out the same, so does the whole result, and the full evaluation is skipped.
The impact test checks this against evaluating every case in full under both sets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from engine import Evaluator, Policy, Profile
from engine.expr import Node, references
from engine.kleene import Env, evaluate
from engine.parameters import region_chain
from engine.rules import Rule
from engine.vocabulary import LEFT_BEHIND


def _conditions(rule: Rule) -> list[Node]:
    nodes = [rule.when, rule.eligible_when, rule.choose_higher_when, *rule.outputs.values()]
    return [n for n in nodes if n is not None]  # type: ignore[misc]


def _strip(rule: Rule) -> Rule:
    return replace(rule, file="", line=0)


def changed_parameters(a: Policy, b: Policy) -> set[str]:
    """Parameters whose dated entries differ in any region."""
    names: set[str] = set()
    for region in {*a.parameters.by_region, *b.parameters.by_region}:
        pa = a.parameters.by_region.get(region, {})
        pb = b.parameters.by_region.get(region, {})
        names |= {n for n in {*pa, *pb} if pa.get(n) != pb.get(n)}
    return names


def affected_targets(a: Policy, b: Policy) -> set[str] | None:
    """The targets whose decisions the draft can change; None when anything can (catalogs
    differ)."""
    if a.catalog != b.catalog:
        return None
    ra = {r.target: _strip(r) for r in a.rules}
    rb = {r.target: _strip(r) for r in b.rules}
    affected = {t for t in {*ra, *rb} if ra.get(t) != rb.get(t)}
    params = changed_parameters(a, b)
    reads: dict[str, tuple[set[str], set[str]]] = {}
    for target, rule in rb.items():
        read_params: set[str] = set()
        read_targets: set[str] = set()
        for node in _conditions(rule):
            _, p, derived, emitted = references(node)
            read_params |= p
            read_targets |= derived | emitted
        reads[target] = (read_params, read_targets)
    affected |= {t for t, (p, _) in reads.items() if p & params}
    grew = True
    while grew:
        grew = False
        for target, (_, deps) in reads.items():
            if target not in affected and deps & affected:
                affected.add(target)
                grew = True
    return affected


class Precheck:
    """Whether one case's affected decisions come out the same under both sets."""

    def __init__(self, base: Evaluator, draft: Evaluator, targets: set[str], day: date) -> None:
        self.base, self.draft, self.day = base, draft, day
        self.classifications = [t for t in base.classification_rules if t in targets]
        self.codes = [t for t in base.code_rules if t in targets]
        # in the §3a world only the national laws' codes are evaluated (engine/outside.py)
        self.law_codes = [c for c in self.codes if base.code_rules[c].basis == "law"]
        self._params: dict[str | None, tuple[dict[str, Any], dict[str, Any]]] = {}

    def params(self, region: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
        """The parameters in force for a region under both sets (one day: kept per region)."""
        if region not in self._params:
            chain = region_chain(region)
            self._params[region] = (
                self.base.policy.parameters.resolve_all(chain, self.day),
                self.draft.policy.parameters.resolve_all(chain, self.day),
            )
        return self._params[region]

    def _values(self, ev: Evaluator, env: Env, codes: list[str] | None = None) -> list[Any]:
        out: list[Any] = [] if codes is not None else [env.derived(n) for n in self.classifications]
        for code in self.codes if codes is None else codes:
            rule = ev.code_rules.get(code)
            if rule is None:
                out.append("absent")
                continue
            out.append(env.emitted(code))
            for node in (rule.eligible_when, rule.choose_higher_when):
                out.append(None if node is None else evaluate(node, env))
        return out

    def same(self, profile: Profile) -> bool:
        """True when no affected decision differs (in her world and the §3a world)."""
        if not self.classifications and not self.codes:
            return True
        day = self.day
        facts: Mapping[str, Any] = self.base.facts_for(profile, day)
        pa, pb = self.params(profile.region_code)
        ea, eb = self.base.env(facts, pa, day), self.draft.env(facts, pb, day)
        if self._values(self.base, ea) != self._values(self.draft, eb):
            return False
        if not self.law_codes or (ea.derived(LEFT_BEHIND) is True and eb.derived(LEFT_BEHIND)):
            return True  # no law code affected, or the §3a world is her own world
        forced = {LEFT_BEHIND: True}
        ea, eb = self.base.env(facts, pa, day, forced), self.draft.env(facts, pb, day, forced)
        laws = self.law_codes
        return self._values(self.base, ea, laws) == self._values(self.draft, eb, laws)
