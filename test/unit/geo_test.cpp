// timezone_for / timezones_for against the shipped reference data.
#include "core/geo.hpp"

#include <gtest/gtest.h>

namespace {

using outreach::timezone_for;
using outreach::timezones_for;
using Zones = std::vector<std::string>;

std::string tz(std::string_view state, std::string_view zip, std::string_view phone)
{
    return timezone_for(state, zip, phone).value_or("NULL");
}

TEST(TimezoneFor, ZipSpotChecksFromTheDataReadme)
{
    EXPECT_EQ(tz("", "10001", ""), "America/New_York");
    EXPECT_EQ(tz("", "60606", ""), "America/Chicago");
    EXPECT_EQ(tz("", "99501", ""), "America/Anchorage");
    EXPECT_EQ(tz("", "96813", ""), "Pacific/Honolulu");
    EXPECT_EQ(tz("", "32501", ""), "America/Chicago");
    EXPECT_EQ(tz("", "33101", ""), "America/New_York");
    EXPECT_EQ(tz("", "79901", ""), "America/Denver");
    EXPECT_EQ(tz("", "00601", ""), "America/Puerto_Rico");
    EXPECT_EQ(tz("", "46201", ""), "America/Indiana/Indianapolis");
    EXPECT_EQ(tz("", "96950", ""), "Pacific/Saipan");
}

TEST(TimezoneFor, MessyZipsAreNormalizedFirst)
{
    EXPECT_EQ(tz("", "601", ""), "America/Puerto_Rico");  // 00601 with zeros lost
    EXPECT_EQ(tz("", "10001-1234", ""), "America/New_York");
    EXPECT_EQ(tz("", " 10001 ", ""), "America/New_York");
}

TEST(TimezoneFor, EvidenceOrderIsZipThenStateThenAreaCode)
{
    EXPECT_EQ(tz("FL", "32501", "+13055550100"), "America/Chicago");  // ZIP wins
    EXPECT_EQ(tz("FL", "", "+12125550199"), "America/New_York");      // state's main zone
    EXPECT_EQ(tz("Hawaii", "", ""), "Pacific/Honolulu");
    EXPECT_EQ(tz("", "", "(808) 555-0100"), "Pacific/Honolulu");  // only the phone
    EXPECT_EQ(tz("nowhere", "abc", "(808) 555-0100"), "Pacific/Honolulu");
    EXPECT_EQ(tz("", "", ""), "NULL");
    EXPECT_EQ(tz("", "", "+44 20 7946 0958"), "NULL");  // not NANP
}

TEST(TimezoneFor, PoBoxZipFallsBackToItsPrefix) { EXPECT_EQ(tz("", "85001", ""), "America/Phoenix"); }

TEST(TimezonesFor, SplitZipListsEveryZone)
{
    EXPECT_EQ(timezones_for("", "97914", ""), (Zones{"America/Boise", "America/Los_Angeles"}));
    EXPECT_EQ(timezones_for("", "10001", ""), (Zones{"America/New_York"}));
}

TEST(TimezonesFor, StateListsAllItsZonesMainFirst)
{
    EXPECT_EQ(timezones_for("TX", "", ""), (Zones{"America/Chicago", "America/Denver"}));
    EXPECT_EQ(timezones_for("Arizona", "", ""), (Zones{"America/Phoenix", "America/Denver"}));
    Zones indiana = timezones_for("IN", "", "");
    ASSERT_GT(indiana.size(), 2u);
    EXPECT_EQ(indiana.front(), "America/Indiana/Indianapolis");
    EXPECT_NE(std::find(indiana.begin(), indiana.end(), "America/Chicago"), indiana.end());
}

TEST(TimezonesFor, AreaCodeAlternates)
{
    EXPECT_EQ(timezones_for("", "", "850-555-0100"), (Zones{"America/Chicago", "America/New_York"}));
    EXPECT_TRUE(timezones_for("", "", "").empty());
}

TEST(ReferenceCsv, EmbeddedFilesAreComplete)
{
    auto zip = outreach::reference_csv("us_zip");
    ASSERT_TRUE(zip.has_value());
    EXPECT_EQ(zip->substr(0, 26), "zip,state,lat,lng,timezone");
    EXPECT_EQ(std::count(zip->begin(), zip->end(), '\n'), 33792);
    EXPECT_FALSE(outreach::reference_csv("nope").has_value());
}

}  // namespace

