#include "farm_service.h"

#include "tinytx/platform/auth.h"

namespace tinytx::farm {

namespace v1 = tinytx::v1;
using grpc::Status;
using grpc::StatusCode;

namespace {

void to_proto(const JobView &v, v1::Job *out)
{
    const JobRecord &r = v.record;
    out->set_id(r.id);
    out->set_state(r.state);
    out->set_model(r.model);
    out->set_board(r.board);
    out->set_budget_bytes(r.request.value("budget_bytes", uint64_t(0)));
    out->set_strategy(r.request.value("strategy", "auto"));
    out->set_priority(r.priority);
    out->set_planned(v.progress.planned);
    out->set_done(v.progress.done);
    out->set_measured(v.progress.measured);
    out->set_reused(v.progress.reused);
    out->set_failed(v.progress.failed);
    out->set_eta_s(v.progress.eta_s);
    out->set_error(r.error);
    out->set_run_id(r.run_id);
    out->set_submitted(r.submitted);
    out->set_last(v.progress.last);
    out->set_exit_code(r.exit_code);
}

Status not_found(int64_t id) { return {StatusCode::NOT_FOUND, "no job " + std::to_string(id)}; }

// A failure as the call's status: a bad request or an upload over a quota is the caller's error;
// anything else is the farm's, logged, and named to the caller only by the call.
Status to_grpc(FarmLog &log, const char *call, const platform::Status &s)
{
    switch (s.code()) {
    case platform::StatusCode::kInvalidArgument: return {StatusCode::INVALID_ARGUMENT, s.message()};
    case platform::StatusCode::kResourceExhausted: return {StatusCode::RESOURCE_EXHAUSTED, s.message()};
    default:
        log.event("error", {{"call", call}, {"message", s.message()}});
        return {StatusCode::INTERNAL, std::string(call) + " failed on the farm's side (see its log)"};
    }
}

// Every call's exceptions become its status, one mapping for all: nothing one request does may
// end the daemon.
template <class Body>
Status guarded(FarmLog &log, const char *call, Body &&body)
{
    try {
        return body();
    } catch (const std::invalid_argument &e) {
        return to_grpc(log, call, platform::Status::invalid_argument(e.what()));
    } catch (const std::exception &e) {
        return to_grpc(log, call, platform::Status::internal(e.what()));
    }
}

}  // namespace

Status FarmService::authorize(grpc::ServerContext *ctx, const char *call, bool write) const
{
    if (token_.empty() || (!write && public_read_))
        return Status::OK;
    const auto &md = ctx->client_metadata();
    const auto it = md.find("authorization");
    const std::string presented = it == md.end() ? "" : std::string(it->second.data(), it->second.size());
    if (platform::token_matches(presented, token_))
        return Status::OK;
    log_.event("refused", {{"call", call}, {"peer", ctx->peer()}, {"reason", presented.empty() ? "no token" : "wrong token"}});
    return {StatusCode::UNAUTHENTICATED, presented.empty() ? "this farm needs a token (authorization: Bearer ...)"
                                                           : "wrong token"};
}

Status FarmService::SubmitJob(grpc::ServerContext *ctx, const v1::SubmitJobRequest *req, v1::Job *out)
{
    return guarded(log_, "SubmitJob", [&]() -> Status {
        if (Status s = authorize(ctx, "SubmitJob", true); !s.ok())
            return s;
        JobSpec spec;
        spec.model_spec = req->model_spec();
        for (const auto &f : req->model_files())
            spec.files.push_back({f.name(), f.content()});
        spec.board = req->board();
        spec.budget_bytes = req->budget_bytes();
        spec.strategy = req->strategy().empty() ? "auto" : req->strategy();
        spec.trials = req->trials();
        spec.seed = req->seed();
        spec.priority = req->priority();
        spec.per_layer = req->per_layer();
        spec.repeats = req->repeats() ? req->repeats() : 1;
        spec.deadline_s = req->deadline_s();
        const platform::Result<int64_t> id = jobs_.submit(spec);
        if (!id.ok())
            return to_grpc(log_, "SubmitJob", id.status());
        to_proto(*jobs_.view(*id), out);
        return Status::OK;
    });
}

Status FarmService::WatchJob(grpc::ServerContext *ctx, const v1::JobRef *req, grpc::ServerWriter<v1::JobUpdate> *w)
{
    return guarded(log_, "WatchJob", [&]() -> Status {
        if (Status s = authorize(ctx, "WatchJob", false); !s.ok())
            return s;
        auto v = jobs_.view(req->id());
        if (!v)
            return not_found(req->id());
        std::string sent_front;
        for (;;) {
            v1::JobUpdate u;
            to_proto(*v, u.mutable_job());
            if (v->front_json != sent_front)  // the front only when it changed
                u.set_front_json(sent_front = v->front_json);
            if (!w->Write(u))
                return Status::OK;  // the client went away
            if (v->ended())
                return Status::OK;
            const uint64_t version = v->version;
            do {
                if (ctx->IsCancelled())
                    return Status::OK;
                v = jobs_.wait(req->id(), version, std::chrono::milliseconds(500));
            } while (v && v->version == version && !v->ended());
            if (!v)
                return not_found(req->id());
        }
    });
}

Status FarmService::ListJobs(grpc::ServerContext *ctx, const v1::ListJobsRequest *, v1::ListJobsResponse *out)
{
    return guarded(log_, "ListJobs", [&]() -> Status {
        if (Status s = authorize(ctx, "ListJobs", false); !s.ok())
            return s;
        for (const JobView &v : jobs_.list())
            to_proto(v, out->add_jobs());
        return Status::OK;
    });
}

Status FarmService::GetJob(grpc::ServerContext *ctx, const v1::JobRef *req, v1::Job *out)
{
    return guarded(log_, "GetJob", [&]() -> Status {
        if (Status s = authorize(ctx, "GetJob", false); !s.ok())
            return s;
        auto v = jobs_.view(req->id());
        if (!v)
            return not_found(req->id());
        to_proto(*v, out);
        return Status::OK;
    });
}

Status FarmService::GetFront(grpc::ServerContext *ctx, const v1::JobRef *req, v1::Front *out)
{
    return guarded(log_, "GetFront", [&]() -> Status {
        if (Status s = authorize(ctx, "GetFront", false); !s.ok())
            return s;
        auto v = jobs_.view(req->id());
        if (!v)
            return not_found(req->id());
        to_proto(*v, out->mutable_job());
        out->set_front_json(v->front_json);
        out->set_best_export_json(v->record.best_export_json);
        return Status::OK;
    });
}

Status FarmService::CancelJob(grpc::ServerContext *ctx, const v1::JobRef *req, v1::Job *out)
{
    return guarded(log_, "CancelJob", [&]() -> Status {
        if (Status s = authorize(ctx, "CancelJob", true); !s.ok())
            return s;
        auto v = jobs_.cancel(req->id());
        if (!v)
            return not_found(req->id());
        to_proto(*v, out);
        return Status::OK;
    });
}

Status FarmService::RegisterAgent(grpc::ServerContext *ctx, const v1::RegisterAgentRequest *req,
                                  v1::RegisterAgentResponse *out)
{
    return guarded(log_, "RegisterAgent", [&]() -> Status {
        if (Status s = authorize(ctx, "RegisterAgent", true); !s.ok())
            return s;
        try {
            const std::string id = registry_.add(req->address(), req->agent_token(), 1, true);
            out->set_agent_id(id);
            out->set_lease_s(static_cast<uint32_t>(registry_.lease().count()));
            for (const auto &a : registry_.agents())
                if (a.id == id)
                    for (const auto &b : a.boards)
                        out->add_boards(b);
            return Status::OK;
        } catch (const RegistrationRefused &e) {
            log_.event("refused", {{"call", "RegisterAgent"}, {"peer", ctx->peer()}, {"reason", e.what()}});
            return {StatusCode::PERMISSION_DENIED, e.what()};
        } catch (const std::exception &e) {
            return {StatusCode::FAILED_PRECONDITION, std::string("the farm cannot use this agent: ") + e.what()};
        }
    });
}

Status FarmService::Heartbeat(grpc::ServerContext *ctx, const v1::HeartbeatRequest *req, v1::HeartbeatResponse *out)
{
    return guarded(log_, "Heartbeat", [&]() -> Status {
        if (Status s = authorize(ctx, "Heartbeat", true); !s.ok())
            return s;
        if (!registry_.heartbeat(req->agent_id()))
            return {StatusCode::NOT_FOUND, "unknown agent '" + req->agent_id() + "': register first"};
        out->set_lease_s(static_cast<uint32_t>(registry_.lease().count()));
        return Status::OK;
    });
}

Status FarmService::Metrics(grpc::ServerContext *ctx, const v1::MetricsRequest *, v1::MetricsResponse *out)
{
    return guarded(log_, "Metrics", [&]() -> Status {
        if (Status s = authorize(ctx, "Metrics", false); !s.ok())
            return s;
        const RegistryMetrics m = registry_.metrics();
        out->set_queued_jobs(jobs_.queued());
        out->set_running_jobs(jobs_.running());
        out->set_runs_per_s(m.runs_per_s);
        out->set_dispatch_overhead_ms_median(m.dispatch_overhead_ms_median);
        for (const AgentSnapshot &a : m.agents) {
            v1::AgentMetrics *x = out->add_agents();
            x->set_agent_id(a.id);
            x->set_address(a.address);
            x->set_state(to_string(a.state));
            for (const auto &b : a.boards)
                x->add_boards(b);
            x->set_runs(a.runs);
            x->set_faults(a.faults);
            x->set_consecutive_faults(a.consecutive_faults);
            x->set_in_flight(a.in_flight);
        }
        return Status::OK;
    });
}

}  // namespace tinytx::farm
