// The requests outreachd makes to the Anthropic Messages API for a model's second look at a reply:
// URL, headers and body; the wait the provider asks for (retry-after-ms, retry-after as seconds or
// an HTTP date); what a sandbox run records instead of sending; and the settings that configure it.
#include "anthropic.hpp"
#include "config.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

using namespace outreach::worker;

namespace {

AnthropicSettings live()
{
    AnthropicSettings s;
    s.base_url = "https://api.anthropic.com";
    s.api_key = "sk-ant-test-key";
    s.model = "claude-haiku-4-5";
    s.max_tokens = 200;
    s.sandbox = false;
    return s;
}

bool has_header(const HttpRequest &r, const std::string &header)
{
    return std::find(r.headers.begin(), r.headers.end(), header) != r.headers.end();
}

HttpResponse with_headers(std::map<std::string, std::string> headers)
{
    HttpResponse r;
    r.status = 429;
    r.headers = std::move(headers);
    return r;
}

outreach::Result<Config> config_of(std::map<std::string, std::string> env)
{
    return load_config("", [env](const char *k) -> const char * {
        auto it = env.find(k);
        return it == env.end() ? nullptr : it->second.c_str();
    });
}

}  // namespace

TEST(AnthropicRequest, IsAMessagesCallWithTheVersionTheKeyAndTemperatureZero)
{
    const HttpRequest r = messages_request(live(), "label it", "Their reply:\n<reply>\nmaybe\n</reply>");
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.url, "https://api.anthropic.com/v1/messages");
    EXPECT_TRUE(has_header(r, "anthropic-version: 2023-06-01"));
    EXPECT_TRUE(has_header(r, "x-api-key: sk-ant-test-key"));
    EXPECT_TRUE(has_header(r, "content-type: application/json"));
    const auto body = nlohmann::json::parse(r.body);
    EXPECT_EQ(body["model"], "claude-haiku-4-5");
    EXPECT_EQ(body["max_tokens"], 200);
    EXPECT_EQ(body["temperature"], 0);
    EXPECT_EQ(body["system"], "label it");
    ASSERT_EQ(body["messages"].size(), 1u);
    EXPECT_EQ(body["messages"][0]["role"], "user");
    EXPECT_EQ(body["messages"][0]["content"], "Their reply:\n<reply>\nmaybe\n</reply>");
    // the key is in its header and nowhere else
    EXPECT_EQ(r.body.find("sk-ant-test-key"), std::string::npos);
}

TEST(AnthropicRequest, InvalidUtf8InAReplyIsReplacedNotThrown)
{
    const HttpRequest r = messages_request(live(), "label it", std::string("caf\xC3", 4) + " ok");
    const auto body = nlohmann::json::parse(r.body);
    EXPECT_EQ(body["messages"][0]["content"], "caf\xEF\xBF\xBD ok");
}

TEST(AnthropicRetry, MillisecondsWinThenSecondsThenAnHttpDate)
{
    EXPECT_EQ(anthropic_retry_after_ms(with_headers({{"retry-after-ms", "1500"}, {"retry-after", "9"}})), 1500);
    EXPECT_EQ(anthropic_retry_after_ms(with_headers({{"retry-after", "2"}})), 2000);
    EXPECT_EQ(anthropic_retry_after_ms(with_headers({{"retry-after", "0.25"}})), 250);
    const auto now = std::chrono::system_clock::from_time_t(1796002400);  // 2026-11-30 01:33:20 UTC
    EXPECT_EQ(anthropic_retry_after_ms(with_headers({{"retry-after", "Mon, 30 Nov 2026 01:33:50 GMT"}}), now), 30000);
    // a date in the past is no wait; nonsense and absence are no answer
    EXPECT_EQ(anthropic_retry_after_ms(with_headers({{"retry-after", "Mon, 30 Nov 2026 01:00:00 GMT"}}), now), 0);
    EXPECT_FALSE(anthropic_retry_after_ms(with_headers({{"retry-after", "soon"}})).has_value());
    EXPECT_FALSE(anthropic_retry_after_ms(with_headers({{"retry-after", "-3"}})).has_value());
    EXPECT_FALSE(anthropic_retry_after_ms(with_headers({})).has_value());
}

TEST(AnthropicCall, SandboxSendsNothingAndSaysWhatItWouldHaveSent)
{
    AnthropicSettings s = live();
    s.api_key.clear();
    s.sandbox = true;
    s.base_url = "http://127.0.0.1:9";  // nothing listens: a request would fail, not answer 204
    const ModelCall c = call_messages(s, "label it", "hello", std::chrono::milliseconds(100), std::chrono::milliseconds(100));
    EXPECT_TRUE(c.sandbox);
    EXPECT_EQ(c.http_status, 204);
    const auto j = nlohmann::json::parse(c.response_json);
    EXPECT_EQ(j["would_send"]["url"], "http://127.0.0.1:9/v1/messages");
    EXPECT_EQ(j["would_send"]["body"]["temperature"], 0);
}

TEST(AnthropicConfig, NoKeyIsSandboxAndTheModelIsASetting)
{
    auto c = config_of({});
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(c.value().anthropic.sandbox);
    EXPECT_EQ(c.value().anthropic.base_url, "https://api.anthropic.com");
    EXPECT_EQ(c.value().anthropic.model, "claude-haiku-4-5");
    c = config_of({{"OUTREACH_ANTHROPIC_API_KEY", "k"},
                   {"OUTREACH_ANTHROPIC_MODEL", "claude-sonnet-4-5"},
                   {"OUTREACH_ANTHROPIC_BASE_URL", "http://127.0.0.1:7000/"}});
    ASSERT_TRUE(c.ok());
    EXPECT_FALSE(c.value().anthropic.sandbox);
    EXPECT_EQ(c.value().anthropic.model, "claude-sonnet-4-5");
    EXPECT_EQ(c.value().anthropic.base_url, "http://127.0.0.1:7000");
}

TEST(AnthropicConfig, BadValuesAreRefusedByNameNeverEchoed)
{
    auto c = config_of({{"OUTREACH_ANTHROPIC_MODEL", "claude \"haiku\""}});
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.error().message.find("OUTREACH_ANTHROPIC_MODEL"), std::string::npos);
    EXPECT_EQ(c.error().message.find("haiku"), std::string::npos);
    c = config_of({{"OUTREACH_ANTHROPIC_BASE_URL", "ftp://x"}});
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.error().message.find("OUTREACH_ANTHROPIC_BASE_URL"), std::string::npos);
    // the lease must outlast a model request
    // the lease must outlast a model request, when a model is asked (a short lease is fine in sandbox)
    c = config_of({{"OUTREACH_MODEL_TIMEOUT_MS", "200000"}, {"OUTREACH_LEASE_SECONDS", "120"},
                   {"OUTREACH_ANTHROPIC_API_KEY", "k"}});
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.error().message.find("OUTREACH_MODEL_TIMEOUT_MS"), std::string::npos);
    EXPECT_TRUE(config_of({{"OUTREACH_LEASE_SECONDS", "10"}, {"OUTREACH_HTTP_TIMEOUT_MS", "2000"}}).ok());
}