namespace {

struct GeoCase {
    const char *state;
    const char *zip;
    const char *phone;
    const char *zone;   // timezone_for, "NULL" when nothing is known
    std::size_t zones;  // how many zones timezones_for lists
};

// Messy evidence as it arrives in lead files: spreadsheet-damaged ZIPs, state names and codes in
// any case, phones in any layout, Unicode and junk. Each row: what timezone_for answers and how
// many zones timezones_for lists (the primary plus alternates of the same evidence).
const GeoCase kMessy[] = {
    {"", "", "", "NULL", 0},
    {" ", " ", " ", "NULL", 0},
    {"", "10001", "", "America/New_York", 1},
    {"", "10001-0001", "", "America/New_York", 1},
    {"", "100010001", "", "America/New_York", 1},
    {"", "  10001\t", "", "America/New_York", 1},
    {"", "601", "", "America/Puerto_Rico", 1},  // 00601, zeros lost
    {"", "2134.0", "", "America/New_York", 1},  // spreadsheet float
    {"", "97914", "", "America/Boise", 2},
    {"", "59847", "", "America/Denver", 3},  // Sanders County MT: split county
    {"", "99546", "", "America/Adak", 1},
    {"", "85936", "", "America/Denver", 1},   // documented source quirk (Apache County AZ)
    {"", "85001", "", "America/Phoenix", 1},  // PO-box ZIP: its prefix
    {"", "00000", "NY", "NULL", 0},           // not a ZIP, and "NY" is no phone
    {"", "ABCDE", "", "NULL", 0},
    {"new york", "", "", "America/New_York", 1},
    {"NEW  YORK", "", "", "America/New_York", 1},
    {"n.y.", "", "", "America/New_York", 1},
    {"Calif.", "", "", "America/Los_Angeles", 1},
    {"Texas", "", "", "America/Chicago", 2},
    {"tx", "", "", "America/Chicago", 2},
    {"Alaska", "", "", "America/Anchorage", 5},  // Anchorage, Adak, Juneau, Nome, Yakutat
    {"Hawaii", "", "", "Pacific/Honolulu", 1},
    {"Puerto Rico", "", "", "America/Puerto_Rico", 1},
    {"Narnia", "", "", "NULL", 0},
    {"", "", "(212) 555-0199", "America/New_York", 1},
    {"", "", "+1 212 555 0199", "America/New_York", 1},
    {"", "", "1-907-555-0100", "America/Juneau", 4},  // libphonenumber's zones for 907
    {"", "", "(850) 555-0100", "America/Chicago", 2},
    {"", "", "+1 416 555 0199", "America/Toronto", 1},  // Canada shares NANP
    {"", "", "555-0100", "NULL", 0},                    // no area code
    {"", "", "+44 20 7946 0958", "NULL", 0},
    {"", "", "\xf0\x9f\x93\x9e", "NULL", 0},
    {"", "\xef\xbc\x91\xef\xbc\x90\xef\xbc\x90\xef\xbc\x90\xef\xbc\x91", "", "NULL",
     0},                                      // full-width digits: not a ZIP
    {"\xff\xfe", "\xff", "\xff", "NULL", 0},  // invalid UTF-8
    {"FL", "32501", "+1 305 555 0100", "America/Chicago", 1},
    {"CA", "10001", "", "America/New_York", 1},  // ZIP beats a contradicting state
};

TEST(TimezoneFor, MessyEvidence)
{
    for (const GeoCase &c : kMessy) {
        SCOPED_TRACE(std::string("state=[") + c.state + "] zip=[" + c.zip + "] phone=[" + c.phone + "]");
        EXPECT_EQ(tz(c.state, c.zip, c.phone), c.zone);
        Zones zones = timezones_for(c.state, c.zip, c.phone);
        EXPECT_EQ(zones.size(), c.zones);
        if (!zones.empty()) {
            EXPECT_EQ(zones.front(), c.zone);
        }
    }
}

TEST(TimezoneFor, VeryLongInputsAreSafe)
{
    std::string junk(1 << 20, 'x');
    EXPECT_EQ(tz(junk, junk, junk), "NULL");
    EXPECT_EQ(tz(junk, "10001", junk), "America/New_York");
}

}  // namespace
