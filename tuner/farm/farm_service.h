// The gRPC face of the farm (schemas/proto/tinytx/v1/farm.proto): token checks (writes always
// need it; reads unless --public-read), conversions, the WatchJob stream.
#pragma once

#include <string>

#include "tinytx/farm/agent_registry.h"
#include "tinytx/farm/farm_log.h"
#include "tinytx/farm/job_manager.h"
#include "tinytx/v1/farm.grpc.pb.h"

namespace tinytx::farm {

class FarmService final : public tinytx::v1::Farm::Service {
public:
    FarmService(JobManager &jobs, AgentRegistry &registry, FarmLog &log, std::string token, bool public_read)
        : jobs_(jobs), registry_(registry), log_(log), token_(std::move(token)), public_read_(public_read) {}

    grpc::Status SubmitJob(grpc::ServerContext *, const tinytx::v1::SubmitJobRequest *, tinytx::v1::Job *) override;
    grpc::Status WatchJob(grpc::ServerContext *, const tinytx::v1::JobRef *,
                          grpc::ServerWriter<tinytx::v1::JobUpdate> *) override;
    grpc::Status ListJobs(grpc::ServerContext *, const tinytx::v1::ListJobsRequest *,
                          tinytx::v1::ListJobsResponse *) override;
    grpc::Status GetJob(grpc::ServerContext *, const tinytx::v1::JobRef *, tinytx::v1::Job *) override;
    grpc::Status GetFront(grpc::ServerContext *, const tinytx::v1::JobRef *, tinytx::v1::Front *) override;
    grpc::Status CancelJob(grpc::ServerContext *, const tinytx::v1::JobRef *, tinytx::v1::Job *) override;
    grpc::Status RegisterAgent(grpc::ServerContext *, const tinytx::v1::RegisterAgentRequest *,
                               tinytx::v1::RegisterAgentResponse *) override;
    grpc::Status Heartbeat(grpc::ServerContext *, const tinytx::v1::HeartbeatRequest *,
                           tinytx::v1::HeartbeatResponse *) override;
    grpc::Status Metrics(grpc::ServerContext *, const tinytx::v1::MetricsRequest *,
                         tinytx::v1::MetricsResponse *) override;

private:
    grpc::Status authorize(grpc::ServerContext *ctx, const char *call, bool write) const;

    JobManager &jobs_;
    AgentRegistry &registry_;
    FarmLog &log_;
    std::string token_;
    bool public_read_;
};

}  // namespace tinytx::farm
