"""Names and thresholds of the reports app."""

AUDIENCE_BUYER = "buyer"
AUDIENCE_VENDOR = "vendor"

# An annotator is an outlier when at least this many of their annotations are on gold items
# and the 95% interval of their accuracy lies wholly below the batch's accuracy: fewer gold
# annotations give intervals too wide to single anyone out fairly.
OUTLIER_MIN_GOLD = 5

PAPERS = ("a4", "letter")
MAX_COMPARED = 8

# Bumped when a template or chart changes how a report looks, so cached PDFs are rendered again.
REPORT_LAYOUT_VERSION = 1
