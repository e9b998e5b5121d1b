"""A cache of loaded policy sets (start-up and reload skip parsing and checking the YAML).

The cache file holds one pickled `Policy` under a key computed from everything loading reads:
every file's folder, path, name as shown in messages and content hash (all files are read
and hashed on every load, which takes about a millisecond), the engine's own source files,
and the Python, pydantic and PyYAML versions. Any change to any of them is a miss, and the
set is loaded from its files again. Even on a matching key, the cached policy is used only
if the exact bytes it was loaded from (`Policy.sources`) equal the files read now: a stale
cache is never trusted.

Safe against corruption and concurrent writers: the payload carries its SHA-256 (a torn or
damaged file is ignored, then rebuilt), a file that does not unpickle to a `Policy` is
ignored, and a writer writes a temporary file beside it and renames it into place (readers
see the old file or the new one, never half of one). A set that is refused is never cached:
its `file:line` errors always come from the loader. The cache is an optimisation only: a
directory that cannot be written just means every start loads the files.

The directory must be writable by the service alone (like its identity key): a cache file
is unpickled.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pydantic
import yaml

from engine.errors import relative
from engine.policy import (
    Policy,
    PolicySource,
    load_policy,
    parameter_dirs,
    policy_files,
    policy_root,
)

MAGIC = b"guanai policy cache 1\n"
_ENGINE = Path(__file__).resolve().parent
Entry = tuple[PolicySource, str]  # a file as hashed, and its name in messages


def _code_fingerprint() -> str:
    """What else decides the loaded objects: the engine's code and the libraries' versions."""
    digest = hashlib.sha256()
    for part in (sys.version, pydantic.VERSION, yaml.__version__, str(yaml.__with_libyaml__)):
        digest.update(part.encode() + b"\0")
    for path in sorted(_ENGINE.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


CODE = _code_fingerprint()  # of the code this process imported, not of what is on disk later


def _key(entries: Sequence[Entry]) -> bytes:
    digest = hashlib.sha256(CODE.encode() + b"\0")
    for source, name in entries:
        header = f"{source.folder}\0{source.path}\0{name}\0{len(source.data)}\0"
        digest.update(header.encode() + hashlib.sha256(source.data).digest())
    return digest.hexdigest().encode()


def _current(root: Path, extra_dirs: Sequence[Path | str]) -> list[Entry] | None:
    """The set's files as they are now, or None where loading would fail before any cache
    could apply (a missing directory, an unreadable file)."""
    if not all(d.is_dir() for d in (root / "catalog", *parameter_dirs(root, extra_dirs))):
        return None
    try:
        return [
            (
                PolicySource(folder, path.relative_to(under).as_posix(), path.read_bytes()),
                relative(path),
            )
            for folder, under, path in policy_files(root, extra_dirs)
        ]
    except OSError:
        return None


def cache_file(directory: Path, root: Path, extra_dirs: Sequence[Path | str]) -> Path:
    """The cache file of one configuration (policy root, extra directories, working folder):
    several configurations sharing a directory do not overwrite each other."""
    where = [
        str(Path.cwd().resolve()),
        str(root.resolve()),
        *(str(Path(d).resolve()) for d in extra_dirs),
    ]
    name = hashlib.sha256("\0".join(where).encode()).hexdigest()[:20]
    return directory / f"policy-{name}.cache"


def _read(file: Path, key: bytes, entries: Sequence[Entry]) -> Policy | None:
    try:
        blob = file.read_bytes()
    except OSError:
        return None
    head, _, rest = blob.partition(b"\n")
    stored_key, _, rest = rest.partition(b"\n")
    checksum, _, payload = rest.partition(b"\n")
    if head + b"\n" != MAGIC or stored_key != key:
        return None
    if hashlib.sha256(payload).hexdigest().encode() != checksum:
        return None  # torn or damaged
    try:
        policy = pickle.loads(payload)  # written by this service, checksummed
    except Exception:  # a damaged pickle can raise nearly anything
        return None
    if not isinstance(policy, Policy) or not (
        len(policy.sources) == len(policy.files) == len(entries)
    ):
        return None
    if list(zip(policy.sources, policy.files, strict=True)) != list(entries):
        return None  # not the files as they are now (never trust a stale cache)
    return policy


def _write(file: Path, key: bytes, policy: Policy) -> None:
    try:
        payload = pickle.dumps(policy, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # a set that cannot be pickled is simply not cached
        return
    blob = MAGIC + key + b"\n" + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload
    temporary: Path | None = None
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=file.parent, prefix=".policy-", suffix=".tmp")
        temporary = Path(name)
        with os.fdopen(handle, "wb") as out:
            out.write(blob)
        temporary.replace(file)  # atomic: readers see the old file or this one
        temporary = None
    except OSError:
        pass  # no cache this time: the next start loads the files again
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                temporary.unlink()


def load_policy_cached(
    extra_dirs: Sequence[Path | str] = (),
    base: Path | str | None = None,
    cache_dir: Path | None = None,
) -> tuple[Policy, bool]:
    """`load_policy`, through the cache in `cache_dir` (None: no cache); also whether the
    policy came from the cache. Raises PolicyError exactly as `load_policy` does."""
    if cache_dir is None:
        return load_policy(extra_dirs, base), False
    root = policy_root(base)
    entries = _current(root, extra_dirs)
    if entries is None:
        return load_policy(extra_dirs, base), False
    key = _key(entries)
    file = cache_file(cache_dir, root, extra_dirs)
    cached = _read(file, key, entries)
    if cached is not None:
        return cached, True
    policy = load_policy(extra_dirs, base)
    loaded = list(zip(policy.sources, policy.files, strict=True))
    if _key(loaded) == key:  # else a file changed while it was loaded: do not store that
        _write(file, key, policy)
    return policy, False
