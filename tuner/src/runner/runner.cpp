// The runner's worker pool: jobs queued by submit(), each taken by a worker and sent to the
// least-loaded healthy agent; agent faults retried elsewhere, firmware outcomes returned as is.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>

#include "tinytx/tuner/runner.h"

namespace tinytx::tuner {

using platform::Measurement;
using platform::RunStatus;
using Clock = std::chrono::steady_clock;

namespace {

struct Pending {
    RunJob job;
    std::shared_ptr<const std::vector<uint8_t>> elf;
    std::promise<RunOutcome> promise;
};

struct Slot {
    std::shared_ptr<Agent> agent;
    unsigned in_flight = 0;
    uint64_t runs = 0, faults = 0, picks = 0;
    Clock::time_point cool_until{};
    bool disabled = false;
    std::string disabled_why;
};

}  // namespace

struct Runner::State {
    RunnerOptions opts;
    mutable std::mutex mu;
    std::condition_variable work_cv;  // a job queued, or stopping
    std::condition_variable cool_cv;  // stopping (wakes workers waiting out a cool-down)
    std::deque<std::unique_ptr<Pending>> queue;
    std::vector<Slot> slots;
    bool stop = false;
    std::vector<std::thread> workers;

    void worker();
    void process(Pending &p);
    // the slot for the next attempt, or -1 when every agent is disabled; needs mu
    int pick(const std::vector<bool> &tried, Clock::time_point now) const;
};

int Runner::State::pick(const std::vector<bool> &tried, Clock::time_point now) const
{
    int best = -1;
    std::tuple<int, int, unsigned, uint64_t> best_key{};
    for (size_t i = 0; i < slots.size(); ++i) {
        const Slot &s = slots[i];
        if (s.disabled) continue;
        const bool cooling = s.cool_until > now;
        // healthy before cooling, then not tried by this job, then least loaded, then least used
        const std::tuple<int, int, unsigned, uint64_t> key{cooling, bool(tried[i]), s.in_flight, s.picks};
        if (best < 0 || key < best_key) {
            best = int(i);
            best_key = key;
        }
    }
    return best;
}

void Runner::State::process(Pending &p)
{
    std::vector<bool> tried(slots.size(), false);
    std::vector<std::string> faults;
    unsigned attempts = 0;
    for (;;) {
        int i;
        {
            std::unique_lock lk(mu);
            for (;;) {
                if (stop) {
                    p.promise.set_exception(std::make_exception_ptr(RunCancelled("job cancelled: the runner is shutting down")));
                    return;
                }
                const auto now = Clock::now();
                i = pick(tried, now);
                if (i < 0) {
                    std::string why = "no usable agent";
                    for (const auto &s : slots)
                        if (s.disabled) {
                            why = s.disabled_why;
                            break;
                        }
                    p.promise.set_exception(std::make_exception_ptr(AgentConfigError(why)));
                    return;
                }
                if (slots[size_t(i)].cool_until <= now) break;
                cool_cv.wait_until(lk, slots[size_t(i)].cool_until);  // every agent is cooling down
            }
            ++slots[size_t(i)].in_flight;
            ++slots[size_t(i)].picks;
        }
        Slot &slot = slots[size_t(i)];  // slots never changes size after construction
        ++attempts;
        try {
            Measurement m = slot.agent->run(p.job, *p.elf);
            if (m.status == RunStatus::kUnavailable)  // the agent's board, not the firmware
                throw AgentFault("agent " + slot.agent->name() + ": board unavailable: " + m.error);
            {
                std::lock_guard lk(mu);
                --slot.in_flight;
                ++slot.runs;
            }
            p.promise.set_value(RunOutcome{std::move(m), slot.agent->name(), attempts});
            return;
        } catch (const AgentFault &e) {
            {
                std::lock_guard lk(mu);
                --slot.in_flight;
                ++slot.faults;
                slot.cool_until = Clock::now() + opts.cooldown;
            }
            tried[size_t(i)] = true;
            faults.push_back(e.what());
            if (attempts >= opts.max_attempts) {
                Measurement m;
                m.status = RunStatus::kUnavailable;
                m.error = "no agent could run the job in " + std::to_string(attempts) + " attempts:";
                for (const auto &f : faults) m.error += " [" + f + "]";
                m.board = p.job.board;
                m.backend = p.job.backend;
                p.promise.set_value(RunOutcome{std::move(m), slot.agent->name(), attempts});
                return;
            }
        } catch (const AgentConfigError &e) {
            {
                std::lock_guard lk(mu);
                --slot.in_flight;
                slot.disabled = true;
                slot.disabled_why = e.what();
            }
            p.promise.set_exception(std::current_exception());
            return;
        } catch (...) {
            {
                std::lock_guard lk(mu);
                --slot.in_flight;
            }
            p.promise.set_exception(std::current_exception());
            return;
        }
    }
}

void Runner::State::worker()
{
    for (;;) {
        std::unique_ptr<Pending> p;
        {
            std::unique_lock lk(mu);
            work_cv.wait(lk, [&] { return stop || !queue.empty(); });
            if (stop) return;
            p = std::move(queue.front());
            queue.pop_front();
        }
        process(*p);
    }
}

Runner::Runner(std::vector<std::shared_ptr<Agent>> agents, RunnerOptions opts) : st_(std::make_shared<State>())
{
    if (agents.empty()) throw std::invalid_argument("Runner: no agent");
    if (opts.max_in_flight == 0) throw std::invalid_argument("Runner: max_in_flight must be at least 1");
    if (opts.max_attempts == 0) opts.max_attempts = 1;
    st_->opts = opts;
    for (auto &a : agents) {
        if (!a) throw std::invalid_argument("Runner: null agent");
        Slot s;
        s.agent = std::move(a);
        st_->slots.push_back(std::move(s));
    }
    for (unsigned i = 0; i < opts.max_in_flight; ++i) st_->workers.emplace_back([s = st_.get()] { s->worker(); });
}

Runner::~Runner()
{
    std::deque<std::unique_ptr<Pending>> left;
    {
        std::lock_guard lk(st_->mu);
        st_->stop = true;
        left.swap(st_->queue);
    }
    for (auto &p : left)
        p->promise.set_exception(std::make_exception_ptr(RunCancelled("job cancelled: the runner is shutting down")));
    st_->work_cv.notify_all();
    st_->cool_cv.notify_all();
    for (auto &s : st_->slots) s.agent->cancel_all();
    for (auto &t : st_->workers) t.join();
}

std::future<RunOutcome> Runner::submit(RunJob job)
{
    auto p = std::make_unique<Pending>();
    auto fut = p->promise.get_future();
    if (auto *path = std::get_if<std::filesystem::path>(&job.elf)) {
        std::ifstream f(*path, std::ios::binary);
        if (!f) {
            Measurement m;
            m.status = RunStatus::kInvalidArgument;
            m.error = "cannot read the image '" + path->string() + "'";
            m.board = job.board;
            m.backend = job.backend;
            p->promise.set_value(RunOutcome{std::move(m), "", 0});
            return fut;
        }
        p->elf = std::make_shared<const std::vector<uint8_t>>(std::istreambuf_iterator<char>(f),
                                                              std::istreambuf_iterator<char>());
        job.elf = std::vector<uint8_t>{};
    } else {
        p->elf = std::make_shared<const std::vector<uint8_t>>(std::move(std::get<std::vector<uint8_t>>(job.elf)));
        job.elf = std::vector<uint8_t>{};
    }
    p->job = std::move(job);
    {
        std::lock_guard lk(st_->mu);
        if (st_->stop) throw RunCancelled("submit: the runner is shutting down");
        st_->queue.push_back(std::move(p));
    }
    st_->work_cv.notify_one();
    return fut;
}

std::vector<AgentStats> Runner::stats() const
{
    std::lock_guard lk(st_->mu);
    std::vector<AgentStats> out;
    const auto now = Clock::now();
    for (const auto &s : st_->slots)
        out.push_back(AgentStats{s.agent->name(), s.in_flight, s.runs, s.faults, s.cool_until <= now, s.disabled});
    return out;
}

}  // namespace tinytx::tuner
