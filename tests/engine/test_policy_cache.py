"""The policy cache (engine/cache.py): any change to any policy file is a miss, a corrupt
cache file is ignored and rebuilt, a refused set is never cached, and what comes from the
cache is the same policy, deciding the same way, as what the files load to."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import pickle
import shutil
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from engine import Evaluator, Policy, PolicyError, load_policy
from engine import cache as policy_cache
from engine.cache import MAGIC, cache_file, load_policy_cached
from engine.parameters import region_chain
from engine.policy import SHIPPED_POLICIES
from tests.profiles import profiles

REGIONS = Path(__file__).resolve().parents[1] / "fixtures" / "regions"
DAY = date(2025, 6, 1)


@pytest.fixture
def policy_set(tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the shipped policies and of the regional test files."""
    root, regions = tmp_path / "policies", tmp_path / "regions"
    shutil.copytree(SHIPPED_POLICIES, root)
    shutil.copytree(REGIONS, regions)
    return root, regions


def _load(policy_set: tuple[Path, Path], cache: Path) -> tuple[Policy, bool]:
    root, regions = policy_set
    return load_policy_cached(extra_dirs=[regions], base=root, cache_dir=cache)


def _same(a: Policy, b: Policy) -> None:
    assert a.version == b.version
    assert a.sources == b.sources and a.files == b.files
    assert a.catalog == b.catalog and a.rules == b.rules
    assert a.parameter_files == b.parameter_files


