// outreachd: the worker daemon of pg_outreach. It moves bytes between PostgreSQL and the outside
// world; the logic lives in SQL (docs/architecture.md, "The two rules"). Commands:
//   outreachd import ...   load a CSV file (worker/import.cpp)
//   outreachd run ...      claim and send due messages, serve webhooks (worker/run.cpp)
#include "import.hpp"
#include "run.hpp"

#include <csignal>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace {

void usage(std::ostream &os)
{
    os << "usage: outreachd COMMAND [OPTIONS]\n"
          "commands:\n"
          "  import    load a CSV of leads into a team (outreachd import --help)\n"
          "  run       send due campaign messages and serve webhooks (outreachd run --help)\n"
          "  version   print the version\n";
}

}  // namespace

int main(int argc, char **argv)
{
    // A server that goes away mid-COPY must be an error we report, not a silent death.
    std::signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        usage(std::cerr);
        return 2;
    }
    const std::string command = argv[1];
    const std::vector<std::string> args(argv + 2, argv + argc);
    if (command == "--help" || command == "-h" || command == "help") {
        usage(std::cout);
        return 0;
    }
    if (command == "version" || command == "--version") {
        std::cout << "outreachd " << OUTREACH_VERSION << "\n";
        return 0;
    }
    if (command == "import") {
        for (const std::string &a : args)
            if (a == "--help" || a == "-h") {
                std::cout << outreach::worker::import_usage();
                return 0;
            }
        auto options = outreach::worker::parse_import_args(args);
        if (!options.ok()) {
            std::cerr << "outreachd import: " << options.error().message << "\n" << outreach::worker::import_usage();
            return 2;
        }
        return outreach::worker::run_import(options.value(), std::cout, std::cerr);
    }
    if (command == "run") {
        for (const std::string &a : args)
            if (a == "--help" || a == "-h") {
                std::cout << outreach::worker::run_usage();
                return 0;
            }
        outreach::worker::RunOptions options;
        std::string error;
        if (!outreach::worker::parse_run_args(args, options, error)) {
            std::cerr << "outreachd run: " << error << "\n" << outreach::worker::run_usage();
            return 2;
        }
        return outreach::worker::run_daemon(options);
    }
    std::cerr << "outreachd: unknown command \"" << command << "\"\n";
    usage(std::cerr);
    return 2;
}
