"""The diagram is drawn from the table, and docs/workflow.md carries the current one."""

from __future__ import annotations

from workflows.case.diagram import DOC, mermaid, render_doc
from workflows.case.machine import STATES, TRANSITIONS


def test_every_state_and_transition_is_drawn():
    text = mermaid()
    assert text.startswith("---\nhotline111 case workflow\n---\nstateDiagram-v2\n")
    for state in STATES:
        assert f'state "{state}" as {state}\n' in text
    for trigger, sources, dest, guard, _who in TRANSITIONS:
        for source in (sources,) if isinstance(sources, str) else sources:
            assert f"{source} --> {dest}: " in text
        label = f"{trigger} [{guard}]" if guard else trigger
        assert label in text
    assert "s_active" not in text.split("classDef s_active", 1)[1]


def test_docs_workflow_md_has_the_current_diagram():
    doc = DOC.read_text(encoding="utf-8")
    assert f"```mermaid\n{mermaid()}```\n" in doc, "stale: run `python -m workflows.case.diagram --write`"
    assert render_doc(doc) == doc
