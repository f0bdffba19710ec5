#include "tinytx/farm/farm_log.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace tinytx::farm {

namespace {

std::string now_iso()
{
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[80];  // any int fields fit (gcc checks the worst case)
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    return buf;
}

}  // namespace

void FarmLog::event(const std::string &event, nlohmann::json fields)
{
    nlohmann::json line = {{"ts", now_iso()}, {"event", event}};
    if (fields.is_object())
        line.update(fields);
    const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::lock_guard lk(mu_);
    out_ << text << '\n';
    out_.flush();
}

}  // namespace tinytx::farm
