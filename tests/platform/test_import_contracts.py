"""The dependency rule's contracts (pyproject.toml [tool.importlinter]) see every service.

import-linter refuses a root package or an `independence` module that does not exist, so the
services' independence is a layers contract of optional siblings, and each service is seen
only once it is in root_packages: these tests fail the moment one exists outside of it.
"""

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
SERVICES = ("complaints", "airquality", "disasteralerts", "cctv")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def importlinter() -> dict:
    with (PROJECT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["tool"]["importlinter"]


def contract(config: dict, name: str) -> dict:
    (found,) = [c for c in config["contracts"] if c["name"] == name]
    return found


def test_every_service_package_that_exists_is_a_root_package_of_the_contracts():
    existing = {name for name in SERVICES if (PROJECT / name / "__init__.py").is_file()}

    missing = existing - set(importlinter()["root_packages"])

    assert not missing, (
        f"Add {sorted(missing)} to root_packages in pyproject.toml [tool.importlinter]: "
        "until then the services' independence contract cannot see inside them."
    )


def test_the_independence_contract_names_every_service_and_the_platform_forbids_them_all():
    config = importlinter()

    (layer,) = contract(config, "The services never import each other")["layers"]
    forbidden = contract(config, "The platform never imports a service app")["forbidden_modules"]

    assert sorted(part.strip(" ()") for part in layer.split("|")) == sorted(SERVICES)
    assert sorted(forbidden) == sorted(SERVICES)


def write_package(root: Path, name: str, modules: dict[str, str]) -> None:
    (root / name).mkdir()
    (root / name / "__init__.py").write_text("")
    for module, source in modules.items():
        (root / name / f"{module}.py").write_text(source)


def lint_imports(tmp_path: Path, config: dict) -> subprocess.CompletedProcess:
    """Run lint-imports on this project with `config`, services written under tmp_path."""
    lines = ["[tool.importlinter]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in config.items() if key != "contracts"]
    for each in config["contracts"]:
        lines += ["", "[[tool.importlinter.contracts]]"]
        lines += [f"{key} = {json.dumps(value)}" for key, value in each.items()]
    (tmp_path / "importlinter.toml").write_text("\n".join(lines) + "\n")
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tmp_path / "importlinter.toml"), "--no-cache"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{PROJECT}"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_contracts_catch_a_service_importing_another_once_both_exist(tmp_path):
    write_package(tmp_path, "complaints", {"services": "from cctv import models\n"})
    write_package(tmp_path, "cctv", {"models": ""})
    config = importlinter()
    config["root_packages"] = [*config["root_packages"], "complaints", "cctv"]

    result = lint_imports(tmp_path, config)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "The services never import each other BROKEN" in result.stdout
    assert "complaints.services -> cctv.models" in result.stdout


def test_the_contracts_hold_for_services_that_import_only_the_platform(tmp_path):
    write_package(tmp_path, "complaints", {"services": "from jaki import lifecycle\n"})
    write_package(tmp_path, "cctv", {"models": "from jaki.api import DomainError\n"})
    config = importlinter()
    config["root_packages"] = [*config["root_packages"], "complaints", "cctv"]

    result = lint_imports(tmp_path, config)

    assert result.returncode == 0, result.stdout + result.stderr
