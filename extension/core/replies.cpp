// The deterministic reply classifier (see replies.hpp).
//
// A reply goes through three stages:
//   1. preparation: the first limits::kReply bytes, folded to lower-case ASCII (accents off, as
//      every key of the project is folded: fold_to_ascii_lower), e-mail addresses (obfuscated
//      ones included) and phone numbers taken out, then written as "words": runs of letters and
//      digits separated by single spaces, apostrophes dropped (don't -> dont), clause punctuation
//      kept as " . ", letters repeated three times or more made one (stoooop -> stop), known
//      emoji as words (emostop, emoyes, ...), and common typos and abbreviations spelled out
//      (stpo -> stop, pls -> please, unsubscibe -> unsubscribe);
//   2. rules over those words, in the order of the labels' precedence: STOP first, then an
//      e-mail address, a callback request, a price question, any question, yes or no;
//   3. extraction of the callback time from the same words.
// Patterns are RE2 (linear time whatever the text: a reply is hostile input) compiled once per
// process. Keyword lists and where they come from are beside each rule.
#include "replies.hpp"

#include "interrupt.hpp"
#include "limits.hpp"
#include "names.hpp"
#include "phone.hpp"
#include "sms.hpp"
#include "utf8.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <array>
#include <cstdio>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

namespace outreach::replies {
namespace {

// Bump when a rule changes what some reply is labelled (stored with every rule label).
constexpr std::string_view kRulesVersion = "replies-rules-5";

// ---- preparation ------------------------------------------------------------------------------

// Emoji that carry meaning in a reply, as the word they become. The stop sign and the raised hand
// are how people say STOP without words; the rest are yes, no, a question, a phone, money.
struct EmojiWord {
    char32_t cp;
    const char *word;
};
constexpr EmojiWord kEmoji[] = {
    {0x1F6D1, "emostop"},  // 🛑
    {0x270B, "emohalt"},     {0x26D4, "emohalt"},     {0x1F6AB, "emohalt"},
    {0x1F645, "emohalt"},  // ✋ ⛔ 🚫 🙅
    {0x1F44D, "emoyes"},     {0x1F44C, "emoyes"},     {0x1F64C, "emoyes"},
    {0x1F44F, "emoyes"},  // 👍 👌 🙌 👏
    {0x2705, "emoyes"},      {0x2714, "emoyes"},      {0x1F4AF, "emoyes"},
    {0x1F525, "emoyes"},  // ✅ ✔ 💯 🔥
    {0x1F60A, "emoyes"},     {0x1F642, "emoyes"},     {0x1F600, "emoyes"},
    {0x1F603, "emoyes"},  // 😊 🙂 😀 😃
    {0x1F604, "emoyes"},     {0x1F601, "emoyes"},     {0x2764, "emoyes"},
    {0x1F91D, "emoyes"},                                                    // 😄 😁 ❤ 🤝
    {0x1F60D, "emoyes"},     {0x1F929, "emoyes"},     {0x1F64F, "emoyes"},  // 😍 🤩 🙏
    {0x1F44E, "emono"},      {0x274C, "emono"},       {0x1F621, "emono"},
    {0x1F620, "emono"},                                                       // 👎 ❌ 😡 😠
    {0x1F92C, "emono"},      {0x1F644, "emoroll"},                            // 🤬 🙄 (an eye-roll: sarcasm)
    {0x1F595, "emofinger"},                                                   // 🖕: "f off"
    {0x2753, "emoquestion"}, {0x2754, "emoquestion"},                         // ❓ ❔
    {0x1F4DE, "emophone"},   {0x260E, "emophone"},    {0x1F4F1, "emophone"},  // 📞 ☎ 📱
    {0x1F4B0, "emomoney"},   {0x1F4B5, "emomoney"},                           // 💰 💵
};

const char *emoji_word(char32_t cp)
{
    for (const EmojiWord &e : kEmoji)
        if (e.cp == cp) return e.word;
    return nullptr;
}

// Decodes the code point at s[i] (s is valid UTF-8: fold_to_ascii_lower's output) and advances i.
char32_t next_cp(std::string_view s, std::size_t &i)
{
    const auto c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (i + static_cast<std::size_t>(len) > s.size()) len = static_cast<int>(s.size() - i);
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += static_cast<std::size_t>(len);
    return cp;
}

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Abbreviations and misspellings of the words the rules look for, spelled out. Texting shorthand
// (pls, plz, txt, msg, u, ur) and the transpositions people type in a hurry (stpo, remvoe).
const std::unordered_map<std::string_view, std::string_view> &spellings()
{
    static const std::unordered_map<std::string_view, std::string_view> map = {
        {"stpo", "stop"},
        {"st0p", "stop"},
        {"takemeoff", "take me off"},
        {"removeme", "remove me"},
        {"stoptexting", "stop texting"},
        {"unsubscribeme", "unsubscribe me"},
        {"optmeout", "opt me out"},
        {"leavemealone", "leave me alone"},
        {"sotp", "stop"},
        {"stp", "stop"},
        {"sstop", "stop"},
        {"stopp", "stop"},
        {"stoop", "stop"},
        {"stoo", "stop"},
        {"sto", "stop"},
        {"pls", "please"},
        {"plz", "please"},
        {"plse", "please"},
        {"plez", "please"},
        {"pleez", "please"},
        {"pleas", "please"},
        {"plzz", "please"},
        {"txt", "text"},
        {"tx", "text"},
        {"txts", "texts"},
        {"txting", "texting"},
        {"texing", "texting"},
        {"textin", "texting"},
        {"msg", "message"},
        {"msgs", "messages"},
        {"msging", "messaging"},
        {"mssg", "message"},
        {"u", "you"},
        {"ur", "your"},
        {"yr", "your"},
        {"dnt", "dont"},
        {"rmv", "remove"},
        {"unsubscribed", "unsubscribe"},
        {"unsuscribe", "unsubscribe"},
        {"nmbr", "number"},
        {"num", "number"},
        {"numbr", "number"},
        {"tmrw", "tomorrow"},
        {"tmr", "tomorrow"},
        {"tmw", "tomorrow"},
        {"tomm", "tomorrow"},
        {"tomorow", "tomorrow"},
        {"tommorow", "tomorrow"},
        {"tommorrow", "tomorrow"},
        {"2morrow", "tomorrow"},
        {"2mrw", "tomorrow"},
        {"tmrow", "tomorrow"},
        {"tonite", "tonight"},
        {"k", "ok"},
        {"kk", "ok"},
        {"okay", "ok"},
        {"okey", "ok"},
        {"thx", "thanks"},
        {"ty", "thanks"},
        {"intrested", "interested"},
        {"intersted", "interested"},
        {"wanna", "want to"},
        {"gonna", "going to"},
        {"cuz", "because"},
        {"bc", "because"},
        {"yeah", "yes"},
        {"yea", "yes"},
        {"yep", "yes"},
        {"yup", "yes"},
        {"ye", "yes"},
        {"yass", "yes"},
        {"yas", "yes"},
        {"nah", "no"},
        {"stahp", "stop"},
        {"r", "are"},
        {"howd", "how did"},
        {"whod", "who did"},
        {"wheres", "where is"},
        {"whatd", "what did"},
        {"yessir", "yes sir"},
        {"losing", "lose"},
        {"nope", "no"},
        {"naw", "no"},
        {"noo", "no"},
        {"hmu", "hit me up"},
    };
    return map;
}

// Longer words the rules look for, corrected when a token is one edit away (two for the long
// ones) and starts with the same letter. Real words one edit away from a target are listed so
// they keep their meaning (a contract is not a contact, a massage not a message).
struct FuzzyTarget {
    std::string_view word;
    int max_edits;
};
constexpr FuzzyTarget kFuzzy[] = {{"unsubscribe", 2}, {"remove", 1},    {"texting", 1},    {"messages", 1},
                                  {"message", 1},     {"messaging", 1}, {"contact", 1},    {"number", 1},
                                  {"please", 1},      {"desist", 1},    {"interested", 2}, {"tomorrow", 2}};

const std::unordered_set<std::string_view> &real_words()
{
    static const std::unordered_set<std::string_view> words = {
        "testing",     "nesting",      "tenting",       "massage",   "massages",   "passage",    "contract",
        "contacts",    "lumber",       "numbers",       "remote",    "removed",    "removes",    "pleased",
        "pleases",     "lease",        "plead",         "numbed",    "member",     "interest",   "interests",
        "interesting", "uninterested", "disinterested", "interesse", "interessee", "interesses", "messaged",
        "messager",    "texted",       "unsubscribes",  "desists",   "contacted",  "rebmun"};
    return words;
}

// Optimal string alignment distance (edits, adjacent swaps counting one), stopping early once it
// exceeds `limit`. Both words are short (a token longer than a target plus two is never compared).
int edit_distance(std::string_view a, std::string_view b, int limit)
{
    const std::size_t n = a.size(), m = b.size();
    std::vector<int> prev2(m + 1), prev(m + 1), cur(m + 1);
    for (std::size_t j = 0; j <= m; ++j) prev[j] = static_cast<int>(j);
    for (std::size_t i = 1; i <= n; ++i) {
        cur[0] = static_cast<int>(i);
        int row_min = cur[0];
        for (std::size_t j = 1; j <= m; ++j) {
            const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                cur[j] = std::min(cur[j], prev2[j - 2] + 1);
            row_min = std::min(row_min, cur[j]);
        }
        if (row_min > limit) return limit + 1;
        std::swap(prev2, prev);
        std::swap(prev, cur);
    }
    return prev[m];
}

// The spelled-out form of one token (itself when it is not a known abbreviation or typo).
std::string_view spell(std::string_view token)
{
    if (auto it = spellings().find(token); it != spellings().end()) return it->second;
    if (token.size() < 5 || is_digit(token[0]) || real_words().count(token)) return token;
    for (const FuzzyTarget &t : kFuzzy) {
        if (token == t.word) return token;
        if (token[0] != t.word[0]) continue;
        const auto diff = static_cast<int>(token.size()) - static_cast<int>(t.word.size());
        if (diff > t.max_edits || -diff > t.max_edits) continue;
        if (edit_distance(token, t.word, t.max_edits) <= t.max_edits) return t.word;
    }
    return token;
}

// A letter written three times or more in a row is one letter: "stoooop", "yesss", "nooo".
// Digits are left alone (1000).
void collapse_runs(std::string &w)
{
    std::size_t out = 0;
    for (std::size_t i = 0; i < w.size();) {
        std::size_t j = i;
        while (j < w.size() && w[j] == w[i]) ++j;
        const std::size_t keep = (j - i >= 3 && !is_digit(w[i])) ? 1 : j - i;
        for (std::size_t k = 0; k < keep; ++k) w[out++] = w[i];
        i = j;
    }
    w.resize(out);
}

// RE2 patterns are compiled once per process (the compiled form is immutable, safe to share).
const RE2 &re(const char *pattern)
{
    // The map's keys are the addresses of string literals: each call site passes the same one.
    static std::unordered_map<const char *, std::unique_ptr<RE2>> cache;
    static std::mutex lock;
    std::lock_guard<std::mutex> guard(lock);
    auto &slot = cache[pattern];
    if (!slot) slot = std::make_unique<RE2>(pattern);
    return *slot;
}

// Top-level domains an obfuscated address may end with ("frank at gmail dot com"): requiring one
// keeps "meet me at the park dot" from becoming an address.
#define OUTREACH_TLDS \
    "com|net|org|edu|gov|io|co|us|biz|info|me|mx|ca|uk|ai|app|dev|tv|xyz|email|pro|online|es|fr|de|cc|mil"

// Rewrites spelled-out and bracketed addresses into plain ones: "frank dot miller at gmail dot
// com", "frank[at]acme[dot]com", "f (at) acme (dot) co", "frank @ acme.com".
void deobfuscate_emails(std::string &s)
{
    static const RE2 bracket_at(R"(\s*[\[\(\{<]\s*(?:at|@|arroba)\s*[\]\)\}>]\s*)");
    static const RE2 bracket_dot(R"(\s*[\[\(\{<]\s*(?:dot|\.|punto)\s*[\]\)\}>]\s*)");
    static const RE2 spaced_at(R"(([a-z0-9])\s+@\s*([a-z0-9])|([a-z0-9])@\s+([a-z0-9]))");
    static const RE2 spelled_dot(R"(([a-z0-9_%+-])\s+(?:dot|punto)\s+([a-z0-9]))");
    static const RE2 spelled_at("([a-z0-9_%+-])\\s+(?:at|arroba)\\s+([a-z0-9-]+(?:\\.[a-z0-9-]+)*\\.(?:" OUTREACH_TLDS
                                ")\\b)");
    static const RE2 spelled_underscore(R"(([a-z0-9]) (?:underscore|under score) ([a-z0-9]))");
    static const RE2 arobase(R"(([a-z0-9]) (?:arobase|arroba|aroba) ([a-z0-9]))");
    RE2::GlobalReplace(&s, arobase, "\\1@\\2");
    RE2::GlobalReplace(&s, spelled_underscore, "\\1_\\2");
    RE2::GlobalReplace(&s, bracket_at, "@");
    RE2::GlobalReplace(&s, bracket_dot, ".");
    RE2::GlobalReplace(&s, spaced_at, "\\1\\3@\\2\\4");
    // Overlapping matches ("a dot b dot c") need a second pass; each pass shortens the text, and
    // a reply has a bounded number of them.
    for (int pass = 0; pass < 8 && RE2::GlobalReplace(&s, spelled_dot, "\\1.\\2") > 0; ++pass) poll_interrupts();
    // "email is Frank Miller 62 at comcast dot net": the words of the local part, joined
    static const RE2 worded_local(
        R"(\b(email is|e mail is|email|email me at|my email is|my email|correo es|mi correo es|mail is|send it to|send them to|send to|send the info to|send details to) ((?:[a-z0-9]+ ){1,3}[a-z0-9]+) at ([a-z0-9-]+(?:\.[a-z0-9-]+)+)\b)");
    {
        std::string out;
        re2::StringPiece in(s);
        std::string lead, local, domain;
        std::size_t consumed = 0;
        const char *base = s.data();
        while (RE2::FindAndConsume(&in, worded_local, &lead, &local, &domain)) {
            const std::size_t end = static_cast<std::size_t>(in.data() - base);
            const std::size_t start = end - (lead.size() + 1 + local.size() + 4 + domain.size());
            out.append(s, consumed, start - consumed);
            // "email is tony at ...": "is" is no part of an address
            const std::string first = local.substr(0, local.find(' '));
            if (first == "is" || first == "es" || first == "me" || first == "to" || first == "address") {
                out.append(s, consumed, end - consumed);
                consumed = end;
                continue;
            }
            local.erase(std::remove(local.begin(), local.end(), ' '), local.end());
            out += lead + " " + local + "@" + domain;
            consumed = end;
        }
        if (consumed > 0) {
            out.append(s, consumed, std::string::npos);
            s = std::move(out);
        }
    }
    RE2::GlobalReplace(&s, spelled_at, "\\1@\\2");
    // "lisa.b@yahoo . com": spaces around the dots of a domain
    static const RE2 spaced_domain_dot("(@[a-z0-9-]+(?:\\.[a-z0-9-]+)*)\\s*\\.\\s*(" OUTREACH_TLDS ")\\b");
    // "contact@boulangerie-leblanc point ca": French and Portuguese say the dot
    static const RE2 worded_domain_dot("(@[a-z0-9-]+(?:\\.[a-z0-9-]+)*) (?:point|ponto) (" OUTREACH_TLDS ")\\b");
    RE2::GlobalReplace(&s, worded_domain_dot, "\\1.\\2");
    for (int pass = 0; pass < 4 && RE2::GlobalReplace(&s, spaced_domain_dot, "\\1.\\2") > 0; ++pass) poll_interrupts();
    // "frankmiller at gmail": the big free-mail providers are written without their ".com"
    static const RE2 bare_freemail(
        "([a-z0-9._%+-]*[a-z0-9_%+-])(?:\\s+(?:at|arroba)\\s+|\\s*@\\s*)(gmail|yahoo|hotmail|outlook|aol|icloud|protonmail)\\b([^.@]|$)");
    RE2::GlobalReplace(&s, bare_freemail, "\\1@\\2.com\\3");
}

struct Prepared {
    std::vector<std::string> tokens;  // words, "." between clauses
    std::string words;                // tokens joined by single spaces
    bool question_mark = false;
    std::size_t word_count = 0;  // tokens that are words (not clause marks)
    std::string raw_start;       // the first 64 folded bytes, as written (for tapbacks)
    bool empty = true;           // nothing but whitespace
};

// Extracts e-mail addresses and phone numbers from the folded text (in place: each is replaced by
// a placeholder word, so that its digits and dots are not read as times or clauses).
void extract_contacts(std::string &s, Classification &out)
{
    static const RE2 email(R"(([a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)+))");
    static const RE2 phone(R"((\+\d[\d ().-]{6,18}\d|(?:\b1[ .-]?)?(?:\(\d{3}\)|\b\d{3})[ .-]?\d{3}[ .-]?\d{4}\b))");
    std::string rebuilt;
    re2::StringPiece in(s);
    std::string found;
    const char *done = s.data();
    while (RE2::FindAndConsume(&in, email, &found)) {
        poll_interrupts();
        const char *start = in.data() - found.size();
        rebuilt.append(done, static_cast<std::size_t>(start - done));
        rebuilt += " zzemail ";
        done = in.data();
        std::string candidate = found;
        while (!candidate.empty() && (candidate.back() == '.' || candidate.back() == '-')) candidate.pop_back();
        if (auto e = normalize_email(candidate);
            e && std::find(out.emails.begin(), out.emails.end(), *e) == out.emails.end())
            out.emails.push_back(*e);
    }
    rebuilt.append(done, static_cast<std::size_t>(s.data() + s.size() - done));
    s.swap(rebuilt);

    rebuilt.clear();
    in = re2::StringPiece(s);
    done = s.data();
    while (RE2::FindAndConsume(&in, phone, &found)) {
        poll_interrupts();
        const auto normalized = normalize_phone(found, "US");
        if (!normalized.ok() || !normalized.value()) continue;
        const char *start = in.data() - found.size();
        rebuilt.append(done, static_cast<std::size_t>(start - done));
        rebuilt += " zzphone ";
        done = in.data();
        const std::string &e164 = *normalized.value();
        if (std::find(out.phones.begin(), out.phones.end(), e164) == out.phones.end()) out.phones.push_back(e164);
    }
    rebuilt.append(done, static_cast<std::size_t>(s.data() + s.size() - done));
    s.swap(rebuilt);
}

// Stage 1: the reply as words (see the comment at the top of the file).
// A word written letter by letter ("S T O P", "u n s u b") is that word: a run of three or more
// one-letter tokens is joined (and spelled again). Runs of "a" and "i" alone are left as they are.
void join_spaced_letters(std::vector<std::string> &tokens)
{
    // voice-to-text splits "unsubscribe" into "un subscribe" or hears "on subscribe"
    for (std::size_t i = 0; i + 1 < tokens.size(); ++i)
        if ((tokens[i] == "un" || tokens[i] == "on") && tokens[i + 1].starts_with("subscri")) {
            tokens[i] = "un" + tokens[i + 1];
            tokens.erase(tokens.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        }
    std::vector<std::string> out;
    out.reserve(tokens.size());
    for (std::size_t i = 0; i < tokens.size();) {
        std::size_t j = i;
        while (j < tokens.size() && tokens[j].size() == 1 && tokens[j][0] >= 'a' && tokens[j][0] <= 'z') ++j;
        if (j - i >= 3) {
            std::string word;
            for (std::size_t k = i; k < j; ++k) word += tokens[k];
            collapse_runs(word);
            out.emplace_back(spell(word));
            i = j;
        } else {
            out.push_back(std::move(tokens[i]));
            ++i;
        }
    }
    tokens = std::move(out);
}

// Letters that look like Latin ones but are not (Cyrillic and Greek capitals written to slip past
// keyword filters: "ЅТОР"), and a "$" or digit inside a word ("$TOP", "st0p"): a word that reads
// as an opt-out keyword once they are taken for the letters they imitate is that keyword. Only
// keywords: "10am", "$5k" and real Cyrillic words keep what they are.
std::string unmask_lookalikes(std::string_view in)
{
    static const std::unordered_map<char32_t, char> confusable = {
        {0x0405, 's'}, {0x0455, 's'}, {0x0422, 't'}, {0x0442, 't'}, {0x041E, 'o'}, {0x043E, 'o'}, {0x0420, 'p'},
        {0x0440, 'p'}, {0x0410, 'a'}, {0x0430, 'a'}, {0x0415, 'e'}, {0x0435, 'e'}, {0x041D, 'h'}, {0x041C, 'm'},
        {0x0421, 'c'}, {0x0441, 'c'}, {0x0425, 'x'}, {0x0445, 'x'}, {0x0406, 'i'}, {0x0456, 'i'}, {0x0412, 'b'},
        {0x041A, 'k'}, {0x0423, 'y'}, {0x0443, 'y'}, {0x0399, 'i'}, {0x039F, 'o'}, {0x03BF, 'o'}, {0x03A4, 't'},
        {0x03A1, 'p'}, {0x0391, 'a'}, {0x0395, 'e'}, {0x039D, 'n'}, {0x0392, 'b'}, {0x039A, 'k'}, {0x039C, 'm'}};
    std::string out;
    out.reserve(in.size());
    std::size_t i = 0;
    while (i < in.size()) {
        // one word: a run of non-space bytes
        std::size_t j = i;
        while (j < in.size() && in[j] != ' ' && in[j] != '\n') ++j;
        const std::string_view word = in.substr(i, j - i);
        std::string latin;
        bool all_lookalike = !word.empty(), any_letter = false, any_mask = false;
        for (std::size_t k = 0; k < word.size();) {
            const char32_t cp = utf8::next(word, k);
            if (auto it = confusable.find(cp); it != confusable.end()) {
                latin += it->second;
                any_mask = true;
            } else if (cp < 0x80 && std::isalpha(static_cast<unsigned char>(cp))) {
                latin += static_cast<char>(cp);
                any_letter = true;
            } else if (cp == '$' || cp == '0' || cp == '1' || cp == '3' || cp == '5') {
                latin += cp == '$' || cp == '5' ? 's' : cp == '0' ? 'o' : cp == '1' ? 'i' : 'e';
                any_mask = true;
            } else {
                all_lookalike = false;
                break;
            }
        }
        static const std::unordered_set<std::string_view> keywords = {
            "stop", "stopall", "unsubscribe", "unsub", "cancel", "quit", "end", "optout", "remove", "revoke"};
        for (char &c : latin) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        (void)any_letter;
        if (all_lookalike && any_mask && keywords.count(latin))
            out += latin;
        else
            out += word;
        if (j < in.size()) out += in[j];
        i = j + (j < in.size() ? 1 : 0);
    }
    return out;
}

Prepared prepare(std::string_view body, Classification &out)
{
    Prepared p;
    std::string s = fold_to_ascii_lower(unmask_lookalikes(utf8::prefix(body, limits::kReply)));
    p.raw_start = std::string(utf8::prefix(s, 64));
    // a.m. / p.m. as one word each, before their dots become clause breaks
    static const RE2 ampm(R"(\b([ap])\.\s?m\.?)");
    RE2::GlobalReplace(&s, ampm, "\\1m");
    deobfuscate_emails(s);
    extract_contacts(s, out);

    InterruptTicker ticker(1024);
    std::string cur;
    const auto flush = [&] {
        if (cur.empty()) return;
        collapse_runs(cur);
        std::string_view spelled = spell(cur);
        // a spelling may be two words ("want to")
        std::size_t at = 0;
        while (at <= spelled.size()) {
            const std::size_t sp = std::min(spelled.find(' ', at), spelled.size());
            p.tokens.emplace_back(spelled.substr(at, sp - at));
            at = sp + 1;
        }
        cur.clear();
    };
    // Clause breaks are "." or "?" (a question mark is kept apart: "cancel?" echoes a word, it does
    // not command it).
    const auto clause = [&](const char *mark = ".") {
        flush();
        if (p.tokens.empty()) return;
        if (p.tokens.back() == "." || p.tokens.back() == "?") {
            if (std::string_view(mark) == "?") p.tokens.back() = "?";
            return;
        }
        p.tokens.emplace_back(mark);
    };
    std::size_t i = 0;
    while (i < s.size()) {
        ticker.tick();
        const char c = s[i];
        if (static_cast<unsigned char>(c) >= 0x80) {
            const char32_t cp = next_cp(s, i);
            p.empty = false;
            if (cp == 0xBF) {  // ¿ opens a Spanish question
                p.question_mark = true;
                clause("?");
            } else if (const char *w = emoji_word(cp)) {
                flush();
                p.tokens.emplace_back(w);
            } else {
                flush();
            }
            continue;
        }
        ++i;
        if (c != ' ') p.empty = false;
        if (is_alnum(c)) {
            cur += c;
        } else if (c == '\'') {
            // don't -> dont, I'm -> im
        } else if ((c == ':' || c == '.') && !cur.empty() && is_digit(cur.back()) && i < s.size() && is_digit(s[i])) {
            cur += ':';  // 3:30, 3.30
        } else if (c == '?' || c == '.' || c == '!' || c == ',' || c == ';' || c == ':' || c == '\n' || c == '\r' ||
                   c == '(' || c == ')') {
            if (c == '?') p.question_mark = true;
            clause(c == '?' ? "?" : ".");
        } else if (c == '$') {
            flush();
            p.tokens.emplace_back("dollar");
        } else if (c == '%') {
            flush();
            p.tokens.emplace_back("percent");
        } else if (c == '#') {
            flush();
            p.tokens.emplace_back("number");  // "wrong #", "my #"
        } else if (c == '&' || c == '+') {
            flush();
            p.tokens.emplace_back("and");
        } else if (c == '@') {
            flush();
            p.tokens.emplace_back("at");
        } else {
            flush();
        }
    }
    flush();
    join_spaced_letters(p.tokens);
    while (!p.tokens.empty() && p.tokens.back() == ".") p.tokens.pop_back();
    while (!p.tokens.empty() && (p.tokens.front() == "." || p.tokens.front() == "?")) p.tokens.erase(p.tokens.begin());
    for (const std::string &t : p.tokens)
        if (t != "." && t != "?") ++p.word_count;
    for (const std::string &t : p.tokens) {
        if (!p.words.empty()) p.words += ' ';
        p.words += t;
    }
    return p;
}

// ---- rules --------------------------------------------------------------------------------------

struct Rule {
    const char *name;
    float confidence;
    const char *pattern;
};

// The first rule of `rules` whose pattern occurs in `words`, or nullptr.
template <std::size_t N>
const Rule *first_match(const Rule (&rules)[N], const std::string &words)
{
    for (const Rule &r : rules) {
        poll_interrupts();
        if (RE2::PartialMatch(words, re(r.pattern))) return &r;
    }
    return nullptr;
}

// Words that add nothing to a one-word command ("STOP please!!", "unsubscribe now, thanks").
bool is_filler(std::string_view t)
{
    static const std::unordered_set<std::string_view> fillers = {
        ".",       "?",      "please",  "now",  "thanks", "thank", "you",   "just",    "ok",          "hey",    "hi",
        "hello",   "lol",    "omg",     "sir",  "maam",   "asap",  "right", "again",   "ya",          "por",    "favor",
        "gracias", "merci",  "svp",     "the",  "all",    "it",    "this",  "already", "immediately", "dude",   "man",
        "bro",     "stupid", "fucking", "damn", "god",    "ffs",   "oh",    "jeez",    "seriously",   "already"};
    return fillers.count(t) > 0;
}

// The reply's words without fillers and repeats: "STOP STOP STOP!!" and "stop please" -> "stop".
std::string core_words(const Prepared &p)
{
    std::string core;
    std::string last;
    for (const std::string &t : p.tokens) {
        if (is_filler(t) || t == last) continue;
        if (!core.empty()) core += ' ';
        core += t;
        last = t;
    }
    return core;
}

// Opt-out keywords as the whole message (fillers aside). Sources: the FCC's per-se revocation
// words (47 CFR 64.1200(a)(10), FCC 24-24: stop, quit, end, revoke, opt out, cancel,
// unsubscribe); the CTIA/carrier set and Twilio's defaults (STOP, STOPALL, UNSUBSCRIBE, CANCEL,
// END, QUIT, REVOKE, OPTOUT: twilio.com/en-us/blog/update-to-fccs-sms-opt-out-keywords); the
// Spanish and French words of Twilio Advanced Opt-Out's language sets (ALTO, PARAR, BASTA,
// CANCELAR; ARRET, DESABONNER); plus REMOVE, DELETE and UNSUB, which people send the same way.
const std::unordered_set<std::string_view> &stop_keywords()
{
    static const std::unordered_set<std::string_view> words = {
        "stop",         "stopall",        "stop all", "unsubscribe", "unsub",      "cancel",        "end",
        "quit",         "revoke",         "optout",   "opt out",     "remove",     "remove me",     "delete",
        "delete me",    "stop it",        "alto",     "parar",       "para",       "basta",         "cancelar",
        "baja",         "arret",          "arrete",   "arretez",     "desabonner", "desabonnement", "desinscrire",
        "stop texting", "stop messaging", "no more",  "enough",      "out",        "opt me out",    "unsubscribe me",
        "stop stop",    "emostop",        "emohalt",  "no mas",      "cancel me",  "end it",        "quit it",
        "stop now",     "emofinger",      "sair",     "pare",        "chega",      "descadastrar",  "parar de enviar"};
    return words;
}

// Free-text revocations: what a reasonable person reads as "stop texting me" (FCC 24-24: consent
// may be revoked by any reasonable means). English, Spanish and French; the words are already
// folded and spelled out by prepare(). Ordered from the surest.
// clang-format off
const Rule kStopPhrases[] = {
    {"stop_keyword_in_text", 0.95f, R"(\b(stopall|optout|opt (me )?out|unsubscri\w*|unsub|revoke|revoking)\b)"},
    {"stop_emoji", 0.95f, R"(\bemostop\b)"},
    {"stop_phrase:remove_me", 0.95f,
     R"(\b(remove|remova|delete|erase|purge|unlist|rmv) (me|us|my|this|our|him|her|that|meu|mi)\b)"},
    {"stop_phrase:take_me_off", 0.95f,
     R"(\b(take|get|drop|scratch|cross|strike|pull|leave|put) (me|us|my \w+|this \w+|our \w+|him|her)( \w+)? (off|out of|from)\b)"},
    {"stop_phrase:remove_from_list", 0.9f,
     R"(\b(remove|delete|take|drop|scratch) (it|this|this number|that number|the number|this line|us|me) (from|off) (whatever|any|all|every|your|the|this|that|ur)( \w+){0,2} (list|lists|database|system|records)\b|\btell (her|him|them|cathy|gianna|whoever) to stop($| \.| texting| messaging| contacting))"},
    {"stop_phrase:off_list", 0.9f,
     R"(\boff (of )?(your|the|this|that|ya|yall|you guys|all|these|those|ur|his|their)( \w+){0,2} (list|lists|database|system|contacts|records|roster|registry)\b)"},
    {"stop_phrase:do_not_call_list", 0.95f, R"(\b(do not|dont) (call|contact|text|email|disturb)( me)? (list|registry)\b|\bdnc\b)"},
    {"stop_phrase:dont_text_me", 0.95f,
     R"(\b(dont|do not|never|no longer|stop|quit|cease|cant you stop|stop ever|dinnae|dont you|do not ever)( ever| again)? (text|texts|texting|message|messages|messaging|contact|contacting|call|calling|email|emailing|bother|bothering|spam|spamming|sms|hit me up|reach out|reaching out|send|sending|hitting me up|harass|harassing|bug|bugging|write|writing|pester|pestering|blowing up|blow up|hitting up|hit up)\b)"},
    {"stop_phrase:dont_want", 0.9f,
     R"(\b(dont|do not|no longer|never) (want|wish|need|care|like) (to )?(any )?(more |further |these |your |receive |get |getting |receiving |be contacted|hear|texts|messages|calls|contact)\b)"},
    {"stop_phrase:no_more", 0.95f,
     R"(\bno more (texts|text|messages|message|sms|spam|contact|calls|emails|of this|of these|mensajes|textos)\b|^no more\b)"},
    {"stop_phrase:lose_my_number", 0.95f,
     R"(\b(lose|loose|forget|delete|trash|burn|erase|remove|toss) (my|this|our) (number|phone|cell|contact|info|information|details|data)\b)"},
    {"stop_phrase:leave_me_alone", 0.95f, R"(\bleave (me|us|my family) (alone|be)\b)"},
    {"stop_phrase:go_away", 0.9f,
     R"(\b(emofinger|go to hell|drop dead|get bent|eat shit|go fuck yourself|go away|get lost|back off|fuck off|f off|eff off|piss off|buzz off|bugger off|screw off|shove off|bug off|fuck you|fuck u|stfu|gtfo|knock it off|cut it out|shut up)\b)"},
    {"stop_phrase:cease_and_desist", 0.95f, R"(\b(cease|desist)\b)"},
    // "use email instead of texting this phone", "email me instead": texting is what they refuse
    {"stop_phrase:not_by_text", 0.85f,
     R"(\b(instead of|rather than|not by|no) (text|texts|texting|txt|txts|sms|messages|messaging)\b|\b(email|e mail|mail|call) (me |us )?(instead|only)\b)"},
    {"stop_phrase:wrong_number", 0.85f,
     R"(\b(equivocad[oa]s?|se equivocaron|wrong (number|person|guy|girl|lady|man|phone|contact|no)|not the (right )?person|no (one|body) (here )?(by|with|named) that name|(doesnt|does not|dont|no longer) (live|work) here|not my (number|name)|numero equivocado|persona equivocada|mauvais numero)\b)"},
    {"stop_phrase:never_signed_up", 0.85f,
     R"(\b(i|we)( never| did not| didnt| have not| havent| never ever) (sign|signed|opt|opted|subscribe|ask|asked|give|gave|agree|agreed|consent|consented|authorized|authorize)\b|\bdo not consent\b|\bwithdraw\w* (my )?consent\b)"},
    {"stop_phrase:complaint", 0.85f,
     R"(\b(spam|spammer|spammers|spamming|loan shark|loan sharks|scammer|scammers|predatory|harass|harassment|harassing|stalking|stalker|tcpa|lawyer|attorney|lawsuit|fcc|ftc|unsolicited|sue you|suing|(report|reporting|reported) (you|this|it|your|u)|(block|blocking|blocked) (you|this|it|your|u|the number|number))\b|\b(blocking|blocked)\b)"},
    {"stop_phrase:end_texts", 0.9f,
     R"(\b(end|cancel|quit|unsubscribe|halt|cease) (these|the|this|all|my|your)( \w+)? (texts|text|messages|message|subscription|spam|sms|notifications|alerts)\b|^end (texts|messages|this|these)\b|\bcancel (me|my subscription|subscription|texts|messages)\b)"},
    // a keyword that is a sentence of its own: "END. not interested", "not interested. remove", "3rd text this week. enough."
    {"stop_phrase:quit_it", 0.9f,
     R"((^|[.?] )(quit|end|cancel|alto|parar|para|cancelar|enough|enough already|unsubscribe|remove|sair|chega|pare|basta|desist|halt|para ya|basta ya)( \.|$))"},
    // "PARA YA con los mensajes"
    {"stop_phrase:para_ya", 0.9f, R"(\b(para|paren|pare|basta) ya (con|de) (los |tus |sus )?(mensajes|textos|sms|llamadas)\b)"},
    // "text me one more time and see what happens"
    {"stop_phrase:threat", 0.9f,
     R"(\b(text|message|contact|call|bother|spam) (me|us) (one more time|again|once more|another time) and\b|\bif (you|u|ya|yall|y all) (text|message|msg|contact|call|bother|spam) (me|us) (one more time|again|once more|another time)\b)"},
    // "who gave u my number?? delete it", "How did you get this number. Delete it now."
    {"stop_phrase:delete_number", 0.9f,
     R"(\b(my|this|our) (number|phone number|cell|cell number|#)\b.*\b(delete|erase|remove|lose|trash) (it|that)\b)"},
    // sarcasm: "yeah keep texting me at 9pm, great way to win my business 🙄"
    {"stop_phrase:sarcasm", 0.85f,
     R"(\b(keep|love|enjoy|please keep) (texting|messaging|spamming|calling|bugging) (me|us)\b.*\bemoroll\b|\bemoroll\b.*\b(texting|messages|spam|texts)\b)"},
    // Portuguese: "sair", "não me mande mais mensagens", "remova meu número", "número errado"
    {"stop_phrase:portugues", 0.95f,
     R"(\bnao (me )?(mande|mandem|manda|envie|enviem|ligue|liguem|contate|contatem|mandar|enviar|escreva|escrevam) (mais|nada|mensag\w*)\b|\b(remova|remover|removam|tire|tirem|apague|apaguem|exclua|excluam|deleta|delete) (meu|o meu|esse|este|o) (numero|contato|telefone|celular)\b|\bnumero errado\b|\b(descadastr\w*|parem de (mandar|enviar|ligar))\b)"},
    // Korean, Haitian Creole, Tagalog, German and Italian, folded to ASCII: "문자 그만" (geuman: enough),
    // "수신거부" (susingeobu: refuse to receive), "sispann voye mesaj", "retire nimewo", "tigil", "wag
    // nyo na ako i-text", "hören Sie auf", "nicht mehr schreiben", "abmelden", "non scrivetemi più",
    // "basta messaggi", "smettete"
    {"stop_phrase:other_languages", 0.9f,
     R"(\b(geuman|susingeobu|sinsin geobu|sispann|retire (nimewo|non|nimero)|pa voye|tigil|wag (nyo|mo|na) (na )?(ako |akong )?(i ?text|itext|text|mag ?text|padalhan)|huwag (nyo|mo) (na )?(ako )?(i ?text|text)|horen sie auf|hor auf|nicht mehr (schreiben|kontaktieren|anrufen|senden)|abmelden|austragen|non (mi |ci )?(scrivete|scrivetemi|scrivermi|mandate|mandatemi|contattate|contattatemi) piu|basta (con i |coi )?messaggi|smettete|smettila|cancellami|cancellate il mio numero)\b)"},
    // Vietnamese, folded to ASCII: "đừng nhắn tin nữa", "xoá số", "sai số", "huỷ đăng ký"
    {"stop_phrase:tieng_viet", 0.9f,
     R"(\b(dung|khong|ko|k) (nhan tin|nhan|gui tin|gui|nt|lien lac)\b|\bxoa so\b|\bsai so\b|\bhuy dang ky\b)"},
    // Spanish: "no me escriban", "dejen de mandarme", "no quiero mensajes", "bórrenme", "de baja"
    {"stop_phrase:no_me_escriban", 0.95f,
     R"(\bno ((me|nos) )?(vuelvan a |vuelvas a |vuelva a |vuelvan |vuelvas )?(escriban|escribas|escribes|escriba|escribir|manden|mandes|mande|mandar|envien|envies|envie|enviar|contacten|contactes|contacte|contactar|contactarme|llamen|llames|llame|llamar|molesten|molestes|moleste|molestar|textees|texteen|textear|mensajees|busquen)\b)"},
    {"stop_phrase:dejen_de", 0.95f,
     R"(\b(dejen|deja|dejar|deje|dejes|paren|para|pare) de (escribir|mandar|enviar|llamar|molestar|contactar|textear|spamear)\w*\b)"},
    {"stop_phrase:no_quiero_mensajes", 0.95f,
     R"(\bno (quiero|deseo|necesito|queremos) (recibir |que me (manden|envien|escriban) )?(mas |ningun |ninguno |ningunos |sus |tus |estos )?(mensajes|mensaje|textos|texto|sms|msjs|llamadas)\b|\bno mas (\w+ )?(mensajes|mensaje|mensajitos|textos|texto|texts|text|txt|txts|sms|msjs|msgs|llamadas)\b)"},
    {"stop_phrase:borrar_numero", 0.95f,
     R"(\b(borr\w*|elimin\w*|quit(a|e|en|ar|ame|enme)|sa(ca|car|came|quen|quenme|que)) (mi|me|este|nuestro) (numero|telefono|cel|celular|de (la|su|tu|sus) (lista|base)|del sistema)\b|\b(quitenme|sacame|saquenme|borrenme|eliminenme|borrame|quitame|eliminame)\b)"},
    {"stop_phrase:de_baja", 0.95f, R"(\b(dar|darme|doy|den|denme|dame|de) de baja\b)"},
    // "basta" alone or of the messages; "basta de bancos que dicen que no" is enough of something else
    {"stop_phrase:basta", 0.95f,
     R"(\bbasta (con|de) (los |tus |sus |estos |esos |tantos )?(mensajes|textos|sms|llamadas|spam)\b|\bbasta( ya)?( de (mensajes|textos|sms|llamadas|spam|molestar|escribir|mandar|enviar)\w*)?( por favor)?( \.| \?|$)|\b(dejenme en paz|dejame en paz|dejeme en paz)\b)"},
    // French: "arrêtez", "me désabonner", "ne m'écrivez plus", "plus de messages"
    {"stop_phrase:arretez", 0.95f,
     R"(\b(arretez|desabonner|desabonnez|desabonnement|desinscrire|desinscrivez)\b|\barrete de\b|\bne (me |m |nous )?m?(ecrivez|ecris|contactez|envoyez|envoie|appelez|appelle)\w* plus\b|\bplus de (messages|sms|textos)\b)"},
};
// clang-format on

// Whether the token "stop" at index i is a request to stop texting rather than one of the
// everyday uses that are not ("stop by our shop", "don't stop, tell me more", "bus stop").
bool stop_is_command(const std::vector<std::string> &t, std::size_t i)
{
    // what we do to people: "stop texting", "stop contacting me" is a command whatever came before
    static const std::unordered_set<std::string_view> contact = {
        "texting",  "text",       "texts",   "messaging", "message",  "messages",  "sending",
        "send",     "contacting", "contact", "calling",   "emailing", "bothering", "bugging",
        "spamming", "harassing",  "me",      "us",        "this",     "these",     "hitting",
        "blowing",  "pinging",    "buzzing", "writing",   "reaching", "dming",     "txting",
        "msging",   "msg",        "txt",     "pestering", "hounding", "blasting",  "robotexting"};
    static const std::unordered_set<std::string_view> places_after = {
        "by", "in", "over", "at", "sign", "light", "loss", "watch", "signs", "lights", "on", "and", "n", "shop",
        // "do payments stop if ...", "stop when the season ends": a condition, not a command
        "if", "when", "once", "after", "before", "during", "until", "till", "because", "for"};
    // "we had to stop construction", "I'll stop by": someone telling, not telling us
    static const std::unordered_set<std::string_view> narrators = {
        "we", "i", "they", "he", "she", "it", "had", "have", "has", "did", "will", "would", "gonna", "going",
        "could", "should", "might", "must", "may", "ill", "well", "theyll", "hes", "shes", "payments", "payment"};
    static const std::unordered_set<std::string_view> nouns_before = {"bus",   "pit", "truck", "one", "last", "next",
                                                                      "first", "non", "full",  "gas", "rest", "no"};
    static const std::unordered_set<std::string_view> negations = {"dont", "never", "cant",   "cannot",   "wont",
                                                                   "not",  "didnt", "doesnt", "shouldnt", "couldnt",
                                                                   "no",   "nao",   "dung",   "ne"};
    const std::string_view next = i + 1 < t.size() ? std::string_view(t[i + 1]) : std::string_view();
    const std::string_view prev = i > 0 ? std::string_view(t[i - 1]) : std::string_view();
    // "don't stop texting me lol": a negated stop is never a command, whatever follows
    if (negations.count(prev) || (prev == "not" && i >= 2 && t[i - 2] == "do")) return false;
    // "Reply STOP to opt out": the instructions of a quoted text or an auto-reply, not a request
    if (prev == "reply" || prev == "text" || prev == "txt" || prev == "send" || prev == "respond") return false;
    if (contact.count(next)) return true;
    if (places_after.count(next) || nouns_before.count(prev)) return false;                    // "stop by", "bus stop"
    if (negations.count(prev) || (prev == "not" && i >= 2 && t[i - 2] == "do")) return false;  // "don't stop"
    if (narrators.count(prev)) return false;
    // "trying to stop smoking" tells; "I need you to stop" asks
    if (prev == "to") {
        const std::string_view who = i >= 2 ? std::string_view(t[i - 2]) : std::string_view();
        return who == "you" || who == "u" || who == "yall" || who == "guys" || who == "people";
    }
    // "stop wasting time" is stopping something else; "stop blowing up my phone" is not
    if (next.size() > 4 && next.ends_with("ing")) {
        const std::string_view after = i + 2 < t.size() ? std::string_view(t[i + 2]) : std::string_view();
        return after == "me" || after == "my" || after == "us" || after == "this" || after == "our";
    }
    return true;
}

// Sets the label, confidence and rule of `out`.
void decide(Classification &out, Label label, float confidence, std::string rule)
{
    out.label = label;
    out.confidence = confidence;
    out.rule = std::move(rule);
}

// The parts of a reply that mention stopping without asking for it, removed before the STOP rules
// read it: an echoed question the person answers no to ("quit texting? nah keep em coming",
// "unsubscribe? nah"), "not a wrong number", and being taken off something that is not our list
// ("take me off hold").
std::string without_denied_stops(const std::string &words)
{
    static const RE2 echo(R"((^|[.?] )[^.?]*\? (nah|no|nope|naw|nada|hell no|no way|nao)( \.|$| keep| tell| send| im| go))");
    // "I unsubscribed from like 5 of these", "opt out of the daily debits", "don't stop texting me",
    // "Reply STOP to opt out" (the instructions of a quoted text or of an auto-reply)
    static const RE2 others(
        R"(\b(i|we) (unsubscribed|opted out|unsubscribe) (from )?(like )?(\d+|a few|some|many|all|several|other|those|these|them)\b|\bopt (me )?out of (the )?(daily|weekly|auto|automatic|monthly)? ?(debits|debit|payments|payment|ach|autopay|insurance|plan|program|withdrawals)\b|\b(dont|do not|never) stop (texting|messaging|sending|contacting|calling)\b|\b(dont|do not|never) (unsubscribe|remove|opt) (me|us)( out)?\b|\bnot (telling|asking) (you|u|yall) to stop\b|\bhindi (po )?stop\b|\bstop anigo\w*|\bwrong (number|person|chat) (on|with|for|in) (that|my|the) (last )?(msg|message|text|txt)\b|\b(reply|text|txt|send|respond) (with )?(stop|end|cancel|quit|unsubscribe|stopall)( to (opt out|unsubscribe|cancel|end|stop)( of (\w+ ){0,3}\w+)?)?)");
    static const RE2 not_wrong(R"(\b(not|isnt|is not|aint) (a |the )?wrong (number|person|guy)\b)");
    static const RE2 off_other(R"(\boff (of )?(the |your )?(hold|waitlist|wait list|speaker|schedule|clock|hook)\b)");
    std::string w = words;
    RE2::GlobalReplace(&w, echo, "\\1 .");
    RE2::GlobalReplace(&w, not_wrong, ".");
    RE2::GlobalReplace(&w, others, ".");
    RE2::GlobalReplace(&w, off_other, "off_other");
    return w;
}

// STOP in any wording; true when the reply is an opt-out.
bool classify_stop(const Prepared &p, const std::string &core, Classification &out)
{
    const std::string words = without_denied_stops(p.words);
    std::vector<std::string> tokens;
    for (std::size_t at = 0; at < words.size();) {
        const std::size_t sp = std::min(words.find(' ', at), words.size());
        if (sp > at) tokens.emplace_back(words.substr(at, sp - at));
        at = sp + 1;
    }
    if (stop_keywords().count(core)) {
        const bool emoji = core == "emostop" || core == "emohalt";
        decide(out, Label::Stop, emoji ? 0.9f : 1.0f, emoji ? "stop_emoji" : "stop_keyword");
        return true;
    }
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        poll_interrupts();
        if (tokens[i] == "stop" && stop_is_command(tokens, i)) {
            // at the start of a clause it is a command; inside a sentence a little less sure
            const bool leads = i == 0 || tokens[i - 1] == "." || tokens[i - 1] == "please" || tokens[i - 1] == "just";
            decide(out, Label::Stop, leads ? 0.95f : 0.85f, "stop_word");
            return true;
        }
    }
    if (const Rule *r = first_match(kStopPhrases, words)) {
        decide(out, Label::Stop, r->confidence, r->name);
        return true;
    }
    return false;
}

// START, UNSTOP and the like as the whole message re-subscribe (Twilio's opt-in keywords,
// twilio.com/docs/api/errors/23004; a bare YES is not taken as one: it answers our question).
// HELP and INFO ask for the team's help text.
bool classify_consent_keyword(const std::string &core, Classification &out)
{
    static const std::unordered_set<std::string_view> start = {
        "start",       "unstop", "subscribe", "resubscribe",  "opt in",   "optin",
        "start again", "resume", "unstop me", "subscribe me", "reanudar", "comenzar"};
    static const std::unordered_set<std::string_view> help = {"help", "info", "ayuda", "aide", "information"};
    if (start.count(core)) {
        out.consent = Consent::OptIn;
        decide(out, Label::Positive, 0.95f, "start_keyword");
        return true;
    }
    if (help.count(core)) {
        out.consent = Consent::Help;
        decide(out, Label::Question, 0.95f, "help_keyword");
        return true;
    }
    return false;
}

// clang-format off
// Asking to be called, in English and Spanish.
const Rule kCallbackPhrases[] = {
    {"callback_phrase", 0.9f,
     R"(\b(call|ring|phone) (me|us)\b|\bcall (back|tomorrow|later|anytime|any time|after|around|between|my|this|the office|at|on|in|monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|tonight|this)\b|\bgive (me|us) a (call|ring|buzz)\b|\b(you|u) (can|could|may|should|will|would) call\b|\b(can|could|would|will|pls|please) (you |u )?call\b)"},
    {"callback_phrase", 0.85f,
     R"(\b(reach|catch) me (at|on|tomorrow|today|after|before|around|in|this|monday|tuesday|wednesday|thursday|friday)\b|\bbest (time|number|way) to (call|reach)\b|\b(lets|can we|could we|we should|want to|like to) (talk|chat|speak|hop on|jump on|set up|schedule|connect)\b|\btry me\b|\b(schedule|set up|book|arrange) (a|the) (call|time|meeting|chat)\b|\b(phone|quick) call\b|\bcall (works|is fine|would be)\b|\bemophone\b)"},
    {"callback_phrase", 0.85f,
     R"(\b(im|i am|ill be|i will be|we are|were) (free|available|around|off)\b)"},
    {"callback_phrase", 0.9f,
     R"(\b(llamame|llameme|llamenme|marcame|marqueme|hablame|llamar|llamada|llamen|llamarme|marcar)\b|\b(me|nos) (puedes|pueden|puede) (llamar|marcar)\b|\bhablamos\b|\bme llamas\b|\bappelez moi\b|\bappelle moi\b)"},
    {"callback_phrase", 0.8f, R"(\b(i|ill|i will|we|well) (call|ring) (you|u)\b|\bcall\b.*\bzzphone\b|\bzzphone\b.*\bcall\b)"},
    {"callback_phrase", 0.75f, R"(\bcall\b)"},
};

// Asking what it costs: the price, the rate, the fees and how it is paid back (payback, terms,
// payment schedule). English, Spanish, French. "How much" is a price question unless it asks how
// much money one can get (kAmountQuestion).
const Rule kPricePhrases[] = {
    {"price_phrase", 0.9f,
     R"(\b(price|prices|pricing|priced|cost|costs|costing|fee|fees|charge|charges|quote|quotes|rate|rates|estimate|estimates|expensive|cheap|cheaper|afford|affordable|payment|payments|payback|pay it back|pay back|repay|repayment|terms|apr|interest rate|percent|penalty|prepayment|factor)\b)"},
    {"price_phrase", 0.9f,
     R"(\b(cuanto cuesta|cuanto cobran|cuanto es|cuesta|cuestan|precio|precios|costo|costos|tarifa|tarifas|tasa|cobran|cobras|intereses|combien|prix|tarif|taux|emomoney)\b)"},
    // the length of the loan is part of its price: "how long is the term", "term length on 200k"
    {"price_phrase", 0.85f, R"(\b(term length|length of the (term|loan)|how long is the (term|loan)|loan term|the term)\b)"},
    {"price_how_much", 0.85f, R"(\bhow much\b)"},
    {"price_interest", 0.85f, R"(\b(whats|what is|what s|hows|how is) (the |your |ur )?(interest|apr|factor)\b)"},
};
const char *const kAmountQuestion =
    R"(\bhow much (money )?(can|could|will|would|do|does|did)( i| we| you| they)? (get|qualify|borrow|lend|fund|approve|receive|offer|give|need)\b)";

// A question without a question mark: it starts like one.
const Rule kQuestionStarts[] = {
    {"question_words", 0.7f,
     R"((^|[.?] )(who|what|whats|when|where|why|how|which|whos|is this|is it|are you|are they|are there|do you|do i|do we|does|did you|have you|can you|could you|would you|will you|can i|could i|should i|may i|is there|can a|can an|can we|can my|will this|will it|would this|does this|does it|is that|do they|are these|quien|quienes|que es|que tipo|que hacen|que ofrecen|como|donde|cuando|cual|por que|porque|qui|quoi|pourquoi|comment)\b)"},
};

// Saying no: before "yes", since "not interested" contains "interested". Not now, already
// served, closed or sold, burned before: all the ways a business owner declines.
const Rule kNegativePhrases[] = {
    {"negative_phrase", 0.9f,
     R"(\b(not|no|never|nobody|none|pas) (really |at all |even )?(interested|interest|thanks|thank you|thx|now|today|at this time|right now|for me|for us|looking|needed|necessary|a good time|a fit|selling|buying|in the market|borrowing|taking|doing|going to|happening)\b|\bno gracias\b|\bno me interesa\b|\bno estoy interesad\w*\b|\bno estamos interesad\w*\b|\bpas interesse\b|\bnon merci\b|\bno thanks\b|\bno interest\b)"},
    {"negative_phrase", 0.8f,
     R"(\b(were|we are|im|i am|all|we re) (good|all set|set|fine|covered|ok)\b|\ball set\b|\b(already|allready) (have|got|has|sold|did|work|working|signed|use|using|with|funded)\b|\b(dont|do not|doesnt|does not|wont|will not|cant|can not|cannot) (need|want|afford|do|use|borrow|take)\b|\b(ya tengo|ya tenemos|no necesito|no necesitamos|no puedo|ahora no|ahorita no|tal vez luego)\b|\b(ill|i will|we will|well|hard|gonna|going to) pass\b|^pass\b|\bmaybe (later|next|in|another|some)\b|\bcheck back\b|\bbad (timing|time)\b|\bslow season\b|\b(closed|sold|selling|closing|shut down|shutting down) (the|my|our|this)\b|\b(fully|already) funded\b|\bdebt free\b|\bgot burned\b|\b(says|said|say) no\b|\bretired\b|\bno need\b|\bno way\b|\bnever\b|\bemono\b|\b(but|thanks|thank you|thx|ty) (no|nah|pass)\b|\bnot needing\b|\b(went|going|gone|ended up going|ended up|signed|go) with (another|a different|someone else|somebody else|our|my own)\b|\b(ask|check with|text|try) (me|us) (again )?(in|next) (a|another|\d+|one|two|six) ?(year|years|month|months|while)\b)"},
    {"negative_phrase", 0.75f, R"(^(no|nein|non|negative|nothing)\b)"},
};

// Saying yes, or asking for more. A bare "ok" or "thanks" is neither (an acknowledgement).
const Rule kPositivePhrases[] = {
    {"positive_phrase", 0.9f,
     R"(\b(yes|sure|interested|absolutely|definitely|of course|count me in|im in|im down|for sure|sounds good|sounds great|sounds interesting|lets do it|lets do this|lets go|go ahead|please do|tell me more|more info|more information|more details|send (me )?(the |some |more |over )?(info|information|details|it|application|app|paperwork)|(email|text|mail) me (the )?(info|information|details|application)|im listening|i am listening|could use|can use|si|claro|me interesa|dale|por supuesto|de acuerdo|(mande|manden|mandame|envien|envieme) (la )?(info|informacion)|oui|d accord|bien sur|interesse|minteresse|emoyes|perfect|great|awesome|excellent|love to|would love|id love|id like|i would like|want to know|quiero saber|why not|works for me|that works|lets talk|we can talk|bet|count (me|us) in|good timing|keep going|keep (em|them|it) coming|sign (me|us) up)\b|^ya$)"},
    {"positive_phrase", 0.7f,
     R"(\b(maybe|possibly|perhaps|depends|might be|could be|thinking about|considering|tal vez|quizas|puede ser|bueno|vale|cool|nice|need|needs|want|looking for)\b)"},
};

// Replies no person wrote to us: auto-replies, business-hours notices, out-of-office messages.
const Rule kAutoReplies[] = {
    {"auto_reply", 0.8f,
     R"(\b(auto ?reply|automatic reply|automated (message|reply|response)|do not disturb|out of (the )?office|our hours are|business hours|cant talk right now|sent from my|will respond as soon|reply later|thank you for (texting|contacting|messaging|your message))\b|\b(were|we are) open\b|\bopen \d+ days\b|^(hours|business hours|store hours|shop hours|horario)\b)"},
};

// iMessage reactions arrive as text: `Liked "..."` with the reacted-to message quoted (our own
// text, which says "Reply STOP to opt out": that quote is not the person's word).
const char *const kTapback = R"(^(liked|loved|disliked|laughed at|emphasized|questioned|reacted \S+ to) ["\x{201C}\x{201D}'])";

// ---- callback time -----------------------------------------------------------------------------

int weekday_of(std::string_view t)
{
    static const std::unordered_map<std::string_view, int> days = {
        {"monday", 1},    {"mon", 1},      {"mondays", 1},  {"tuesday", 2},   {"tue", 2},       {"tues", 2},
        {"tuesdays", 2},  {"wednesday", 3}, {"wed", 3},     {"weds", 3},      {"wednesdays", 3}, {"thursday", 4},
        {"thu", 4},       {"thur", 4},     {"thurs", 4},    {"thursdays", 4}, {"friday", 5},    {"fri", 5},
        {"fridays", 5},   {"saturday", 6}, {"saturdays", 6}, {"sat", 6}, {"sunday", 7}, {"sundays", 7}, {"sun", 7},   {"lunes", 1},
        {"martes", 2},    {"miercoles", 3}, {"jueves", 4},  {"viernes", 5},   {"sabado", 6},    {"domingo", 7},
        {"lundi", 1},     {"mardi", 2},    {"mercredi", 3}, {"jeudi", 4},     {"vendredi", 5},  {"samedi", 6},
        {"dimanche", 7},  {"montag", 1},    {"dienstag", 2}, {"mittwoch", 3},  {"donnerstag", 4}, {"freitag", 5},
        {"samstag", 6},   {"sonntag", 7},  {"lunedi", 1},  {"martedi", 2},   {"mercoledi", 3},  {"giovedi", 4},
        {"venerdi", 5},   {"sabato", 6},   {"segunda", 1}, {"terca", 2},     {"quarta", 3},     {"quinta", 4},
        {"sexta", 5}};
    auto it = days.find(t);
    return it == days.end() ? 0 : it->second;
}

// "3", "3pm", "3:30", "15:00", "330pm": hour and minute when the token is a clock time.
struct Clock {
    int hour = -1;
    int minute = 0;
    bool meridiem = false;  // am or pm was written
    bool has_minutes = false;
    bool cued = false;  // "5ish", "17h": a time even without am/pm
};

bool parse_clock(std::string_view t, std::string_view next, Clock &c)
{
    static const RE2 clock(R"((\d{1,2})(?::(\d{2}))?(am|pm|a|p|h|hrs|ish)?)");
    static const RE2 compact(R"((\d{1,2})(\d{2})(am|pm))");
    std::string h, m, suffix;
    if (!RE2::FullMatch(t, clock, &h, &m, &suffix) && !RE2::FullMatch(t, compact, &h, &m, &suffix)) return false;
    c.hour = std::stoi(h);
    c.minute = m.empty() ? 0 : std::stoi(m);
    c.has_minutes = !m.empty();
    if (suffix.empty() && (next == "am" || next == "pm" || next == "a" || next == "p")) suffix = std::string(next);
    c.cued = suffix == "ish" || suffix == "h" || suffix == "hrs";
    if (c.hour > 23 || c.minute > 59) return false;
    if (suffix == "am" || suffix == "a") {
        if (c.hour > 12 || c.hour == 0) return false;
        if (c.hour == 12) c.hour = 0;
        c.meridiem = true;
    } else if (suffix == "pm" || suffix == "p") {
        if (c.hour > 12 || c.hour == 0) return false;
        if (c.hour < 12) c.hour += 12;
        c.meridiem = true;
    }
    return true;
}

// Whether the word after a number makes the number a count ("3 locations", "2 trucks"): a plural
// noun. Words ending in s that follow a time ("4 works") are not counts.
bool counts_something(std::string_view next)
{
    static const std::unordered_set<std::string_view> not_counts = {"works", "is", "thanks", "yes", "as", "its", "pls"};
    return next.size() > 3 && next.back() == 's' && !not_counts.count(next);
}

// The preferred callback time written in the reply, if any: the first day and the first clock
// time that reads as a proposal (not "my 3pm", which names an appointment).
Callback find_callback(const std::vector<std::string> &t)
{
    static const std::unordered_set<std::string_view> time_cues = {
        "at", "after", "around", "by", "before", "about", "las", "la", "from", "between", "until", "til", "till",
        "call", "anytime", "tomorrow", "today", "tonight", "monday", "tuesday", "wednesday", "thursday", "friday",
        "saturday", "sunday", "apres", "vers", "despues", "past", "or", "like"};
    static const std::unordered_set<std::string_view> owners = {"my", "our", "the", "your", "mi", "his", "her", "their"};
    Callback cb;
    bool hour_until = false;  // "busy til 2": the hour is when they are free from
    for (std::size_t i = 0; i < t.size(); ++i) {
        poll_interrupts();
        const std::string_view w = t[i];
        const std::string_view prev = i > 0 ? std::string_view(t[i - 1]) : std::string_view();
        const std::string_view next = i + 1 < t.size() ? std::string_view(t[i + 1]) : std::string_view();
        if (const int wd = weekday_of(w); wd != 0) {
            // "sat", "sun", "wed" and "mon" are words too: a weekday only after "on", "this", "next"...
            const bool weak = w == "sat" || w == "sun" || w == "wed" || w == "mon";
            const bool cued = prev == "on" || prev == "this" || prev == "next" || prev == "by" || prev == "til" ||
                              prev == "until" || prev == "or" || prev == "call" || prev == "me" || i == 0 ||
                              next == "morning" || next == "afternoon" || next == "evening" || next == "am" || next == "pm" ||
                              (!next.empty() && is_digit(next[0]));
            if (!cb.weekday && (!weak || cued)) cb.weekday = wd;
            continue;
        }
        if (w == "today" || w == "hoy" || w == "aujourdhui") {
            if (cb.day.empty()) cb.day = "today";
        } else if (w == "tonight" || w == "tonite") {
            if (cb.day.empty()) cb.day = "today";
            if (cb.part.empty()) cb.part = "evening";
        } else if (w == "tomorrow" || w == "demain" || w == "naeil" || w == "bukas" || w == "demen" || w == "domani" ||
                   w == "amanha" || (w == "morgen" && prev != "am" && prev != "guten")) {
            if (cb.day.empty()) cb.day = "tomorrow";
        } else if (w == "manana") {
            // "mañana" is tomorrow, "por la mañana" / "en la mañana" the morning
            if (prev == "la" || prev == "las") {
                if (cb.part.empty()) cb.part = "morning";
            } else if (cb.day.empty()) {
                cb.day = "tomorrow";
            }
        } else if (w == "ojeon" || w == "maten" || w == "mattina" || w == "vormittag" || w == "umaga" ||
                   (w == "manha" && (prev == "de" || prev == "da" || prev == "pela"))) {
            if (cb.part.empty()) cb.part = "morning";
        } else if (w == "ohu" || w == "hapon" || w == "pomeriggio" || w == "nachmittag" || w == "aprem") {
            if (cb.part.empty()) cb.part = "afternoon";
        } else if (w == "morning" || w == "mornings" || w == "matin") {
            if (prev != "good" && cb.part.empty()) cb.part = "morning";
            if (prev == "this" && cb.day.empty()) cb.day = "today";
        } else if (w == "afternoon" || w == "afternoons" || w == "tarde" || w == "midi") {
            if (prev != "good" && prev != "buenas" && cb.part.empty()) cb.part = "afternoon";
            if (prev == "this" || prev == "esta") {
                if (cb.day.empty()) cb.day = "today";
            }
        } else if (w == "evening" || w == "evenings" || w == "night" || w == "noche" || w == "soir") {
            if (prev != "good" && prev != "buenas" && prev != "last" && cb.part.empty()) cb.part = "evening";
            if ((prev == "this" || prev == "esta") && cb.day.empty()) cb.day = "today";
        } else if (w == "lunch" && (prev == "after" || prev == "despues")) {
            if (cb.part.empty()) cb.part = "afternoon";  // "after lunch": the afternoon, not a clock time
        } else if (w == "noon" || w == "mediodia" || w == "lunch" || w == "lunchtime") {
            if (!cb.hour) {
                cb.hour = 12;
                cb.minute = 0;
                cb.after = prev == "after" || prev == "despues";
            }
        } else if (static const std::unordered_map<std::string_view, int> words = {
                       {"one", 1}, {"two", 2}, {"three", 3}, {"four", 4}, {"five", 5}, {"six", 6}, {"seven", 7},
                       {"eight", 8}, {"nine", 9}, {"ten", 10}, {"eleven", 11}, {"twelve", 12}};
                   !cb.hour && words.count(w) && (prev == "after" || prev == "at" || prev == "around" || prev == "by" ||
                                                  prev == "before" || prev == "til" || prev == "till" || prev == "until")) {
            int h = words.at(w);
            if (h >= 1 && h <= 7) h += 12;  // business hours, as for digits
            cb.hour = h;
            cb.minute = 0;
            cb.after = prev == "after";
        } else if (!cb.hour && is_digit(w[0]) && !owners.count(prev) && prev != "dollar") {
            Clock c;
            if (!parse_clock(w, next, c)) continue;
            const bool cued = c.cued || time_cues.count(prev) > 0 || next == "oclock" || next == "o" || next == "uhr" ||
                              prev == "um" || prev == "alle" || prev == "as";
            if (!c.meridiem && !c.has_minutes && !cued) continue;  // a bare number: a count, not a time
            if (!c.meridiem && counts_something(next)) continue;   // "at 3 locations"
            if (!c.meridiem && c.hour >= 1 && c.hour <= 7) c.hour += 12;  // "at 4": business hours, the afternoon
            cb.hour = c.hour;
            cb.minute = c.minute;
            cb.after = prev == "after" || prev == "past" || prev == "apres" ||
                       (prev == "las" && i >= 3 && t[i - 3] == "despues") || (i >= 2 && t[i - 2] == "after");
            hour_until = prev == "til" || prev == "till" || prev == "until" || prev == "untill";
        }
    }
    // "busy til 2, call after": after the hour they named
    if (cb.hour && hour_until && !cb.after)
        for (std::size_t i = 0; i < t.size(); ++i)
            if (t[i] == "after" && (i + 1 == t.size() || t[i + 1] == "." || t[i + 1] == "?")) cb.after = true;
    // "3 jobs today. Try me Thursday around 4": the weekday is when
    if (cb.weekday && cb.day == "today") cb.day.clear();
    // an evening or afternoon part makes a bare morning-looking hour the afternoon ("8 tonight")
    if (cb.hour && *cb.hour < 12 && *cb.hour >= 1 && cb.part == "evening") *cb.hour += 12;
    // a clock time says more than a part of the day: "tonight after 8" is today after 20:00
    if (cb.hour) cb.part.clear();
    return cb;
}

// Writes a JSON string literal (the values are ASCII we produced ourselves, but escape anyway).
void json_string(std::string &out, std::string_view s)
{
    out += '"';
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
            out += buf;
        } else {
            out += c;
        }
    }
    out += '"';
}

}  // namespace

