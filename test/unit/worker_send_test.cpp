// The pure parts of `outreachd run`: provider request bodies, the reading of provider answers
// into outcomes (what keeps a text at-most-once), webhook signatures against the providers'
// published vectors, and configuration.
#include "config.hpp"
#include "log.hpp"
#include "providers.hpp"
#include "webhooks.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

using namespace outreach::worker;

namespace {

SendRequest sample()
{
    SendRequest q;
    q.team_id = "acme";
    q.sms_message_id = 7;
    q.to_phone = "+12125550199";
    q.body = "Hi Bob & co! 50% off? Reply STOP";
    q.signalhouse_sender = "12125550100";
    q.twilio_from = "+12125550101";
    return q;
}

HttpResponse answer(long status, const std::string &body, std::map<std::string, std::string> headers = {})
{
    HttpResponse r;
    r.status = status;
    r.body = body;
    r.headers = std::move(headers);
    return r;
}

}  // namespace

TEST(ProviderRequest, TwilioFormBodyIsEncoded)
{
    SendRequest q = sample();
    EXPECT_EQ(twilio_form_body(q),
              "To=%2B12125550199&From=%2B12125550101&Body=Hi+Bob+%26+co%21+50%25+off%3F+Reply+STOP");
    q.twilio_messaging_service_sid = "MG0123456789abcdef0123456789abcdef";
    q.status_callback_url = "https://hooks.example.com/webhooks/twilio/acme";
    EXPECT_EQ(twilio_form_body(q), "To=%2B12125550199&MessagingServiceSid=MG0123456789abcdef0123456789abcdef"
                                   "&Body=Hi+Bob+%26+co%21+50%25+off%3F+Reply+STOP"
                                   "&StatusCallback=https%3A%2F%2Fhooks.example.com%2Fwebhooks%2Ftwilio%2Facme");
    q.body = "Café ’";
    q.status_callback_url.clear();
    EXPECT_EQ(twilio_form_body(q).substr(twilio_form_body(q).find("Body=")), "Body=Caf%C3%A9+%E2%80%99");
}

TEST(ProviderRequest, SignalHouseJsonUsesDigitsAndTheSingularArrayField)
{
    const auto j = nlohmann::json::parse(signalhouse_json_body(sample()));
    EXPECT_EQ(j["senderPhoneNumber"], "12125550100");
    ASSERT_TRUE(j["recipientPhoneNumber"].is_array());
    EXPECT_EQ(j["recipientPhoneNumber"][0], "12125550199");
    EXPECT_EQ(j["messageBody"], "Hi Bob & co! 50% off? Reply STOP");
    EXPECT_FALSE(j.contains("recipientPhoneNumbers"));
    EXPECT_FALSE(j.contains("statusCallbackUrl"));
}

TEST(ProviderAnswer, TwilioOutcomes)
{
    auto sent = read_twilio_response(
        answer(201, R"({"sid":"SM0123456789abcdef0123456789abcdef","status":"queued","error_code":null})"));
    EXPECT_EQ(sent.outcome, "sent");
    EXPECT_EQ(sent.provider_message_id, "SM0123456789abcdef0123456789abcdef");
    auto unsubscribed = read_twilio_response(
        answer(400, R"({"code":21610,"message":"Attempt to send to unsubscribed recipient","status":400})"));
    EXPECT_EQ(unsubscribed.outcome, "failed");
    EXPECT_EQ(unsubscribed.error_code, "21610");
    auto limited = read_twilio_response(
        answer(429, R"({"code":20429,"message":"Too Many Requests","status":429})", {{"retry-after", "7"}}));
    EXPECT_EQ(limited.outcome, "retry");
    EXPECT_EQ(limited.retry_after_seconds, 7);
    EXPECT_EQ(read_twilio_response(answer(500, "oops")).outcome, "unknown");  // it may have been processed
    EXPECT_EQ(read_twilio_response(answer(503, "busy")).outcome, "retry");
    EXPECT_EQ(read_twilio_response(answer(201, "not json")).outcome, "unknown");
    EXPECT_EQ(read_twilio_response(answer(401, R"({"code":20003})")).outcome, "retry");
}

