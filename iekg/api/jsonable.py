"""Turn query results into plain JSON values, the way the CLI prints them (``json.dumps(default=str)``),
but with NaN/inf as null and numpy scalars as Python numbers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from fastapi.responses import JSONResponse


def jsonable(x: Any) -> Any:
    if x is None or isinstance(x, bool | str | int):
        return x
    if isinstance(x, float):
        return None if math.isnan(x) or math.isinf(x) else x
    if isinstance(x, Mapping):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple | set | frozenset):
        return [jsonable(v) for v in x]
    if isinstance(x, np.generic):
        return jsonable(x.item())
    if isinstance(x, np.ndarray):
        return [jsonable(v) for v in x.tolist()]
    if hasattr(x, "model_dump"):
        return jsonable(x.model_dump())
    try:
        import pandas as pd

        if x is pd.NA or x is pd.NaT:
            return None
    except ImportError:  # pragma: no cover
        pass
    return str(x)


class DataResponse(JSONResponse):
    """A JSON answer with Chinese kept readable (UTF-8) and the values made JSON-safe."""

    def render(self, content: Any) -> bytes:
        import json

        return json.dumps(jsonable(content), ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
