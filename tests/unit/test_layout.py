"""The tree reads as the domain: every workflows module is in docs/layout.md, and no module takes a sibling's
private names."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("core", "routing", "notifier", "workflows", "migrations", "intake")


def test_every_workflows_module_is_described_in_the_layout_doc():
    doc = (ROOT / "docs" / "layout.md").read_text(encoding="utf-8")
    missing = []
    for path in sorted((ROOT / "workflows").rglob("*.py")):
        if path.name == "__init__.py":
            continue
        folder = path.parent.relative_to(ROOT).as_posix()
        section = doc.split(f"### `{folder}/`", 1)[-1].split("\n### ", 1)[0] if folder != "workflows" else doc
        if f"`{path.stem}`" not in section and f"`workflows/{path.name}`" not in section:
            missing.append(path.relative_to(ROOT).as_posix())
    assert missing == []


def test_workflows_is_folders_not_a_flat_list():
    flat = [p.name for p in (ROOT / "workflows").glob("*.py") if p.name not in {"__init__.py", "jobs.py"}]
    assert flat == []


def test_no_module_takes_another_modules_private_names():
    taken = []
    for path in sorted(p for package in PRODUCT for p in (ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        ours = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in PRODUCT:
                for alias in node.names:
                    if alias.name.startswith("_"):
                        taken.append(f"{path.relative_to(ROOT)}: {node.module}.{alias.name}")
                    ours[alias.asname or alias.name] = node.module
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in PRODUCT:
                        ours[alias.asname or alias.name] = alias.name
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                    and isinstance(node.value, ast.Name) and node.value.id in ours):
                taken.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value.id}.{node.attr}")
    assert taken == []
