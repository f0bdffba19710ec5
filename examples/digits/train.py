#!/usr/bin/python3
"""Small transformer classifiers trained on real data, for the README's example and the tests.

The data: the UCI handwritten digits as scikit-learn ships them (Debian: python3-sklearn,
sklearn.datasets.load_digits: 1,797 images of 8x8 pixels, 16 grey levels, 10 classes). Each
image is a sequence of S = 8 rows of 8 features. The model, as a user would write it in PyTorch:
a linear embedding (8 -> E) with a learned positional term, nn.TransformerEncoder (post-norm,
E = 32, H = 4, F = 64, two layers), mean pooling over the rows and a linear head (E -> 10). With --cls, the other common form
(ViT, KWT): pre-norm layers (norm_first=True) ending with a final LayerNorm, a learned CLS token
before the embedded rows, the positional term over all S + 1 tokens, and the head reading the CLS
token's output.

    /usr/bin/python3 examples/digits/train.py [--cls] [OUT_DIR]     (default: this folder)

writes digits.onnx (digits_cls.onnx with --cls) (exported with gradients on: torch 1.13 has no ONNX export of the encoder's
no_grad fast path), digits.calib.npy (128 training images, the importer's calibration set),
digits_test.npz (x: the 360 test images [N][8][8] float32, y: their labels) and prints the float
test accuracy. With --cls only the model and its calibration set (digits_cls.calib.npy, the same
images) are written: the test set is the same. Seeded: the same torch version gives the same files.
"""

import os
import sys

import numpy as np

try:
    import torch
    from torch import nn
    from sklearn.datasets import load_digits
except ImportError as e:  # pragma: no cover
    print("train.py: %s: install python3-torch and python3-sklearn" % e, file=sys.stderr)
    sys.exit(77)

S, FEATURES, E, H, F, LAYERS, CLASSES = 8, 8, 32, 4, 64, 2, 10
TEST, CALIB, EPOCHS = 360, 128, 60


class DigitsTransformer(nn.Module):
    def __init__(self, cls=False):
        super().__init__()
        self.embed = nn.Linear(FEATURES, E)
        self.cls = nn.Parameter(0.02 * torch.randn(1, 1, E)) if cls else None
        self.pos = nn.Parameter(0.02 * torch.randn(1, S + cls, E))
        layer = nn.TransformerEncoderLayer(E, H, F, dropout=0.1, activation="gelu", batch_first=True,
                                           norm_first=cls)
        # the ViT form ends a pre-norm stack with a LayerNorm of its own
        self.encoder = nn.TransformerEncoder(layer, LAYERS, norm=nn.LayerNorm(E) if cls else None,
                                             enable_nested_tensor=False)
        self.head = nn.Linear(E, CLASSES)

    def forward(self, x):                      # x [B][S][FEATURES]
        t = self.embed(x)
        if self.cls is None:
            return self.head(self.encoder(t + self.pos).mean(dim=1))
        t = torch.cat([self.cls.expand(x.shape[0], 1, E), t], dim=1)
        return self.head(self.encoder(t + self.pos)[:, 0])


def data():
    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)    # [N][8][8] in [0, 1]
    y = d.target.astype(np.int64)
    order = np.random.default_rng(7).permutation(len(x))
    x, y = x[order], y[order]
    return x[TEST:], y[TEST:], x[:TEST], y[:TEST]


def main(argv):
    cls = "--cls" in argv
    argv = [a for a in argv if a != "--cls"]
    if any(a.startswith("-") for a in argv) or len(argv) > 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = argv[0] if argv else os.path.dirname(os.path.abspath(__file__))
    name = "digits_cls" if cls else "digits"
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(7)
    xtr, ytr, xte, yte = data()
    model = DigitsTransformer(cls)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, EPOCHS)
    xt, yt = torch.from_numpy(xtr), torch.from_numpy(ytr)
    for _ in range(EPOCHS):
        model.train()
        for idx in torch.randperm(len(xt)).split(64):
            opt.zero_grad()
            nn.functional.cross_entropy(model(xt[idx]), yt[idx]).backward()
            opt.step()
        sched.step()
    model.eval()
    with torch.no_grad():
        acc = float((model(torch.from_numpy(xte)).argmax(-1).numpy() == yte).mean())
    # gradients on: under no_grad torch 1.13 takes the encoder's fast path, which has no export
    torch.onnx.export(model, (torch.from_numpy(xte[:1]),), os.path.join(out, name + ".onnx"), opset_version=14,
                      input_names=["x"], output_names=["logits"])
    np.save(os.path.join(out, name + ".calib.npy"), xtr[:CALIB])
    if not cls:
        np.savez(os.path.join(out, "digits_test.npz"), x=xte, y=yte)
    print("%s: float test top-1 %.4f on %d images (torch %s)" % (name, acc, len(xte), torch.__version__))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
