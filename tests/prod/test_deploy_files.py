"""The deployment files for real installations (not run here: no Docker or Kubernetes) stay in step."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Set

import yaml

from deploy.local import COMPOSE_NGINX_CONF, NginxLayout, Ports, Topology, render_nginx_config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DERIVED = {"DB_DIALECT", "LOCK_STORE_TYPE"}  # set by addons/endpoints_env.py from TRACKER_STORE, LOCK_STORE


def _endpoint_variables() -> Set[str]:
    return set(re.findall(r"\$\{(\w+)\}", (ROOT / "endpoints.yml").read_text()))


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def _helm(name: str) -> dict:
    return yaml.safe_load((DEPLOY / "helm" / name).read_text())


def _env_names(entries: List[Dict[str, str]]) -> Set[str]:
    return {entry["name"] for entry in entries}


def _local_topology(root: Path) -> Topology:
    return Topology(root, Ports(), with_widget=True)


def test_endpoints_yml_reads_the_stores_from_the_documented_variables() -> None:
    assert _endpoint_variables() == {
        "ACTION_SERVER_URL",
        "DB_DIALECT",
        "DB_HOST",
        "DB_PORT",
        "DB_NAME",
        "DB_USER",
        "DB_PASSWORD",
        "LOCK_STORE_TYPE",
        "REDIS_HOST",
        "REDIS_PORT",
        "REDIS_DB",
        "REDIS_PASSWORD",
    }


def test_compose_has_every_service_of_the_local_topology(tmp_path: Path) -> None:
    services = _compose()["services"]
    local = {"postgres", "redis", "actions-1", "actions-2", "rasa-1", "rasa-2", "widget", "review", "nginx"}
    assert local <= set(services)
    topology = _local_topology(tmp_path)
    topology.staff_password = "ein-langes-test-passwort"
    assert {service.name for service in topology.services()} <= set(services)


def test_the_review_page_shares_the_models_with_the_rasa_servers_and_sits_behind_nginx() -> None:
    services = _compose()["services"]
    assert services["review"]["command"][:3] == ["python", "-m", "review.server"]
    assert "STAFF_PASSWORD" in services["review"]["environment"]
    for name in ("rasa-1", "rasa-2", "review"):
        assert "models:/app/models" in services[name]["volumes"]
    assert "127.0.0.1:8081:8081" in services["nginx"]["ports"]
    assert "proxy_pass http://review:8081;" in COMPOSE_NGINX_CONF.read_text()


def test_compose_rasa_servers_use_the_same_entry_point_and_variables_as_the_local_topology(
    tmp_path: Path,
) -> None:
    services = _compose()["services"]
    local_env = set(_local_topology(tmp_path).rasa_env())
    for name in ("rasa-1", "rasa-2"):
        command = services[name]["command"]
        assert command[:4] == ["python", "-m", "addons.rasa_main", "run"]
        assert "endpoints.yml" in command and "credentials.yml" in command
        environment = set(services[name]["environment"])
        assert _endpoint_variables() - DERIVED <= environment
        assert local_env <= environment
    for name in ("actions-1", "actions-2"):
        assert services[name]["command"][:5] == ["python", "-m", "rasa_sdk", "--actions", "actions"]


def test_compose_nginx_config_is_the_rendered_one() -> None:
    assert COMPOSE_NGINX_CONF.read_text() == render_nginx_config(NginxLayout.compose()), (
        "run `python -m deploy.local compose-nginx-conf`"
    )
    config = COMPOSE_NGINX_CONF.read_text()
    assert "hash $remote_addr consistent;" in config and "proxy_set_header Upgrade $http_upgrade;" in config


def test_helm_values_use_the_same_entry_points_and_variables(tmp_path: Path) -> None:
    bot = _helm("rasa-bot-values.yaml")
    assert bot["command"] + bot["args"][:1] == ["python", "-m", "addons.rasa_main", "run"]
    assert _endpoint_variables() - DERIVED <= _env_names(bot["extraEnv"])
    assert set(_local_topology(tmp_path).rasa_env()) <= _env_names(bot["extraEnv"])
    actions = _helm("rasa-action-server-values.yaml")
    assert actions["command"] + actions["args"][:2] == ["python", "-m", "rasa_sdk", "--actions", "actions"]


def test_dockerfile_runs_the_same_entry_point() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert '"-m", "addons.rasa_main", "run"' in dockerfile
    assert "requirements.txt -c constraints.txt" in dockerfile