TEST(ProviderAnswer, SignalHouseAcceptanceIsEnqueuedCount)
{
    auto sent = read_signalhouse_response(
        answer(201, R"({"insertedMessages":[{"_id":"abc","status":"ENQUEUED"}],"enqueuedCount":1,"failedCount":0})"));
    EXPECT_EQ(sent.outcome, "sent");
    EXPECT_EQ(sent.provider_message_id, "abc");
    auto opted_out = read_signalhouse_response(answer(
        201,
        R"({"insertedMessages":[{"_id":"def","status":"FAILED","errorCode":"OUT"}],"enqueuedCount":0,"failedCount":1})"));
    EXPECT_EQ(opted_out.outcome, "failed");
    EXPECT_EQ(opted_out.error_code, "OUT");
    EXPECT_EQ(read_signalhouse_response(answer(429, "{}")).outcome, "retry");
    EXPECT_EQ(read_signalhouse_response(answer(201, "{}")).outcome, "unknown");
}

TEST(ProviderAnswer, TransportErrorsSplitOnWhetherTheRequestMayHaveLeft)
{
    HttpResponse refused;
    refused.transport_error = true;
    refused.request_may_have_left = false;
    auto r = read_signalhouse_response(refused);
    EXPECT_EQ(r.outcome, "retry");
    EXPECT_TRUE(r.never_left);
    HttpResponse dropped;
    dropped.transport_error = true;
    dropped.request_may_have_left = true;
    auto d = read_twilio_response(dropped);
    EXPECT_EQ(d.outcome, "unknown");
    EXPECT_FALSE(d.never_left);
}

TEST(ProviderSandbox, BuildsTheRequestAndTouchesNoNetwork)
{
    ProviderSettings s;
    s.base_url = "http://127.0.0.1:9";  // discard port: a real request would fail
    s.sandbox = true;
    auto o = send_sms("signalhouse", s, sample(), std::chrono::milliseconds(100), std::chrono::milliseconds(100));
    EXPECT_EQ(o.outcome, "sent");
    EXPECT_TRUE(o.sandbox);
    EXPECT_EQ(o.provider_message_id, "sandbox-signalhouse-7");
    const auto recorded = nlohmann::json::parse(o.request_json);
    EXPECT_EQ(recorded["url"], "http://127.0.0.1:9/message/sms");
    EXPECT_EQ(recorded["body"]["messageBody"], "Hi Bob & co! 50% off? Reply STOP");
    EXPECT_EQ(o.request_json.find("Bearer"), std::string::npos);
}

