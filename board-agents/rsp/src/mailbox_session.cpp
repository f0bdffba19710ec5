// The mailbox measurement loop over RSP (see mailbox_session.h).
#include "tinytx/rsp/mailbox_session.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <set>

#include "tinytx/platform/mailbox.h"

namespace tinytx::rsp {

using platform::Clock;
using platform::Error;
using platform::TimeoutError;

namespace mb = platform::mailbox;

const char *to_string(SessionResult::End e)
{
    switch (e) {
    case SessionResult::End::kCompleted: return "completed";
    case SessionResult::End::kExited: return "exited";
    case SessionResult::End::kTerminated: return "terminated";
    case SessionResult::End::kFault: return "fault";
    case SessionResult::End::kTimeout: return "timeout";
    case SessionResult::End::kBadImage: return "bad image";
    case SessionResult::End::kLost: return "lost";
    }
    return "lost";
}

namespace {

std::string hex32(uint32_t v)
{
    char b[16];
    std::snprintf(b, sizeof b, "0x%08x", v);
    return b;
}

// thrown inside the loop when the deadline passes while the target is halted
struct DeadlinePassed {};

// thrown when the target is still running at the deadline
struct DeadlineWhileRunning {};

class Session {
public:
    Session(Client &c, const platform::ElfImage &img, const SessionOptions &o, SessionResult &r)
        : c_(c), img_(img), o_(o), r_(r), t0_(Clock::now())
    {
        arm_ = img.arch() == platform::Arch::kArm;
        kind_ = arm_ ? 2 : 4;
        main_ = img.require("main").addr;
        done_ = img.require("tx_bench_done").addr;
        mailbox_ = img.require("tx_mailbox").addr;
        if (auto s = img.symbol("tx_schedule_load")) load_ = s->addr;
        if (auto s = img.symbol("tx_schedule_table")) table_ = s->addr;
        if (arm_) {
            if (auto s = img.symbol("tx_fault_handler")) fault_ = s->addr;
        } else if (auto s = img.symbol("tx_trap_entry")) {
            fault_ = s->addr;
        } else if (auto s = img.symbol("tx_trap_handler")) {
            fault_ = s->addr;
            fault_is_c_handler_ = true;
        }
    }

    void run()
    {
        // 1. to main (a fault in the startup code stops in the handler too)
        if (fault_) insert(*fault_);
        insert(main_);
        StopReply s = resume_and_wait();
        if (!at(s, main_)) return classify(s, "before main");
        remove(main_);
        r_.at_main_ms = elapsed_ms();

        // 2. the mailbox: a version-2 record? then runs / repeats
        const auto bytes = c_.read_memory(mailbox_, mb::kSize, io());
        try {
            mb::decode(bytes.data(), bytes.size());
        } catch (const platform::InvalidArgument &e) {
            r_.end = SessionResult::End::kBadImage;
            r_.detail = std::string("at main, ") + e.what();
            return;
        }
        if (o_.tables && !has_table()) return;
        c_.write_memory(mailbox_ + mb::kOffRuns, to_vec(mb::le32(o_.runs)), io());
        c_.write_memory(mailbox_ + mb::kOffRepeats, to_vec(mb::le32(1)), io());

        // 3. collect the records (writing each measurement's layer table first)
        insert(done_);
        if (o_.tables) insert(*load_);
        while (r_.records.size() < o_.runs) {
            s = resume_and_wait();
            if (o_.tables && at(s, *load_)) {
                if (!write_table()) return;
                continue;
            }
            if (!at(s, done_)) return classify(s, "after " + std::to_string(r_.records.size()) +
                                                      " of " + std::to_string(o_.runs) + " runs");
            const auto rec = c_.read_memory(mailbox_, mb::kSize, io());
            mb::View v;
            try {
                v = mb::decode(rec.data(), rec.size());
            } catch (const platform::InvalidArgument &e) {
                r_.end = SessionResult::End::kBadImage;
                r_.detail = "at tx_bench_done (run " + std::to_string(r_.records.size() + 1) +
                            "), " + e.what() + " (did the image overwrite its mailbox?)";
                return;
            }
            r_.records.push_back(mb::to_record(v));
            const size_t per = o_.runs_per_table;
            if (o_.tables && o_.on_table_records && r_.records.size() % per == 0)
                o_.on_table_records(r_.records.size() / per - 1,
                                    std::vector<platform::RunRecord>(r_.records.end() - std::ptrdiff_t(per), r_.records.end()));
        }
        r_.end = SessionResult::End::kCompleted;
        if (o_.remove_breakpoints_at_end) {
            for (uint32_t a : std::set<uint32_t>(inserted_)) remove(a);
        }
    }

