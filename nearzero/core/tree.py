"""Materialised paths for the organisation tree (city → district → town/street).

A node's path is its ancestors' ids and its own, each followed by ``/``: ``"1/4/9/"``.
A subtree is then one indexed prefix query (``path LIKE '1/4/%'``) on any database.
"""

from __future__ import annotations


def child_path(parent_path: str | None, node_id: int) -> str:
    if node_id <= 0:
        raise ValueError("node ids are positive integers")
    return f"{parent_path or ''}{node_id}/"


def path_ids(path: str) -> list[int]:
    """Ids from the root down to the node itself."""
    return [int(part) for part in path.split("/") if part]


def is_within(path: str, ancestor_path: str) -> bool:
    """True when ``path`` is ``ancestor_path`` or lies below it."""
    return path.startswith(ancestor_path)


def depth(path: str) -> int:
    return len(path_ids(path))
