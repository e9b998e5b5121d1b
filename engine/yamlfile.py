"""Strict YAML reading: refuses duplicate keys and YAML 1.1's silent conversions, keeps lines.

Mappings come back as `Located` dicts and sequences as `LocatedList`s, which remember the
line of every key and item, so later validation errors can point at `file:line`.

Files are parsed by libyaml (PyYAML's C parser, about 7× faster) when PyYAML has it; the same
constructors and checks run on its nodes. A file libyaml cannot parse is parsed again by the
pure-Python parser, so a syntax error reads the same either way (tests/engine/test_yamlfile.py
checks both parsers give the same data and lines on every shipped file).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from engine.errors import PolicyError, PolicyIssue, relative


class Located(dict[str, Any]):
    """A mapping that remembers the (1-based) line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]


class LocatedList(list[Any]):
    """A sequence that remembers the line of itself and of each item."""

    line: int = 0
    item_lines: list[int]


# Plain scalars YAML 1.1 would silently turn into booleans, octal or sexagesimal numbers.
_AMBIGUOUS_BOOL = re.compile(r"^(yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$")
_LEADING_ZERO = re.compile(r"^[-+]?0[0-9_]+$")
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$")


class _StrictLoader(yaml.SafeLoader):
    file: str = "<string>"

    def issue(self, node: yaml.Node, message: str) -> PolicyError:
        return PolicyError([PolicyIssue(self.file, node.start_mark.line + 1, message)])


# libyaml's parser under the same constructors and checks (None: PyYAML has no libyaml)
_CLoader: Any = getattr(yaml, "CSafeLoader", None)
_FastStrictLoader: Any = None
if _CLoader is not None:

    class _FastStrictLoader(_CLoader):  # type: ignore[no-redef,misc]
        file: str = "<string>"
        issue = _StrictLoader.issue


def _check_scalar(loader: _StrictLoader, node: yaml.ScalarNode) -> None:
    if node.style:
        return  # quoted (the Python parser marks a plain scalar None, libyaml "")
    text = node.value
    if _AMBIGUOUS_BOOL.match(text):
        raise loader.issue(
            node,
            f"模糊的值 {text!r}：请写 true/false，或加引号作为文本 "
            f"(ambiguous {text!r}: write true/false, or quote it)",
        )
    if _LEADING_ZERO.match(text):
        raise loader.issue(
            node,
            f"前导零的数字 {text!r} 会被当作八进制：请加引号 "
            f"(leading zero {text!r} would be read as octal: quote it)",
        )
    if _SEXAGESIMAL.match(text):
        raise loader.issue(
            node, f"{text!r} 会被当作六十进制数：请加引号 (would be read as base 60: quote it)"
        )


def _check_nodes(loader: _StrictLoader, node: yaml.Node) -> None:
    """Refuse every plain scalar that YAML 1.1 would silently convert."""
    if isinstance(node, yaml.ScalarNode):
        _check_scalar(loader, node)
    elif isinstance(node, yaml.SequenceNode):
        for child in node.value:
            _check_nodes(loader, child)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _check_nodes(loader, key)
            _check_nodes(loader, value)


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> Located:
    loader.flatten_mapping(node)
    result = Located()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int) or isinstance(key, bool):
            raise loader.issue(key_node, f"键必须是文本或整数 (a key must be text, got {key!r})")
        skey = str(key)
        if skey in result:
            first = result.key_lines[skey]
            raise loader.issue(
                key_node,
                f"重复的键 {skey!r}（第一次在第 {first} 行）"
                f"(duplicate key {skey!r}, first at line {first})",
            )
        result.key_lines[skey] = key_node.start_mark.line + 1
        result[skey] = loader.construct_object(value_node, deep=True)
    return result


def _construct_sequence(loader: _StrictLoader, node: yaml.SequenceNode) -> LocatedList:
    result = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _construct_timestamp(loader: _StrictLoader, node: yaml.ScalarNode) -> Any:
    """A date that does not exist (2025-13-01, 2025-02-30) is a file:line error like every
    other, not a Python traceback (lint, start and reload alike)."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as exc:
        raise loader.issue(
            node, f"不存在的日期 {node.value!r} (not a real date: {node.value!r})"
        ) from exc


for _loader in filter(None, (_StrictLoader, _FastStrictLoader)):
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
    _loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
    _loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def load_yaml(path: Path, fast: bool = True) -> Any:
    """Read one YAML file strictly; raise PolicyError with file:line on any problem. With
    `fast`, libyaml parses it (the pure-Python parser only to report a syntax error)."""
    name = relative(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(
            [PolicyIssue(name, 0, f"无法读取文件 (cannot read file): {exc}")]
        ) from exc
    if fast and _FastStrictLoader is not None:
        try:
            return _load(_FastStrictLoader(text), name)
        except PolicyError as exc:
            if not isinstance(exc.__cause__, yaml.YAMLError):
                raise  # our own checks: the same message from either parser
        except yaml.YAMLError:
            pass  # what the Python parser says of it is what is reported
    return _load(_StrictLoader(text), name)


def _load(loader: _StrictLoader, name: str) -> Any:
    loader.file = name
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_nodes(loader, node)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise PolicyError(
            [PolicyIssue(name, line, f"YAML 语法错误 (YAML syntax error): {exc.problem}")]
        ) from exc
    finally:
        loader.dispose()


def line_of(data: Any, loc: tuple[int | str, ...]) -> int:
    """The line of the value at `loc` (a pydantic error location) inside located data."""
    line = getattr(data, "line", 0)
    current = data
    for part in loc:
        if isinstance(current, Located) and isinstance(part, str) and part in current:
            line = current.key_lines.get(part, line)
            current = current[part]
        elif isinstance(current, LocatedList) and isinstance(part, int) and part < len(current):
            line = current.item_lines[part]
            current = current[part]
        else:
            break
    return line
