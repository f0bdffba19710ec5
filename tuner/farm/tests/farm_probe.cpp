// farm_probe: sends arbitrary Farm gRPC calls to a real tinytx-farmd, for the tests that play an
// attacker or a careless client (tests/test_farm_hardening.py, the fuzz run). One call per stdin
// line: {"method": "SubmitJob", "token": "...", "request": {...protobuf JSON...}}; one line out per
// call: {"code": N, "message": "...", "response": {...}}. Python here has no gRPC, hence this tool.
#include <grpcpp/grpcpp.h>

#include <google/protobuf/stubs/strutil.h>
#include <google/protobuf/util/json_util.h>

#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "tinytx/v1/farm.grpc.pb.h"

namespace v1 = tinytx::v1;
using nlohmann::json;

namespace {

template <class Request, class Response, class Call>
json call(const json &line, const std::string &token, Call invoke)
{
    Request req;
    if (const auto st = google::protobuf::util::JsonStringToMessage(line.value("request", json::object()).dump(), &req);
        !st.ok())
        return {{"code", -1}, {"message", "bad request JSON: " + std::string(st.message())}};
    // "raw": {"field": "<base64>"}: bytes JSON cannot carry (invalid UTF-8) into string fields
    if (line.contains("raw") && line["raw"].is_object())
        for (const auto &[name, b64] : line["raw"].items()) {
            const auto *field = req.GetDescriptor()->FindFieldByName(name);
            std::string bytes;
            if (field && !field->is_repeated() && b64.is_string() &&
                google::protobuf::Base64Unescape(b64.template get<std::string>(), &bytes))
                req.GetReflection()->SetString(&req, field, bytes);
        }
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(line.value("timeout_s", 20)));
    if (!token.empty())
        ctx.AddMetadata("authorization", token);
    Response resp;
    const grpc::Status st = invoke(&ctx, req, &resp);
    std::string out;
    google::protobuf::util::MessageToJsonString(resp, &out);
    return {{"code", static_cast<int>(st.error_code())},
            {"message", st.error_message()},
            {"response", json::parse(out, nullptr, false)}};
}

}  // namespace

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::cerr << "usage: farm_probe HOST:PORT < calls.jsonl\n";
        return 1;
    }
    auto stub = v1::Farm::NewStub(grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials()));
    std::string text;
    while (std::getline(std::cin, text)) {
        const json line = json::parse(text, nullptr, false);
        const std::string method = line.is_object() ? line.value("method", "") : "";
        const std::string token = line.is_object() ? line.value("token", "") : "";
        json result;
        if (method == "SubmitJob")
            result = call<v1::SubmitJobRequest, v1::Job>(line, token, [&](auto *c, auto &q, auto *r) {
                return stub->SubmitJob(c, q, r);
            });
        else if (method == "GetJob")
            result = call<v1::JobRef, v1::Job>(line, token, [&](auto *c, auto &q, auto *r) { return stub->GetJob(c, q, r); });
        else if (method == "CancelJob")
            result = call<v1::JobRef, v1::Job>(line, token, [&](auto *c, auto &q, auto *r) {
                return stub->CancelJob(c, q, r);
            });
        else if (method == "GetFront")
            result = call<v1::JobRef, v1::Front>(line, token, [&](auto *c, auto &q, auto *r) {
                return stub->GetFront(c, q, r);
            });
        else if (method == "ListJobs")
            result = call<v1::ListJobsRequest, v1::ListJobsResponse>(line, token, [&](auto *c, auto &q, auto *r) {
                return stub->ListJobs(c, q, r);
            });
        else if (method == "RegisterAgent")
            result = call<v1::RegisterAgentRequest, v1::RegisterAgentResponse>(
                line, token, [&](auto *c, auto &q, auto *r) { return stub->RegisterAgent(c, q, r); });
        else if (method == "Heartbeat")
            result = call<v1::HeartbeatRequest, v1::HeartbeatResponse>(line, token, [&](auto *c, auto &q, auto *r) {
                return stub->Heartbeat(c, q, r);
            });
        else if (method == "Metrics")
            result = call<v1::MetricsRequest, v1::MetricsResponse>(line, token, [&](auto *c, auto &q, auto *r) {
                return stub->Metrics(c, q, r);
            });
        else
            result = {{"code", -1}, {"message", "unknown method '" + method + "'"}};
        std::cout << result.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl;
    }
    return 0;
}
