// bench/normalize_phone: throughput of normalize_phone's core against a straightforward
// libphonenumber Parse + IsValidNumber + Format(E164) of the same 1,000,000 messy inputs, in the
// same run, with a byte-for-byte comparison of every result. Single-threaded, like a backend.
//
// Usage: bench_normalize_phone [--count N] [--seed S] [--write-corpus FILE]
//   --write-corpus writes the inputs, one per line, for the SQL-level part (bench/normalize_phone).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "../test/common/phone_corpus.hpp"
#include "core/phone.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using Results = std::vector<std::optional<std::string>>;

template <typename F>
double run(const std::vector<std::string> &inputs, Results &out, F &&normalize)
{
    out.clear();
    out.reserve(inputs.size());
    auto start = Clock::now();
    for (const std::string &s : inputs) out.push_back(normalize(s, "US").value());
    return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char **argv)
{
    std::size_t count = 1000000;
    unsigned long seed = 20261125;
    const char *corpus_file = nullptr;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--count") && i + 1 < argc)
            count = std::strtoul(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = std::strtoul(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--write-corpus") && i + 1 < argc)
            corpus_file = argv[++i];
        else {
            std::fprintf(stderr, "usage: %s [--count N] [--seed S] [--write-corpus FILE]\n", argv[0]);
            return 2;
        }
    }

    outreach::testing::PhoneCorpus corpus(seed, outreach::testing::PhoneMix::realistic);
    std::vector<std::string> inputs = corpus.make(count);
    if (corpus_file) {
        std::ofstream f(corpus_file);
        for (const std::string &s : inputs) {
            // One input per line for COPY text format: escape what COPY would interpret.
            for (char c : s) {
                if (c == '\\')
                    f << "\\\\";
                else if (c == '\t')
                    f << "\\t";
                else if (c == '\n')
                    f << "\\n";
                else if (c == '\r')
                    f << "\\r";
                else
                    f << c;
            }
            f << '\n';
        }
    }

    // Warm both paths (metadata parsing, regex compilation) outside the timed loops.
    for (int i = 0; i < 1000; ++i) {
        (void)outreach::normalize_phone(inputs[static_cast<std::size_t>(i) % inputs.size()]);
        (void)outreach::normalize_phone_reference(inputs[static_cast<std::size_t>(i) % inputs.size()]);
    }

    Results reference, fast;
    double t_ref = run(inputs, reference, outreach::normalize_phone_reference);
    double t_fast = run(inputs, fast, outreach::normalize_phone);

    std::size_t valid = 0, mismatches = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (reference[i]) ++valid;
        if (reference[i] != fast[i] && ++mismatches <= 10)
            std::fprintf(stderr, "MISMATCH [%s]: fast %s, libphonenumber %s\n", inputs[i].c_str(),
                         fast[i].value_or("NULL").c_str(), reference[i].value_or("NULL").c_str());
    }

    std::printf("inputs:                    %zu (realistic messy US lead phones, seed %lu; %zu valid)\n", inputs.size(),
                seed, valid);
    std::printf("libphonenumber parse+format: %10.0f numbers/s  (%.3f s)\n", inputs.size() / t_ref, t_ref);
    std::printf("normalize_phone core:        %10.0f numbers/s  (%.3f s)\n", inputs.size() / t_fast, t_fast);
    std::printf("ratio core / libphonenumber: %.1fx  (target >= 10x)\n", t_ref / t_fast);
    std::printf("results byte-identical:      %s (%zu mismatches)\n", mismatches == 0 ? "yes" : "NO", mismatches);
    return mismatches == 0 ? 0 : 1;
}
