"""``params --memory``: training bytes and FLOPs, against the references.

- the bytes and FLOPs recomputed here from the counts, per layer and in total;
- torchinfo's own figures (``ModelStatistics``: "Forward/backward pass size", the parameter
  bytes, mult-adds) for the same network built in torch.nn;
- torch's FLOP counter (``torch.utils.flop_counter.FlopCounterMode``) for the forward and the
  backward pass, on a CNN and on a small GPT-2 from ``transformers``;
- what autograd really keeps for backward, measured with ``torch.autograd.graph.
  saved_tensors_hooks``: not what hwcheck prints (hwcheck's convention is every layer's output,
  stated in ``memory.convention``), and the difference is pinned down here.
"""

from __future__ import annotations

import copy
import json

import pytest

import hwcheck
from hwcheck.core.errors import HwcheckError
from hwcheck.families.arch import zoo

CNN = "1x28x28 | conv2d 6 5 padding=2 | relu | maxpool2d 2 | flatten | dense 10"  # chw
CNN_HWC = CNN.replace("1x28x28", "28x28x1")  # the same network, channels last
B = 8


def cnn(**options):
    return hwcheck.params(spec=CNN, framework="pytorch", **options)


def torch_cnn(nn):
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(1176, 10),
    )


# ----------------------------------------------------------------- the arithmetic


@pytest.mark.parametrize("dtype, size", [("float32", 4), ("float16", 2), ("bfloat16", 2)])
@pytest.mark.parametrize(
    "optimizer, copies", [("sgd", 0), ("momentum", 1), ("adam", 2), ("adamw", 2)]
)
def test_bytes_recomputed_from_the_counts(dtype, size, optimizer, copies):
    r = cnn(batch=B, dtype=dtype, optimizer=optimizer)
    outputs = sum(x["size"] for x in r.layers)
    assert r.memory["params_bytes"] == r.total_params * size
    assert r.memory["grads_bytes"] == r.trainable_params * size
    assert r.memory["optimizer_bytes"] == copies * r.trainable_params * size
    assert r.memory["activations_bytes"] == B * outputs * size
    assert r.memory["total_bytes"] == (2 + copies) * r.total_params * size + B * outputs * size
    for key in ("params_bytes", "grads_bytes", "optimizer_bytes", "activations_bytes"):
        assert r.memory[key] == sum(x["memory"][key] for x in r.layers), key


def test_flops_recomputed_from_the_macs():
    r = cnn(batch=B)
    assert r.flops == {
        "forward": 2 * B * r.total_macs,
        "backward": 4 * B * r.total_macs,
        "total": 6 * B * r.total_macs,
    }
    for x in r.layers:
        assert x["flops"]["backward"] == 2 * x["flops"]["forward"] == 4 * B * x["macs"]


def test_non_trainable_weights_have_no_gradient_and_no_state():
    """Keras BatchNorm: 4·C stored, the 2·C moving statistics neither trained nor updated."""
    r = hwcheck.params(spec="8x8x3 | conv2d 4 3 | batchnorm", optimizer="adam")
    norm = r.layers[1]["memory"]
    assert (norm["params_bytes"], norm["grads_bytes"], norm["optimizer_bytes"]) == (64, 32, 64)


def test_without_memory_options_no_memory_keys():
    r = cnn()
    assert r.memory is None and "memory" not in r.to_json()
    assert "memory" not in r.layers[0]
    assert cnn(memory=True).memory["batch"] == 1  # defaults: batch 1, float32, adam
    assert cnn(memory=True).memory["optimizer"] == "adam"


# ----------------------------------------------------------------- torchinfo


@pytest.mark.parametrize("batch", [1, 8])
def test_torchinfo_figures(batch):
    """torchinfo's forward/backward size (2 × the outputs of the layers with parameters), its
    parameter bytes, and its mult-adds (which count the bias: one per output of each layer that
    has one; hwcheck's MACs do not)."""
    torch = pytest.importorskip("torch")
    torchinfo = pytest.importorskip("torchinfo")
    stats = torchinfo.summary(torch_cnn(torch.nn), input_size=(batch, 1, 28, 28), verbose=0)
    r = cnn(batch=batch)
    assert r.memory["torchinfo_pass_bytes"] == stats.total_output_bytes
    assert r.memory["params_bytes"] == stats.total_param_bytes
    assert r.memory["input_bytes"] == batch * 28 * 28 * 4  # torchinfo adds 64 (a header)
    biases = r.layers[0]["size"] + r.layers[4]["size"]  # one addition per output
    assert stats.total_mult_adds == batch * (r.total_macs + biases)


