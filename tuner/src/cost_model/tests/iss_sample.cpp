// Seeded design-space sample, built by the Builder and measured through the Runner's in-process
// agent (the same path the tuning loop takes): on the ISS backend, or for a board with a cluster
// (gap9) on the pulp backend with the cluster knobs in the space, as tuning.cpp does for "pulp".
#include "iss_sample.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include "tinytx/agent/agent_core.h"
#include "tinytx/agent/iss/iss.h"
#include "tinytx/platform/board_profile.h"
#include "tinytx/tuner/builder.h"
#include "tinytx/tuner/design_space.h"
#include "tinytx/tuner/model.h"
#include "tinytx/tuner/reference.h"
#include "tinytx/tuner/runner.h"

namespace tinytx::tuner::iss_sample {

namespace {

// FNV-1a: a seed per (board, model) that does not depend on the standard library's std::hash
uint64_t fnv(const std::string &s, uint64_t h = 1469598103934665603ull) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
}

std::string knob_key(Schedule s) {
    for (auto &k : s.layers) k.placement.clear();
    return canonical_json(s);
}

struct Job {
    size_t index;          // into Result::points
    const Model *model;
    const platform::BoardProfile *board;
    std::string target;    // the image's TargetInfo::cpu (the kernel objects it compiles)
};

} // namespace

std::optional<std::pair<double, double>> count_arena_accesses(const platform::BoardProfile &board,
                                                              const std::string &elf) {
    const platform::ElfImage image = platform::ElfImage::load_file(elf);
    agent::RunOptions opts;
    opts.deadline = std::chrono::milliseconds(300000);
    auto cycles = [&](uint32_t load, uint32_t store) -> std::optional<double> {
        platform::BoardProfile p = board;
        for (platform::MemoryRegion &r : p.memory) {
            const bool arena = r.name == board.emulator_arena;
            r.timing.load_wait = arena ? load : 0;
            r.timing.store_wait = arena ? store : 0;
        }
        const platform::Measurement m = agent::iss::run_iss(p, image, opts, {}, nullptr);
        if (m.status != platform::RunStatus::kOk) return std::nullopt;
        return double(m.cycles_median);
    };
    const auto none = cycles(0, 0), loads = cycles(1, 0), stores = cycles(0, 1);
    if (!none || !loads || !stores) return std::nullopt;
    return std::make_pair(*loads - *none, *stores - *none);
}

std::string backend_for(const platform::BoardProfile &board) {
    return board_cluster_cores(board) > 0 ? "pulp" : "iss";
}

