"""Settings come only from VOXLOOP_* variables and bad values stop start-up clearly."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.startup import start_django
from voxloop.conf import ConfigError, env_bool, env_choice, env_int, env_url


def test_strict_helpers_name_the_variable():
    with pytest.raises(ConfigError, match="VOXLOOP_X"):
        env_bool("VOXLOOP_X", False, "doc", env={"VOXLOOP_X": "maybe"})
    with pytest.raises(ConfigError, match="VOXLOOP_N"):
        env_int("VOXLOOP_N", 1, "doc", env={"VOXLOOP_N": "12abc"})
    with pytest.raises(ConfigError, match="minimum"):
        env_int("VOXLOOP_N", 1, "doc", minimum=1, env={"VOXLOOP_N": "0"})
    with pytest.raises(ConfigError, match="VOXLOOP_C"):
        env_choice("VOXLOOP_C", "a", ("a", "b"), "doc", env={"VOXLOOP_C": "c"})
    with pytest.raises(ConfigError, match="VOXLOOP_U"):
        env_url("VOXLOOP_U", "", ("postgresql",), "doc", env={"VOXLOOP_U": "mysql://x"})
    assert env_bool("VOXLOOP_X", False, "doc", env={"VOXLOOP_X": "Yes"}) is True
    assert env_int("VOXLOOP_N", 7, "doc", env={"VOXLOOP_N": " "}) == 7


def test_production_refuses_default_secret_and_debug(tmp_path):
    res = start_django(tmp_path, VOXLOOP_PRODUCTION="true")
    assert res.returncode != 0 and "VOXLOOP_SECRET_KEY" in res.stderr
    res = start_django(
        tmp_path, VOXLOOP_PRODUCTION="true", VOXLOOP_SECRET_KEY="x" * 40, VOXLOOP_DEBUG="true"
    )
    assert res.returncode != 0 and "VOXLOOP_DEBUG" in res.stderr
    res = start_django(tmp_path, VOXLOOP_PRODUCTION="true", VOXLOOP_SECRET_KEY="k" * 40)
    assert res.returncode == 0, res.stderr


def test_bad_value_fails_at_start(tmp_path):
    res = start_django(tmp_path, VOXLOOP_TASK_BACKEND="carrier-pigeon")
    assert res.returncode != 0 and "VOXLOOP_TASK_BACKEND" in res.stderr


def test_cli_reports_config_errors_plainly(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOXLOOP_")}
    env.update({"VOXLOOP_DATA_DIR": str(tmp_path), "VOXLOOP_SMTP_PORT": "seventy"})
    res = subprocess.run(
        [sys.executable, "-m", "voxloop", "migrate"], env=env, capture_output=True, text=True
    )
    assert res.returncode == 2
    assert "configuration error: VOXLOOP_SMTP_PORT" in res.stderr


def test_dev_secret_is_generated_once_per_data_dir(tmp_path):
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='voxloop.settings'; "
        "django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOXLOOP_")}
    env["VOXLOOP_DATA_DIR"] = str(tmp_path)
    a = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout
    b = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout
    assert a == b and len(a.strip()) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
