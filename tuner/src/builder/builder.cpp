// Builder: cross-compiles the generated sources with the kernel library and the firmware core
// into an agent image, with an object cache and an image cache keyed by content hashes.
#include "tinytx/tuner/builder.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <atomic>
#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "tinytx/platform/sha256.h"

extern char **environ;

namespace tinytx::tuner {
namespace fs = std::filesystem;

#ifndef TINYTX_BUILDER_SOURCE_ROOT
#define TINYTX_BUILDER_SOURCE_ROOT ""
#endif

fs::path default_source_root() { return fs::path(TINYTX_BUILDER_SOURCE_ROOT); }

std::optional<TargetInfo> target_for_core(const std::string &core)
{
    // cmake/toolchains/{cortex-m4,cortex-m7,rv32imc}.cmake
    if (core == "cortex-m4")
        return TargetInfo{"cortex-m4", "arm-none-eabi-gcc",
                          {"-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"},
                          "mps2_an386"};
    if (core == "cortex-m7")
        return TargetInfo{"cortex-m7", "arm-none-eabi-gcc",
                          {"-mcpu=cortex-m7", "-mthumb", "-mfpu=fpv5-d16", "-mfloat-abi=hard"},
                          "mps2_an500"};
    if (core == "rv32imc")
        return TargetInfo{"rv32", "riscv64-unknown-elf-gcc",
                          {"-march=rv32imc_zicsr", "-mabi=ilp32", "-mcmodel=medany"}, "riscv32_virt"};
    return std::nullopt;
}

bool uses_cluster(const Schedule &s)
{
    for (const LayerKnobs &k : s.layers)
        if (k.cores > 0 || k.variant == TX_VARIANT_XPULP)
            return true;
    return false;
}

int32_t board_cluster_cores(const platform::BoardProfile &b)
{
    auto it = b.cycle_model.cycles.find("cluster_cores");
    return it == b.cycle_model.cycles.end() ? 0 : static_cast<int32_t>(it->second);
}

size_t board_cluster_l1_free(const platform::BoardProfile &b)
{
    for (const platform::MemoryRegion &r : b.memory)
        if (r.kind == "l1")
            return r.length > kGap9L1Reserved ? r.length - kGap9L1Reserved : 0;
    return 0;
}

platform::Result<TargetInfo> target_for(const platform::BoardProfile &b, const Schedule &s, bool cluster_images)
{
    const bool has_cluster = b.core == "rv32imc" && board_cluster_cores(b) > 0;
    if (!uses_cluster(s) && !(cluster_images && has_cluster)) {
        if (auto t = target_for_core(b.core))
            return *t;
        return platform::Status::invalid_argument("board.core: unknown core '" + b.core +
                                                  "' (cortex-m4, cortex-m7, rv32imc)");
    }
    if (!has_cluster)
        return platform::Status::invalid_argument(
            "schedule: cluster layers (cores >= 1 or variant xpulp) need a board with a cluster (gap9); " + b.name +
            " has none");
    // cmake/toolchains/gap9.cmake: rv32imc plus the Xpulp instructions the kernels emit with .insn
    TargetInfo t = *target_for_core("rv32imc");
    t.cpu = "gap9";
    t.cpu_flags.push_back("-DTX_HAVE_XPULP=1");
    t.machine = "gap9";
    return t;
}

std::vector<std::string> firmware_compile_flags(const TargetInfo &t, const std::string &opt_flags)
{
    // cmake/toolchains (CPU, -ffreestanding, sections), Release (opt, -DNDEBUG)
    std::vector<std::string> f = t.cpu_flags;
    std::istringstream of(opt_flags);
    for (std::string o; of >> o;)
        f.push_back(o);
    for (const char *o : {"-DNDEBUG", "-std=gnu11", "-ffreestanding", "-ffunction-sections", "-fdata-sections"})
        f.push_back(o);
    return f;
}

std::vector<std::string> firmware_link_flags(const TargetInfo &t)
{
    std::vector<std::string> f = t.cpu_flags;
    for (const char *o : {"-nostdlib", "-nostartfiles", "-Wl,--gc-sections", "-Wl,-u,tx_mailbox",
                          "-Wl,-u,tx_bench_begin", "-Wl,-u,tx_bench_end", "-Wl,-u,tx_bench_done",
                          "-Wl,--no-warn-rwx-segments"})
        f.push_back(o);
    return f;
}

std::vector<std::string> firmware_include_dirs()
{
    return {"kernels/include", "kernels/src", "kernels/firmware", "kernels/firmware/include"};
}

bool FirmwareSource::for_cpu(const std::string &cpu) const
{
    return cpus.empty() || std::find(cpus.begin(), cpus.end(), cpu) != cpus.end();
}

platform::Status read_firmware_sources(const fs::path &root, std::vector<FirmwareSource> &out)
{
    using platform::Status;
    const fs::path list = root / "tuner/src/builder/firmware_sources.txt";
    std::ifstream in(list);
    if (!in)
        return Status::io_error("cannot read " + list.string());
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        std::istringstream ls(line);
        std::string cpus;
        FirmwareSource f;
        if (!(ls >> cpus) || cpus[0] == '#')
            continue;
        if (!(ls >> f.rel))
            return Status::corruption(list.string() + ":" + std::to_string(n) + ": missing source path");
        if (cpus != "all") {
            std::istringstream cs(cpus);
            for (std::string c; std::getline(cs, c, ',');)
                f.cpus.push_back(c);
        }
        for (std::string fl; ls >> fl;)
            f.flags.push_back(fl);
        if (!fs::exists(root / f.rel))
            return Status::not_found(list.string() + ":" + std::to_string(n) + ": " + (root / f.rel).string() +
                                     " does not exist");
        out.push_back(std::move(f));
    }
    return {};
}

