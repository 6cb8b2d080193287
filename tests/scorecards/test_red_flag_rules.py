"""The red flags certifications raise by themselves, without a database."""

from datetime import date

import pytest

from vendorscore.scorecards.constants import CertificationKind, RedFlagRule
from vendorscore.scorecards.red_flags import (
    CERTIFICATION_STALE,
    NO_DPA,
    SOC2_TYPE1_ONLY,
    CertificationFacts,
    automatic_red_flags,
    months_before,
)

TODAY = date(2025, 6, 30)


def soc2(kind="soc2_type2", audited_on=date(2025, 3, 31)):
    return CertificationFacts(kind=kind, label=kind, audited_on=audited_on)


def iso(audited_on=date(2025, 1, 15), expires_on=date(2027, 1, 14)):
    return CertificationFacts(kind="iso27001", label="ISO 27001", audited_on=audited_on, expires_on=expires_on)


def flags(certifications, dpa_signed=True):
    return automatic_red_flags(certifications=certifications, dpa_signed=dpa_signed, today=TODAY)


def test_current_type2_report_current_iso_and_a_dpa_raise_nothing():
    assert flags([soc2(), iso()]) == {}


def test_soc2_type1_only_is_flagged():
    assert list(flags([soc2("soc2_type1"), iso()])) == [SOC2_TYPE1_ONLY]
    assert "Type I" in flags([soc2("soc2_type1")])[SOC2_TYPE1_ONLY][0]


def test_no_soc2_report_at_all_is_flagged_by_the_same_rule():
    assert flags([iso()])[SOC2_TYPE1_ONLY] == ["No SOC 2 report is on file."]


def test_type1_beside_a_type2_report_is_not_flagged():
    assert flags([soc2("soc2_type1"), soc2("soc2_type2")]) == {}


def test_a_report_older_than_12_months_is_stale():
    reasons = flags([soc2(audited_on=date(2024, 6, 29))])[CERTIFICATION_STALE]
    assert reasons == ["soc2_type2 was last audited on 2024-06-29, over 12 months ago."]


def test_a_report_exactly_12_months_old_is_not_yet_stale():
    assert flags([soc2(audited_on=date(2024, 6, 30))]) == {}


def test_an_expired_iso_certificate_is_stale_even_when_recently_audited():
    reasons = flags([soc2(), iso(audited_on=date(2025, 1, 1), expires_on=date(2025, 6, 29))])[CERTIFICATION_STALE]
    assert reasons == ["ISO 27001 expired on 2025-06-29."]


def test_a_renewal_supersedes_the_old_certificate():
    old, new = soc2(audited_on=date(2023, 3, 31)), soc2(audited_on=date(2025, 3, 31))
    assert flags([old, new]) == {}


def test_no_signed_dpa_is_flagged():
    assert list(flags([soc2()], dpa_signed=False)) == [NO_DPA]


@pytest.mark.parametrize(
    "day,expected",
    [
        (date(2025, 6, 30), date(2024, 6, 30)),
        (date(2024, 2, 29), date(2023, 2, 28)),
        (date(2025, 1, 31), date(2024, 1, 31)),
    ],
)
def test_months_before_handles_short_months(day, expected):
    assert months_before(day, 12) == expected


def test_the_django_choices_use_the_same_names_as_the_rules():
    assert {RedFlagRule.SOC2_TYPE1_ONLY, RedFlagRule.CERTIFICATION_STALE, RedFlagRule.NO_DPA} == {
        SOC2_TYPE1_ONLY,
        CERTIFICATION_STALE,
        NO_DPA,
    }
    assert set(CertificationKind.values) == {"soc2_type1", "soc2_type2", "iso27001"}
