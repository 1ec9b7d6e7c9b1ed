"""`hotline policy show|check`: the effective SLA policy (the file laid over the default), and a file's check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from workflows.clocks.policy import URGENCIES, Clock, PolicyError, SlaPolicy, Span, Step
from workflows.clocks.policy_reader import load_policy

app = typer.Typer(help="Chính sách thời hạn (SLA). / The SLA policy.", no_args_is_help=True)


@app.command("show")
def show(
    province: Annotated[str, typer.Option("--province", help="Mã tỉnh (2 số). / A 2-digit province code.")] = "",
    file: Annotated[Path | None, typer.Option("--file", help="Tệp chính sách. / A policy file.")] = None,
) -> None:
    """In chính sách đang áp dụng (đã gộp với mặc định). / Print the effective policy (merged with the default)."""
    policy = _load(file)
    code = province.strip().zfill(2) if province.strip() else None
    typer.echo(render(policy, code))


@app.command("check")
def check(file: Annotated[Path, typer.Argument(help="Tệp TOML. / A TOML policy file.")]) -> None:
    """Kiểm tra một tệp chính sách. / Check a policy file (exit 1 with file:line: problem)."""
    policy = _load(file)
    typer.echo(f"OK: {file} (phiên bản / version {policy.version}, {len(policy.clocks)} clocks)")


def _load(file: Path | None) -> SlaPolicy:
    try:
        return load_policy(file)
    except PolicyError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None


def render(policy: SlaPolicy, province: str | None = None) -> str:
    """The effective policy as TOML (every clock with every value, as a service would use it)."""
    where = f", tỉnh / province {province}" if province else ""
    lines = [f"# {policy.source} laid over the default{where}; version {policy.version}", "",
             "[reminders]", f"at = {list(policy.reminders)}"]
    for name in policy.clocks:
        clock = policy.clock(name, province)
        lines += ["", f"[clocks.{name}]", *_clock_lines(clock)]
    lines += ["", "[states]"]
    lines += [f"{state} = {json.dumps(list(clocks))}" for state, clocks in policy.states.items()]
    return "\n".join(lines)


def _clock_lines(clock: Clock) -> list[str]:
    out = [f'{u} = "{clock.spans[u].text}"' for u in URGENCIES]
    out.append(f'from = "{clock.counts_from}"')
    if clock.arm_urgencies or clock.arm_risk_levels:
        out.append(f"arm_if = {{ urgency = {json.dumps(sorted(clock.arm_urgencies))}, "
                   f"risk_level = {json.dumps(sorted(clock.arm_risk_levels))} }}")
    if clock.reminders is not None:
        out.append(f"reminders = {list(clock.reminders)}")
    out.append(f"waits_for = {json.dumps(list(clock.waits_for))}")
    if clock.quiet_hours is not None:
        out.append(f'quiet_hours = "{clock.quiet_hours.text}"')
    out.append("steps = [")
    out += [f"  {_step(step)}," for step in clock.steps]
    out.append("]")
    return out


def _step(step: Step) -> str:
    text = f'{{ to = {json.dumps(list(step.to))}, channel = "{step.channel}"'
    if step.wait is not None:
        text += f", wait = {_wait(step.wait)}"
    return text + " }"


def _wait(wait: dict[str, Span] | object) -> str:
    assert isinstance(wait, dict)
    texts = {u: wait[u].text for u in URGENCIES}
    if len(set(texts.values())) == 1:
        return f'"{texts["emergency"]}"'
    return "{ " + ", ".join(f'{u} = "{t}"' for u, t in texts.items()) + " }"
