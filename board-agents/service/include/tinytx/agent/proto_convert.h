// Measurement <-> tinytx.v1.Measurement, and the proto's enum names.
#pragma once

#include "tinytx/agent/platform.h"
#include "tinytx/platform/measurement.h"
#include "tinytx/v1/agent.pb.h"

namespace tinytx::agent {

tinytx::v1::Measurement to_proto(const Measurement &m);
Measurement from_proto(const tinytx::v1::Measurement &p);

// s with every byte outside printable ASCII escaped as \\xNN (proto3 strings must be UTF-8)
std::string printable(const std::string &s);

}  // namespace tinytx::agent
