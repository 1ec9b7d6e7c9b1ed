"""A broken SLA policy is refused when the service starts, naming the file's line and the problem."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.conftest import sla_policy
from workflows.clocks.policy import PolicyError

BROKEN = '[reminders]\nat = [0.5]\n\n[clocks.acknowledge]\nemergency = "soon"\nhigh = "PT1H"\nnormal = "PT4H"\n'


@pytest.fixture
def broken_policy(tmp_path: Path):
    path = tmp_path / "policy.toml"
    path.write_text(BROKEN, encoding="utf-8")
    with sla_policy(path):
        yield path


def test_the_app_refuses_to_start(broken_policy: Path) -> None:
    from intake.app import create_app

    with pytest.raises(PolicyError) as refused, TestClient(create_app()):
        pass
    assert f"{broken_policy}:5:" in str(refused.value) and "soon" in str(refused.value)


def test_the_worker_refuses_to_start(broken_policy: Path) -> None:
    from intake.cli import app

    result = CliRunner().invoke(app, ["worker", "--burst"])
    assert result.exit_code != 0 and isinstance(result.exception, PolicyError)
    assert ":5:" in str(result.exception)
