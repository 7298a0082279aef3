"""docker-compose.yml, read as Compose reads it (PyYAML, merge keys, ${VAR} interpolation): every
service the system needs with a health check, the ports the code listens on, the GYDE_ variables
the code reads (each a Settings field, enough for the start-up checks to pass), commands that
the `gyde` parser accepts, and a Temporal that is the server image on PostgreSQL with its schema
from admin-tools and a UI that decrypts through our codec endpoint."""

from __future__ import annotations

import base64
import os
import re
from typing import Any

import pytest
import yaml
from pydantic import SecretStr

from cli.main import build_parser
from security.keyring import generate_key_spec
from security.startup_checks import InsecureStartup, check_startup_secrets, missing_secrets
from settings import PROJECT_ROOT, Settings

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
GYDE_SERVICES = {"worker", "api", "media", "sim", "migrate", "temporal-setup"}
LONG_RUNNING = {"postgresql", "redis", "temporal", "temporal-ui", "worker", "api", "media", "sim"}
ONE_SHOT = {"temporal-schema", "temporal-setup", "migrate"}
_VAR = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?:(?P<op>:-|:\?)(?P<arg>[^}]*))?\}")


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error} over every string in the file."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        if env.get(name):
            return env[name]
        if op == ":?":
            raise KeyError(f"{name}: {arg}")
        return arg or "" if op == ":-" else ""

    return _VAR.sub(one, value)


def secrets_env() -> dict[str, str]:
    """What deploy/compose/env.example asks for, filled the way docs/deploy.md says."""
    return {
        "POSTGRES_PASSWORD": "pg-" + os.urandom(8).hex(),
        "GYDE_DB_PASSWORD": "gyde-" + os.urandom(8).hex(),
        "TEMPORAL_DB_PASSWORD": "temporal-" + os.urandom(8).hex(),
        "GYDE_ENCRYPTION_KEYS": generate_key_spec("k1"),
        "GYDE_LOOKUP_HASH_KEY": base64.b64encode(os.urandom(32)).decode(),
        "GYDE_STREAM_TOKEN_SECRET": os.urandom(32).hex(),
        "GYDE_TWILIO_AUTH_TOKEN": os.urandom(16).hex(),
    }


def load(env: dict[str, str]) -> dict[str, Any]:
    raw = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return interpolate(raw, env)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load(secrets_env())


