// Child processes (QEMU, OpenOCD, GVSoC, the ONNX importer's Python) that never outlive their
// owner: killed with SIGKILL and reaped by the destructor, and killed by the kernel if the
// spawning thread dies (PR_SET_PDEATHSIG). Plus a private temporary directory removed with its
// contents. Failures throw Error (errors.h).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace tinytx::platform {

class TempDir {
public:
    // mkdtemp under $TMPDIR (or /tmp); Error on failure
    explicit TempDir(const std::string &prefix = "tinytx");
    ~TempDir();
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    const std::string &path() const { return path_; }
    std::string file(const std::string &name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

void write_file(const std::string &path, const std::vector<uint8_t> &bytes);
// The file's text, or its last max_bytes ("..." in front when cut); "" when missing.
std::string read_file_tail(const std::string &path, size_t max_bytes = 4096);

class Process {
public:
    struct Options {
        std::vector<std::string> argv;  // argv[0] looked up in PATH unless it contains '/'
        std::string stdout_path;        // "" = /dev/null
        std::string stderr_path;        // "" = /dev/null; == stdout_path: both into one file
        std::string cwd;                // "" = inherit
    };

    // Error when the program cannot be found or started (the message names it).
    static Process spawn(const Options &opt);

    Process() = default;
    ~Process();
    Process(Process &&o) noexcept;
    Process &operator=(Process &&o) noexcept;
    Process(const Process &) = delete;
    Process &operator=(const Process &) = delete;

    pid_t pid() const { return pid_; }
    bool started() const { return pid_ > 0; }
    // The exit status once it has exited (reaped): exit code, or -signal when killed.
    std::optional<int> poll();
    bool running() { return started() && !poll().has_value(); }
    std::optional<int> wait_for(std::chrono::milliseconds timeout);
    // SIGKILL (when still running) and reap; returns the status. Idempotent.
    int kill_and_reap();
    void signal(int sig);  // no-op when not running
    // "exited with status 3" / "killed by signal 9"
    static std::string describe(int status);

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
};

// The absolute path of a program found in PATH, or "" when absent.
std::string find_program(const std::string &name);

}  // namespace tinytx::platform
