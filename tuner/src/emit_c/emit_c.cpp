// emit_c: checks the inputs, plans the arena, computes the expected CRC on the host, assembles the
// folder (generated sources, the copied kernel and firmware files, Makefile, README) and writes it.
#include "tinytx/tuner/emit_c.h"

#include <fstream>
#include <sstream>

#include "emit_c_internal.h"
#include "tinytx/tuner/reference.h"

namespace tinytx::tuner {
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path &p, std::string &error)
{
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        error = "cannot read " + p.string();
        return "";
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace

EmitCResult emit_c(const Model &m, const Schedule &s, const fs::path &dir, const EmitCOptions &opt)
{
    EmitCResult r;
    try {
        const fs::path root = opt.source_root.empty() ? default_source_root() : opt.source_root;
        if (!fs::exists(root / "kernels/include/tinytx/kernels.h")) {
            r.error = "options.source_root: " + root.string() + " is not a tinytx source tree";
            return r;
        }
        if (dir.empty()) {
            r.error = "dir: empty";
            return r;
        }
        if (!s.model.empty() && s.model != m.name) {
            r.error = "schedule.model: '" + s.model + "' does not match the model '" + m.name + "'";
            return r;
        }
        PlanResult pr = plan_codegen(m, s);
        if (!pr.ok()) {
            r.error = pr.error;
            return r;
        }
        // what every target must print: the host reference in the same arena layout
        const ReferenceResult ref = run_reference(m, s);
        if (!ref.ok()) {
            r.error = "reference inference: " + ref.error;
            return r;
        }

        std::vector<emit_detail::FirmwareTarget> targets;
        const fs::path boards = opt.boards_dir.empty() ? root / "board-agents/boards" : opt.boards_dir;
        if (platform::Status st = emit_detail::firmware_targets(root, boards, targets); !st.ok()) {
            r.error = st.message();
            return r;
        }
        if (platform::Status st = emit_detail::cluster_target(boards, s, targets); !st.ok()) {
            r.error = st.message();
            return r;
        }
        std::vector<FirmwareSource> sources;
        if (auto e = read_firmware_sources(root, sources); !e.empty()) {
            r.error = "source list: " + e;
            return r;
        }

        if (platform::Status st = emit_detail::check_ends(m); !st.ok()) {
            r.error = st.message();
            return r;
        }
        size_t tensor_bytes = 0;
        std::string weights_c = c_model_data(m, s, "network_model.h", &tensor_bytes);
        std::string ends_c = emit_detail::ends_data(m, tensor_bytes);
        const emit_detail::Network n{m,         s, *pr.plan, ref.crc32, schedule_hash(s), std::move(weights_c),
                                     tensor_bytes + pr.plan->activation_bytes, std::move(ends_c),
                                     opt.measured_stack_bytes, opt.stack_source};
        std::vector<GeneratedFile> files = emit_detail::network_sources(n);
        files.push_back({"main.c", read_text(root / "tuner/src/emit_c/deploy/main.c", r.error)});
        if (!r.error.empty())
            return r;
        std::vector<std::string> fixed;
        if (platform::Status st = emit_detail::fixed_files(root, sources, targets, files, fixed); !st.ok()) {
            r.error = "kernel and firmware files: " + st.message();
            return r;
        }
        for (const std::string &rel : fixed) {
            files.push_back({rel, read_text(root / rel, r.error)});
            if (!r.error.empty())
                return r;
        }
        files.push_back({"Makefile", emit_detail::makefile(n, sources, targets)});
        files.push_back({"README.md", emit_detail::readme(n, targets)});

        // self-contained: nothing may point back into the source tree
        std::string root_text = fs::absolute(root).lexically_normal().string();
        while (root_text.size() > 1 && root_text.back() == '/')
            root_text.pop_back();
        for (const auto &f : files)
            if (root_text.size() > 1 && f.content.find(root_text) != std::string::npos) {
                r.error = f.name + ": refers to the source tree (" + root_text + ")";
                return r;
            }

        if (auto e = write_sources(files, dir); !e.empty()) {
            r.error = "dir: " + e;
            return r;
        }
        for (const auto &f : files)
            r.files.push_back(f.name);
        r.expected_crc32 = ref.crc32;
        r.arena_bytes = pr.plan->peak_bytes;
        r.targets.push_back("host");
        for (const auto &t : targets)
            r.targets.push_back(t.name);
        return r;
    } catch (const std::exception &e) {
        r.error = std::string("emit_c: ") + e.what();
        r.files.clear();
        return r;
    }
}

} // namespace tinytx::tuner