const char *label_name(Label label)
{
    switch (label) {
    case Label::Stop: return "STOP";
    case Label::EmailCapture: return "EMAIL_CAPTURE";
    case Label::CallbackRequest: return "CALLBACK_REQUEST";
    case Label::PriceInquiry: return "PRICE_INQUIRY";
    case Label::Question: return "QUESTION";
    case Label::Positive: return "POSITIVE";
    case Label::Negative: return "NEGATIVE";
    case Label::Unclear: return "UNCLEAR";
    }
    return "UNCLEAR";
}

const char *consent_name(Consent consent)
{
    switch (consent) {
    case Consent::OptOut: return "opt_out";
    case Consent::OptIn: return "opt_in";
    case Consent::Help: return "help";
    case Consent::None: return "";
    }
    return "";
}

std::string_view rules_version() { return kRulesVersion; }

// The extracted data as a JSON object; see replies.hpp.
std::string Classification::to_json() const
{
    std::string out = "{";
    const auto key = [&](const char *name) {
        if (out.size() > 1) out += ", ";
        json_string(out, name);
        out += ": ";
    };
    const auto list = [&](const char *name, const std::vector<std::string> &items) {
        if (items.empty()) return;
        key(name);
        out += '[';
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i) out += ", ";
            json_string(out, items[i]);
        }
        out += ']';
    };
    if (consent != Consent::None) {
        key("consent");
        json_string(out, consent_name(consent));
    }
    list("emails", emails);
    list("phones", phones);
    if (!callback.empty()) {
        key("callback");
        std::string inner = "{";
        const auto field = [&](const char *name) {
            if (inner.size() > 1) inner += ", ";
            json_string(inner, name);
            inner += ": ";
        };
        if (callback.weekday) {
            field("weekday");
            inner += std::to_string(*callback.weekday);
        }
        if (!callback.day.empty()) {
            field("day");
            json_string(inner, callback.day);
        }
        if (callback.hour) {
            field("hour");
            inner += std::to_string(*callback.hour);
            field("minute");
            inner += std::to_string(callback.minute.value_or(0));
        }
        if (!callback.part.empty()) {
            field("part");
            json_string(inner, callback.part);
        }
        if (callback.after) {
            field("after");
            inner += "true";
        }
        out += inner + "}";
    }
    return out + "}";
}

