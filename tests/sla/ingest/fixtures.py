"""Where the delivery fixtures live, and the canonical frame they must read to."""

import json
from pathlib import Path

import pandas as pd

DELIVERIES = Path(__file__).resolve().parents[2] / "fixtures" / "deliveries"
VALID = DELIVERIES / "valid"
MALFORMED = DELIVERIES / "malformed"
EXPECTED = json.loads((VALID / "expected.json").read_text())
CASES = json.loads((MALFORMED / "cases.json").read_text())

TEXT = ["item_id", "annotator_id", "label", "task_type", "queue", "prelabel", "text"]
TIMES = ["annotated_at", "escalation_resolved_at"]


def expected_frame(columns: list[str]) -> pd.DataFrame:
    """The canonical rows of ``expected.json``; columns a format cannot carry left empty."""
    frame = pd.DataFrame(EXPECTED["rows"])
    frame["text"] = None  # the item content: none of these fixtures carries any
    for name in frame.columns.difference(columns):
        frame[name] = False if name == "escalated" else None
    frame[TEXT] = frame[TEXT].astype("str")
    frame["confidence"] = frame["confidence"].astype("float64")
    for name in TIMES:
        frame[name] = pd.to_datetime(frame[name], utc=True).dt.as_unit("us")
    frame["escalated"] = frame["escalated"].astype(bool)
    return frame
