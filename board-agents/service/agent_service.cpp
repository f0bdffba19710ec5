#include "agent_service.h"

#include <iostream>

#include "tinytx/agent/proto_convert.h"
#include "tinytx/platform/auth.h"

namespace tinytx::agent {

grpc::Status AgentService::check_token(grpc::ServerContext *ctx) const
{
    if (token_.empty()) return grpc::Status::OK;
    const auto &md = ctx->client_metadata();
    auto it = md.find("authorization");
    const std::string presented = it == md.end() ? "" : std::string(it->second.data(), it->second.size());
    if (token_matches(presented, token_)) return grpc::Status::OK;
    std::cerr << "{\"event\":\"refused\",\"peer\":\"" << ctx->peer() << "\",\"reason\":\""
              << (presented.empty() ? "no token" : "wrong token") << "\"}" << std::endl;
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        presented.empty() ? "this agent requires a token" : "wrong token");
}

grpc::Status AgentService::Describe(grpc::ServerContext *ctx, const tinytx::v1::DescribeRequest *,
                                    tinytx::v1::DescribeResponse *out)
{
    if (auto st = check_token(ctx); !st.ok()) return st;
    out->set_agent_version(kAgentVersion);
    for (const auto &b : core_.describe()) {
        auto *pb = out->add_boards();
        pb->set_profile(b.profile);
        pb->set_serial(b.serial);
        pb->set_backend(b.backend);
        pb->set_state(b.state);
        pb->set_core(b.core);
        pb->set_places_arena(b.places_arena);
    }
    return grpc::Status::OK;
}

grpc::Status AgentService::Run(grpc::ServerContext *ctx, const tinytx::v1::RunRequest *req,
                               tinytx::v1::Measurement *out)
{
    if (auto st = check_token(ctx); !st.ok()) return st;
    RunRequestData r;
    if (req->has_image_hash())
        r.image = req->image_hash();
    else
        r.image = std::vector<uint8_t>(req->elf().begin(), req->elf().end());
    r.board = req->board();
    r.backend = req->backend();
    r.repeats = req->repeats();
    r.warmups = req->warmups();
    r.deadline_ms = req->deadline_ms();
    if (req->has_expected_crc32()) r.expected_crc = req->expected_crc32();
    r.arena_region = req->arena_region();
    try {
        *out = to_proto(core_.run(r));
    } catch (const InvalidArgument &e) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, printable(e.what()));
    } catch (const std::exception &e) {
        return grpc::Status(grpc::StatusCode::INTERNAL, e.what());
    }
    return grpc::Status::OK;
}

grpc::Status AgentService::Health(grpc::ServerContext *ctx, const tinytx::v1::HealthRequest *,
                                  tinytx::v1::HealthResponse *out)
{
    if (auto st = check_token(ctx); !st.ok()) return st;
    const auto h = core_.health();
    out->set_serving(true);
    out->set_runs_total(h.runs_total);
    out->set_runs_in_flight(h.runs_in_flight);
    out->set_image_loads(h.image_loads);
    out->set_firmware_runs(h.firmware_runs);
    out->set_uptime_s(h.uptime_s);
    out->set_agent_version(kAgentVersion);
    return grpc::Status::OK;
}

}  // namespace tinytx::agent
