// Message templates: parsing (and its error messages), the variable list, and rendering with
// values, inline and template-level fallbacks, and the whitespace rule around empty variables.
#include "core/templates.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

using outreach::parse_template;
using outreach::ParsedTemplate;
using outreach::render_template;
using outreach::template_variables;

// Parts as a compact string: T(literal) V(name) V(name|fallback).
std::string describe(const ParsedTemplate &t)
{
    std::string out;
    for (const auto &p : t.parts) {
        if (!p.is_variable)
            out += "T(" + p.text_or_name + ")";
        else if (p.fallback)
            out += "V(" + p.text_or_name + "|" + *p.fallback + ")";
        else
            out += "V(" + p.text_or_name + ")";
    }
    return out;
}

ParsedTemplate parsed(const std::string &body)
{
    auto r = parse_template(body);
    EXPECT_TRUE(r.ok()) << body << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? r.value() : ParsedTemplate{};
}

std::string rep(const std::string &s, int n)
{
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
}

TEST(TemplateParse, Valid)
{
    const std::pair<std::string, std::string> cases[] = {
        {"", ""},
        {"Hello", "T(Hello)"},
        {"{{x}}", "V(x)"},
        {"Hi {{firstName}}!", "T(Hi )V(firstName)T(!)"},
        {"{{ firstName }}", "V(firstName)"},
        {"{{\tfirstName\n}}", "V(firstName)"},
        {"{{firstName\xC2\xA0}}", "V(firstName)"},  // NBSP trimmed too
        {"{{firstName|there}}", "V(firstName|there)"},
        {"{{ firstName | there }}", "V(firstName|there)"},
        {"{{firstName|}}", "V(firstName|)"},  // empty fallback, not none
        {"{{firstName|   }}", "V(firstName|)"},
        {"{{x|a|b}}", "V(x|a|b)"},
        {"{{x|  two  words  }}", "V(x|two  words)"},  // inside kept as written
        {"{{ x |\n line }}", "V(x|line)"},
        {"{{x|Se\xC3\xB1or}}", "V(x|Se\xC3\xB1or)"},
        {"{{x|{y}}}", "V(x|{y)T(})"},  // first "}}" closes
        {"{{x|{{y}}", "V(x|{{y)"},     // fallbacks are literal
        {"{{x|}}}}", "V(x|)T(}})"},
        {"}}", "T(}})"},
        {"{", "T({)"},
        {"}", "T(})"},
        {"{x}", "T({x})"},
        {"{ {x} }", "T({ {x} })"},
        {"a { b } c", "T(a { b } c)"},
        {"{{a}}{{b}}", "V(a)V(b)"},
        {"{{a}}{{a}}", "V(a)V(a)"},
        {"{{x}}}", "V(x)T(})"},
        {"}}{{x}}", "T(}})V(x)"},
        {"{\"a\": {{x}}}", "T({\"a\": )V(x)T(})"},
        {"Price {{amount}} \xE2\x82\xAC", "T(Price )V(amount)T( \xE2\x82\xAC)"},
        {"Hola {{nombre|amigo}} \xF0\x9F\x91\x8B", "T(Hola )V(nombre|amigo)T( \xF0\x9F\x91\x8B)"},
        {"{{A1_b}}", "V(A1_b)"},
        {"{{x}}\n{{y}}", "V(x)T(\n)V(y)"},
        {"\xFF{{x}}", "T(\xFF)V(x)"},
        {"  {{x}}  ", "T(  )V(x)T(  )"},
        {"Hi {{firstName|there}}, it\xE2\x80\x99s {{agent}} from {{company|us}}.",
         "T(Hi )V(firstName|there)T(, it\xE2\x80\x99s )V(agent)T( from )V(company|us)T(.)"},
    };
    for (const auto &[body, want] : cases) EXPECT_EQ(describe(parsed(body)), want) << body;
}

