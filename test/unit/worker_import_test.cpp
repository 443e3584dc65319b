// outreachd import's pure parts: COPY text encoding and argument parsing.
#include "copy_text.hpp"
#include "import.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

using outreach::worker::parse_column_map;
using outreach::worker::parse_import_args;

std::string array_of(std::vector<std::string_view> fields)
{
    std::string out;
    outreach::copy_text::append_text_array(out, fields);
    return out;
}

TEST(CopyText, ValuesEscapeBackslashTabAndLineEnds)
{
    std::string out;
    outreach::copy_text::append_value(out, "a\\b\tc\nd\re \"q\" ünï");
    EXPECT_EQ(out, "a\\\\b\\tc\\nd\\re \"q\" ünï");
}

TEST(CopyText, ArraysQuoteEveryElement)
{
    EXPECT_EQ(array_of({}), "{}");
    EXPECT_EQ(array_of({""}), "{\"\"}");
    EXPECT_EQ(array_of({"a", "b c", "NULL"}), "{\"a\",\"b c\",\"NULL\"}");  // "NULL" stays a string
    EXPECT_EQ(array_of({"{x,y}"}), "{\"{x,y}\"}");
}

TEST(CopyText, ArraysEscapeQuotesAndBackslashesTwice)
{
    // array syntax wants \" and \\ ; COPY then doubles every backslash
    EXPECT_EQ(array_of({"say \"hi\""}), "{\"say \\\\\"hi\\\\\"\"}");
    EXPECT_EQ(array_of({"C:\\dir"}), "{\"C:\\\\\\\\dir\"}");
    EXPECT_EQ(array_of({"two\nlines\ttab"}), "{\"two\\nlines\\ttab\"}");
}

TEST(CopyText, Integers)
{
    std::string out;
    outreach::copy_text::append_int(out, 0);
    out += ' ';
    outreach::copy_text::append_int(out, 18446744073709551615ull);
    EXPECT_EQ(out, "0 18446744073709551615");
}

TEST(ColumnMap, PairsBecomeJson)
{
    auto m = parse_column_map({"phone=Mobile #,email=E-Mail", "zip=Postal Code"});
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m.value(), R"({"phone":"Mobile #","email":"E-Mail","zip":"Postal Code"})");
}

TEST(ColumnMap, HeaderWithACommaAndQuotes)
{
    auto m = parse_column_map({"companyName=Name, Inc \"legal\",phone=Tel"});
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m.value(), R"({"companyName":"Name, Inc \"legal\"","phone":"Tel"})");
}

TEST(ColumnMap, EmptyIsAnEmptyObject)
{
    auto m = parse_column_map({});
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m.value(), "{}");
}

TEST(ColumnMap, BadSegmentsAreNamed)
{
    for (const char *bad : {"phone", "=Mobile", "phone=", ""}) {
        auto m = parse_column_map({bad});
        ASSERT_FALSE(m.ok()) << bad;
        EXPECT_NE(m.error().message.find("is not FIELD=HEADER"), std::string::npos) << m.error().message;
    }
}

TEST(ImportArgs, Defaults)
{
    auto o = parse_import_args({"--team", "t1", "/data/leads.csv"});
    ASSERT_TRUE(o.ok()) << o.error().message;
    EXPECT_EQ(o.value().team, "t1");
    EXPECT_EQ(o.value().preset, "usdatabiz");
    EXPECT_EQ(o.value().map_json, "{}");
    EXPECT_EQ(o.value().name, "leads.csv");
    EXPECT_EQ(o.value().delimiter, ',');
    EXPECT_EQ(o.value().file, "/data/leads.csv");
}

TEST(ImportArgs, EveryOption)
{
    auto o = parse_import_args({"--preset", "mine", "--map", "phone=Tel", "--team", "t2", "--delimiter", "tab",
                                "--name", "March list", "--dsn", "dbname=x", "--quiet", "f.tsv"});
    ASSERT_TRUE(o.ok()) << o.error().message;
    EXPECT_EQ(o.value().preset, "mine");
    EXPECT_EQ(o.value().map_json, R"({"phone":"Tel"})");
    EXPECT_EQ(o.value().delimiter, '\t');
    EXPECT_EQ(o.value().name, "March list");
    EXPECT_EQ(o.value().dsn, "dbname=x");
    EXPECT_TRUE(o.value().quiet);
}

TEST(ImportArgs, ErrorsNameTheProblem)
{
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"f.csv"}, "--team is required"},
        {{"--team", "t"}, "no CSV file given"},
        {{"--team"}, "--team needs a value"},
        {{"--team", "t", "--bogus", "f.csv"}, "unknown option --bogus"},
        {{"--team", "t", "a.csv", "b.csv"}, "only one file per import"},
        {{"--team", "t", "--delimiter", ";;", "f.csv"}, "--delimiter must be one character"},
        {{"--team", "t", "--map", "phone", "f.csv"}, "is not FIELD=HEADER"},
    };
    for (const auto &[args, want] : cases) {
        auto o = parse_import_args(args);
        ASSERT_FALSE(o.ok()) << want;
        EXPECT_NE(o.error().message.find(want), std::string::npos) << o.error().message;
    }
}

}  // namespace
