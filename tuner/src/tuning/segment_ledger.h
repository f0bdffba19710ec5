// Exact composition of a candidate's cycles from the segments other runs measured, on an emulator
// whose timing adds up (the iss: no cache, no branch history, every variant bit-exact, so a segment
// sees the same instructions and data whatever ran before it).
//
// A schedule-as-data run's encoder layers split at the entries of three kernel functions
// (probe_symbols): per layer, its prologue (checks and the layer's plan), its attention
// (tx_mhsa_s8 up to the first residual add) and its tail (the FFN, the adds and LayerNorms, up to
// the next layer or the end). Each segment is keyed by the knobs its code reads:
//   lead       (the harness, up to the first layer)                 no knob
//   prologue i  attention mode, MHSA schedule, tile, variant, FFN tiled or not
//   attention i attention mode, MHSA schedule, tile, variant
//   tail i      attention mode, FFN tile, variant (the fused mode's tail runs 21 more cycles on
//               EEGFormer, nucleo-l476rg: every whole run of the space, split, shows it)
// A candidate whose segments are all known is composed (not run); one with unknown segments runs
// only until its last unknown segment ends (TableLimits::stop_at_probe). A run stopped inside a
// segment (past its cycle bound) leaves a lower bound of that segment, which adds to the lower
// bound of every candidate that has it. A segment measured twice with different cycles means the
// composition is not exact here: learn() says so and the tuner stops composing. The tuner also
// runs the front's composed points whole and checks them.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tinytx/platform/measurement.h"
#include "tinytx/tuner/schedule.h"

namespace tinytx::tuner {

class SegmentLedger {
public:
    // the functions whose entries split a run (agent::RunOptions::probe_symbols, in this order)
    static const std::vector<std::string> &probe_symbols();

    // ffn_dim: the model's F (a tile of F or more is the untiled FFN)
    explicit SegmentLedger(int32_t ffn_dim) : ffn_dim_(ffn_dim) {}

    struct Composition {
        std::optional<uint64_t> cycles;       // every segment known: the candidate's cycles
        uint64_t known_cycles = 0;            // the known segments and lower bounds: a lower bound
        std::optional<uint32_t> stop_at_probe;  // else: where its run may stop (none: at its end)
        bool attentions_known = false;        // every attention segment known: what is left is cheap
    };
    // `region`: where the run's arena is (its wait states change every segment's cycles)
    Composition compose(const Schedule &s, const std::string &region) const;

    // The segments a run of s measured (its probe hits; its end when it ran whole). False when a
    // segment contradicts one measured before (the ledger then composes nothing more) or the hits
    // do not follow the layers' pattern (nothing learnt).
    bool learn(const Schedule &s, const std::string &region, const platform::Measurement &m);
    bool exact() const;

private:
    std::vector<std::string> keys(const Schedule &s, const std::string &region) const;

    const int32_t ffn_dim_;
    mutable std::mutex mu_;
    struct Segment {
        uint64_t cycles = 0;
        bool exact = false;  // else a lower bound: a run stopped inside it
    };
    std::map<std::string, Segment> segments_;
    bool contradicted_ = false;
};

}  // namespace tinytx::tuner
