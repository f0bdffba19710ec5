#include "tinytx/agent/proto_convert.h"

namespace tinytx::agent {

namespace {

tinytx::v1::Status status_to_proto(RunStatus s)
{
    switch (s) {
    case RunStatus::kOk: return tinytx::v1::STATUS_OK;
    case RunStatus::kTimeout: return tinytx::v1::STATUS_TIMEOUT;
    case RunStatus::kFault: return tinytx::v1::STATUS_FAULT;
    case RunStatus::kWrongOutput: return tinytx::v1::STATUS_WRONG_OUTPUT;
    case RunStatus::kKernelError: return tinytx::v1::STATUS_KERNEL_ERROR;
    case RunStatus::kInvalidArgument: return tinytx::v1::STATUS_INVALID_ARGUMENT;
    case RunStatus::kUnavailable: return tinytx::v1::STATUS_UNAVAILABLE;
    case RunStatus::kInternal: return tinytx::v1::STATUS_INTERNAL;
    case RunStatus::kAboveBound: return tinytx::v1::STATUS_ABOVE_BOUND;
    case RunStatus::kProbed: return tinytx::v1::STATUS_PROBED;
    case RunStatus::kNotRun: return tinytx::v1::STATUS_NOT_RUN;
    }
    return tinytx::v1::STATUS_INTERNAL;
}

RunStatus status_from_proto(tinytx::v1::Status s)
{
    switch (s) {
    case tinytx::v1::STATUS_OK: return RunStatus::kOk;
    case tinytx::v1::STATUS_TIMEOUT: return RunStatus::kTimeout;
    case tinytx::v1::STATUS_FAULT: return RunStatus::kFault;
    case tinytx::v1::STATUS_WRONG_OUTPUT: return RunStatus::kWrongOutput;
    case tinytx::v1::STATUS_KERNEL_ERROR: return RunStatus::kKernelError;
    case tinytx::v1::STATUS_INVALID_ARGUMENT: return RunStatus::kInvalidArgument;
    case tinytx::v1::STATUS_UNAVAILABLE: return RunStatus::kUnavailable;
    case tinytx::v1::STATUS_ABOVE_BOUND: return RunStatus::kAboveBound;
    case tinytx::v1::STATUS_PROBED: return RunStatus::kProbed;
    case tinytx::v1::STATUS_NOT_RUN: return RunStatus::kNotRun;
    default: return RunStatus::kInternal;
    }
}

tinytx::v1::Source source_to_proto(Source s)
{
    switch (s) {
    case Source::kMeasured: return tinytx::v1::SOURCE_MEASURED;
    case Source::kEmulated: return tinytx::v1::SOURCE_EMULATED;
    case Source::kModeled: return tinytx::v1::SOURCE_MODELED;
    }
    return tinytx::v1::SOURCE_UNSPECIFIED;
}

Source source_from_proto(tinytx::v1::Source s)
{
    switch (s) {
    case tinytx::v1::SOURCE_MEASURED: return Source::kMeasured;
    case tinytx::v1::SOURCE_EMULATED: return Source::kEmulated;
    default: return Source::kModeled;
    }
}

}  // namespace

// proto3 strings must be UTF-8; errors can quote firmware console output or names read from a
// corrupted image: keep printable ASCII, escape every other byte as \xNN
std::string printable(const std::string &s)
{
    std::string out;
    for (unsigned char c : s) {
        if ((c >= 0x20 && c < 0x7F) || c == '\n' || c == '\t') {
            out += char(c);
        } else {
            static const char *hex = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

tinytx::v1::Measurement to_proto(const Measurement &m)
{
    tinytx::v1::Measurement p;
    p.set_status(status_to_proto(m.status));
    p.set_error(printable(m.error));
    for (auto c : m.cycles) p.add_cycles(c);
    p.set_cycles_median(m.cycles_median);
    p.set_cycles_source(source_to_proto(m.cycles_source));
    p.set_instructions(m.instructions);
    p.set_stack_peak_bytes(m.stack_peak_bytes);
    p.set_arena_peak_bytes(m.arena_peak_bytes);
    p.set_energy_uj(m.energy_uj);
    p.set_energy_source(source_to_proto(m.energy_source));
    p.set_output_crc32(m.output_crc32);
    p.set_output_ok(m.output_ok);
    if (m.fault_pc) p.set_fault_pc(*m.fault_pc);
    p.set_backend(m.backend);
    p.set_board(m.board);
    p.set_board_serial(m.board_serial);
    p.set_image_hash(m.image_hash);
    p.set_agent_version(m.agent_version);
    p.set_wall_time_ms(m.wall_time_ms);
    p.set_image_loads(m.image_loads);
    p.set_runs(m.runs);
    return p;
}

Measurement from_proto(const tinytx::v1::Measurement &p)
{
    Measurement m;
    m.status = status_from_proto(p.status());
    m.error = p.error();
    m.cycles.assign(p.cycles().begin(), p.cycles().end());
    m.cycles_median = p.cycles_median();
    m.cycles_source = source_from_proto(p.cycles_source());
    m.instructions = p.instructions();
    m.stack_peak_bytes = p.stack_peak_bytes();
    m.arena_peak_bytes = p.arena_peak_bytes();
    m.energy_uj = p.energy_uj();
    m.energy_source = source_from_proto(p.energy_source());
    m.output_crc32 = p.output_crc32();
    m.output_ok = p.output_ok();
    if (p.has_fault_pc()) m.fault_pc = p.fault_pc();
    m.backend = p.backend();
    m.board = p.board();
    m.board_serial = p.board_serial();
    m.image_hash = p.image_hash();
    m.agent_version = p.agent_version();
    m.wall_time_ms = p.wall_time_ms();
    m.image_loads = p.image_loads();
    m.runs = p.runs();
    return m;
}

}  // namespace tinytx::agent
