// The agent is built on the platform (platform/, tinytx::platform): board profiles, images,
// measurements and the mailbox are its vocabulary, named unqualified in every agent namespace.
// An agent file includes the platform headers it uses, and this.
#pragma once

namespace tinytx::platform {}

namespace tinytx::agent {
using namespace tinytx::platform;
}  // namespace tinytx::agent
