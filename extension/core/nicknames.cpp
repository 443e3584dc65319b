// Nickname groups for US English given names (plus a few Spanish hypocorisms common in US lead
// data). Written for this project from general knowledge. Each line is one group: names that can
// denote the same person. Two names are nickname-equivalent when some line holds both; a name may
// sit on several lines ("pat" is Patrick or Patricia, "harry" is Harold or Henry), which does not
// make the other members of those lines equivalent to each other (Harold is not Henry).
// Lower case ASCII, as produced by name_key. Keep lines short and unrelated names apart: a false
// nickname pair merges two people.
#include "nicknames.hpp"

#include <algorithm>
#include <iterator>
#include <utility>
#include <vector>

namespace outreach {
namespace {

constexpr std::string_view kGroups[] = {
    // --- men ---------------------------------------------------------------------------------
    "robert bob bobby rob robbie robby bert",
    "william bill billy will willy willie liam wm",
    "richard dick dickie rick ricky rich richie",
    "james jim jimmy jimmie jamie jas",
    "john jack johnny jon jonny jno",
    "jonathan johnathan jonathon jon jonny",
    "thomas tom tommy thom",
    "michael mike mikey mick mickey micky mikael",
    "anthony antony tony",
    "charles chuck charlie chas chaz chip",
    "henry hank harry hal",
    "harold harry hal",
    "edward ed eddie eddy ted teddy ned",
    "edwin ed eddie",
    "edmund edmond ed eddie ned",
    "edgar ed eddie",
    "theodore ted teddy theo",
    "alexander alex alec sandy xander lex sasha",
    "david dave davey davy",
    "daniel dan danny",
    "joseph joe joey jos",
    "lawrence laurence larry",
    "christopher kristopher chris kris topher kit",
    "stephen steven steve stevie steph",
    "andrew andy drew",
    "gregory greg gregg",
    "gerald gerry jerry",
    "jerome jerry",
    "jeremiah jeremy jerry",
    "frederick frederic fredrick fred freddie freddy fritz",
    "albert al bert bertie",
    "alfred al alf alfie fred freddie",
    "alan allan allen al",
    "benjamin ben benny benji",
    "benedict ben benny",
    "samuel sam sammy",
    "nicholas nicolas nick nicky nico",
    "patrick pat paddy",
    "matthew mathew matt matty",
    "timothy tim timmy",
    "ronald ron ronnie ronny",
    "donald don donnie donny",
    "kenneth ken kenny",
    "douglas doug",
    "jeffrey jeffery geoffrey geoff jeff",
    "eugene gene",
    "vincent vince vinny vinnie",
    "walter walt wally",
    "wallace wally",
    "jacob jake",
    "zachary zachery zach zack zak zac",
    "zachariah zechariah zach zack zeke",
    "ezekiel zeke",
    "leonard len lenny leo",
    "leonardo leo",
    "leopold leo",
    "raymond ray",
    "louis lewis lou louie",
    "peter pete",
    "philip phillip phil",
    "francis frank frankie fran",
    "franklin frank frankie",
    "gabriel gabe",
    "joshua josh",
    "nathaniel nathan nate nat",
    "nathan nate",
    "bradley brad",
    "bradford brad",
    "cameron cam",
    "calvin cal",
    "carl karl",
    "clifford cliff",
    "curtis curt kurt",
    "dennis denny",
    "dominic dominick dom",
    "elijah eli",
    "elias eli",
    "ernest ernie",
    "eric erik",
    "gilbert gil",
    "isaac ike",
    "jackson jack",
    "lucas luke",
    "martin marty",
    "marvin marv",
    "maxwell max",
    "maximilian max",
    "melvin mel",
    "mitchell mitch",
    "montgomery monty",
    "norman norm",
    "oliver ollie",
    "randall randy",
    "randolph randy",
    "reginald reggie reg",
    "rodney rod",
    "roger rog",
    "russell russ",
    "stanley stan",
    "stuart stewart stu",
    "terrence terence terry",
    "tobias toby",
    "victor vic",
    "wesley wes",
    "herbert herb",
    "howard howie",
    "abraham abe",
    "archibald archie",
    "arnold arnie",
    "bartholomew bart",
    "bernard bernie",
    "cyrus cy",
    "gordon gordy",
    "mortimer mort",
    "percival percy",
    "solomon sol",
    "sylvester sly",
    "thaddeus thad",
    "tyrone ty",
    "tyler ty",
    "kevin kev",
    "marcus marc mark",
    "reuben ruben rube",
    "salvatore sal",
    "sebastian seb",
    "valentine val",
    "woodrow woody",
    "elwood woody",
    "emmanuel immanuel manny",
    "augustus august gus",
    "augustine gus",
    "gustave gustav gus",
    "harrison harry",
    "jason jay",
    "ignatius iggy",
    "lloyd loyd",
    "malcolm mal",
    "oswald oz ozzie",
    "rudolph rudolf rudy",
    "sidney sydney sid",
    "wilbur will",
    "wilfred will fred",
    "aaron ron ronnie",
    "alvin al",
    "arthur art artie",
    "chester chet",
    "clement clem",
    "derek derrick",
    "desmond des",
    "ferdinand ferdie",
    "jefferson jeff",
    "lester les",
    "leslie les",
    "manfred manny",
    "mathias matt",
    "mervin merv",
    "phineas finn",
    "quentin quinn",
    "raphael rafael rafe",
    "roland rollie",
    "samson sam",
    "spencer spence",
    "vernon vern",
    "willard will",
    // --- women -------------------------------------------------------------------------------
    "elizabeth elisabeth liz lizzie lizzy liza eliza beth betty bette betsy bess bessie libby "
    "lisbeth elsie",
    "margaret peggy peg maggie meg marge margie margo greta",
    "katherine katharine kathryn catherine cathryn kathleen kate katie kathy cathy kat kit kitty "
    "kay",
    "susan susanne suzanne susanna sue susie suzie suzy",
    "sandra sandy sandi",
    "alexandra alex alexa lexi lexie sandy sasha",
    "jennifer jen jenn jenny jennie",
    "patricia pat patty patti tricia trish trisha",
    "deborah debra debbie debby deb",
    "cynthia cindy",
    "abigail abby abbie gail",
    "victoria vicky vicki vickie tori",
    "rebecca becky becca",
    "mary molly polly mae mamie",
    "ann anne anna annie nancy nan",
    "sarah sara sally sadie",
    "dorothy dot dottie dolly",
    "barbara barb barbie babs",
    "jessica jess jessie",
    "amanda mandy manda",
    "melissa missy mel lissa",
    "pamela pam",
    "kimberly kimberley kim kimmy",
    "christine christina christy chris chrissy chrissie tina",
    "kristen kristin kris kristy",
    "stephanie steph stephie",
    "theresa teresa terry terri tess tessa tessie",
    "judith judy jude",
    "josephine jo josie",
    "joanna joanne johanna jo",
    "frances fran frannie",
    "virginia ginny ginger",
    "caroline carolyn carol carrie",
    "eleanor elinor ellie nell nellie nora",
    "helen helena nell nellie lena",
    "valerie val",
    "veronica ronnie roni",
    "gwendolyn gwen wendy",
    "jacqueline jackie jacquie",
    "samantha sam sammy sammie",
    "angela angie",
    "cassandra cassie cass",
    "charlotte charlie lottie",
    "constance connie",
    "diana diane dianne di",
    "evelyn evie",
    "florence flo flossie",
    "gertrude gertie trudy",
    "harriet hattie",
    "henrietta etta hattie",
    "jane janie",
    "janet jan",
    "janice jan",
    "louise louisa lou lulu",
    "lucille lucy",
    "lucinda lucy cindy",
    "madeline madeleine madelyn maddie maddy",
    "madison maddie maddy",
    "martha marty mattie",
    "matilda mathilda tilly tillie mattie",
    "melanie mel",
    "natalie natalia nat",
    "nicole nicki nikki nicky",
    "olivia liv livvy",
    "paula pauline",
    "penelope penny",
    "priscilla cilla",
    "rosemary rose rosie",
    "roberta bobbie bobbi robbie",
    "sophia sophie",
    "tabitha tabby",
    "tiffany tiff",
    "wilhelmina willa mina minnie",
    "winifred winnie",
    "beatrice beatrix beatriz bea trixie",
    "gabrielle gabriella gabby gabi",
    "isabella isabel isabelle izzy bella",
    "alison allison ali allie",
    "laura laurie lori",
    "lillian lily lil",
    "marjorie margie marge",
    "mildred millie",
    "millicent millie",
    "philippa pippa",
    "prudence prue pru",
    "regina gina",
    "georgina gina georgie",
    "georgia georgie",
    "tamara tammy",
    "jillian gillian jill",
    "cecilia cecelia celia cissy",
    "estelle estella stella",
    "agnes aggie",
    "adeline adelaide adele addie",
    "antoinette toni",
    "antonia toni",
    "clementine clem",
    "edith edie",
    "emily emilie em emmy",
    "emma em emmy",
    "geraldine gerry geri",
    "jean jeanne jeannie",
    "joan joanie",
    "julia julie",
    "juliet juliette julie",
    "michelle michele shelley shelly",
    "ramona mona",
    "tracy tracey",
    "melinda mindy linda",
    "rosalind roz",
    "allegra allie",
    "claudia claudie",
    "daphne daph",
    "dolores lola",
    "francesca fran frankie",
    "jeanette jeannette nettie",
    "loretta retta lorrie",
    "lorraine lorrie",
    "margarita rita",
    "marguerite rita",
    "rosalyn roz",
    "sharon shari",
    "sylvia sylvie",
    "suzette suzy",
    "vanessa nessa",
    "yvonne vonnie",
    "zoey zoe",
    "kayla kaylee",
    "ashley ashlee ash",
    "courtney court",
    "kelly kelley",
    "leah lea",
    "megan meghan meg",
    "brittany britney brit",
    "hailey haley",
    "makayla mikayla",
    "rachel rachael",
    "shannon shanon",
    // --- common Spanish hypocorisms in US lead data ------------------------------------------
    "jose pepe",
    "francisco paco pancho",
    "guillermo memo",
    "roberto beto",
    "alberto beto",
    "eduardo lalo",
    "enrique kike",
    "ignacio nacho",
    "jesus chuy",
    "manuel manny manolo",
    "guadalupe lupe lupita",
    "concepcion concha conchita",
    "rosario chayo",
    "consuelo chelo",
};

// name -> group ids. An open-addressing hash table (power-of-two capacity, linear probing, at
// most 1/4 full) over the distinct names; each slot points at the name's sorted ids in `ids`.
// Lookups run several times per name_similarity call, mostly for surnames that are not in the
// table, so a miss must be cheap: it usually ends at the first empty slot.
struct Index {
    struct Slot {
        std::string_view name;  // empty: free slot
        std::uint32_t first = 0, count = 0;
    };
    std::vector<Slot> slots;
    std::vector<std::uint16_t> ids;
    std::size_t mask = 0;
};

// FNV-1a over the bytes of a name.
std::uint64_t hash_name(std::string_view s)
{
    std::uint64_t h = 14695981039346656037ull;
    for (char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    return h;
}

// Parses kGroups once into (name, sorted group ids) slots of the hash table.
Index build_index()
{
    std::vector<std::pair<std::string_view, std::uint16_t>> pairs;
    for (std::size_t g = 0; g < std::size(kGroups); ++g) {
        std::string_view line = kGroups[g];
        std::size_t pos = 0;
        while (pos < line.size()) {
            std::size_t end = line.find(' ', pos);
            if (end == std::string_view::npos) end = line.size();
            if (end > pos) pairs.emplace_back(line.substr(pos, end - pos), static_cast<std::uint16_t>(g));
            pos = end + 1;
        }
    }
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());

    Index idx;
    std::size_t capacity = 16;
    while (capacity < 4 * pairs.size()) capacity *= 2;
    idx.slots.resize(capacity);
    idx.mask = capacity - 1;
    idx.ids.reserve(pairs.size());
    for (std::size_t i = 0; i < pairs.size();) {
        const std::string_view name = pairs[i].first;
        const auto first = static_cast<std::uint32_t>(idx.ids.size());
        for (; i < pairs.size() && pairs[i].first == name; ++i) idx.ids.push_back(pairs[i].second);
        std::size_t h = hash_name(name) & idx.mask;
        while (!idx.slots[h].name.empty()) h = (h + 1) & idx.mask;
        idx.slots[h] = {name, first, static_cast<std::uint32_t>(idx.ids.size()) - first};
    }
    return idx;
}

// The process-wide index, built lazily on first use (thread-safe static initialisation).
const Index &index()
{
    static const Index idx = build_index();
    return idx;
}

}  // namespace

// Hash lookup; the ids of one name are stored contiguously and sorted.
std::span<const std::uint16_t> nickname_groups(std::string_view name)
{
    const Index &idx = index();
    if (name.empty()) return {};
    for (std::size_t h = hash_name(name) & idx.mask;; h = (h + 1) & idx.mask) {
        const Index::Slot &slot = idx.slots[h];
        if (slot.name.empty()) return {};
        if (slot.name == name) return {idx.ids.data() + slot.first, slot.count};
    }
}

// Sorted-list intersection test; the lists hold one to three ids in practice.
bool share_nickname_group(std::span<const std::uint16_t> a, std::span<const std::uint16_t> b)
{
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i] == b[j]) return true;
        if (a[i] < b[j])
            ++i;
        else
            ++j;
    }
    return false;
}

// Convenience form of the two functions above.
bool nickname_equivalent(std::string_view a, std::string_view b)
{
    return share_nickname_group(nickname_groups(a), nickname_groups(b));
}

}  // namespace outreach
