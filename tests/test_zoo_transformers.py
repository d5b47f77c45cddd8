"""The three transformer zoo entries against their reference implementations.

GPT-2 small, BERT-base and ViT-B/16 are built by Hugging Face ``transformers`` from their
configurations on torch's meta device (shapes without storage or weights), and every count
hwcheck gives, the totals and each named module's, is compared with the parameters the reference
holds; the published totals (the model cards and torchvision's documentation) are checked as well.
The new layer kinds these files use (``position_embedding``, ``segment_embedding``,
``class_token``, a ``tied`` dense) are checked against ``torch.nn`` directly.
"""

from __future__ import annotations

import pytest

import hwcheck
from hwcheck.core.errors import HwcheckError

PUBLISHED = {"gpt2": 124_439_808, "bert_base": 109_482_240, "vit_b16": 86_567_656}


@pytest.fixture(scope="module")
def references():
    """Each reference built once, from its configuration only, on the meta device."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    with torch.device("meta"):
        return {
            "gpt2": transformers.GPT2LMHeadModel(transformers.GPT2Config()),
            "bert_base": transformers.BertModel(transformers.BertConfig()),
            "vit_b16": transformers.ViTForImageClassification(
                transformers.ViTConfig(num_labels=1000)
            ),
        }


def unique_count(module) -> int:
    """Parameters as torch counts them: a tied weight once."""
    return sum(p.numel() for p in {id(p): p for p in module.parameters()}.values())


def rows(name: str) -> dict[str, dict]:
    return {row["name"]: row for row in hwcheck.params(model=f"zoo:{name}").layers}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_published_totals(name):
    r = hwcheck.params(model=name)
    assert r.total_params == r.trainable_params == PUBLISHED[name]


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_totals_equal_the_reference(name, references):
    assert unique_count(references[name]) == hwcheck.params(model=name).total_params


def test_gpt2_module_by_module(references):
    ref, got = references["gpt2"].transformer, rows("gpt2")
    assert got["wte"]["params"] == unique_count(ref.wte)
    assert got["wpe"]["params"] == unique_count(ref.wpe)
    for i, block in enumerate(ref.h):
        assert got[f"h.{i}.attn"]["params"] == unique_count(block.attn)
        assert got[f"h.{i}.ln_1"]["params"] == unique_count(block.ln_1)
        assert got[f"h.{i}.mlp.c_fc"]["params"] == unique_count(block.mlp.c_fc)
        assert got[f"h.{i}.mlp.c_proj"]["params"] == unique_count(block.mlp.c_proj)
    assert got["ln_f"]["params"] == unique_count(ref.ln_f)
    head = references["gpt2"].lm_head
    assert head.weight is ref.wte.weight and got["lm_head"]["params"] == 0  # tied, counted once


def test_bert_module_by_module(references):
    ref, got = references["bert_base"], rows("bert_base")
    emb = ref.embeddings
    assert got["embeddings.word_embeddings"]["params"] == unique_count(emb.word_embeddings)
    assert got["embeddings.position_embeddings"]["params"] == unique_count(emb.position_embeddings)
    assert got["embeddings.token_type_embeddings"]["params"] == unique_count(
        emb.token_type_embeddings
    )
    for i, layer in enumerate(ref.encoder.layer):
        at = f"encoder.layer.{i}."
        assert got[at + "attention.self"]["params"] == unique_count(layer.attention) - unique_count(
            layer.attention.output.LayerNorm
        )
        assert got[at + "intermediate.dense"]["params"] == unique_count(layer.intermediate)
        assert got[at + "output.dense"]["params"] == unique_count(layer.output.dense)
    assert got["pooler.dense"]["params"] == unique_count(ref.pooler)


def test_vit_module_by_module(references):
    ref, got = references["vit_b16"], rows("vit_b16")
    emb = ref.vit.embeddings
    assert got["conv_proj"]["params"] == unique_count(emb.patch_embeddings)
    assert got["class_token"]["params"] == emb.cls_token.numel()
    assert got["encoder.pos_embedding"]["params"] == emb.position_embeddings.numel()
    assert got["encoder.pos_embedding"]["output_shape"] == list(emb.position_embeddings.shape[1:])
    assert got["heads.head"]["params"] == unique_count(ref.classifier)


def test_reference_output_shapes(references):
    """The last layer's shape, run on the meta device: logits [T, vocab], pooled [768],
    class scores [1000]."""
    torch = pytest.importorskip("torch")
    tokens = torch.zeros(1, 1024, dtype=torch.long, device="meta")
    logits = references["gpt2"](tokens).logits
    assert list(logits.shape[1:]) == hwcheck.params(model="gpt2").output_shape
    pooled = references["bert_base"](tokens[:, :512]).pooler_output
    assert list(pooled.shape[1:]) == hwcheck.params(model="bert_base").output_shape
    image = torch.zeros(1, 3, 224, 224, device="meta")
    scores = references["vit_b16"](image).logits
    assert list(scores.shape[1:]) == hwcheck.params(model="vit_b16").output_shape


# ----------------------------------------------------------------- the new layer kinds


def test_position_and_segment_embedding_against_torch():
    nn = pytest.importorskip("torch.nn")
    r = hwcheck.params(spec="10x8 | position_embedding 16 | segment_embedding")
    assert [x["params"] for x in r.layers] == [
        sum(p.numel() for p in nn.Embedding(16, 8).parameters()),
        sum(p.numel() for p in nn.Embedding(2, 8).parameters()),
    ]
    assert [x["output_shape"] for x in r.layers] == [[10, 8], [10, 8]]
    assert hwcheck.params(spec="10x8 | position_embedding").total_params == 80  # length = T
    assert hwcheck.rf(spec="10x8 | position_embedding").rf == [1]  # adds per position: no mixing
    with pytest.raises(HwcheckError, match="not supported"):
        hwcheck.rf(spec="10x8 | class_token")  # every position moves by one


def test_class_token_against_torch():
    torch = pytest.importorskip("torch")
    token = torch.nn.Parameter(torch.zeros(1, 1, 8))
    x = torch.zeros(1, 10, 8)
    out = torch.cat([token.expand(1, -1, -1), x], dim=1)
    r = hwcheck.params(spec="10x8 | class_token")
    assert r.layers[0]["output_shape"] == list(out.shape[1:])
    assert r.total_params == token.numel()


def test_tied_dense_counts_no_weights_but_its_macs():
    r = hwcheck.params(spec="5 | embedding 100 8 | dense 100 bias=false tied=true")
    assert r.total_params == 800
    assert r.layers[1]["macs"] == 5 * 8 * 100


@pytest.mark.parametrize(
    "spec, where",
    [
        ("10x8 | position_embedding 4", "length 4 holds fewer positions"),
        ("4x4x8 | class_token", "expects a sequence"),
        ("4x4x8 | position_embedding", "expects a sequence"),
        ("5 | embedding 100 8 | dense 100 tied=true", "no bias"),
    ],
)
def test_bad_new_layers(spec, where):
    with pytest.raises(HwcheckError, match=where):
        hwcheck.params(spec=spec)
