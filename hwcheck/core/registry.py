"""The command registry: every command's name, summary, examples, request type and runner.

Both the request type and the runner are named as ``"module:attribute"`` strings and imported
only when needed, so building the CLI (and ``hwcheck --help``) never imports numpy or sympy.
Request modules (``*/request.py``) must stay light: dataclasses and the option helpers only.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

FORMATS = ("table", "json", "markdown", "latex")
OPTIMIZER_COMMANDS = ("sgd", "adam", "adamw", "rmsprop", "adagrad")
#: commands that draw a figure with --plot FILE (hwcheck/render/plot.py)
PLOT_COMMANDS = (*OPTIMIZER_COMMANDS, "gd-quadratic", "rf", "conv-matrix", "grade")


@dataclass(frozen=True)
class CommandSpec:
    name: str  # kebab-case CLI name
    summary: str  # one line
    examples: tuple[str, ...]  # runnable, without the leading "hwcheck "
    request: str  # "module:Class"
    runner: str  # "module:function" taking the request, returning a Result
    formats: tuple[str, ...] = FORMATS
    calculator: bool = True  # has --claim/--rtol/--atol

    @property
    def api_name(self) -> str:
        return self.name.replace("-", "_")

    def request_type(self):
        return _load(self.request)

    def run(self, request) -> Any:
        return _load(self.runner)(request)


def _load(ref: str):
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


COMMANDS: dict[str, CommandSpec] = {}


def register(spec: CommandSpec) -> CommandSpec:
    COMMANDS[spec.name] = spec
    return spec


def get(name: str) -> CommandSpec:
    from hwcheck.core.errors import HwcheckError, did_you_mean

    if name not in COMMANDS:
        raise HwcheckError("command", f"unknown command '{name}'{did_you_mean(name, COMMANDS)}")
    return COMMANDS[name]


# ----------------------------------------------------------------------------- registry
# Order here is the order of `hwcheck --help`.

register(
    CommandSpec(
        "params",
        "Output shape, parameters and MACs of every layer of a model, with the arithmetic.",
        (
            'params --spec "35x35x16 | conv2d filters=32 kernel=3 padding=same"',
            'params --spec "500x7 | conv1d filters=16 kernel=3 | maxpool1d kernel=2 | flatten | dense units=5" --explain',
            'params --spec "35x35x16 | conv2d filters=32 kernel=3 padding=same" --claim total_params=4640',
        ),
        "hwcheck.families.arch.request:ParamsRequest",
        "hwcheck.families.arch.commands:params",
    )
)
register(
    CommandSpec(
        "rf",
        "Receptive field, jump and start of every layer of a model (Araujo et al., Distill 2019).",
        (
            'rf --spec "32x32x1 | conv2d filters=1 kernel=3 | conv2d filters=1 kernel=3 | conv2d filters=1 kernel=3 | conv2d filters=1 kernel=3"',
            'rf --spec "16x16x1 | conv2d filters=1 kernel=3 | conv2d filters=1 kernel=3 stride=2" --unit 2,2 --draw',
            'rf --spec "32x32x1 | conv2d filters=1 kernel=3 | conv2d filters=1 kernel=3" --claim rf_area=25',
        ),
        "hwcheck.families.arch.request:RfRequest",
        "hwcheck.families.arch.commands:rf",
    )
)
register(
    CommandSpec(
        "models",
        "The model zoo: published networks with their parameter counts and references.",
        ("models", "models --json"),
        "hwcheck.families.arch.zoo:ModelsRequest",
        "hwcheck.families.arch.zoo:models",
        formats=("table", "json", "markdown", "latex"),
        calculator=False,
    )
)
register(
    CommandSpec(
        "conv-matrix",
        "A convolution written as a matrix: y = A·vec(x), symbolic or numeric.",
        (
            "conv-matrix --input 3x3 --kernel 2x2 --op conv",
            "conv-matrix --input 3x3 --kernel 2x2 --op conv --padding full --format latex",
            'conv-matrix --input 3x3 --kernel 2x2 --f "1 2; 3 4" --x "1 2 3; 4 5 6; 7 8 9"',
        ),
        "hwcheck.families.conv.request:ConvMatrixRequest",
        "hwcheck.families.conv.commands:conv_matrix",
    )
)
register(
    CommandSpec(
        "conv-backprop",
        "Forward and backward pass through a small convolution, with every gradient.",
        (
            'conv-backprop --x "1 2 3; 4 5 6; 7 8 9" --f "1 0; 0 -1" --loss gap --exact',
            'conv-backprop --x "1 2 3; 4 5 6; 7 8 9" --f "1 0; 0 -1" --loss half-sse --target "0 0; 0 0" --explain',
        ),
        "hwcheck.families.conv.request:ConvBackpropRequest",
        "hwcheck.families.conv.commands:conv_backprop",
    )
)
register(
    CommandSpec(
        "conv-cost",
        "Multiplications and additions of direct vs FFT 2-D convolution.",
        ("conv-cost --size 64", "conv-cost --size 256 --kernel 5"),
        "hwcheck.families.conv.request:ConvCostRequest",
        "hwcheck.families.conv.commands:conv_cost",
    )
)
register(
    CommandSpec(
        "separable",
        "Is a kernel spatially separable? Rank, factors u·vᵀ and the cost saved.",
        ('separable --f "3 6 9; 4 8 12; 5 10 15"',),
        "hwcheck.families.conv.request:SeparableRequest",
        "hwcheck.families.conv.commands:separable",
    )
)
register(
    CommandSpec(
        "net",
        "A small network with given weights on a whole domain: failing rows, params, depth.",
        (
            "net --build xor-tree --inputs 8",
            "net --layer 'relu | 1 -1; -1 1 | 0 0' --layer 'linear | 1; 1' --target 'xor(x1, x2)'",
            "net --build sop --table '00110:1 01011:1 11110:0 00000:0'",
        ),
        "hwcheck.families.net.request:NetRequest",
        "hwcheck.families.net.command:net",
    )
)
register(
    CommandSpec(
        "lstsq",
        "Is Xw = y solvable? Ranks, solution-set dimension, null space, minimum-norm solution.",
        ('lstsq --X "1 2 0; 0 1 1" --y "1 2"', 'lstsq --X "1 1; 2 2; 3 3" --y "1 2 4"'),
        "hwcheck.families.linalg.request:LstsqRequest",
        "hwcheck.families.linalg.lstsq:lstsq",
    )
)
register(
    CommandSpec(
        "linear-collapse",
        "m linear layers multiplied out without commuting: y = x·W′ + b′ (exercise R).",
        ("linear-collapse --layers 4", "linear-collapse --layers 3 --claim \"y=x W' + b'\""),
        "hwcheck.families.linalg.request:LinearCollapseRequest",
        "hwcheck.families.linalg.collapse:linear_collapse",
    )
)
register(
    CommandSpec(
        "derive",
        "Symbolic derivatives in textbook form, with the chain rule and values at a point.",
        (
            'derive "0.5*(sigmoid(w*x+b) - t)**2 + lam/2*w**2" --wrt w,b',
            "derive --preset sigmoid-mse-l2 --wrt w --at w=0.1,b=0,x=2,t=0,lam=0.01",
            'derive --wrt z --expr "-t*log(sigmoid(z))"',
        ),
        "hwcheck.families.symbolic.request:DeriveRequest",
        "hwcheck.families.symbolic.commands:derive",
    )
)
register(
    CommandSpec(
        "equiv",
        "Are two expressions equivalent? Symbolic, then numeric probing.",
        (
            'equiv "exp(z1)/(exp(z1)+exp(z2))" "sigmoid(z1-z2)"',
            'equiv "sigmoid(z)*(1-sigmoid(z))" "exp(-z)/(1+exp(-z))**2"',
        ),
        "hwcheck.families.symbolic.request:EquivRequest",
        "hwcheck.families.symbolic.commands:equiv",
    )
)
for _name, _summary, _example in (
    (
        "sgd",
        "SGD trace (momentum, dampening, Nesterov, weight decay) as torch.optim.SGD computes it.",
        "sgd --steps 4",
    ),
    (
        "adam",
        "Adam trace with moments and bias corrections, as torch.optim.Adam computes it.",
        "adam --steps 4 --explain",
    ),
    (
        "adamw",
        "AdamW trace (decoupled weight decay), as torch.optim.AdamW computes it.",
        "adamw --steps 4 --weight-decay 0.01",
    ),
    (
        "rmsprop",
        "RMSprop trace (alpha, centered, momentum), as torch.optim.RMSprop computes it.",
        "rmsprop --steps 4",
    ),
    (
        "adagrad",
        "Adagrad trace (lr decay, initial accumulator), as torch.optim.Adagrad computes it.",
        "adagrad --steps 4",
    ),
):
    register(
        CommandSpec(
            _name,
            _summary,
            (_example, f'{_name} --problem quadratic --H "2 0; 0 1" --w0 "1 1" --steps 3'),
            f"hwcheck.families.optim.request:{_name.capitalize()}Request",
            f"hwcheck.families.optim.commands:{_name}",
        )
    )
register(
    CommandSpec(
        "gd-quadratic",
        "Gradient descent on ½wᵀHw: eigenvalues, learning-rate bounds, rate, trace.",
        (
            'gd-quadratic --H "2 0; 0 1" --lr 0.5 --steps 3 --w0 "1 1"',
            'gd-quadratic --H "3 1; 1 3" --newton --lr 1',
        ),
        "hwcheck.families.optim.request:GdQuadraticRequest",
        "hwcheck.families.optim.commands:gd_quadratic",
    )
)
register(
    CommandSpec(
        "check",
        "Check every claim of one or more answers files (TOML).",
        ("check examples.toml", "check examples.toml --json"),
        "hwcheck.answers.requests:CheckRequest",
        "hwcheck.answers.check:check",
        calculator=False,
    )
)
register(
    CommandSpec(
        "grade",
        "Grade a class: each student's answers against the instructor's key, with a class report.",
        (
            "grade tests/data/grade/key.toml tests/data/grade/submissions/alice.toml tests/data/grade/submissions/class.csv",
            "grade tests/data/grade/key.toml tests/data/grade/submissions --format markdown",
        ),
        "hwcheck.answers.grade.request:GradeRequest",
        "hwcheck.answers.grade.command:grade",
        formats=("table", "json", "markdown", "latex"),
        calculator=False,
    )
)
register(
    CommandSpec(
        "key",
        "Fill every claim of a draft key with the computed values (prints the key as TOML).",
        ("key tests/data/grade/draft.toml",),
        "hwcheck.answers.grade.request:KeyRequest",
        "hwcheck.answers.grade.draft:fill_key",
        formats=("table", "json"),
        calculator=False,
    )
)
