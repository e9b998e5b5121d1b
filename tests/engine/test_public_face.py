"""engine/__init__.py is the engine's public face: what it exports is what callers use."""

from __future__ import annotations

import engine


def test_everything_exported_exists_and_is_documented() -> None:
    for name in engine.__all__:
        value = getattr(engine, name)
        if callable(value):
            assert value.__doc__, f"{name} has no docstring"


def test_the_public_face_is_what_the_doors_need() -> None:
    assert {
        "load_policy",
        "Evaluator",
        "Profile",
        "EvaluationResult",
        "PolicyError",
        "ProfileError",
        "RulesRuntimeError",
        "EngineError",
    } <= set(engine.__all__)
    assert issubclass(engine.PolicyError, engine.EngineError)
    assert issubclass(engine.ProfileError, engine.EngineError)
    assert issubclass(engine.RulesRuntimeError, engine.EngineError)


def test_imports_run_api_to_engine_never_back() -> None:
    import ast
    from pathlib import Path

    for path in Path(engine.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in ("api", "fastapi", "sqlmodel", "sqlalchemy"), (
                    f"{path.name} imports {name}"
                )
