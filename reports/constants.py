"""Names and thresholds of the reports app."""

AUDIENCE_BUYER = "buyer"
AUDIENCE_VENDOR = "vendor"


PAPERS = ("a4", "letter")
MAX_COMPARED = 8

# Bumped when a template or chart changes how a report looks, so cached PDFs are rendered again.
REPORT_LAYOUT_VERSION = 2

# A vendor report lists at most this many batches (and breaches); a longer period gets one row per
# month instead: 442 rows were 21 pages and 5 s of WeasyPrint's layout (issue 20).
REPORT_ROWS_LISTED = 60
