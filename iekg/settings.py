"""Settings from the environment (``IEKG_*``) and the command line, in one place (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PACKAGE_DATA = Path(__file__).resolve().parent / "data"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IEKG_", extra="ignore")

    home: Path = Path.home() / ".iekg"  # IEKG_HOME: where the embedded graph lives
    store: str = "sqlite"  # IEKG_STORE: sqlite (embedded; "networkx"/"embedded" are aliases) | neo4j
    write_wait: float = 600.0  # IEKG_WRITE_WAIT: seconds an import waits for another one writing the embedded graph
    lang: str = "zh"  # IEKG_LANG: zh | en (messages and table headers)
    public_dir: Path | None = None  # IEKG_PUBLIC_DIR: folder of official public lists to load on build
    reference_dir: Path = PACKAGE_DATA / "reference"
    demo_dir: Path = PACKAGE_DATA / "demo"

    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str = "neo4j"

    # the API (``iekg serve``)
    api_key: str | None = None  # IEKG_API_KEY: writes (imports) need header X-API-Key with this value; unset → writes off
    cors_origins: Annotated[list[str], NoDecode] = []  # IEKG_CORS_ORIGINS: comma-separated origins; empty → no CORS
    max_upload_bytes: int = 20 * 1024 * 1024  # IEKG_MAX_UPLOAD_BYTES: largest accepted import upload

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, v: Any) -> Any:
        if isinstance(v, str):
            return [o.strip() for o in v.split(",") if o.strip()]
        return v

    @property
    def db_file(self) -> Path:
        """The embedded graph (SQLite)."""
        return self.home / "graph.sqlite"

    @property
    def graph_file(self) -> Path:
        """The embedded graph of earlier versions (one JSON file): only read to migrate it."""
        return self.home / "graph.json"
