"""File and line of a failure, taken from the traceback (GitHub annotations need them)."""

from backend.reports.service import location_of


def test_pytest_long_format_names_the_line_in_the_test_file() -> None:
    traceback = (
        "    def test_pay():\n>       helper()\n\ntests/test_pay.py:14: \n"
        "    def helper():\n>       assert False\nE       assert False\n\n"
        "tests/helpers.py:3: AssertionError"
    )
    assert location_of("tests/test_pay.py::test_pay", traceback) == ("tests/test_pay.py", 14)


def test_native_format_with_absolute_paths_maps_to_the_repository_file() -> None:
    traceback = (
        'Traceback (most recent call last):\n  File "/tmp/work/run/tests/test_pay.py", '
        "line 9, in test_pay\n    assert total == 3\nAssertionError"
    )
    assert location_of("tests/test_pay.py::test_pay", traceback) == ("tests/test_pay.py", 9)


def test_a_failure_outside_the_test_file_points_at_the_innermost_repository_frame() -> None:
    traceback = "conftest.py:31: in shop\n    raise RuntimeError('no shop')\nE   RuntimeError"
    assert location_of("tests/test_pay.py::test_pay[1]", traceback) == ("conftest.py", 31)


def test_without_a_traceback_only_the_file_is_known() -> None:
    assert location_of("tests/test_pay.py::TestCart::test_empty", None) == (
        "tests/test_pay.py",
        None,
    )
