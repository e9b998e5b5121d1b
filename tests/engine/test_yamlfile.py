"""The strict YAML reader refuses what YAML would silently get wrong, with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import SHIPPED_POLICIES, PolicyError
from engine.yamlfile import Located, LocatedList, line_of, load_yaml

ROOT = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "file.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("a: 1\nb: 2\na: 3\n", 3, "duplicate key 'a'"),
        ("a: 1\nflag: no\n", 2, "ambiguous 'no'"),
        ("a: 1\nflag: On\n", 2, "ambiguous 'On'"),
        ("region: 010000\n", 1, "leading zero"),
        ("t: 1:20\n", 1, "base 60"),
        ("a: [1, 2\n", 2, "YAML syntax error"),
        ("p:\n  - {from: 2025-13-01, value: 1}\n", 2, "not a real date: '2025-13-01'"),
        ("p:\n  - {from: 2025-01-01}\n  - {from: 2025-02-30}\n", 3, "不存在的日期"),
    ],
)
@pytest.mark.parametrize("fast", [True, False], ids=["libyaml", "python"])
def test_silent_conversions_and_duplicates_are_refused_with_their_line(
    tmp_path: Path, text: str, line: int, words: str, fast: bool
) -> None:
    with pytest.raises(PolicyError) as caught:
        load_yaml(_write(tmp_path, text), fast=fast)
    (issue,) = caught.value.issues
    assert issue.line == line
    assert words in issue.message
    assert str(issue).startswith(f"{issue.file}:{line}: ")


def test_quoted_values_stay_text_and_true_false_are_booleans(tmp_path: Path) -> None:
    data = load_yaml(_write(tmp_path, 'region: "010000"\nflag: "no"\nok: true\nday: 2025-03-27\n'))
    assert data == {"region": "010000", "flag": "no", "ok": True, "day": data["day"]}
    assert str(data["day"]) == "2025-03-27"


def test_lines_of_nested_values_are_remembered(tmp_path: Path) -> None:
    data = load_yaml(_write(tmp_path, "a: 1\nb:\n  - {x: 1}\n  - x: 2\n    y: 3\n"))
    assert line_of(data, ("b", 1, "y")) == 5
    assert line_of(data, ("b", 0)) == 3
    assert line_of(data, ("a",)) == 1


def _shape(value: object) -> object:
    """The data with every remembered line, to compare two parsers' results exactly."""
    if isinstance(value, Located):
        items = {k: _shape(v) for k, v in value.items()}
        return ("map", value.line, dict(value.key_lines), items)
    if isinstance(value, LocatedList):
        return ("seq", value.line, list(value.item_lines), [_shape(v) for v in value])
    assert not isinstance(value, dict | list), "every mapping and list remembers its lines"
    return (type(value).__name__, value)


def test_libyaml_and_the_python_parser_read_every_policy_file_alike() -> None:
    files = sorted([*SHIPPED_POLICIES.rglob("*.yaml"), *(ROOT / "tests").rglob("*.yaml")])
    assert len(files) > 15
    for path in files:
        assert _shape(load_yaml(path)) == _shape(load_yaml(path, fast=False)), path


@pytest.mark.parametrize("fast", [True, False], ids=["libyaml", "python"])
def test_a_syntax_error_reads_the_same_from_either_parser(tmp_path: Path, fast: bool) -> None:
    path = _write(tmp_path, "a: 1\nb:\n  - x\n  y: [1\n")
    with pytest.raises(PolicyError) as caught:
        load_yaml(path, fast=fast)
    with pytest.raises(PolicyError) as python:
        load_yaml(path, fast=False)
    assert [str(i) for i in caught.value.issues] == [str(i) for i in python.value.issues]