namespace {

struct ProcResult {
    int exit_code = -1;
    std::string output;   // stdout + stderr
    std::string error;    // could not start
};

std::string temp_name(const fs::path &dir, const std::string &stem)
{
    static std::atomic<unsigned> counter{0};
    std::random_device rd;
    return (dir / (stem + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++) + "." +
                   std::to_string(rd())))
        .string();
}

std::string read_file(const fs::path &p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Runs argv[0] (PATH lookup) with stdout and stderr to a temporary file; waits for this pid only.
ProcResult run_process(const std::vector<std::string> &argv, const fs::path &tmp_dir)
{
    ProcResult r;
    const std::string log = temp_name(tmp_dir, "log");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    std::vector<char *> args;
    for (const auto &a : argv)
        args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        r.error = "cannot run " + argv[0] + ": " + std::strerror(rc);
        std::error_code ec;
        fs::remove(log, ec);
        return r;
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    r.output = read_file(log);
    std::error_code ec;
    fs::remove(log, ec);
    if (r.output.size() > 16000)
        r.output = r.output.substr(0, 16000) + "\n[... truncated]";
    return r;
}

std::string join(const std::vector<std::string> &v, const char *sep = " ")
{
    std::string o;
    for (size_t i = 0; i < v.size(); ++i)
        o += (i ? sep : "") + v[i];
    return o;
}

std::string hash_text(const std::string &s) { return platform::sha256_hex(std::vector<uint8_t>(s.begin(), s.end())); }

struct FixedSource {
    fs::path path;                    // absolute
    std::string rel;                  // from the repository root
    std::vector<std::string> flags;   // extra compile options
};

// the lines of firmware_sources.txt for `cpu`
platform::Result<std::vector<FixedSource>> read_source_list(const fs::path &root, const std::string &cpu)
{
    std::vector<FirmwareSource> all;
    if (platform::Status st = read_firmware_sources(root, all); !st.ok())
        return st;
    std::vector<FixedSource> out;
    for (auto &f : all)
        if (f.for_cpu(cpu))
            out.push_back(FixedSource{root / f.rel, f.rel, std::move(f.flags)});
    return out;
}

// Every header the fixed and generated sources may include, hashed (sorted by path).
std::string headers_hash(const fs::path &root)
{
    std::vector<fs::path> files;
    for (const std::string &dir : firmware_include_dirs()) {
        std::error_code ec;
        for (auto it = fs::recursive_directory_iterator(root / dir, ec); !ec && it != fs::recursive_directory_iterator();
             it.increment(ec)) {
            if (it->is_regular_file() && it->path().extension() == ".h")
                files.push_back(it->path());
        }
    }
    std::sort(files.begin(), files.end());
    std::string all;
    for (const auto &f : files)
        all += fs::relative(f, root).string() + "\n" + hash_text(read_file(f)) + "\n";
    return hash_text(all);
}

std::mutex g_version_mu;
std::map<std::string, std::string> g_versions;

platform::Result<std::string> toolchain_version(const std::string &gcc, const fs::path &tmp)
{
    std::lock_guard<std::mutex> lk(g_version_mu);
    if (auto it = g_versions.find(gcc); it != g_versions.end())
        return it->second;
    ProcResult r = run_process({gcc, "--version"}, tmp);
    if (!r.error.empty() || r.exit_code != 0)
        return platform::Status::unavailable("toolchain: " +
                                             (r.error.empty() ? gcc + " --version failed: " + r.output : r.error));
    std::string first = r.output.substr(0, r.output.find('\n'));
    g_versions[gcc] = first;
    return first;
}

// The compiler of one target, its version line (in every cache key) and the libgcc to link.
struct Toolchain {
    std::string gcc;
    std::string version;
    std::string libgcc = "-lgcc";
};

platform::Result<Toolchain> find_toolchain(const TargetInfo &target, const BuildOptions &opts, const fs::path &tmp)
{
    const bool rv = target.cpu == "rv32" || target.cpu == "gap9";
    Toolchain tc;
    tc.gcc = (rv ? opts.toolchain_prefix_rv : opts.toolchain_prefix_arm) + "gcc";
    auto version = toolchain_version(tc.gcc, tmp);
    if (!version.ok())
        return version.status();
    tc.version = *version;
    if (rv) {  // cmake/toolchains/rv32imc.cmake: the rv32im/ilp32 multilib's libgcc
        ProcResult lg = run_process({tc.gcc, "-march=rv32im", "-mabi=ilp32", "-print-libgcc-file-name"}, tmp);
        std::string p = lg.output.substr(0, lg.output.find('\n'));
        if (lg.error.empty() && lg.exit_code == 0 && !p.empty() && fs::exists(p))
            tc.libgcc = p;
    }
    return tc;
}

// What every image of one target shares: toolchain, fixed sources, flags, headers, linker scripts.
struct ImageRecipe {
    Toolchain tc;
    std::vector<FixedSource> fixed;
    std::vector<std::string> cflags;       // firmware_compile_flags
    std::vector<std::string> includes;     // -I of firmware_include_dirs
    std::string headers;                   // headers_hash
    fs::path ld_dir;
    std::vector<std::string> link_flags;   // firmware_link_flags, the library path and the machine's script
};

platform::Result<ImageRecipe> make_recipe(const TargetInfo &target, const BuildOptions &opts, const fs::path &tmp)
{
    const fs::path &root = opts.source_root;
    ImageRecipe rc;
    auto tc = find_toolchain(target, opts, tmp);
    if (!tc.ok())
        return tc.status();
    rc.tc = std::move(*tc);
    auto fixed = read_source_list(root, target.cpu);
    if (!fixed.ok())
        return fixed.status().prefixed("source list: ");
    rc.fixed = std::move(*fixed);
    rc.cflags = firmware_compile_flags(target, opts.opt_flags);
    for (const std::string &d : firmware_include_dirs())
        rc.includes.push_back("-I" + (root / d).string());
    rc.headers = headers_hash(root);
    rc.ld_dir = root / "kernels/firmware/ld";
    rc.link_flags = firmware_link_flags(target);
    rc.link_flags.push_back("-L" + rc.ld_dir.string());
    rc.link_flags.push_back("-T" + (rc.ld_dir / (target.machine + ".ld")).string());
    return rc;
}

// The image key: generated sources + fixed part + flags + toolchain + linker scripts.
std::string image_key(const ImageRecipe &rc, const std::vector<GeneratedFile> &generated)
{
    std::string fixed_desc;
    for (const auto &f : rc.fixed)
        fixed_desc += f.rel + " " + join(f.flags) + " " + hash_text(read_file(f.path)) + "\n";
    const std::string fixed_hash = hash_text(fixed_desc + "headers " + rc.headers);
    std::string key_text = "tinytx-builder 1\ncompiler " + rc.tc.gcc + "\nversion " + rc.tc.version + "\ncflags " +
                           join(rc.cflags) + "\nldflags " + join(rc.link_flags) + "\nlibgcc " +
                           fs::path(rc.tc.libgcc).filename().string() + "\nfixed " + fixed_hash + "\n";
    for (const char *ld : {"cortexm_sections.ld", "mps2_an386.ld", "mps2_an500.ld", "riscv32_virt.ld", "gap9.ld"})
        if (fs::exists(rc.ld_dir / ld))
            key_text += std::string("ld ") + ld + " " + hash_text(read_file(rc.ld_dir / ld)) + "\n";
    for (const auto &f : generated)
        key_text += "gen " + f.name + " " + hash_text(f.content) + "\n";
    return hash_text(key_text);
}

struct CompileJob {
    fs::path source;
    std::vector<std::string> flags;   // everything but -c, -o and the source
    fs::path object;                  // the cache path
    bool cached = false;
};

CompileJob compile_job(const ImageRecipe &rc, const fs::path &objdir, const fs::path &src, const std::string &content,
                       const std::vector<std::string> &extra, const std::vector<std::string> &inc)
{
    CompileJob j;
    j.source = src;
    j.flags = rc.cflags;
    j.flags.insert(j.flags.end(), extra.begin(), extra.end());
    j.flags.insert(j.flags.end(), inc.begin(), inc.end());
    // include paths vary with the checkout location: key on the headers' content instead
    const std::string key = hash_text("compiler " + rc.tc.gcc + "\nversion " + rc.tc.version + "\nflags " +
                                      join(rc.cflags) + " " + join(extra) + "\nheaders " + rc.headers +
                                      "\nsource " + src.filename().string() + " " + hash_text(content) + "\n");
    j.object = objdir / (key + ".o");
    j.cached = fs::exists(j.object);
    return j;
}

// The part of a generated header that can change the object of `source`: its lines but comments and
// the macros neither the source nor a kept line names (so model_data.c, which needs only the
// model's shape, keeps its object across schedules: their headers differ in plan constants).
std::string header_part_for(const std::string &header, const std::string &source)
{
    std::set<std::string> named;
    auto name_all = [&](const std::string &text) {  // every identifier of text
        for (size_t i = 0; i < text.size();) {
            const auto ident = [&](size_t k, bool first) {
                const unsigned char c = static_cast<unsigned char>(text[k]);
                return std::isalpha(c) || c == '_' || (!first && std::isdigit(c));
            };
            if (!ident(i, true)) {
                // skip a number whole, so that its digits and letters (0x1f) are no identifier
                if (std::isdigit(static_cast<unsigned char>(text[i])))
                    while (i < text.size() && ident(i, false)) ++i;
                else
                    ++i;
                continue;
            }
            const size_t start = i;
            while (i < text.size() && ident(i, false)) ++i;
            named.insert(text.substr(start, i - start));
        }
    };
    std::vector<std::pair<std::string, std::string>> defines;  // name, line
    std::string kept;
    std::istringstream in(header);
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("#define ")) {
            const size_t end = line.find_first_of(" (", 8);
            defines.emplace_back(line.substr(8, end == std::string::npos ? std::string::npos : end - 8), line);
        } else if (!line.starts_with("/*") && !line.starts_with(" *")) {
            kept += line + "\n";
        }
    }
    name_all(source);
    name_all(kept);
    for (bool grew = true; grew;) {  // the macros a kept line names, until none is added
        grew = false;
        for (auto &[name, line] : defines)
            if (!line.empty() && named.count(name)) {
                kept += line + "\n";
                name_all(line);
                line.clear();
                grew = true;
            }
    }
    return kept;
}

