"""The install: the image's recipe, the compose file, the Kubernetes manifests, the alert rules.

The YAML is parsed and checked for what an install needs (probes, non-root, every secret from a file, no
secret in clear); promtool runs the alert rules' own tests; buildah builds the image where the machine
lets it (a sandbox without a registry or user namespaces says why, and the test is skipped with that)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.settings import secret_names

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SECRETISH = re.compile(r"(SECRET|TOKEN|PASSWORD|_KEY|KEYS|DATABASE_URL|REDIS_URL)", re.I)


def _k8s() -> list[dict[str, Any]]:
    docs = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        docs += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return docs


def _compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose" / "compose.yaml").read_text())


def test_every_manifest_parses_and_names_what_it_is() -> None:
    docs = _k8s()
    assert docs
    for doc in docs:
        assert {"apiVersion", "kind", "metadata"} <= set(doc), doc
        assert doc["metadata"].get("name"), doc
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
    assert {("Deployment", "hotline-api"), ("Deployment", "hotline-worker"), ("Cluster", "hotline-db"),
            ("StatefulSet", "redis")} <= kinds
    assert not [d for d in docs if d["kind"] == "Secret"]  # secrets are made from files, never kept here


def test_api_and_workers_have_liveness_and_readiness_probes_and_run_as_nobody_in_particular() -> None:
    for doc in (d for d in _k8s() if d["kind"] == "Deployment"):
        pod = doc["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
        for container in pod["containers"]:
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", doc["metadata"]["name"]
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", doc["metadata"]["name"]
    cluster = next(d for d in _k8s() if d["kind"] == "Cluster")
    assert cluster["spec"]["instances"] >= 3 and cluster["spec"]["minSyncReplicas"] >= 1
    redis = next(d for d in _k8s() if d["kind"] == "StatefulSet")
    names = {c["name"] for c in redis["spec"]["template"]["spec"]["containers"]}
    assert names == {"redis", "sentinel"} and redis["spec"]["replicas"] >= 3
    config = next(d for d in _k8s() if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "redis-config")
    assert "maxmemory-policy noeviction" in config["data"]["redis.conf"]


def test_every_secret_is_read_from_a_file_and_none_is_written_in_clear() -> None:
    config = next(d for d in _k8s() if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "hotline-config")
    compose = _compose()
    wired = {"secret_key", "database_url", "twilio_auth_token", "jasmin_password", "jasmin_inbound_key",
             "metrics_token"}
    assert wired <= set(secret_names())
    for name in wired:
        assert f"HOTLINE_{name.upper()}_FILE" in config["data"], name
        for service in ("api", "worker"):
            environment = {**compose["x-hotline"]["environment"], **compose["services"][service].get(
                "environment", {})}
            assert f"HOTLINE_{name.upper()}_FILE" in environment, (service, name)
    environments = [config["data"]]
    environments += [s.get("environment", {}) for s in compose["services"].values()]
    environments.append(compose["x-hotline"]["environment"])
    for env in environments:
        for key, value in env.items():
            if SECRETISH.search(key) and not key.endswith("_FILE"):
                # only a Redis address without a password may sit in clear
                assert key == "HOTLINE_REDIS_URL" and "@" not in str(value), (key, value)
    env_file = (DEPLOY / "compose" / "province.env").read_text()
    for line in env_file.splitlines():
        key = line.split("=", 1)[0]
        assert line.startswith("#") or not line.strip() or not SECRETISH.search(key) or key.endswith("_FILE"), line


def test_the_compose_file_runs_a_province_on_one_host() -> None:
    services = _compose()["services"]
    assert {"postgres", "redis", "api", "worker", "jasmin", "migrate"} <= set(services)
    assert "noeviction" in services["redis"]["command"]
    for name in ("api", "worker"):
        assert services[name]["healthcheck"]["test"], name
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD_FILE"].startswith("/run/secrets/")


def test_the_image_runs_hotline_as_a_user_with_a_healthcheck() -> None:
    recipe = (DEPLOY / "Containerfile").read_text()
    assert re.search(r"^FROM \S+python:3\.1\d-slim-bookworm", recipe, re.M)  # Debian's
    user = re.findall(r"^USER (\S+)", recipe, re.M)
    assert user and not user[-1].startswith(("0", "root"))
    assert "HEALTHCHECK" in recipe and "/healthz" in recipe
    assert re.search(r'^ENTRYPOINT \["hotline"\]', recipe, re.M)
    assert "devtools" not in recipe  # not shipped


def test_every_alert_has_a_rule_test_and_a_runbook_entry() -> None:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    names = [rule["alert"] for group in rules["groups"] for rule in group["rules"]]
    runbook = (ROOT / "docs" / "operations.md").read_text()
    tests = (DEPLOY / "prometheus" / "alerts_test.yml").read_text()
    for name in names:
        assert f"### {name}" in runbook, name
        assert f"docs/operations.md#{name.lower()}" in rules_text(), name
    untested = [n for n in names if f"alertname: {n}" not in tests]
    assert untested == [], untested


def rules_text() -> str:
    return (DEPLOY / "prometheus" / "alerts.yml").read_text()


def test_promtool_runs_the_alert_rules_tests() -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool missing: ./dev test installs Debian's prometheus")
    done = subprocess.run([promtool, "test", "rules", "alerts_test.yml"], cwd=DEPLOY / "prometheus",
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_the_image_builds_where_the_machine_allows_it(tmp_path: Path) -> None:
    buildah = shutil.which("buildah")
    if buildah is None:
        pytest.skip("buildah missing: ./dev test installs Debian's buildah")
    storage = ["--storage-driver", "vfs", "--root", str(tmp_path / "root"), "--runroot", str(tmp_path / "run")]
    done = subprocess.run([buildah, *storage, "bud", "--layers", "-t", "hotline111:test", "-f",
                           "deploy/Containerfile", "."], cwd=ROOT, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        refusal = next((line for line in done.stderr.splitlines() if line.startswith("Error")), done.stderr[-400:])
        if re.search(r"pinging container registry|no such host|user namespace|newuidmap|overlay|"
                     r"operation not permitted|unshare", done.stderr, re.I):
            pytest.skip(f"the sandbox refuses the build: {refusal}")
        raise AssertionError(done.stderr[-2000:])
    inspected = subprocess.run([buildah, *storage, "inspect", "--format", "{{.OCIv1.Config.User}}",
                                "hotline111:test"], capture_output=True, text=True, check=True)
    assert inspected.stdout.strip() == "10111:10111"
