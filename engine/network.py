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
from dataclasses import dataclass
from typing import Any

from engine.rulesets import Atom, CompiledDecision, rule_name

PROFILE = json.dumps({"t": "profile"})
CATCH_ALL = "catch_all"
STACK_BUDGET = 60  # pending alpha nodes per ruleset walk; durable_rules' stack holds 64
GROUPS = ("f", "l", "p", "c", "d", "e")  # the fact's sections (see Evaluator.message_for)


@dataclass(frozen=True)
class Network:
    """One ruleset's definition, what each of its rules settles, and the fields it reads."""

    definition: dict[str, Any]
    settles: dict[str, tuple[str, ...]]  # rule name → decision names (`C:CODE:F`…)
    reads: tuple[Read, ...]  # what is asserted, under which key


@dataclass(frozen=True)
class Read:
    """One asserted field: its short key, its section, its name (and list value)."""

    key: str
    group: str
    name: str
    value: str | None = None


class Keys:
    """Short flat keys for dotted field paths, shared by a pipeline's rulesets."""

    def __init__(self) -> None:
        self.by_path: dict[str, Read] = {}

    def read(self, path: str) -> Read:
        if path not in self.by_path:
            group, name, *value = path.split(".")
            if group not in GROUPS or len(value) != (group == "l"):
                raise ValueError(f"a test reads {path!r}, outside the fact's sections")
            count = sum(r.group == group for r in self.by_path.values())
            self.by_path[path] = Read(f"{group}{count}", group, name, *value)
        return self.by_path[path]

    def rename(self, test: Any) -> Any:
        """An atom's test with every field path replaced by its short key."""
        if not isinstance(test, dict):
            return test
        out = {}
        for key, value in test.items():
            if key == "$m":
                out[key] = self.read(str(value)).key
            elif key.startswith("$"):
                out[key] = self.rename(value)
            else:
                out[self.read(key).key] = self.rename(value)
        return out


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


def _network(rules: dict[tuple[Atom, ...], list[str]], keys: Keys) -> Network:
    definition: dict[str, Any] = {}
    settles: dict[str, tuple[str, ...]] = {}
    reads: dict[str, Read] = {}
    for index, (chain, names) in enumerate(rules.items()):
        tests = [json.loads(PROFILE)]
        tests += [keys.rename(json.loads(atom)) for atom in chain]
        definition[f"r{index}"] = {"all": [{"m": {"$and": tests}}]}
        settles[f"r{index}"] = tuple(names)
        for atom in chain:
            for path in _paths(json.loads(atom)):
                read = keys.read(path)
                reads[read.key] = read
    definition[CATCH_ALL] = {"all": [{"m": json.loads(PROFILE)}]}
    settles[CATCH_ALL] = (CATCH_ALL,)
    return Network(definition, settles, tuple(reads[k] for k in sorted(reads)))


def _paths(test: Any) -> list[str]:
    """The dotted field paths an atom reads, `$m` references on its right side included."""
    out: list[str] = []
    if isinstance(test, dict):
        for key, value in test.items():
            if key == "$m":
                out.append(str(value))
            elif not key.startswith("$"):
                out.append(key)
            out += _paths(value)
    return out


def pack(decisions: list[CompiledDecision]) -> list[list[Network]]:
    """The rulesets of each stratum; no ruleset can overflow durable_rules' stack."""
    strata: list[list[Network]] = []
    keys = Keys()
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
        for pooled in terms:
            for atom in pooled:
                frequency[atom] = frequency.get(atom, 0) + 1
        networks: list[Network] = []
        current: dict[tuple[Atom, ...], list[str]] = {}
        trie = _Trie()
        for atoms, names in terms.items():
            chain = tuple(sorted(atoms, key=lambda a: (-frequency[a], a)))
            trie.add(chain)
            if current and trie.stack_bound() > STACK_BUDGET:
                networks.append(_network(current, keys))
                current, trie = {}, _Trie()
                trie.add(chain)
            current[chain] = names
        if current or not networks:
            networks.append(_network(current, keys))
        strata.append(networks)
    return strata