def test_the_second_load_comes_from_the_cache_and_decides_the_same(
    policy_set: tuple[Path, Path], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    built, hit = _load(policy_set, cache)
    assert not hit
    cached, hit = _load(policy_set, cache)
    assert hit
    root, regions = policy_set
    fresh = load_policy(extra_dirs=[regions], base=root)
    _same(cached, fresh)
    _same(built, fresh)
    # durable_rules still decides, and decides alike, on the cached set
    a, b = Evaluator(cached), Evaluator(fresh)
    for profile in profiles(60, seed=12, policy=fresh):
        assert a.evaluate(profile, DAY, "all") == b.evaluate(profile, DAY, "all")


def test_any_change_to_any_policy_file_is_a_miss(
    policy_set: tuple[Path, Path], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    root, regions = policy_set
    files = sorted([*root.rglob("*.yaml"), *regions.rglob("*.yaml")])
    assert any("catalog" in p.parts for p in files) and any("rules" in p.parts for p in files)
    _load(policy_set, cache)
    for path in files:
        before, _ = _load(policy_set, cache)
        path.write_bytes(path.read_bytes() + b"# changed\n")
        after, hit = _load(policy_set, cache)
        assert not hit, path
        assert after.version != before.version
        assert after.sources == load_policy(extra_dirs=[regions], base=root).sources
        assert _load(policy_set, cache)[1], path  # rebuilt for the new content


def test_a_changed_value_is_served_never_the_stale_one(
    policy_set: tuple[Path, Path], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    _, regions = policy_set
    hunan = regions / "hunan-430000.yaml"
    old, _ = _load(policy_set, cache)
    assert old.parameters.resolve_all(region_chain("430000"), DAY)["dibao_standard_monthly"] == 600
    # same length, same modification time: only the content tells
    stat = hunan.stat()
    hunan.write_text(hunan.read_text(encoding="utf-8").replace("value: 600", "value: 700", 1))
    os.utime(hunan, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    new, hit = _load(policy_set, cache)
    assert not hit
    assert new.parameters.resolve_all(region_chain("430000"), DAY)["dibao_standard_monthly"] == 700


def test_added_removed_and_moved_files_are_misses(
    policy_set: tuple[Path, Path], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    root, regions = policy_set
    _load(policy_set, cache)
    gansu = regions / "gansu-620000.yaml"
    data = gansu.read_bytes()
    gansu.unlink()
    removed, hit = _load(policy_set, cache)
    assert not hit and "gansu-620000.yaml" not in {s.path for s in removed.sources}
    (regions / "sub").mkdir()
    (regions / "sub" / "gansu-620000.yaml").write_bytes(data)
    moved, hit = _load(policy_set, cache)
    assert not hit and "sub/gansu-620000.yaml" in {s.path for s in moved.sources}
    # a second extra directory, or the same files under another root, are other sets
    extra = tmp_path / "more"
    extra.mkdir()
    two, hit = load_policy_cached([regions, extra], base=root, cache_dir=cache)
    assert not hit and two.version == moved.version  # same bytes, but loaded anew
    assert load_policy_cached([regions, extra], base=root, cache_dir=cache)[1]
    assert _load(policy_set, cache)[1]  # each configuration keeps its own cache file


def test_a_new_engine_is_a_miss(
    policy_set: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    _load(policy_set, cache)
    assert _load(policy_set, cache)[1]
    monkeypatch.setattr(policy_cache, "CODE", "another version of the engine")
    assert not _load(policy_set, cache)[1]


def _corruptions(blob: bytes, key_line: bytes) -> dict[str, bytes]:
    head = len(blob) - len(blob.split(b"\n", 3)[3])
    flipped = bytearray(blob)
    flipped[head + 100] ^= 0xFF
    other = pickle.dumps({"not": "a policy"})
    not_a_policy = MAGIC + key_line + hashlib.sha256(other).hexdigest().encode() + b"\n" + other
    bad_pickle = b"\x80\x05garbage"
    unpicklable = (
        MAGIC + key_line + hashlib.sha256(bad_pickle).hexdigest().encode() + b"\n" + bad_pickle
    )
    return {
        "empty": b"",
        "truncated": blob[: len(blob) // 2],
        "a flipped byte": bytes(flipped),
        "garbage": b"\x00\x01 not a cache at all",
        "not a policy": not_a_policy,
        "not a pickle": unpicklable,
        "another format": b"guanai policy cache 0\n" + blob[len(MAGIC) :],
    }


def test_a_corrupt_cache_file_is_ignored_and_rebuilt(
    policy_set: tuple[Path, Path], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    root, regions = policy_set
    good, _ = _load(policy_set, cache)
    file = cache_file(cache, root, [regions])
    blob = file.read_bytes()
    key_line = blob.split(b"\n", 3)[1] + b"\n"
    for name, damaged in _corruptions(blob, key_line).items():
        file.write_bytes(damaged)
        policy, hit = _load(policy_set, cache)
        assert not hit, name
        _same(policy, good)
        assert file.read_bytes() == blob, f"{name}: rebuilt"
        assert _load(policy_set, cache)[1], name


def test_a_cached_policy_of_other_files_is_not_trusted(
    policy_set: tuple[Path, Path], tmp_path: Path
) -> None:
    """Even under the right key and checksum, a policy whose files are not the ones on disk
    (a cache copied from elsewhere, a key collision) is loaded anew."""
    cache = tmp_path / "cache"
    root, regions = policy_set
    good, _ = _load(policy_set, cache)
    file = cache_file(cache, root, [regions])
    key_line = file.read_bytes().split(b"\n", 3)[1] + b"\n"
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(regions, elsewhere)
    hunan = elsewhere / "hunan-430000.yaml"
    hunan.write_text(hunan.read_text(encoding="utf-8").replace("value: 600", "value: 700", 1))
    other = load_policy(extra_dirs=[elsewhere], base=root)  # as many files, one other byte
    assert len(other.sources) == len(good.sources) and other.version != good.version
    payload = pickle.dumps(other)
    file.write_bytes(
        MAGIC + key_line + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload
    )
    policy, hit = _load(policy_set, cache)
    assert not hit
    _same(policy, good)


def test_a_refused_set_is_refused_with_file_and_line_and_never_cached(
    policy_set: tuple[Path, Path], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    root, _ = policy_set
    _load(policy_set, cache)
    rule_file = root / "rules" / "laws" / "social-assistance.yaml"
    text = rule_file.read_text(encoding="utf-8")
    rule_file.write_text(text.replace("f.dibao_recipient", "f.dibao_recepient", 1))
    for _ in range(2):
        with pytest.raises(PolicyError) as caught:
            _load(policy_set, cache)
        assert any(
            i.file.endswith("social-assistance.yaml") and i.line > 0 and "dibao_recepient" in str(i)
            for i in caught.value.issues
        )
    rule_file.write_text(text, encoding="utf-8")
    assert _load(policy_set, cache)[1]  # the good set's cache is still the good set


def test_an_unwritable_cache_only_means_no_cache(
    policy_set: tuple[Path, Path], tmp_path: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory", encoding="utf-8")
    for _ in range(2):
        policy, hit = _load(policy_set, blocked / "cache")
        assert not hit and policy.version == _load(policy_set, tmp_path / "ok")[0].version
    assert not list(tmp_path.glob("**/.policy-*.tmp"))


def _load_in_a_process(args: tuple[Path, Path, Path]) -> str:
    root, regions, cache = args
    return load_policy_cached([regions], base=root, cache_dir=cache)[0].version


def test_concurrent_writers_leave_one_valid_cache(
    policy_set: tuple[Path, Path], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    root, regions = policy_set
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=4, mp_context=spawn) as pool:
        versions = list(pool.map(_load_in_a_process, [(root, regions, cache)] * 8))
    expected = load_policy(extra_dirs=[regions], base=root).version
    assert versions == [expected] * 8
    assert _load(policy_set, cache)[1]
    assert [p.name for p in cache.iterdir()] == [cache_file(cache, root, [regions]).name]