def test_torchinfo_on_a_deeper_mlp():
    torch = pytest.importorskip("torch")
    torchinfo = pytest.importorskip("torchinfo")
    nn = torch.nn
    model = nn.Sequential(
        nn.Linear(20, 64), nn.Tanh(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 3)
    )
    stats = torchinfo.summary(model, input_size=(16, 20), verbose=0)
    r = hwcheck.params(spec="20 | dense 64 | tanh | dense 64 | relu | dense 3", batch=16)
    assert r.memory["torchinfo_pass_bytes"] == stats.total_output_bytes
    assert r.memory["params_bytes"] == stats.total_param_bytes


# ----------------------------------------------------------------- torch's FLOP counter


def measured_flops(torch, model, x) -> tuple[int, int]:
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as forward:
        y = model(x)
        y = (y.logits if hasattr(y, "logits") else y).sum()
    with FlopCounterMode(display=False) as backward:
        y.backward()
    return forward.get_total_flops(), backward.get_total_flops()


def test_flops_against_torch_on_a_cnn():
    """With the input requiring a gradient (so the first layer's ∂L/∂input is computed too)."""
    torch = pytest.importorskip("torch")
    x = torch.randn(B, 1, 28, 28, requires_grad=True)
    forward, backward = measured_flops(torch, torch_cnn(torch.nn), x)
    r = cnn(batch=B)
    assert (r.flops["forward"], r.flops["backward"]) == (forward, backward)


def small_gpt2(T=128, E=64, H=4, L=2, V=1000) -> dict:
    """The zoo's GPT-2 file with small sizes (the same layers and names)."""
    table = copy.deepcopy(zoo.table("gpt2"))
    table["input"] = [T]
    sizes = {"wte": {"vocab": V, "dim": E}, "wpe": {"length": T}, "lm_head": {"units": V}}
    for layer in table["layers"]:
        layer.update(sizes.get(layer.get("name"), {}))
        if "block" in layer:
            layer["repeat"] = L
    inner = {"attn": {"heads": H}, "mlp.c_fc": {"units": 4 * E}, "mlp.c_proj": {"units": E}}
    for layer in table["blocks"]["gpt2_block"]["layers"]:
        layer.update(inner.get(layer.get("name"), {}))
    return table


@pytest.fixture(scope="module")
def gpt2_small_config():
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    config = transformers.GPT2Config(
        n_layer=2, n_embd=64, n_head=4, n_positions=128, vocab_size=1000
    )
    config._attn_implementation = "eager"  # the products as matrix products, as counted
    model = transformers.GPT2LMHeadModel(config)
    model.eval()  # no dropout masks among the saved tensors
    return torch, model


def test_flops_against_torch_on_a_small_gpt2(gpt2_small_config):
    """Projections, Q·Kᵀ, A·V, the MLP and the tied head: exactly torch's counts, forward and
    backward (the causal mask changes nothing: the products are computed in full)."""
    torch, model = gpt2_small_config
    r = hwcheck.params(model=small_gpt2(), batch=2)
    assert r.total_params == sum(p.numel() for p in model.parameters())
    forward, backward = measured_flops(torch, model, torch.randint(0, 1000, (2, 128)))
    assert (r.flops["forward"], r.flops["backward"]) == (forward, backward)


# ----------------------------------------------------------------- what autograd saves


