"""The workflow as a Mermaid state diagram, drawn from the same table the machine runs on.

Regenerate the doc with `python -m workflows.case.diagram --write` (tests fail while it is stale).
"""

from __future__ import annotations

import sys
from pathlib import Path

from transitions.extensions.diagrams import GraphMachine

from workflows.case.machine import STATES, TRANSITIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "workflow.md"
BEGIN, END = "```mermaid\n", "```\n"


def mermaid() -> str:
    """Mermaid `stateDiagram-v2` source; guards show as [conditions] on the edges."""
    rows = [
        {"trigger": trigger, "source": [source] if isinstance(source, str) else list(source), "dest": dest,
         **({"conditions": guard} if guard else {})}
        for trigger, source, dest, guard, _who in TRANSITIONS
    ]
    machine = GraphMachine(
        states=list(STATES), transitions=rows, initial="received", auto_transitions=False,
        graph_engine="mermaid", title="hotline111 case workflow", show_conditions=True,
    )
    source: str = machine.get_graph().draw(None)
    # The drawing machine sits in its initial state; in a doc no state is "current".
    source = source.replace("Class received s_active", "Class received s_default")
    return source.rstrip("\n") + "\n"


def render_doc(doc: str) -> str:
    """`doc` with its mermaid block replaced by the current diagram."""
    head, _, rest = doc.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}{mermaid()}{END}{tail}"


def main(argv: list[str]) -> None:
    if "--write" in argv:
        DOC.write_text(render_doc(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        sys.stdout.write(mermaid())


if __name__ == "__main__":
    main(sys.argv[1:])
