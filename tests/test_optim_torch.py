"""Every optimizer and flag combination against torch.optim (float64), to 1e-9 relative."""

from __future__ import annotations

import math

import pytest

import hwcheck

pytestmark = pytest.mark.torch

NEURON_X, NEURON_T = [2.0, 1.0, 2.0, 1.0], [0.0, 1.0, 0.0, 1.0]


def _product(command, **choices):
    """Every combination of the given flag values (torch-valid ones only)."""
    import itertools

    keys = list(choices)
    for values in itertools.product(*choices.values()):
        options = {k: v for k, v in zip(keys, values) if v}
        if options.get("nesterov") and (not options.get("momentum") or options.get("dampening")):
            continue
        yield command, options


CASES = [
    *_product(
        "sgd", momentum=[0, 0.9], dampening=[0, 0.3], nesterov=[False, True], weight_decay=[0, 0.1]
    ),
    *_product("adam", amsgrad=[False, True], weight_decay=[0, 0.1]),
    ("adam", {"beta1": 0.5, "beta2": 0.9, "eps": 1e-6}),
    *_product("adamw", amsgrad=[False, True], weight_decay=[0, 0.3]),
    ("adamw", {"beta1": 0.8, "beta2": 0.99, "eps": 1e-4}),
    *_product("rmsprop", centered=[False, True], momentum=[0, 0.7], weight_decay=[0, 0.05]),
    ("rmsprop", {"alpha": 0.9, "eps": 1e-4}),
    *_product("adagrad", lr_decay=[0, 0.2], initial_accumulator=[0, 0.5], weight_decay=[0, 0.1]),
    ("adagrad", {"eps": 1e-6}),
]
LAM_CASES = [
    ("sgd", {"momentum": 0.9}),
    ("adam", {"amsgrad": True}),
    ("adamw", {}),
    ("rmsprop", {"momentum": 0.7, "centered": True}),
    ("adagrad", {"lr_decay": 0.2}),
]


TORCH_NAMES = {"initial_accumulator": "initial_accumulator_value"}  # beta1, beta2 become betas


def torch_optimizer(torch, command, params, lr, options):
    kwargs = {TORCH_NAMES.get(k, k): v for k, v in options.items() if k not in ("beta1", "beta2")}
    if command in ("adam", "adamw"):
        kwargs["betas"] = (options.get("beta1", 0.9), options.get("beta2", 0.999))
    cls = {
        "sgd": torch.optim.SGD,
        "adam": torch.optim.Adam,
        "adamw": torch.optim.AdamW,
        "rmsprop": torch.optim.RMSprop,
        "adagrad": torch.optim.Adagrad,
    }[command]
    return cls(params, lr=lr, foreach=False, **kwargs)


def close(a, b, rel=1e-9, abs_=1e-12):
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def compare(result, params, names, optimizer, closure, steps):
    for k in range(steps):
        optimizer.zero_grad()
        loss = closure()
        loss.backward()
        ours = result.steps[k]
        assert close(ours["loss"], loss.item()), (k, "loss")
        for p, n in zip(params, names):
            assert close(ours["grad"][n], p.grad.item()), (k, "grad", n)
        optimizer.step()
        for p, n in zip(params, names):
            assert close(ours["params"][n], p.item()), (k, n, ours["params"][n], p.item())
            state = optimizer.state[p]
            # the same state under the same names (ours adds the bias-corrected m̂, v̂)
            torch_keys = [key for key in state if key != "step"]
            assert set(torch_keys) == {key for key in ours["state"] if not key.endswith("_hat")}, k
            for key in torch_keys:
                assert close(ours["state"][key][n], state[key].item()), (k, key, n)


def neuron_closure(torch, w, b, batch, lam=0.0, l2=0.0, steps=8):
    counter = [0]
    xs = torch.tensor(NEURON_X, dtype=torch.float64)
    ts = torch.tensor(NEURON_T, dtype=torch.float64)

    def closure():
        t = counter[0]
        counter[0] += 1
        idx = [(t * batch + k) % 4 for k in range(batch)]
        y = torch.sigmoid(w * xs[idx] + b)
        loss = (0.5 * (y - ts[idx]) ** 2).mean() + lam / 2 * w**2
        return loss + l2 / 2 * (w**2 + b**2)

    return closure


@pytest.mark.parametrize("batch", [1, 4])
@pytest.mark.parametrize("command,options", CASES)
def test_neuron_matches_torch(command, options, batch):
    torch = pytest.importorskip("torch")
    steps, lr = 8, 0.3
    w = torch.tensor(0.1, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    optimizer = torch_optimizer(torch, command, [w, b], lr, options)
    result = getattr(hwcheck, command)(steps=steps, lr=lr, batch=batch, **options)
    assert result.diverged is None
    compare(result, [w, b], ["w", "b"], optimizer, neuron_closure(torch, w, b, batch), steps)


@pytest.mark.parametrize("command,options", LAM_CASES)
def test_neuron_lam_and_l2_match_torch(command, options):
    torch = pytest.importorskip("torch")
    w = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(-0.2, dtype=torch.float64, requires_grad=True)
    optimizer = torch_optimizer(torch, command, [w, b], 0.1, options)
    result = getattr(hwcheck, command)(
        steps=6, init="w=0.7,b=-0.2", lam=0.3, l2=0.05, batch=2, **options
    )
    compare(
        result, [w, b], ["w", "b"], optimizer, neuron_closure(torch, w, b, 2, lam=0.3, l2=0.05), 6
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("command,options", CASES)
def test_random_quadratic_matches_torch(command, options, seed):
    torch = pytest.importorskip("torch")
    import numpy as np

    rng = np.random.default_rng(seed)
    n = 3
    A = rng.normal(size=(n, n))
    H = A @ A.T + 0.5 * np.eye(n)
    c = rng.normal(size=n)
    w0 = rng.normal(size=n)
    lr = 0.5 / float(np.linalg.eigvalsh(H).max())
    params = [torch.tensor(float(v), dtype=torch.float64, requires_grad=True) for v in w0]
    Ht, ct = torch.tensor(H), torch.tensor(c)
    optimizer = torch_optimizer(torch, command, params, lr, options)
    result = getattr(hwcheck, command)(
        problem="quadratic", H=H.tolist(), c=c.tolist(), w0=w0.tolist(), steps=10, lr=lr, **options
    )

    def closure():
        w = torch.stack(params)
        return 0.5 * w @ Ht @ w - ct @ w

    compare(result, params, [f"w{i + 1}" for i in range(n)], optimizer, closure, 10)


@pytest.mark.parametrize("batch", [1, 2, "all"])
@pytest.mark.parametrize("command,options", LAM_CASES)
def test_lstsq_matches_torch(command, options, batch):
    torch = pytest.importorskip("torch")
    X = [[1.0, 2.0, 0.0], [0.0, 1.0, 1.0], [1.0, -1.0, 2.0]]
    y = [1.0, 2.0, -1.0]
    params = [torch.tensor(0.0, dtype=torch.float64, requires_grad=True) for _ in range(3)]
    optimizer = torch_optimizer(torch, command, params, 0.05, options)
    result = getattr(hwcheck, command)(
        problem="lstsq", X=X, y=y, batch=batch, lr=0.05, steps=7, **options
    )
    size = 3 if batch == "all" else batch
    Xt, yt = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    counter = [0]

    def closure():
        rows = [(counter[0] * size + k) % 3 for k in range(size)]
        counter[0] += 1
        r = Xt[rows] @ torch.stack(params) - yt[rows]
        return 0.5 * (r @ r)

    compare(result, params, ["w1", "w2", "w3"], optimizer, closure, 7)
