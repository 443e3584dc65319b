// Inbound texts as the providers deliver them: Twilio's form-encoded inbound webhook and
// SignalHouse's MESSAGE_RECEIVED event read into the fields outreach.receive_message takes, media
// included; inbound told apart from delivery-status callbacks; and what cannot be read refused with
// a reason and the field it is about, never guessed at.
#include "inbound.hpp"
#include "webhooks.hpp"

#include <gtest/gtest.h>

using namespace outreach::worker;
using json = nlohmann::json;

namespace {

// A real inbound request as Twilio sends it (the parameters of its webhook request documentation).
const char *k_twilio_inbound =
    "ToCountry=US&ToState=NY&SmsMessageSid=SM0123456789abcdef0123456789abcdef&NumMedia=0&ToCity=NEW+YORK"
    "&FromZip=10001&SmsSid=SM0123456789abcdef0123456789abcdef&FromState=NY&SmsStatus=received&FromCity=NEW+YORK"
    "&Body=Please+stop+texting+me%21+%F0%9F%99%8F&FromCountry=US&To=%2B12125550100&ToZip=10001&NumSegments=1"
    "&MessageSid=SM0123456789abcdef0123456789abcdef&AccountSid=AC0123456789abcdef0123456789abcdef"
    "&From=%2B12125550123&ApiVersion=2010-04-01";

}  // namespace

TEST(InboundTwilio, ReadsTheInboundRequest)
{
    const auto form = parse_form(k_twilio_inbound);
    EXPECT_EQ(twilio_kind(form), WebhookKind::inbound);
    EXPECT_TRUE(form_well_formed(k_twilio_inbound));
    const InboundParse p = parse_twilio_inbound(form);
    ASSERT_TRUE(p.message) << p.detail;
    EXPECT_EQ(p.message->provider_message_id, "SM0123456789abcdef0123456789abcdef");
    EXPECT_EQ(p.message->from, "+12125550123");
    EXPECT_EQ(p.message->to, "+12125550100");
    EXPECT_EQ(p.message->body, "Please stop texting me! \xF0\x9F\x99\x8F");
    EXPECT_EQ(p.message->media, json::array());
}

TEST(InboundTwilio, ReadsMediaInOrderWithTheirTypes)
{
    const auto form =
        parse_form("MessageSid=MM1&From=%2B12125550123&To=%2B12125550100&Body=&NumMedia=2&SmsStatus=received"
                   "&MediaUrl0=https%3A%2F%2Fapi.twilio.com%2Fm%2F0&MediaContentType0=image%2Fjpeg"
                   "&MediaUrl1=https%3A%2F%2Fapi.twilio.com%2Fm%2F1");
    const InboundParse p = parse_twilio_inbound(form);
    ASSERT_TRUE(p.message) << p.detail;
    EXPECT_EQ(p.message->body, "");  // a picture alone is a message
    EXPECT_EQ(p.message->media, json::parse(R"([{"url": "https://api.twilio.com/m/0", "content_type": "image/jpeg"},
                                                {"url": "https://api.twilio.com/m/1"}])"));
}

TEST(InboundTwilio, RefusesWhatItCannotReadNamingTheField)
{
    struct Case {
        const char *body, *reason, *field;
    };
    for (const Case &c : {
             Case{"From=%2B12125550123&Body=hi&SmsStatus=received", "missing_field", "MessageSid"},
             Case{"MessageSid=SM1&Body=hi&SmsStatus=received", "missing_field", "From"},
             Case{"MessageSid=SM1&From=%2B12125550123&SmsStatus=received", "missing_field", "Body"},
             Case{"MessageSid=&From=%2B12125550123&Body=hi", "missing_field", "MessageSid"},
             Case{"MessageSid=SM1&From=%2B1&Body=hi&NumMedia=two", "malformed", "NumMedia"},
             Case{"MessageSid=SM1&From=%2B1&Body=hi&NumMedia=11", "malformed", "NumMedia"},
             Case{"MessageSid=SM1&From=%2B1&Body=hi&NumMedia=1", "missing_field", "MediaUrl0"},
             Case{"MessageSid=SM1&From=%2B1&Body=caf%E9", "malformed", "Body"},
         }) {
        const InboundParse p = parse_twilio_inbound(parse_form(c.body));
        EXPECT_FALSE(p.message) << c.body;
        EXPECT_EQ(p.reason, c.reason) << c.body;
        EXPECT_NE(p.detail.find(c.field), std::string::npos) << c.body << " -> " << p.detail;
    }
}

