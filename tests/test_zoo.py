"""The model zoo (hwcheck/families/arch/zoo): every total equals its reference's own count.

References: published figures always; keras.applications (``weights=None``, built once per
module) and torchvision's architectures (written here with torch.nn after torchvision's model
code and built on the meta device: torchvision's wheel does not import against the CPU torch)
when the frameworks are installed. A file that uses a layer type or key this checkout of hwcheck
does not have yet (relu6, silu, BatchNormalization ``scale``, Rescaling, Normalization,
multi-head attention) is checked twice: as written, skipping with the missing name until it
exists, and with those layers read as what they count (a parameter-free activation as relu;
``scale = false`` as 3·C instead of 4·C; Normalization as 2·C + 1), which runs today.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import pytest

import hwcheck
from hwcheck.families.arch import zoo

ZOO_DIR = Path(zoo.__file__).parent
NAMES = zoo.names()

#: Published figures (framework documentation and papers), independent of hwcheck's index.
PUBLISHED = {
    "lenet5": 61_706,
    "alexnet": 61_100_840,  # torchvision docs
    "vgg16_torchvision": 138_357_544,  # torchvision docs
    "vgg19_torchvision": 143_667_240,  # torchvision docs
    "mobilenetv2_torchvision": 3_504_872,  # torchvision docs
    "vgg16": 138_357_544,  # keras.applications docs
    "vgg19": 143_667_240,
    "resnet18": 11_689_512,  # torchvision docs
    "resnet34": 21_797_672,
    "resnet50": 25_557_032,
    "resnet101": 44_549_160,
    "resnet152": 60_192_808,
    "resnet50_keras": 25_636_712,  # keras.applications docs
    "resnet101_keras": 44_707_176,
    "resnet152_keras": 60_419_944,
    "mobilenet": 4_253_864,
    "mobilenetv2": 3_538_984,
    "densenet121": 8_062_504,
    "inceptionv3": 23_851_784,
    "efficientnetb0": 5_330_571,
}


def counted(name: str) -> tuple[dict, list[dict]]:
    """The zoo file as hwcheck counts it: totals and the rows of every layer."""
    r = hwcheck.params(model=f"zoo:{name}")
    counts = {
        "total": r.total_params,
        "trainable": r.trainable_params,
        "non_trainable": r.non_trainable_params,
    }
    return counts, r.layers


# ----------------------------------------------------------------------------- the index


def test_every_file_is_listed_and_names_its_reference_and_total():
    files = sorted(p.stem for p in ZOO_DIR.glob("*.toml"))
    assert sorted(e.name for e in zoo.ENTRIES if e.base is None) == files
    for entry in (e for e in zoo.ENTRIES if e.base is None):  # twins read their base file
        text = zoo.text(entry.name)  # read as package data, as a wheel install reads it
        header = "".join(line for line in text.splitlines(True) if line.startswith("#"))
        assert f"{entry.total_params:,}" in header, entry.name
        assert "Reference" in header, entry.name
        assert zoo.table(entry.name)["name"] == entry.name


def test_index_totals_are_the_published_figures():
    totals = {e.name: e.total_params for e in zoo.ENTRIES}
    assert {k: totals[k] for k in PUBLISHED} == PUBLISHED


def test_package_data_is_declared():
    import tomllib

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert project["tool"]["setuptools"]["package-data"]["hwcheck.families.arch.zoo"] == ["*.toml"]


@pytest.mark.parametrize("name", NAMES)
def test_total_equals_the_reference(name):
    """Every file as written, counted by hwcheck: the index's total (checked against the
    frameworks below), split into trainable and not as the counts add up."""
    counts, rows = counted(name)
    assert counts["total"] == zoo.BY_NAME[name].total_params
    assert counts["trainable"] == sum(r["trainable"] for r in rows)


# ----------------------------------------------------------------------- keras.applications

KERAS_APPS = {
    "vgg16": "VGG16",
    "vgg19": "VGG19",
    "resnet50_keras": "ResNet50",
    "resnet101_keras": "ResNet101",
    "resnet152_keras": "ResNet152",
    "mobilenet": "MobileNet",
    "mobilenetv2": "MobileNetV2",
    "densenet121": "DenseNet121",
    "inceptionv3": "InceptionV3",
    "efficientnetb0": "EfficientNetB0",
}
KERNEL_TYPES = {"Conv2D", "DepthwiseConv2D", "Dense"}
HWCHECK_KERNEL_TYPES = {"conv2d", "depthwise_conv2d", "dense"}


@pytest.fixture(scope="module")
def keras_apps():
    """Each keras.applications model built once (weights=None) on torch's meta device (shapes
    without storage: ResNet152 in 2.5 s instead of 12 s), then only its summary kept."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    built = {}

    def get(cls: str):
        if cls not in built:
            with keras.device("meta"):
                model = getattr(keras.applications, cls)(weights=None)
            built[cls] = {
                "total": model.count_params(),
                "trainable": sum(math.prod(w.shape) for w in model.trainable_weights),
                "layers": [
                    {
                        "name": layer.name,
                        "class": type(layer).__name__,
                        "params": layer.count_params(),
                        "scale": getattr(layer, "scale", True),
                        "shape": list(layer.output.shape[1:]),
                    }
                    for layer in model.layers
                ],
            }
            del model
        return built[cls]

    return get


