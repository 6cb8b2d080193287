"""The buyer's five-dimension framework of DESIGN.md, as the default scorecard template holds it.

Each dimension keeps the framework's row verbatim in its description; the primary
criterion is split into the criteria it lists, each with the KPI that evidences it, so
"a dimension's score is the mean of its criteria" has criteria to take the mean of.
``create_default`` takes the model classes, so the data migration can pass its
historical models and ``services.default_template_ensure`` the current ones.
"""

TEMPLATE_NAME = "Five-dimension framework"

FRAMEWORK = [
    {
        "name": "Workforce model",
        "weight": 25,
        "description": (
            "Primary criterion: annotator tenure, training, domain expertise coverage. "
            "KPI: % permanent staff; onboarding time per task type; IAA by workforce segment."
        ),
        "criteria": [
            (
                "Annotator tenure",
                "% permanent staff",
                "1: mostly short-term gig workers, tenure unknown. 3: a stable core with gig workers for peaks. "
                "5: mostly permanent staff with a median tenure above a year.",
            ),
            (
                "Training",
                "Onboarding time per task type",
                "1: no structured onboarding. 3: generic onboarding, task training on the job. "
                "5: task-specific curriculum and qualification test for every task type.",
            ),
            (
                "Domain expertise coverage",
                "IAA by workforce segment",
                "1: no domain experts. 3: experts review samples. "
                "5: experts annotate the complex tasks and their IAA is reported by segment.",
            ),
        ],
        "questions": [
            "What share of the annotators on this program would be permanent staff, and what is their median tenure?",
            "How long does onboarding take for each task type, and what does the training cover?",
            "Which domain experts (clinicians, linguists, engineers) cover our task types, and how many?",
            "Do you report inter-annotator agreement by workforce segment (permanent, contract, gig)?",
        ],
        "red_flags": [
            ("No tenure data, or mostly short-term gig workers on complex tasks", ""),
            ("No structured onboarding or task-specific training", ""),
            ("No IAA reported by workforce segment", ""),
        ],
    },
    {
        "name": "Security & compliance",
        "weight": 20,
        "description": (
            "Primary criterion: SOC 2 Type II, ISO 27001, DPA capability, endpoint controls. "
            "KPI: certification recency; air-gap option; subprocessor transparency."
        ),
        "criteria": [
            (
                "SOC 2 Type II",
                "Certification recency",
                "1: no SOC 2 report. 3: Type I only, or a Type II report older than 12 months. "
                "5: a Type II report whose audit period ended within the last 12 months, without exceptions.",
            ),
            (
                "ISO 27001",
                "Certification recency",
                "1: not certified. 3: certified, but not every delivery site is in scope. "
                "5: current certificate covering every delivery site, surveillance audits up to date.",
            ),
            (
                "DPA capability",
                "Subprocessor transparency",
                "1: will not sign a DPA. 3: signs its own DPA, subprocessors on request. "
                "5: signs ours, publishes its subprocessor list and notifies changes.",
            ),
            (
                "Endpoint controls",
                "Air-gap option",
                "1: annotators on personal devices. 3: managed devices with DLP. "
                "5: managed devices, no local storage, and an air-gapped option for sensitive data.",
            ),
        ],
        "questions": [
            "Can you share your latest SOC 2 Type II report and tell us its audit period?",
            "Is your ISO 27001 certificate current, and which delivery sites does it cover?",
            "Will you sign our DPA, and which subprocessors would touch our data?",
            "Which endpoint controls apply to annotators, and can you work air-gapped?",
        ],
        "red_flags": [
            ("SOC 2 Type I only, or no SOC 2 report at all", "soc2_type1_only"),
            ("A certification older than 12 months, or expired", "certification_stale"),
            ("No signed DPA", "no_dpa"),
            ("Subprocessors not disclosed", ""),
            ("Annotators work on unmanaged personal devices", ""),
        ],
    },
    {
        "name": "Quality SLA",
        "weight": 25,
        "description": (
            "Primary criterion: IAA scores, defect rate, QA methodology, SLA remedies. "
            "KPI: Cohen's kappa >= 0.80 on complex tasks; defect rate <= 1%; financial SLA penalties."
        ),
        "criteria": [
            (
                "IAA scores",
                "Cohen's kappa >= 0.80 on complex tasks",
                "1: agreement not measured. 3: measured, kappa between 0.60 and 0.80 on complex tasks. "
                "5: kappa of 0.80 or more on complex tasks, reported per task type.",
            ),
            (
                "Defect rate",
                "Defect rate <= 1%",
                "1: not measured. 3: measured, between 1% and 3%. 5: at most 1% on an acceptance sample.",
            ),
            (
                "QA methodology",
                "Cohen's kappa >= 0.80 on complex tasks; defect rate <= 1%",
                "1: spot checks by the vendor alone. 3: review layer and gold questions. "
                "5: documented sampling plan (AQL), gold sets, adjudication and root-cause analysis.",
            ),
            (
                "SLA remedies",
                "Financial SLA penalties",
                "1: best effort only. 3: rework at the vendor's cost. "
                "5: rework plus service credits per failed term, with remediation deadlines.",
            ),
        ],
        "questions": [
            "Which agreement coefficient do you track per task type, and what did complex tasks reach last quarter?",
            "How do you measure the defect rate, on what sample, and what was it last quarter?",
            "Describe your QA methodology: gold questions, review layers, adjudication.",
            "Which financial remedies do you accept when an SLA term is missed?",
        ],
        "red_flags": [
            ("No IAA tracking by task type", ""),
            ("Defect rate not measured, or above 1%", ""),
            ("No financial penalties for missed SLA terms", ""),
        ],
    },
    {
        "name": "AI-assisted throughput",
        "weight": 15,
        "description": (
            "Primary criterion: human-in-the-loop ratio by task type; automation calibration. "
            "KPI: throughput/quality parity data; automation ratio by complexity tier."
        ),
        "criteria": [
            (
                "Human-in-the-loop ratio by task type",
                "Automation ratio by complexity tier",
                "1: ratio unknown. 3: one ratio for all work. "
                "5: ratio set and reported per task type and complexity tier.",
            ),
            (
                "Automation calibration",
                "Throughput/quality parity data",
                "1: no evidence that pre-labeled work is as good. 3: anecdotal comparisons. "
                "5: throughput and quality reported side by side for pre-labeled and fully human work.",
            ),
        ],
        "questions": [
            "What share of each task type is pre-labeled by models and only verified by people?",
            "How do you calibrate automation by task complexity, and when do items go to full annotation?",
            "Can you show throughput and quality side by side for pre-labeled and fully human work?",
        ],
        "red_flags": [
            ("Same automation ratio across all task types", ""),
            ("No throughput/quality parity data for pre-labeled work", ""),
            ("Safety-critical labels routed through the pre-labeled queue", ""),
        ],
    },
    {
        "name": "Commercial flexibility",
        "weight": 15,
        "description": (
            "Primary criterion: pricing model, ramp provisions, pilot availability, portability. "
            "KPI: pilot availability; 2x scale-up timeline; data portability clause."
        ),
        "criteria": [
            (
                "Pricing model",
                "Price per unit by task type and complexity tier",
                "1: opaque pricing, large minimum commitment. 3: per-unit pricing, fixed minimums. "
                "5: transparent per-unit pricing by task type, repricing for remediated batches.",
            ),
            (
                "Ramp provisions",
                "2x scale-up timeline",
                "1: no commitment. 3: 2x within a quarter. 5: 2x within four weeks, contractually committed.",
            ),
            (
                "Pilot availability",
                "Pilot availability",
                "1: no pilot. 3: paid pilot, then a long commitment. 5: paid pilot with no commitment after it.",
            ),
            (
                "Portability",
                "Data portability clause",
                "1: labels or guidelines stay with the vendor. 3: labels exportable on request. "
                "5: contract clause: labels, guidelines and tool exports handed over in open formats.",
            ),
        ],
        "questions": [
            "Which pricing models do you offer (per unit, per hour, outcome-based)?",
            "How quickly can you scale to twice the volume, and what ramp provisions do you offer?",
            "Is a pilot available before we commit, and on what terms?",
            "Does the contract let us take labels, guidelines and tool exports with us?",
        ],
        "red_flags": [
            ("No pilot before a long-term commitment", ""),
            ("No data portability clause", ""),
            ("Minimum volumes with no ramp provisions", ""),
        ],
    },
]


TEMPLATE_DESCRIPTION = (
    "The buyer's five-dimension framework, weights 25/20/25/15/15. Read-only: copy it to "
    "adapt weights and criteria to a program's risk profile."
)


def create_default(*, Template, Dimension, Criterion, RedFlag):
    """Create the default template unless one exists; returns it either way."""
    existing = Template.objects.filter(is_default=True).first()
    if existing is not None:
        return existing
    template = Template.objects.create(name=TEMPLATE_NAME, is_default=True, description=TEMPLATE_DESCRIPTION)
    for position, spec in enumerate(FRAMEWORK, start=1):
        dimension = Dimension.objects.create(
            template=template,
            position=position,
            name=spec["name"],
            weight=spec["weight"],
            description=spec["description"],
            questions=spec["questions"],
        )
        for index, (name, kpi, guidance) in enumerate(spec["criteria"], start=1):
            Criterion.objects.create(dimension=dimension, position=index, name=name, kpi=kpi, guidance=guidance)
        for index, (text, rule) in enumerate(spec["red_flags"], start=1):
            RedFlag.objects.create(dimension=dimension, position=index, text=text, rule=rule)
    return template
