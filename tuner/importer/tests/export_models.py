#!/usr/bin/python3
"""Exports the importer's test models with Debian's python3-torch (1.13): small encoders with
random weights (fixed seeds), their calibration inputs and torch's own outputs on them.

    /usr/bin/python3 tuner/importer/tests/export_models.py OUT_DIR

Per model OUT_DIR gets <name>.onnx, <name>.calib.npy (inputs [N][S][features], fed one at a
time as the graph's batch of 1) and <name>.ref.npy (torch's output per input), plus
manifest.json saying what the importer must do with each: import it (and how accurately) or
refuse it (and which node the message must name). Exit 77 when torch is missing (CTest: skip).
"""

import json
import math
import os
import sys
import warnings

try:
    import numpy as np
    import torch
    from torch import nn
except ImportError as e:  # pragma: no cover
    print("export_models: %s: install python3-torch (scripts/setup.sh)" % e, file=sys.stderr)
    sys.exit(77)

warnings.filterwarnings("ignore")
CALIB = 16


class HandLayerNorm(nn.Module):
    """LayerNorm written out, so that it exports decomposed (mean, variance, rsqrt)."""

    def __init__(self, e, eps=1e-5):
        super().__init__()
        self.g, self.b, self.eps = nn.Parameter(1 + 0.1 * torch.randn(e)), nn.Parameter(0.1 * torch.randn(e)), eps

    def forward(self, x):
        mu = x.mean(-1, keepdim=True)
        var = ((x - mu) * (x - mu)).mean(-1, keepdim=True)
        return (x - mu) * torch.rsqrt(var + self.eps) * self.g + self.b


class HandLayer(nn.Module):
    """A post-norm encoder layer from MatMul / Reshape / Transpose / Softmax, with P != E / H
    (EEGFormer: E=32, H=8, P=32), scaling on the scores, erf GELU written out."""

    def __init__(self, e, h, p, f):
        super().__init__()
        self.h, self.p = h, p
        self.q, self.k, self.v = nn.Linear(e, h * p), nn.Linear(e, h * p), nn.Linear(e, h * p)
        self.o = nn.Linear(h * p, e)
        self.n1, self.n2 = HandLayerNorm(e), HandLayerNorm(e)
        self.f1, self.f2 = nn.Linear(e, f), nn.Linear(f, e)

    def forward(self, x):                       # x [B][S][E]
        b, s, _ = x.shape

        def heads(t):
            return t.reshape(b, s, self.h, self.p).transpose(1, 2)

        q, k, v = heads(self.q(x)), heads(self.k(x)), heads(self.v(x))
        a = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(self.p)), dim=-1)
        o = torch.matmul(a, v).transpose(1, 2).reshape(b, s, self.h * self.p)
        x = self.n1(x + self.o(o))
        hid = self.f1(x)
        hid = 0.5 * hid * (1.0 + torch.erf(hid / math.sqrt(2.0)))
        return self.n2(x + self.f2(hid))


class PerHeadLayer(nn.Module):
    """Attention as a loop over heads (a Softmax per head, Concat before the output projection),
    Q scaled before the product, tanh-approximated GELU, nn.LayerNorm."""

    def __init__(self, e, h, p, f):
        super().__init__()
        self.h, self.p = h, p
        self.qkv = nn.Linear(e, 3 * h * p)
        self.o = nn.Linear(h * p, e)
        self.n1, self.n2 = nn.LayerNorm(e), nn.LayerNorm(e)
        self.ff = nn.Sequential(nn.Linear(e, f), nn.GELU(approximate="tanh"), nn.Linear(f, e))

    def forward(self, x):                       # x [S][E]
        hp = self.h * self.p
        qkv = self.qkv(x)
        outs = []
        for i in range(self.h):
            sl = slice(i * self.p, (i + 1) * self.p)
            q = qkv[:, sl] / math.sqrt(self.p)
            k = qkv[:, hp:][:, sl]
            v = qkv[:, 2 * hp:][:, sl]
            outs.append(torch.softmax(q @ k.t(), dim=-1) @ v)
        x = self.n1(x + self.o(torch.cat(outs, dim=-1)))
        return self.n2(x + self.ff(x))


class Classifier(nn.Module):
    """Linear embedding + positional constant -> encoder -> mean pooling -> linear head."""

    def __init__(self, features, s, encoder, e, classes):
        super().__init__()
        self.emb = nn.Linear(features, e)
        self.register_buffer("pos", 0.1 * torch.randn(1, s, e))
        self.enc = encoder
        self.head = nn.Linear(e, classes)

    def forward(self, x):                       # x [B][S][features]
        return self.head(self.enc(self.emb(x) + self.pos).mean(dim=1))


class PooledNormClassifier(Classifier):
    """A LayerNorm after the mean pooling, not of every token: the head cannot map (a warning)."""

    def __init__(self, features, s, encoder, e, classes):
        super().__init__(features, s, encoder, e, classes)
        self.norm = nn.LayerNorm(e)

    def forward(self, x):
        return self.head(self.norm(self.enc(self.emb(x) + self.pos).mean(dim=1)))


class ConvInTheMiddle(nn.Module):
    def __init__(self, e, h, f):
        super().__init__()
        self.a = nn.TransformerEncoderLayer(e, h, f, dropout=0.0, batch_first=True)
        self.conv = nn.Conv1d(e, e, 3, padding=1)
        self.b = nn.TransformerEncoderLayer(e, h, f, dropout=0.0, batch_first=True)

    def forward(self, x):
        x = self.a(x)
        x = self.conv(x.transpose(1, 2)).transpose(1, 2)
        return self.b(x)