RESHAPED = {"dropout", "conv_preds"}  # MobileNet's head: 1×1×1024 and 1×1×1000 in Keras
#: Layers matched by name at least (MobileNet's blocks are conv_1.dw here, conv_dw_1 in Keras;
#: InceptionV3's Keras names are conv2d_N; the others match at least half of Keras' layers).
MATCHED = {"mobilenet": 4, "inceptionv3": 3}
#: Where a repeated block's copies start in Keras' numbering (``conv2_block.0`` is Keras'
#: ``conv2_block2`` in ResNet, whose block 1 is written apart, ``conv2_block1`` in DenseNet).
FIRST_COPY = {"densenet121": 1}


def keras_name(name: str, first: int) -> str:
    """hwcheck's ``conv2_block.0.1_conv`` / ``block_1.expand`` → Keras' names."""

    def number(found):
        return f"{found.group(1)}{int(found.group(2)) + first}_"

    return re.sub(r"(\w+_block)\.(\d+)\.", number, name).replace(".", "_")


@pytest.mark.parametrize("name", list(KERAS_APPS))
def test_against_keras_applications(name, keras_apps):
    reference = keras_apps(KERAS_APPS[name])
    entry = zoo.BY_NAME[name]
    assert reference["total"] == entry.total_params == PUBLISHED[name]
    counts, rows = counted(name)
    assert counts["total"] == reference["total"]
    assert counts["trainable"] == reference["trainable"]
    # layer by layer: the same convolutions, dense layers and batch norms (Keras lists parallel
    # branches in its own order, so as multisets), and by name every layer both have
    for kinds, types in (
        (KERNEL_TYPES, HWCHECK_KERNEL_TYPES),
        ({"BatchNormalization"}, {"batchnorm"}),
    ):
        ours = sorted(r["params"] for r in rows if r["type"] in types)
        assert sorted(x["params"] for x in reference["layers"] if x["class"] in kinds) == ours
    # Keras reshapes the squeeze-excitation and MobileNet's head to 1×1 maps; those are dense
    # layers here (the same parameters), so their shapes differ
    first = FIRST_COPY.get(name, 2)
    ours = {keras_name(r["name"], first): r for r in rows}
    matched = [
        (
            x["name"],
            x["params"],
            x["shape"],
            ours[x["name"]]["params"],
            ours[x["name"]]["output_shape"],
        )
        for x in reference["layers"]
        if x["name"] in ours and "se_" not in x["name"] and x["name"] not in RESHAPED
    ]
    assert len(matched) >= MATCHED.get(name, len(reference["layers"]) // 2)
    assert [m[1:3] for m in matched] == [m[3:] for m in matched]


# ------------------------------------------------------------ torchvision's architectures


def torch_or_skip():
    torch = pytest.importorskip("torch")
    return torch, torch.nn


def torchvision_alexnet(nn):
    """After torchvision/models/alexnet.py."""
    return nn.Sequential(
        nn.Conv2d(3, 64, 11, stride=4, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(3, 2),
        nn.Conv2d(64, 192, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(3, 2),
        nn.Conv2d(192, 384, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(256, 256, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(3, 2),
        nn.AdaptiveAvgPool2d((6, 6)),
        nn.Flatten(),
        nn.Dropout(0.5),
        nn.Linear(256 * 6 * 6, 4096),
        nn.ReLU(),
        nn.Dropout(0.5),
        nn.Linear(4096, 4096),
        nn.ReLU(),
        nn.Linear(4096, 1000),
    )


def torchvision_resnet(nn, depth: int):
    """After torchvision/models/resnet.py, with its module names (``layer3.5.conv2``,
    ``layer2.0.downsample.0``): BasicBlock (expansion 1) for 18/34, Bottleneck (expansion 4,
    stride on the 3×3) for 50/101/152; a 1×1 conv + BN downsample whenever the stride or the
    width changes."""
    stages = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3), 50: (3, 4, 6, 3), 101: (3, 4, 23, 3)}
    stages[152] = (3, 8, 36, 3)
    basic = depth < 50
    expansion = 1 if basic else 4

    class Block(nn.Module):
        def __init__(self, cin, width, stride):
            super().__init__()
            cout = width * expansion
            if basic:
                shapes = [(cin, width, 3, stride), (width, width, 3, 1)]
            else:
                shapes = [(cin, width, 1, 1), (width, width, 3, stride), (width, cout, 1, 1)]
            for i, (a, b, k, st) in enumerate(shapes, 1):
                setattr(self, f"conv{i}", nn.Conv2d(a, b, k, st, k // 2, bias=False))
                setattr(self, f"bn{i}", nn.BatchNorm2d(b))
            self.depth = len(shapes)
            self.relu = nn.ReLU()
            self.downsample = (
                nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
                if stride != 1 or cin != cout
                else None
            )

        def forward(self, x):
            y = x
            for i in range(1, self.depth + 1):
                y = getattr(self, f"bn{i}")(getattr(self, f"conv{i}")(y))
                y = self.relu(y) if i < self.depth else y
            return self.relu((x if self.downsample is None else self.downsample(x)) + y)

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU()
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            cin = 64
            for stage, (n, width) in enumerate(zip(stages[depth], (64, 128, 256, 512)), 1):
                blocks = []
                for i in range(n):
                    blocks.append(Block(cin, width, 2 if stage > 1 and not i else 1))
                    cin = width * expansion
                setattr(self, f"layer{stage}", nn.Sequential(*blocks))
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(cin, 1000)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            for stage in range(1, 5):
                x = getattr(self, f"layer{stage}")(x)
            return self.fc(self.avgpool(x).flatten(1))

    return ResNet()


def count(module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("depth", [18, 34, 50, 101, 152])
def test_resnets_against_torchvision(depth):
    """The total, and every convolution, batch norm, pool and the fc layer by torchvision's
    module name: the same parameters and output shape."""
    torch, nn = torch_or_skip()
    shapes = {}
    with torch.device("meta"):
        net = torchvision_resnet(nn, depth)
        for name, module in net.named_modules():
            if isinstance(module, (nn.Conv2d, nn.BatchNorm2d, nn.MaxPool2d, nn.Linear)):
                module.register_forward_hook(
                    lambda m, i, o, name=name: shapes.__setitem__(name, list(o.shape[1:]))
                )
        out = net(torch.empty(1, 3, 224, 224))
    r = hwcheck.params(model=f"resnet{depth}")
    assert count(net) == r.total_params == PUBLISHED[f"resnet{depth}"]
    assert list(out.shape[1:]) == r.output_shape
    ours = {x["name"]: x for x in r.layers}
    modules = dict(net.named_modules())
    assert len(shapes) == len([x for x in r.layers if x["type"] not in NO_TORCH_MODULE])
    for name, shape in shapes.items():
        assert (ours[name]["params"], ours[name]["output_shape"]) == (count(modules[name]), shape)


NO_TORCH_MODULE = {"relu", "add", "global_avgpool"}  # torch reuses one ReLU; adds are in forward


def test_alexnet_against_torchvision():
    torch, nn = torch_or_skip()
    with torch.device("meta"):
        net = torchvision_alexnet(nn)
        features = net[:13](torch.empty(1, 3, 224, 224))
    r = hwcheck.params(model="alexnet")
    assert count(net) == r.total_params == PUBLISHED["alexnet"]
    pool = next(x for x in r.layers if x["name"] == "features.12")
    assert pool["output_shape"] == list(features.shape[1:])
    linear = [m for m in net if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert [count(m) for m in linear] == [x["params"] for x in r.layers if x["params"]]


def test_lenet5_published_breakdown():
    """LeCun et al. 1998: C1 156, C3 2,416 (full connections), C5 48,120, F6 10,164, output 850."""
    r = hwcheck.params(model="lenet5")
    assert [x["params"] for x in r.layers if x["params"]] == [156, 2_416, 48_120, 10_164, 850]
    assert r.total_params == PUBLISHED["lenet5"]


# ------------------------------------------------------- the same model in the framework


def test_unet_against_torch():
    torch, nn = torch_or_skip()

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()

            def double(cin, cout):
                return nn.Sequential(
                    nn.Conv2d(cin, cout, 3, padding=1),
                    nn.ReLU(),
                    nn.Conv2d(cout, cout, 3, padding=1),
                    nn.ReLU(),
                )

            widths = (64, 128, 256, 512, 1024)
            self.down = nn.ModuleList(double(a, b) for a, b in zip((1, *widths), widths))
            self.up = nn.ModuleList(nn.ConvTranspose2d(2 * w, w, 2, 2) for w in widths[3::-1])
            self.dec = nn.ModuleList(double(2 * w, w) for w in widths[3::-1])
            self.out = nn.Conv2d(64, 2, 1)

        def forward(self, x):
            skips = []
            for i, block in enumerate(self.down):
                x = block(x if i == 0 else nn.functional.max_pool2d(x, 2))
                skips.append(x)
            for up, dec, skip in zip(self.up, self.dec, skips[-2::-1]):
                x = dec(torch.cat([skip, up(x)], dim=1))
            return self.out(x)

    with torch.device("meta"):
        net = UNet()
        out = net(torch.empty(1, 1, 512, 512))
    r = hwcheck.params(model="unet")
    assert count(net) == r.total_params == zoo.BY_NAME["unet"].total_params
    assert list(out.shape[1:]) == r.output_shape == [2, 512, 512]


@pytest.fixture(scope="module")
def keras_layers():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def test_text_classifier_against_keras(keras_layers):
    keras, L = keras_layers, keras_layers.layers
    model = keras.Sequential(
        [
            keras.Input((200,)),
            L.Embedding(20_000, 128),
            L.Bidirectional(L.LSTM(64, return_sequences=True)),
            L.GRU(64),
            L.Dropout(0.5),
            L.Dense(1, activation="sigmoid"),
        ]
    )
    r = hwcheck.params(model="text_classifier")
    assert model.count_params() == r.total_params == zoo.BY_NAME["text_classifier"].total_params
    assert [x.count_params() for x in model.layers if x.count_params()] == [
        x["params"] for x in r.layers if x["params"]
    ]
    assert [list(x.output.shape[1:]) for x in model.layers] == [
        x["output_shape"] for x in r.layers if x["type"] != "sigmoid"
    ]


def test_transformer_encoder_against_keras(keras_layers):
    keras, L = keras_layers, keras_layers.layers
    x = keras.Input((128, 256))
    a = L.Dropout(0.1)(L.MultiHeadAttention(num_heads=8, key_dim=32)(x, x))
    h = L.LayerNormalization()(L.Add()([x, a]))
    f = L.Dropout(0.1)(L.Dense(256)(L.Dense(512, activation="relu")(h)))
    model = keras.Model(x, L.LayerNormalization()(L.Add()([h, f])))
    assert model.count_params() == zoo.BY_NAME["transformer_encoder"].total_params
    r = hwcheck.params(model="transformer_encoder")
    assert r.total_params == model.count_params() and r.output_shape == [128, 256]


# ----------------------------------------------------------------------- the interface


def test_zoo_names_on_the_command_line(cli):
    code, out, _ = cli("params", "--model", "lenet5", "--json")
    assert code == 0 and json.loads(out)["total_params"] == 61_706
    code, out, _ = cli("params", "zoo:resnet18", "--json", "--claim", "total_params=11,689,512")
    assert code == 0 and json.loads(out)["claims"][0]["verdict"] == "correct"
    code, out, _ = cli("rf", "--model", "vgg16", "--layer", "4", "--json")
    assert code == 0 and json.loads(out)["rf"] == [6, 6]  # conv 3, conv 5, pool 6
    code, out, _ = cli("rf", "--model", "resnet50", "--json")
    assert code == 0 and json.loads(out)["global"] is True
    code, out, _ = cli("rf", "--model", "unet", "--layer", "23", "--json")
    assert code == 0 and json.loads(out)["rf"] == [140, 140]  # 5, 6, 14, 16, 32, 36, 68, 76, 140


def test_models_lists_names_references_and_totals(cli):
    code, out, _ = cli("models", "--json")
    listed = json.loads(out)["models"]
    assert code == 0 and [m["name"] for m in listed] == NAMES
    assert all(m["reference"] and m["total_params"] > 0 for m in listed)
    assert listed[0]["input_shape"] == [32, 32, 1] and listed[1]["input_shape"] == [3, 224, 224]
    code, out, _ = cli("models")
    assert code == 0 and "138,357,544" in out and "keras.applications.VGG16" in out


def test_bad_zoo_names(cli):
    code, _, err = cli("params", "--model", "vgg61")
    assert code == 2 and "'vgg16'" in err and "hwcheck models" in err
    code, _, err = cli("params", "zoo:resnet5O")
    assert code == 2 and "no zoo model 'resnet5o'" in err and "'resnet50'" in err
    code, _, err = cli("params", "lenet5", "--model", "vgg16")
    assert code == 2 and "given both" in err
    code, _, err = cli("params", "zoo:a\x1b[31m\u202eb")  # an ANSI escape, a direction mark
    assert code == 2 and "a\\x1b[31m\\u202eb" in err and "\x1b" not in err
    code, _, err = cli("params", "nofile.toml")
    assert code == 2 and "no such file" in err  # a path is still a path


def test_a_file_of_that_name_wins(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lenet5").write_text('input = [4]\n[[layers]]\ntype = "dense"\nunits = 2\n')
    code, out, _ = cli("params", "lenet5", "--json")
    assert code == 0 and json.loads(out)["total_params"] == 10
    code, out, _ = cli("params", "zoo:lenet5", "--json")
    assert code == 0 and json.loads(out)["total_params"] == 61_706


def test_zoo_in_an_answers_file(cli, tmp_path):
    answers = tmp_path / "answers.toml"
    answers.write_text(
        """
[[exercise]]
id = "a"
command = "params"
model = "zoo:densenet121"
[exercise.claims]
total_params = 8062504

[[exercise]]
id = "b"
command = "rf"
model = "alexnet"
layer = 0
[exercise.claims]
rf = [11, 11]
"""
    )
    code, out, _ = cli("check", str(answers), "--json")
    assert code == 0, out
    assert json.loads(out)["passed"] == 2


def torchvision_vgg(nn, depth: int):
    """After torchvision/models/vgg.py (cfgs "D" and "E", no batch norm)."""
    convs = {16: [2, 2, 3, 3, 3], 19: [2, 2, 4, 4, 4]}[depth]
    layers, c_in = [], 3
    for width, n in zip([64, 128, 256, 512, 512], convs, strict=True):
        for _ in range(n):
            layers += [nn.Conv2d(c_in, width, 3, padding=1), nn.ReLU(inplace=True)]
            c_in = width
        layers.append(nn.MaxPool2d(2, 2))
    classifier = [nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout()]
    classifier += [nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(), nn.Linear(4096, 1000)]
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(7), nn.Flatten(), *classifier)


@pytest.mark.parametrize("depth", [16, 19])
def test_vgg_twins_against_torchvision(depth):
    """The Keras file read as torchvision builds it: the same count and the same weighted layers."""
    torch, nn = torch_or_skip()
    with torch.device("meta"):
        net = torchvision_vgg(nn, depth)
        out = net(torch.empty(1, 3, 224, 224))
    r = hwcheck.params(model=f"vgg{depth}_torchvision")
    assert count(net) == r.total_params == PUBLISHED[f"vgg{depth}_torchvision"]
    assert list(out.shape[1:]) == r.output_shape and r.input_shape == [3, 224, 224]
    weighted = [count(m) for m in net if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert weighted == [x["params"] for x in r.layers if x["params"]]


def test_mobilenetv2_twin_runs_in_torch(tmp_path):
    """torchvision's MobileNetV2 count (its Keras file with BatchNorm 2·C and torch's symmetric
    padding), proved by the emitted torch module: every node's shape and count, run in torch."""
    from hwcheck.families.arch.model import load_model
    from tests.test_arch_torch import emitted_agrees

    table = zoo.table("mobilenetv2_torchvision")
    r = hwcheck.params(model=table)
    assert r.total_params == PUBLISHED["mobilenetv2_torchvision"]
    emitted_agrees(load_model(table, None), r.layers, tmp_path)