def saved_bytes(torch, model, x) -> int:
    """Bytes of every tensor autograd keeps for backward (each storage once), parameters
    excluded."""
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    saved: dict[int, int] = {}

    def pack(t):
        storage = t.untyped_storage()
        if storage.data_ptr() not in params:
            saved[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        y = model(x)
        (y.logits if hasattr(y, "logits") else y).sum()
    return sum(saved.values())


def test_autograd_saves_less_than_every_output_on_a_cnn():
    """hwcheck counts every layer output: conv 8·4,704, relu 8·4,704, pool 8·1,176, flatten
    8·1,176 (a view in torch), dense 8·10 floats = 376,640 bytes. Autograd keeps the input (for
    the conv's ∂L/∂W), ReLU's output, max-pool's argmax indices (int64) and the pooled output
    (for the dense layer; flatten is a view of it): 288,512 bytes, 23% less."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    x = torch.randn(B, 1, 28, 28)
    measured = saved_bytes(torch, torch_cnn(torch.nn), x)
    r = cnn(batch=B)
    assert r.memory["activations_bytes"] == 4 * B * (4704 + 4704 + 1176 + 1176 + 10) == 376_640
    assert measured == 4 * B * (28 * 28 + 4704 + 1176) + 8 * B * 1176 == 288_512


def test_autograd_saves_more_than_every_output_on_a_transformer(gpt2_small_config):
    """In a transformer autograd keeps what no layer outputs: the attention probabilities
    (heads·T² per sample and layer), the GELU's input, the layer norms' statistics. hwcheck
    prints every layer's output; the measured figure is above it, and the attention
    probabilities alone do not close the gap."""
    torch, model = gpt2_small_config
    measured = saved_bytes(torch, model, torch.randint(0, 1000, (2, 128)))
    printed = hwcheck.params(model=small_gpt2(), batch=2).memory["activations_bytes"]
    probabilities = 2 * 2 * 4 * 128 * 128 * 4  # layers · batch · heads · T² · bytes
    assert printed < printed + probabilities < measured < 2 * printed


# ----------------------------------------------------------------- GPT-2 small, the README's figure


def test_gpt2_adam_batch_8():
    """The README's answer: Adam, float32, batch 8, 1,024 tokens."""
    r = hwcheck.params(model="gpt2", batch=8, optimizer="adam")
    n = 124_439_808
    assert r.memory["params_bytes"] == r.memory["grads_bytes"] == 4 * n
    assert r.memory["optimizer_bytes"] == 8 * n
    assert r.memory["total_bytes"] == 16 * n + r.memory["activations_bytes"]
    assert r.flops["forward"] == 2 * 8 * r.total_macs
    assert r.memory["activations_bytes"] == 8 * 205_603_840 * 4  # the README's figures
    assert r.memory["total_bytes"] == 8_570_359_808
    assert r.verify({"memory.total_bytes": "~8.57e9"})[0].verdict == "correct"


# ----------------------------------------------------------------- claims, JSON, bad input


def test_claims_on_memory_and_flops(cli):
    code, out, _ = cli(
        "params", "--spec", CNN_HWC, "--batch", "8", "--json",
        "--claim", "memory.total_bytes=567456",
        "--claim", "flops.forward=2069760",
        "--claim", "layers.0.memory.activations_bytes=150528",
        "--claim", "layers.4.flops.backward=376,320",
    )  # fmt: skip
    doc = json.loads(out)
    assert code == 0, [c for c in doc["claims"] if c["verdict"] != "correct"]
    code, out, _ = cli(
        "params",
        "--spec",
        CNN_HWC,
        "--batch",
        "8",
        "--json",
        "--claim",
        "memory.total_bytes=567000",
    )
    assert code == 1 and json.loads(out)["claims"][0]["verdict"] == "wrong"


def test_json_follows_the_schema(cli):
    jsonschema = pytest.importorskip("jsonschema")
    from tests.test_schema import SCHEMA_PATH, problems

    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text("utf-8")))
    code, out, _ = cli("params", "--spec", CNN_HWC, "--dtype", "bfloat16", "--json")
    doc = json.loads(out)
    assert code == 0 and not problems(validator, doc), problems(validator, doc)
    assert doc["memory"]["dtype"] == "bfloat16" and doc["layers"][0]["memory"]["total_bytes"]
    doc["memory"]["params_bytes"] = 1.5
    assert problems(validator, doc)


def test_table_shows_the_formulas(cli):
    code, out, _ = cli(
        "params", "--spec", CNN_HWC, "--memory", "--batch", "8", "--optimizer", "sgd"
    )
    assert code == 0
    assert "8·4,704·4 = 150,528" in out  # activations: B·size·bytes
    assert "(1 + 1 + 0)·156·4 = 1,248" in out  # weights + grads, no state
    assert "2·8·117,600 = 1,881,600" in out and "2·1,881,600 = 3,763,200" in out


@pytest.mark.parametrize(
    "args, where",
    [
        (["--batch", "0"], "--batch"),
        (["--batch", "x"], "--batch"),
        (["--dtype", "float64"], "--dtype"),
        (["--optimizer", "lbfgs"], "--optimizer"),
        (["--memory", "--emit", "pytorch"], "--emit"),
    ],
)
def test_bad_options(cli, args, where):
    code, _, err = cli("params", "--spec", CNN_HWC, *args)
    assert code == 2 and err.startswith(f"error: {where}") and "Traceback" not in err


