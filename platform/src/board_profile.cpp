// Board profiles from JSON, validated field by field (errors name the file and the field).
#include "tinytx/platform/board_profile.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tinytx::platform {

using nlohmann::json;

uint32_t CycleModel::of(const std::string &cls) const
{
    auto it = cycles.find(cls);
    if (it != cycles.end()) return it->second;
    auto other = cycles.find("other");
    return other != cycles.end() ? other->second : 1;
}

const MemoryRegion *BoardProfile::region(const std::string &n) const
{
    for (const MemoryRegion &r : memory)
        if (r.name == n) return &r;
    return nullptr;
}

bool is_ram_kind(const std::string &kind)
{
    return kind == "ram" || kind == "tcm" || kind == "l1" || kind == "l2";
}

namespace {

struct Fields {
    const std::string &where;
    [[noreturn]] void fail(const std::string &field, const std::string &why) const
    {
        throw InvalidArgument(where + ": field '" + field + "' " + why);
    }
    const json &get(const json &o, const std::string &key, const std::string &path) const
    {
        if (!o.is_object()) fail(path, "must be an object");
        auto it = o.find(key);
        if (it == o.end()) fail(path.empty() ? key : path + "." + key, "is missing");
        return *it;
    }
    std::string str(const json &o, const std::string &key, const std::string &path,
                    bool required = true) const
    {
        if (!required && (!o.is_object() || !o.contains(key))) return {};
        const json &v = get(o, key, path);
        if (!v.is_string()) fail(path.empty() ? key : path + "." + key, "must be a string");
        return v.get<std::string>();
    }
    double num(const json &o, const std::string &key, const std::string &path) const
    {
        const json &v = get(o, key, path);
        if (!v.is_number() || v.get<double>() <= 0)
            fail(path.empty() ? key : path + "." + key, "must be a positive number");
        return v.get<double>();
    }
    uint32_t count(const json &o, const std::string &key, const std::string &path) const
    {
        const json &v = get(o, key, path);
        if (!v.is_number_unsigned()) fail(path + "." + key, "must be a non-negative integer");
        return v.get<uint32_t>();
    }
    RegionTiming timing(const json &o, const std::string &path) const
    {
        RegionTiming t;
        t.load_wait = count(o, "load_wait", path);
        t.store_wait = count(o, "store_wait", path);
        t.source = str(o, "source", path);
        if (t.source.empty()) fail(path + ".source", "must say where the numbers come from");
        if (o.contains("calibratable")) {
            if (!o["calibratable"].is_boolean()) fail(path + ".calibratable", "must be true or false");
            t.calibratable = o["calibratable"].get<bool>();
        }
        return t;
    }
    std::vector<MemoryRegion> regions(const json &o, const std::string &key,
                                      const std::string &path) const
    {
        const std::string p = path.empty() ? key : path + "." + key;
        const json &v = get(o, key, path);
        if (!v.is_array() || v.empty()) fail(p, "must be a non-empty array of regions");
        std::vector<MemoryRegion> out;
        for (size_t i = 0; i < v.size(); ++i) {
            const std::string ip = p + "[" + std::to_string(i) + "]";
            MemoryRegion r;
            r.name = str(v[i], "name", ip);
            const std::string origin = str(v[i], "origin", ip);
            char *end = nullptr;
            const unsigned long long o2 = std::strtoull(origin.c_str(), &end, 16);
            if (origin.rfind("0x", 0) != 0 || *end || o2 > 0xFFFFFFFFull)
                fail(ip + ".origin", "must be a hexadecimal address like \"0x20000000\"");
            r.origin = uint32_t(o2);
            const double len = num(v[i], "length", ip);
            if (len > 4294967296.0 - double(r.origin)) fail(ip + ".length", "runs past 4 GiB");
            r.length = uint32_t(len);
            r.kind = str(v[i], "kind", ip, false);
            if (v[i].contains("timing")) r.timing = timing(v[i]["timing"], ip + ".timing");
            r.stands_for = str(v[i], "stands_for", ip, false);
            out.push_back(std::move(r));
        }
        return out;
    }
};

}  // namespace

