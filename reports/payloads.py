"""The JSON ``payload`` column (fields the frame does not flatten), decoded per distinct text.

Rows of one kind often carry the same text (the same estimates, the same roles), and decoding
the distinct texts in one ``json.loads`` of a JSON array costs a fraction of one call per row.
A row without a payload (None) decodes to ``{}``. The dicts are shared between rows with the
same text: read them, never change them.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd


def decoded(payloads: pd.Series | np.ndarray) -> tuple[list[dict[str, Any]], np.ndarray]:
    """(each distinct payload decoded, then ``{}``; per row the index of its dict): a row
    without a payload points at the trailing ``{}``."""
    # Factorized as stored: a text column stays Arrow, so only the distinct texts become str.
    codes, texts = pd.factorize(
        payloads if isinstance(payloads, pd.Series) else np.asarray(payloads, dtype=object)
    )
    dicts = json.loads("[" + ",".join(texts) + "]") if len(texts) else []
    dicts.append({})
    return dicts, np.where(codes < 0, len(dicts) - 1, codes)


def payload_dicts(payloads: pd.Series | np.ndarray) -> list[dict[str, Any]]:
    """One dict per row (``{}`` without a payload)."""
    dicts, index = decoded(payloads)
    return [dicts[i] for i in index]


def payload_values(payloads: pd.Series | np.ndarray, name: str, missing: Any = None) -> np.ndarray:
    """Per row, the payload's ``name`` field as an object array (``missing`` without it)."""
    dicts, index = decoded(payloads)
    values = np.empty(len(dicts), dtype=object)
    values[:] = [d.get(name, missing) for d in dicts]
    return values[index]


def field_frame(payloads: pd.Series | np.ndarray, name: str) -> pd.DataFrame:
    """``pd.DataFrame.from_records`` of each row's ``name`` mapping (``{}`` without one):
    built from the distinct payloads only, then repeated row by row, with the columns and
    dtypes the records of every row give."""
    dicts, index = decoded(payloads)
    position, used = pd.factorize(index)  # the dicts in order of first use
    frame = pd.DataFrame.from_records([dicts[i].get(name, {}) for i in used])
    if not len(frame.columns):  # no row had a field: from_records gives no rows either
        return frame
    return frame.iloc[position].reset_index(drop=True)
