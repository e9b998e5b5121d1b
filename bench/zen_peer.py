"""The peer: GoRules ZEN deciding the same conditions as one decision graph.

The graph is built from the very rulesets durable_rules runs (the same DNF terms over the
same flat fact): one expression node per stratum, each decision an expression
`TRUE-terms ? true : (FALSE-terms ? false : null)`, unknown inputs as null, later strata
reading what earlier ones decided. The bench checks it decides what the baseline decides.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from typing import Any

import zen

from engine.durable import DurablePipeline
from engine.network import CATCH_ALL

_OPS = {"$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">=", "$neq": "!="}


def _rhs(rhs: Any, refs: list[str]) -> str:
    if isinstance(rhs, dict) and "$m" in rhs:
        refs.append(rhs["$m"])
        return str(rhs["$m"])
    if isinstance(rhs, dict) and "$mul" in rhs:
        body = rhs["$mul"]
        return f"({_rhs(body['$l'], refs)} * {_rhs(body['$r'], refs)})"
    return json.dumps(rhs)


def expression(test: dict[str, Any]) -> str:
    """One test in ZEN's expression language, null-safe (absent compares false)."""
    ((op, body),) = test.items()
    if op in ("$ex", "$nex"):
        (key,) = body
        return f"{key} {'!=' if op == '$ex' else '=='} null"
    if op in _OPS:
        ((key, rhs),) = body.items()
        refs: list[str] = []
        right = _rhs(rhs, refs)
        guards = " and ".join(f"{k} != null" for k in [key, *refs])
        return f"({guards} and {key} {_OPS[op]} {right})"
    return f"{op} == {json.dumps(body)}"


class ZenPeer:
    """The pipeline's rulesets as one ZEN decision graph."""

    def __init__(self, pipeline: DurablePipeline) -> None:
        nodes: list[dict[str, Any]] = [_node("in", "inputNode")]
        self.outputs: dict[str, str] = {}  # decision name (`C:X`) → output key
        forwarded = {
            true.rsplit(":", 1)[0]: key for stratum in pipeline.forwards for key, true, _ in stratum
        }
        for level, rulesets in enumerate(pipeline.strata):
            terms: dict[str, list[str]] = {}
            for rs in rulesets:
                for name, rule in rs.network.definition.items():
                    if name == CATCH_ALL:
                        continue
                    tests = [t for t in rule["all"][0]["m"]["$and"] if t != {"t": "profile"}]
                    text = " and ".join(expression(t) for t in tests) or "true"
                    for decided in rs.settles[name]:
                        terms.setdefault(decided, []).append(f"({text})")
            expressions = []
            for decision in sorted({n.rsplit(":", 1)[0] for n in terms}):
                key = forwarded.get(decision, f"z{len(self.outputs)}")
                self.outputs[decision] = key
                true = " or ".join(terms.get(f"{decision}:T", [])) or "false"
                false = " or ".join(terms.get(f"{decision}:F", [])) or "false"
                value = f"({true}) ? true : (({false}) ? false : null)"
                expressions.append({"id": f"x{key}", "key": key, "value": value})
            content = {"expressions": expressions, "passThrough": True, "executionMode": "single"}
            nodes.append({**_node(f"s{level}", "expressionNode"), "content": content})
        nodes.append(_node("out", "outputNode"))
        edges = [
            {"id": f"e{i}", "sourceId": a["id"], "targetId": b["id"], "type": "edge"}
            for i, (a, b) in enumerate(itertools.pairwise(nodes))
        ]
        self.decision = zen.ZenEngine().create_decision(
            json.dumps({"nodes": nodes, "edges": edges})
        )

    def decide(self, flat: Mapping[str, Any]) -> dict[str, Any]:
        """The graph's output for a flat fact: every decision true, false or null."""
        return dict(self.decision.evaluate(dict(flat))["result"])

    def fired(self, result: Mapping[str, Any]) -> frozenset[str]:
        """The output as fired names, comparable with the baseline's."""
        names = {CATCH_ALL}
        for decision, key in self.outputs.items():
            value = result.get(key)
            if value is not None:
                names.add(f"{decision}:{'T' if value else 'F'}")
        return frozenset(names)


def _node(node_id: str, kind: str) -> dict[str, Any]:
    return {"id": node_id, "type": kind, "name": node_id, "position": {"x": 0, "y": 0}}
