// What a backend's run throws, as its measurement's status and message (run_failure.h).
#include "tinytx/agent/run_failure.h"

#include <exception>
#include <new>

#include "tinytx/platform/elf_image.h"

namespace tinytx::agent {

void record_run_failure(Measurement &m, const std::string &backend, RuntimeErrorIs runtime_errors)
{
    const auto set = [&m](RunStatus s, std::string message) {
        m.status = s;
        m.error = std::move(message);
    };
    try {
        throw;
    } catch (const StatusSet &) {
    } catch (const InvalidArgument &e) {
        set(RunStatus::kInvalidArgument, e.what());
    } catch (const Unavailable &e) {
        set(RunStatus::kUnavailable, e.what());
    } catch (const std::bad_alloc &) {
        set(RunStatus::kInternal, backend + ": out of memory");
    } catch (const std::runtime_error &e) {
        if (runtime_errors == RuntimeErrorIs::kUnavailable)
            set(RunStatus::kUnavailable, e.what());
        else
            set(RunStatus::kInternal, backend + ": " + e.what());
    } catch (const std::exception &e) {
        set(RunStatus::kInternal, backend + ": " + e.what());
    } catch (...) {
        set(RunStatus::kInternal, backend + ": unknown exception");
    }
}

}  // namespace tinytx::agent
