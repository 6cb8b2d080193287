"""Use cases of the scorecard: the only code that writes templates, evaluations, scores and evidence.

One module per use case (templates, evaluations, certifications and security evidence); every
change a reader may question is written with its history row (``changes``).
"""

from vendorscore.scorecards.services.evaluations import (
    MAX_EVIDENCE_BYTES,
    evaluation_create,
    evaluation_finalize,
    evaluation_step_save,
    evaluation_submit,
    evaluation_weights_update,
    evidence_attach,
    red_flag_set,
    score_record,
)
from vendorscore.scorecards.services.security import (
    CERTIFICATION_FIELDS,
    SECURITY_FIELDS,
    certification_create,
    certification_update,
    security_profile_update,
)
from vendorscore.scorecards.services.templates import (
    CRITERION_FIELDS,
    default_template_ensure,
    template_copy,
    template_create,
    template_spec,
    template_update,
)

__all__ = [
    "CERTIFICATION_FIELDS",
    "CRITERION_FIELDS",
    "MAX_EVIDENCE_BYTES",
    "SECURITY_FIELDS",
    "certification_create",
    "certification_update",
    "default_template_ensure",
    "evaluation_create",
    "evaluation_finalize",
    "evaluation_step_save",
    "evaluation_submit",
    "evaluation_weights_update",
    "evidence_attach",
    "red_flag_set",
    "score_record",
    "security_profile_update",
    "template_copy",
    "template_create",
    "template_spec",
    "template_update",
]