TEST(InboundTwilio, TellsInboundFromStatusCallbacks)
{
    // status callbacks carry MessageStatus, and SmsStatus with the same word
    EXPECT_EQ(twilio_kind(parse_form("MessageSid=SM1&MessageStatus=delivered&SmsStatus=delivered&From=%2B1&To=%2B2")),
              WebhookKind::status);
    EXPECT_EQ(twilio_kind(parse_form("MessageSid=SM1&MessageStatus=undelivered&ErrorCode=30003")), WebhookKind::status);
    EXPECT_EQ(twilio_kind(parse_form("MessageSid=SM1&SmsStatus=sent&From=%2B1")), WebhookKind::status);
    // an inbound text says received, in either field and any case
    EXPECT_EQ(twilio_kind(parse_form("MessageSid=SM1&SmsStatus=received&From=%2B1&Body=hi")), WebhookKind::inbound);
    EXPECT_EQ(twilio_kind(parse_form("MessageSid=SM1&MessageStatus=RECEIVED&From=%2B1&Body=hi")), WebhookKind::inbound);
    // no status at all, but a sender or a body: someone wrote to us
    EXPECT_EQ(twilio_kind(parse_form("MessageSid=SM1&From=%2B1&Body=hi")), WebhookKind::inbound);
    EXPECT_EQ(twilio_kind(parse_form("MessageSid=SM1&Body=hi")), WebhookKind::inbound);
    // neither: a status callback that says nothing (stored, ignored, as before)
    EXPECT_EQ(twilio_kind(parse_form("MessageSid=SM1")), WebhookKind::status);
    EXPECT_EQ(twilio_kind(parse_form("")), WebhookKind::status);
}

TEST(InboundTwilio, FormEncodingMustBeWellFormed)
{
    EXPECT_TRUE(form_well_formed(""));
    EXPECT_TRUE(form_well_formed("a=1&b=&c&&d=%20x+y%F0%9F%99%8F"));
    EXPECT_FALSE(form_well_formed("Body=100%"));  // a % that starts no escape
    EXPECT_FALSE(form_well_formed("Body=%zz"));
    EXPECT_FALSE(form_well_formed("Body=%4"));
    EXPECT_FALSE(form_well_formed("Body=caf%E9"));  // decodes to bytes that are not UTF-8
    EXPECT_FALSE(form_well_formed("Body=a%00b"));   // NUL cannot be stored
    EXPECT_FALSE(form_well_formed("Bo%ZZdy=x"));
}

TEST(InboundSignalHouse, ReadsMessageReceived)
{
    const json event = json::parse(R"({
        "timestamp": "2026-12-07T12:00:00.000Z", "event": "MESSAGE_RECEIVED", "identifier": "evt-1",
        "metaData": {"Message": {"_id": "65f0c0ffee", "senderPhoneNumber": "12125550123",
                                 "recipientPhoneNumber": ["12125550100"], "messageBody": "wrong number, remove me",
                                 "mediaUrls": ["https://cdn.example/a.png"]}}})");
    EXPECT_EQ(signalhouse_kind(event), WebhookKind::inbound);
    const InboundParse p = parse_signalhouse_inbound(event);
    ASSERT_TRUE(p.message) << p.detail;
    EXPECT_EQ(p.message->provider_message_id, "65f0c0ffee");
    EXPECT_EQ(p.message->from, "12125550123");  // digits as SignalHouse writes them; SQL normalizes
    EXPECT_EQ(p.message->to, "12125550100");
    EXPECT_EQ(p.message->body, "wrong number, remove me");
    EXPECT_EQ(p.message->media, json::parse(R"([{"url": "https://cdn.example/a.png"}])"));
}

TEST(InboundSignalHouse, ReadsNumbersWrittenAsNumbersAndARecipientAsText)
{
    const json event = json::parse(R"({"event": "MESSAGE_RECEIVED", "metaData": {"Message": {
        "_id": "m2", "senderPhoneNumber": 12125550123, "recipientPhoneNumber": "12125550100", "messageBody": ""}}})");
    const InboundParse p = parse_signalhouse_inbound(event);
    ASSERT_TRUE(p.message) << p.detail;
    EXPECT_EQ(p.message->from, "12125550123");
    EXPECT_EQ(p.message->to, "12125550100");
    EXPECT_EQ(p.message->body, "");
}

