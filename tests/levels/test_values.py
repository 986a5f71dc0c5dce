from fractions import Fraction

from levels.values import MetricValues, metrics_json, rounded, rounded_toward_failing


def test_rounding_toward_failing_rating():
    assert rounded_toward_failing(Fraction(3996, 1000), 2, higher_is_better=True) == Fraction(399, 100)


def test_rounding_toward_failing_response_time():
    assert rounded_toward_failing(Fraction(24001, 1000), 2, higher_is_better=False) == Fraction(2401, 100)


def test_export_rounding_is_half_even():
    assert rounded(Fraction(12345, 10**6)) == 0.0123
    assert rounded(Fraction(12355, 10**6)) == 0.0124
    assert rounded(Fraction(1, 3)) == 0.3333


def test_metrics_json_without_data():
    assert metrics_json(MetricValues()) == {
        "clients": 0, "rating": None, "rating_count": 0, "completion_rate": None,
        "contact_success_rate": None, "response_time_hours": None,
    }