// Classifies one reply; see replies.hpp.
Classification classify(std::string_view body, bool has_media)
{
    Classification out;
    const Prepared p = prepare(body, out);
    const std::string core = core_words(p);

    if (p.word_count == 0) {
        // an empty reply, a picture alone, or only punctuation and symbols we do not read
        decide(out, Label::Unclear, has_media || p.empty ? 0.9f : 0.5f,
               has_media ? "media_only" : p.empty ? "empty" : "no_words");
        return out;
    }
    std::string tapback;
    if (RE2::PartialMatch(p.raw_start, re(kTapback), &tapback)) {
        // the quoted text is not the person's: the reaction alone is the answer
        out.emails.clear();
        out.phones.clear();
        // iOS 18 reactions with any emoji: "Reacted 👍 to ..." (folded as a word: emoyes, emono, ...)
        if (tapback.rfind("reacted ", 0) == 0) {
            const bool yes = tapback.find("emoyes") != std::string::npos || tapback.find("\xF0\x9F\x91\x8D") != std::string::npos ||
                             tapback.find("emolove") != std::string::npos || tapback.find("\xE2\x9D\xA4") != std::string::npos;
            const bool no = tapback.find("emono") != std::string::npos || tapback.find("\xF0\x9F\x91\x8E") != std::string::npos;
            tapback = yes ? "liked" : no ? "disliked" : "emphasized";
        }
        if (tapback == "liked" || tapback == "loved")
            decide(out, Label::Positive, 0.85f, "tapback_like");
        else if (tapback == "disliked")
            decide(out, Label::Negative, 0.85f, "tapback_dislike");
        else
            decide(out, Label::Unclear, 0.6f, "tapback_other");
        return out;
    }
    out.callback = find_callback(p.tokens);

    if (classify_stop(p, core, out)) {
        out.consent = Consent::OptOut;
        return out;
    }
    if (classify_consent_keyword(core, out)) return out;
    if (!out.emails.empty()) {
        decide(out, Label::EmailCapture, 0.95f, "email_address");
        return out;
    }
    if (const Rule *r = first_match(kAutoReplies, p.words)) {
        out.callback = {};  // the opening hours of a shop are not a time to call
        decide(out, Label::Unclear, r->confidence, r->name);
        return out;
    }
    if (const Rule *r = first_match(kCallbackPhrases, p.words)) {
        decide(out, Label::CallbackRequest, r->confidence, r->name);
        return out;
    }
    if (!out.phones.empty()) {
        decide(out, Label::CallbackRequest, 0.8f, "callback_phone");
        return out;
    }
    if (const Rule *r = first_match(kPricePhrases, p.words)) {
        const bool amount_only = std::string_view(r->name) == "price_how_much" && RE2::PartialMatch(p.words, re(kAmountQuestion));
        if (!amount_only) {
            decide(out, Label::PriceInquiry, r->confidence, r->name);
            return out;
        }
    }
    if (out.callback.hour) {
        decide(out, Label::CallbackRequest, 0.7f, "callback_time");
        return out;
    }
    if (p.question_mark || RE2::PartialMatch(p.words, re(R"(\bemoquestion\b)"))) {
        decide(out, Label::Question, p.question_mark ? 0.85f : 0.7f, "question_mark");
        return out;
    }
    // "can you email me the details" is a request, not a question
    const bool polite_request =
        RE2::PartialMatch(p.words, re(R"(^(can|could|would|will) you (just |please )?(email|send|text|mail|forward)\b)"));
    const bool interjection = RE2::PartialMatch(p.words, re(R"(^what the (heck|hell|fuck|f)\b)"));
    if (!polite_request && !interjection) {
        if (const Rule *r = first_match(kQuestionStarts, p.words)) {
            decide(out, Label::Question, r->confidence, r->name);
            return out;
        }
    }
    const Rule *neg = first_match(kNegativePhrases, p.words);
    const Rule *pos = first_match(kPositivePhrases, p.words);
    if (neg && (!pos || neg->confidence >= pos->confidence)) {
        // a "yes" elsewhere in the reply makes the "no" less sure (the "interested" of "not
        // interested" is part of the no)
        std::string rest = p.words;
        RE2::Replace(&rest, re(neg->pattern), " ");
        const bool yes_too = first_match(kPositivePhrases, rest) != nullptr;
        decide(out, Label::Negative, yes_too ? std::min(neg->confidence, 0.6f) : neg->confidence, neg->name);
        return out;
    }
    if (pos) {
        decide(out, Label::Positive, neg ? std::min(pos->confidence, 0.6f) : pos->confidence, pos->name);
        return out;
    }
    if (out.callback.weekday || !out.callback.day.empty()) {
        decide(out, Label::CallbackRequest, 0.6f, "callback_time");
        return out;
    }
    decide(out, Label::Unclear, 0.3f, "no_rule");
    return out;
}

}  // namespace outreach::replies
