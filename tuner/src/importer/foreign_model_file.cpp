// What a file given as --model is when it is neither a model spec (JSON) nor ONNX: users reach
// for the file their training script wrote (torch.save), and a JSON parse error says nothing.
#include <fstream>
#include <string>

#include "tinytx/tuner/importer.h"

namespace tinytx::tuner {

namespace fs = std::filesystem;

namespace {

const char *kExport =
    "export the model to ONNX: model.eval(); torch.onnx.export(model, (example_input,), \"model.onnx\") "
    "with gradients on (not under torch.no_grad(), whose fast path torch 1.13 cannot export), then "
    "--model model.onnx (README \"Importing a PyTorch model\")";

}  // namespace

platform::Status foreign_model_file(const fs::path &path)
{
    using platform::Status;
    if (is_onnx_path(path))
        return {};
    std::ifstream in(path, std::ios::binary);
    std::string head(4096, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(in.gcount()));
    const size_t first = head.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || head[first] == '{')
        return {};  // empty or JSON: the spec loader says what is wrong with it
    const std::string name = path.filename().string();
    auto starts = [&](const std::string &magic) { return head.compare(0, magic.size(), magic) == 0; };
    // torch.save writes a zip whose entries are <name>/data.pkl, <name>/data/0, ... (torch >= 1.6)
    if (starts("PK\x03\x04"))
        return Status::invalid_argument(
            name + " is a zip archive" +
            (head.find("data.pkl") != std::string::npos ? " written by torch.save (a PyTorch checkpoint)" : "") +
            ", not a model spec or ONNX: " + kExport);
    // pickle protocol 2..5 (torch.save's legacy format, pickle.dump)
    if (head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x80 && head[1] >= 2 && head[1] <= 5)
        return Status::invalid_argument(
            name + " is a Python pickle (torch.save's legacy format or pickle.dump), not a model spec or ONNX: " +
            kExport);
    // ONNX is a protobuf ModelProto: field 1 (ir_version) first, then the producer's name
    if (static_cast<unsigned char>(head[0]) == 0x08 && head.find("pytorch") != std::string::npos)
        return Status::invalid_argument(name + " looks like an ONNX file without the .onnx extension: rename it to " +
                                        path.stem().string() + ".onnx");
    if (head.size() >= 8 && head.compare(4, 4, "TFL3") == 0)
        return Status::invalid_argument(name + " is a TensorFlow Lite model, not a model spec or ONNX: export the model "
                                               "to ONNX (tf2onnx) and give --model model.onnx");
    if (starts("\x89HDF"))
        return Status::invalid_argument(name + " is an HDF5 file (a Keras model?), not a model spec or ONNX: export the "
                                               "model to ONNX (tf2onnx) and give --model model.onnx");
    return Status::invalid_argument(name + " is not a model spec (JSON, schemas/json/model.schema.json) nor ONNX "
                                           "(.onnx): give a spec such as models/eegformer.json, or " +
                                    std::string(kExport));
}

}  // namespace tinytx::tuner
