// emit_c: the firmware targets of the folder, from the board profiles (which core, which emulated
// machine) and the linker scripts that exist for them.
#include <algorithm>
#include <map>
#include <regex>
#include <sstream>
#include <tuple>

#include "emit_c_internal.h"
#include "tinytx/platform/board_profile.h"

namespace tinytx::tuner::emit_detail {
namespace fs = std::filesystem;

platform::Status firmware_targets(const fs::path &root, const fs::path &boards_dir, std::vector<FirmwareTarget> &out)
{
    using platform::Status;
    platform::BoardCatalog catalog;
    try {
        catalog = platform::BoardCatalog::load_dir(boards_dir.string());
    } catch (const std::exception &e) {  // load_dir throws: a profile the catalog refuses
        return Status::invalid_argument("board profiles (" + boards_dir.string() + "): " + e.what());
    }
    std::map<std::string, FirmwareTarget> targets;
    for (const std::string &name : catalog.names()) {
        const platform::BoardProfile &b = catalog.get(name);
        const auto t = target_for_core(b.core);
        if (b.arch != platform::Arch::kArm || !t)
            continue;  // the export's images are Cortex-M ones
        std::string ld = name;
        std::replace(ld.begin(), ld.end(), '-', '_');
        if (!fs::exists(root / "kernels/firmware/ld" / (ld + ".ld")))
            continue;  // a board the firmware has no linker script for
        targets[name] = {name, *t, ld, {}, b.description.empty() ? name : b.description};

        // the board's emulated machine, linked like the Builder's agent images
        const std::string short_core = b.core.rfind("cortex-", 0) == 0 ? b.core.substr(7) : b.core;
        const std::string qname = "qemu-" + short_core;
        if (b.qemu_system.empty() || b.qemu_machine.empty() || targets.count(qname))
            continue;
        std::vector<std::string> run = {b.qemu_system, "-M", b.qemu_machine};
        if (!b.qemu_cpu.empty())
            run.insert(run.end(), {"-cpu", b.qemu_cpu});
        targets[qname] = {qname, *t, t->machine, run,
                          "QEMU " + b.qemu_machine + " (" + b.core + "), the emulated machine of " + name};
    }
    if (targets.empty())
        return Status::not_found("board profiles (" + boards_dir.string() + "): no Cortex-M board with a linker script");
    for (auto &[name, t] : targets)
        out.push_back(std::move(t));
    return {};
}

namespace {

// The MEMORY line of `script` whose ORIGIN is `origin`: its name ("" = none)
std::string memory_at(const std::string &script, uint64_t origin)
{
    static const std::regex line(R"(^\s*(\w+)\s*\([^)]*\)\s*:\s*ORIGIN\s*=\s*(0x[0-9A-Fa-f]+|\d+))");
    std::istringstream in(script);
    for (std::string l; std::getline(in, l);) {
        std::smatch m;
        if (std::regex_search(l, m, line) && std::stoull(m[2].str(), nullptr, 0) == origin)
            return m[1].str();
    }
    return "";
}

} // namespace

platform::Status place_regions(const fs::path &boards_dir, const Schedule &s, const std::vector<FirmwareTarget> &targets,
                               std::vector<GeneratedFile> &files)
{
    using platform::Status;
    if (s.layers.empty() || (s.layers[0].placement.empty() && s.layers[0].weights.empty()))
        return {};
    const auto t = std::find_if(targets.begin(), targets.end(), [&](const FirmwareTarget &x) { return x.name == s.board; });
    if (t == targets.end())
        return {};
    const auto file = std::find_if(files.begin(), files.end(), [&](const GeneratedFile &f) {
        return f.name == "kernels/firmware/ld/" + t->linker_script + ".ld";
    });
    if (file == files.end())
        return Status::internal("the linker script of " + s.board + " is not in the folder");
    platform::BoardProfile b;
    try {
        b = platform::BoardCatalog::load_dir(boards_dir.string()).get(s.board);
    } catch (const std::exception &e) {  // load_dir and get throw: no such board
        return Status::invalid_argument("schedule.board (" + s.board + "): " + e.what());
    }
    std::string &script = file->content;
    for (const auto &[alias, region, knob] : {std::tuple{"ARENA_RAM", s.layers[0].placement, "placement"},
                                              std::tuple{"WEIGHTS_RAM", s.layers[0].weights, "weights"}}) {
        if (region.empty())
            continue;
        const platform::MemoryRegion *r = b.region(region);
        const std::string memory = r ? memory_at(script, r->origin) : "";
        if (memory.empty())
            return Status::invalid_argument(std::string("layers[0].") + knob + ": " + file->name +
                                            " has no MEMORY region at the origin of " + s.board + "'s \"" + region +
                                            "\"");
        const std::regex alias_line("REGION_ALIAS\\(\"" + std::string(alias) + "\",\\s*\\w+\\);");
        if (!std::regex_search(script, alias_line))
            return Status::internal(file->name + ": no REGION_ALIAS of " + alias);
        script = std::regex_replace(script, alias_line,
                                    "REGION_ALIAS(\"" + std::string(alias) + "\", " + memory + ");  /* the tuned " +
                                        knob + ": " + region + " */");
    }
    return {};
}

platform::Status cluster_target(const fs::path &boards_dir, const Schedule &s, std::vector<FirmwareTarget> &out)
{
    using platform::Status;
    if (!uses_cluster(s))
        return {};
    try {
        const platform::BoardProfile b = platform::BoardCatalog::load_dir(boards_dir.string()).get(s.board);
        const auto t = target_for(b, s, true);
        if (!t.ok())
            return t.status();
        out.push_back({"gap9-sim", *t, t->machine, {"tinytx-pulp-run"},
                       "the " + b.name + " cluster in the tinytx GAP9 simulator (tinytx-pulp-run; its memory map, "
                       "not a GAP9 SDK image)",
                       true});
        return {};
    } catch (const std::exception &e) {  // load_dir and get throw: no such board
        return Status::invalid_argument("schedule.board (" + s.board + "): " + e.what());
    }
}

} // namespace tinytx::tuner::emit_detail
