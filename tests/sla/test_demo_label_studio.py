"""The demo's reviewed batch is delivered as a Label Studio export with each review's text."""

import io

from sla.demo import _label_studio_export
from sla.ingest import read_delivery
from sla.simulate import DeliverySpec, simulate_delivery


def test_the_demo_label_studio_export_reads_back_to_the_simulated_rows_with_texts():
    spec = DeliverySpec(items=200, labels=("negative", "neutral", "positive", "mixed"), overlap=0.3, seed=5)
    simulated = simulate_delivery(spec)

    result = read_delivery(io.BytesIO(_label_studio_export(simulated, spec.seed)), filename="demo.json")

    assert result.ok, result.errors
    assert result.format == "label_studio"
    columns = ["item_id", "annotator_id", "label", "queue", "prelabel"]
    ours = result.frame[columns].fillna("").sort_values(["item_id", "annotator_id"]).reset_index(drop=True)
    expected = simulated.annotations[columns].sort_values(["item_id", "annotator_id"]).reset_index(drop=True)
    assert ours.values.tolist() == expected.values.tolist()
    texts = result.frame.groupby("item_id")["text"].first()
    assert texts.notna().all() and texts.str.len().between(20, 80).all()