TEST(TemplateParse, Errors)
{
    const std::pair<std::string, std::string> cases[] = {
        {"{{", "unterminated \"{{\" at character 1"},
        {"Hi {{firstName", "unterminated \"{{\" at character 4"},
        {"Ol\xC3\xA1, {{x}} {{", "unterminated \"{{\" at character 12"},  // characters, not bytes
        {"{{x} }", "unterminated \"{{\" at character 1"},
        {"{{x|fallback", "unterminated \"{{\" at character 1"},
        {"{x}} {{", "unterminated \"{{\" at character 6"},
        {"\xFF{{", "unterminated \"{{\" at character 2"},
        {"\xF0\x9F\x98\x80\xF0\x9F\x98\x80 {{x", "unterminated \"{{\" at character 4"},
        {"Hi {{first name}}", "invalid variable name \"first name\" at character 4"},
        {"{{}}", "empty variable name at character 1"},
        {"{{ }}", "empty variable name at character 1"},
        {"{{|x}}", "empty variable name at character 1"},
        {"{{ | }}", "empty variable name at character 1"},
        {"{{{x}}}", "invalid variable name \"{x\" at character 1"},
        {"{{ {{x}} }}", "invalid variable name \"{{x\" at character 1"},
        {"{{1st}}", "invalid variable name \"1st\" at character 1"},
        {"{{_x}}", "invalid variable name \"_x\" at character 1"},
        {"{{first-name}}", "invalid variable name \"first-name\" at character 1"},
        {"{{first.name}}", "invalid variable name \"first.name\" at character 1"},
        {"{{$x}}", "invalid variable name \"$x\" at character 1"},
        {"{{x}y}}", "invalid variable name \"x}y\" at character 1"},
        {"{{pr\xC3\xA9nom}}", "invalid variable name \"pr\xC3\xA9nom\" at character 1"},
        {"\xF0\x9F\x98\x80 {{bad name}}", "invalid variable name \"bad name\" at character 3"},
        {"{{x}} {{ y z }}", "invalid variable name \"y z\" at character 7"},
        {"{{ok}} {{ok|fine}} {{not ok|x}}", "invalid variable name \"not ok\" at character 20"},
        {"{{x\xE2\x80\x8B}}",
         "invalid variable name \"x\xE2\x80\x8B\" at character 1"},  // zero-width space is not whitespace
        {"{{" + rep("a", 70) + " b}}", "invalid variable name \"" + rep("a", 64) + "...\" at character 1"},
        {"Hi {{firstName}} {{", "unterminated \"{{\" at character 18"},
        {"{{\n}}", "empty variable name at character 1"},
        {"line1\nline2 {{x y}}", "invalid variable name \"x y\" at character 13"},
    };
    for (const auto &[body, want] : cases) {
        const auto r = parse_template(body);
        ASSERT_FALSE(r.ok()) << body;
        EXPECT_EQ(r.error().kind, outreach::ErrorKind::invalid_argument);
        EXPECT_EQ(r.error().message, want) << body;
    }
}

TEST(TemplateParse, LongTemplate)
{
    const std::string body = rep("Hello {{firstName|friend}}, ", 400) + rep("x", 10000) + "{{end}}";
    const auto t = parsed(body);
    EXPECT_EQ(t.parts.size(), 802u);
    const auto bad = parse_template(rep("\xC3\xA9", 10000) + "{{");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message, "unterminated \"{{\" at character 10001");
}

TEST(TemplateVariables, DistinctInFirstAppearanceOrder)
{
    using V = std::vector<std::string>;
    const std::pair<std::string, V> cases[] = {
        {"", {}},
        {"Hello", {}},
        {"}}", {}},
        {"{x}", {}},
        {"{{x}}", {"x"}},
        {"{{ x }}", {"x"}},
        {"{{x|fb}}", {"x"}},
        {"{{x|}}", {"x"}},
        {"{{x|a|b}}", {"x"}},
        {"{{x|{{y}}", {"x"}},  // y is inside a fallback: literal
        {"{{a}}{{b}}", {"a", "b"}},
        {"{{b}}{{a}}", {"b", "a"}},
        {"{{a}} {{b}} {{a}}", {"a", "b"}},
        {"{{a}} {{a|fb}} {{a|}}", {"a"}},
        {"{{firstName}} {{FirstName}}", {"firstName", "FirstName"}},  // case-sensitive
        {"Hi {{firstName|there}}, {{agent}} from {{company}} here.", {"firstName", "agent", "company"}},
        {"{{x}}}", {"x"}},
        {"}}{{x}}", {"x"}},
        {"{\"a\": {{x}}}", {"x"}},
        {"{{x}}\n{{y}}\r\n{{z}}", {"x", "y", "z"}},
        {"\xF0\x9F\x91\x8B {{name}} \xF0\x9F\x91\x8B", {"name"}},
        {"{{a1}}{{a_1}}{{a1_}}", {"a1", "a_1", "a1_"}},
        {"{{z}}{{y}}{{x}}{{w}}{{z}}{{y}}", {"z", "y", "x", "w"}},
        {"{{x|{y}}}", {"x"}},
        {"{ {{x}} }", {"x"}},
        {"{{x}}{{x}}{{x}}{{x}}", {"x"}},
        {"\xFF{{x}}\xFE", {"x"}},
        {"Price {{amount}} \xE2\x82\xAC", {"amount"}},
        {"{{\tfirstName\n}} {{firstName}}", {"firstName"}},
        {"{{ a | b }}{{ b | a }}", {"a", "b"}},
        {rep("{{v}} ", 1000) + "{{w}}", {"v", "w"}},
    };
    for (const auto &[body, want] : cases) EXPECT_EQ(template_variables(parsed(body)), want) << body;
}

