"""Every code and every derived classification of the catalog is asserted, by name, in at
least one 那么 step of features/ — the executable specification leaves nothing out."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from pytest_bdd.feature import get_features
from pytest_bdd.parser import Feature

from engine import load_policy
from tests.steps.lookup import Labelled, PolicyLike, find

FEATURES = Path(__file__).resolve().parent.parent / "features"
QUOTED = re.compile(r'"([^"]+)"')


@pytest.fixture(scope="module")
def policy() -> PolicyLike:
    return load_policy().catalog


@pytest.fixture(scope="module")
def features() -> list[Feature]:
    return get_features([str(FEATURES)])


def then_names(features: list[Feature]) -> Iterator[str]:
    """Every name a 那么 step quotes, or lists in the first column of its table."""
    for feature in features:
        for template in feature.scenarios.values():
            contexts = [row for examples in template.examples for row in examples.as_contexts()]
            for context in contexts or [{}]:
                for step in template.render(context).steps:
                    if step.type != "then":
                        continue
                    yield from QUOTED.findall(step.name)
                    if step.datatable is not None:
                        yield from (str(row.cells[0].value) for row in step.datatable.rows[1:])


def asserted(names: Iterator[str], table: Mapping[str, Labelled]) -> set[str]:
    found = set()
    for text in names:
        name = find(text, table)
        if name is not None:
            found.add(name)
    return found


def describe(missing: set[str], table: Mapping[str, Labelled]) -> str:
    return "\n".join(f"  {name}（{table[name].zh}）" for name in sorted(missing))


def test_features_are_written_in_chinese(features: list[Feature]) -> None:
    others = [f.rel_filename for f in features if f.language != "zh-CN"]
    assert features, f"no feature files under {FEATURES}"
    assert not others, f"feature files without `# language: zh-CN`: {others}"


def test_every_code_is_asserted_by_a_then_step(policy: PolicyLike, features: list[Feature]) -> None:
    missing = set(policy.codes) - asserted(then_names(features), policy.codes)
    assert not missing, "codes no 那么 step asserts:\n" + describe(missing, policy.codes)


def test_every_classification_is_asserted_by_a_then_step(
    policy: PolicyLike, features: list[Feature]
) -> None:
    table = policy.classifications
    missing = set(table) - asserted(then_names(features), table)
    assert not missing, "classifications no 那么 step asserts:\n" + describe(missing, table)