BoardProfile parse_board_profile(const std::string &text, const std::string &where)
{
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error &e) {
        throw InvalidArgument(where + ": not valid JSON: " + e.what());
    }
    const Fields f{where};
    BoardProfile p;
    p.name = f.str(j, "name", "");
    if (p.name.empty()) f.fail("name", "must not be empty");
    p.description = f.str(j, "description", "", false);
    p.core = f.str(j, "core", "");
    if (p.core == "cortex-m4" || p.core == "cortex-m7")
        p.arch = Arch::kArm;
    else if (p.core == "rv32imc")
        p.arch = Arch::kRiscv32;
    else
        f.fail("core", "must be one of cortex-m4, cortex-m7, rv32imc (got '" + p.core + "')");
    p.clock_hz = uint64_t(f.num(j, "clock_hz", ""));
    p.memory = f.regions(j, "memory", "");
    const json &emu = f.get(j, "emulator", "");
    p.qemu_system = f.str(emu, "qemu_system", "emulator");
    p.qemu_machine = f.str(emu, "qemu_machine", "emulator");
    p.qemu_cpu = f.str(emu, "qemu_cpu", "emulator", false);
    if (emu.contains("insns_per_tick")) {
        if (!emu["insns_per_tick"].is_number_unsigned())
            f.fail("emulator.insns_per_tick", "must be a non-negative integer");
        p.emulator_insns_per_tick = emu["insns_per_tick"].get<uint32_t>();
    }
    p.emulator_memory = f.regions(emu, "memory", "emulator");
    for (size_t i = 0; i < p.emulator_memory.size(); ++i) {
        const std::string &s = p.emulator_memory[i].stands_for;
        if (!s.empty() && !p.region(s))
            f.fail("emulator.memory[" + std::to_string(i) + "].stands_for", "names no region of the board ('" + s + "')");
    }
    p.emulator_arena = f.str(emu, "arena", "emulator", false);
    if (!p.emulator_arena.empty() && (!p.region(p.emulator_arena) || !is_ram_kind(p.region(p.emulator_arena)->kind)))
        f.fail("emulator.arena", "must name a RAM-like region of the board ('" + p.emulator_arena + "')");
    const json &cm = f.get(j, "cycle_model", "");
    p.cycle_model.source = f.str(cm, "source", "cycle_model");
    if (p.cycle_model.source.empty()) f.fail("cycle_model.source", "must say where the numbers come from");
    const json &cycles = f.get(cm, "cycles", "cycle_model");
    if (!cycles.is_object() || cycles.empty()) f.fail("cycle_model.cycles", "must be a non-empty object");
    for (auto it = cycles.begin(); it != cycles.end(); ++it) {
        if (!it.value().is_number_unsigned())
            f.fail("cycle_model.cycles." + it.key(), "must be a non-negative integer");
        p.cycle_model.cycles[it.key()] = it.value().get<uint32_t>();
    }
    const json &power = f.get(j, "power", "");
    p.active_mw = f.num(power, "active_mw", "power");
    p.power_source = f.str(power, "source", "power");
    if (j.contains("openocd")) {
        const json &oc = j["openocd"];
        if (oc.contains("config")) {
            if (!oc["config"].is_array()) f.fail("openocd.config", "must be an array of strings");
            for (const auto &c : oc["config"]) {
                if (!c.is_string()) f.fail("openocd.config", "must be an array of strings");
                p.openocd_config.push_back(c.get<std::string>());
            }
        }
    }
    return p;
}

namespace {

json regions_json(const std::vector<MemoryRegion> &regions)
{
    json out = json::array();
    for (const MemoryRegion &r : regions) {
        char origin[16];
        std::snprintf(origin, sizeof origin, "0x%08X", r.origin);
        json j = {{"name", r.name}, {"origin", origin}, {"length", r.length}};
        if (!r.kind.empty()) j["kind"] = r.kind;
        if (!r.timing.source.empty())
            j["timing"] = {{"load_wait", r.timing.load_wait}, {"store_wait", r.timing.store_wait},
                           {"source", r.timing.source}, {"calibratable", r.timing.calibratable}};
        if (!r.stands_for.empty()) j["stands_for"] = r.stands_for;
        out.push_back(std::move(j));
    }
    return out;
}

}  // namespace

std::string board_profile_json(const BoardProfile &p)
{
    json emu = {{"qemu_system", p.qemu_system}, {"qemu_machine", p.qemu_machine}, {"qemu_cpu", p.qemu_cpu},
                {"insns_per_tick", p.emulator_insns_per_tick}, {"memory", regions_json(p.emulator_memory)}};
    if (!p.emulator_arena.empty()) emu["arena"] = p.emulator_arena;
    json j = {{"name", p.name},
              {"description", p.description},
              {"core", p.core},
              {"clock_hz", p.clock_hz},
              {"memory", regions_json(p.memory)},
              {"emulator", emu},
              {"cycle_model", {{"source", p.cycle_model.source}, {"cycles", p.cycle_model.cycles}}},
              {"power", {{"active_mw", p.active_mw}, {"source", p.power_source}}},
              {"openocd", {{"config", p.openocd_config}}}};
    return j.dump(2) + "\n";
}

BoardCatalog BoardCatalog::load_dir(const std::string &dir)
{
    namespace fs = std::filesystem;
    BoardCatalog cat;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw InvalidArgument("board profile directory '" + dir + "' does not exist");
    std::vector<fs::path> files;
    for (const auto &e : fs::directory_iterator(dir))
        if (e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto &path : files) {
        std::ifstream in(path);
        std::stringstream ss;
        ss << in.rdbuf();
        cat.add(parse_board_profile(ss.str(), path.string()));
    }
    if (cat.boards_.empty()) throw InvalidArgument("no board profile (*.json) in '" + dir + "'");
    return cat;
}

std::string BoardCatalog::default_dir()
{
    if (const char *env = std::getenv("TINYTX_BOARDS_DIR")) return env;
    return TINYTX_SOURCE_BOARDS_DIR;
}

const BoardProfile &BoardCatalog::get(const std::string &name) const
{
    auto it = boards_.find(name);
    if (it != boards_.end()) return it->second;
    // boards are printed in capitals on their silkscreen (NUCLEO-H743ZI): any case names the profile
    auto lower = [](std::string s) {
        std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
        return s;
    };
    for (const auto &[n, p] : boards_)
        if (lower(n) == lower(name)) return p;
    std::string known;
    for (const auto &n : names()) known += (known.empty() ? "" : ", ") + n;
    throw InvalidArgument("unknown board '" + name + "'; known boards: " + known);
}

std::vector<std::string> BoardCatalog::names() const
{
    std::vector<std::string> out;
    for (const auto &[n, p] : boards_) out.push_back(n);
    return out;
}

void BoardCatalog::add(BoardProfile p)
{
    const std::string name = p.name;
    boards_[name] = std::move(p);
}

}  // namespace tinytx::platform