using Map = std::map<std::string, std::optional<std::string>>;

// A lookup over a map: an absent key or a null entry is no value.
outreach::TemplateLookup lookup(const Map &m)
{
    return [&m](std::string_view name) -> std::optional<std::string_view> {
        const auto it = m.find(std::string(name));
        if (it == m.end() || !it->second) return std::nullopt;
        return std::string_view(*it->second);
    };
}

struct RenderCase {
    std::string body;
    Map values;
    Map fallbacks;
    std::string text;
    std::vector<std::string> missing;
};

TEST(TemplateRender, Cases)
{
    const std::vector<RenderCase> cases = {
        // values
        {"Hi {{firstName}}", {{"firstName", "Bob"}}, {}, "Hi Bob", {}},
        {"Hi {{ firstName }}!", {{"firstName", "Ann"}}, {}, "Hi Ann!", {}},
        {"Hi {{firstName|there}}", {{"firstName", "  bob   smith "}}, {}, "Hi bob smith", {}},
        {"Hi {{name}}",
         {{"name", "\xC2\xA0"
                   "Bob\xC2\xA0"}},
         {},
         "Hi Bob",
         {}},
        {"{{company}}", {{"company", "Acme\nCorp"}}, {}, "Acme Corp", {}},
        {"{{company}}", {{"company", "Acme \t\r\n  Corp"}}, {}, "Acme Corp", {}},
        {"Hi {{name}}", {{"name", "Bob \xF0\x9F\x91\x8B"}}, {}, "Hi Bob \xF0\x9F\x91\x8B", {}},
        {"Hi {{firstName|there}}", {{"firstName", "0"}}, {}, "Hi 0", {}},
        {"{{a}}{{b}}", {{"a", "x"}, {"b", "y"}}, {}, "xy", {}},
        {"Hi {{name}}", {{"name", "\xFF"}}, {}, "Hi \xFF", {}},
        // injection: values are never parsed
        {"Hi {{name}}", {{"name", "{{name}}"}}, {}, "Hi {{name}}", {}},
        {"Hi {{name}}, {{x}}", {{"name", "{{x}}"}, {"x", "ok"}}, {}, "Hi {{x}}, ok", {}},
        {"Hi {{x}}", {{"x", " {{y}} "}}, {}, "Hi {{y}}", {}},
        {"{{x}}", {{"x", "{{"}}, {}, "{{", {}},
        // inline fallbacks
        {"Hi {{firstName|there}}", {}, {}, "Hi there", {}},
        {"Hi {{firstName|there}}", {{"firstName", "   "}}, {}, "Hi there", {}},
        {"Hi {{firstName|there}}", {{"firstName", ""}}, {}, "Hi there", {}},
        {"Hi {{firstName|there}}", {{"firstName", std::nullopt}}, {}, "Hi there", {}},
        {"{{x|a|b}}", {}, {}, "a|b", {}},
        {"{{x|{{y}}", {}, {}, "{{y", {}},
        // template-level fallbacks
        {"Hi {{firstName}}", {}, {{"firstName", "friend"}}, "Hi friend", {}},
        {"Hi {{firstName|there}}", {}, {{"firstName", "friend"}}, "Hi there", {}},  // inline first
        {"Hi {{firstName}}", {{"firstName", "Bob"}}, {{"firstName", "friend"}}, "Hi Bob", {}},
        {"Hi {{firstName}}", {}, {{"firstName", "  dear   friend "}}, "Hi dear friend", {}},
        {"Hi {{firstName}} there", {}, {{"firstName", ""}}, "Hi there", {}},  // present though empty
        {"Hi {{firstName}}", {}, {{"firstName", std::nullopt}}, "Hi", {"firstName"}},
        // missing
        {"Hi {{firstName}}", {}, {}, "Hi", {"firstName"}},
        {"Hi {{firstName}}", {{"firstName", std::nullopt}}, {}, "Hi", {"firstName"}},
        {"Hi {{firstName}}", {{"firstname", "Bob"}}, {}, "Hi", {"firstName"}},  // names are case-sensitive
        {"{{b}} {{a}} {{b}}", {}, {}, "", {"b", "a"}},
        {"Hi {{firstName}}, {{firstName}}", {}, {}, "Hi,", {"firstName"}},
        // whitespace at empty substitutions
        {"Hi {{firstName|}} there", {}, {}, "Hi there", {}},
        {"Hi {{firstName|}}, welcome", {}, {}, "Hi, welcome", {}},
        {"Hi {{firstName|}}!", {}, {}, "Hi!", {}},
        {"Hi {{firstName|}}?", {}, {}, "Hi?", {}},
        {"Hi {{firstName|}} .", {}, {}, "Hi.", {}},
        {"Hi {{name|}} , ok", {}, {}, "Hi, ok", {}},
        {"Hi {{a|}} {{b|}} there", {}, {}, "Hi there", {}},
        {"{{greeting|}} Hello", {}, {}, "Hello", {}},
        {"Hello {{name|}}", {}, {}, "Hello", {}},
        {"Dear {{title|}}  {{lastName}},", {{"lastName", "Smith"}}, {}, "Dear Smith,", {}},
        {"Call {{phone|us}} at {{time|}}.", {{"phone", "555-1234"}}, {}, "Call 555-1234 at.", {}},
        {"Price:{{p|}} \xE2\x82\xAC"
         "5",
         {},
         {},
         "Price: \xE2\x82\xAC"
         "5",
         {}},
        {"a{{x|}}b", {}, {}, "ab", {}},
        {"{{a|}}{{b|}}", {}, {}, "", {}},
        // ... and nowhere else
        {"Hi  {{name}}  there", {{"name", "Bob"}}, {}, "Hi  Bob  there", {}},
        {"Hi {{name}} , ok", {{"name", "Bob"}}, {}, "Hi Bob , ok", {}},
        {"Hi {{name|}}\nSee you", {}, {}, "Hi \nSee you", {}},  // newlines are not touched
        {"Hi {{name|}}\tthere", {}, {}, "Hi \tthere", {}},
        {"Line one\n\n{{sig|}}\n", {}, {}, "Line one", {}},
        // trimming the whole text
        {"  Hi {{name}}  ", {{"name", "Bob"}}, {}, "Hi Bob", {}},
        {"\n\nHi\n\n", {}, {}, "Hi", {}},
        {"\xE3\x80\x80Hi\xE3\x80\x80", {}, {}, "Hi", {}},  // ideographic space
        {"", {}, {}, "", {}},
        {"   ", {}, {}, "", {}},
    };
    for (const RenderCase &c : cases) {
        const auto got = render_template(parsed(c.body), lookup(c.values), lookup(c.fallbacks));
        EXPECT_EQ(got.text, c.text) << c.body;
        EXPECT_EQ(got.missing, c.missing) << c.body;
    }
}

