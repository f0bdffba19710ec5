// Calibration from micro-benchmarks (calibration.h): per benchmark, the cycles of one loop
// iteration (the difference of a long and a short run, so call and harness overhead cancel) are
// a sum of instruction-class costs and wait states with counts known from fw_calib.c's bodies;
// the unknowns come from least squares over every benchmark and arena region.
#include "calibration.h"

#include <cmath>
#include <map>

namespace tinytx::agent {

namespace {

// fw_calib.c: iterations of the short and long run of each benchmark
constexpr double kShort = 16, kLong = 272;

// What one iteration of a benchmark executes: instruction classes and data accesses by target.
struct Benchmark {
    const char *name;
    std::map<std::string, double> classes;
    double arena_loads = 0, arena_stores = 0, flash_loads = 0;
};

// In fw_calib.c's order. Every loop ends in `subs` (alu) + a taken `bne`.
const std::vector<Benchmark> &benchmarks()
{
    static const std::vector<Benchmark> b = {
        {"alu8", {{"alu", 9}, {"branch_taken", 1}}},
        {"alu16", {{"alu", 17}, {"branch_taken", 1}}},
        {"branch_not_taken", {{"alu", 9}, {"branch_not_taken", 8}, {"branch_taken", 1}}},
        {"mul", {{"mul", 8}, {"alu", 1}, {"branch_taken", 1}}},
        {"mac", {{"mac", 8}, {"alu", 1}, {"branch_taken", 1}}},
        {"div", {{"div", 8}, {"alu", 1}, {"branch_taken", 1}}},
        {"dsp", {{"dsp", 8}, {"alu", 1}, {"branch_taken", 1}}},
        // two LDM of 4 registers: each alu + 4 x load_multiple_per_reg (cycle_model.h)
        {"load_multiple", {{"alu", 3}, {"load_multiple_per_reg", 8}, {"branch_taken", 1}}, 8, 0, 0},
        {"load", {{"load", 8}, {"alu", 1}, {"branch_taken", 1}}, 8, 0, 0},
        {"store", {{"store", 8}, {"alu", 1}, {"branch_taken", 1}}, 0, 8, 0},
        {"flash_load", {{"load", 8}, {"alu", 1}, {"branch_taken", 1}}, 0, 0, 8},
    };
    return b;
}

bool is_memory_benchmark(const Benchmark &b)
{
    return b.arena_loads > 0 || b.arena_stores > 0;
}

// Solves min |A x - y| through the normal equations (a handful of unknowns, well conditioned
// by construction); throws naming the unknown the benchmarks cannot separate.
std::vector<double> least_squares(const std::vector<std::vector<double>> &a, const std::vector<double> &y,
                                  const std::vector<std::string> &names)
{
    const size_t n = names.size();
    std::vector<std::vector<double>> m(n, std::vector<double>(n + 1, 0.0));
    for (size_t r = 0; r < a.size(); ++r)
        for (size_t i = 0; i < n; ++i) {
            for (size_t j = 0; j < n; ++j) m[i][j] += a[r][i] * a[r][j];
            m[i][n] += a[r][i] * y[r];
        }
    for (size_t c = 0; c < n; ++c) {
        size_t p = c;
        for (size_t r = c + 1; r < n; ++r)
            if (std::fabs(m[r][c]) > std::fabs(m[p][c])) p = r;
        if (std::fabs(m[p][c]) < 1e-9)
            throw InvalidArgument("calibration: the benchmarks cannot separate '" + names[c] + "'");
        std::swap(m[c], m[p]);
        for (size_t r = 0; r < n; ++r) {
            if (r == c) continue;
            const double f = m[r][c] / m[c][c];
            for (size_t k = c; k <= n; ++k) m[r][k] -= f * m[c][k];
        }
    }
    std::vector<double> x(n);
    for (size_t i = 0; i < n; ++i) x[i] = m[i][n] / m[i][i];
    return x;
}

// The unknowns: the cycle classes the benchmarks exercise, then the calibratable waits.
struct Unknowns {
    std::vector<std::string> names;
    std::map<std::string, size_t> index;
    void add(const std::string &n)
    {
        if (index.emplace(n, names.size()).second) names.push_back(n);
    }
};

std::string wait_name(const std::string &region, bool load)
{
    return region + (load ? ".load_wait" : ".store_wait");
}

}  // namespace

void require_calibratable(const BoardProfile &board)
{
    if (board.arch != Arch::kArm)
        throw InvalidArgument("calibrate: board " + board.name + " has core " + board.core +
                              "; the micro-benchmarks (fw_calib) are Cortex-M code (GAP9's cluster is "
                              "calibrated against GVSoC with fw_gap9_calib, docs/GAP9.md)");
}

CalibrationResult calibrate(AgentCore &core, const BoardProfile &board, const CalibrationRequest &req)
{
    require_calibratable(board);
    auto say = [&](const std::string &s) {
        if (req.progress) req.progress(s);
    };
    const MemoryRegion *flash = nullptr;
    for (const MemoryRegion &r : board.memory)
        if (r.kind == "flash" && !flash) flash = &r;
    // the arena regions to measure: every RAM-like region on the iss (it can move the arena);
    // elsewhere only where the image's link put it
    const std::string backend = req.backend.empty() ? "iss" : req.backend;
    std::vector<std::string> arenas;
    if (backend == "iss") {
        for (const MemoryRegion &r : board.memory)
            if (is_ram_kind(r.kind)) arenas.push_back(r.name);
    } else {
        arenas.push_back(board.emulator_arena);
    }
    if (arenas.empty() || arenas.front().empty())
        throw InvalidArgument("calibrate: board " + board.name + " names no arena region (emulator.arena)");

    Unknowns u;
    for (const Benchmark &b : benchmarks())
        for (const auto &[cls, count] : b.classes) u.add(cls);
    for (const std::string &a : arenas) {
        const MemoryRegion *r = board.region(a);
        if (r->timing.calibratable) {
            u.add(wait_name(a, true));
            u.add(wait_name(a, false));
        }
    }
    if (flash && flash->timing.calibratable) u.add(wait_name(flash->name, true));

    const size_t count = benchmarks().size();
    std::vector<std::vector<double>> rows;
    std::vector<double> y;
    std::vector<std::string> row_names;
    for (size_t ai = 0; ai < arenas.size(); ++ai) {
        const MemoryRegion &arena = *board.region(arenas[ai]);
        say("running fw_calib on " + board.name + " (" + backend + "), arena in " + arena.name + " [" +
            std::to_string(ai + 1) + "/" + std::to_string(arenas.size()) + "]");
        RunRequestData run;
        run.image = req.image;
        run.board = req.board;
        run.backend = req.backend;
        run.repeats = uint32_t(2 * count);
        run.deadline_ms = req.deadline_ms;
        if (backend == "iss") run.arena_region = arena.name;
        const Measurement m = core.run(run);
        if (m.status != RunStatus::kOk)
            throw CalibrationRunFailed("calibrate: the fw_calib run failed: " + std::string(to_string(m.status)) + ": " + m.error);
        if (m.cycles.size() != 2 * count)
            throw CalibrationRunFailed("calibrate: expected " + std::to_string(2 * count) + " measurements, got " +
                                  std::to_string(m.cycles.size()) + " (is the image fw_calib?)");
        for (size_t bi = 0; bi < count; ++bi) {
            const Benchmark &b = benchmarks()[bi];
            if (ai > 0 && !is_memory_benchmark(b)) continue;  // classes alone: once is enough
            std::vector<double> row(u.names.size(), 0.0);
            double known = 0;  // cycles of waits the profile fixes (not calibratable)
            for (const auto &[cls, n] : b.classes) row[u.index.at(cls)] += n;
            auto wait = [&](const MemoryRegion &r, bool load, double n) {
                if (n == 0) return;
                if (r.timing.calibratable) row[u.index.at(wait_name(r.name, load))] += n;
                else known += n * (load ? r.timing.load_wait : r.timing.store_wait);
            };
            wait(arena, true, b.arena_loads);
            wait(arena, false, b.arena_stores);
            if (flash) wait(*flash, true, b.flash_loads);
            const double per_iteration = (double(m.cycles[2 * bi + 1]) - double(m.cycles[2 * bi])) / (kLong - kShort);
            rows.push_back(row);
            y.push_back(per_iteration - known);
            row_names.push_back(std::string(b.name) + "@" + arena.name);
        }
    }
    say("fitting " + std::to_string(u.names.size()) + " figures to " + std::to_string(rows.size()) + " benchmarks");
    const std::vector<double> x = least_squares(rows, y, u.names);

    CalibrationResult out;
    out.profile = board;
    out.equations = rows.size();
    for (size_t r = 0; r < rows.size(); ++r) {
        double fit = 0;
        for (size_t i = 0; i < x.size(); ++i) fit += rows[r][i] * x[i];
        out.max_residual = std::max(out.max_residual, std::fabs(fit - y[r]));
    }
    const std::string how = "fitted by tinytx-agent calibrate (fw_calib, " + std::to_string(rows.size()) +
                            " micro-benchmarks, least squares, rounded to whole cycles) on the " + backend +
                            " backend" + (backend == "openocd" ? " (measured on the board)" : " (emulated, not a board)");
    auto rounded = [](double v) { return uint32_t(std::lround(std::max(0.0, v))); };
    for (size_t i = 0; i < u.names.size(); ++i) {
        const std::string &n = u.names[i];
        const auto dot = n.find('.');
        CalibratedFigure f{n, 0, x[i]};
        if (dot == std::string::npos) {
            f.profile = board.cycle_model.of(n);
            out.profile.cycle_model.cycles[n] = rounded(x[i]);
        } else {
            const std::string region = n.substr(0, dot);
            const bool load = n.substr(dot + 1) == "load_wait";
            for (MemoryRegion &r : out.profile.memory) {
                if (r.name != region) continue;
                uint32_t &w = load ? r.timing.load_wait : r.timing.store_wait;
                f.profile = w;
                w = rounded(x[i]);
                r.timing.source = how + "; before: " + board.region(region)->timing.source;
            }
        }
        out.figures.push_back(f);
    }
    out.profile.cycle_model.source = how + "; before: " + board.cycle_model.source;
    return out;
}

}  // namespace tinytx::agent
