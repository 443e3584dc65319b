// A generator of messy phone-number strings as they arrive in US small-business lead files:
// mostly NANP numbers in every common layout, plus extensions, spreadsheet damage, vanity
// numbers, international numbers, placeholders and junk. Deterministic for a given seed.
// Used by the agreement test (test/unit/phone_test.cpp) and by bench/normalize_phone.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace outreach::testing {

// Two mixes: `realistic` approximates a US lead file (what bench/normalize_phone measures);
// `adversarial` over-samples everything unusual (what the agreement test checks).
enum class PhoneMix { realistic, adversarial };

class PhoneCorpus {
public:
    explicit PhoneCorpus(std::uint64_t seed, PhoneMix mix = PhoneMix::adversarial) : rng_(seed), mix_(mix) {}

    std::vector<std::string> make(std::size_t count)
    {
        std::vector<std::string> out;
        out.reserve(count);
        for (std::size_t i = 0; i < count; ++i) out.push_back(next());
        return out;
    }

    // One input. Adversarial, per 1000: 800 NANP layouts, 40 with extensions, 40 damaged or
    // partial numbers, 30 international, 20 vanity, 30 placeholders/junk, 40 near-misses.
    // Realistic: 944 NANP layouts, 20 extensions, 10 damaged, 8 international, 5 vanity,
    // 8 junk, 5 near-misses.
    std::string next()
    {
        static constexpr int kAdversarial[] = {800, 40, 40, 30, 20, 30, 40};
        static constexpr int kRealistic[] = {944, 20, 10, 8, 5, 8, 5};
        const int *weights = mix_ == PhoneMix::realistic ? kRealistic : kAdversarial;
        int r = pick(0, 999);
        int kind = 0;
        while (kind < 6 && r >= weights[kind]) r -= weights[kind++];
        switch (kind) {
        case 0: return nanp_layout(nanp_digits());
        case 1: return with_extension(nanp_layout(nanp_digits()));
        case 2: return damaged();
        case 3: return international();
        case 4: return vanity();
        case 5: return junk();
        default: return adversarial();
        }
    }

private:
    int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
    bool chance(int percent) { return pick(0, 99) < percent; }
    char digit(int lo = 0, int hi = 9) { return static_cast<char>('0' + pick(lo, hi)); }
    std::string digits(int n)
    {
        std::string s;
        for (int i = 0; i < n; ++i) s += digit();
        return s;
    }

    // Ten digits, usually shaped like a real number (NPA and exchange starting 2-9), sometimes
    // anything, sometimes toll-free.
    std::string nanp_digits()
    {
        static const char *const kCommonNpas[] = {"212", "213", "305", "312", "415", "512", "602", "617",
                                                  "702", "713", "808", "907", "646", "917", "347", "404",
                                                  "470", "214", "469", "972", "303", "720", "206", "503"};
        static const char *const kTollFree[] = {"800", "888", "877", "866", "855", "844", "833"};
        int r = pick(0, 99);
        std::string npa;
        if (r < 50)
            npa = kCommonNpas[pick(0, 23)];
        else if (r < 55)
            npa = kTollFree[pick(0, 6)];
        else if (r < 98 || mix_ == PhoneMix::realistic)
            npa = std::string(1, digit(2, 9)) + digit() + digit();
        else
            npa = digits(3);  // leading 0/1 area codes: invalid, and exercise the library path
        std::string exchange = chance(93) ? std::string(1, digit(2, 9)) + digits(2) : digits(3);
        if (chance(10)) exchange = "555";
        return npa + exchange + digits(4);
    }

    std::string nanp_layout(const std::string &d)
    {
        std::string a = d.substr(0, 3), b = d.substr(3, 3), c = d.substr(6, 4);
        std::string s;
        switch (pick(0, 15)) {
        case 0: s = "(" + a + ") " + b + "-" + c; break;
        case 1: s = a + "-" + b + "-" + c; break;
        case 2: s = a + "." + b + "." + c; break;
        case 3: s = d; break;
        case 4: s = "1-" + a + "-" + b + "-" + c; break;
        case 5: s = "+1 " + a + " " + b + " " + c; break;
        case 6: s = "+1 (" + a + ") " + b + "-" + c; break;
        case 7: s = "1" + d; break;
        case 8: s = "+1" + d; break;
        case 9: s = "(" + a + ")" + b + "-" + c; break;
        case 10: s = a + " " + b + " " + c; break;
        case 11: s = "1 (" + a + ") " + b + "-" + c; break;
        case 12: s = "+1-" + a + "-" + b + "-" + c; break;
        case 13: s = "Tel: " + a + "-" + b + "-" + c; break;
        case 14: s = "'" + d; break;  // spreadsheet text marker
        default: s = a + "/" + b + "-" + c; break;
        }
        switch (pick(0, 19)) {
        case 0: s = "  " + s + "  "; break;
        case 1: s = "\"" + s + "\""; break;
        case 2: s += ","; break;
        case 3: s = "\t" + s; break;
        default: break;
        }
        return s;
    }

