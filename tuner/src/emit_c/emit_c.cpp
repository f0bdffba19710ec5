// emit_c: checks the inputs, plans the arena, computes the expected CRC on the host, assembles the
// folder (generated sources, the copied kernel and firmware files, Makefile, README) and writes it.
#include "tinytx/tuner/emit_c.h"

#include "emit_c_internal.h"
#include "tinytx/tuner/reference.h"

namespace tinytx::tuner {
namespace fs = std::filesystem;

platform::Result<EmittedC> emit_c(const Model &m, const Schedule &s, const fs::path &dir, const EmitCOptions &opt)
{
    using platform::Status;
    try {
        const fs::path root = opt.source_root.empty() ? default_source_root() : opt.source_root;
        if (!fs::exists(root / "kernels/include/tinytx/kernels.h"))
            return Status::invalid_argument("options.source_root: " + root.string() + " is not a tinytx source tree");
        if (dir.empty())
            return Status::invalid_argument("dir: empty");
        if (!s.model.empty() && s.model != m.name)
            return Status::invalid_argument("schedule.model: '" + s.model + "' does not match the model '" + m.name +
                                            "'");
        const platform::Result<MemoryPlan> pr = plan_codegen(m, s);
        if (!pr.ok())
            return pr.status();
        // what every target must print: the host reference in the same arena layout
        const platform::Result<ReferenceOutput> ref = run_reference(m, s);
        if (!ref.ok())
            return ref.status().prefixed("reference inference: ");

        std::vector<emit_detail::FirmwareTarget> targets;
        const fs::path boards = opt.boards_dir.empty() ? root / "board-agents/boards" : opt.boards_dir;
        if (Status st = emit_detail::firmware_targets(root, boards, targets); !st.ok())
            return st;
        if (Status st = emit_detail::cluster_target(boards, s, targets); !st.ok())
            return st;
        std::vector<FirmwareSource> sources;
        if (Status st = read_firmware_sources(root, sources); !st.ok())
            return st.prefixed("source list: ");
        if (Status st = emit_detail::check_ends(m); !st.ok())
            return st;
        size_t tensor_bytes = 0;
        std::string weights_c = c_model_data(m, s, "network_model.h", &tensor_bytes);
        std::string ends_c = emit_detail::ends_data(m, tensor_bytes);
        const emit_detail::Network n{m,         s, *pr, ref->crc32, schedule_hash(s), std::move(weights_c),
                                     tensor_bytes + pr->activation_bytes, std::move(ends_c),
                                     opt.measured_stack_bytes, opt.stack_source};
        std::vector<GeneratedFile> files = emit_detail::network_sources(n);
        auto main_c = emit_detail::read_text(root / "tuner/src/emit_c/deploy/main.c");
        if (!main_c.ok())
            return main_c.status();
        files.push_back({"main.c", std::move(*main_c)});
        std::vector<std::string> fixed;
        if (Status st = emit_detail::fixed_files(root, sources, targets, files, fixed); !st.ok())
            return st.prefixed("kernel and firmware files: ");
        for (const std::string &rel : fixed) {
            auto text = emit_detail::read_text(root / rel);
            if (!text.ok())
                return text.status();
            files.push_back({rel, std::move(*text)});
        }
        if (Status st = emit_detail::place_regions(boards, s, targets, files); !st.ok())
            return st;
        files.push_back({"Makefile", emit_detail::makefile(n, sources, targets)});
        files.push_back({"README.md", emit_detail::readme(n, targets)});

        // self-contained: nothing may point back into the source tree
        std::string root_text = fs::absolute(root).lexically_normal().string();
        while (root_text.size() > 1 && root_text.back() == '/')
            root_text.pop_back();
        for (const auto &f : files)
            if (root_text.size() > 1 && f.content.find(root_text) != std::string::npos)
                return Status::internal(f.name + ": refers to the source tree (" + root_text + ")");

        if (Status st = write_sources(files, dir); !st.ok())
            return st.prefixed("dir: ");
        EmittedC r;
        for (const auto &f : files)
            r.files.push_back(f.name);
        r.expected_crc32 = ref->crc32;
        r.arena_bytes = pr->peak_bytes;
        r.targets.push_back("host");
        for (const auto &t : targets)
            r.targets.push_back(t.name);
        return r;
    } catch (const std::exception &e) {
        return Status::internal(std::string("emit_c: ") + e.what());
    }
}

} // namespace tinytx::tuner
