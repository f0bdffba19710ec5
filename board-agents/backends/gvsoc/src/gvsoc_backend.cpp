// The gvsoc backend: the image with its mailbox inputs, one GVSoC run, the echoed records folded
// into a Measurement with the same statuses as the pulp backend.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "mailbox_inputs.h"
#include "tinytx/agent/gvsoc/gvsoc.h"
#include "tinytx/agent/run_failure.h"
#include "tinytx/platform/mailbox.h"

namespace tinytx::agent {
namespace gvsoc {

namespace {

using Clock = std::chrono::steady_clock;
constexpr uint32_t kMaxRuns = 100000;
constexpr int kExitFault = 3;  // TX_FW_EXIT_FAULT: the firmware's trap handler

// the records of the "TXMB <hex>" lines, in order
std::vector<mailbox::View> echoed_records(const std::string &console)
{
    std::vector<mailbox::View> out;
    std::istringstream in(console);
    std::string line;
    while (std::getline(in, line)) {
        const size_t at = line.find("TXMB ");
        if (at == std::string::npos) continue;
        const std::string hex = line.substr(at + 5, 2 * mailbox::kSize);
        if (hex.size() != 2 * mailbox::kSize) continue;
        uint8_t bytes[mailbox::kSize];
        bool ok = true;
        for (uint32_t i = 0; i < mailbox::kSize && ok; ++i) {
            unsigned v = 0;
            ok = std::sscanf(hex.c_str() + 2 * i, "%2x", &v) == 1;
            bytes[i] = uint8_t(v);
        }
        if (ok) out.push_back(mailbox::decode(bytes, sizeof bytes));
    }
    return out;
}

// the firmware's "FAULT mcause=.. mepc=0x.. mtval=.." line: mepc
std::optional<uint32_t> fault_pc(const std::string &console)
{
    const size_t at = console.find("FAULT mcause=");
    if (at == std::string::npos) return std::nullopt;
    const size_t pc = console.find("mepc=", at);
    if (pc == std::string::npos) return std::nullopt;
    return uint32_t(std::strtoul(console.c_str() + pc + 5, nullptr, 16));
}

std::string console_tail(const std::string &console)
{
    std::string t = console.size() > 400 ? "..." + console.substr(console.size() - 400) : console;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
    return t.empty() ? "" : "; console: " + t;
}

}  // namespace

Measurement run_gvsoc(const std::string &gvsoc, const BoardProfile &board, const ElfImage &image,
                      const RunOptions &opts)
{
    const auto t0 = Clock::now();
    Measurement m = begin_measurement("gvsoc", board.name, image.sha256(), Source::kEmulated);
    try {
        if (board.arch != Arch::kRiscv32 || image.arch() != Arch::kRiscv32)
            throw InvalidArgument("gvsoc: runs RV32 images of the gap9 board (pulp-open cluster), not " +
                                  std::string(to_string(image.arch())) + " on " + board.name);
        if (opts.repeats < 1) throw InvalidArgument("repeats must be at least 1");
        if (uint64_t(opts.repeats) + opts.warmups > kMaxRuns)
            throw InvalidArgument("warmups + repeats must not exceed " + std::to_string(kMaxRuns));
        image.require_protocol();
        const uint32_t runs = opts.warmups + opts.repeats;
        const ExitReport r = run_to_exit(gvsoc, with_mailbox_inputs(image, runs, 1), opts.deadline);
        std::vector<RunRecord> records;
        for (const mailbox::View &v : echoed_records(r.console)) records.push_back(mailbox::to_record(v));
        const std::string tail = console_tail(r.console);
        const std::string count = std::to_string(records.size()) + " of " + std::to_string(runs) + " runs";
        if (!r.exit_status) {
            m.status = r.error.rfind("the deadline", 0) == 0 ? RunStatus::kTimeout : RunStatus::kInternal;
            m.error = (m.status == RunStatus::kTimeout ? "timeout: " : "gvsoc: ") + r.error + " (" + count +
                      " reported)" + tail;
        } else if (*r.exit_status == kExitFault) {
            m.status = RunStatus::kFault;
            m.fault_pc = fault_pc(r.console);
            m.error = "fault: the firmware's fault handler exited with status 3 (" + count + " reported)" + tail;
        } else if (records.size() < runs) {
            m.status = *r.exit_status ? RunStatus::kKernelError : RunStatus::kInvalidArgument;
            m.error = *r.exit_status ? "the image exited with status " + std::to_string(*r.exit_status) + " after " +
                                           count + tail
                                     : "the image exited after " + count +
                                           " (is it a gap9 image that echoes its mailbox?)" + tail;
        } else {
            records.resize(runs);
            summarize(records, opts.warmups, opts.expected_crc, {double(board.clock_hz), board.active_mw}, m);
            if (m.status == RunStatus::kOk && *r.exit_status != 0) {
                m.status = RunStatus::kKernelError;
                m.error = "the image exited with status " + std::to_string(*r.exit_status) + tail;
            }
        }
    } catch (...) {
        record_run_failure(m, "gvsoc");
    }
    m.wall_time_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    return m;
}

namespace {

class GvsocBackend final : public Backend {
public:
    explicit GvsocBackend(std::string gvsoc) : gvsoc_(std::move(gvsoc)) {}
    std::string name() const override { return "gvsoc"; }
    Measurement run(const BoardProfile &board, const ElfImage &image, const RunOptions &opts) override
    {
        return run_gvsoc(gvsoc_, board, image, opts);
    }

private:
    std::string gvsoc_;
};

}  // namespace
}  // namespace gvsoc

std::unique_ptr<Backend> make_gvsoc_backend(const std::string &prefix)
{
    const auto bin = gvsoc::find_install(prefix);
    if (!bin.ok()) throw InvalidArgument(bin.status().message());
    return std::make_unique<gvsoc::GvsocBackend>(*bin);
}

}  // namespace tinytx::agent
