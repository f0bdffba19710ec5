// ExhaustiveStrategy: every index in order, up to the budget.
#include "tinytx/tuner/search.h"

#include "search_detail.h"

namespace tinytx::tuner {

using namespace search_detail;

ExhaustiveStrategy::ExhaustiveStrategy(uint64_t size, const SearchOptions &opt)
    : limit_(limit_of(size, opt.budget))
{
}

std::vector<uint64_t> ExhaustiveStrategy::propose(size_t batch)
{
    std::vector<uint64_t> out;
    while (out.size() < batch && next_ < limit_) out.push_back(next_++);
    return out;
}

} // namespace tinytx::tuner