TEST(InboundSignalHouse, RefusesWhatItCannotReadNamingTheField)
{
    struct Case {
        const char *body, *reason, *field;
    };
    for (const Case &c : {
             Case{R"({"event": "MESSAGE_RECEIVED"})", "missing_field", "metaData"},
             Case{R"({"event": "MESSAGE_RECEIVED", "metaData": {}})", "missing_field", "metaData.Message"},
             Case{R"({"event": "MESSAGE_RECEIVED", "metaData": {"Message": {"senderPhoneNumber": "1",
                  "messageBody": "x"}}})",
                  "missing_field", "_id"},
             Case{R"({"event": "MESSAGE_RECEIVED", "metaData": {"Message": {"_id": "m", "messageBody": "x"}}})",
                  "missing_field", "senderPhoneNumber"},
             Case{R"({"event": "MESSAGE_RECEIVED", "metaData": {"Message": {"_id": "m", "senderPhoneNumber": "1"}}})",
                  "missing_field", "messageBody"},
             Case{R"({"event": "MESSAGE_RECEIVED", "metaData": {"Message": {"_id": "m", "senderPhoneNumber": "1",
                  "messageBody": null}}})",
                  "missing_field", "messageBody"},
             Case{R"({"event": "MESSAGE_RECEIVED", "metaData": {"Message": {"_id": "m", "senderPhoneNumber": "1",
                  "messageBody": "a\u0000b"}}})",
                  "malformed", "messageBody"},
         }) {
        const InboundParse p = parse_signalhouse_inbound(json::parse(c.body));
        EXPECT_FALSE(p.message) << c.body;
        EXPECT_EQ(p.reason, c.reason) << c.body;
        EXPECT_NE(p.detail.find(c.field), std::string::npos) << c.body << " -> " << p.detail;
    }
}

TEST(InboundSignalHouse, TellsInboundFromStatusCallbacks)
{
    EXPECT_EQ(signalhouse_kind(json::parse(R"({"messageId": "m1", "status": "DELIVERED"})")), WebhookKind::status);
    EXPECT_EQ(signalhouse_kind(json::parse(R"({"event": "MESSAGE_DELIVERED", "identifier": "m1"})")),
              WebhookKind::status);
    EXPECT_EQ(signalhouse_kind(json::parse(R"({"event": "MESSAGE_RECEIVED"})")), WebhookKind::inbound);
    EXPECT_EQ(signalhouse_kind(json::parse(R"({"event": "message_received"})")), WebhookKind::status);
    EXPECT_EQ(signalhouse_kind(json::parse(R"([1, 2])")), WebhookKind::status);
    EXPECT_EQ(signalhouse_kind(json(json::value_t::discarded)), WebhookKind::status);
}

TEST(InboundSignalHouse, MediaIsBounded)
{
    json event = json::parse(R"({"event": "MESSAGE_RECEIVED", "metaData": {"Message": {
        "_id": "m3", "senderPhoneNumber": "12125550123", "messageBody": "pics"}}})");
    json urls = json::array();
    for (int i = 0; i < 50; ++i) urls.push_back("https://cdn.example/" + std::to_string(i));
    event["metaData"]["Message"]["mediaUrls"] = urls;
    const InboundParse p = parse_signalhouse_inbound(event);
    ASSERT_TRUE(p.message);
    EXPECT_EQ(p.message->media.size(), static_cast<std::size_t>(max_media));
}
