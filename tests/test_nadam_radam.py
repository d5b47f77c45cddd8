"""nadam and radam: torch.optim.NAdam / RAdam to 1e-12, by hand, claims and named mistakes."""

from __future__ import annotations

import json
import math
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hwcheck
from hwcheck.families.optim import optimizers as opt

EXAMPLES = 200 if os.environ.get("HWCHECK_FUZZ") == "long" else 25
H, W0 = [[2.0, 0.5], [0.5, 1.0]], [1.0, -1.0]


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


# ------------------------------------------------------------------------------ by hand


def test_nadam_step_one_by_hand():
    """NAdam's first step from its definition (Dozat 2016 with torch's μ schedule), written
    without the rule objects: θ = 0.1·… on ½w²."""
    lr, b1, b2, eps, psi, w = 0.1, 0.9, 0.999, 1e-8, 0.004, 1.0
    r = hwcheck.nadam(problem="quadratic", H="1", w0="1", steps=1)
    g = w  # ∇½w² = w
    mu1 = b1 * (1 - 0.5 * 0.96 ** (1 * psi))
    mu2 = b1 * (1 - 0.5 * 0.96 ** (2 * psi))
    m, v = (1 - b1) * g, (1 - b2) * g * g
    denom = math.sqrt(v / (1 - b2)) + eps
    expected = w - lr * (1 - mu1) / (1 - mu1) * g / denom - lr * mu2 / (1 - mu1 * mu2) * m / denom
    step = r.steps[0]
    assert close(step["params"]["w1"], expected)
    assert close(step["state"]["mu_product"]["w1"], mu1)
    assert close(step["state"]["mu_next"]["w1"], mu2)


def test_radam_by_hand_before_and_after_rectification():
    """ρ₁ = 1 always (un-adapted step −lr·m̂); with β₂ = 0.5, ρ∞ = 3 ≤ 5: never rectified; with
    the default β₂ the first rectified step is t = 6 (ρ₆ ≈ 5.994)."""
    r = hwcheck.radam(problem="quadratic", H="1", w0="1", steps=1)
    assert close(r.steps[0]["state"]["rho_t"]["w1"], 1.0)
    assert close(r.steps[0]["params"]["w1"], 1 - 0.1 * 1.0)  # m̂₁ = g₁ = 1
    assert all(
        "rect" not in s["state"]
        for s in hwcheck.radam(problem="quadratic", H="1", beta2=0.5, steps=10).steps
    )
    steps = hwcheck.radam(problem="quadratic", H="1", w0="1", steps=7).steps
    assert ["rect" in s["state"] for s in steps] == [False] * 5 + [True] * 2
    b2, t = 0.999, 6
    rho_inf = 2 / (1 - b2) - 1
    rho = rho_inf - 2 * t * b2**t / (1 - b2**t)
    rect = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
    assert close(steps[5]["state"]["rho_t"]["w1"], rho)
    assert close(steps[5]["state"]["rect"]["w1"], rect)


def test_table_shows_mu_rho_and_blank_rect(cli):
    code, out, _ = cli("nadam", "--steps", "2")
    assert code == 0 and "μₜ₊₁" in out and "Πₜ = Πₜ₋₁·μₜ" in out
    code, out, _ = cli("radam", "--steps", "7", "--explain")
    assert code == 0 and "ρₜ = ρ∞ − 2·t·β₂ᵗ/(1 − β₂ᵗ)" in out and "rₜ = √(" in out
    assert "rₜ is not defined (left blank)" in out
    assert "Δθ₁ = −lr·m̂₁ = " in out  # step 1 written out with the rules step 1 used


def test_json_state_uses_torchs_names(cli):
    code, out, _ = cli("nadam", "--steps", "1", "--json")
    assert code == 0
    state = json.loads(out)["steps"][0]["state"]
    assert {"exp_avg", "exp_avg_sq", "mu_product"} <= set(state)


# --------------------------------------------------------------------- claims, mistakes


def test_claims_by_every_road(cli):
    truth = hwcheck.nadam(steps=2).steps[1]["params"]["w"]
    code, out, _ = cli("nadam", "--steps", "2", "--claim", f"w(2)={truth:.6g}")
    assert code == 0 and "correct" in out
    code, _, _ = cli("nadam", "--steps", "2", "--claim", f"w(2)={truth + 0.01:.6g}")
    assert code == 1
    verdicts = hwcheck.radam(steps=3).verify({"w(3)": hwcheck.radam(steps=3).final["w"]})
    assert [v.verdict for v in verdicts] == ["correct"]


