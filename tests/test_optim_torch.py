"""Every optimizer and flag combination against torch.optim (float64), to 1e-9 relative."""

from __future__ import annotations

import math

import pytest

import hwcheck

pytestmark = pytest.mark.torch

NEURON_X, NEURON_T = [2.0, 1.0, 2.0, 1.0], [0.0, 1.0, 0.0, 1.0]

CASES = [
    ("sgd", {}),
    ("sgd", {"momentum": 0.9}),
    ("sgd", {"momentum": 0.9, "dampening": 0.3}),
    ("sgd", {"momentum": 0.8, "nesterov": True}),
    ("sgd", {"momentum": 0.5, "weight_decay": 0.1}),
    ("sgd", {"weight_decay": 0.2}),
    ("adam", {}),
    ("adam", {"beta1": 0.5, "beta2": 0.9, "eps": 1e-6}),
    ("adam", {"amsgrad": True}),
    ("adam", {"weight_decay": 0.1}),
    ("adam", {"weight_decay": 0.1, "amsgrad": True}),
    ("adamw", {}),
    ("adamw", {"weight_decay": 0.3, "amsgrad": True}),
    ("rmsprop", {}),
    ("rmsprop", {"alpha": 0.9, "eps": 1e-4}),
    ("rmsprop", {"centered": True}),
    ("rmsprop", {"momentum": 0.7}),
    ("rmsprop", {"momentum": 0.7, "centered": True, "weight_decay": 0.05}),
    ("adagrad", {}),
    ("adagrad", {"lr_decay": 0.2, "initial_accumulator": 0.5}),
    ("adagrad", {"weight_decay": 0.1, "eps": 1e-6}),
]

TORCH_NAMES = {"beta1": None, "beta2": None, "initial_accumulator": "initial_accumulator_value"}


def torch_optimizer(torch, command, params, lr, options):
    kwargs = {TORCH_NAMES.get(k, k): v for k, v in options.items() if k not in ("beta1", "beta2")}
    if command in ("adam", "adamw"):
        kwargs["betas"] = (options.get("beta1", 0.9), options.get("beta2", 0.999))
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
           "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad}[command]
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
            for key, value in ours["state"].items():
                if key in state:
                    assert close(value[n], state[key].item()), (k, key, n)


def neuron_closure(torch, w, b, batch, lam=0.0, l2=0.0, steps=8):
    counter = [0]
    xs = torch.tensor(NEURON_X, dtype=torch.float64)
    ts = torch.tensor(NEURON_T, dtype=torch.float64)

    def closure():
        t = counter[0]
        counter[0] += 1
        idx = [(t * batch + k) % 4 for k in range(batch)]
        y = torch.sigmoid(w * xs[idx] + b)
        loss = (0.5 * (y - ts[idx]) ** 2).mean() + lam / 2 * w ** 2
        return loss + l2 / 2 * (w ** 2 + b ** 2)

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


@pytest.mark.parametrize("command,options", [CASES[1], CASES[8], CASES[11], CASES[17], CASES[19]])
def test_neuron_lam_and_l2_match_torch(command, options):
    torch = pytest.importorskip("torch")
    w = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(-0.2, dtype=torch.float64, requires_grad=True)
    optimizer = torch_optimizer(torch, command, [w, b], 0.1, options)
    result = getattr(hwcheck, command)(steps=6, init="w=0.7,b=-0.2", lam=0.3, l2=0.05, batch=2, **options)
    compare(result, [w, b], ["w", "b"], optimizer, neuron_closure(torch, w, b, 2, lam=0.3, l2=0.05), 6)


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
    result = getattr(hwcheck, command)(problem="quadratic", H=H.tolist(), c=c.tolist(), w0=w0.tolist(),
                                       steps=10, lr=lr, **options)

    def closure():
        w = torch.stack(params)
        return 0.5 * w @ Ht @ w - ct @ w

    compare(result, params, [f"w{i + 1}" for i in range(n)], optimizer, closure, 10)
