"""What every view shares: node frames as records, and pyvis's node and edge lists."""

from __future__ import annotations

from typing import Any

import pandas as pd
from pyvis.network import Network


def net() -> Network:
    """An empty pyvis network: only its node and edge bookkeeping is used; its template (CDN loads) never is."""
    return Network(directed=True, cdn_resources="in_line")


def records(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """A node frame as ``{id: {column: value}}``, missing values as None."""
    frame = frame.astype(object).where(frame.notna(), None)
    return {str(r["id"]): {str(k): v for k, v in r.items()} for r in frame.to_dict("records")}

