// tinytx-gvsoc-run: any gap9 image on GVSoC to its exit, as tinytx-pulp-run does on the pulp
// backend; prints the console and the exit status.
//   tinytx-gvsoc-run [--gvsoc PREFIX] [--timeout SECONDS] [--expect-status N] FILE.elf
// Exit: 0 when the status is the expected one, 1 otherwise, 2 for usage errors, 77 (ctest's
// skip) when no GVSoC install is found.
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "tinytx/agent/gvsoc/gvsoc.h"

int main(int argc, char **argv)
{
    std::string prefix, path;
    double timeout = 60;
    int expect = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::cerr << "tinytx-gvsoc-run: " << a << " needs a value\n";
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--gvsoc") prefix = value();
        else if (a == "--timeout") timeout = std::stod(value());
        else if (a == "--expect-status") expect = std::stoi(value());
        else if (a == "--help" || a == "-h" || a.rfind("--", 0) == 0 || !path.empty()) {
            std::cout << "usage: tinytx-gvsoc-run [--gvsoc PREFIX] [--timeout S] [--expect-status N] FILE.elf\n";
            return a == "--help" || a == "-h" ? 0 : 2;
        } else path = a;
    }
    if (path.empty()) {
        std::cerr << "tinytx-gvsoc-run: missing FILE.elf\n";
        return 2;
    }
    const auto gvsoc = tinytx::agent::gvsoc::find_install(prefix);
    if (!gvsoc.ok()) {
        std::cout << "SKIPPED: " << gvsoc.status().message() << "\n";
        return 77;
    }
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        std::cerr << "tinytx-gvsoc-run: cannot open " << path << "\n";
        return 2;
    }
    const std::vector<uint8_t> elf((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const auto r = tinytx::agent::gvsoc::run_to_exit(*gvsoc, elf, std::chrono::milliseconds(int64_t(timeout * 1000)));
    std::cout << r.console;
    if (!r.exit_status) {
        std::cout << "gvsoc: no exit: " << r.error << "\n";
        return 1;
    }
    std::cout << "gvsoc: exit status " << *r.exit_status << " (expected " << expect << ")\n";
    return *r.exit_status == expect ? 0 : 1;
}
