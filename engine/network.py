"""Decisions into durable_rules ruleset definitions, lean: one rule per distinct term.

Every decision's TRUE and FALSE terms are pooled per stratum, and a term that several
decisions share becomes a single rule (`r7`) whose name table lists every decision it
settles: the one `d.is_rural_left_behind_woman == false` term closes dozens of codes
with one action instead of dozens. Each ruleset also records the fields its tests read,
so it is asserted only those. Rulesets are packed so that no alpha walk can overflow
durable_rules' fixed stack (see engine/durable.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from engine.rulesets import Atom, Decision, rule_name

PROFILE = json.dumps({"t": "profile"})
CATCH_ALL = "catch_all"
STACK_BUDGET = 60  # pending alpha nodes per ruleset walk; durable_rules' stack holds 64
GROUPS = ("f", "l", "p", "c", "d", "e")  # the fact's sections (see Evaluator.message_for)


@dataclass(frozen=True)
class Network:
    """One ruleset's definition, what each of its rules settles, and the fields it reads."""

    definition: dict[str, Any]
    settles: dict[str, tuple[str, ...]]  # rule name → decision names (`C:CODE:F`…)
    reads: tuple[tuple[str, tuple[str, ...]], ...]  # (section, field names) asserted


class _Trie:
    """The alpha network durable_rules builds for a ruleset: one chain per rule, with
    identical tests under the same parent shared (rete.c `findAlpha`)."""

    def __init__(self) -> None:
        self.root: dict[Atom, Any] = {}

    def add(self, term: tuple[Atom, ...]) -> None:
        node = self.root.setdefault(PROFILE, {})
        for atom in term:
            node = node.setdefault(atom, {})

    def stack_bound(self) -> int:
        """Most alpha nodes the walk can have pending at once: along any root-to-leaf path,
        every node's children may all match and wait on the stack."""

        def bound(node: dict[Atom, Any]) -> int:
            return len(node) + max((bound(child) for child in node.values()), default=0)

        return 1 + bound(self.root)


def _paths(test: Any, into: set[str]) -> None:
    """The dotted field paths an atom reads, `$m` references on its right side included."""
    if isinstance(test, dict):
        for key, value in test.items():
            if key == "$m":
                into.add(str(value))
            elif not key.startswith("$"):
                into.add(key)
                _paths(value, into)
            else:
                _paths(value, into)


def _reads(atoms: Iterable[Atom]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    paths: set[str] = set()
    for atom in atoms:
        _paths(json.loads(atom), paths)
    by_group: dict[str, set[str]] = {}
    for path in paths:
        group, name = path.split(".")[:2]  # `l.fact.value` is read as the whole `l.fact`
        by_group.setdefault(group, set()).add(name)
    unknown = set(by_group) - set(GROUPS)
    if unknown:
        raise ValueError(f"tests read unknown sections {sorted(unknown)}")
    return tuple((g, tuple(sorted(by_group[g]))) for g in GROUPS if g in by_group)


def _network(rules: dict[tuple[Atom, ...], list[str]]) -> Network:
    definition: dict[str, Any] = {}
    settles: dict[str, tuple[str, ...]] = {}
    for index, (chain, names) in enumerate(rules.items()):
        tests = [json.loads(a) for a in (PROFILE, *chain)]
        definition[f"r{index}"] = {"all": [{"m": {"$and": tests}}]}
        settles[f"r{index}"] = tuple(names)
    definition[CATCH_ALL] = {"all": [{"m": json.loads(PROFILE)}]}
    settles[CATCH_ALL] = (CATCH_ALL,)
    return Network(definition, settles, _reads(a for chain in rules for a in chain))


def pack(decisions: list[Decision]) -> list[list[Network]]:
    """The rulesets of each stratum; no ruleset can overflow durable_rules' stack."""
    strata: list[list[Network]] = []
    for level in range(max(d.stratum for d in decisions) + 1):
        # one rule per distinct term, settling every decision that has the term
        terms: dict[frozenset[Atom], list[str]] = {}
        for d in decisions:
            if d.stratum == level:
                for truth, dnf in ((True, d.true), (False, d.false)):
                    for term in dnf:
                        terms.setdefault(frozenset(term), []).append(
                            rule_name(d.kind, d.target, truth)
                        )
        # the most common tests go first in every chain, so chains share their prefixes
        frequency: dict[Atom, int] = {}
        for term in terms:
            for atom in term:
                frequency[atom] = frequency.get(atom, 0) + 1
        networks: list[Network] = []
        current: dict[tuple[Atom, ...], list[str]] = {}
        trie = _Trie()
        for term, names in terms.items():
            chain = tuple(sorted(term, key=lambda a: (-frequency[a], a)))
            trie.add(chain)
            if current and trie.stack_bound() > STACK_BUDGET:
                networks.append(_network(current))
                current, trie = {}, _Trie()
                trie.add(chain)
            current[chain] = names
        if current or not networks:
            networks.append(_network(current))
        strata.append(networks)
    return strata