    // the target did not stop where the protocol expects: why?
    void classify(const StopReply &s, const std::string &when)
    {
        if (s.kind == StopReply::Kind::kExited) {
            r_.end = SessionResult::End::kExited;
            r_.exit_code = s.exit_code;
            r_.detail = "the image exited with status " + std::to_string(s.exit_code) + " " + when;
            return;
        }
        if (s.kind == StopReply::Kind::kTerminated) {
            r_.end = SessionResult::End::kTerminated;
            r_.signal = s.signal;
            r_.detail = "the target was terminated (signal " + std::to_string(s.signal) + ") " + when;
            return;
        }
        const uint32_t pc = pc_of(s);
        r_.end = SessionResult::End::kFault;
        if (fault_ && pc == *fault_) {
            r_.fault_pc = fault_pc_in_handler();
            r_.detail = std::string("the core faulted ") + when +
                        (r_.fault_pc ? " at pc " + hex32(*r_.fault_pc) : std::string()) +
                        " (stopped in the fault handler at " + hex32(pc) + ")";
            return;
        }
        r_.fault_pc = pc;
        r_.signal = s.signal;
        r_.detail = "the target stopped with signal " + std::to_string(s.signal) + " at pc " +
                    hex32(pc) + " " + when +
                    (s.signal == kSigTrap ? " (a breakpoint instruction outside the protocol?)" : "");
    }

    double elapsed_ms() const
    {
        return std::chrono::duration<double, std::milli>(Clock::now() - t0_).count();
    }

private:
    // a schedule-as-data image: it has the table and the breakpoint to write it at
    bool has_table()
    {
        if (load_ && table_) return true;
        r_.end = SessionResult::End::kBadImage;
        r_.detail = "the image has no layer table (tx_schedule_load, tx_schedule_table): not a schedule-as-data "
                    "image, measure it without tables";
        return false;
    }

    // at tx_schedule_load: the table of the measurement about to run, of the size the image holds
    // (the mailbox's table_bytes, set by the image before it asks)
    bool write_table()
    {
        r_.end = SessionResult::End::kBadImage;
        const size_t k = r_.records.size() / o_.runs_per_table;
        if (k >= o_.tables->size()) {
            r_.detail = "the image asked for a layer table after the last one (" + std::to_string(o_.tables->size()) +
                        " tables of " + std::to_string(o_.runs_per_table) + " runs each)";
            return false;
        }
        const std::vector<uint8_t> &t = (*o_.tables)[k].bytes;
        const uint32_t capacity = c_.read_u32(mailbox_ + mb::kOffTableBytes, io());
        if (t.size() != capacity) {
            r_.detail = "layer table of " + std::to_string(t.size()) + " bytes, the image's tx_schedule_table holds " +
                        std::to_string(capacity) + " (mailbox table_bytes)";
            return false;
        }
        c_.write_memory(*table_, t, io());
        r_.end = SessionResult::End::kLost;
        return true;
    }

    static std::vector<uint8_t> to_vec(const std::array<uint8_t, 4> &a)
    {
        return {a.begin(), a.end()};
    }

    Millis io() const
    {
        const auto left = std::chrono::duration_cast<Millis>(o_.deadline - Clock::now());
        if (left.count() <= 0) throw DeadlinePassed{};
        return std::min(o_.io_timeout, left);
    }

    void insert(uint32_t addr)
    {
        c_.insert_breakpoint(BreakpointType::kHardware, addr, kind_, io());
        inserted_.insert(addr);
    }

    void remove(uint32_t addr)
    {
        c_.remove_breakpoint(BreakpointType::kHardware, addr, kind_, io());
        inserted_.erase(addr);
    }

    uint32_t pc_of(const StopReply &s)
    {
        const uint32_t pcnum = c_.regnum("pc");
        auto it = s.registers.find(pcnum);
        if (it != s.registers.end() && it->second.size() >= 4)
            return uint32_t(it->second[0]) | uint32_t(it->second[1]) << 8 |
                   uint32_t(it->second[2]) << 16 | uint32_t(it->second[3]) << 24;
        return uint32_t(c_.read_register("pc", io()));
    }

    bool at(const StopReply &s, uint32_t addr)
    {
        if (s.kind != StopReply::Kind::kSignal || s.signal != kSigTrap) return false;
        last_pc_ = pc_of(s);
        return last_pc_ == addr;
    }

    // Resumes; when halted on one of our breakpoints, steps over it first (neither QEMU nor
    // OpenOCD does that for a client).
    StopReply resume_and_wait()
    {
        if (last_pc_ && inserted_.count(*last_pc_)) {
            const uint32_t a = *last_pc_;
            remove(a);
            const StopReply st = c_.step(io());
            insert(a);
            last_pc_.reset();
            if (st.kind != StopReply::Kind::kSignal || st.signal != kSigTrap) return st;
            const uint32_t pc = pc_of(st);
            if (inserted_.count(pc)) return st;  // stepped straight onto another breakpoint
        }
        last_pc_.reset();
        c_.resume(io());
        try {
            return c_.wait_stop(o_.deadline);
        } catch (const TimeoutError &) {
            throw DeadlineWhileRunning{};
        }
    }