Result measure(const Spec &spec) {
    const auto t0 = std::chrono::steady_clock::now();
    Result res;
    platform::BoardCatalog catalog;
    try {
        catalog = platform::BoardCatalog::load_dir(spec.boards_dir.string());
    } catch (const std::exception &e) {
        res.error = std::string("boards: ") + e.what();
        return res;
    }
    std::map<std::string, Model> models;
    for (const auto &name : spec.models) {
        auto r = load_model(spec.models_dir / (name + ".json"));
        if (!r.ok()) {
            res.error = "model " + name + ": " + r.status().message();
            return res;
        }
        models.emplace(name, std::move(*r));
    }

    // draw the points
    std::vector<Job> jobs;
    for (const auto &bname : spec.boards) {
        const platform::BoardProfile *board = nullptr;
        try {
            board = &catalog.get(bname);
        } catch (const std::exception &e) {
            res.error = e.what();
            return res;
        }
        for (size_t mi = 0; mi < spec.models.size(); ++mi) {
            const Model &m = models.at(spec.models[mi]);
            const size_t want = spec.points_per_board / spec.models.size() +
                                (mi < spec.points_per_board % spec.models.size() ? 1 : 0);
            const SpaceMode mode = m.layers.size() > 1 ? SpaceMode::kPerLayer : SpaceMode::kShared;
            // the cluster knobs exist only where the backend emulates the cluster (tuning.cpp)
            SpaceOptions opt;
            if (backend_for(*board) == "pulp") {
                opt.cluster_cores = board_cluster_cores(*board);
                opt.l1_bytes = board_cluster_l1_free(*board);
            }
            auto ds = DesignSpace::create(m, *board, mode, opt);
            if (!ds.ok()) {
                res.error = "design space " + m.name + " on " + bname + ": " + ds.status().message();
                return res;
            }
            std::mt19937_64 rng(fnv(bname + "/" + m.name, fnv(std::to_string(spec.seed))));
            std::uniform_int_distribution<uint64_t> pick(0, ds->size() - 1);
            std::set<std::string> seen;
            for (size_t tries = 0; seen.size() < want && tries < 100 * want; ++tries) {
                Schedule s = ds->at(pick(rng));
                if (!seen.insert(knob_key(s)).second) continue;
                s.model = m.name;
                s.board = bname;
                Point p;
                p.board = bname;
                p.model = m.name;
                p.dims = m.dims;
                p.m.features = schedule_features(m, s);
                p.m.label = schedule_hash(s);
                p.backend = backend_for(*board);
                const auto target = target_for(*board, s, true);   // as bo.cluster_images; failed: the build says why
                p.schedule = std::move(s);
                jobs.push_back({res.points.size(), &m, board, target.ok() ? target->cpu : board->core});
                res.points.push_back(std::move(p));
            }
        }
    }

    // one in-process agent for every board on its backend; builds and runs `jobs` at a time
    agent::AgentConfig cfg;
    cfg.boards_dir = spec.boards_dir.string();
    for (const auto &b : spec.boards) cfg.boards.emplace_back(b, backend_for(catalog.get(b)));
    cfg.workers = std::max(1u, spec.jobs);
    std::unique_ptr<Runner> runner;
    try {
        runner = std::make_unique<Runner>(std::vector<std::shared_ptr<Agent>>{std::make_shared<LocalAgent>(cfg)},
                                          RunnerOptions{.max_in_flight = cfg.workers});
    } catch (const std::exception &e) {
        res.error = std::string("agent: ") + e.what();
        return res;
    }

    std::mutex mu;
    std::vector<std::string> errors;
    // Spec::placements: the points measured with the arena elsewhere, by their draw's index
    std::vector<std::pair<size_t, Point>> moved;
    std::atomic<size_t> next{0}, built{0}, hits{0};
    auto work = [&](int builder_jobs) {
        BuildOptions bo;
        bo.cache_dir = spec.cache_dir;
        bo.jobs = builder_jobs;
        bo.cluster_images = true;   // gap9 on pulp, as tuning.cpp links it (other boards: no cluster)
        const Builder builder(bo);
        for (size_t i = next++; i < jobs.size(); i = next++) {
            const Job &j = jobs[i];
            Point &p = res.points[j.index];
            const std::string what = p.model + " on " + p.board + " (" + p.m.label.substr(0, 12) + ")";
            const auto b = builder.build(*j.model, p.schedule, *j.board);
            if (!b.ok()) {
                std::lock_guard lk(mu);
                errors.push_back("build " + what + ": " + b.status().message());
                continue;
            }
            ++(b->cache_hit ? hits : built);
            const auto ref = run_reference(*j.model, p.schedule);
            RunJob rj;
            rj.elf = b->elf_path;
            rj.board = p.board;
            rj.backend = p.backend;
            rj.repeats = 1;
            rj.deadline = std::chrono::milliseconds(300000);
            if (ref.ok()) rj.expected_crc = ref->crc32;
            const RunOutcome o = runner->submit(rj).get();
            const bool ran = ref.ok() && o.measurement.status == platform::RunStatus::kOk;
            // the extra ISS runs of Spec::arena_accesses and Spec::placements, outside the lock
            std::optional<std::pair<double, double>> counts;
            std::vector<std::pair<std::string, double>> elsewhere;  // region, cycles
            std::vector<std::string> extra_errors;
            if (ran && p.backend == "iss" && spec.arena_accesses) {
                counts = count_arena_accesses(*j.board, b->elf_path);
                if (!counts) extra_errors.push_back("arena access count " + what);
            }
            if (ran && p.backend == "iss" && spec.placements) {
                const platform::ElfImage image = platform::ElfImage::load_file(b->elf_path);
                for (const platform::MemoryRegion &r : j.board->memory) {
                    if (!platform::is_ram_kind(r.kind) || r.name == j.board->emulator_arena) continue;
                    agent::RunOptions opts;
                    opts.deadline = std::chrono::milliseconds(300000);
                    opts.arena_region = r.name;
                    opts.expected_crc = rj.expected_crc;
                    const platform::Measurement m = agent::iss::run_iss(*j.board, image, opts, {}, nullptr);
                    if (m.status != platform::RunStatus::kOk) {
                        extra_errors.push_back("run " + what + " with the arena in " + r.name + ": " + m.error);
                        continue;
                    }
                    elsewhere.emplace_back(r.name, double(m.cycles_median));
                }
            }
            std::optional<Point> in_ram;  // Spec::weights: the same point, its weights in RAM
            const std::string ram = weights_region_choice(*j.board, 1);
            if (ran && p.backend == "iss" && spec.weights && !ram.empty()) {
                Schedule s = p.schedule;
                for (LayerKnobs &k : s.layers) k.weights = ram;
                const auto wb = builder.build(*j.model, s, *j.board);
                agent::RunOptions opts;
                opts.deadline = std::chrono::milliseconds(300000);
                opts.expected_crc = rj.expected_crc;
                const platform::Measurement m =
                    wb.ok() ? agent::iss::run_iss(*j.board, platform::ElfImage::load_file(wb->elf_path), opts, {}, nullptr)
                            : platform::Measurement{};
                const platform::MemoryRegion *flash = j.board->region("flash"), *to = j.board->region(ram);
                if (!wb.ok() || m.status != platform::RunStatus::kOk || !flash || !to) {
                    extra_errors.push_back("run " + what + " with the weights in " + ram);
                } else {
                    in_ram = p;
                    in_ram->m.cycles = double(m.cycles_median);
                    in_ram->m.weights = ram;
                    in_ram->weight_loads = (double(o.measurement.cycles_median) - double(m.cycles_median)) /
                                           (double(flash->timing.load_wait) - double(to->timing.load_wait));
                }
            }
            std::lock_guard lk(mu);
            if (!ref.ok()) {
                errors.push_back("reference " + what + ": " + ref.status().message());
            } else if (o.measurement.status != platform::RunStatus::kOk) {
                errors.push_back("run " + what + ": " + platform::to_string(o.measurement.status) + " " +
                                 o.measurement.error);
            } else {
                p.m.cycles = double(o.measurement.cycles_median);
                p.instructions = o.measurement.instructions;
            }
            if (counts) std::tie(p.arena_loads, p.arena_stores) = *counts;
            if (in_ram) {
                p.weight_loads = in_ram->weight_loads;
                moved.emplace_back(j.index, std::move(*in_ram));
            }
            for (const auto &[region, cycles] : elsewhere) {  // the same point, the arena elsewhere
                Point q = p;
                q.m.cycles = cycles;
                q.m.placement = region;
                moved.emplace_back(j.index, std::move(q));
            }
            errors.insert(errors.end(), extra_errors.begin(), extra_errors.end());
        }
    };
    // the first image per target compiles the kernel objects: let it use every job, then one
    // compile per build with `jobs` builds at once
    std::set<std::string> targets;
    std::vector<Job> first, rest;
    for (const Job &j : jobs) (targets.insert(j.target).second ? first : rest).push_back(j);
    jobs = first;
    work(int(cfg.workers));
    jobs = rest;
    next = 0;
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < cfg.workers; ++t) pool.emplace_back(work, 1);
    for (auto &t : pool) t.join();

    // in draw order whatever order the workers finished in (the split is seeded by position)
    std::stable_sort(moved.begin(), moved.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    for (auto &[index, q] : moved) res.points.push_back(std::move(q));
    res.built = built;
    res.cache_hits = hits;
    if (!errors.empty()) {
        res.error = std::to_string(errors.size()) + " point(s) failed; first: " + errors.front();
        std::erase_if(res.points, [](const Point &p) { return !(p.m.cycles > 0); });
    }
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return res;
}

std::vector<Point> of_board(const std::vector<Point> &points, const std::string &board) {
    std::vector<Point> out;
    for (const auto &p : points)
        if (p.board == board) out.push_back(p);
    return out;
}

void split(const std::vector<Point> &points, double train_fraction, uint32_t seed,
           std::vector<CostMeasurement> &train, std::vector<CostMeasurement> &held) {
    std::map<std::string, std::vector<const Point *>> by_model;
    for (const auto &p : points) by_model[p.model].push_back(&p);
    std::mt19937 rng(seed);
    for (auto &[name, v] : by_model) {
        std::shuffle(v.begin(), v.end(), rng);
        size_t n_train = size_t(train_fraction * double(v.size()) + 0.5);
        if (v.size() >= 2) n_train = std::clamp<size_t>(n_train, 1, v.size() - 1);
        for (size_t i = 0; i < v.size(); ++i) (i < n_train ? train : held).push_back(v[i]->m);
    }
}

} // namespace tinytx::tuner::iss_sample
