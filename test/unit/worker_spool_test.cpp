// The durable spool: records are framed with their length and CRC-32, appended durably, replayed
// in order and dropped only once the handler says they are done; a record a crash cut short (a torn
// tail) or one a bad disk changed is skipped, never a crash; the files of a process that died are
// adopted by the next one, and nothing secret is written.
#include "spool.hpp"

#include <gtest/gtest.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace outreach::worker;

namespace {

// A fresh directory under TMPDIR, removed with what is in it.
class TempDir {
public:
    TempDir()
    {
        const char *base = std::getenv("TMPDIR");
        std::string templ = std::string(base && *base ? base : "/tmp") + "/spool-test-XXXXXX";
        path_ = mkdtemp(templ.data());
    }
    ~TempDir()
    {
        for (const auto &f : files()) ::unlink((path_ + "/" + f).c_str());
        ::rmdir(path_.c_str());
    }
    const std::string &path() const { return path_; }
    std::vector<std::string> files() const
    {
        std::vector<std::string> out;
        if (DIR *d = ::opendir(path_.c_str())) {
            while (const dirent *e = ::readdir(d))
                if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") out.push_back(e->d_name);
            ::closedir(d);
        }
        return out;
    }

private:
    std::string path_;
};

std::string read_file(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const std::string &path, const std::string &data)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << data;
}

// Replays everything, collecting the payloads in order.
std::vector<std::string> drain(Spool &spool)
{
    std::vector<std::string> seen;
    spool.replay([&](const std::string &p) {
        seen.push_back(p);
        return Spool::Outcome::done;
    });
    return seen;
}

}  // namespace

TEST(SpoolFormat, RecordsCarryLengthAndChecksum)
{
    const std::string r = encode_spool_record("hello");
    ASSERT_EQ(r.size(), spool_header_bytes + 5);
    EXPECT_EQ(r.substr(0, 4), "OSP1");
    EXPECT_EQ(r.substr(4, 4), std::string("\x05\0\0\0", 4));
    EXPECT_EQ(r.substr(8, 4), std::string("\x86\xa6\x10\x36", 4));  // CRC-32 of "hello", 0x3610a686
    const SpoolScan scan = scan_spool(r + encode_spool_record("") + encode_spool_record("world"));
    ASSERT_EQ(scan.records.size(), 3u);
    EXPECT_EQ(scan.records[2].length, 5u);
    EXPECT_EQ(scan.torn_tail, 0u);
    EXPECT_TRUE(scan.skipped.empty());
}

TEST(SpoolFormat, ATornTailIsFoundWhereverTheCrashCutIt)
{
    const std::string whole = encode_spool_record("first") + encode_spool_record("second");
    const std::string last = encode_spool_record("third, cut short");
    for (std::size_t cut = 1; cut < last.size(); ++cut) {
        const SpoolScan scan = scan_spool(whole + last.substr(0, cut));
        ASSERT_EQ(scan.records.size(), 2u) << cut;
        EXPECT_EQ(scan.torn_tail, cut) << cut;
        EXPECT_EQ(scan.end, whole.size()) << cut;
    }
}

TEST(SpoolFormat, ACorruptRecordIsSkippedAndReadingGoesOn)
{
    std::string data = encode_spool_record("one") + encode_spool_record("two") + encode_spool_record("three");
    data[spool_header_bytes + 3 + spool_header_bytes + 1] ^= 0x20;  // a byte of "two" flipped: its checksum fails
    const SpoolScan scan = scan_spool(data);
    ASSERT_EQ(scan.records.size(), 2u);
    EXPECT_EQ(data.substr(scan.records[0].offset, scan.records[0].length), "one");
    EXPECT_EQ(data.substr(scan.records[1].offset, scan.records[1].length), "three");
    ASSERT_EQ(scan.skipped.size(), 1u);
    EXPECT_EQ(scan.skipped[0].length, spool_header_bytes + 3);
    // a length that runs past the end, with whole records after it in the file, is skipped too
    std::string lying = encode_spool_record("x");
    lying[4] = '\x7f';
    const SpoolScan again = scan_spool(lying + encode_spool_record("after"));
    ASSERT_EQ(again.records.size(), 1u);
    EXPECT_EQ(again.skipped.size(), 1u);
    // garbage alone is a torn tail
    EXPECT_EQ(scan_spool("OSP1garbage").torn_tail, 11u);
    EXPECT_EQ(scan_spool(std::string(3, '\0')).records.size(), 0u);
}

TEST(SpoolFormat, RequestsRoundTripWithoutSecrets)
{
    SpooledRequest r;
    r.provider = "twilio";
    r.team = "acme";
    r.path = "/webhooks/twilio/acme";
    r.host = "127.0.0.1:8080";
    r.remote = "127.0.0.1";
    r.body = "MessageSid=SM1&Body=STOP";
    r.received_at = "2026-12-07T04:00:00.123Z";
    r.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    const std::string payload = spool_payload(r);
    EXPECT_EQ(payload.find("Signature"), std::string::npos);
    const auto back = spooled_request(payload);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->body, r.body);
    EXPECT_EQ(back->received_at, r.received_at);
    EXPECT_EQ(back->headers, r.headers);
    EXPECT_FALSE(spooled_request("{}"));
    EXPECT_FALSE(spooled_request("not json"));
}

