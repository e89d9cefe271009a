"""Settings come from the environment with documented defaults, and bad values fail early."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.config import VARIABLES, Settings, SettingsError


def test_defaults_run_without_any_account(tmp_path: Path) -> None:
    settings = Settings.from_env({"INSTANCE_PATH": str(tmp_path)})

    assert settings.provider == "console"
    assert settings.uses_embedded_redis
    assert settings.database_url == f"sqlite:///{tmp_path.resolve()}/hotline.db"
    assert settings.ratelimit_enabled


def test_every_variable_read_is_documented() -> None:
    source = Path("hotline/config.py").read_text()
    read = {line.split('get("')[1].split('"')[0] for line in source.splitlines() if 'get("' in line}
    assert read <= {variable.name for variable in VARIABLES}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HOTLINE_PROVIDER": "pigeon"}, "HOTLINE_PROVIDER"),
        ({"HOTLINE_PROVIDER": "twilio"}, "TWILIO_ACCOUNT_SID"),
        ({"HOTLINE_PROVIDER": "africastalking"}, "AT_USERNAME"),
        ({"RATELIMIT_ENABLED": "maybe"}, "RATELIMIT_ENABLED"),
        ({"PUBLIC_BASE_URL": "hotline.example"}, "PUBLIC_BASE_URL"),
        ({"DEFAULT_REGION": "Kyrgyzstan"}, "DEFAULT_REGION"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_ratelimits_can_be_turned_off_for_load_tests() -> None:
    assert not Settings.from_env({"RATELIMIT_ENABLED": "false"}).ratelimit_enabled


def test_readme_documents_every_variable() -> None:
    readme = Path("README.md").read_text()
    missing = [v.name for v in VARIABLES if f"`{v.name}`" not in readme]
    assert missing == []
