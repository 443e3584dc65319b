// The deterministic reply classifier: what a person meant by an answer to one of our texts, and
// the data it carries (an opt-out, e-mail addresses, phone numbers, a preferred callback time).
// Rules only, no model: every answer names the rule that decided it, so an operator can ask why,
// and a low confidence tells a later step (an LLM, a person) that the rules were guessing.
//
// STOP comes first and errs on its own side: missing an opt-out is the one unacceptable error
// (47 CFR 64.1200(a)(10): consent is revoked by "any reasonable means"), so an answer that may be
// a revocation is one. Replies longer than limits::kReply are classified on their first
// limits::kReply bytes.
#pragma once
#include "no_postgres.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace outreach::replies {

// The SOP's eight labels, in order of precedence (a reply that is several things is the first).
enum class Label { Stop, EmailCapture, CallbackRequest, PriceInquiry, Question, Positive, Negative, Unclear };

// What the reply does to consent: an opt-out (STOP in any wording), an opt-in (START, UNSTOP,
// SUBSCRIBE: a bare YES is not one), or a request for help (HELP, INFO).
enum class Consent { None, OptOut, OptIn, Help };

// A preferred callback time as written: each part optional. weekday is ISO (1 Monday .. 7
// Sunday); day is "today" or "tomorrow"; part is "morning", "afternoon" or "evening", kept only
// when no clock time is given (the hour says more); after means "after 5" (not before then). An
// hour written without am/pm is read in business hours: 1 to 7 are the afternoon ("at 4" is 16:00).
struct Callback {
    std::optional<int> weekday;
    std::string day;
    std::optional<int> hour;  // 0-23
    std::optional<int> minute;
    std::string part;
    bool after = false;

    bool empty() const { return !weekday && day.empty() && !hour && part.empty(); }
    bool operator==(const Callback &) const = default;
};

struct Classification {
    Label label = Label::Unclear;
    float confidence = 0;  // in [0, 1]: 1 for an exact keyword, below 0.8 for a guess
    std::string rule;      // short stable name of the deciding rule, e.g. "stop_keyword"
    Consent consent = Consent::None;
    std::vector<std::string> emails;  // normalized, lower case, in order of appearance
    std::vector<std::string> phones;  // E.164 (US when no country code is written)
    Callback callback;

    // The extracted data as a JSON object: consent, emails, phones, callback {weekday, day, hour,
    // minute, part, after}; empty parts are left out ("{}" when there is nothing).
    std::string to_json() const;
};

// Classifies one reply. has_media: the message carried MMS attachments (a picture alone says
// nothing we can read: UNCLEAR).
Classification classify(std::string_view body, bool has_media = false);

// "STOP", "POSITIVE", ...: the label as stored and returned to SQL.
const char *label_name(Label label);

// "opt_out", "opt_in", "help", or "" for none.
const char *consent_name(Consent consent);

// The version of the rule set, stored with every label the rules give so that a change of rules
// can be told apart in precision and recall over time.
std::string_view rules_version();

}  // namespace outreach::replies
