"""The deployment files, read as Docker, Compose and systemd would: the Dockerfile, .dockerignore,
deploy/compose.yaml, deploy/Caddyfile and deploy/quotebot.service agree with each other and with
the bot's settings; ``systemd-analyze verify`` and ``caddy adapt`` check them where installed.

No Docker engine is needed (none may be at hand): the image is not built here.
"""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
HEALTHCHECK = ["python", "-m", "bot.healthcheck"]


# Reading the files -------------------------------------------------------------------------


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, (INSTRUCTION, arguments), continuation lines joined."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            name, _, args = line.strip().partition(" ")
            instructions.append((name.upper(), args.strip()))
    return instructions


def final_stage() -> list[tuple[str, str]]:
    """The instructions of the last stage: what the image is."""
    instructions = dockerfile()
    last_from = max(i for i, (name, _) in enumerate(instructions) if name == "FROM")
    return instructions[last_from:]


def image_env() -> dict[str, str]:
    """The ENV the image sets (KEY=value pairs)."""
    env = {}
    for name, args in final_stage():
        if name == "ENV":
            env.update(pair.split("=", 1) for pair in args.split())
    return env


def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def interpolated_default(value: str) -> str:
    """``${NAME:-default}`` as Compose reads it with NAME unset: the default."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def unit() -> dict[str, list[tuple[str, str]]]:
    """The unit file's sections, each a list of (key, value): keys may repeat in systemd units."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for line in (DEPLOY / "quotebot.service").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
        else:
            key, _, value = line.partition("=")
            current.append((key.strip(), value.strip()))
    return sections


def service() -> dict[str, str]:
    """[Service], the last value of each key (as systemd reads most keys)."""
    return dict(unit()["Service"])


def setting_names() -> list[str]:
    """Every setting's environment variable."""
    names = []
    for field, info in Settings.model_fields.items():
        aliases = getattr(info.validation_alias, "choices", None)
        names.append(str(aliases[0]) if aliases else f"QUOTEBOT_{field.upper()}")
    return names


# Dockerfile and .dockerignore --------------------------------------------------------------


def test_dockerfile_builds_a_wheel_then_installs_it_into_a_slim_python() -> None:
    stages = [args for name, args in dockerfile() if name == "FROM"]
    assert len(stages) == 2
    assert stages[0].endswith(" AS build")
    for stage in stages:
        assert re.fullmatch(r"python:\$\{PYTHON_VERSION\}-slim-\w+( AS build)?", stage)
    [version] = [args for name, args in dockerfile() if name == "ARG" and args.startswith("PYTHON_VERSION=")]
    assert tuple(map(int, version.split("=")[1].split("."))) >= (3, 11)
    build = dockerfile()[: len(dockerfile()) - len(final_stage())]
    assert any(name == "RUN" and "pip wheel --wheel-dir /wheels ." in args for name, args in build)
    installs = [args for name, args in final_stage() if name == "RUN" and "pip install" in args]
    assert any("from=build" in args and "--no-index --find-links=/wheels quotebot" in args for args in installs)


def test_image_runs_as_an_unprivileged_user() -> None:
    users = [args for name, args in final_stage() if name == "USER"]
    assert users, "the image would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    assert int(user) >= 1000
    assert f"--uid {user} " in " ".join(args for name, args in final_stage() if name == "RUN")


def test_image_takes_articles_and_data_from_mounts_and_settings_from_the_environment() -> None:
    env = image_env()
    assert env["QUOTEBOT_SEEDS"] == "/articles"
    assert ("COPY", "seeds/ /articles/") in final_stage()  # the bundled article until one is mounted
    assert ("VOLUME", '["/data"]') in final_stage()
    assert ("WORKDIR", "/data") in final_stage()
    assert "TELEGRAM_BOT_TOKEN" not in env  # secrets only at run time
    for name in env:
        assert name in setting_names() or name == "HOME" or name.startswith(("PYTHON", "PIP_")), name


def test_image_exposes_the_webhook_and_status_ports_and_checks_its_health() -> None:
    env = image_env()
    [exposed] = [args.split() for name, args in final_stage() if name == "EXPOSE"]
    assert sorted(exposed) == sorted([env["QUOTEBOT_PORT"], env["QUOTEBOT_METRICS_PORT"]])
    assert env["QUOTEBOT_METRICS_LISTEN"] == "0.0.0.0"  # reachable through a published port
    [check] = [args for name, args in final_stage() if name == "HEALTHCHECK"]
    assert check.endswith("CMD " + str(HEALTHCHECK).replace("'", '"'))
    assert ("ENTRYPOINT", '["quotebot"]') in final_stage()  # exec form: SIGTERM reaches the bot
    assert ("CMD", '["run"]') in final_stage()


def test_dockerignore_keeps_secrets_and_clutter_out_but_not_what_the_build_copies() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(path: str) -> bool:
        verdict = False
        for pattern in patterns:  # the last matching pattern decides, as in Docker
            negated = pattern.startswith("!")
            bare = pattern.lstrip("!").removeprefix("**/")
            if fnmatch.fnmatch(path, bare) or fnmatch.fnmatch(path.split("/")[-1], bare) or path.startswith(bare + "/"):
                verdict = not negated
        return verdict

    for path in [".env", "deploy/.env", ".git", ".venv", "tests", "benchmarks/data", ".pytest_cache", "x.sqlite3"]:
        assert ignored(path), path
    copied = [args.split()[0] for name, args in dockerfile() if name == "COPY" and not args.startswith("--")]
    sources = {source.rstrip("/") for args in copied for source in [args]} | {"pyproject.toml", "README.md"}
    for source in sources:
        assert (ROOT / source).exists(), source
        assert not ignored(source), source