// The objects of one image: the fixed sources, then the generated .c files (which see their folder
// first; each keyed with what can matter to it of model.h, the first generated file, which they
// all include).
std::vector<CompileJob> compile_jobs(const ImageRecipe &rc, const std::vector<GeneratedFile> &generated,
                                     const fs::path &sources_dir, const fs::path &objdir)
{
    std::vector<CompileJob> jobs;
    for (const auto &f : rc.fixed)
        jobs.push_back(compile_job(rc, objdir, f.path, read_file(f.path), f.flags, rc.includes));
    std::vector<std::string> gen_inc = rc.includes;
    gen_inc.insert(gen_inc.begin(), "-I" + sources_dir.string());
    for (const auto &f : generated)
        if (f.name.size() > 2 && f.name.substr(f.name.size() - 2) == ".c")
            jobs.push_back(compile_job(rc, objdir, sources_dir / f.name,
                                       f.content + "\n/* model.h */\n" + header_part_for(generated[0].content, f.content),
                                       {}, gen_inc));
    return jobs;
}

// Compiles the jobs whose object is not cached, on `threads` threads, into the object cache;
// a failure says every failure, one per line.
platform::Status compile_missing(const std::vector<CompileJob> &jobs, const std::vector<size_t> &todo,
                            const std::string &gcc, const fs::path &objdir, const fs::path &tmp, int threads)
{
    std::vector<std::string> errors(jobs.size());
    std::atomic<size_t> next{0};
    auto worker = [&]() {
        for (size_t t; (t = next.fetch_add(1)) < todo.size();) {
            const CompileJob &j = jobs[todo[t]];
            const std::string out = temp_name(objdir, j.object.stem().string());
            std::vector<std::string> argv = {gcc};
            argv.insert(argv.end(), j.flags.begin(), j.flags.end());
            argv.insert(argv.end(), {"-c", j.source.string(), "-o", out});
            ProcResult pr = run_process(argv, tmp);
            std::error_code ec;
            if (!pr.error.empty() || pr.exit_code != 0) {
                errors[todo[t]] = "compile " + j.source.string() + " failed (exit " + std::to_string(pr.exit_code) +
                                  "): " + join(argv) + "\n" + pr.error + pr.output;
                fs::remove(out, ec);
                continue;
            }
            fs::rename(out, j.object, ec);
            if (ec)
                errors[todo[t]] = "cannot store " + j.object.string() + ": " + ec.message();
        }
    };
    threads = std::max(1, std::min<int>(threads, static_cast<int>(todo.size())));
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i)
        pool.emplace_back(worker);
    for (auto &t : pool)
        t.join();
    std::string all;
    for (const auto &e : errors)
        if (!e.empty())
            all += (all.empty() ? "" : "\n") + e;
    return all.empty() ? platform::Status() : platform::Status::internal(all);
}

