// `outreachd run`: the long-running worker (docs/architecture.md, "outreachd run").
#pragma once

#include <string>
#include <vector>

namespace outreach::worker {

struct RunOptions {
    std::string config_file;
    std::string dsn;
    bool once = false;  // send what is due, then exit (tests, cron, the demo)
    std::string at;     // with --once in sandbox mode only: the moment to send as of (a rehearsal)
};

std::string run_usage();
// Parses the arguments after "run"; returns false with a message on bad usage.
bool parse_run_args(const std::vector<std::string> &args, RunOptions &options, std::string &error);
// Runs until SIGTERM/SIGINT (or, with once, until nothing is due). Exit status: 0 clean stop,
// 1 could not start (bad configuration, cannot listen), 2 usage.
int run_daemon(const RunOptions &options);

}  // namespace outreach::worker
