"""tinytx's integer numerics in Python: the operators of docs/NUMERICS.md (ops), the stage-by-stage
calibration of an encoder layer (calibration) and the model spec writer (spec). The golden model
(kernels/golden), the example-model generator (models/gen_models.py) and the ONNX importer
(tuner/importer) all import it; none of them imports another."""
