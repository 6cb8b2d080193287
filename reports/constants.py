"""Names and thresholds of the reports app."""

AUDIENCE_BUYER = "buyer"
AUDIENCE_VENDOR = "vendor"


PAPERS = ("a4", "letter")
MAX_COMPARED = 8

# Bumped when a template or chart changes how a report looks, so cached PDFs are rendered again.
REPORT_LAYOUT_VERSION = 1
