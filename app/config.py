"""Settings, read once from the environment (``LOCMAP_*``) and the command line."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_database_url() -> str:
    """A SQLite file in the user's data directory (e.g. ~/.local/share/locmap)."""
    return f"sqlite:///{Path(user_data_dir('locmap', appauthor=False)) / 'locmap.db'}"


class Settings(BaseSettings):
    """All of locmap's settings.  ``--db URL`` on the command line wins over
    ``LOCMAP_DATABASE_URL``, which wins over the default SQLite file."""

    model_config = SettingsConfigDict(env_prefix="LOCMAP_", extra="ignore")

    database_url: str = ""
    #: Seconds a writer waits for SQLite's lock before giving up.
    sqlite_busy_timeout: float = 30.0
    #: Show Python tracebacks for unexpected errors (for developers).
    debug: bool = False

    #: Let anonymous visitors read (never write): ``locmap serve --demo``.
    demo: bool = False
    #: Load the six sample localities into an empty database on start.
    load_samples: bool = True
    #: Largest request body accepted, in bytes (a county-sized document is ~10 MB).
    max_body_bytes: int = 20 * 1024 * 1024
    #: Hours a browser session lasts.
    session_hours: float = 12.0
    #: Send the session cookie over HTTPS only (set when served behind TLS).
    cookie_secure: bool = False
    #: Largest page of a list endpoint.
    max_page_size: int = 200
    #: Failed sign-ins allowed per name and client address within the window, then 429.
    signin_attempts: int = 5
    #: Seconds over which failed sign-ins are counted.
    signin_window: float = 900.0
    #: How long (ms) a thread may hold Python's interpreter lock before one waiting for it is let in.
    #: Python's 5 ms lets a page being recomputed hold up each of an edit's database calls in
    #: turn; 0.5 ms keeps edits prompt under load for a few per cent of throughput.
    switch_interval_ms: float = Field(0.5, gt=0, le=100)
    #: Minutes between purges of expired sessions, tokens and sign-in attempts while the service runs.
    purge_minutes: float = 10.0
    #: Key of the sign-in form's token (hex or any text); random for each start unless set.  ``locmap
    #: serve --workers N`` gives its workers one; set it when several hosts serve one database.
    signin_secret: str = ""
    #: Origins allowed to call the API from other sites (CORS), comma-separated; none by default.
    cors_origins: str = ""
    #: Fewest census respondents behind any score shown (a group's, an agency's or the locality's).
    census_min_respondents: int = Field(3, ge=2, le=50)
    #: Days a census's personal links work unless the census is closed sooner.
    census_days: float = Field(28.0, gt=0, le=366)

    def resolved_database_url(self) -> str:
        return self.database_url or default_database_url()


@lru_cache
def get_settings() -> Settings:
    return Settings()