# Compose and Caddy -------------------------------------------------------------------------


def test_compose_runs_the_bot_with_its_env_file_volumes_restart_policy_and_healthcheck() -> None:
    spec = compose()
    bot = spec["services"]["quotebot"]
    assert "profiles" not in bot  # always started
    assert (DEPLOY / bot["build"]["context"] / bot["build"]["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    assert bot["env_file"] == ".env"
    assert bot["restart"] == "unless-stopped"
    assert bot["healthcheck"]["test"] == ["CMD", *HEALTHCHECK]
    mounts = {volume["target"]: volume for volume in bot["volumes"]}
    articles = mounts[image_env()["QUOTEBOT_SEEDS"]]
    assert articles["type"] == "bind" and articles["read_only"] is True
    assert (DEPLOY / interpolated_default(articles["source"])).is_dir()  # the default source exists
    data = mounts["/data"]
    assert data["type"] == "volume" and data["source"] in spec["volumes"]
    assert int(bot["stop_grace_period"].rstrip("s")) >= int(service()["TimeoutStopSec"])


def test_compose_publishes_health_and_metrics_on_the_hosts_loopback_only() -> None:
    bot = compose()["services"]["quotebot"]
    assert bot["ports"] == [f"127.0.0.1:{image_env()['QUOTEBOT_METRICS_PORT']}:{image_env()['QUOTEBOT_METRICS_PORT']}"]


def test_compose_webhook_profile_puts_caddy_in_front_without_the_token() -> None:
    spec = compose()
    caddy = spec["services"]["caddy"]
    assert caddy["profiles"] == ["webhook"]
    assert caddy["image"].startswith("caddy:")
    assert caddy["restart"] == "unless-stopped"
    assert {port.split(":")[-2] for port in caddy["ports"]} == {"80", "443"}
    assert "env_file" not in caddy  # the proxy never sees the token
    assert set(caddy["environment"]) == {"QUOTEBOT_DOMAIN"}
    [caddyfile] = [v for v in caddy["volumes"] if v.endswith(":/etc/caddy/Caddyfile:ro")]
    assert (DEPLOY / caddyfile.split(":")[0]).resolve() == DEPLOY / "Caddyfile"
    assert any(v.endswith(":/data") and v.split(":")[0] in spec["volumes"] for v in caddy["volumes"])  # certificates


def test_caddy_forwards_only_to_the_webhook_port() -> None:
    lines = (DEPLOY / "Caddyfile").read_text(encoding="utf-8").splitlines()
    text = "\n".join(line.split("#")[0] for line in lines)  # the directives, without comments
    assert re.findall(r"reverse_proxy\s+(\S+)", text) == [f"quotebot:{image_env()['QUOTEBOT_PORT']}"]
    assert image_env()["QUOTEBOT_METRICS_PORT"] not in text
    assert "{$QUOTEBOT_DOMAIN}" in text


@pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy is not installed")
def test_caddyfile_is_valid_for_caddy(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(shutil.which("caddy")), "adapt", "--config", str(DEPLOY / "Caddyfile")],
        env={"QUOTEBOT_DOMAIN": "bot.example.com", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert '"dial":"quotebot:8443"' in result.stdout.replace(" ", "")


# systemd -----------------------------------------------------------------------------------


def test_unit_runs_quotebot_as_a_dedicated_user_restarting_on_failure() -> None:
    sections = unit()
    assert set(sections) == {"Unit", "Service", "Install"}
    assert ("After", "network-online.target") in sections["Unit"]
    options = service()
    assert options["ExecStart"].endswith("/bin/quotebot run")
    assert options["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert options["EnvironmentFile"] == "/etc/quotebot/quotebot.env"
    assert options["Restart"] == "on-failure"
    assert options["RestartPreventExitStatus"] == "2"  # a setting to fix: no point restarting
    assert options["KillSignal"] == "SIGTERM"
    assert options["TimeoutStopSec"] == "15"
    assert options.get("DynamicUser") == "yes" or options.get("User") not in (None, "root", "0")
    assert options["StateDirectory"] == "quotebot"
    assert options["WorkingDirectory"] == "/var/lib/quotebot"
    assert dict(sections["Install"])["WantedBy"] == "multi-user.target"


def test_unit_is_sandboxed() -> None:
    options = service()
    expected = {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "ProtectKernelTunables": "yes",
        "ProtectKernelModules": "yes",
        "ProtectControlGroups": "yes",
        "RestrictNamespaces": "yes",
        "RestrictSUIDSGID": "yes",
        "LockPersonality": "yes",
        "CapabilityBoundingSet": "",  # no capabilities at all
        "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    }
    assert {key: options.get(key) for key in expected} == expected
    filters = [value for key, value in unit()["Service"] if key == "SystemCallFilter"]
    assert "@system-service" in filters


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    # verify also checks that ExecStart's program exists, which /opt/quotebot/bin/quotebot does not
    # on a test machine: the copy checked runs this environment's Python instead.
    executable = Path(sys.executable)
    assert service()["ExecStart"] == "/opt/quotebot/bin/quotebot run"
    copy = tmp_path / "quotebot.service"
    text = (DEPLOY / "quotebot.service").read_text(encoding="utf-8")
    copy.write_text(text.replace("/opt/quotebot/bin/quotebot run", f"{executable} -m bot run"), encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(copy)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "quotebot.service" not in result.stdout + result.stderr  # not one complaint about the unit


# Settings documented -----------------------------------------------------------------------


@pytest.mark.parametrize("where", [".env.example", "README.md"])
def test_every_setting_is_documented(where: str) -> None:
    text = (ROOT / where).read_text(encoding="utf-8")
    missing = [name for name in setting_names() if name not in text]
    assert not missing, f"{where} does not mention {missing}"
