// bench/datagen: the generated CSV is well-formed, honest about its truth, deterministic, and has
// the messiness and hard cases the resolution benchmark relies on. The generator is compiled into
// this test (its main left out); the CSV is read back with an RFC 4180 parser written here, and
// field values are judged by the core normalizers the importer will use.
#define OUTREACH_DATAGEN_NO_MAIN
#include "../../bench/datagen.cpp"

#include "core/address.hpp"
#include "core/names.hpp"
#include "core/phone.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <unistd.h>

namespace {

namespace dg = outreach::datagen;
namespace fs = std::filesystem;
using Record = std::vector<std::string>;

// RFC 4180 reader: records end at LF or CRLF outside quotes; quoted fields may hold commas,
// line breaks and doubled quotes. Bytes are kept as they are (invalid UTF-8 included). Fails the
// test on malformed quoting, which even the deliberately bad rows must not have.
std::vector<Record> parse_csv(std::string_view text)
{
    std::vector<Record> out;
    Record rec;
    std::string field;
    std::size_t i = 0;
    const std::size_t n = text.size();
    while (i < n) {
        if (text[i] == '"') {
            ++i;
            while (true) {
                if (i >= n) {
                    ADD_FAILURE() << "unterminated quoted field in record " << out.size();
                    return out;
                }
                if (text[i] == '"') {
                    if (i + 1 < n && text[i + 1] == '"') {
                        field += '"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                field += text[i++];
            }
            if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
                ADD_FAILURE() << "text after a closing quote in record " << out.size();
                return out;
            }
        } else {
            while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
                if (text[i] == '"') ADD_FAILURE() << "quote inside an unquoted field in record " << out.size();
                field += text[i++];
            }
        }
        rec.push_back(std::move(field));
        field.clear();
        if (i < n && text[i] == ',') {
            ++i;
            if (i == n) rec.emplace_back();
            continue;
        }
        if (i < n && text[i] == '\r') ++i;
        if (i < n && text[i] == '\n') ++i;
        out.push_back(std::move(rec));
        rec.clear();
    }
    return out;
}

bool valid_utf8(std::string_view s)
{
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (len == 0 || i + len > s.size() || (len == 2 && c < 0xC2)) return false;
        for (std::size_t k = 1; k < len; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += len;
    }
    return true;
}

std::string slurp(const fs::path &p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string digits(std::string_view s)
{
    std::string d;
    for (char c : s)
        if (c >= '0' && c <= '9') d += c;
    return d;
}

std::string key(std::string_view s) { return outreach::name_key(s).value_or(""); }

// A fresh directory per test, removed afterwards.
class TempDir {
public:
    TempDir()
    {
        static int counter = 0;
        path_ = fs::temp_directory_path() /
                ("datagen_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        fs::create_directories(path_);
    }
    ~TempDir()
    {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    fs::path operator/(const std::string &name) const { return path_ / name; }

private:
    fs::path path_;
};

// Runs the generator's command line; returns its exit status.
int run_cli(std::vector<std::string> args)
{
    args.insert(args.begin(), "bench_datagen");
    args.push_back("--quiet");
    std::vector<const char *> argv;
    for (const auto &a : args) argv.push_back(a.c_str());
    return dg::run(static_cast<int>(argv.size()), argv.data());
}

constexpr int kColumns = 15;
// Column positions (the header order).
enum Col {
    company,
    first,
    last,
    phone,
    email,
    sic,
    naics,
    employees,
    revenue,
    street,
    city,
    state,
    zip,
    website,
    years
};

TEST(DatagenCli, HeaderStylesArePinned)
{
    const std::map<std::string, std::string> want = {
        {"camel", "companyName,ownerFirstName,ownerLastName,phone,email,sicCode,naicsCode,employeeCount,"
                  "annualRevenue,street,city,state,zip,website,yearsInBusiness"},
        {"snake", "company_name,owner_first_name,owner_last_name,phone,email,sic_code,naics_code,employee_count,"
                  "annual_revenue,street,city,state,zip,website,years_in_business"},
        {"title", "Company Name,Owner First Name,Owner Last Name,Phone,Email,SIC Code,NAICS Code,Employee Count,"
                  "Annual Revenue,Street,City,State,Zip,Website,Years In Business"},
    };
    TempDir dir;
    for (const auto &[style, header] : want) {
        const auto out = dir / (style + ".csv");
        ASSERT_EQ(run_cli({"--rows", "20", "--out", out.string(), "--header", style}), 0);
        const std::string text = slurp(out);
        EXPECT_EQ(text.substr(0, text.find('\n')), header) << style;
    }
    // The default is camel.
    const auto out = dir / "default.csv";
    ASSERT_EQ(run_cli({"--rows", "5", "--out", out.string()}), 0);
    const std::string text = slurp(out);
    EXPECT_EQ(text.substr(0, text.find('\n')), want.at("camel"));
}

TEST(DatagenCli, RejectsUnusableArguments)
{
    TempDir dir;
    const std::string out = (dir / "x.csv").string();
    EXPECT_EQ(run_cli({"--out", out}), 2);    // no --rows
    EXPECT_EQ(run_cli({"--rows", "10"}), 2);  // no --out
    EXPECT_EQ(run_cli({"--rows", "0", "--out", out}), 2);
    EXPECT_EQ(run_cli({"--rows", "-3", "--out", out}), 2);
    EXPECT_EQ(run_cli({"--rows", "10", "--out", out, "--header", "kebab"}), 2);
    EXPECT_EQ(run_cli({"--rows", "10", "--out", out, "--bad-rows", "1.5"}), 2);
    EXPECT_EQ(run_cli({"--rows", "10", "--out", out, "--dup-rate", "abc"}), 2);
    EXPECT_EQ(run_cli({"--rows", "10", "--out", out, "--colour"}), 2);
    EXPECT_EQ(run_cli({"--rows", "10", "--out", (dir / "no/such/dir/x.csv").string()}), 1);
}

TEST(DatagenCsv, FieldsAreQuotedPerRfc4180)
{
    std::string row;
    dg::append_csv_field(row, "plain");
    row += ',';
    dg::append_csv_field(row, "Smith, Jones & Lee, LLP");
    row += ',';
    dg::append_csv_field(row, "Robert \"Bob\"");
    row += ',';
    dg::append_csv_field(row, "123 Main St\nSuite 4");
    row += ',';
    dg::append_csv_field(row, " jsmith@x.com");
    row += ',';
    dg::append_csv_field(row, "");
    EXPECT_EQ(row, "plain,\"Smith, Jones & Lee, LLP\",\"Robert \"\"Bob\"\"\",\"123 Main St\nSuite 4\","
                   "\" jsmith@x.com\",");
    const auto recs = parse_csv(row + "\n");
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0], (Record{"plain", "Smith, Jones & Lee, LLP", "Robert \"Bob\"", "123 Main St\nSuite 4",
                               " jsmith@x.com", ""}));
}

// One generated file shared by the content checks below: 2,000 rows with enough bad rows to see
// every defect kind.
class DatagenFile : public ::testing::Test {
protected:
    static constexpr int kRows = 2000;

    static void SetUpTestSuite()
    {
        dir_ = new TempDir;
        const auto csv = *dir_ / "leads.csv", truth = *dir_ / "truth.csv";
        ASSERT_EQ(run_cli({"--rows", std::to_string(kRows), "--seed", "42", "--out", csv.string(), "--truth",
                           truth.string(), "--bad-rows", "0.03"}),
                  0);
        raw_ = new std::string(slurp(csv));
        rows_ = new std::vector<Record>(parse_csv(*raw_));
        truth_ = new std::vector<Record>(parse_csv(slurp(truth)));
        zip_state_ = new std::map<std::string, std::string>;
        dg::for_each_record(*outreach::reference_csv("us_zip"),
                            [](const std::vector<std::string_view> &f) { (*zip_state_)[std::string(f[0])] = f[1]; });
        npa_region_ = new std::map<std::string, std::string>;
        dg::for_each_record(*outreach::reference_csv("nanp_area_codes"),
                            [](const std::vector<std::string_view> &f) { (*npa_region_)[std::string(f[0])] = f[1]; });
    }
    static void TearDownTestSuite()
    {
        delete dir_;
        delete raw_;
        delete rows_;
        delete truth_;
        delete zip_state_;
        delete npa_region_;
    }

    // Data row i (0-based) and its truth line.
    static const Record &row(int i) { return (*rows_)[i + 1]; }
    static const Record &truth(int i) { return (*truth_)[i + 1]; }
    static bool is_bad(int i) { return truth(i)[3] == "1"; }
    static const std::string &defect(int i) { return truth(i)[4]; }
    // Rows that must import and have no deliberate defect at all.
    static bool clean(int i) { return !is_bad(i) && defect(i).empty(); }

    // Calls fn(i, j) for every pair of importable rows; stops when fn returns true.
    template <typename F>
    static bool any_pair(F &&fn)
    {
        for (int i = 0; i < kRows; ++i) {
            if (is_bad(i)) continue;
            for (int j = i + 1; j < kRows; ++j)
                if (!is_bad(j) && fn(i, j)) return true;
        }
        return false;
    }

    static inline TempDir *dir_ = nullptr;
    static inline std::string *raw_ = nullptr;
    static inline std::vector<Record> *rows_ = nullptr, *truth_ = nullptr;
    static inline std::map<std::string, std::string> *zip_state_ = nullptr, *npa_region_ = nullptr;
};

TEST_F(DatagenFile, TruthHasOneLinePerDataRow)
{
    ASSERT_EQ(rows_->size(), static_cast<std::size_t>(kRows + 1));
    ASSERT_EQ(truth_->size(), static_cast<std::size_t>(kRows + 1));
    EXPECT_EQ(truth_->front(), (Record{"row_number", "person_id", "business_id", "is_bad_row", "defect"}));
    const std::set<std::string> kinds = {"", "column_count", "utf8", "revenue", "email", "phone"};
    for (int i = 0; i < kRows; ++i) {
        const Record &t = truth(i);
        ASSERT_EQ(t.size(), 5u) << "truth line " << i + 1;
        EXPECT_EQ(t[0], std::to_string(i + 1));
        EXPECT_GT(std::stoul(t[1]), 0u);
        EXPECT_GT(std::stoul(t[2]), 0u);
        EXPECT_TRUE(kinds.count(t[4])) << t[4];
        EXPECT_EQ(t[3] == "1", t[4] == "column_count" || t[4] == "utf8") << "row " << i + 1;
    }
}

TEST_F(DatagenFile, ImportableRowsParseAndBadRowsAreReallyBad)
{
    std::map<std::string, int> seen;
    for (int i = 0; i < kRows; ++i) {
        const Record &r = row(i);
        std::string joined;
        for (const auto &f : r) joined += f;
        ++seen[defect(i)];
        if (!is_bad(i)) {
            EXPECT_EQ(r.size(), static_cast<std::size_t>(kColumns)) << "row " << i + 1;
            EXPECT_TRUE(valid_utf8(joined)) << "row " << i + 1;
        } else if (defect(i) == "column_count") {
            EXPECT_NE(r.size(), static_cast<std::size_t>(kColumns)) << "row " << i + 1;
        } else {
            EXPECT_EQ(r.size(), static_cast<std::size_t>(kColumns)) << "row " << i + 1;
            EXPECT_FALSE(valid_utf8(joined)) << "row " << i + 1;
        }
    }
    for (const char *kind : {"column_count", "utf8", "revenue", "email", "phone"})
        EXPECT_GT(seen[kind], 0) << "no " << kind << " defect in " << kRows << " rows at rate 0.03";
    EXPECT_GT(seen[""], kRows * 9 / 10);
}

TEST_F(DatagenFile, FieldDefectsAreUnusableAndCleanValuesUsable)
{
    int phones = 0, emails = 0;
    for (int i = 0; i < kRows; ++i) {
        if (is_bad(i)) continue;
        const Record &r = row(i);
        const auto p = outreach::normalize_phone(r[phone]);
        ASSERT_TRUE(p.ok());
        const auto e = outreach::normalize_email(r[email]);
        if (defect(i) == "phone") {
            EXPECT_FALSE(p.value().has_value()) << r[phone];
        } else if (!r[phone].empty()) {
            EXPECT_TRUE(p.value().has_value()) << "row " << i + 1 << ": " << r[phone];
            ++phones;
        }
        if (defect(i) == "email") {
            EXPECT_FALSE(e.has_value()) << r[email];
        } else if (!r[email].empty()) {
            EXPECT_TRUE(e.has_value()) << "row " << i + 1 << ": " << r[email];
            ++emails;
        }
        const bool numeric = !r[revenue].empty() && digits(r[revenue]) == r[revenue];
        if (defect(i) == "revenue")
            EXPECT_FALSE(numeric) << r[revenue];
        else
            EXPECT_TRUE(r[revenue].empty() || numeric) << r[revenue];
        EXPECT_TRUE(r[employees].empty() || digits(r[employees]) == r[employees]);
    }
    EXPECT_GT(phones, kRows * 8 / 10);
    EXPECT_GT(emails, kRows * 7 / 10);
}

TEST_F(DatagenFile, ZipAndStateAgreeAndPhonesAreInState)
{
    int checked = 0, phones = 0, in_state = 0;
    for (int i = 0; i < kRows; ++i) {
        if (!clean(i)) continue;
        const Record &r = row(i);
        const auto z = outreach::normalize_zip(r[zip]);
        const auto s = outreach::normalize_state(r[state]);
        ASSERT_TRUE(z && s) << "row " << i + 1 << ": " << r[zip] << " / " << r[state];
        ASSERT_TRUE(zip_state_->count(*z)) << *z;
        EXPECT_EQ(zip_state_->at(*z), *s) << "row " << i + 1;
        ++checked;
        const std::string d = digits(r[phone].substr(0, r[phone].find_first_of("xe#")));
        if (d.size() >= 10) {
            ++phones;
            const std::string npa = d.substr(d.size() - 10, 3);
            in_state += npa_region_->count(npa) && npa_region_->at(npa) == *s;
        }
    }
    EXPECT_GT(checked, kRows * 9 / 10);
    // Business lines are always in state (see GeneratorInternals); a few mobiles keep an old one.
    EXPECT_GT(in_state, phones * 95 / 100);
}

TEST_F(DatagenFile, DuplicateRateIsAsRequested)
{
    std::set<std::string> persons;
    int repeats = 0;
    for (int i = 0; i < kRows; ++i) repeats += !persons.insert(truth(i)[1]).second;
    const double rate = static_cast<double>(repeats) / kRows;
    EXPECT_NEAR(rate, 0.3, 0.04);
}

TEST_F(DatagenFile, RepeatsAreMessy)
{
    // Among rows of one person, some spell the first name differently (nickname, typo, case) and
    // some show another phone layout: the file is not trivially deduplicated by equality.
    std::map<std::string, int> first_row;
    int differently_spelled = 0, other_layout = 0, pairs = 0;
    for (int i = 0; i < kRows; ++i) {
        if (!clean(i)) continue;
        auto [it, fresh] = first_row.emplace(truth(i)[1], i);
        if (fresh) continue;
        const Record &a = row(it->second), &b = row(i);
        ++pairs;
        differently_spelled += a[first] != b[first];
        other_layout += !a[phone].empty() && digits(a[phone]) == digits(b[phone]) && a[phone] != b[phone];
    }
    ASSERT_GT(pairs, 300);
    EXPECT_GT(differently_spelled, pairs / 10);
    EXPECT_GT(other_layout, pairs / 10);
}

TEST_F(DatagenFile, SharedBusinessLineIsPresent)
{
    // Different people of one business listed with the same (main line) phone.
    EXPECT_TRUE(any_pair([](int i, int j) {
        const std::string a = digits(row(i)[phone]), b = digits(row(j)[phone]);
        return truth(i)[1] != truth(j)[1] && truth(i)[2] == truth(j)[2] && a.size() >= 10 &&
               a.substr(a.size() - 10) == (b.size() >= 10 ? b.substr(b.size() - 10) : "");
    }));
}

TEST_F(DatagenFile, SharedMailboxIsPresent)
{
    // info@ / office@ / ... of one business used by two different people.
    EXPECT_TRUE(any_pair([](int i, int j) {
        const auto a = outreach::normalize_email(row(i)[email]), b = outreach::normalize_email(row(j)[email]);
        if (!a || a != b || truth(i)[1] == truth(j)[1]) return false;
        const std::string local = a->substr(0, a->find('@'));
        return local == "info" || local == "office" || local == "contact" || local == "hello" || local == "admin" ||
               local == "sales";
    }));
}

TEST_F(DatagenFile, HouseholdIsPresent)
{
    // Two different people with one surname at one street address and ZIP, with other first names.
    EXPECT_TRUE(any_pair([](int i, int j) {
        const Record &a = row(i), &b = row(j);
        return truth(i)[1] != truth(j)[1] && !a[last].empty() && key(a[last]) == key(b[last]) &&
               key(a[first]) != key(b[first]) && outreach::normalize_zip(a[zip]) == outreach::normalize_zip(b[zip]) &&
               !a[street].empty() && outreach::normalize_street(a[street]) == outreach::normalize_street(b[street]);
    }));
}

TEST_F(DatagenFile, NamesakesElsewhereArePresent)
{
    // Different people with the same first and last name in different ZIPs.
    EXPECT_TRUE(any_pair([](int i, int j) {
        const Record &a = row(i), &b = row(j);
        return truth(i)[1] != truth(j)[1] && key(a[first]) == key(b[first]) && key(a[last]) == key(b[last]) &&
               outreach::normalize_zip(a[zip]) != outreach::normalize_zip(b[zip]);
    }));
}

TEST_F(DatagenFile, TextIsUtf8WithAccentsAndQuoting)
{
    int accented = 0, with_comma = 0, with_quote = 0;
    for (int i = 0; i < kRows; ++i) {
        if (is_bad(i)) continue;
        for (const auto &f : row(i)) {
            accented += f.find('\xC3') != std::string::npos;
            with_comma += f.find(',') != std::string::npos;
            with_quote += f.find('"') != std::string::npos;
        }
    }
    EXPECT_GT(accented, 10);
    EXPECT_GT(with_comma, 100);                        // "Acme, LLC", "12 Main St, Ste 4", "Smith, Jones & Lee"
    EXPECT_GT(with_quote, 0);                          // Robert "Bob"
    EXPECT_EQ(raw_->find("\r\n"), std::string::npos);  // LF unless --crlf
}

TEST(Datagen, SameSeedSameBytesOtherSeedOtherBytes)
{
    TempDir dir;
    auto gen = [&](const std::string &name, const std::string &seed) {
        EXPECT_EQ(run_cli({"--rows", "2000", "--seed", seed, "--out", (dir / (name + ".csv")).string(), "--truth",
                           (dir / (name + ".truth")).string()}),
                  0);
        return std::make_pair(slurp(dir / (name + ".csv")), slurp(dir / (name + ".truth")));
    };
    const auto a = gen("a", "7"), b = gen("b", "7"), c = gen("c", "8");
    EXPECT_GT(a.first.size(), 100000u);
    EXPECT_EQ(a.first, b.first);
    EXPECT_EQ(a.second, b.second);
    EXPECT_NE(a.first, c.first);
}

TEST(Datagen, RatesCanBeTurnedOffAndUp)
{
    TempDir dir;
    auto repeats_and_bad = [&](const std::string &dup, const std::string &bad) {
        const auto truth = dir / ("t" + dup + bad);
        EXPECT_EQ(run_cli({"--rows", "2000", "--out", (dir / "x.csv").string(), "--truth", truth.string(), "--dup-rate",
                           dup, "--bad-rows", bad}),
                  0);
        const auto lines = parse_csv(slurp(truth));
        std::set<std::string> persons;
        int repeats = 0, defects = 0;
        for (std::size_t i = 1; i < lines.size(); ++i) {
            repeats += !persons.insert(lines[i][1]).second;
            defects += !lines[i][4].empty();
        }
        return std::make_pair(repeats / 2000.0, defects);
    };
    const auto none = repeats_and_bad("0", "0");
    EXPECT_EQ(none.first, 0.0);
    EXPECT_EQ(none.second, 0);
    const auto many = repeats_and_bad("0.6", "0.1");
    EXPECT_NEAR(many.first, 0.6, 0.05);
    EXPECT_NEAR(many.second, 200, 60);
}

TEST(Datagen, DefectsOnlyOverwriteTheirRows)
{
    // One seed gives the same entities and the same clean rows at any --bad-rows, so a clean file
    // (for a plain COPY baseline) and a dirty one (for the importer) describe the same leads.
    TempDir dir;
    const std::string clean = (dir / "clean.csv").string(), dirty = (dir / "dirty.csv").string();
    for (const auto &[out, rate] : {std::pair{clean, "0"}, std::pair{dirty, "0.05"}}) {
        ASSERT_EQ(run_cli({"--rows", "2000", "--seed", "5", "--out", out, "--truth", out + ".t", "--bad-rows", rate}),
                  0);
    }
    const auto a = parse_csv(slurp(clean)), b = parse_csv(slurp(dirty));
    const auto ta = parse_csv(slurp(clean + ".t")), tb = parse_csv(slurp(dirty + ".t"));
    ASSERT_EQ(a.size(), b.size());
    ASSERT_EQ(ta.size(), tb.size());
    int defects = 0;
    for (std::size_t i = 1; i < a.size(); ++i) {
        EXPECT_EQ(ta[i][1], tb[i][1]);
        EXPECT_EQ(ta[i][2], tb[i][2]);
        EXPECT_EQ(ta[i][4], "");
        if (tb[i][4].empty())
            EXPECT_EQ(a[i], b[i]) << "row " << i;
        else
            ++defects;
    }
    EXPECT_GT(defects, 50);
}

TEST(Datagen, CrlfOption)
{
    TempDir dir;
    ASSERT_EQ(run_cli({"--rows", "50", "--out", (dir / "x.csv").string(), "--crlf"}), 0);
    const std::string text = slurp(dir / "x.csv");
    std::size_t lf = 0, crlf = 0;
    for (std::size_t i = 0; i < text.size(); ++i)
        if (text[i] == '\n') ++lf, crlf += i > 0 && text[i - 1] == '\r';
    EXPECT_EQ(lf, crlf);
    EXPECT_EQ(parse_csv(text).size(), 51u);
}

TEST(Datagen, GeneratorInternalsAreConsistent)
{
    // Entities behind the rows: business lines in an area code of the business's state, households
    // share one surname and one address, leads point at existing entities.
    const dg::Geo geo = dg::load_geo_default("");
    dg::Options opt;
    opt.rows = 5000;
    opt.out = "/dev/null";
    dg::Generator gen(opt, geo);
    dg::Writer sink("/dev/null");
    for (std::uint64_t i = 1; i <= opt.rows; ++i) gen.emit(i, sink, nullptr);
    sink.close();
    for (const auto &b : gen.businesses()) {
        const auto &npas = geo.area_codes[geo.zips[b.zip].state];
        EXPECT_NE(std::find(npas.begin(), npas.end(), b.main_line / 10000000), npas.end()) << b.main_line;
        EXPECT_GE(b.main_line % 10000000, 2000000u);  // exchange starts 2-9
    }
    ASSERT_FALSE(gen.households().empty());
    for (const auto &h : gen.households()) {
        ASSERT_GE(h.count, 2);
        for (int m = 1; m < h.count; ++m) EXPECT_EQ(gen.persons()[h.members[m]].last, gen.persons()[h.members[0]].last);
    }
    for (const auto &l : gen.leads()) {
        ASSERT_LT(l.person, gen.persons().size());
        ASSERT_LT(l.business, gen.businesses().size());
    }
    const dg::Summary s = gen.summary();
    EXPECT_EQ(s.rows, 5000u);
    EXPECT_EQ(s.persons, gen.persons().size());
}

TEST(Datagen, ReadsTheDataDirectoryLikeTheEmbeddedCopy)
{
    // --data-dir reads extension/data/*.csv; the result must equal the embedded copy's.
    const fs::path data = fs::path(__FILE__).parent_path() / "../../extension/data";
    if (!fs::exists(data / "us_zip.csv")) GTEST_SKIP() << "source tree not available";
    TempDir dir;
    ASSERT_EQ(run_cli({"--rows", "300", "--out", (dir / "a.csv").string()}), 0);
    ASSERT_EQ(run_cli({"--rows", "300", "--out", (dir / "b.csv").string(), "--data-dir", data.string()}), 0);
    EXPECT_EQ(slurp(dir / "a.csv"), slurp(dir / "b.csv"));
}

}  // namespace
