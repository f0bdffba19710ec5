#include "farm_client.h"

#include <grpcpp/grpcpp.h>

#include <fstream>
#include <iterator>
#include <thread>

#include <nlohmann/json.hpp>

#include "tinytx/platform/plaintext_policy.h"
#include "tinytx/v1/farm.grpc.pb.h"

namespace tinytx::tuner {

namespace fs = std::filesystem;
namespace v1 = tinytx::v1;

namespace {

std::string read_all(const fs::path &p)
{
    std::ifstream in(p, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read " + p.string());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every "file" the spec names (weights, calibration input), read from beside it, and renamed in
// the spec to the plain name it is uploaded under: a farm takes files only by plain name.
void collect_files(nlohmann::json &j, const fs::path &base, v1::SubmitJobRequest &sub)
{
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (it.key() == "file" && it->is_string()) {
                const std::string path = it->get<std::string>();
                const std::string name = fs::path(path).filename().string();
                v1::NamedFile *f = sub.add_model_files();
                f->set_name(name);
                f->set_content(read_all(fs::path(path).is_absolute() ? fs::path(path) : base / path));
                *it = name;
            } else {
                collect_files(*it, base, sub);
            }
        }
    } else if (j.is_array()) {
        for (auto &x : j)
            collect_files(x, base, sub);
    }
}

FarmOutcome transport_error(const std::string &what, const grpc::Status &st)
{
    FarmOutcome o;
    o.exit_code = 1;
    o.error = what + ": " + st.error_message();
    return o;
}

}  // namespace

FarmOutcome run_on_farm(const FarmRequest &req, const std::function<void(const TuneProgress &)> &progress)
{
    FarmOutcome out;
    v1::SubmitJobRequest sub;
    try {
        const std::string text = read_all(req.model_path);
        auto spec = nlohmann::json::parse(text, nullptr, false);
        const auto before = spec;
        collect_files(spec, req.model_path.parent_path(), sub);
        // the spec as written when it names its files plainly already (the same model hash as a
        // local run); else with the names the farm will know them by
        sub.set_model_spec(spec.is_discarded() || spec == before ? text : spec.dump(2));
    } catch (const std::exception &e) {
        out.exit_code = 1;
        out.error = std::string("model: ") + e.what();
        return out;
    }
    sub.set_board(req.board);
    sub.set_budget_bytes(req.budget_bytes);
    sub.set_strategy(req.strategy);
    sub.set_trials(req.trials);
    sub.set_seed(req.seed);
    sub.set_priority(req.priority);
    sub.set_per_layer(req.per_layer);
    sub.set_repeats(req.repeats);
    sub.set_deadline_s(req.deadline_s);

    grpc::ChannelArguments args;
    args.SetMaxSendMessageSize(256 << 20);
    args.SetMaxReceiveMessageSize(64 << 20);
    std::shared_ptr<grpc::ChannelCredentials> creds = grpc::InsecureChannelCredentials();
    if (!req.tls_ca_file.empty()) {
        grpc::SslCredentialsOptions ssl;
        try {
            ssl.pem_root_certs = read_all(req.tls_ca_file);
            if (!req.tls_cert_file.empty()) {
                ssl.pem_cert_chain = read_all(req.tls_cert_file);
                ssl.pem_private_key = read_all(req.tls_key_file);
            }
        } catch (const std::exception &e) {
            out.exit_code = 1;
            out.error = std::string("--farm-tls-ca: ") + e.what();
            return out;
        }
        creds = grpc::SslCredentials(ssl);
    }
    if (const platform::Status plain = platform::check_plaintext_token(req.address, !req.token.empty(),
                                                                       !req.tls_ca_file.empty(), req.insecure, "--farm-tls-ca");
        !plain.ok()) {
        out.exit_code = 1;
        out.error = plain.message();
        return out;
    }
    auto stub = v1::Farm::NewStub(grpc::CreateCustomChannel(req.address, creds, args));
    auto context = [&](std::chrono::seconds deadline) {
        auto ctx = std::make_unique<grpc::ClientContext>();
        if (deadline.count())
            ctx->set_deadline(std::chrono::system_clock::now() + deadline);
        if (!req.token.empty())
            ctx->AddMetadata("authorization", "Bearer " + req.token);
        return ctx;
    };
    v1::Job job;
    {
        auto ctx = context(std::chrono::seconds(60));
        const grpc::Status st = stub->SubmitJob(ctx.get(), sub, &job);
        if (!st.ok())
            return transport_error("farm " + req.address + " refused the job", st);
    }
    out.job_id = job.id();
    // Watch; a dropped stream (daemon restarting) is watched again until the job ends.
    std::string state = job.state();
    for (int attempt = 0; state != "finished" && state != "failed" && state != "cancelled"; ++attempt) {
        auto ctx = context(std::chrono::seconds(0));
        v1::JobRef ref;
        ref.set_id(job.id());
        auto reader = stub->WatchJob(ctx.get(), ref);
        v1::JobUpdate u;
        while (reader->Read(&u)) {
            attempt = 0;
            const v1::Job &j = u.job();
            state = j.state();
            TuneProgress p;
            p.planned = j.planned();
            p.done = j.done();
            p.measured = j.measured();
            p.reused = j.reused();
            p.failed = j.failed();
            p.eta_s = j.eta_s();
            p.last = j.last();
            if (progress && p.planned)
                progress(p);
        }
        const grpc::Status st = reader->Finish();
        if (!st.ok() && (st.error_code() != grpc::StatusCode::UNAVAILABLE || attempt > 30))
            return transport_error("watching job " + std::to_string(job.id()) + " on " + req.address, st);
        if (!st.ok())
            std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    v1::JobRef ref;
    ref.set_id(job.id());
    v1::Front front;
    auto ctx = context(std::chrono::seconds(60));
    const grpc::Status st = stub->GetFront(ctx.get(), ref, &front);
    if (!st.ok())
        return transport_error("front of job " + std::to_string(job.id()), st);
    out.exit_code = front.job().exit_code();
    out.error = front.job().error();
    if (front.job().state() != "finished" && out.exit_code == 0)
        out.exit_code = 1;
    if (out.error.empty() && out.exit_code)
        out.error = "job " + std::to_string(job.id()) + " " + front.job().state();
    out.front_json = front.front_json();
    out.best_export_json = front.best_export_json();
    return out;
}

}  // namespace tinytx::tuner
