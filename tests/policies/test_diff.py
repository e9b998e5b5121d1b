"""The diff of two policy sets names exactly what differs: rules and parameter values."""

from __future__ import annotations

import re

from engine import Policy
from engine.diff import diff_policies
from engine.sources import load_sources, overlay

RAISED = """\
region: "430000"
name: 湖南省（测试）
parameters:
  dibao_standard_monthly:
    - {from: 2025-01-01, value: 600, source: 测试用虚构标准}
    - {from: 2026-01-01, value: 700, source: 测试用虚构标准}
  prev_year_per_capita_disposable_income:
    - {from: 2025-01-01, value: 1800}
  rigid_expenditure_ratio_threshold:
    - {from: 2025-01-01, value: 0.7}
""".encode()


def _with_changed_rule(policy: Policy) -> tuple[list[tuple[str, bytes]], str]:
    """The draft: 湖南's 2026 低保标准 raised to 700, and one rule's condition narrowed."""
    source = next(s for s in policy.sources if s.path.endswith("3-6-family.yaml"))
    lines = source.data.decode().splitlines(keepends=True)
    rule_id = ""
    for index, line in enumerate(lines):
        if line.startswith("- id: "):
            rule_id = line.removeprefix("- id: ").strip()
        match = re.match(r"^  when: ([^>|].*)$", line)
        if match and rule_id:
            lines[index] = f"  when: ({match.group(1)}) and f.has_minor_children\n"
            break
    return [(source.path, "".join(lines).encode()), ("hunan-430000.yaml", RAISED)], rule_id


class TestDiff:
    def test_one_parameter_and_one_rule_are_exactly_what_is_named(self, policy: Policy) -> None:
        draft, rule_id = _with_changed_rule(policy)
        after = load_sources(overlay(policy.sources, draft))
        diff = diff_policies(policy, after)
        assert [c.id for c in diff.changed] == [rule_id]
        assert diff.changed[0].changes == ("条件",)
        assert diff.added == () and diff.removed == ()
        assert [(v.region, v.parameter) for v in diff.parameters] == [
            ("430000", "dibao_standard_monthly")
        ]
        text = "\n".join(diff.lines_zh())
        assert f"修改规则 {rule_id}" in text
        assert "新：2026-01-01 起：700（测试用虚构标准）" in text
        assert "原：2026-01-01 起：650（测试用虚构标准）" in text
        assert "    新条件：" in text  # the new condition, as sentences

    def test_a_set_against_itself_has_no_difference(self, policy: Policy) -> None:
        again = load_sources(policy.sources, expect=policy.version)
        diff = diff_policies(policy, again)
        assert diff.empty
        assert diff.lines_zh()[-1] == "规则与参数没有变化。"

    def test_a_new_rule_file_is_an_added_rule(self, policy: Policy) -> None:
        source = next(s for s in policy.sources if s.path.endswith("3-6-family.yaml"))
        text = source.data.decode()
        first, second = text.split("\n- id: ", 1)
        moved_id = second.split("\n", 1)[0].strip()
        # the first part of the file stays, the rest moves to a new file: nothing changes
        draft = [
            (source.path, (first + "\n").encode()),
            ("rules/new.yaml", ("- id: " + second).encode()),
        ]
        after = load_sources(overlay(policy.sources, draft))
        diff = diff_policies(policy, after)
        assert diff.empty, diff.lines_zh()
        assert moved_id
        assert diff.files["added"] == ["rules/new.yaml"]