    std::string with_extension(const std::string &number)
    {
        static const char *const kLabels[] = {" x", " x ",         "x",     " ext ", " ext. ", " Ext: ", " EXT",
                                              " X", " extension ", " ext.", " #",    " ,",     " Ext.",  " xt "};
        int digits_count = pick(1, 8);
        return number + kLabels[pick(0, 13)] + digits(digits_count);
    }

    std::string damaged()
    {
        std::string d = nanp_digits();
        switch (pick(0, 11)) {
        case 0: return d.substr(3, 3) + "-" + d.substr(6, 4);           // 7-digit local number
        case 1: return d.substr(0, 9);                                  // a digit lost
        case 2: return d + digit();                                     // a digit too many
        case 3: return d + ".0";                                        // spreadsheet float
        case 4: return d.substr(0, 1) + "." + d.substr(1, 9) + "E+09";  // scientific notation
        case 5: return "1" + d + digit();                               // 12 digits
        case 6: return "0" + d;
        case 7: return d.substr(0, 3) + "-" + d.substr(3, 3) + "-" + d.substr(6, 3);
        case 8: return d + " / " + nanp_digits();  // two numbers in one cell
        case 9: return "11" + d;
        case 10:
            return d.substr(0, 3) + "\xe2\x80\x93" + d.substr(3, 3) + "\xe2\x80\x93" + d.substr(6, 4);  // en dashes
        default: return "\xef\xbc\x92\xef\xbc\x91\xef\xbc\x92" + d.substr(3);  // full-width 212
        }
    }

    std::string international()
    {
        switch (pick(0, 9)) {
        case 0: return "+44 20 " + digits(4) + " " + digits(4);
        case 1: return "+44 7" + digits(3) + " " + digits(6);
        case 2: return "+52 55 " + digits(4) + " " + digits(4);
        case 3: return "011 44 20 " + digits(4) + " " + digits(4);
        case 4: return "+91 9" + digits(4) + " " + digits(5);
        case 5: return "+49 30 " + digits(8);
        case 6: return "+33 6 " + digits(2) + " " + digits(2) + " " + digits(2) + " " + digits(2);
        case 7: return "+61 4" + digits(2) + " " + digits(3) + " " + digits(3);
        case 8: return "+1 " + std::string(1, digit(2, 9)) + digits(2) + " " + digits(3) + " " + digits(4);
        default: {
            std::string s = "+";
            s += digits(pick(5, 15));
            return s;
        }
        }
    }

    std::string vanity()
    {
        static const char *const kWords[] = {"FLOWERS", "CALL-NOW", "PLUMBER", "GO-FEDEX", "TAX-HELP", "HVAC"};
        static const char *const kPrefixes[] = {"1-800-", "1-888-", "(800) ", "877-", "1 (855) "};
        return std::string(kPrefixes[pick(0, 4)]) + kWords[pick(0, 5)];
    }

    std::string junk()
    {
        static const char *const kJunk[] = {
            "",        " ",        "N/A",          "n/a", "none",      "NULL",        "unknown",
            "-",       "0",        "000-000-0000", "123", "see notes", "call office", "(   )    -    ",
            "#VALUE!", "555-5555", "1234567890"};
        return kJunk[pick(0, 16)];
    }

    // Near-misses around the fast path's boundaries: stray letters, odd punctuation, pluses in
    // the wrong place, RFC 3966 forms, long digit runs.
    std::string adversarial()
    {
        std::string d = nanp_digits();
        switch (pick(0, 13)) {
        case 0: return d.substr(0, 3) + "x" + d.substr(3);
        case 1: return d + " home";
        case 2: return "+ " + d;
        case 3: return d.substr(0, 3) + "+" + d.substr(3);
        case 4: return "tel:+1-" + d.substr(0, 3) + "-" + d.substr(3, 3) + "-" + d.substr(6);
        case 5: return d + ";ext=" + digits(3);
        case 6: return digits(pick(12, 30));
        case 7: return "++1" + d;
        case 8: return d + "#";
        case 9: return d + "-" + digits(3) + "#";
        case 10: return d + " x" + digits(pick(7, 12));
        case 11: return "Cell:" + d + " (mobile)";
        case 12: return "1" + d + " ext " + digits(4) + ".";
        default: return "\xc2\xa0" + d;  // no-break space
        }
    }

    std::mt19937_64 rng_;
    PhoneMix mix_;
};

}  // namespace outreach::testing
