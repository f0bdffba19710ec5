// The gRPC face of AgentCore (schemas/proto/tinytx/v1/agent.proto), with token checks.
#pragma once

#include <string>

#include "tinytx/agent/agent_core.h"
#include "tinytx/v1/agent.grpc.pb.h"

namespace tinytx::agent {

class AgentService final : public tinytx::v1::Agent::Service {
public:
    AgentService(AgentCore &core, std::string token) : core_(core), token_(std::move(token)) {}

    grpc::Status Describe(grpc::ServerContext *ctx, const tinytx::v1::DescribeRequest *,
                          tinytx::v1::DescribeResponse *out) override;
    grpc::Status Run(grpc::ServerContext *ctx, const tinytx::v1::RunRequest *req,
                     tinytx::v1::Measurement *out) override;
    grpc::Status Health(grpc::ServerContext *ctx, const tinytx::v1::HealthRequest *,
                        tinytx::v1::HealthResponse *out) override;

private:
    grpc::Status check_token(grpc::ServerContext *ctx) const;
    AgentCore &core_;
    std::string token_;
};

}  // namespace tinytx::agent