def test_answers_file_takes_the_same_keys(tmp_path, cli):
    answers = tmp_path / "a.toml"
    answers.write_text(
        '[[exercise]]\nid = "m"\ncommand = "params"\nspec = "20 | dense 10"\nbatch = 4\n'
        'optimizer = "momentum"\n[exercise.claims]\n"memory.optimizer_bytes" = 840\n',
        encoding="utf-8",
    )
    code, out, _ = cli("check", str(answers), "--json")
    assert code == 0, out


def test_api_refuses_a_bad_dtype():
    with pytest.raises(HwcheckError):
        hwcheck.params(spec=CNN, dtype="float8")


# ----------------------------------------------------------------- golden files


@pytest.mark.parametrize("fmt", ["txt", "json"])
def test_golden(cli, golden, fmt):
    """The table and the JSON of --memory as reviewable diffs (LeNet-5, batch 32, Adam)."""
    args = ["params", "lenet5", "--batch", "32", "--claim", "memory.total_bytes=2908832"]
    code, out, _ = cli(*args, *(["--json"] if fmt == "json" else []))
    assert code == 0
    if fmt == "json":
        doc = json.loads(out)
        doc["hwcheck"] = "VERSION"
        assert (
            sum(x["memory"]["total_bytes"] for x in doc["layers"]) == doc["memory"]["total_bytes"]
        )
        out = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    golden(f"commands/params-memory.{fmt}", out)


# ----------------------------------------------------------------- named mistakes


def named(r, key, value) -> tuple[str, list[str]]:
    v = r.verify({key: value})[0]
    return v.verdict, [m.id for m in v.mistakes]


@pytest.fixture(scope="module")
def lenet_adam():
    return hwcheck.params(model="lenet5", batch=32, optimizer="adam")


def applied(r) -> list[tuple[str, str, int]]:
    """(mistake id, key, the value a student making it would claim) on a batch of 32 with Adam."""
    m, f = r.memory, r.flops
    return [
        (
            "optimizer_state_forgotten",
            "memory.total_bytes",
            m["total_bytes"] - m["optimizer_bytes"],
        ),
        ("adam_one_moment", "memory.optimizer_bytes", m["optimizer_bytes"] // 2),
        ("gradients_forgotten", "memory.total_bytes", m["total_bytes"] - m["grads_bytes"]),
        ("batch_forgotten", "memory.activations_bytes", m["activations_bytes"] // 32),
        (
            "batch_forgotten",
            "memory.total_bytes",
            m["total_bytes"] - m["activations_bytes"] * 31 // 32,
        ),
        ("batch_forgotten", "flops.forward", f["forward"] // 32),
        ("backward_forgotten", "flops.total", f["forward"]),
        ("flops_as_macs", "flops.total", f["total"] // 2),
        ("flops_as_macs", "layers.0.flops.forward", r.layers[0]["flops"]["forward"] // 2),
        ("dtype_size", "memory.params_bytes", m["params_bytes"] // 2),
        ("optimizer_state_forgotten", "layers.7.memory.total_bytes", 48_120 * 4 * 2 + 32 * 120 * 4),
    ]


def test_memory_mistakes_applied_are_named(lenet_adam):
    for mistake, key, value in applied(lenet_adam):
        verdict, ids = named(lenet_adam, key, value)
        assert verdict == "wrong" and mistake in ids, (mistake, key, value, ids)


def test_right_memory_answers_are_never_named(lenet_adam):
    data = lenet_adam.to_json()
    for key in ("total_bytes", "optimizer_bytes", "activations_bytes", "params_bytes"):
        assert named(lenet_adam, f"memory.{key}", data["memory"][key]) == ("correct", [])
    for key in ("forward", "backward", "total"):
        assert named(lenet_adam, f"flops.{key}", data["flops"][key]) == ("correct", [])


def test_memory_mistakes_that_do_not_apply():
    sgd = hwcheck.params(model="lenet5", batch=1, optimizer="sgd")
    m = sgd.memory
    # no state to forget under SGD, no batch to forget at batch 1: the same value is right
    assert named(sgd, "memory.total_bytes", m["total_bytes"])[1] == []
    half = hwcheck.params(model="lenet5", dtype="float16")
    assert "dtype_size" in named(half, "memory.params_bytes", 2 * half.memory["params_bytes"])[1]
    momentum = hwcheck.params(model="lenet5", optimizer="momentum")
    wrong = momentum.memory["optimizer_bytes"] // 2
    assert "adam_one_moment" not in named(momentum, "memory.optimizer_bytes", wrong)[1]
