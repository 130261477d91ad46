"""Safe YAML reading of the knowledge base: rejects duplicate mapping keys (``safe_load``
keeps the last) and bounds what a file may hold.

The knowledge base is trusted by review, so it keeps PyYAML's safe-loader semantics (its
files may use YAML 1.1 values and standard tags); what a reviewer could miss is bounded:
a file's size, and, in a file that defines anchors, the expanded size of its aliases and
its nesting depth (checked on the event stream by :mod:`advisor.strict_load` before
anything is built, so an alias bomb is refused in milliseconds). Patient files, which
are not reviewed, are read far more strictly (:mod:`advisor.inputs.patient`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from advisor.strict_load import Limits, StrictLoadError, yaml_events

KB_LIMITS = Limits(max_bytes=5_000_000, max_depth=64, max_values=1_000_000,
                   max_aliases=10_000, max_items=100_000, max_scalar_chars=1_000_000)
# An anchor is a node property: after the start of a line, a space or a flow indicator.
_ANCHOR = re.compile(r"(?:^|[\s\[{,:-])&[^\s,\[\]{}]", re.MULTILINE)


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when present
    """Safe loader that rejects duplicate mapping keys."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path) -> Any:
    """Parse one YAML file safely; raise ValueError('line N: ...') on a syntax error or a
    file beyond :data:`KB_LIMITS`."""
    with path.open("rb") as handle:
        data = handle.read(KB_LIMITS.max_bytes + 1)
    if len(data) > KB_LIMITS.max_bytes:
        raise ValueError(f"larger than {KB_LIMITS.max_bytes:,} bytes")
    try:
        text = data.decode("utf-8")
        if _ANCHOR.search(text):
            yaml_events(text, KB_LIMITS, allow_tags=True)
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except StrictLoadError as exc:
        raise ValueError(f"YAML limit: {exc}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ValueError(f"YAML syntax error: {where}{exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"YAML error: {exc}") from None
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