class CausalDecoder(nn.Module):
    """A decoder layer over its own input with a causal mask (GPT style)."""

    def __init__(self, e, h, f, s):
        super().__init__()
        self.dec = nn.TransformerDecoderLayer(e, h, f, dropout=0.0, batch_first=True)
        self.register_buffer("mask", torch.triu(torch.full((s, s), float("-inf")), diagonal=1))

    def forward(self, x):
        return self.dec(x, x, tgt_mask=self.mask)


def torch_layer(e, h, f, act, batch_first, norm_first=False):
    return nn.TransformerEncoderLayer(e, h, f, dropout=0.1, activation=act, batch_first=batch_first,
                                      norm_first=norm_first)


# name, builder, S, features, layout (bsf / sbf / sf), opset, expectation
MODELS = [
    ("mha_bf_gelu", lambda: torch_layer(32, 8, 64, "gelu", True), 16, 32, "bsf", 14, {"cosine": 0.99}),
    ("mha_sf_relu", lambda: torch_layer(32, 4, 64, "relu", False), 16, 32, "sbf", 17, {"cosine": 0.99}),
    ("mha_2layers", lambda: nn.TransformerEncoder(torch_layer(16, 4, 48, "gelu", True), 2, enable_nested_tensor=False),
     12, 16, "bsf", 14, {"cosine": 0.99}),
    ("eeg_mha", lambda: torch_layer(32, 8, 128, "gelu", True), 81, 32, "bsf", 14, {"cosine": 0.99}),
    ("eeg_hand", lambda: Classifier(16, 81, HandLayer(32, 8, 32, 128), 32, 5), 81, 16, "bsf", 14,
     {"cosine": 0.99, "P": 32}),
    ("perhead_sf", lambda: PerHeadLayer(16, 2, 8, 32), 10, 16, "sf", 17, {"cosine": 0.99}),
    ("prenorm", lambda: torch_layer(32, 8, 64, "gelu", True, norm_first=True), 16, 32, "bsf", 14,
     {"cosine": 0.99, "norm": "pre"}),
    # ViT-like: a pre-norm stack with its final LayerNorm, mean pooling and a linear head: the whole
    # network integer
    ("prenorm_vit", lambda: Classifier(12, 12, nn.TransformerEncoder(
        torch_layer(16, 4, 48, "gelu", True, norm_first=True), 2, norm=nn.LayerNorm(16),
        enable_nested_tensor=False), 16, 5), 12, 12, "bsf", 14,
     {"cosine": 0.99, "norm": "pre", "final_norm": True}),
    ("decoder_causal", lambda: CausalDecoder(32, 4, 64, 16), 16, 32, "bsf", 14,
     {"refused": ["mask", "(Add)"]}),
    # exported under torch.no_grad(): torch's fused encoder fast path, an ATen fallback node
    ("fastpath_aten", lambda: torch_layer(32, 4, 64, "relu", True), 16, 32, "bsf", 14,
     {"refused": ["_transformer_encoder_layer_fwd", "outside torch.no_grad()"], "export": "no_grad"}),
    ("conv_middle", lambda: ConvInTheMiddle(32, 4, 64), 16, 32, "bsf", 14, {"refused": ["(Conv)"]}),
    # the norm after the pooling: the encoder and embedding import, the head stays float, saying why
    ("pooled_norm", lambda: PooledNormClassifier(12, 12, torch_layer(16, 4, 48, "gelu", True, norm_first=True), 16,
                                                 5), 12, 12, "bsf", 14,
     {"cosine": 0.99, "norm": "pre", "warning": ["the head stays float on the host", "LayerNorm",
                                                 "maps before the pooling"]}),
]


def feed(x, layout):
    return {"bsf": x[None], "sbf": x[:, None], "sf": x}[layout]


def export(out, name, build, S, F, layout, opset, seed, how):
    torch.manual_seed(seed)
    model = build().eval()
    calib = torch.randn(CALIB, S, F)
    args = (model, (feed(calib[0], layout),), os.path.join(out, name + ".onnx"))
    kw = dict(opset_version=opset, input_names=["x"], output_names=["y"])
    if how == "no_grad":
        # what a user's export under no_grad gives: torch 1.13 takes its fused encoder fast path,
        # which ONNX has no operator for (exported only as an ATen fallback)
        with torch.no_grad():
            torch.onnx.export(*args, operator_export_type=torch.onnx.OperatorExportTypes.ONNX_ATEN_FALLBACK, **kw)
    else:
        torch.onnx.export(*args, **kw)  # with gradients on: plain operators
    with torch.no_grad():
        ref = np.stack([model(feed(c, layout)).numpy() for c in calib])
    np.save(os.path.join(out, name + ".calib.npy"), calib.numpy())
    np.save(os.path.join(out, name + ".ref.npy"), ref)


def main(argv):
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 1
    out = argv[0]
    os.makedirs(out, exist_ok=True)
    manifest = []
    for i, (name, build, S, F, layout, opset, expect) in enumerate(MODELS):
        export(out, name, build, S, F, layout, opset, 1000 + i, expect.pop("export", "plain"))
        manifest.append(dict(name=name, S=S, features=F, layout=layout, opset=opset, **expect))
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump({"generator": "export_models.py (torch %s)" % torch.__version__, "models": manifest}, f, indent=1)
    print("exported %d models into %s (torch %s)" % (len(MODELS), out, torch.__version__))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