@pytest.mark.parametrize(
    "command, mistake, changes, options",
    [
        ("nadam", "nadam_no_momentum_schedule", {"schedule": False}, {}),
        ("radam", "radam_no_rectification", {"rectify": False}, {}),
        ("nadam", "stale_gradient", None, {}),
    ],
)
def test_named_mistakes(command, mistake, changes, options):
    from hwcheck.families.optim.problems import build_problem
    from hwcheck.families.optim.request import NadamRequest, RadamRequest

    request = {"nadam": NadamRequest, "radam": RadamRequest}[command](steps=3, **options)
    result = getattr(hwcheck, command)(steps=3, **options)
    if changes is None:
        from hwcheck.claims.diagnose import Case
        from hwcheck.families.optim.mistakes import _rerun

        case = Case(result, result.to_json(), ("steps", 2, "params", "w"), None, {})
        wrong = _rerun(case, stale=True)[2]["params"]["w"]
    else:
        problem = build_problem(request)
        mistaken = type("Mistaken", (opt.OPTIMIZERS[command],), changes)
        trace = opt.trace(problem, mistaken(dict(result.hyper), len(problem.names)), 3)
        wrong = trace.steps[2]["params"]["w"]
    [verdict] = result.verify({"w(3)": wrong})
    assert verdict.verdict == "wrong"
    assert mistake in [m.id for m in verdict.mistakes]


# ------------------------------------------------------------------------- torch


HYPER = st.fixed_dictionaries(
    {
        "lr": st.floats(1e-3, 0.5),
        "beta1": st.floats(0.0, 0.99),
        "beta2": st.sampled_from([0.5, 0.9, 0.99, 0.999]),
        "eps": st.sampled_from([1e-8, 1e-6, 1e-3]),
        "weight_decay": st.sampled_from([0.0, 0.01, 0.3]),
        "decoupled_weight_decay": st.booleans(),
    }
)


def torch_trace(torch, command, hyper, steps, problem):
    kwargs = {k: v for k, v in hyper.items() if k not in ("beta1", "beta2", "lr")}
    kwargs["betas"] = (hyper["beta1"], hyper["beta2"])
    cls = {"nadam": torch.optim.NAdam, "radam": torch.optim.RAdam}[command]
    if problem == "quadratic":
        w = torch.tensor(W0, dtype=torch.float64, requires_grad=True)
        params, H_ = [w], torch.tensor(H, dtype=torch.float64)
        losses = [lambda: 0.5 * w @ H_ @ w] * steps
    else:  # the course neuron, one sample per step (x, t cyclically)
        w = torch.tensor(0.1, dtype=torch.float64, requires_grad=True)
        b = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
        params = [w, b]
        data = [(2.0, 0.0), (1.0, 1.0)]

        def sample(x, t):
            return lambda: 0.5 * (torch.sigmoid(w * x + b) - t) ** 2

        losses = [sample(*data[k % 2]) for k in range(steps)]
    optimizer = cls(params, lr=hyper["lr"], foreach=False, **kwargs)
    out = []
    for loss in losses:
        optimizer.zero_grad()
        loss().backward()
        optimizer.step()
        if len(params) > 1:  # one scalar tensor per parameter
            values = [p.item() for p in params]
            states = [{k: v.item() for k, v in optimizer.state[p].items()} for p in params]
        else:  # one vector: the parameters w1, w2
            values, state = w.tolist(), optimizer.state[w]
            states = [
                {k: v.item() if v.dim() == 0 else v[i].item() for k, v in state.items()}
                for i in range(len(values))
            ]
        out.append((values, states))
    return out


@pytest.mark.torch
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    command=st.sampled_from(["nadam", "radam"]),
    hyper=HYPER,
    momentum_decay=st.sampled_from([0.0, 0.004, 0.1, 1.0]),
    problem=st.sampled_from(["neuron", "quadratic"]),
    steps=st.integers(1, 12),
)
def test_equals_torch(command, hyper, momentum_decay, problem, steps):
    torch = pytest.importorskip("torch")
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # torch's mu_product and step: the default dtype
    try:
        _compare(torch, command, dict(hyper), momentum_decay, problem, steps)
    finally:
        torch.set_default_dtype(default)


def _compare(torch, command, hyper, momentum_decay, problem, steps):
    if command == "nadam":
        hyper["momentum_decay"] = momentum_decay
    options = {"problem": problem, "steps": steps}
    if problem == "quadratic":
        options |= {"H": "2 0.5; 0.5 1", "w0": "1 -1"}
    else:
        options |= {"data": ("x=2,1", "t=0,1")}
    ours = getattr(hwcheck, command)(**options, **hyper)
    if ours.diverged:
        return
    theirs = torch_trace(torch, command, hyper, steps, problem)
    names = list(ours.final)
    for record, (params, states) in zip(ours.steps, theirs):
        for name, value, state in zip(names, params, states):
            assert close(record["params"][name], value), (record["t"], name)
            for key in ("exp_avg", "exp_avg_sq", "mu_product"):
                if key in state:
                    assert close(record["state"][key][name], state[key]), key
