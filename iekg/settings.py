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
    vocabulary_file: Path | None = None  # IEKG_VOCABULARY_FILE: the user's own terms and synonyms (vocabularies.csv shape)

    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str = "neo4j"

    # Thresholds that are NOT in the notice: our assumptions, shown as
    # "参考值（本工具假设，可在设置中修改）" wherever they appear (docs/measures.md).
    shortage_below: float = 0.8  # IEKG_SHORTAGE_BELOW: supply/demand ratio below this is a shortage
    surplus_above: float = 1.25  # IEKG_SURPLUS_ABOVE: ratio above this is a surplus
    gap_min_people: float = 50.0  # IEKG_GAP_MIN_PEOPLE: a supply/demand gap smaller than this is "minor"
    gap_full_people: float = 500.0  # IEKG_GAP_FULL_PEOPLE: a gap this large weighs fully in the ranking
    reference_sai: float | None = None  # IEKG_REFERENCE_SAI: readiness's SAI reference (None: the target data's 0.6)
    reference_employment: float | None = None  # IEKG_REFERENCE_EMPLOYMENT: employment reference (None: 0.9)

    # the API (``iekg serve``)
    api_key: str | None = None  # IEKG_API_KEY: writes (imports) need header X-API-Key with this value; unset → writes off
    cors_origins: Annotated[list[str], NoDecode] = []  # IEKG_CORS_ORIGINS: comma-separated origins; empty → no CORS
    max_upload_bytes: int = 20 * 1024 * 1024  # IEKG_MAX_UPLOAD_BYTES: largest accepted import upload
    api_key_label: str = "api-key"  # IEKG_API_KEY_LABEL: who API imports are recorded as in the import history

    # bounded work per imported file (iekg.loaders.limits): the error of a file over a limit names the setting
    max_file_bytes: int = 200 * 1024 * 1024  # IEKG_MAX_FILE_BYTES: one CSV/XLS/XLSX file on disk
    max_rows: int = 200_000  # IEKG_MAX_ROWS: non-empty rows of one file (and a sheet's last used row)
    max_cells: int = 5_000_000  # IEKG_MAX_CELLS: cells of one file
    max_inflated_bytes: int = 200 * 1024 * 1024  # IEKG_MAX_INFLATED_BYTES: an XLSX archive, inflated
    max_zip_members: int = 2_000  # IEKG_MAX_ZIP_MEMBERS: members of an XLSX archive
    max_zip_ratio: int = 200  # IEKG_MAX_ZIP_RATIO: compression ratio of one XLSX member over 1 MB
    max_parse_seconds: float = 300.0  # IEKG_MAX_PARSE_SECONDS: time to read one file
    max_name_chars: int = 500  # IEKG_MAX_NAME_CHARS: one cell of an id, code, name or other one-line field
    max_cell_chars: int = 32_767  # IEKG_MAX_CELL_CHARS: any one cell (Excel's own limit), e.g. a long 备注
    import_job_bytes: int = 1024 * 1024  # IEKG_IMPORT_JOB_BYTES: uploads above this run as a job (202 + status URL)
    heavy_concurrency: int = 2  # IEKG_HEAVY_CONCURRENCY: expensive reads (paths, province-wide analyses) at once
    heavy_queue: int = 16  # IEKG_HEAVY_QUEUE: expensive reads that may wait for a turn; more are refused (429)
    heavy_wait: float = 15.0  # IEKG_HEAVY_WAIT: seconds one may wait for a turn before it is refused (429)
    retry_after: int = 5  # IEKG_RETRY_AFTER: seconds a client is told to wait when the server is busy (429)
    upload_dir: Path | None = None  # IEKG_UPLOAD_DIR: where uploads wait while validated (default: system temp)
    header_timeout: float = 10.0  # IEKG_HEADER_TIMEOUT: seconds a connection has to send a whole request head
    max_connections: int = 1000  # IEKG_MAX_CONNECTIONS: open connections at once; one more gets 503 and is closed
    keep_alive: float = 5.0  # IEKG_KEEP_ALIVE: seconds an idle keep-alive connection is kept open
    # Neo4j: a server that is down or hung (a stopped process, connections open) must be answered fast
    # (seconds), not after the driver's 30–60 s defaults or never (iekg.graph.neo4jstore.driver_options)
    neo4j_connection_timeout: float = 3.0  # IEKG_NEO4J_CONNECTION_TIMEOUT: seconds to open a connection
    neo4j_acquisition_timeout: float = 3.0  # IEKG_NEO4J_ACQUISITION_TIMEOUT: seconds to get a working connection
    #   (from the pool after its liveness check, or a new one: TCP, Bolt handshake and login), all included
    neo4j_liveness_check: float = 0.0  # IEKG_NEO4J_LIVENESS_CHECK: a pooled connection idle longer than this
    #   (seconds) is checked (RESET) before use, within the acquisition timeout; 0 = always; <0 = never
    neo4j_retry_time: float = 1.0  # IEKG_NEO4J_RETRY_TIME: seconds a failing transaction is retried
    neo4j_query_timeout: float = 120.0  # IEKG_NEO4J_QUERY_TIMEOUT: seconds a read query may run (0 = no limit)
    neo4j_keep_alive: bool = True  # IEKG_NEO4J_KEEP_ALIVE: TCP keep-alive on the driver's sockets (a dead peer)
    # a fresh build (iekg build / sync) into the Neo4j of scripts/neo4j-local uses Neo4j's offline importer
    neo4j_local_data: Path | None = None  # IEKG_NEO4J_LOCAL_DATA: the neo4j-local data folder of the server at
    #   IEKG_NEO4J_URI (the default folder, <repo>/.neo4j-local/data, is found by itself when its server runs there)
    neo4j_bulk_min_rows: int = 100_000  # IEKG_NEO4J_BULK_MIN_ROWS: smaller fresh builds use batched UNWIND (the
    #   offline import stops and restarts the server: ~20 s); negative = never the offline importer

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