// Published vectors: twilio/twilio-python tests/unit/test_request_validator.py.
TEST(WebhookSignature, TwilioPublishedVectors)
{
    const std::string url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    std::map<std::string, std::vector<std::string>> params = {{"CallSid", {"CA1234567890ABCDE"}},
                                                              {"Digits", {"1234"}},
                                                              {"From", {"+14158675309"}},
                                                              {"To", {"+18005551212"}},
                                                              {"Caller", {"+14158675309"}}};
    EXPECT_EQ(twilio_signature("12345", url, params), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
    EXPECT_TRUE(twilio_signature_valid("12345", url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
    EXPECT_FALSE(twilio_signature_valid("12345", url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8"));
    EXPECT_FALSE(twilio_signature_valid("wrong", url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
    EXPECT_FALSE(twilio_signature_valid("12345", url, params, ""));
    // repeated parameters: each distinct value, sorted
    std::map<std::string, std::vector<std::string>> dup = {
        {"Sid", {"CA123"}}, {"SidAccount", {"AC123"}}, {"Digits", {"5678", "1234", "1234"}}};
    EXPECT_EQ(twilio_signature("12345", url, dup), "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
    // the same request signed with the default port spelled out is accepted too
    EXPECT_TRUE(twilio_signature_valid(
        "12345", url, params, twilio_signature("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", params)));
}

TEST(WebhookSignature, SignalHouseCrossCheck)
{
    EXPECT_EQ(signalhouse_signature("test_signing_secret", "1767225600000",
                                    R"({"event":"MESSAGE_RECEIVED","identifier":"abc123"})"),
              "b79b3d291e742b616b6476ce1d30a565b2e5d08f91fa5a8497376a69dc5303b0");
}

TEST(WebhookForm, ParsesRepeatedAndEncodedValues)
{
    auto f = parse_form("MessageSid=SM1&To=%2B12125550199&Body=Hi+there%21&Digits=1&Digits=2&Empty=&Flag");
    EXPECT_EQ(f["To"], std::vector<std::string>{"+12125550199"});
    EXPECT_EQ(f["Body"], std::vector<std::string>{"Hi there!"});
    EXPECT_EQ(f["Digits"], (std::vector<std::string>{"1", "2"}));
    EXPECT_EQ(f["Empty"], std::vector<std::string>{""});
    EXPECT_EQ(f["Flag"], std::vector<std::string>{""});
}

TEST(RunConfig, EnvironmentOverFileAndClearErrors)
{
    std::map<std::string, std::string> env = {{"OUTREACH_BATCH", "25"},
                                              {"OUTREACH_TWILIO_ACCOUNT_SID", "AC0123456789abcdef0123456789abcdef"},
                                              {"OUTREACH_TWILIO_AUTH_TOKEN", "t"}};
    auto getenv = [&](const char *k) -> const char * {
        auto it = env.find(k);
        return it == env.end() ? nullptr : it->second.c_str();
    };
    auto c = load_config("", getenv);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c.value().batch, 25);
    EXPECT_FALSE(c.value().twilio.sandbox);
    EXPECT_TRUE(c.value().signalhouse.sandbox);
    EXPECT_EQ(c.value().http_listen, "127.0.0.1:8080");
    env["OUTREACH_BATCH"] = "lots";
    auto bad = load_config("", getenv);
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("OUTREACH_BATCH"), std::string::npos);
    env["OUTREACH_BATCH"] = "10";
    env.erase("OUTREACH_TWILIO_AUTH_TOKEN");
    auto half = load_config("", getenv);
    ASSERT_FALSE(half.ok());
    EXPECT_NE(half.error().message.find("both"), std::string::npos);
    env["OUTREACH_TWILIO_AUTH_TOKEN"] = "t";
    env["OUTREACH_HTTP_LISTEN"] = "no-port";
    EXPECT_FALSE(load_config("", getenv).ok());
    EXPECT_FALSE(load_config("/nonexistent/outreachd.conf", getenv).ok());
}

TEST(RunConfig, SendConcurrencyIsAWindowOfOneTo256)
{
    std::map<std::string, std::string> env;
    auto getenv = [&](const char *k) -> const char * {
        auto it = env.find(k);
        return it == env.end() ? nullptr : it->second.c_str();
    };
    ASSERT_TRUE(load_config("", getenv).ok());
    EXPECT_EQ(load_config("", getenv).value().send_concurrency, 64);
    env["OUTREACH_SEND_CONCURRENCY"] = "8";
    EXPECT_EQ(load_config("", getenv).value().send_concurrency, 8);
    for (const char *bad : {"0", "257", "-1", "many"}) {
        env["OUTREACH_SEND_CONCURRENCY"] = bad;
        auto c = load_config("", getenv);
        ASSERT_FALSE(c.ok()) << bad;
        EXPECT_NE(c.error().message.find("OUTREACH_SEND_CONCURRENCY"), std::string::npos);
    }
}

// The request goes out with its credentials; what is recorded of it never holds them.
TEST(ProviderPrepared, CredentialsGoOutButAreNeverRecorded)
{
    ProviderSettings sh;
    sh.base_url = "https://v2.signalhouse.io";
    sh.api_key = "sh-secret-key";
    sh.sandbox = false;
    const PreparedSend p =
        prepare_send("signalhouse", sh, sample(), std::chrono::milliseconds(100), std::chrono::milliseconds(200));
    EXPECT_FALSE(p.sandbox);
    EXPECT_EQ(p.http.url, "https://v2.signalhouse.io/message/sms");
    EXPECT_NE(std::find(p.http.headers.begin(), p.http.headers.end(), "Authorization: Bearer sh-secret-key"),
              p.http.headers.end());
    EXPECT_EQ(p.http.timeout.count(), 200);
    EXPECT_EQ(p.request_json.find("sh-secret-key"), std::string::npos);

    ProviderSettings tw;
    tw.base_url = "https://api.twilio.com";
    tw.account_sid = "AC0123456789abcdef0123456789abcdef";
    tw.auth_token = "tw-secret-token";
    tw.sandbox = false;
    const PreparedSend t =
        prepare_send("twilio", tw, sample(), std::chrono::milliseconds(100), std::chrono::milliseconds(200));
    EXPECT_EQ(t.http.url,
              "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json");
    EXPECT_EQ(t.http.basic_password, "tw-secret-token");
    EXPECT_EQ(t.request_json.find("tw-secret-token"), std::string::npos);

    // the answer is read against the request it answers
    HttpResponse r;
    r.status = 201;
    r.body = R"({"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued"})";
    const SendOutcome o = read_send_response(t, r);
    EXPECT_EQ(o.outcome, "sent");
    EXPECT_EQ(o.provider, "twilio");
    EXPECT_EQ(o.provider_message_id, "SM0123456789abcdef0123456789abcdef");
    EXPECT_EQ(o.request_json, t.request_json);
}

TEST(RunLog, PhonesAreMasked)
{
    EXPECT_EQ(mask_phone("+12125550199"), "+1******0199");
    EXPECT_EQ(mask_phone("123"), "***");
}