TEST(Spool, AppendsAndReplaysInOrder)
{
    TempDir dir;
    {
        Spool spool(dir.path() + "/nested/spool");  // created, with its parents
        EXPECT_EQ(spool.depth(), 0u);
        EXPECT_TRUE(drain(spool).empty());
        for (int i = 0; i < 5; ++i) ASSERT_TRUE(spool.append("record " + std::to_string(i)));
        EXPECT_EQ(spool.depth(), 5u);
        EXPECT_EQ(drain(spool), (std::vector<std::string>{"record 0", "record 1", "record 2", "record 3", "record 4"}));
        EXPECT_EQ(spool.depth(), 0u);
        EXPECT_TRUE(drain(spool).empty());  // replayed once
        ASSERT_TRUE(spool.append("later"));
        EXPECT_EQ(drain(spool), std::vector<std::string>{"later"});
    }  // nothing waits: the file goes with the spool
    EXPECT_EQ(::rmdir((dir.path() + "/nested/spool").c_str()), 0);
    EXPECT_EQ(::rmdir((dir.path() + "/nested").c_str()), 0);
}

TEST(Spool, NothingIsDroppedBeforeTheHandlerSaysDone)
{
    TempDir dir;
    Spool spool(dir.path());
    for (const char *p : {"a", "b", "c"}) ASSERT_TRUE(spool.append(p));
    // the database answers the first, then goes away
    std::vector<std::string> seen;
    const std::size_t done = spool.replay([&](const std::string &p) {
        seen.push_back(p);
        return seen.size() == 1 ? Spool::Outcome::done : Spool::Outcome::retry_later;
    });
    EXPECT_EQ(done, 1u);
    EXPECT_EQ(spool.depth(), 2u);
    ASSERT_TRUE(spool.append("d"));  // still spooling meanwhile
    EXPECT_EQ(drain(spool), (std::vector<std::string>{"b", "c", "d"}));
    EXPECT_EQ(spool.depth(), 0u);
    // replayed to the end: the file is emptied
    ASSERT_EQ(dir.files().size(), 1u);
    EXPECT_EQ(read_file(dir.path() + "/" + dir.files()[0]), "");
}

TEST(Spool, AProcessThatDiedLeavesItsRecordsToTheNext)
{
    TempDir dir;
    {
        Spool first(dir.path());
        ASSERT_TRUE(first.append("stop 1"));
        ASSERT_TRUE(first.append("stop 2"));
    }  // the process ends with records waiting: its file stays
    ASSERT_EQ(dir.files().size(), 1u);
    Spool next(dir.path());
    EXPECT_EQ(next.depth(), 2u);
    EXPECT_EQ(drain(next), (std::vector<std::string>{"stop 1", "stop 2"}));
    EXPECT_TRUE(dir.files().empty());  // replayed whole: removed
}

TEST(Spool, ATornTailLeftByACrashIsSkippedWithTheRecordsBeforeItKept)
{
    TempDir dir;
    const std::string path = dir.path() + "/spool-000000000000001-1.log";
    const std::string cut = encode_spool_record("half of a record");
    write_file(path, encode_spool_record("whole 1") + encode_spool_record("whole 2") + cut.substr(0, cut.size() / 2));
    Spool spool(dir.path());
    EXPECT_EQ(spool.depth(), 2u);
    EXPECT_EQ(drain(spool), (std::vector<std::string>{"whole 1", "whole 2"}));
    EXPECT_TRUE(dir.files().empty());
    EXPECT_EQ(spool.depth(), 0u);
}

TEST(Spool, OlderFilesAreReplayedFirstAndALiveProcessesFileIsLeftAlone)
{
    TempDir dir;
    write_file(dir.path() + "/spool-000000000000002-2.log", encode_spool_record("second"));
    write_file(dir.path() + "/spool-000000000000001-1.log", encode_spool_record("first"));
    // a file another living process holds (its lock is taken)
    const std::string live = dir.path() + "/spool-000000000000003-3.log";
    write_file(live, encode_spool_record("not ours"));
    const int fd = ::open(live.c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
    {
        Spool spool(dir.path());
        ASSERT_TRUE(spool.append("mine"));
        EXPECT_EQ(drain(spool), (std::vector<std::string>{"first", "second", "mine"}));
    }
    ::close(fd);
    EXPECT_EQ(dir.files(), std::vector<std::string>{"spool-000000000000003-3.log"});
}

TEST(Spool, ADirectoryThatCannotBeUsedIsAnError)
{
    TempDir dir;
    write_file(dir.path() + "/plain-file", "x");
    EXPECT_THROW(Spool(dir.path() + "/plain-file"), std::runtime_error);
    EXPECT_THROW(Spool(""), std::runtime_error);
}