def env_of(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def published(service: dict[str, Any]) -> dict[int, int]:
    """container port -> host port"""
    out: dict[int, int] = {}
    for spec in service.get("ports", []):
        host, _, container = str(spec).rpartition(":")
        out[int(container)] = int(host)
    return out


def test_the_secrets_must_be_given() -> None:
    env = secrets_env()
    for name in env:
        with pytest.raises(KeyError, match=name):
            load({k: v for k, v in env.items() if k != name})
    assert (PROJECT_ROOT / "deploy" / "compose" / "env.example").read_text().count("=") >= len(env)
    for name in env:
        assert f"{name}=" in (PROJECT_ROOT / "deploy" / "compose" / "env.example").read_text()


def test_every_service_is_there_with_a_health_check(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == LONG_RUNNING | ONE_SHOT
    for name in LONG_RUNNING:
        check = services[name].get("healthcheck")
        assert check and check.get("test"), f"{name} has no health check"
    for name in ONE_SHOT:  # jobs: others wait for them to complete
        assert str(services[name]["restart"]).startswith("on-failure"), name
    for name, service in services.items():
        for dep, how in (service.get("depends_on") or {}).items():
            assert dep in services, f"{name} depends on unknown {dep}"
            wanted = "service_completed_successfully" if dep in ONE_SHOT else "service_healthy"
            assert how["condition"] == wanted, (name, dep)


def test_temporal_is_the_server_image_on_postgresql(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert all("auto-setup" not in str(s.get("image", "")) for s in services.values())
    temporal = services["temporal"]
    assert temporal["image"].startswith("temporalio/server:")
    env = env_of(temporal)
    assert env["DB"] == "postgres12" and env["POSTGRES_SEEDS"] == "postgresql"
    assert env["DBNAME"] == "temporal" and env["VISIBILITY_DBNAME"] == "temporal_visibility"
    assert env["DYNAMIC_CONFIG_FILE_PATH"].endswith("gyde.yaml")
    assert published(temporal) == {7233: 7233}
    schema = services["temporal-schema"]
    assert schema["image"].startswith("temporalio/admin-tools:")
    assert schema["image"].split(":")[1] == temporal["image"].split(":")[1]  # one version
    script = (PROJECT_ROOT / "deploy/compose/temporal-schema.sh").read_text()
    for db in ("temporal", "temporal_visibility"):
        assert f"--db {db} update-schema" in script
    assert env_of(schema)["SQL_PASSWORD"] == env["POSTGRES_PWD"]
    dynamic = yaml.safe_load((PROJECT_ROOT / "deploy/compose/dynamicconfig/gyde.yaml").read_text())
    assert dynamic["matching.enableFairness"][0]["value"] is True


def test_the_ui_decrypts_through_our_codec_endpoint(compose: dict[str, Any]) -> None:
    services = compose["services"]
    ui_env = env_of(services["temporal-ui"])
    api_env = env_of(services["api"])
    api_host_port = published(services["api"])[int(api_env["GYDE_API_PORT"])]
    assert ui_env["TEMPORAL_CODEC_ENDPOINT"] == f"http://localhost:{api_host_port}/codec"
    ui_host_port = published(services["temporal-ui"])[8080]
    origin = f"http://localhost:{ui_host_port}"
    assert api_env["GYDE_TEMPORAL_UI_ORIGIN"] == origin  # the api's CORS allows exactly the UI
    assert origin in ui_env["TEMPORAL_CORS_ORIGINS"]
    assert ui_env["TEMPORAL_ADDRESS"] == "temporal:7233"


def test_gyde_services_run_real_commands_with_settings_the_code_reads(compose: dict[str, Any]) -> None:
    parser = build_parser()
    fields = set(Settings.model_fields)
    for name in GYDE_SERVICES:
        service = compose["services"][name]
        command = service["command"]
        assert command[0] == "gyde", name
        parser.parse_args(command[1:])  # SystemExit on an unknown subcommand or flag
        env = env_of(service)
        for key in env:
            assert key.startswith("GYDE_") and key.removeprefix("GYDE_").lower() in fields, (name, key)


@pytest.mark.parametrize("process", ["worker", "api", "media"])
def test_settings_from_the_file_pass_the_startup_checks(compose: dict[str, Any], process: str) -> None:
    env = env_of(compose["services"][process])
    settings = Settings(_env_file=None, **{k.removeprefix("GYDE_").lower(): v for k, v in env.items()})
    assert settings.database_url.startswith("postgresql+psycopg://gyde:")
    assert "@postgresql:5432/gyde" in settings.database_url
    assert settings.redis_url == "redis://redis:6379/0"
    assert settings.temporal_address == "temporal:7233"
    assert missing_secrets(settings, process) == []
    check_startup_secrets(settings, process)
    weak = settings.model_copy(update={"lookup_hash_key": SecretStr("")})
    with pytest.raises(InsecureStartup):  # the check is live: without a secret it refuses
        check_startup_secrets(weak, process)


def test_ports_and_probes_match_what_the_processes_listen_on(compose: dict[str, Any]) -> None:
    from media_server.server import HEALTH_PATHS

    services = compose["services"]
    api, media, worker, sim = (services[n] for n in ("api", "media", "worker", "sim"))
    api_port, media_port = int(env_of(api)["GYDE_API_PORT"]), int(env_of(media)["GYDE_MEDIA_PORT"])
    assert env_of(api)["GYDE_API_HOST"] == env_of(media)["GYDE_MEDIA_HOST"] == "0.0.0.0"
    assert api_port in published(api) and media_port in published(media)
    assert env_of(worker)["GYDE_PUBLIC_BASE_URL"] == f"http://api:{api_port}"
    assert env_of(worker)["GYDE_MEDIA_STREAM_URL"] == f"ws://media:{media_port}/media"
    assert env_of(worker)["GYDE_TWILIO_API_BASE"] == "http://sim:8766"
    assert "--port" in sim["command"] and 8766 in published(sim)

    def probe_url(service: dict[str, Any]) -> tuple[int, str]:
        test = service["healthcheck"]["test"]
        assert test[:4] == ["CMD", "python", "-m", "stack.health"]
        match = re.fullmatch(r"http://127\.0\.0\.1:(\d+)(/\w+)", test[4])
        assert match, test
        return int(match[1]), match[2]

    assert probe_url(api) == (api_port, "/healthz")
    port, path = probe_url(media)
    assert port == media_port and path in HEALTH_PATHS
    worker_cmd = worker["command"]
    assert probe_url(worker) == (int(worker_cmd[worker_cmd.index("--health-port") + 1]), "/readyz")
    assert probe_url(sim) == (8766, "/healthz")


def test_mounted_files_exist_and_the_image_builds_from_this_repo(compose: dict[str, Any]) -> None:
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = str(volume).split(":")[0]
            if source.startswith("./"):
                assert (PROJECT_ROOT / source).exists(), source
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert "uv sync --locked" in dockerfile and "USER gyde" in dockerfile  # installs uv.lock
    assert all(compose["services"][n]["build"] == "." for n in GYDE_SERVICES)
    init = (PROJECT_ROOT / "deploy/compose/postgres-init.sh").read_text()
    assert "CREATE DATABASE gyde OWNER gyde" in init and "CREATE ROLE temporal" in init
    assert not (PROJECT_ROOT / "docker-compose.temporal.yml").exists()  # one compose file
