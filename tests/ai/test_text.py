def test_column_header_names_the_columnheader_role_not_heading() -> None:
    from backend.ai.text import parse_target

    target = parse_target("the Price column header")
    assert target.roles == frozenset({"columnheader"})
