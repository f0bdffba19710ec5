// A real `tinytx-agent serve` process on loopback for integration tests: started on a free port,
// its address read from the "serving" line, killed (and reaped) by the destructor.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char **environ;

namespace tinytx::test {

class AgentProcess {
public:
    explicit AgentProcess(std::vector<std::string> args)
    {
        int out[2];
        if (pipe(out) != 0) throw std::runtime_error("pipe");
        std::vector<std::string> argv = {TINYTX_AGENT_BIN, "serve", "--listen", "127.0.0.1:0"};
        argv.insert(argv.end(), args.begin(), args.end());
        std::vector<char *> cargv;
        for (auto &a : argv) cargv.push_back(a.data());
        cargv.push_back(nullptr);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        posix_spawn_file_actions_addclose(&fa, out[0]);
        if (posix_spawn(&pid_, TINYTX_AGENT_BIN, &fa, nullptr, cargv.data(), environ) != 0)
            throw std::runtime_error("cannot start tinytx-agent");
        posix_spawn_file_actions_destroy(&fa);
        close(out[1]);
        fd_ = out[0];
        // read until the serving line (JSON with "address")
        std::string line;
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        char c;
        while (std::chrono::steady_clock::now() < until && read(fd_, &c, 1) == 1) {
            if (c != '\n') {
                line += c;
                continue;
            }
            const auto at = line.find("\"address\":\"");
            if (at != std::string::npos) {
                address_ = line.substr(at + 11, line.find('"', at + 11) - at - 11);
                return;
            }
            line.clear();
        }
        throw std::runtime_error("tinytx-agent did not report its address");
    }
    ~AgentProcess()
    {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        if (fd_ >= 0) close(fd_);
    }
    const std::string &address() const { return address_; }
    bool alive() const { return pid_ > 0 && kill(pid_, 0) == 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }

private:
    pid_t pid_ = -1;
    int fd_ = -1;
    std::string address_;
};

}  // namespace tinytx::test
