// The bench's tables (stdout) and JSON: per board model, per shape every implementation's
// cycles and arena, the ratios, MAC/cycle; then the single operators. Also the checks that fail
// the bench: a run that failed, zero cycles, tinytx schedules of one mode with different CRCs.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "image_run.h"

namespace tinytx::bench {

struct BoardResult {
    std::string cpu;            // cortex-m4 | cortex-m7
    std::string board;          // the profile whose cycle model counted
    std::string cycle_model;    // the profile's statement of where its table comes from
    std::vector<ImageResult> shapes;
    std::vector<ImageResult> ops;  // empty with --no-ops
    // which memory timing counted: empty = the profile's (weights in flash pay its wait states,
    // as deployed); otherwise a description of the variant (the zero-wait frame of issue 18)
    std::string frame;
};

struct Verdict {
    int problems = 0;
    double mean_speedup_b1 = 0;   // over shapes with CMSIS-NN figures
    int shapes_compared = 0;
    int arena_le_b2 = 0;
};

// with_cmsis false: tinytx alone, `why` says why
Verdict print_board(std::ostream &os, const BoardResult &b, bool with_cmsis, const std::string &why);

// Issue 18's acceptance figures (M4 table), each with its measured value, in the frame `m4.frame`
// names; informational: a performance target never fails the bench.
void print_acceptance(std::ostream &os, const BoardResult &m4, const Verdict &v, bool with_cmsis);

std::string to_json(const std::vector<BoardResult> &boards, const std::vector<Verdict> &verdicts,
                    bool with_cmsis, const std::string &why);

}  // namespace tinytx::bench
