"""Schedule expressions: which the Scheduler accepts, what a refusal says, and the period."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.schedule import (
    InvalidScheduleError,
    Schedule,
    ScheduleKind,
    parse_schedule,
    rate_period_seconds,
    schedule_period_seconds,
    schedule_problem,
)


@pytest.mark.parametrize(
    ("expression", "schedule"),
    [
        ("rate(1 minute)", Schedule("rate(1 minute)", ScheduleKind.RATE, 60)),
        ("rate(30 minutes)", Schedule("rate(30 minutes)", ScheduleKind.RATE, 1_800)),
        ("rate(6 hours)", Schedule("rate(6 hours)", ScheduleKind.RATE, 21_600)),
        ("rate(2 days)", Schedule("rate(2 days)", ScheduleKind.RATE, 172_800)),
        ("cron(0 */6 * * ? *)", Schedule("cron(0 */6 * * ? *)", ScheduleKind.CRON)),
        ("cron(0 8 ? * MON-FRI *)", Schedule("cron(0 8 ? * MON-FRI *)", ScheduleKind.CRON)),
        ("at(2030-01-01T06:00:00)", Schedule("at(2030-01-01T06:00:00)", ScheduleKind.AT)),
    ],
)
def test_a_valid_expression_parses_to_its_form_and_rate_period(expression, schedule):
    assert parse_schedule(expression) == schedule
    assert schedule_problem(expression) is None


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("rate(0 hours)", "a rate must be at least 1, got 'rate(0 hours)'"),
        (
            "rate(6 hour)",
            "a rate of 1 takes a singular unit and any other a plural one, as in "
            "rate(1 hour) and rate(6 hours), got 'rate(6 hour)'",
        ),
        (
            "rate(1 hours)",
            "a rate of 1 takes a singular unit and any other a plural one, as in "
            "rate(1 hour) and rate(6 hours), got 'rate(1 hours)'",
        ),
        (
            "cron(0 */6 * * *)",
            "cron() takes 6 fields (minutes hours day-of-month month day-of-week year), "
            "got 'cron(0 */6 * * *)'",
        ),
        (
            "cron(0 6 * * ? $)",
            "cron() takes 6 fields (minutes hours day-of-month month day-of-week year), "
            "got 'cron(0 6 * * ? $)'",
        ),
        (
            "cron(0 6 * * * *)",
            "cron() needs '?' in exactly one of day-of-month and day-of-week, "
            "got 'cron(0 6 * * * *)'",
        ),
        (
            "cron(0 6 ? * ? *)",
            "cron() needs '?' in exactly one of day-of-month and day-of-week, "
            "got 'cron(0 6 ? * ? *)'",
        ),
        (
            "at(2030-01-01T06:00)",
            "at() takes a time as yyyy-mm-ddThh:mm:ss, got 'at(2030-01-01T06:00)'",
        ),
        (
            "at(2030-02-30T06:00:00)",
            "at() takes a time as yyyy-mm-ddThh:mm:ss, got 'at(2030-02-30T06:00:00)'",
        ),
        (
            "rate(2 weeks)",
            "must be rate(N unit), cron(6 fields) or at(yyyy-mm-ddThh:mm:ss), got 'rate(2 weeks)'",
        ),
        (
            "every 6 hours",
            "must be rate(N unit), cron(6 fields) or at(yyyy-mm-ddThh:mm:ss), got 'every 6 hours'",
        ),
    ],
)
def test_an_invalid_expression_is_refused_with_the_problem_quoting_it(expression, problem):
    with pytest.raises(InvalidScheduleError) as refused:
        parse_schedule(expression)
    assert (refused.value.expression, refused.value.problem) == (expression, problem)
    assert str(refused.value) == problem
    assert schedule_problem(expression) == problem


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(1 minute)", 60),
        ("rate(6 hours)", 21_600),
        ("cron(0 */6 * * ? *)", 86_400),
        ("at(2030-01-01T06:00:00)", 86_400),
    ],
)
def test_the_schedule_period_is_the_rate_interval_or_a_day(expression, seconds):
    assert schedule_period_seconds(expression) == seconds


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(1 day)", 86_400), ("rate(15 minutes)", 900), ("cron(0 6 * * ? *)", None)],
)
def test_only_a_rate_expression_has_a_rate_period(expression, seconds):
    assert rate_period_seconds(expression) == seconds


# Text near the grammar, so the examples reach every branch and not only the catch-all.
_NEAR_EXPRESSIONS = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda form, body: f"{form}({body})",
        st.sampled_from(["rate", "cron", "at"]),
        st.text(alphabet="0123456789 ?*/-,#:TMONFRIminuteshoursday()$", max_size=40),
    ),
)


@settings(max_examples=500, deadline=None)
@given(_NEAR_EXPRESSIONS)
def test_any_text_parses_or_raises_invalid_schedule_error_only(expression):
    problem = schedule_problem(expression)  # any other exception fails the test
    if problem is None:
        schedule = parse_schedule(expression)
        assert schedule.expression == expression
        assert (schedule.period_seconds is not None) == (schedule.kind is ScheduleKind.RATE)
        return
    assert problem.endswith(f"got {expression!r}")
    with pytest.raises(InvalidScheduleError) as refused:
        parse_schedule(expression)
    assert refused.value.problem == problem
