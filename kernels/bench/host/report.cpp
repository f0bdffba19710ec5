// Tables, JSON and checks of the bench (see report.h).
#include "report.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>

namespace tinytx::bench {

namespace {

std::string fmt(const char *f, double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

std::string mcycles(uint64_t c) { return fmt("%.3f M", double(c) / 1e6); }

std::string bytes(uint64_t b)
{
    std::string s = std::to_string(b), out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (i && (s.size() - i) % 3 == 0) out += ',';
        out += s[i];
    }
    return out + " B";
}

std::string label(const VsRun &r)
{
    std::string s = r.impl;
    if (r.impl == "tinytx") {
        s += " " + r.mode + " " + r.sched;
        if (r.sched == "depthfirst") s += " T=" + std::to_string(r.tile_rows);
    }
    return s;
}

std::string pad(std::string s, size_t w)
{
    if (s.size() < w) s.append(w - s.size(), ' ');
    return s;
}

std::string lpad(std::string s, size_t w)
{
    if (s.size() < w) s.insert(0, w - s.size(), ' ');
    return s;
}

const VsRun *find_impl(const ImageResult &im, const std::string &impl)
{
    for (const auto &r : im.runs)
        if (r.impl == impl) return &r;
    return nullptr;
}

std::string json_escape(const std::string &s)
{
    std::string o;
    for (char c : s) {
        if (c == '"' || c == '\\') o += '\\';
        if (c == '\n') { o += "\\n"; continue; }
        o += c;
    }
    return o;
}

// the checks every image's runs must pass; problems are printed loudly
int check_image(std::ostream &os, const ImageResult &im)
{
    int problems = 0;
    if (!im.ok) {
        os << "!! FAILED " << im.path << ": " << im.error << "\n";
        ++problems;
    }
    for (const auto &n : im.notes)
        if (n.rfind("NOTE", 0) != 0) {
            os << "!! firmware: " << n << "\n";
            ++problems;
        }
    std::map<std::string, uint32_t> crc_of_mode;
    for (const auto &r : im.runs) {
        if (r.status != 0 || r.cycles == 0) {
            os << "!! FAILED run " << r.shape << " " << label(r) << ": status " << r.status
               << ", cycles " << r.cycles << "\n";
            ++problems;
        }
        if (r.impl != "tinytx" || r.sched == "-") continue;
        const auto [it, fresh] = crc_of_mode.emplace(r.mode, r.crc);
        if (!fresh && it->second != r.crc) {
            char buf[160];
            std::snprintf(buf, sizeof buf, "!! CRC MISMATCH %s %s: 0x%08x, the mode's first schedule gave 0x%08x\n",
                          r.shape.c_str(), label(r).c_str(), r.crc, it->second);
            os << buf;
            ++problems;
        }
    }
    return problems;
}

}  // namespace

Verdict print_board(std::ostream &os, const BoardResult &b, bool with_cmsis, const std::string &why)
{
    Verdict v;
    const std::string core = b.cpu == "cortex-m4" ? "Cortex-M4" : "Cortex-M7";
    os << "\n=== " << core << " (board profile " << b.board << (b.frame.empty() ? "" : ", " + b.frame)
       << ") — EMULATED cycles: iss backend, "
       << "the profile's per-instruction-class cycle model, not a board measurement ===\n"
       << "    cycle model: " << b.cycle_model << "\n";
    if (!with_cmsis) os << "    CMSIS-NN: not measured (" << why << "); tinytx figures alone\n";
    os << "    arena: peak bytes of live activations + scratch (input and output included; weights "
          "excluded), one rule for all (kernels/bench/README.md)\n"
          "    MAC/cycle: the standard MHSA's MACs 4SEPH + 2S^2PH over the cycles (also for fused)\n";

    struct Row { std::string shape; const VsRun *b1, *b2, *best, *small; uint64_t macs; };
    std::vector<Row> rows;
    for (const auto &im : b.shapes) {
        v.problems += check_image(os, im);
        if (im.runs.empty()) continue;
        const VsRun &first = im.runs.front();
        Row row{first.shape, find_impl(im, "cmsis-b1"), find_impl(im, "cmsis-b2"), nullptr, nullptr,
                first.macs};
        os << "\n" << first.shape << ": " << fmt("%.3f", double(first.macs) / 1e6) << " M MACs\n";
        os << "  " << pad("implementation", 32) << lpad("cycles", 12) << lpad("arena", 13)
           << lpad("MAC/cycle", 11) << lpad("x B1", 8) << lpad("touched", 13) << "\n";
        for (const auto &r : im.runs) {
            std::string ratio = row.b1 && r.cycles ? fmt("%.2f", double(row.b1->cycles) / double(r.cycles)) : "-";
            os << "  " << pad(label(r), 32) << lpad(mcycles(r.cycles), 12) << lpad(bytes(r.arena), 13)
               << lpad(r.cycles ? fmt("%.3f", double(r.macs) / double(r.cycles)) : "-", 11)
               << lpad(ratio, 8) << lpad(bytes(r.touched), 13) << "\n";
            if (r.impl != "tinytx" || r.cycles == 0) continue;
            if (!row.best || r.cycles < row.best->cycles) row.best = &r;
            if (!row.small || r.arena < row.small->arena) row.small = &r;
        }
        rows.push_back(row);
    }

    os << "\nSummary, " << core << " (" << b.board << "), EMULATED\n";
    os << "  " << pad("shape", 13) << lpad("B1 cycles", 11) << lpad("B2 cycles", 11)
       << lpad("B1 arena", 12) << lpad("B2 arena", 11) << "  " << pad("best tinytx", 27)
       << lpad("cycles", 10) << lpad("x B1", 7) << lpad("MAC/cyc", 8) << lpad("B1 MAC/cyc", 11)
       << "  " << pad("smallest tinytx arena", 34) << lpad("<= B2", 6) << "\n";
    double sum_speedup = 0;
    for (const auto &r : rows) {
        if (!r.best) continue;
        const bool cm = r.b1 && r.b2;
        const double speedup = cm ? double(r.b1->cycles) / double(r.best->cycles) : 0;
        const bool le = cm && r.small->arena <= r.b2->arena;
        if (cm) {
            sum_speedup += speedup;
            ++v.shapes_compared;
            v.arena_le_b2 += le;
        }
        os << "  " << pad(r.shape, 13) << lpad(cm ? mcycles(r.b1->cycles) : "-", 11)
           << lpad(cm ? mcycles(r.b2->cycles) : "-", 11) << lpad(cm ? bytes(r.b1->arena) : "-", 12)
           << lpad(cm ? bytes(r.b2->arena) : "-", 11) << "  " << pad(label(*r.best).substr(7), 27)
           << lpad(mcycles(r.best->cycles), 10) << lpad(cm ? fmt("%.2f", speedup) : "-", 7)
           << lpad(fmt("%.3f", double(r.macs) / double(r.best->cycles)), 8)
           << lpad(cm ? fmt("%.3f", double(r.macs) / double(r.b1->cycles)) : "-", 11) << "  "
           << pad(bytes(r.small->arena) + " (" + label(*r.small).substr(7) + ")", 34)
           << lpad(cm ? (le ? "yes" : "NO") : "-", 6) << "\n";
    }
    if (v.shapes_compared) {
        v.mean_speedup_b1 = sum_speedup / v.shapes_compared;
        os << "  => " << core << ": mean speedup of the best tinytx schedule over CMSIS-NN B1: "
           << fmt("%.2f", v.mean_speedup_b1) << "x over " << v.shapes_compared
           << " shapes; smallest tinytx arena <= B2 arena on " << v.arena_le_b2 << " of "
           << v.shapes_compared << " shapes (EMULATED)\n";
    } else {
        os << "  => no CMSIS-NN figures: no ratios\n";
    }

    if (!b.ops.empty()) {
        os << "\nSingle operators, " << core << " (" << b.board << "), EMULATED\n";
        for (const auto &im : b.ops) {
            v.problems += check_image(os, im);
            std::map<std::string, std::map<std::string, const VsRun *>> by_op;
            std::vector<std::string> order;
            for (const auto &r : im.runs) {
                if (!by_op.count(r.shape)) order.push_back(r.shape);
                by_op[r.shape][r.impl] = &r;
            }
            for (const auto &op : order) {
                const VsRun *t = by_op[op]["tinytx"], *c = by_op[op].count("cmsis") ? by_op[op]["cmsis"] : nullptr;
                const bool softmax = op.rfind("softmax", 0) == 0;
                const double n = double(t->macs);
                auto per = [&](const VsRun *r) {
                    if (!r || !r->cycles) return std::string("-");
                    return softmax ? fmt("%.2f cyc/score, ", double(r->cycles) / n) +
                                         fmt("%.2f insn/score", double(r->instructions) / n)
                                   : fmt("%.3f MAC/cyc", n / double(r->cycles));
                };
                os << "  " << pad(op, 22) << " tinytx " << lpad(mcycles(t->cycles), 10) << " ("
                   << per(t) << ")   CMSIS-NN " << lpad(c ? mcycles(c->cycles) : "-", 10) << " ("
                   << per(c) << ")";
                if (c && t->cycles) os << "   x " << fmt("%.2f", double(c->cycles) / double(t->cycles));
                if (c && !softmax) os << (c->crc == t->crc ? "   same output" : "   outputs differ (rounding)");
                os << "\n";
            }
        }
    }
    return v;
}

void print_acceptance(std::ostream &os, const BoardResult &m4, const Verdict &v, bool with_cmsis)
{
    auto find = [](const std::vector<ImageResult> &ims, const std::string &shape, const std::string &impl,
                   const std::string &mode, const std::string &sched) -> const VsRun * {
        for (const auto &im : ims)
            for (const auto &r : im.runs)
                if (r.shape == shape && r.impl == impl && (mode.empty() || r.mode == mode) &&
                    (sched.empty() || r.sched == sched))
                    return &r;
        return nullptr;
    };
    auto line = [&](const std::string &what, const std::string &value, bool met) {
        os << "  " << pad(what, 58) << pad(value, 26) << (met ? "met" : "NOT MET") << "\n";
    };
    os << "\nIssue 18 acceptance, Cortex-M4 table (" << m4.board << "), "
       << (m4.frame.empty() ? "weights in flash with the profile's wait states (as deployed)" : m4.frame)
       << ", EMULATED; informational\n";
    for (const char *fc : {"fc_81x32x256", "fc_64x128x512"})
        if (const VsRun *r = find(m4.ops, fc, "tinytx", "", ""); r && r->cycles) {
            const double mpc = double(r->macs) / double(r->cycles);
            line(std::string("linear ") + (fc + 3) + " >= 0.9 MAC/cycle", fmt("%.3f MAC/cycle", mpc), mpc >= 0.9);
        }
    double worst = 0;
    for (const auto &im : m4.ops)
        for (const auto &r : im.runs)
            if (r.impl == "tinytx" && r.shape.rfind("softmax", 0) == 0 && r.macs)
                worst = std::max(worst, double(r.cycles) / double(r.macs));
    if (worst > 0) line("softmax (tx_softmax_s8) <= 12 cycles/score", fmt("%.2f cycles/score", worst), worst <= 12);
    if (const VsRun *r = find(m4.shapes, "eegformer", "tinytx", "std", "layerwise"))
        line("EEGFormer standard layer-wise <= 7.5 M cycles", mcycles(r->cycles), r->cycles <= 7500000);
    uint64_t best = 0;
    for (const auto &im : m4.shapes)
        for (const auto &r : im.runs)
            if (r.shape == "eegformer" && r.impl == "tinytx" && r.cycles && (!best || r.cycles < best))
                best = r.cycles;
    if (best) line("EEGFormer best schedule <= 6.5 M cycles", mcycles(best), best <= 6500000);
    if (with_cmsis && v.shapes_compared) {
        line("mean speedup over CMSIS-NN B1 >= 6x", fmt("%.2fx", v.mean_speedup_b1), v.mean_speedup_b1 >= 6);
        line("smallest tinytx arena <= B2 on every shape",
             std::to_string(v.arena_le_b2) + " of " + std::to_string(v.shapes_compared) + " shapes",
             v.arena_le_b2 == v.shapes_compared);
    }
}

std::string to_json(const std::vector<BoardResult> &boards, const std::vector<Verdict> &verdicts,
                    bool with_cmsis, const std::string &why)
{
    std::ostringstream j;
    j << "{\n  \"figures\": \"emulated\",\n  \"backend\": \"iss\",\n  \"cmsis_nn\": "
      << (with_cmsis ? "true" : "false") << ",\n  \"cmsis_nn_note\": \"" << json_escape(why)
      << "\",\n  \"boards\": [";
    for (size_t bi = 0; bi < boards.size(); ++bi) {
        const auto &b = boards[bi];
        const auto &v = verdicts[bi];
        j << (bi ? "," : "") << "\n    {\"cpu\": \"" << b.cpu << "\", \"board\": \"" << b.board
          << "\", \"memory\": \"" << json_escape(b.frame.empty() ? "profile wait states" : b.frame)
          << "\", \"cycle_model\": \"" << json_escape(b.cycle_model) << "\",\n"
          << "     \"mean_speedup_over_b1\": " << fmt("%.4f", v.mean_speedup_b1)
          << ", \"shapes_compared\": " << v.shapes_compared
          << ", \"shapes_smallest_arena_le_b2\": " << v.arena_le_b2 << ", \"problems\": " << v.problems
          << ",\n     \"runs\": [";
        bool first = true;
        auto emit = [&](const std::vector<ImageResult> &ims, const char *kind) {
            for (const auto &im : ims)
                for (const auto &r : im.runs) {
                    char crc[16];
                    std::snprintf(crc, sizeof crc, "0x%08x", r.crc);
                    j << (first ? "" : ",") << "\n       {\"kind\": \"" << kind << "\", \"shape\": \""
                      << r.shape << "\", \"impl\": \"" << r.impl << "\", \"mode\": \"" << r.mode
                      << "\", \"sched\": \"" << r.sched << "\", \"T\": " << r.tile_rows
                      << ", \"cycles\": " << r.cycles << ", \"instructions\": " << r.instructions
                      << ", \"arena\": " << r.arena
                      << ", \"arena_touched\": " << r.touched << ", \"workspace\": " << r.workspace
                      << ", \"macs\": " << r.macs << ", \"crc\": \"" << crc
                      << "\", \"status\": " << r.status << "}";
                    first = false;
                }
        };
        emit(b.shapes, "mhsa");
        emit(b.ops, "op");
        j << "\n     ]}";
    }
    j << "\n  ]\n}\n";
    return j.str();
}

}  // namespace tinytx::bench
