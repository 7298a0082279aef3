"""deploy/k8s, checked offline: every built-in object against the Kubernetes OpenAPI schema that
kubernetes-validate bundles (strict: unknown fields fail), KEDA's ScaledObjects for the fields
its scalers require, and the wiring to the code: probes on the health endpoints the processes
serve, ports and GYDE_ settings that exist, commands the `gyde` parser accepts, a drain that
fits the termination grace period, and a disruption budget for every deployment."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import latest_version

from cli.main import build_parser
from settings import PROJECT_ROOT, Settings

K8S = PROJECT_ROOT / "deploy" / "k8s"
K8S_VERSION = latest_version()
SECRET_KEYS = {  # what docs/deploy.md tells you to put in the gyde-secrets Secret
    "GYDE_DATABASE_URL", "GYDE_ENCRYPTION_KEYS", "GYDE_LOOKUP_HASH_KEY", "GYDE_STREAM_TOKEN_SECRET",
    "GYDE_TWILIO_AUTH_TOKEN", "GYDE_TWILIO_ACCOUNT_SID",
}  # fmt: skip
HEALTH = {  # process -> (port, liveness path, readiness path) the code serves
    "worker": (8081, "/healthz", "/readyz"),
    "api": (8000, "/healthz", "/healthz"),
    "media": (8765, "/healthz", "/readyz"),
}


def rendered() -> list[dict[str, Any]]:
    """What `kubectl apply -k deploy/k8s` applies: the kustomization's resources, in order, with
    its namespace set on every namespaced object."""
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    docs: list[dict[str, Any]] = []
    for name in kustomization["resources"]:
        for doc in yaml.safe_load_all((K8S / name).read_text()):
            if doc["kind"] != "Namespace":
                doc["metadata"]["namespace"] = kustomization["namespace"]
            docs.append(doc)
    return docs


@pytest.fixture(scope="module")
def docs() -> list[dict[str, Any]]:
    return rendered()


def by_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def test_every_file_is_in_the_kustomization() -> None:
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}


def test_builtin_objects_match_the_kubernetes_schema(docs: list[dict[str, Any]]) -> None:
    checked = 0
    for doc in docs:
        if doc["apiVersion"].startswith("keda.sh/"):
            continue
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        checked += 1
    assert checked >= 12


def test_the_schema_check_catches_mistakes(docs: list[dict[str, Any]]) -> None:
    deployment = copy.deepcopy(by_kind(docs, "Deployment")["gyde-media"])
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["paht"] = "/x"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)
    pdb = copy.deepcopy(by_kind(docs, "PodDisruptionBudget")["gyde-media"])
    pdb["spec"]["maxUnavailable"] = [1]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(pdb, K8S_VERSION, strict=True)


def test_keda_scaled_objects(docs: list[dict[str, Any]]) -> None:
    scaled = by_kind(docs, "ScaledObject")
    deployments = by_kind(docs, "Deployment")
    assert set(scaled) == {"gyde-worker", "gyde-media"}
    for name, obj in scaled.items():
        assert obj["apiVersion"] == "keda.sh/v1alpha1"
        spec = obj["spec"]
        assert spec["scaleTargetRef"]["name"] in deployments
        assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]
        assert spec["triggers"], name
        for trigger in spec["triggers"]:
            assert all(isinstance(v, str) for v in trigger["metadata"].values()), "KEDA metadata are strings"
    settings = Settings(_env_file=None)
    config = by_kind(docs, "ConfigMap")["gyde-config"]["data"]
    temporal = [t for t in scaled["gyde-worker"]["spec"]["triggers"] if t["type"] == "temporal"]
    queues = {t["metadata"]["taskQueue"] for t in temporal}
    assert queues == {config["GYDE_TASK_QUEUE"], f"{config['GYDE_TASK_QUEUE']}-dial"}
    for trigger in temporal:
        meta = trigger["metadata"]
        assert meta["endpointFromEnv"] == "GYDE_TEMPORAL_ADDRESS"  # read from the worker's env
        assert meta["namespace"] == config["GYDE_TEMPORAL_NAMESPACE"]
        assert int(meta["targetQueueSize"]) > 0
        assert set(meta.get("queueTypes", "workflow").split(",")) <= {"workflow", "activity"}
    main = next(t for t in temporal if t["metadata"]["taskQueue"] == config["GYDE_TASK_QUEUE"])
    assert main["metadata"]["includeRunningWorkflowCount"] == "true"
    assert settings.task_queue == config["GYDE_TASK_QUEUE"]
    (media,) = scaled["gyde-media"]["spec"]["triggers"]
    assert media["type"] == "prometheus"
    assert {"serverAddress", "query", "threshold"} <= set(media["metadata"])
    assert "gyde_media_live_calls" in media["metadata"]["query"]
    assert int(media["metadata"]["threshold"]) < int(config["GYDE_MEDIA_MAX_CONNECTIONS"])


def test_config_names_only_settings_that_exist(docs: list[dict[str, Any]]) -> None:
    fields = set(Settings.model_fields)
    config = by_kind(docs, "ConfigMap")["gyde-config"]["data"]
    for key in [*config, *SECRET_KEYS]:
        assert key.startswith("GYDE_") and key.removeprefix("GYDE_").lower() in fields, key
    assert not set(config) & SECRET_KEYS  # secrets never in the ConfigMap
    Settings(_env_file=None, **{k.removeprefix("GYDE_").lower(): v for k, v in config.items()})


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return only  # type: ignore[no-any-return]


def test_probes_ports_and_commands_match_the_code(docs: list[dict[str, Any]]) -> None:
    from media_server.server import HEALTH_PATHS

    parser = build_parser()
    config = by_kind(docs, "ConfigMap")["gyde-config"]["data"]
    deployments = by_kind(docs, "Deployment")
    assert set(deployments) == {f"gyde-{p}" for p in HEALTH}
    for process, (port, live, ready) in HEALTH.items():
        c = container(deployments[f"gyde-{process}"])
        args = parser.parse_args(c["command"][1:])
        assert c["command"][0] == "gyde" and args.command == process
        ports = {p["name"]: p["containerPort"] for p in c["ports"]}
        for probe, path in (("livenessProbe", live), ("readinessProbe", ready)):
            get = c[probe]["httpGet"]
            assert get["path"] == path and ports[get["port"]] == port, (process, probe)
        assert {"configMapRef": {"name": "gyde-config"}} in c["envFrom"]
        assert {"secretRef": {"name": "gyde-secrets"}} in c["envFrom"]
    assert int(config["GYDE_API_PORT"]) == HEALTH["api"][0]
    assert int(config["GYDE_MEDIA_PORT"]) == HEALTH["media"][0]
    assert {"/healthz", "/readyz"} <= HEALTH_PATHS
    worker = container(deployments["gyde-worker"])["command"]
    assert int(worker[worker.index("--health-port") + 1]) == HEALTH["worker"][0]


def test_media_drains_within_its_grace_period(docs: list[dict[str, Any]]) -> None:
    pod = by_kind(docs, "Deployment")["gyde-media"]["spec"]["template"]["spec"]
    c = container(by_kind(docs, "Deployment")["gyde-media"])
    args = build_parser().parse_args(c["command"][1:])
    assert args.media_command == "serve" and args.drain_seconds >= 300
    pre_stop = c["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    assert pod["terminationGracePeriodSeconds"] > args.drain_seconds + int(pre_stop[1])
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"  # fails as soon as the drain starts


def test_every_deployment_has_a_disruption_budget(docs: list[dict[str, Any]]) -> None:
    budgets = by_kind(docs, "PodDisruptionBudget")
    for name, deployment in by_kind(docs, "Deployment").items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        matching = [
            b for b in budgets.values() if b["spec"]["selector"]["matchLabels"].items() <= labels.items()
        ]
        assert len(matching) == 1, name
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
        strategy = deployment["spec"]["strategy"]["rollingUpdate"]
        assert strategy["maxUnavailable"] == 0, name  # a rollout never drops below capacity


def test_the_image_is_the_same_everywhere(docs: list[dict[str, Any]]) -> None:
    images = set()
    for doc in docs:
        if doc["kind"] in ("Deployment", "Job"):
            spec = doc["spec"]["template"]["spec"]
            images |= {c["image"] for c in [*spec.get("initContainers", []), *spec["containers"]]}
    assert len(images) == 1
    assert Path(PROJECT_ROOT / "Dockerfile").exists()