// Links the objects into `elf` (through a temporary name, so a cached ELF is always whole),
// its map beside the sources.
platform::Status link_image(const ImageRecipe &rc, const std::vector<CompileJob> &jobs, const fs::path &map,
                       const fs::path &elf, const fs::path &tmp)
{
    const std::string out = temp_name(elf.parent_path(), elf.stem().string());
    std::vector<std::string> argv = {rc.tc.gcc};
    argv.insert(argv.end(), rc.link_flags.begin(), rc.link_flags.end());
    argv.push_back("-Wl,-Map=" + map.string());
    for (const auto &j : jobs)
        argv.push_back(j.object.string());
    argv.push_back(rc.tc.libgcc);
    argv.insert(argv.end(), {"-o", out});
    ProcResult lr = run_process(argv, tmp);
    std::error_code ec;
    if (!lr.error.empty() || lr.exit_code != 0) {
        fs::remove(out, ec);
        return platform::Status::internal("link failed (exit " + std::to_string(lr.exit_code) + "): " + join(argv) +
                                          "\n" + lr.error + lr.output);
    }
    fs::rename(out, elf, ec);
    if (ec)
        return platform::Status::io_error("cannot store " + elf.string() + ": " + ec.message());
    return {};
}

} // namespace

Builder::Builder(BuildOptions opts) : opts_(std::move(opts))
{
    if (opts_.source_root.empty())
        opts_.source_root = default_source_root();
}

