"""The model zoo: published networks as model files, each with the reference whose own
parameter count its total equals (``hwcheck params --model resnet50``, ``hwcheck models``).

A zoo name stands where a model file may: ``zoo:resnet50`` always means the zoo; a bare name
(``resnet50``: no ``/``, no ``.``) means the zoo unless a file of that name exists, so every
existing file argument reads as before. The files are TOML in this folder, shipped as package
data; :data:`ENTRIES` lists them with their references and totals (the tests check every total
against the reference: keras.applications, torchvision's code, a published figure or the same
model built in torch/Keras).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hwcheck.core.errors import HwcheckError, did_you_mean
from hwcheck.core.inputs import FILE_ROOT, parse_toml
from hwcheck.core.numbers import _short
from hwcheck.core.numfmt import DEFAULT_DIGITS, fmt
from hwcheck.core.result import Result, Table
from hwcheck.families.arch.request import ModelsRequest

PREFIX = "zoo:"


@dataclass(frozen=True)
class Entry:
    name: str  # the file is NAME.toml (or, for a torchvision twin, the ``base`` file's)
    title: str
    reference: str  # whose count the total equals
    total_params: int
    base: str | None = None  # a Keras file that torchvision builds the same way (see as_torch)


ENTRIES = (
    Entry("lenet5", "LeNet-5", "LeCun et al. 1998 (published figure)", 61_706),
    Entry("alexnet", "AlexNet", "torchvision.models.alexnet", 61_100_840),
    Entry("vgg16", "VGG16", "keras.applications.VGG16", 138_357_544),
    Entry("vgg19", "VGG19", "keras.applications.VGG19", 143_667_240),
    Entry(
        "vgg16_torchvision", "VGG16 (torchvision)", "torchvision.models.vgg16", 138_357_544, "vgg16"
    ),
    Entry(
        "vgg19_torchvision", "VGG19 (torchvision)", "torchvision.models.vgg19", 143_667_240, "vgg19"
    ),
    Entry("resnet18", "ResNet-18", "torchvision.models.resnet18", 11_689_512),
    Entry("resnet34", "ResNet-34", "torchvision.models.resnet34", 21_797_672),
    Entry("resnet50", "ResNet-50", "torchvision.models.resnet50", 25_557_032),
    Entry("resnet101", "ResNet-101", "torchvision.models.resnet101", 44_549_160),
    Entry("resnet152", "ResNet-152", "torchvision.models.resnet152", 60_192_808),
    Entry("resnet50_keras", "ResNet50 (Keras)", "keras.applications.ResNet50", 25_636_712),
    Entry("resnet101_keras", "ResNet101 (Keras)", "keras.applications.ResNet101", 44_707_176),
    Entry("resnet152_keras", "ResNet152 (Keras)", "keras.applications.ResNet152", 60_419_944),
    Entry("mobilenet", "MobileNet v1", "keras.applications.MobileNet", 4_253_864),
    Entry("mobilenetv2", "MobileNetV2", "keras.applications.MobileNetV2", 3_538_984),
    Entry(
        "mobilenetv2_torchvision",
        "MobileNetV2 (torchvision)",
        "torchvision.models.mobilenet_v2",
        3_504_872,
        "mobilenetv2",
    ),
    Entry("densenet121", "DenseNet-121", "keras.applications.DenseNet121", 8_062_504),
    Entry("inceptionv3", "InceptionV3", "keras.applications.InceptionV3", 23_851_784),
    Entry("efficientnetb0", "EfficientNet-B0", "keras.applications.EfficientNetB0", 5_330_571),
    Entry("unet", "U-Net", "Ronneberger et al. 2015 (torch.nn)", 31_030_658),
    Entry("lstm_classifier", "LSTM text classifier", "Keras guide 'Working with RNNs'", 164_106),
    Entry("text_classifier", "LSTM/GRU text classifier", "the same model in Keras", 2_696_129),
    Entry("transformer_encoder", "Transformer encoder block", "the same block in Keras", 527_104),
    Entry("gpt2", "GPT-2 small", "transformers GPT2LMHeadModel", 124_439_808),
    Entry(
        "bert_base",
        "BERT-base (uncased)",
        "transformers BertModel",
        109_482_240,
    ),
    Entry("vit_b16", "ViT-B/16", "torchvision.models.vit_b_16", 86_567_656),
)
BY_NAME = {e.name: e for e in ENTRIES}


def names() -> list[str]:
    return [e.name for e in ENTRIES]


def text(name: str) -> str:
    """The model file of a zoo name, as text."""
    from importlib import resources

    return resources.files(__name__).joinpath(f"{name}.toml").read_text(encoding="utf-8")


def lookup(model: Any) -> str | None:
    """The zoo name ``model`` stands for, or None when it is a file, a table or TOML text.

    ``zoo:NAME`` is always the zoo (an unknown name is an error listing the nearest); a bare
    ``NAME`` is the zoo unless a file of that name exists (relative to an answers file's folder
    inside one). A bare word that is neither is an error naming both readings.
    """
    if not isinstance(model, str) or model == "-" or "\n" in model:
        return None
    if model[: len(PREFIX)].lower() == PREFIX:
        name = model[len(PREFIX) :].strip().lower()
        if name not in BY_NAME:
            raise HwcheckError(
                "<model>",
                f"no zoo model '{_short(name)}'{did_you_mean(name, names())}",
                hint="hwcheck models lists the zoo",
            )
        return name
    if "/" in model or "\\" in model or "." in model or is_file(model):
        return None
    if model.lower() in BY_NAME:
        return model.lower()
    raise HwcheckError(
        "<model>",
        f"no file '{_short(model)}' and no zoo model of that name{did_you_mean(model.lower(), names())}",
        hint="hwcheck models lists the zoo",
    )


def is_file(name: str) -> bool:
    root = FILE_ROOT.get()
    return ((root / name) if root is not None else Path(name)).is_file()


def resolve(model: Any) -> Any:
    """A zoo name → its model file, parsed (a table, as an answers file's inline model);
    anything else unchanged."""
    name = lookup(model)
    return model if name is None else table(name)


def table(name: str) -> dict:
    """The parsed model file of a zoo name."""
    entry = BY_NAME.get(name)
    if entry is not None and entry.base is not None:
        return as_torch(parse_toml(text(entry.base), f"{PREFIX}{name}"), name)
    return parse_toml(text(name), f"{PREFIX}{name}")


def as_torch(table: dict, name: str) -> dict:
    """A Keras file as torchvision builds the same network: channels first, PyTorch's counts
    (BatchNorm 2·C: the running statistics are buffers), and Keras' ``same`` written as torch
    writes it, the symmetric padding (k − 1)/2, and so is Keras' explicit 'same' padding with the
    odd pixel after (for the odd kernels and even sizes of these networks the output sizes agree,
    ⌈n/s⌉; the tests run the result in torch)."""
    import copy

    out = copy.deepcopy(table)
    *spatial, channels = out["input"]
    out.update(input=[channels, *spatial], layout="chw", framework="pytorch", name=name)
    layers = list(out["layers"]) + [
        layer for block in out.get("blocks", {}).values() for layer in block["layers"]
    ]
    for layer in layers:
        kernel, padding = layer.get("kernel", 1), layer.get("padding")
        if not (isinstance(kernel, int) and kernel % 2):
            continue
        uneven = (
            isinstance(padding, list)
            and all(isinstance(p, list) and len(p) == 2 and 0 <= p[1] - p[0] <= 1 for p in padding)
        )  # Keras' ZeroPadding before a strided valid layer: TensorFlow's 'same', the odd pixel after
        if padding == "same" or uneven:
            layer["padding"] = (kernel - 1) // 2
    return out


# --------------------------------------------------------------------------- hwcheck models


@dataclass(frozen=True)
class ModelsResult(Result):
    command = "models"

    models: list[dict[str, Any]]

    def view(self, digits: int = DEFAULT_DIGITS):
        rows = tuple(
            (
                m["name"],
                m["title"],
                "×".join(map(str, m["input_shape"])),
                fmt(m["total_params"]),
                m["reference"],
            )
            for m in self.models
        )
        return [
            Table(
                ("name", "model", "input", "parameters", "reference (its own count)"),
                rows,
                "the model zoo: hwcheck params --model NAME, hwcheck rf --model NAME",
                align="llrrl",
            )
        ]


def models(request: ModelsRequest | None = None) -> ModelsResult:
    """Every zoo model: its name, title, input shape, total parameter count and reference."""
    return ModelsResult(
        [
            {
                "name": e.name,
                "title": e.title,
                "input_shape": table(e.name)["input"],
                "total_params": e.total_params,
                "reference": e.reference,
            }
            for e in ENTRIES
        ]
    )