TEST(TemplateRender, LongValuesAndTemplates)
{
    const Map values = {{"x", rep("ab ", 5000)}};
    const auto got = render_template(parsed("[{{x}}]"), lookup(values), lookup({}));
    EXPECT_EQ(got.text.size(), 2u + 15000u - 1u);
    EXPECT_EQ(got.text.substr(0, 4), "[ab ");
    EXPECT_EQ(got.text.substr(got.text.size() - 3), "ab]");

    const std::string body = rep("{{a|}} ", 3000) + "end";
    EXPECT_EQ(render_template(parsed(body), lookup({}), lookup({})).text, "end");
}

TEST(TemplateRender, LooksUpOnlyWhatItNeeds)
{
    int value_calls = 0, fallback_calls = 0;
    const outreach::TemplateLookup values = [&](std::string_view name) -> std::optional<std::string_view> {
        ++value_calls;
        if (name == "a") return std::string_view("A");
        return std::nullopt;
    };
    const outreach::TemplateLookup fallbacks = [&](std::string_view) -> std::optional<std::string_view> {
        ++fallback_calls;
        return std::nullopt;
    };
    const auto got = render_template(parsed("{{a}} {{b|B}} {{c}}"), values, fallbacks);
    EXPECT_EQ(got.text, "A B");
    EXPECT_EQ(got.missing, std::vector<std::string>{"c"});
    EXPECT_EQ(value_calls, 3);
    EXPECT_EQ(fallback_calls, 1);  // a has a value, b an inline fallback
}

}  // namespace
