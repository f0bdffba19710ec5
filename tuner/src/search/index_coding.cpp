// IndexCoding: a design-space index as a genome of mixed-radix digits per block.
#include "tinytx/tuner/search.h"

#include <stdexcept>

namespace tinytx::tuner {

uint64_t IndexCoding::Block::size() const
{
    uint64_t n = 1;
    for (uint64_t r : radices) n *= r;
    return n;
}

uint64_t IndexCoding::size() const
{
    return blocks.empty() ? 0 : blocks.back().offset + blocks.back().size();
}

IndexCoding::Genome IndexCoding::decode(uint64_t index) const
{
    if (index >= size()) throw std::out_of_range("IndexCoding::decode");
    size_t b = 0;
    while (index >= blocks[b].offset + blocks[b].size()) ++b;
    Genome g{b, {}};
    uint64_t rest = index - blocks[b].offset;
    for (uint64_t r : blocks[b].radices) {
        g.digits.push_back(rest % r);
        rest /= r;
    }
    return g;
}

uint64_t IndexCoding::encode(const Genome &g) const
{
    const Block &b = blocks.at(g.block);
    uint64_t idx = 0, mul = 1;
    for (size_t i = 0; i < b.radices.size(); ++i) {
        idx += g.digits.at(i) * mul;
        mul *= b.radices[i];
    }
    return b.offset + idx;
}

IndexCoding IndexCoding::flat(uint64_t size)
{
    IndexCoding c;
    if (size > 0) c.blocks.push_back(Block{0, {size}});
    return c;
}

IndexCoding IndexCoding::mixed_radix(const std::vector<uint64_t> &radices)
{
    IndexCoding c;
    c.blocks.push_back(Block{0, radices});
    if (c.size() == 0) c.blocks.clear();
    return c;
}

IndexCoding IndexCoding::from_space(const DesignSpace &space)
{
    const uint64_t total = space.size();
    if (total == 0) return {};
    const size_t layers = space.mode() == SpaceMode::kPerLayer ? space.at(0).layers.size() : 1;
    IndexCoding c;
    uint64_t offset = 0;
    for (size_t r = 0; r < space.homes().size(); ++r) {
        const uint64_t n = space.fitting_count(r);
        if (n == 0) continue;
        uint64_t bs = 1;
        for (size_t l = 0; l < layers; ++l) {
            if (bs > total / n) return flat(total);   // does not add up: fall back
            bs *= n;
        }
        c.blocks.push_back(Block{offset, std::vector<uint64_t>(layers, n)});
        offset += bs;
        if (offset > total) return flat(total);
    }
    if (offset != total) return flat(total);
    return c;
}

} // namespace tinytx::tuner
