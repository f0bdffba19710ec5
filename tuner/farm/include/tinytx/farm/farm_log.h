// Structured logs of the farm daemon: one JSON object per line ({"ts","event",...} with job,
// agent and board where they apply), so a lab can grep, tail and ship them.
#pragma once

#include <mutex>
#include <ostream>

#include <nlohmann/json.hpp>

namespace tinytx::farm {

class FarmLog {
public:
    explicit FarmLog(std::ostream &out) : out_(out) {}
    // fields are merged into {"ts": ISO-8601 UTC with ms, "event": event}
    void event(const std::string &event, nlohmann::json fields = nlohmann::json::object());

private:
    std::mutex mu_;
    std::ostream &out_;
};

}  // namespace tinytx::farm
