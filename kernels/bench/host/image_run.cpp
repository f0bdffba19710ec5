// One bench image in the iss backend (see image_run.h).
#include "image_run.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

#include "tinytx/agent/iss/iss.h"
#include "tinytx/platform/elf_image.h"

namespace tinytx::bench {

namespace {

std::map<std::string, std::string> key_values(const std::string &line)
{
    std::map<std::string, std::string> kv;
    std::istringstream in(line);
    for (std::string tok; in >> tok;) {
        const auto eq = tok.find('=');
        if (eq != std::string::npos) kv[tok.substr(0, eq)] = tok.substr(eq + 1);
    }
    return kv;
}

uint64_t number(const std::map<std::string, std::string> &kv, const std::string &k)
{
    const auto it = kv.find(k);
    return it == kv.end() ? 0 : std::strtoull(it->second.c_str(), nullptr, 0);
}

}  // namespace

ImageResult run_image(const platform::BoardProfile &board, const std::string &elf_path)
{
    ImageResult out;
    out.path = elf_path;
    if (!std::filesystem::exists(elf_path)) {
        out.error = "image not found: " + elf_path;
        return out;
    }
    try {
        const platform::ElfImage image = platform::ElfImage::load_file(elf_path);
        agent::RunOptions opts;
        opts.repeats = 1;  // the image runs each configuration once: one window per VS line
        opts.deadline = std::chrono::milliseconds(15 * 60 * 1000);
        agent::iss::IssRunReport rep;
        const platform::Measurement m = agent::iss::run_iss(board, image, opts, {}, &rep);

        std::istringstream console(rep.console);
        for (std::string line; std::getline(console, line);) {
            if (line.rfind("NOTE", 0) == 0 || line.rfind("MISMATCH", 0) == 0 ||
                line.rfind("ERROR", 0) == 0)
                out.notes.push_back(line);
            if (line.rfind("VS ", 0) != 0) continue;
            const auto kv = key_values(line);
            VsRun r;
            r.shape = kv.count("shape") ? kv.at("shape") : "";
            r.impl = kv.count("impl") ? kv.at("impl") : "";
            r.mode = kv.count("mode") ? kv.at("mode") : "";
            r.sched = kv.count("sched") ? kv.at("sched") : "";
            r.tile_rows = int(number(kv, "T"));
            r.status = kv.count("status") ? std::atoi(kv.at("status").c_str()) : -1;
            r.crc = uint32_t(number(kv, "crc"));
            r.firmware_cycles = number(kv, "cycles");
            r.arena = number(kv, "arena");
            r.touched = number(kv, "touched");
            r.workspace = number(kv, "workspace");
            r.macs = number(kv, "macs");
            out.runs.push_back(r);
        }
        if (rep.windows.size() != out.runs.size()) {
            out.error = std::to_string(out.runs.size()) + " VS lines but " +
                        std::to_string(rep.windows.size()) + " measured windows";
            return out;
        }
        for (size_t i = 0; i < out.runs.size(); ++i) {
            out.runs[i].cycles = rep.windows[i].record.cycles;
            out.runs[i].instructions = rep.windows[i].record.instructions;
        }
        if (m.status != platform::RunStatus::kOk) {
            out.error = std::string("emulator: ") + platform::to_string(m.status) + " " + m.error;
            return out;
        }
        if (rep.exit_status.value_or(-1) != 0) {
            out.error = "the image exited with status " + std::to_string(rep.exit_status.value_or(-1));
            return out;
        }
        out.ok = true;
    } catch (const std::exception &e) {
        out.error = e.what();
    }
    return out;
}

}  // namespace tinytx::bench
