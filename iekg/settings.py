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
    store: str = "networkx"  # IEKG_STORE: networkx | neo4j
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
    import_job_bytes: int = 1024 * 1024  # IEKG_IMPORT_JOB_BYTES: uploads above this run as a job (202 + status URL)
    heavy_concurrency: int = 2  # IEKG_HEAVY_CONCURRENCY: expensive reads (paths, province-wide analyses) at once
    heavy_queue: int = 16  # IEKG_HEAVY_QUEUE: expensive reads that may wait for a turn; more are refused (429)
    heavy_wait: float = 15.0  # IEKG_HEAVY_WAIT: seconds one may wait for a turn before it is refused (429)
    retry_after: int = 5  # IEKG_RETRY_AFTER: seconds a client is told to wait when the server is busy (429)
    upload_dir: Path | None = None  # IEKG_UPLOAD_DIR: where uploads wait while validated (default: system temp)
    # Neo4j: a server that is down must be answered fast (seconds), not after the driver's 30–60 s defaults
    neo4j_connection_timeout: float = 3.0  # IEKG_NEO4J_CONNECTION_TIMEOUT: seconds to open a connection
    neo4j_acquisition_timeout: float = 5.0  # IEKG_NEO4J_ACQUISITION_TIMEOUT: seconds to get one from the pool
    neo4j_retry_time: float = 2.0  # IEKG_NEO4J_RETRY_TIME: seconds a failing transaction is retried
    neo4j_query_timeout: float = 120.0  # IEKG_NEO4J_QUERY_TIMEOUT: seconds a read query may run (0 = no limit)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, v: Any) -> Any:
        if isinstance(v, str):
            return [o.strip() for o in v.split(",") if o.strip()]
        return v

    @property
    def graph_file(self) -> Path:
        return self.home / "graph.json"
