"""The terms' own rules, per field (pure): labels of the task type, thresholds that agree."""

from sla.terms_rules import terms_problems

AGREEING = {
    "task_type_name": "sentiment",
    "labels": ["positive", "negative", "neutral"],
    "safety_critical_labels": ["negative"],
    "iaa_min": 0.8,
    "iaa_fail_below": 0.7,
    "overlap_min": 0.05,
    "overlap_max": 0.15,
}


def test_terms_that_agree_have_no_problem():
    assert terms_problems(**AGREEING) == {}
    assert terms_problems(**{**AGREEING, "iaa_fail_below": 0.8, "overlap_min": 0.15}) == {}


def test_each_problem_names_its_field():
    problems = terms_problems(
        **{
            **AGREEING,
            "safety_critical_labels": ["negative", "urgent", "toxic"],
            "iaa_fail_below": 0.9,
            "overlap_min": 0.2,
        }
    )
    assert problems == {
        "safety_critical_labels": "Not in the label set of sentiment: urgent, toxic.",
        "iaa_fail_below": (
            "The fail threshold (0.9) is above the target (0.8); a batch would fail while meeting the target."
        ),
        "overlap_min": "The overlap minimum (0.2) is above the maximum (0.15).",
    }


def test_labels_are_checked_only_once_a_task_type_is_chosen_and_must_be_a_list_of_names():
    assert terms_problems(**{**AGREEING, "task_type_name": None, "labels": (), "safety_critical_labels": ["x"]}) == {}
    for given in ("negative", [1], None):
        assert list(terms_problems(**{**AGREEING, "safety_critical_labels": given})) == ["safety_critical_labels"]


def test_thresholds_that_are_not_numbers_are_left_to_their_own_fields():
    assert terms_problems(**{**AGREEING, "iaa_min": None, "iaa_fail_below": 0.9}) == {}
    assert terms_problems(**{**AGREEING, "overlap_min": "0.9", "overlap_max": True}) == {}
