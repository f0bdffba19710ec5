// One GVSoC run: the ELF in a private directory (GVSoC wants an absolute path and writes its
// configuration and logs into a work directory), the launcher in its own process group so that a
// deadline ends every process it started, the exit status from its CORESTATUS report.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <regex>

#include "tinytx/agent/gvsoc/gvsoc.h"
#include "tinytx/platform/process.h"

namespace tinytx::agent::gvsoc {

namespace {

// gvsoc exits 0 for code 0; for any other code it exits 1 and reports the code on stderr
std::optional<int> exit_code(int status, const std::string &stderr_text)
{
    if (status == 0) return 0;
    static const std::regex code(R"(Platform returned an error \(exitcode: (-?\d+)\))");
    std::smatch m;
    if (status == 1 && std::regex_search(stderr_text, m, code)) return std::stoi(m[1]);
    return std::nullopt;
}

}  // namespace

ExitReport run_to_exit(const std::string &gvsoc, const std::vector<uint8_t> &elf, std::chrono::milliseconds deadline)
{
    ExitReport r;
    platform::TempDir dir("tinytx-gvsoc");
    const std::string binary = dir.file("image.elf"), out = dir.file("stdout"), err = dir.file("stderr");
    platform::write_file(binary, elf);
    platform::Process::Options o;
    o.argv = {"setsid", "env", "GVSOC_L1_BANK_WIDTH_LOG2=2", gvsoc, "--target=pulp-open",
              "--work-dir=" + dir.path(), "--binary", binary, "run"};
    o.stdout_path = out;
    o.stderr_path = err;
    o.cwd = dir.path();
    platform::Process p = platform::Process::spawn(o);
    const std::optional<int> status = p.wait_for(deadline);
    if (!status) {
        ::kill(-p.pid(), SIGKILL);  // the launcher's whole group
        p.kill_and_reap();
    }
    r.console = platform::read_file_tail(out, 1u << 20);
    const std::string stderr_text = platform::read_file_tail(err, 1u << 16);
    if (!status) {
        r.error = "the deadline passed (" + std::to_string(deadline.count()) + " ms)";
    } else if (!(r.exit_status = exit_code(*status, stderr_text))) {
        r.error = "gvsoc " + platform::Process::describe(*status) + (stderr_text.empty() ? "" : ": " + stderr_text);
    }
    return r;
}

platform::Result<std::string> find_install(const std::string &prefix)
{
    const char *env = std::getenv(kPrefixEnv);
    const std::string chosen = !prefix.empty() ? prefix : env ? env : "";
    const std::string how = "install it with ../shared/gvsoc/use-prebuilt.sh /opt/gvsoc (or build.sh), or from "
                            "https://github.com/gvsoc/gvsoc (docs/GAP9.md), then give --gvsoc PREFIX or set " +
                            std::string(kPrefixEnv) + "=PREFIX";
    if (chosen.empty())
        return platform::Status::not_found("gvsoc: no GVSoC install given; " + how);
    const std::string bin = chosen + "/bin/gvsoc";
    if (::access(bin.c_str(), X_OK) != 0)
        return platform::Status::not_found("gvsoc: " + bin + " is not an executable (" +
                                           (!prefix.empty() ? "--gvsoc" : kPrefixEnv) + " = " + chosen + "); " + how);
    return bin;
}

}  // namespace tinytx::agent::gvsoc
