"""The nested time budgets: an inner budget never outlasts the outer one."""

from hwcheck.core.budget import allowance, budget, remaining, spent


def test_no_budget_keeps_the_step_timeout():
    assert remaining() is None and allowance(5.0) == 5.0 and not spent()


def test_inner_budget_is_cut_to_the_outer():
    with budget(1000.0):
        with budget(10_000.0):
            assert remaining() <= 1000.0
        with budget(1.0):
            assert allowance(5.0) <= 1.0
    assert remaining() is None


def test_spent_budget_allows_nothing():
    with budget(0.0):
        assert spent() and allowance(5.0) == 0.0
        with budget(None):
            assert spent()