platform::Result<BuiltImage> Builder::build(const Model &m, const Schedule &s, const platform::BoardProfile &b) const
{
    const auto t0 = std::chrono::steady_clock::now();
    const auto target = target_for(b, s, opts_.cluster_images);
    if (!target.ok())
        return target.status();
    return compile_and_link(generate_sources(m, s, b), *target, t0);
}

platform::Result<BuiltImage> Builder::build_schedule_data(const Model &m, const platform::BoardProfile &b,
                                                          const std::set<tx_variant> &kernels,
                                                          const std::string &weights_region) const
{
    const auto t0 = std::chrono::steady_clock::now();
    const auto target = target_for_core(b.core);
    if (!target)
        return platform::Status::invalid_argument("board.core: unknown core '" + b.core +
                                                  "' (cortex-m4, cortex-m7, rv32imc)");
    return compile_and_link(generate_schedule_data_sources(m, b, kernels, weights_region), *target, t0);
}

platform::Result<BuiltImage> Builder::compile_and_link(const platform::Result<GeneratedSources> &gen,
                                                       const TargetInfo &target,
                                                       std::chrono::steady_clock::time_point t0) const
{
    using platform::Status;
    BuiltImage r;
    auto done = [&] {
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return r;
    };
    try {
        r.cpu = target.cpu;
        r.machine = target.machine;
        if (opts_.cache_dir.empty())
            return Status::invalid_argument("options.cache_dir: required");
        if (!fs::exists(opts_.source_root / "kernels/include/tinytx/kernels.h"))
            return Status::invalid_argument("options.source_root: " + opts_.source_root.string() +
                                            " is not a tinytx source tree");
        if (!gen.ok())
            return gen.status();
        r.plan = gen->plan;

        const fs::path cache = opts_.cache_dir;
        const fs::path tmp = cache / "tmp", objdir = cache / "obj" / target.cpu, elfdir = cache / "elf",
                       srcdir = cache / "src";
        for (const auto &d : {tmp, objdir, elfdir, srcdir})
            fs::create_directories(d);

        auto recipe = make_recipe(target, opts_, tmp);
        if (!recipe.ok())
            return recipe.status();
        const ImageRecipe &rc = *recipe;
        r.toolchain_version = rc.tc.version;
        r.image_key = image_key(rc, gen->files);
        r.sources_dir = srcdir / r.image_key;
        r.elf_path = elfdir / (r.image_key + ".elf");
        if (!fs::exists(r.sources_dir / "model_main.c"))
            if (Status st = write_sources(gen->files, r.sources_dir); !st.ok())
                return st.prefixed("codegen: ");
        if (fs::exists(r.elf_path)) {
            r.cache_hit = true;
            return done();
        }

        const std::vector<CompileJob> jobs = compile_jobs(rc, gen->files, r.sources_dir, objdir);
        std::vector<size_t> todo;
        for (size_t i = 0; i < jobs.size(); ++i)
            if (!jobs[i].cached)
                todo.push_back(i);
        r.objects_cached = jobs.size() - todo.size();
        r.objects_compiled = todo.size();
        const int threads = opts_.jobs > 0 ? opts_.jobs : static_cast<int>(std::thread::hardware_concurrency());
        if (Status st = compile_missing(jobs, todo, rc.tc.gcc, objdir, tmp, threads); !st.ok())
            return st;
        if (Status st = link_image(rc, jobs, r.sources_dir / "image.map", r.elf_path, tmp); !st.ok())
            return st;
        return done();
    } catch (const std::exception &e) {
        return Status::internal(std::string("builder: ") + e.what());
    }
}

} // namespace tinytx::tuner
