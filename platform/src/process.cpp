// Child processes and temporary directories (see process.h).
#include "tinytx/platform/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "tinytx/platform/errors.h"

namespace tinytx::platform {

TempDir::TempDir(const std::string &prefix)
{
    const char *tmp = std::getenv("TMPDIR");
    std::string base = tmp && *tmp ? tmp : "/tmp";
    // unix socket paths must stay short (108 bytes): fall back to /tmp for deep TMPDIRs
    if (base.size() > 60) base = "/tmp";
    std::string templ = base + "/" + prefix + "-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data()))
        throw Error("cannot create a temporary directory " + templ + ": " + std::strerror(errno));
    path_ = buf.data();
}

TempDir::~TempDir()
{
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

void write_file(const std::string &path, const std::vector<uint8_t> &bytes)
{
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char *>(bytes.data()), std::streamsize(bytes.size()));
    if (!f) throw Error("cannot write " + path);
}

std::string read_file_tail(const std::string &path, size_t max_bytes)
{
    std::ifstream f(path, std::ios::binary);
    if (!f) return {};
    std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (s.size() > max_bytes) s = "..." + s.substr(s.size() - max_bytes);
    return s;
}

std::string find_program(const std::string &name)
{
    if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
    const char *path = std::getenv("PATH");
    std::string p = path ? path : "/usr/local/bin:/usr/bin:/bin";
    size_t pos = 0;
    while (pos <= p.size()) {
        const size_t colon = p.find(':', pos);
        std::string dir = p.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos);
        if (dir.empty()) dir.assign(1, '.');
        const std::string cand = dir + "/" + name;
        struct stat st {};
        if (::stat(cand.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(cand.c_str(), X_OK) == 0)
            return cand;
        if (colon == std::string::npos) break;
        pos = colon + 1;
    }
    return {};
}

Process Process::spawn(const Options &opt)
{
    if (opt.argv.empty()) throw Error("spawn: no program given");
    const std::string exe = find_program(opt.argv[0]);
    if (exe.empty()) throw Error(opt.argv[0] + " not found on PATH");

    // everything the child needs, prepared before fork (only async-signal-safe calls after it)
    std::vector<char *> argv;
    for (const auto &a : opt.argv) argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    const char *out = opt.stdout_path.empty() ? "/dev/null" : opt.stdout_path.c_str();
    const char *err = opt.stderr_path.empty() ? "/dev/null" : opt.stderr_path.c_str();
    const bool same = opt.stdout_path == opt.stderr_path;
    const char *cwd = opt.cwd.empty() ? nullptr : opt.cwd.c_str();
    const pid_t parent = ::getpid();

    int report[2];  // exec failure -> errno to the parent; closed by a successful exec
    if (::pipe2(report, O_CLOEXEC) != 0)
        throw Error(std::string("spawn: pipe: ") + std::strerror(errno));

    const pid_t pid = ::fork();
    if (pid < 0) {
        const int e = errno;
        ::close(report[0]);
        ::close(report[1]);
        throw Error("cannot start " + opt.argv[0] + ": fork: " + std::strerror(e));
    }
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::signal(SIGPIPE, SIG_DFL);
        int fail = 0;
        const int in = ::open("/dev/null", O_RDONLY);
        const int o = ::open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int e = same ? o : ::open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || o < 0 || e < 0 || ::dup2(in, 0) < 0 || ::dup2(o, 1) < 0 || ::dup2(e, 2) < 0)
            fail = errno ? errno : EIO;
        if (!fail && cwd && ::chdir(cwd) != 0) fail = errno;
        if (!fail) {
            // no descriptor of the agent (sockets of other runs) leaks into the child
            const int keep = report[1];
            for (int fd = 3; fd < keep; ++fd) ::close(fd);
            ::syscall(SYS_close_range, keep + 1, ~0U, 0);
            ::execv(exe.c_str(), argv.data());
            fail = errno;
        }
        ssize_t ignored = ::write(report[1], &fail, sizeof fail);
        (void)ignored;
        ::_exit(127);
    }
    ::close(report[1]);
    int child_errno = 0;
    ssize_t n;
    do {
        n = ::read(report[0], &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    ::close(report[0]);
    Process p;
    p.pid_ = pid;
    if (n == sizeof child_errno) {
        p.kill_and_reap();
        throw Error("cannot start " + exe + ": " + std::strerror(child_errno));
    }
    return p;
}

Process::~Process()
{
    kill_and_reap();
}

Process::Process(Process &&o) noexcept : pid_(o.pid_), status_(o.status_)
{
    o.pid_ = -1;
    o.status_.reset();
}

Process &Process::operator=(Process &&o) noexcept
{
    if (this != &o) {
        kill_and_reap();
        pid_ = o.pid_;
        status_ = o.status_;
        o.pid_ = -1;
        o.status_.reset();
    }
    return *this;
}

static int decode_status(int ws)
{
    if (WIFEXITED(ws)) return WEXITSTATUS(ws);
    if (WIFSIGNALED(ws)) return -WTERMSIG(ws);
    return -1;
}

std::optional<int> Process::poll()
{
    if (status_ || pid_ <= 0) return status_;
    int ws = 0;
    pid_t r;
    do {
        r = ::waitpid(pid_, &ws, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == pid_) status_ = decode_status(ws);
    else if (r < 0) status_ = -1;  // not our child any more (reaped elsewhere)
    return status_;
}

std::optional<int> Process::wait_for(std::chrono::milliseconds timeout)
{
    const auto end = std::chrono::steady_clock::now() + timeout;
    auto pause = std::chrono::microseconds(200);
    for (;;) {
        if (auto s = poll()) return s;
        if (std::chrono::steady_clock::now() >= end) return std::nullopt;
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::microseconds(5000));
    }
}

void Process::signal(int sig)
{
    if (running()) ::kill(pid_, sig);
}

int Process::kill_and_reap()
{
    if (pid_ <= 0) return status_.value_or(-1);
    if (!poll()) {
        ::kill(pid_, SIGKILL);
        int ws = 0;
        pid_t r;
        do {
            r = ::waitpid(pid_, &ws, 0);
        } while (r < 0 && errno == EINTR);
        status_ = r == pid_ ? decode_status(ws) : -SIGKILL;
    }
    return *status_;
}

std::string Process::describe(int status)
{
    if (status >= 0) return "exited with status " + std::to_string(status);
    const char *name = ::strsignal(-status);
    return "killed by signal " + std::to_string(-status) + (name ? std::string(" (") + name + ")" : "");
}

}  // namespace tinytx::platform