    std::optional<uint32_t> fault_pc_in_handler()
    {
        try {
            if (arm_) {
                // exception entry: lr = EXC_RETURN, the frame (r0-r3, r12, lr, pc, xpsr) on the
                // stack it names; the stacked pc is the faulting instruction
                const uint32_t lr = uint32_t(c_.read_register("lr", io()));
                if ((lr & 0xFF000000u) != 0xFF000000u) return std::nullopt;
                uint32_t sp;
                if ((lr & 4u) && c_.target().find("psp"))
                    sp = uint32_t(c_.read_register("psp", io()));
                else
                    sp = uint32_t(c_.read_register("sp", io()));
                return c_.read_u32(sp + 24, io());
            }
            if (c_.target().find("mepc")) return uint32_t(c_.read_register("mepc", io()));
            if (fault_is_c_handler_) return uint32_t(c_.read_register("a1", io()));  // mepc arg
        } catch (const DeadlinePassed &) {
            throw;
        } catch (const Error &) {
        }
        return std::nullopt;
    }

    Client &c_;
    const platform::ElfImage &img_;
    const SessionOptions &o_;
    SessionResult &r_;
    Clock::time_point t0_;
    bool arm_ = true;
    uint32_t kind_ = 2;
    uint32_t main_ = 0, done_ = 0, mailbox_ = 0;
    std::optional<uint32_t> fault_, load_, table_;
    bool fault_is_c_handler_ = false;
    std::set<uint32_t> inserted_;
    std::optional<uint32_t> last_pc_;
};

}  // namespace

SessionResult run_mailbox_session(Client &client, const platform::ElfImage &image,
                                  const SessionOptions &opt)
{
    image.require_protocol();
    if (opt.tables && (opt.runs_per_table == 0 || opt.runs != opt.tables->size() * opt.runs_per_table))
        throw platform::InvalidArgument("mailbox session: runs must be tables x runs_per_table");
    SessionResult r;
    Session s(client, image, opt, r);
    auto timeout = [&](const std::string &why) {
        r.end = SessionResult::End::kTimeout;
        r.detail = "deadline passed " + why + " after " + std::to_string(r.records.size()) +
                   " of " + std::to_string(opt.runs) + " runs";
        // stop the target (a stub that stops it answers with a stop reply; ignore it)
        try {
            client.interrupt(Millis(100));
            client.wait_stop(Millis(300));
        } catch (...) {
        }
    };
    try {
        s.run();
    } catch (const DeadlinePassed &) {
        timeout("while the target was halted");
    } catch (const DeadlineWhileRunning &) {
        timeout("while the target was running");
    } catch (const TimeoutError &e) {
        if (Clock::now() >= opt.deadline) {
            timeout("while the target was running");
        } else {
            r.end = SessionResult::End::kLost;
            r.detail = e.what();
        }
    } catch (const Error &e) {
        r.end = SessionResult::End::kLost;
        r.detail = e.what();
    }
    r.console = client.console();
    r.end_ms = s.elapsed_ms();
    return r;
}

void apply_session(const SessionResult &r, const agent::RunOptions &opts,
                   const platform::BoardProfile &board, platform::Measurement &m)
{
    using platform::RunStatus;
    switch (r.end) {
    case SessionResult::End::kCompleted:
        platform::summarize(r.records, opts.warmups, opts.expected_crc,
                         {double(board.clock_hz), board.active_mw}, m);
        return;
    case SessionResult::End::kFault:
        m.status = RunStatus::kFault;
        m.fault_pc = r.fault_pc;
        m.error = r.detail;
        return;
    case SessionResult::End::kTimeout:
        m.status = RunStatus::kTimeout;
        m.error = r.detail + " (deadline " + std::to_string(opts.deadline.count()) + " ms)";
        return;
    case SessionResult::End::kBadImage:
        m.status = RunStatus::kInvalidArgument;
        m.error = r.detail;
        return;
    case SessionResult::End::kExited:
        if (r.exit_code == kFirmwareFaultExit) {
            m.status = RunStatus::kFault;
            m.error = r.detail + " (the firmware's fault exit)";
        } else if (r.exit_code != 0) {
            m.status = RunStatus::kKernelError;
            m.error = r.detail;
        } else {
            m.status = RunStatus::kInvalidArgument;
            m.error = r.detail + ": the image does not perform the mailbox's `runs` measurements";
        }
        return;
    case SessionResult::End::kTerminated:
    case SessionResult::End::kLost:
        m.status = RunStatus::kUnavailable;
        m.error = r.detail;
        return;
    }
}

}  // namespace tinytx::rsp
