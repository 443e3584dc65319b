// The requests outreachd makes for enrichment jobs (Apollo People and Organization Enrichment,
// RealEstateAPI SkipTrace v2):
// method, URL, headers and body of each kind, the URL-encoding of the Apollo organization domain,
// and what a sandbox run records instead of sending.
#include "enrichment.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>

using namespace outreach::worker;

namespace {

ProviderSettings apollo(bool sandbox = false)
{
    ProviderSettings s;
    s.base_url = "https://api.apollo.io";
    s.api_key = "apollo-key-123";
    s.sandbox = sandbox;
    return s;
}

bool has_header(const HttpRequest &r, const std::string &header)
{
    return std::find(r.headers.begin(), r.headers.end(), header) != r.headers.end();
}

bool has_header_named(const HttpRequest &r, const std::string &name)
{
    return std::any_of(r.headers.begin(), r.headers.end(),
                       [&](const std::string &h) { return h.rfind(name + ":", 0) == 0; });
}

}  // namespace

TEST(EnrichmentRequest, OrganizationIsAGetByDomainWithTheKeyInItsHeader)
{
    const auto r = enrichment_request(
        "organization", apollo(),
        R"({"domain": "daleroofing.com", "email": "dee@daleroofing.com", "organization_name": "Dale Roofing"})");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->method, "GET");
    // only the domain goes out: the e-mail and name in the job's input are ours
    EXPECT_EQ(r->url, "https://api.apollo.io/api/v1/organizations/enrich?domain=daleroofing.com");
    EXPECT_TRUE(has_header(*r, "x-api-key: apollo-key-123"));
    EXPECT_TRUE(has_header(*r, "Accept: application/json"));
    EXPECT_FALSE(has_header_named(*r, "Content-Type"));  // no body to describe
    EXPECT_TRUE(r->body.empty());
    EXPECT_TRUE(r->basic_user.empty());
}

TEST(EnrichmentRequest, OrganizationDomainIsUrlEncoded)
{
    EXPECT_EQ(apollo_organization_query(R"({"domain": "dale-roofing.co.uk"})"), "?domain=dale-roofing.co.uk");
    EXPECT_EQ(apollo_organization_query(R"({"domain": "xn--bcher-kva.example"})"), "?domain=xn--bcher-kva.example");
    // whatever the input holds cannot add parameters or a path to the request
    EXPECT_EQ(apollo_organization_query(R"({"domain": "a b&c=d/e?f#g"})"), "?domain=a+b%26c%3Dd%2Fe%3Ff%23g");
    EXPECT_EQ(apollo_organization_query(R"({"domain": "bücher.de"})"), "?domain=b%C3%BCcher.de");
}

TEST(EnrichmentRequest, OrganizationWithoutADomainAsksForNothingInParticular)
{
    // Apollo refuses an empty domain; the job then fails rather than enriching a guess
    EXPECT_EQ(apollo_organization_query(R"({"email": "dee@daleroofing.com"})"), "?domain=");
    EXPECT_EQ(apollo_organization_query(R"({"domain": 42})"), "?domain=");
    EXPECT_EQ(apollo_organization_query("not json"), "?domain=");
    EXPECT_EQ(apollo_organization_query("[]"), "?domain=");
}

TEST(EnrichmentRequest, PersonIsAPostWithParametersInTheQuery)
{
    const auto r =
        enrichment_request("person", apollo(), R"({"first_name": "Bo", "last_name": "Burns", "address": "2 Main St"})");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->method, "POST");
    EXPECT_EQ(r->url, "https://api.apollo.io/api/v1/people/match?first_name=Bo&last_name=Burns");
    EXPECT_TRUE(has_header(*r, "x-api-key: apollo-key-123"));
}

TEST(EnrichmentRequest, SkipTraceSendsOnlyTheFieldsItKnows)
{
    ProviderSettings s;
    s.base_url = "https://api.realestateapi.com";
    s.api_key = "rea-key";
    const auto r = enrichment_request(
        "skiptrace", s,
        R"({"first_name": "Amy", "last_name": "Ames", "zip": "10001", "organization_name": "Ames Plumbing"})");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->method, "POST");
    EXPECT_EQ(r->url, "https://api.realestateapi.com/v2/SkipTrace");
    EXPECT_EQ(nlohmann::json::parse(r->body),
              nlohmann::json::parse(R"({"first_name": "Amy", "last_name": "Ames", "zip": "10001"})"));
    EXPECT_TRUE(has_header(*r, "x-api-key: rea-key"));
}

TEST(EnrichmentRequest, UnknownKindHasNoRequest)
{
    EXPECT_FALSE(enrichment_request("fax", apollo(), R"({"domain": "daleroofing.com"})").has_value());
    EXPECT_FALSE(enrichment_request("", apollo(), "{}").has_value());
}

TEST(EnrichmentCall, OrganizationSandboxRecordsTheGetAndSendsNothing)
{
    // a base URL nothing listens on: a sandbox run must not even try it
    ProviderSettings s = apollo(true);
    s.base_url = "http://127.0.0.1:9";
    const EnrichmentCall c = call_enrichment("organization", s, R"({"domain": "daleroofing.com"})",
                                             std::chrono::milliseconds(200), std::chrono::milliseconds(200));
    EXPECT_TRUE(c.sandbox);
    EXPECT_EQ(c.http_status, 204);
    EXPECT_TRUE(c.error.empty());
    const auto j = nlohmann::json::parse(c.response_json);
    EXPECT_EQ(j["sandbox"], true);
    EXPECT_EQ(j["would_send"]["method"], "GET");
    EXPECT_EQ(j["would_send"]["url"], "http://127.0.0.1:9/api/v1/organizations/enrich?domain=daleroofing.com");
    EXPECT_FALSE(j["would_send"].contains("body"));
    EXPECT_EQ(c.response_json.find("apollo-key-123"), std::string::npos);  // the record holds no secret
}

TEST(EnrichmentCall, PersonSandboxRecordsTheBody)
{
    const EnrichmentCall c = call_enrichment("person", apollo(true), R"({"first_name": "Bo"})",
                                             std::chrono::milliseconds(200), std::chrono::milliseconds(200));
    const auto j = nlohmann::json::parse(c.response_json);
    EXPECT_EQ(j["would_send"]["method"], "POST");
    EXPECT_EQ(j["would_send"]["body"], nlohmann::json::object());
}

TEST(EnrichmentCall, UnknownKindIsNoAnswerSoTheJobRetries)
{
    const EnrichmentCall c =
        call_enrichment("fax", apollo(true), "{}", std::chrono::milliseconds(200), std::chrono::milliseconds(200));
    EXPECT_EQ(c.http_status, 0);
    EXPECT_FALSE(c.sandbox);
    EXPECT_NE(c.error.find("fax"), std::string::npos);
    EXPECT_TRUE(c.response_json.empty());
}

TEST(EnrichmentCall, UnreachableProviderIsNoAnswer)
{
    // a live (non-sandbox) organization lookup against a port nothing listens on
    ProviderSettings s = apollo(false);
    s.base_url = "http://127.0.0.1:9";
    const EnrichmentCall c = call_enrichment("organization", s, R"({"domain": "daleroofing.com"})",
                                             std::chrono::milliseconds(500), std::chrono::milliseconds(1000));
    EXPECT_EQ(c.http_status, 0);
    EXPECT_FALSE(c.sandbox);
    EXPECT_FALSE(c.error.empty());
}
