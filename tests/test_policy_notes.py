"""Policy officers read the rule files: every `notes:` entry is Chinese first, English after
(`中文…… / English …`), and policies/README.md opens in Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

POLICIES = Path(__file__).resolve().parent.parent / "policies"
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_rule_note_is_chinese_first() -> None:
    english_first = []
    count = 0
    for path in sorted((POLICIES / "rules").rglob("*.yaml")):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            for note in rule.get("notes") or []:
                count += 1
                chinese = note.split(" / ", 1)[0]
                if not CJK.search(chinese) or len(CJK.findall(chinese)) < len(chinese) / 4:
                    english_first.append(f"{path.name}: {rule['id']}: {note[:40]}")
    assert count > 50
    assert english_first == [], "\n".join(english_first)


def test_the_policies_readme_opens_in_chinese() -> None:
    text = (POLICIES / "README.md").read_text(encoding="utf-8")
    first = next(line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    assert CJK.search(first), first
