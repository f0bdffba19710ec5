#!/usr/bin/python3
"""A small transformer classifier trained on real data, for the README's example and the tests.

The data: the UCI handwritten digits as scikit-learn ships them (Debian: python3-sklearn,
sklearn.datasets.load_digits: 1,797 images of 8x8 pixels, 16 grey levels, 10 classes). Each
image is a sequence of S = 8 rows of 8 features. The model, as a user would write it in PyTorch:
a linear embedding (8 -> E) with a learned positional term, nn.TransformerEncoder (post-norm,
E = 32, H = 4, F = 64, two layers), mean pooling over the rows and a linear head (E -> 10).

    /usr/bin/python3 examples/digits/train.py [OUT_DIR]     (default: this folder)

writes digits.onnx (exported with gradients on: torch 1.13 has no ONNX export of the encoder's
no_grad fast path), digits.calib.npy (128 training images, the importer's calibration set),
digits_test.npz (x: the 360 test images [N][8][8] float32, y: their labels) and prints the float
test accuracy. Seeded: the same torch version gives the same files.
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
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(FEATURES, E)
        self.pos = nn.Parameter(0.02 * torch.randn(1, S, E))
        layer = nn.TransformerEncoderLayer(E, H, F, dropout=0.1, activation="gelu", batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
        self.head = nn.Linear(E, CLASSES)

    def forward(self, x):                      # x [B][S][FEATURES]
        return self.head(self.encoder(self.embed(x) + self.pos).mean(dim=1))


def data():
    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)    # [N][8][8] in [0, 1]
    y = d.target.astype(np.int64)
    order = np.random.default_rng(7).permutation(len(x))
    x, y = x[order], y[order]
    return x[TEST:], y[TEST:], x[:TEST], y[:TEST]


def main(argv):
    out = argv[0] if argv else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(7)
    xtr, ytr, xte, yte = data()
    model = DigitsTransformer()
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
    torch.onnx.export(model, (torch.from_numpy(xte[:1]),), os.path.join(out, "digits.onnx"), opset_version=14,
                      input_names=["x"], output_names=["logits"])
    np.save(os.path.join(out, "digits.calib.npy"), xtr[:CALIB])
    np.savez(os.path.join(out, "digits_test.npz"), x=xte, y=yte)
    print("digits: float test top-1 %.4f on %d images (torch %s)" % (acc, len(xte), torch.__version__))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
